package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// The subcommands that read CloudTrail logs (ingest, coverage, generate)
// name, parse and apply their source flags here, so that a flag means the
// same in each of them. Flags of one subcommand only (--usage, --json,
// --shard, --checkpoint-every) stay in its file.

// addSourceFlags registers the flags that choose which logs are read and
// how: the time window, accounts, regions and organizations, concurrency,
// the skipped-input tolerance, --quiet, S3 addressing and the AWS flags.
func addSourceFlags(fs *pflag.FlagSet, o *ingestOptions) {
	fs.StringVar(&o.since, "since", "", "only events at or after this time: a date (2024-06-01), RFC 3339, or a duration before now (30d, 720h)")
	fs.StringVar(&o.until, "until", "", "only events before this time; a date includes that whole day")
	fs.StringSliceVar(&o.accounts, "account", nil, "only these AWS accounts (repeatable)")
	fs.StringSliceVar(&o.regions, "region", nil, "only logs of these regions (repeatable); the AWS client's region is --aws-region")
	fs.StringSliceVar(&o.orgIDs, "org-id", nil, "only these organizations' trails (repeatable)")
	fs.IntVar(&o.concurrency, "concurrency", 0, fmt.Sprintf("objects fetched and decoded at once (default %d: 2×CPUs, 4 to 32)", ingest.DefaultConcurrency()))
	fs.Int64Var(&o.maxSkipped, "max-skipped", 0, "skipped files and events tolerated before exiting with status 3")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress line and no summary on stderr (skipped input is still reported)")
	fs.BoolVar(&o.pathStyle, "s3-path-style", false, "address buckets path-style (default: on with a custom endpoint, else off)")
	o.aws.addFlags(fs)
}

// pathStyleFlag is --s3-path-style when it was given, nil when the client
// should decide from the endpoint.
func pathStyleFlag(cmd *cobra.Command, o *ingestOptions) *bool {
	if cmd.Flags().Changed("s3-path-style") {
		return &o.pathStyle
	}
	return nil
}

// sourceFilter checks the source flags and builds the run's filter. Its
// errors are usage errors that start with the command's name.
func (o *ingestOptions) sourceFilter(command string) (ingest.Filter, error) {
	if o.concurrency < 0 || o.maxSkipped < 0 {
		return ingest.Filter{}, usageErrorf("%s: --concurrency and --max-skipped must not be negative", command)
	}
	filter := ingest.Filter{Accounts: o.accounts, Regions: o.regions, OrgIDs: o.orgIDs}
	var err error
	if o.shard != "" {
		if filter.Shard, err = ingest.ParseShard(o.shard); err != nil {
			return ingest.Filter{}, usageErrorf("%s: --shard: %v", command, err)
		}
	}
	if o.since != "" {
		if filter.Since, err = ingest.ParseTimeBound(o.since, false); err != nil {
			return ingest.Filter{}, usageErrorf("%s: --since: %v", command, err)
		}
	}
	if o.until != "" {
		if filter.Until, err = ingest.ParseTimeBound(o.until, true); err != nil {
			return ingest.Filter{}, usageErrorf("%s: --until: %v", command, err)
		}
	}
	if err := filter.Validate(); err != nil {
		return ingest.Filter{}, usageErrorf("%s: %v", command, err)
	}
	return filter, nil
}

// logOnlyFlags names the source flags given that select logs by where they
// come from, which a usage store does not record per row: a command that
// only reads a store cannot apply them.
func (o *ingestOptions) logOnlyFlags() []string {
	var names []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"--account", len(o.accounts) > 0}, {"--region", len(o.regions) > 0}, {"--org-id", len(o.orgIDs) > 0}, {"--shard", o.shard != ""}} {
		if f.set {
			names = append(names, f.name)
		}
	}
	return names
}

// storeWindow is the store read (and analyzer) window for the run's time
// filter. Rows are per UTC day and both store bounds are days included,
// while the filter's Until is exclusive: "--until 2024-06-01" ends at the
// start of June 2, and June 2 must not be read.
func storeWindow(f ingest.Filter) (since, until time.Time) {
	since = f.Since
	if !f.Until.IsZero() {
		until = f.Until.Add(-time.Millisecond)
	}
	return since, until
}

// ingestInto reads the sources into st: each skipped file or event on its
// own stderr line as it happens, and the progress line unless quiet.
func (o *ingestOptions) ingestInto(ctx context.Context, st *store.Store, sources []ingest.Source, filter ingest.Filter, stderr io.Writer, quiet bool) (ingest.Summary, error) {
	defer limitIngestMemory()()
	progress := newProgressPrinter(stderr, quiet)
	var skipMu sync.Mutex
	sum, err := ingest.Run(ctx, ingest.Options{
		Sources:     sources,
		Store:       st,
		Filter:      filter,
		Concurrency: o.concurrency,
		Formats:     objectFormats(),
		Checkpoint:  ingest.Checkpoint{Interval: o.checkpointEvery},
		OnSkip: func(n ingest.Notice) {
			skipMu.Lock()
			defer skipMu.Unlock()
			progress.clear()
			fmt.Fprintln(stderr, noticeLine(n))
		},
		OnProgress: progress.show,
	})
	progress.clear()
	return sum, err
}

// skippedError is errInputSkipped, with the counts, when the run skipped
// more input than --max-skipped tolerates.
func (o *ingestOptions) skippedError(sum *ingest.Summary) error {
	if n := sum.Skipped(); n > o.maxSkipped {
		return fmt.Errorf("%w: %d files and %d events skipped, more than --max-skipped %d",
			errInputSkipped, sum.SkippedFiles(), sum.SkippedEvents(), o.maxSkipped)
	}
	return nil
}
