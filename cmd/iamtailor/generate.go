package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/generate"
	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/store"
)

type generateOptions struct {
	// src holds the source and filter flags, named and parsed as ingest
	// names them.
	src    ingestOptions
	usage  string
	out    string
	format string
	force  bool
	json   bool
	gen    generate.Options
}

func newGenerateCommand() *cobra.Command {
	o := &generateOptions{gen: generate.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "generate SOURCE... | --usage DIR  --out DIR",
		Short: "Write the least-privilege IAM policy each principal needs, from its CloudTrail usage",
		Long: `Reads CloudTrail logs (the same SOURCEs and filters as ingest: s3://bucket[/prefix],
a local directory, or a file) into a temporary usage store, or reads the usage
store in --usage DIR (with SOURCEs too, the logs are ingested into DIR first),
and writes into --out DIR, for every role and user that --principal and
--min-events select:

  <account>/<kind>/<name>.json   the suggested identity policy (canonical JSON);
                                 <name>-1.json, <name>-2.json, … when it is split
                                 to fit the 6,144-character managed policy limit
  <account>/<kind>/<name>.tf     with --format terraform: an aws_iam_policy_document
                                 data source
  summary.json                   per principal: events, actions used, statements,
                                 sizes, splits, and every note a reviewer needs
                                 (denied attempts, actions CloudTrail cannot show,
                                 unmapped events, resources widened and why), the
                                 options and the IAM catalog version

A policy allows every access the principal was seen to use successfully and
nothing else, except where --collapse-* or --action-wildcards widen it, and each
widening is in summary.json. Denied calls never become grants. Service-linked
roles, the root user and other kinds of principals get no policy; summary.json
says why.

--since and --until select the store's usage rows by UTC day (a bound inside a
day takes the whole day), so one store serves any window without reading the
logs again; with SOURCEs they filter the events read as well. --account,
--region and --org-id filter the logs as they are read and need SOURCEs; to
choose principals from a store, use --principal.

The output directory holds one run. An earlier run's files that this run does
not write again (a principal gone, a policy split differently, another format,
a principal whose generation failed this time: its old policy would look
current) are removed; only files that the earlier run's summary.json lists are
ever removed. A directory that is not empty and holds no summary.json is refused
unless --force (then nothing in it is removed). Each file is written to a
temporary name and renamed, and summary.json last.

Exit status: 0 on success; 1 on failure, and when generation failed for some
principal (each is named on stderr and in summary.json; the other principals'
policies are written); 3 when input was skipped beyond --max-skipped (the
policies are written, but may miss what the skipped input showed); 2 on a usage
error.`,
		Example: `  iamtailor generate ./testdata/logs --out ./policies
  iamtailor generate s3://trail-bucket/AWSLogs/111122223333/ --since 30d --principal 'app-*' --out ./policies
  iamtailor generate --usage ./usage --since 2024-06-01 --until 2024-06-30 --format terraform --out ./iac/policies
  iamtailor generate s3://trail-bucket --usage ./usage --out ./policies --json > run.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGenerate(cmd.Context(), o, args, pathStyleFlag(cmd, &o.src), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.usage, "usage", "", "usage store to read (and, with SOURCEs, to ingest into); default: a temporary one")
	f.StringVar(&o.out, "out", "", "output directory (created if missing)")
	f.StringVar(&o.format, "format", string(generate.FormatJSON), "policy file format: json or terraform")
	f.BoolVar(&o.force, "force", false, "write into a non-empty --out that holds no earlier run's summary.json")
	f.BoolVar(&o.json, "json", false, "print the run (ingest summary, files written and removed, summary.json) as one JSON object on stdout")
	addPrincipalFlags(f, &o.gen)
	addPolicyFlags(f, &o.gen)
	addSourceFlags(f, &o.src)
	f.Lookup("since").Usage = "only usage at or after this time: a date (2024-06-01), RFC 3339, or a duration before now (30d); selects the store's rows by UTC day, and filters the logs read"
	f.Lookup("until").Usage = "only usage before this time; a date includes that whole day"
	return cmd
}

// addPolicyFlags registers the flags that shape the generated policies.
func addPolicyFlags(fs *pflag.FlagSet, o *generate.Options) {
	fs.IntVar(&o.CollapseThreshold, "collapse-threshold", o.CollapseThreshold, "S3 objects, SSM parameters or log streams under one prefix before they collapse to prefix/* (0: never)")
	fs.BoolVar(&o.CollapseRegions, "collapse-regions", false, `merge ARNs that differ only in their region into one with "*" as the region`)
	fs.BoolVar(&o.CollapseAccounts, "collapse-accounts", false, `merge ARNs that differ only in their account into one with "*" as the account`)
	fs.BoolVar(&o.ActionWildcards, "action-wildcards", false, "use svc:Prefix* where it matches exactly the observed actions in this catalog version (AWS may add actions that it then matches)")
	fs.BoolVar(&o.Inline, "inline", false, "size the policies as one inline policy each (role 10,240, user 2,048 characters; never split) instead of managed policies (6,144; split up to 10)")
}

func runGenerate(ctx context.Context, o *generateOptions, args []string, pathStyle *bool, stdout, stderr io.Writer) error {
	if len(args) == 0 && o.usage == "" {
		return usageErrorf("generate: give SOURCEs (s3://bucket[/prefix], a directory or a file), --usage DIR, or both")
	}
	if o.out == "" {
		return usageErrorf("generate: --out DIR is required")
	}
	format, err := generate.ParseFormat(o.format)
	if err != nil {
		return usageErrorf("generate: --format: %v", err)
	}
	filter, err := o.src.sourceFilter("generate")
	if err != nil {
		return err
	}
	if flags := o.src.logOnlyFlags(); len(args) == 0 && len(flags) > 0 {
		return usageErrorf("generate: %s select logs as they are read and need SOURCEs; to choose principals from a usage store use --principal", strings.Join(flags, ", "))
	}
	if err := checkPrincipalFlags("generate", &o.gen); err != nil {
		return err
	}
	if o.gen.CollapseThreshold < 0 {
		return usageErrorf("generate: --collapse-threshold must not be negative (0 never collapses)")
	}
	// The output directory is checked before minutes of reading logs.
	previous, err := previousOutput(o.out, o.force)
	if err != nil {
		return err
	}

	st, ingested, cleanup, err := generateStore(ctx, o, args, filter, pathStyle, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	var skipped error
	if ingested != nil {
		skipped = o.src.skippedError(ingested)
	}

	cat := catalog.Default()
	since, until := storeWindow(filter)
	an := analyze.NewAnalyzer(cat, analyze.Options{Since: since, Until: until})
	err = st.Read(ctx, store.ReadOptions{Since: since, Until: until}, func(r *store.Row) error {
		an.Add(r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("generate: read usage store %s: %w", st.Dir(), err)
	}
	usages := an.Result().Principals
	warnUnmatchedPrincipals(stderr, "generate", o.gen.Principals, usages)

	run, err := generate.Generate(usages, cat, o.gen)
	if err != nil {
		return usageErrorf("generate: %v", err)
	}
	files, err := run.Files(format)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	written, removed, err := writeOutput(o.out, files, previous)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}

	if !o.src.quiet {
		writeGenerateText(stderr, &run, o.out, len(removed))
	}
	for _, res := range run.Results {
		if res.Summary.Error != "" {
			fmt.Fprintf(stderr, "generate: no policy for %s: %s\n", res.Principal.ARN, res.Summary.Error)
		}
	}
	if o.json {
		if err := writeGenerateJSON(stdout, o.out, ingested, written, removed, files); err != nil {
			return err
		}
	}
	if n := run.Failed(); n > 0 {
		if skipped != nil {
			fmt.Fprintln(stderr, "iamtailor:", skipped)
		}
		return fmt.Errorf("generate: no policy for %s whose generation failed (named above and in %s)",
			plural(n, "principal"), filepath.Join(o.out, generate.SummaryFile))
	}
	return skipped
}

// generateStore ingests the SOURCEs, if any, into --usage DIR or a
// temporary store, and opens the store to read. ingested is the ingest
// run's summary, nil when nothing was ingested.
func generateStore(ctx context.Context, o *generateOptions, args []string, filter ingest.Filter, pathStyle *bool, stderr io.Writer) (st *store.Store, ingested *ingest.Summary, cleanup func(), err error) {
	cleanup = func() {}
	if len(args) == 0 {
		st, err = store.OpenExisting(ctx, o.usage)
		return st, nil, cleanup, err
	}
	sources, err := ingestSources(ctx, &o.src, args, pathStyle)
	if err != nil {
		return nil, nil, cleanup, err
	}
	dir := o.usage
	if dir == "" {
		tmp, err := os.MkdirTemp("", "iamtailor-generate-")
		if err != nil {
			return nil, nil, cleanup, fmt.Errorf("generate: temporary usage store: %w", err)
		}
		cleanup = func() { os.RemoveAll(tmp) }
		dir = tmp
	}
	if st, err = store.Open(ctx, dir); err != nil {
		cleanup()
		return nil, nil, func() {}, err
	}
	sum, err := o.src.ingestInto(ctx, st, sources, filter, stderr, o.src.quiet || o.json)
	if err != nil {
		cleanup()
		return nil, nil, func() {}, fmt.Errorf("generate: %w", err)
	}
	if o.usage == "" {
		// Its path means nothing once it is removed.
		sum.UsageStore = "(temporary, removed after the run)"
	}
	if !o.src.quiet {
		sum.WriteText(stderr)
	}
	if sum.FilesRead+sum.SkippedFiles()+sum.FilesAlreadyIngested+sum.FilesOutsideWindow == 0 {
		fmt.Fprintln(stderr, "generate: no log objects found: check the SOURCE paths and the filters")
	}
	return st, &sum, cleanup, nil
}

// previousOutput returns the files an earlier run wrote into dir, as its
// summary.json lists them, and refuses a directory that is not empty and
// was not written by generate, unless force. Only the files returned may
// later be removed: nothing else in dir is ever touched.
func previousOutput(dir string, force bool) ([]string, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("generate: --out: %w", err)
	}
	if !fi.IsDir() {
		return nil, usageErrorf("generate: --out %s is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("generate: --out: %w", err)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	files, ok := earlierRunFiles(filepath.Join(dir, generate.SummaryFile))
	switch {
	case ok:
		return files, nil
	case force:
		return nil, nil
	}
	return nil, usageErrorf("generate: --out %s is not empty and holds no summary.json of an earlier generate run: choose a new or empty directory, or give --force to write into it (nothing in it is removed)", dir)
}

// earlierRunFiles reads the policy files an earlier run's summary.json
// lists. ok is false when there is no such summary. A listed path that
// could lead outside the directory, or that is not a policy file, is left
// out, so that a damaged or foreign summary.json can never make a run
// remove anything else.
func earlierRunFiles(summaryPath string) (files []string, ok bool) {
	data, err := os.ReadFile(summaryPath)
	if err != nil {
		return nil, false
	}
	var sum struct {
		CatalogVersion *string `json:"catalog_version"`
		Principals     []struct {
			Files []string `json:"files"`
		} `json:"principals"`
	}
	if err := json.Unmarshal(data, &sum); err != nil || sum.CatalogVersion == nil || sum.Principals == nil {
		return nil, false
	}
	for _, p := range sum.Principals {
		for _, f := range p.Files {
			if policyFilePath(f) {
				files = append(files, f)
			}
		}
	}
	return files, true
}

// policyFilePath accepts the relative, clean, slash-separated paths of
// policy files that a run writes (<account>/<kind>/<name>.json or .tf).
func policyFilePath(p string) bool {
	if p == "" || path.IsAbs(p) || path.Clean(p) != p || strings.HasPrefix(p, "../") || strings.Contains(p, `\`) || strings.Count(p, "/") != 2 {
		return false
	}
	return strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".tf")
}

// writeOutput writes files into dir, summary.json last, each through a
// temporary file and a rename so that no reader sees half a file; a file
// whose bytes are unchanged is left alone. Then it removes the earlier
// run's files that this run did not write, and the directories that leaves
// empty. It returns the paths written and removed, relative to dir.
func writeOutput(dir string, files []generate.File, previous []string) (written, removed []string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", dir, err)
	}
	ordered := slices.Clone(files)
	slices.SortStableFunc(ordered, func(a, b generate.File) int {
		return boolOrder(a.Path == generate.SummaryFile) - boolOrder(b.Path == generate.SummaryFile)
	})
	keep := map[string]bool{}
	for _, f := range ordered {
		if f.Path != generate.SummaryFile {
			if err := writeFileAtomic(dir, f); err != nil {
				return written, nil, err
			}
			keep[f.Path] = true
			written = append(written, f.Path)
			continue
		}
		// The earlier run's files go before its summary.json does, so that
		// an interrupted run leaves a summary listing every file it wrote.
		for _, p := range previous {
			if keep[p] {
				continue
			}
			full := filepath.Join(dir, filepath.FromSlash(p))
			if fi, err := os.Lstat(full); err != nil || !fi.Mode().IsRegular() {
				continue
			}
			if err := os.Remove(full); err != nil {
				return written, removed, fmt.Errorf("remove stale %s: %w", full, err)
			}
			removed = append(removed, p)
			removeEmptyParents(dir, path.Dir(p))
		}
		if err := writeFileAtomic(dir, f); err != nil {
			return written, removed, err
		}
		written = append(written, f.Path)
	}
	slices.Sort(written)
	slices.Sort(removed)
	return written, removed, nil
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeFileAtomic writes one file under dir unless it already holds these
// bytes.
func writeFileAtomic(dir string, f generate.File) error {
	full := filepath.Join(dir, filepath.FromSlash(f.Path))
	if old, err := os.ReadFile(full); err == nil && bytes.Equal(old, f.Data) {
		return nil
	}
	parent := filepath.Dir(full)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", parent, err)
	}
	tmp, err := os.CreateTemp(parent, ".iamtailor-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", full, err)
	}
	_, werr := tmp.Write(f.Data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", full, err)
	}
	if err := os.Rename(tmp.Name(), full); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", full, err)
	}
	return nil
}

// removeEmptyParents removes rel (a directory under dir) and its parents
// up to dir, excluded, as long as they are empty.
func removeEmptyParents(dir, rel string) {
	for rel != "." && rel != "/" && rel != "" {
		if os.Remove(filepath.Join(dir, filepath.FromSlash(rel))) != nil {
			return // not empty, or gone
		}
		rel = path.Dir(rel)
	}
}

// writeGenerateText prints the short human summary of a run on stderr.
func writeGenerateText(w io.Writer, run *generate.Run, out string, removed int) {
	var with, without, skipped, failed, docs int
	accounts := map[string]bool{}
	for _, res := range run.Results {
		accounts[res.Principal.Account] = true
		docs += len(res.Documents)
		switch {
		case res.Summary.Error != "":
			failed++
		case res.Summary.Skipped != "":
			skipped++
		case len(res.Documents) == 0:
			without++
		default:
			with++
		}
	}
	fmt.Fprintf(w, "generate: %s in %s: %d with a policy, %d without one (service-linked, root, nothing that needs a permission, …), %d below --min-events, %d failed\n",
		plural(len(run.Results), "principal"), plural(len(accounts), "account"), with, without, skipped, failed)
	line := fmt.Sprintf("generate: wrote %s and %s in %s", plural(docs, "policy file"), generate.SummaryFile, out)
	if removed > 0 {
		line += fmt.Sprintf("; removed %s of the earlier run", plural(removed, "stale policy file"))
	}
	fmt.Fprintln(w, line)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// generateReport is the --json output: fields in key order, so that the
// bytes are canonical.
type generateReport struct {
	// Ingest is the ingest run's summary; absent when only a store was read.
	Ingest  *ingest.Summary `json:"ingest,omitempty"`
	Out     string          `json:"out"`
	Removed []string        `json:"removed"`
	// Summary is summary.json as written.
	Summary json.RawMessage `json:"summary"`
	Written []string        `json:"written"`
}

func writeGenerateJSON(w io.Writer, out string, ingested *ingest.Summary, written, removed []string, files []generate.File) error {
	rep := generateReport{Ingest: ingested, Out: out, Removed: removed, Written: written}
	if rep.Removed == nil {
		rep.Removed = []string{}
	}
	for _, f := range files {
		if f.Path == generate.SummaryFile {
			rep.Summary = f.Data
		}
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
