package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamtailor/iamtailor/ingest/store"
)

type mergeOptions struct {
	usage string
	json  bool
	quiet bool
}

func newMergeCommand() *cobra.Command {
	o := &mergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge STORE... --usage DIR",
		Short: "Merge usage stores (the shards of an array job) into one",
		Long: `Merges the usage stores STORE... into the usage store in DIR, which is created
if missing and whose own content is kept. The result is exact: counts summed,
first and last seen widened, the size bound reapplied, manifests combined with
what each store counted of each object. It is the same, byte for byte, as one
ingest of every object, whatever the order of the stores and however merges
are nested, so shards can be merged in any grouping.

An object in several stores is fine when they counted disjoint parts of it
(shards by time window); when their windows or filters overlap, its events in
the overlap are in both stores and the merge is refused, naming the object.
The stores are only read.

Exit status: 0 on success, 1 on failure (nothing is written), 2 on a usage
error.`,
		Example: `  # n shards of an array job, then one merge
  iamtailor ingest s3://trail-bucket --shard 0/3 --usage shard-0
  iamtailor ingest s3://trail-bucket --shard 1/3 --usage shard-1
  iamtailor ingest s3://trail-bucket --shard 2/3 --usage shard-2
  iamtailor merge shard-0 shard-1 shard-2 --usage ./usage

  # add today's shards to a long-lived store
  iamtailor merge /out/shard-* --usage ./usage`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMerge(cmd.Context(), o, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.usage, "usage", "", "usage store to merge into (created if missing; its content is kept)")
	f.BoolVar(&o.json, "json", false, "print a summary as one JSON object on stdout")
	f.BoolVar(&o.quiet, "quiet", false, "no summary on stderr")
	return cmd
}

// mergeSummary is the --json output; fields in key order.
type mergeSummary struct {
	Events     int64   `json:"events"`
	Objects    int64   `json:"objects"`
	Seconds    float64 `json:"seconds"`
	Stores     int     `json:"stores_merged"`
	UsageRows  int64   `json:"usage_rows"`
	UsageStore string  `json:"usage_store"`
}

func runMerge(ctx context.Context, o *mergeOptions, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErrorf("merge: give at least one STORE to merge")
	}
	if o.usage == "" {
		return usageErrorf("merge: --usage DIR is required")
	}
	for _, dir := range args {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return usageErrorf("merge: %s is not a usage store directory", dir)
		}
	}
	start := time.Now()
	if err := store.Merge(ctx, o.usage, args...); err != nil {
		return err
	}
	st, err := store.OpenExisting(ctx, o.usage)
	if err != nil {
		return err
	}
	stats := st.Stats()
	sum := mergeSummary{
		Events:     stats.Count,
		Objects:    stats.Objects,
		Seconds:    time.Since(start).Seconds(),
		Stores:     len(args),
		UsageRows:  stats.Rows,
		UsageStore: o.usage,
	}
	if !o.quiet {
		fmt.Fprintf(stderr, "merged %d stores into %s: %d rows counting %d events, %d objects in the manifest, in %s\n",
			sum.Stores, sum.UsageStore, sum.UsageRows, sum.Events, sum.Objects, time.Since(start).Round(time.Millisecond))
	}
	if o.json {
		return json.NewEncoder(stdout).Encode(sum)
	}
	return nil
}
