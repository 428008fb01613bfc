package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/athena"
	"github.com/iamtailor/iamtailor/ingest/securitylake"
)

type sqlOptions struct {
	table        string
	since, until string
	accounts     []string
	regions      []string
	partitions   string
}

func newSQLCommand() *cobra.Command {
	o := &sqlOptions{}
	var names []string
	for _, p := range athena.Partitionings {
		names = append(names, string(p))
	}
	cmd := &cobra.Command{
		Use:   "sql --table NAME",
		Short: "Print the Athena/Trino query that computes usage rows in the engine",
		Long: `Prints a query for Amazon Athena (engine v3) or Trino over the CloudTrail table
AWS documents for Athena (partition projection). It computes in the engine the
usage rows ingest computes from the same events: per UTC day and usage tuple, the
number of events and the first and last of them. Save its result and give it to
iamtailor ingest like a log: the CSV result file Athena writes, or Parquet from
CREATE TABLE AS / UNLOAD, local or in S3. It is recognised by its columns.

--partitions says how the table is partitioned, for pruning: "timestamp" (the
documented table, one account and region), "region,timestamp", "account,region,date"
(organization trails), or "none". --since and --until prune the delivery-day
partitions (one day past --until for late deliveries) and filter eventtime.

Where SQL cannot follow ingest's rules exactly, the query says so in a comment
marked DIFFERS: SAML and web identity users have no identity provider (the table
has no userIdentity.identityProvider), resources logged with ARNPrefix have no
ARN, and an event with more than 64 identifying parameters may keep other ones.`,
		Example: `  iamtailor sql --table cloudtrail_logs_pp --since 2024-06-01 --until 2024-06-30 > usage.sql
  # run usage.sql in Athena; then ingest its result file (not the .csv.metadata beside it)
  iamtailor ingest s3://athena-results/Unsaved/2024/06/30/<query-id>.csv --usage ./usage
  iamtailor sql --table security.org_trail --partitions account,region,date --account 111122223333 --since 30d`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("sql: takes no arguments, got %q (the table is --table)", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSQL(o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.table, "table", "", "the CloudTrail table: name, schema.name or catalog.schema.name")
	f.StringVar(&o.since, "since", "", "only events at or after this time: a date (2024-06-01), RFC 3339, or a duration before now (30d, 720h)")
	f.StringVar(&o.until, "until", "", "only events before this time; a date includes that whole day")
	f.StringSliceVar(&o.accounts, "account", nil, "only these accounts (recipientAccountId; repeatable)")
	f.StringSliceVar(&o.regions, "region", nil, "only these regions (awsRegion; repeatable)")
	f.StringVar(&o.partitions, "partitions", string(athena.PartitionTimestamp), "the table's partitions: "+strings.Join(names, " | "))
	return cmd
}

func runSQL(o *sqlOptions, stdout io.Writer) error {
	if o.table == "" {
		return usageErrorf("sql: --table NAME is required")
	}
	q := athena.QueryOptions{Table: o.table, Accounts: o.accounts, Regions: o.regions, Partitions: athena.Partitioning(o.partitions)}
	var err error
	if o.since != "" {
		if q.Since, err = ingest.ParseTimeBound(o.since, false); err != nil {
			return usageErrorf("sql: --since: %v", err)
		}
	}
	if o.until != "" {
		if q.Until, err = ingest.ParseTimeBound(o.until, true); err != nil {
			return usageErrorf("sql: --until: %v", err)
		}
	}
	text, err := athena.Query(q)
	if err != nil {
		return usageErrorf("sql: %v", err)
	}
	_, err = fmt.Fprint(stdout, text)
	return err
}

// objectFormats are what the commands that read logs accept besides
// CloudTrail's JSON: Amazon Security Lake's OCSF Parquet and the results
// of the sql command's query, both recognised by their content.
func objectFormats() []ingest.ObjectFormat {
	return []ingest.ObjectFormat{securitylake.Format{}, athena.ResultFormat{}}
}
