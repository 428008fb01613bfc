package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/generate"
	"github.com/iamtailor/iamtailor/generate/review"
	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/authz"
	"github.com/iamtailor/iamtailor/ingest/authz/iamapi"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// currentLive is the --current value that reads the account through IAM.
const currentLive = "live"

type reviewOptions struct {
	// src holds the source and filter flags, named and parsed as ingest
	// names them.
	src     ingestOptions
	usage   string
	current []string
	out     string
	format  string
	force   bool
	gen     generate.Options
}

func newReviewCommand() *cobra.Command {
	o := &reviewOptions{gen: generate.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "review SOURCE... | --usage DIR  --current live|FILE... --out DIR",
		Short: "Compare what principals are granted today with what they used, and suggest the change",
		Long: `Reads CloudTrail logs (the same SOURCEs and filters as ingest) into a temporary
usage store, or reads the usage store in --usage DIR, generates each selected
principal's least-privilege policy as generate does (same selection and policy
flags), and compares it with what is attached today:

  --current live   reads the account with IAM GetAccountAuthorizationDetails
                   (standard AWS credentials; needs iam:GetAccountAuthorizationDetails)
  --current FILE   reads the JSON that ` + "`aws iam get-account-authorization-details`" + ` prints
                   (repeatable: one file per account)

It writes into --out DIR what generate writes (the policies and summary.json) and:

  <account>/<kind>/<name>.diff  unified diff of the current effective identity policy
                                (all attached, inline and group policies merged into one
                                canonical document) against the suggested one
  findings.json                 per principal: used, unused, not observable, denied and
                                wildcard-risk findings, at action and resource level
  review.md                     a pull request body: counts, top findings, the diffs
  report.html                   a self-contained least-privilege report (sortable table,
                                chart of unused permissions)

Roles and users of the accounts the logs cover that did nothing in the window are
reviewed too: everything they hold is unused. An earlier run's policy and diff
files that this run does not write again are removed.

Exit status: 0 when no principal has unused or denied findings, 4 when some do;
1 on failure, and when generation failed for some principal; 3 when input was
skipped beyond --max-skipped (and nothing else is wrong); 2 on a usage error.`,
		Example: `  iamtailor review s3://trail-bucket/AWSLogs/111122223333/ --since 30d --current live --out ./review
  iamtailor review --usage ./usage --current prod.json --current dev.json --principal 'deploy-*' --out ./review`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReview(cmd.Context(), o, args, pathStyleFlag(cmd, &o.src), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.usage, "usage", "", "usage store to read (and, with SOURCEs, to ingest into); default: a temporary one")
	f.StringArrayVar(&o.current, "current", nil, `what is attached today: "live" (IAM GetAccountAuthorizationDetails) or a file written by aws iam get-account-authorization-details (repeatable, one per account)`)
	f.StringVar(&o.out, "out", "", "output directory (created if missing)")
	f.StringVar(&o.format, "format", string(generate.FormatJSON), "format of the suggested policy files: json or terraform")
	f.BoolVar(&o.force, "force", false, "write into a non-empty --out that holds no earlier run's summary.json")
	addPrincipalFlags(f, &o.gen)
	addPolicyFlags(f, &o.gen)
	addSourceFlags(f, &o.src)
	f.Lookup("since").Usage = "only usage at or after this time: a date (2024-06-01), RFC 3339, or a duration before now (30d); selects the store's rows by UTC day, and filters the logs read"
	f.Lookup("until").Usage = "only usage before this time; a date includes that whole day"
	return cmd
}

func runReview(ctx context.Context, o *reviewOptions, args []string, pathStyle *bool, stderr io.Writer) error {
	if len(args) == 0 && o.usage == "" {
		return usageErrorf("review: give SOURCEs (s3://bucket[/prefix], a directory or a file), --usage DIR, or both")
	}
	if o.out == "" {
		return usageErrorf("review: --out DIR is required")
	}
	if len(o.current) == 0 {
		return usageErrorf(`review: --current is required: "live" or the file(s) aws iam get-account-authorization-details wrote`)
	}
	live := slices.Contains(o.current, currentLive)
	if live && len(o.current) > 1 {
		return usageErrorf(`review: --current live reads the account of the AWS credentials; do not combine it with files`)
	}
	format, err := generate.ParseFormat(o.format)
	if err != nil {
		return usageErrorf("review: --format: %v", err)
	}
	filter, err := o.src.sourceFilter("review")
	if err != nil {
		return err
	}
	if flags := o.src.logOnlyFlags(); len(args) == 0 && len(flags) > 0 {
		return usageErrorf("review: %s select logs as they are read and need SOURCEs; to choose principals from a usage store use --principal", strings.Join(flags, ", "))
	}
	if err := checkPrincipalFlags("review", &o.gen); err != nil {
		return err
	}
	if o.gen.CollapseThreshold < 0 {
		return usageErrorf("review: --collapse-threshold must not be negative (0 never collapses)")
	}
	// The output directory and what is attached today are checked first: a
	// wrong path or missing credentials should fail before minutes of
	// reading logs.
	previous, err := reviewPreviousOutput(o.out, o.force)
	if err != nil {
		return err
	}
	accounts, err := reviewCurrent(ctx, o, live)
	if err != nil {
		return err
	}

	st, skipped, cleanup, err := reviewStore(ctx, o, args, filter, pathStyle, stderr)
	if err != nil {
		return err
	}
	defer cleanup()

	cat := catalog.Default()
	since, until := storeWindow(filter)
	an := analyze.NewAnalyzer(cat, analyze.Options{Since: since, Until: until})
	cov := analyze.NewLogCoverage()
	err = st.Read(ctx, store.ReadOptions{Since: since, Until: until}, func(r *store.Row) error {
		an.Add(r)
		cov.Add(r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("review: read usage store %s: %w", st.Dir(), err)
	}

	rep, run, err := review.Build(review.Input{
		Usages: an.Result().Principals, Accounts: accounts, Catalog: cat, Coverage: cov, Options: o.gen,
	})
	if err != nil {
		return usageErrorf("review: %v", err)
	}
	reviewed := make([]analyze.PrincipalUsage, len(rep.Principals))
	for i, p := range rep.Principals {
		reviewed[i].Principal = p.Findings.Principal
	}
	warnUnmatchedPrincipals(stderr, "review", o.gen.Principals, reviewed)

	files, err := run.Files(format)
	if err != nil {
		return fmt.Errorf("review: %w", err)
	}
	reviewFiles, err := rep.Files()
	if err != nil {
		return fmt.Errorf("review: %w", err)
	}
	// writeOutput writes summary.json last: it stays the marker of a
	// complete run.
	_, removed, err := writeOutput(o.out, append(reviewFiles, files...), previous)
	if err != nil {
		return fmt.Errorf("review: %w", err)
	}

	with := rep.WithFindings()
	if !o.src.quiet {
		line := fmt.Sprintf("review: %s, %d with unused or denied permissions; wrote %s, %s, %s and the policies and diffs in %s",
			plural(len(rep.Principals), "principal"), with, review.MarkdownFile, review.HTMLFile, review.FindingsFile, o.out)
		if len(removed) > 0 {
			line += fmt.Sprintf("; removed %s of the earlier run", plural(len(removed), "stale file"))
		}
		fmt.Fprintln(stderr, line)
	}
	for _, res := range run.Results {
		if res.Summary.Error != "" {
			fmt.Fprintf(stderr, "review: no suggested policy for %s: %s\n", res.Principal.ARN, res.Summary.Error)
		}
	}
	if n := run.Failed(); n > 0 {
		return fmt.Errorf("review: no suggested policy for %s whose generation failed (named above and in %s)",
			plural(n, "principal"), filepath.Join(o.out, generate.SummaryFile))
	}
	switch {
	case with > 0:
		if skipped != nil {
			fmt.Fprintln(stderr, "iamtailor:", skipped)
		}
		return fmt.Errorf("%w: %d of %s", errFindings, with, plural(len(rep.Principals), "principal"))
	case skipped != nil:
		return skipped
	}
	return nil
}

// reviewPreviousOutput returns the files an earlier generate or review run
// wrote into dir that this run may replace or remove: the policy files its
// summary.json lists and the diffs its findings.json lists. Like generate,
// it refuses a non-empty directory that holds no summary.json, unless
// force (then nothing in it is removed).
func reviewPreviousOutput(dir string, force bool) ([]string, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("review: --out: %w", err)
	}
	if !fi.IsDir() {
		return nil, usageErrorf("review: --out %s is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("review: --out: %w", err)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	files, ok := earlierRunFiles(filepath.Join(dir, generate.SummaryFile))
	switch {
	case ok:
		return append(files, earlierDiffs(filepath.Join(dir, review.FindingsFile))...), nil
	case force:
		return nil, nil
	}
	return nil, usageErrorf("review: --out %s is not empty and holds no summary.json of an earlier generate or review run: choose a new or empty directory, or give --force to write into it (nothing in it is removed)", dir)
}

// earlierDiffs reads the diff files an earlier findings.json lists. A
// listed path that could lead outside the directory, or that is not
// <account>/<kind>/<name>.diff, is left out.
func earlierDiffs(findingsPath string) []string {
	data, err := os.ReadFile(findingsPath)
	if err != nil {
		return nil
	}
	var f struct {
		Principals []struct {
			Diff string `json:"diff"`
		} `json:"principals"`
	}
	if json.Unmarshal(data, &f) != nil {
		return nil
	}
	var out []string
	for _, p := range f.Principals {
		d := p.Diff
		if strings.HasSuffix(d, ".diff") && policyFilePath(strings.TrimSuffix(d, ".diff")+".json") {
			out = append(out, d)
		}
	}
	return out
}

// reviewCurrent reads what is attached today.
func reviewCurrent(ctx context.Context, o *reviewOptions, live bool) ([]*authz.Account, error) {
	if !live {
		accounts, err := authz.ReadFiles(o.current)
		if err != nil {
			return nil, fmt.Errorf("review: --current: %w", err)
		}
		return accounts, nil
	}
	cfg, err := o.src.aws.load(ctx)
	if err != nil {
		return nil, err
	}
	acct, err := iamapi.Read(ctx, iam.NewFromConfig(cfg))
	if err != nil {
		return nil, fmt.Errorf("review: --current live: %w", err)
	}
	return []*authz.Account{acct}, nil
}

// reviewStore ingests the SOURCEs, if any, into --usage DIR or a temporary
// store, and opens the store to read. skipped is errInputSkipped when more
// input was skipped than --max-skipped allows: the review still runs.
func reviewStore(ctx context.Context, o *reviewOptions, args []string, filter ingest.Filter, pathStyle *bool, stderr io.Writer) (st *store.Store, skipped error, cleanup func(), err error) {
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
		tmp, err := os.MkdirTemp("", "iamtailor-review-")
		if err != nil {
			return nil, nil, cleanup, fmt.Errorf("review: temporary usage store: %w", err)
		}
		cleanup = func() { os.RemoveAll(tmp) }
		dir = tmp
	}
	if st, err = store.Open(ctx, dir); err != nil {
		cleanup()
		return nil, nil, func() {}, err
	}
	sum, err := o.src.ingestInto(ctx, st, sources, filter, stderr, o.src.quiet)
	if err != nil {
		cleanup()
		return nil, nil, func() {}, fmt.Errorf("review: %w", err)
	}
	if o.usage == "" {
		sum.UsageStore = "(temporary, removed after the run)"
	}
	if !o.src.quiet {
		sum.WriteText(stderr)
	}
	return st, o.src.skippedError(&sum), cleanup, nil
}
