package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/ingest/store"
)

type coverageOptions struct {
	// src holds the source and filter flags, named and parsed as ingest
	// names them, so that runIngest's helpers apply.
	src   ingestOptions
	usage string
	json  bool
}

func newCoverageCommand() *cobra.Command {
	o := &coverageOptions{}
	cmd := &cobra.Command{
		Use:   "coverage [SOURCE...] [--usage DIR] [--json]",
		Short: "Report how well CloudTrail events map to IAM actions",
		Long: `Reads CloudTrail logs (the same SOURCEs and filters as ingest: s3://bucket[/prefix],
a local directory, or a file) into a temporary usage store, or reads the usage
store in --usage DIR, and reports how the events map to IAM actions:

  events          every event read
  api_events      API calls (the rest are sign-ins, service events, …: non_api)
  mapped          API calls mapped to catalog actions
  unmapped        API calls iamtailor cannot map (listed in unmapped_pairs with why)
  permissionless  API calls that need no permission (sts:GetCallerIdentity, …)
  denied          calls refused with an authorization error (never granted)
  unproven        calls that failed with an error that does not prove authorization
  resource_scoped   mapped actions that take a resource type
  resource_specific those whose resources name only what the call touched

With SOURCEs and --usage DIR, the logs are ingested into DIR first.`,
		Example: `  iamtailor coverage ./logs
  iamtailor coverage s3://trail-bucket/AWSLogs/111122223333/ --since 2024-06-01 --json
  iamtailor coverage --usage ./usage`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCoverage(cmd.Context(), o, args, pathStyleFlag(cmd, &o.src), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.usage, "usage", "", "usage store to read (and, with SOURCEs, to ingest into); default: a temporary one")
	f.BoolVar(&o.json, "json", false, "print one JSON object on stdout")
	addSourceFlags(f, &o.src)
	return cmd
}

func runCoverage(ctx context.Context, o *coverageOptions, args []string, pathStyle *bool, stdout, stderr io.Writer) error {
	if len(args) == 0 && o.usage == "" {
		return usageErrorf("coverage: give SOURCEs (s3://bucket[/prefix], a directory or a file), --usage DIR, or both")
	}
	filter, err := o.src.sourceFilter("coverage")
	if err != nil {
		return err
	}
	if flags := o.src.logOnlyFlags(); len(args) == 0 && len(flags) > 0 {
		return usageErrorf("coverage: %s select logs as they are read and need SOURCEs; a usage store alone cannot apply them", strings.Join(flags, ", "))
	}

	dir := o.usage
	if dir == "" {
		tmp, err := os.MkdirTemp("", "iamtailor-coverage-")
		if err != nil {
			return fmt.Errorf("coverage: temporary usage store: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	var st *store.Store
	var skipped error
	if len(args) > 0 {
		sources, err := ingestSources(ctx, &o.src, args, pathStyle)
		if err != nil {
			return err
		}
		if st, err = store.Open(ctx, dir); err != nil {
			return err
		}
		sum, err := o.src.ingestInto(ctx, st, sources, filter, stderr, o.src.quiet || o.json)
		if err != nil {
			return fmt.Errorf("coverage: %w", err)
		}
		skipped = o.src.skippedError(&sum)
	} else if st, err = store.OpenExisting(ctx, dir); err != nil {
		return err
	}

	cat := catalog.Default()
	since, until := storeWindow(filter)
	a := analyze.NewAnalyzer(cat, analyze.Options{Since: since, Until: until})
	err = st.Read(ctx, store.ReadOptions{Since: since, Until: until}, func(r *store.Row) error {
		a.Add(r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("coverage: read %s: %w", dir, err)
	}
	cov := a.Result().Coverage
	if o.json {
		b, err := json.MarshalIndent(cov, "", "  ")
		if err != nil {
			return err
		}
		if _, err := stdout.Write(append(b, '\n')); err != nil {
			return err
		}
	} else if err := writeCoverage(stdout, cov); err != nil {
		return err
	}
	return skipped
}

// writeCoverage prints the figures for a person.
func writeCoverage(w io.Writer, c analyze.Coverage) error {
	width := max(len(groupDigits(c.Events)), 1)
	var b strings.Builder
	row := func(label string, n int64, note string) {
		line := fmt.Sprintf("%-20s %*s", label, width, groupDigits(n))
		if note != "" {
			line += "  " + note
		}
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "Coverage (catalog %s)\n\n", c.CatalogVersion)
	row("events", c.Events, "")
	row("  non-API", c.NonAPI, "sign-ins, service events, …: need no permission")
	row("  API calls", c.APIEvents, "")
	row("    permissionless", c.Permissionless, "need no permission of the caller")
	row("    mapped", c.Mapped, percent(c.Mapped, c.Mapped+c.Unmapped)+" of the calls that need a permission")
	row("    unmapped", c.Unmapped, "")
	row("  denied", c.Denied, "authorization errors: never granted")
	row("  unproven", c.Unproven, "errors that do not prove authorization: not granted")
	row("  by AWS services", c.ServiceEvents, "not attributed to a principal")
	row("  owners' copies", c.CrossAccountCopies, "cross-account calls seen only in the resource owner's account: caller unknown")
	b.WriteString("\n")
	row("resource-scoped", c.ResourceScoped, "mapped actions that take a resource type")
	row("  specific", c.ResourceSpecific, percent(c.ResourceSpecific, c.ResourceScoped)+
		fmt.Sprintf(" name only what the call touched (%s: resources the call created)", groupDigits(c.ResourceCreated)))
	if len(c.UnmappedPairs) == 0 {
		b.WriteString("\nEvery API call that needs a permission mapped to catalog actions.\n")
	} else {
		b.WriteString("\nUnmapped (eventSource eventName: events, reason):\n")
		for _, p := range c.UnmappedPairs {
			fmt.Fprintf(&b, "  %s %s: %s, %s\n", p.EventSource, p.EventName, groupDigits(p.Count), p.Reason)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func percent(a, b int64) string {
	if b == 0 {
		return "100.0%"
	}
	return fmt.Sprintf("%.1f%%", float64(a)*100/float64(b))
}

// groupDigits writes 1234567 as 1,234,567.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + groupDigits(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
