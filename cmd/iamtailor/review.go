package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

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
	gen     generate.Options
}

func newReviewCommand() *cobra.Command {
	o := &reviewOptions{gen: generate.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "review [SOURCE...] [--usage DIR] --current live|FILE... --out DIR",
		Short: "Compare what principals are granted today with what they used, and suggest the change",
		Long: `Reads CloudTrail logs (the same SOURCEs and filters as ingest) into a temporary
usage store, or reads the usage store in --usage DIR, generates each selected
principal's least-privilege policy as generate does, and compares it with what is
attached today:

  --current live   reads the account with IAM GetAccountAuthorizationDetails
                   (standard AWS credentials; needs iam:GetAccountAuthorizationDetails)
  --current FILE   reads the JSON that ` + "`aws iam get-account-authorization-details`" + ` prints
                   (repeatable: one file per account)

It writes into --out DIR, next to the generated policies and summary.json:

  <account>/<kind>/<name>.diff  unified diff of the current effective identity policy
                                (all attached, inline and group policies merged into one
                                canonical document) against the suggested one
  findings.json                 per principal: used, unused, not observable, denied and
                                wildcard-risk findings, at action and resource level
  review.md                     a pull request body: counts, top findings, the diffs
  report.html                   a self-contained least-privilege report (sortable table,
                                chart of unused permissions)

Roles and users of the accounts that did nothing in the window are reviewed too,
in the accounts the logs cover.

Exit status: 0 when no principal has unused or denied findings, 4 when some do,
3 when input was skipped beyond --max-skipped, 1 on failure, 2 on a usage error.`,
		Example: `  iamtailor review s3://trail-bucket/AWSLogs/111122223333/ --since 2024-06-01 --current live --out ./review
  iamtailor review --usage ./usage --current ./prod-authz.json --principal 'deploy-*' --out ./review`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var pathStyle *bool
			if cmd.Flags().Changed("s3-path-style") {
				pathStyle = &o.src.pathStyle
			}
			return runReview(cmd.Context(), o, args, pathStyle, cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.usage, "usage", "", "usage store to read (and, with SOURCEs, to ingest into); default: a temporary one")
	f.StringArrayVar(&o.current, "current", nil, `what is attached today: "live" (IAM GetAccountAuthorizationDetails) or a file from aws iam get-account-authorization-details (repeatable)`)
	f.StringVar(&o.out, "out", "", "output directory (created if missing)")
	f.StringVar(&o.format, "format", string(generate.FormatJSON), "format of the suggested policies: json or terraform")
	f.StringArrayVar(&o.gen.Principals, "principal", nil, "only principals whose ARN or name matches this glob (repeatable)")
	f.Int64Var(&o.gen.MinEvents, "min-events", 0, "leave out principals with fewer events")
	f.IntVar(&o.gen.CollapseThreshold, "collapse-threshold", o.gen.CollapseThreshold, "entries under one prefix before they collapse to prefix/* (0: never)")
	f.BoolVar(&o.gen.CollapseRegions, "collapse-regions", false, "merge ARNs that differ only in their region")
	f.BoolVar(&o.gen.CollapseAccounts, "collapse-accounts", false, "merge ARNs that differ only in their account")
	f.BoolVar(&o.gen.ActionWildcards, "action-wildcards", false, "use svc:Prefix* where it matches exactly the observed actions")
	f.BoolVar(&o.gen.Inline, "inline", false, "size the suggested policies as inline policies")
	s := &o.src
	f.StringVar(&s.since, "since", "", "only events at or after this time: a date (2024-06-01) or RFC 3339")
	f.StringVar(&s.until, "until", "", "only events before this time; a date includes that whole day")
	f.StringSliceVar(&s.accounts, "account", nil, "only these AWS accounts (repeatable)")
	f.StringSliceVar(&s.regions, "region", nil, "only logs of these regions (repeatable); the AWS client's region is --aws-region")
	f.StringSliceVar(&s.orgIDs, "org-id", nil, "only these organizations' trails (repeatable)")
	f.IntVar(&s.concurrency, "concurrency", 0, fmt.Sprintf("objects fetched and decoded at once (default %d)", ingest.DefaultConcurrency()))
	f.Int64Var(&s.maxSkipped, "max-skipped", 0, "skipped files and events tolerated before exiting with status 3")
	f.BoolVar(&s.quiet, "quiet", false, "no progress line and no summary on stderr (skipped input is still reported)")
	f.BoolVar(&s.pathStyle, "s3-path-style", false, "address buckets path-style (default: on with a custom endpoint, else off)")
	s.aws.addFlags(f)
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
	live := false
	for _, c := range o.current {
		if c == currentLive {
			live = true
		}
	}
	if live && len(o.current) > 1 {
		return usageErrorf(`review: --current live reads the account of the AWS credentials; do not combine it with files`)
	}
	format, err := generate.ParseFormat(o.format)
	if err != nil {
		return usageErrorf("review: --format: %v", err)
	}
	filter := ingest.Filter{Accounts: o.src.accounts, Regions: o.src.regions, OrgIDs: o.src.orgIDs}
	if o.src.since != "" {
		if filter.Since, err = ingest.ParseTimeBound(o.src.since, false); err != nil {
			return usageErrorf("review: --since: %v", err)
		}
	}
	if o.src.until != "" {
		if filter.Until, err = ingest.ParseTimeBound(o.src.until, true); err != nil {
			return usageErrorf("review: --until: %v", err)
		}
	}
	if err := filter.Validate(); err != nil {
		return usageErrorf("review: %v", err)
	}
	if o.src.concurrency < 0 || o.src.maxSkipped < 0 || o.gen.MinEvents < 0 || o.gen.CollapseThreshold < 0 {
		return usageErrorf("review: --concurrency, --max-skipped, --min-events and --collapse-threshold must not be negative")
	}

	// What is attached today first: a wrong file or missing credentials
	// should fail before minutes of reading logs.
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
	an := analyze.NewAnalyzer(cat, analyze.Options{Since: filter.Since, Until: filter.Until})
	cov := analyze.NewLogCoverage()
	err = st.Read(ctx, store.ReadOptions{Since: filter.Since, Until: filter.Until}, func(r *store.Row) error {
		an.Add(r)
		cov.Add(r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("review: read %s: %w", st.Dir(), err)
	}

	rep, run, err := review.Build(review.Input{
		Usages: an.Result().Principals, Accounts: accounts, Catalog: cat, Coverage: cov, Options: o.gen,
	})
	if err != nil {
		return usageErrorf("review: %v", err)
	}
	genFiles, err := run.Files(format)
	if err != nil {
		return fmt.Errorf("review: %w", err)
	}
	revFiles, err := rep.Files()
	if err != nil {
		return fmt.Errorf("review: %w", err)
	}
	if err := writeReviewFiles(o.out, append(genFiles, revFiles...)); err != nil {
		return fmt.Errorf("review: %w", err)
	}

	with := rep.WithFindings()
	if !o.src.quiet {
		fmt.Fprintf(stderr, "review: %d principals, %d with unused or denied permissions; wrote %s, %s and %s in %s\n",
			len(rep.Principals), with, review.MarkdownFile, review.HTMLFile, review.FindingsFile, o.out)
	}
	if n := run.Failed(); n > 0 {
		fmt.Fprintf(stderr, "review: no suggested policy for %d principals (see %s)\n", n, generate.SummaryFile)
	}
	switch {
	case with > 0:
		return fmt.Errorf("%w: %d of %d principals", errFindings, with, len(rep.Principals))
	case skipped != nil:
		return skipped
	}
	return nil
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
	dir := o.usage
	if dir == "" {
		tmp, err := os.MkdirTemp("", "iamtailor-review-")
		if err != nil {
			return nil, nil, cleanup, fmt.Errorf("review: temporary usage store: %w", err)
		}
		cleanup = func() { os.RemoveAll(tmp) }
		dir = tmp
	}
	if len(args) == 0 {
		st, err = store.OpenExisting(ctx, dir)
		return st, nil, cleanup, err
	}
	sources, err := ingestSources(ctx, &o.src, args, pathStyle)
	if err != nil {
		return nil, nil, cleanup, err
	}
	if st, err = store.Open(ctx, dir); err != nil {
		return nil, nil, cleanup, err
	}
	progress := newProgressPrinter(stderr, o.src.quiet)
	var skipMu sync.Mutex
	sum, err := ingest.Run(ctx, ingest.Options{
		Sources:     sources,
		Store:       st,
		Filter:      filter,
		Concurrency: o.src.concurrency,
		OnSkip: func(n ingest.Notice) {
			skipMu.Lock()
			defer skipMu.Unlock()
			progress.clear()
			fmt.Fprintln(stderr, noticeLine(n))
		},
		OnProgress: progress.show,
	})
	progress.clear()
	if err != nil {
		return nil, nil, cleanup, fmt.Errorf("review: %w", err)
	}
	if n := sum.Skipped(); n > o.src.maxSkipped {
		skipped = fmt.Errorf("%w: %d files and %d events skipped, more than --max-skipped %d",
			errInputSkipped, sum.SkippedFiles(), sum.SkippedEvents(), o.src.maxSkipped)
	}
	return st, skipped, cleanup, nil
}

// writeReviewFiles writes files under dir, creating directories as needed.
func writeReviewFiles(dir string, files []generate.File) error {
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
