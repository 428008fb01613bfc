package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/s3source"
	"github.com/iamtailor/iamtailor/ingest/store"
)

type ingestOptions struct {
	usage           string
	since, until    string
	accounts        []string
	regions         []string
	orgIDs          []string
	shard           string
	concurrency     int
	maxSkipped      int64
	checkpointEvery time.Duration
	json            bool
	quiet           bool
	pathStyle       bool
	aws             awsOptions
}

func newIngestCommand() *cobra.Command {
	o := &ingestOptions{}
	cmd := &cobra.Command{
		Use:   "ingest SOURCE... --usage DIR",
		Short: "Read CloudTrail logs from S3 or local files into a usage store",
		Long: `Reads every CloudTrail log under each SOURCE and adds what it shows to the usage
store in DIR. SOURCE is s3://bucket[/prefix], a local directory, or a file.

Trees in CloudTrail's layout (AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/,
and AWSLogs/<o-org-id>/<account>/... for organization trails) are listed only
where --account, --region, --org-id, --since and --until allow; other files
are all read and filtered event by event.

Incremental: the store's manifest records every object read and what of it was
counted (the window and the accounts and regions applied to its events). An
object is read again only when this run selects events that no earlier run
counted, and then only those are added: a run with a wider window or fewer
filters completes the store, and nothing is ever counted twice. A run that is
interrupted keeps what its last checkpoint committed; run it again to finish.

Sharded: --shard i/n reads share i (from 0) of n of the objects, chosen by
their keys, so that n runs (an array job) read each object once; combine
their stores with iamtailor merge.

Exit status: 0 when nothing was skipped, 3 when more input was skipped than
--max-skipped allows, 1 on failure, 2 on a usage error.`,
		Example: `  iamtailor ingest s3://org-trail-bucket --org-id o-abcde12345 --since 2024-06-01 --usage ./usage
  iamtailor ingest s3://trail-bucket/AWSLogs/111122223333/ --region us-east-1 --usage ./usage --json
  iamtailor ingest ./testdata/logs --usage ./usage
  iamtailor ingest s3://trail-bucket --since 7d --usage ./usage   # daily; 7d outlasts missed runs
  iamtailor ingest s3://trail-bucket --shard "$JOB_COMPLETION_INDEX/8" --usage /out/shard-"$JOB_COMPLETION_INDEX"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIngest(cmd.Context(), o, args, pathStyleFlag(cmd, o), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.usage, "usage", "", "usage store directory (created if missing)")
	f.StringVar(&o.shard, "shard", "", "only share i of n of the objects, i/n with i from 0 (for array jobs; see iamtailor merge)")
	f.DurationVar(&o.checkpointEvery, "checkpoint-every", 10*time.Minute, "commit to the store at least this often, so an interrupted run resumes (0: only at the end)")
	f.BoolVar(&o.json, "json", false, "print the run summary as one JSON object on stdout")
	addSourceFlags(f, o)
	return cmd
}

// runIngest runs the ingest subcommand. pathStyle is nil when the flag was
// not given.
func runIngest(ctx context.Context, o *ingestOptions, args []string, pathStyle *bool, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErrorf("ingest: give at least one SOURCE (s3://bucket[/prefix], a directory or a file)")
	}
	if o.usage == "" {
		return usageErrorf("ingest: --usage DIR is required")
	}
	filter, err := o.sourceFilter("ingest")
	if err != nil {
		return err
	}

	sources, err := ingestSources(ctx, o, args, pathStyle)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, o.usage)
	if err != nil {
		return err
	}

	sum, runErr := o.ingestInto(ctx, st, sources, filter, stderr, o.quiet)
	if runErr != nil {
		return fmt.Errorf("ingest: %w", runErr)
	}
	if !o.quiet {
		sum.WriteText(stderr)
	}
	if sum.FilesRead+sum.SkippedFiles()+sum.FilesAlreadyIngested+sum.FilesOutsideWindow == 0 {
		fmt.Fprintln(stderr, "ingest: no log objects found: check the SOURCE paths and the filters")
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(sum); err != nil {
			return err
		}
	}
	return o.skippedError(&sum)
}

// ingestSources turns the SOURCE arguments into sources, building the S3
// client only if one of them is in S3.
func ingestSources(ctx context.Context, o *ingestOptions, args []string, pathStyle *bool) ([]ingest.Source, error) {
	var client *s3.Client
	var sources []ingest.Source
	for _, arg := range args {
		if !s3source.IsURI(arg) {
			src, err := ingest.NewLocalSource(arg)
			if err != nil {
				return nil, usageErrorf("ingest: %v", err)
			}
			sources = append(sources, src)
			continue
		}
		if client == nil {
			cfg, err := o.aws.load(ctx)
			if err != nil {
				return nil, err
			}
			ps := o.aws.customS3Endpoint(cfg)
			if pathStyle != nil {
				ps = *pathStyle
			}
			client = s3source.NewClient(cfg, s3source.ClientOptions{PathStyle: ps})
		}
		src, err := s3source.NewSource(client, arg)
		if err != nil {
			return nil, usageErrorf("ingest: %v", err)
		}
		sources = append(sources, src)
	}
	return sources, nil
}

// noticeLine is the one stderr line about input not used.
func noticeLine(n ingest.Notice) string {
	if n.Err != nil {
		return "skip " + n.URI + ": " + n.Err.Error()
	}
	if n.Changed {
		return "changed " + n.URI + ": another version (ETag or size) of it was ingested before; read as a new object, and the earlier version's events stay counted"
	}
	var parts []string
	var total int64
	for _, r := range slices.Sorted(maps.Keys(n.EventsSkipped)) {
		parts = append(parts, fmt.Sprintf("%s %d", r, n.EventsSkipped[r]))
		total += n.EventsSkipped[r]
	}
	return fmt.Sprintf("skip %d events in %s: %s", total, n.URI, strings.Join(parts, ", "))
}

// progressPrinter shows the progress line: redrawn in place about once a
// second on a terminal; elsewhere (a CI log) a line every 10 s once the run
// has lasted 2 s, so that short runs print none and long ones do not flood
// the log.
type progressPrinter struct {
	w        io.Writer
	off      bool
	terminal bool
	mu       sync.Mutex
	shown    bool
	last     time.Duration
}

func newProgressPrinter(w io.Writer, quiet bool) *progressPrinter {
	p := &progressPrinter{w: w, off: quiet}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progressPrinter) show(pr ingest.Progress) {
	if p.off {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.terminal:
		fmt.Fprintf(p.w, "\r\033[K%s", pr.Line())
		p.shown = true
	case pr.Elapsed >= 2*time.Second && (p.last == 0 || pr.Elapsed-p.last >= 10*time.Second):
		fmt.Fprintln(p.w, pr.Line())
		p.last = pr.Elapsed
	}
}

// clear removes the progress line from a terminal before other output.
func (p *progressPrinter) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
