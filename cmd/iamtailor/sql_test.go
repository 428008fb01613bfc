package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/athena"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// TestSQL prints the query for the flags given, and refuses what cannot
// make one with a usage error.
func TestSQL(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		want   []string // in stdout, or in stderr for a failure
		absent []string
	}{
		{"table only", []string{"sql", "--table", "cloudtrail_logs_pp"}, exitOK,
			[]string{"FROM cloudtrail_logs_pp", `AS "count"`, "Window: (unbounded)"}, []string{`"timestamp" >=`}},
		{"window and filters", []string{"sql", "--table", "db.trail", "--since", "2024-06-01", "--until", "2024-06-30",
			"--account", "111122223333", "--region", "eu-west-1", "--region", "us-east-1"}, exitOK,
			[]string{`"timestamp" >= '2024/06/01'`, `"timestamp" <= '2024/07/01'`, "t >= from_iso8601_timestamp('2024-06-01T00:00:00Z')",
				"t < from_iso8601_timestamp('2024-07-01T00:00:00Z')", "recipientaccountid IN ('111122223333')", "awsregion IN ('eu-west-1', 'us-east-1')"},
			[]string{"AND region IN"}},
		{"organization partitions", []string{"sql", "--table", "org", "--partitions", "account,region,date", "--account", "111122223333", "--since", "2024-06-01"}, exitOK,
			[]string{`"date" >= '2024/06/01'`, "account IN ('111122223333')", "coalesce(nullif(recipientaccountid, ''), account) IN ('111122223333')"}, nil},
		{"no table", []string{"sql"}, exitUsage, []string{"--table NAME is required"}, nil},
		{"bad table", []string{"sql", "--table", "x;y"}, exitUsage, []string{"neither a plain name"}, nil},
		{"bad since", []string{"sql", "--table", "t", "--since", "June"}, exitUsage, []string{"--since"}, nil},
		{"bad partitions", []string{"sql", "--table", "t", "--partitions", "day"}, exitUsage, []string{"want one of"}, nil},
		{"bad account", []string{"sql", "--table", "t", "--account", "42"}, exitUsage, []string{"12 digits"}, nil},
		{"arguments", []string{"sql", "--table", "t", "extra"}, exitUsage, []string{"takes no arguments"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			out := stdout
			if code != exitOK {
				out = stderr
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(out, a) {
					t.Errorf("output has %q", a)
				}
			}
		})
	}
	// What the command prints is the package's query, byte for byte.
	_, stdout, _ := runCLI(t, "sql", "--table", "cloudtrail_logs_pp")
	if want, _ := athena.Query(athena.QueryOptions{Table: "cloudtrail_logs_pp"}); stdout != want {
		t.Error("sql prints something else than athena.Query")
	}
}

// TestObjectFormats: the formats the commands that read logs are given
// read a Security Lake sample and a query result, beside a CloudTrail log.
func TestObjectFormats(t *testing.T) {
	root := filepath.Join("..", "..")
	dir := t.TempDir()
	sample := filepath.Join(root, "..", "shared", "cloudtrail", "aws-security-lake-ocsf-samples", "account_change", "CreateUser.test.gz.parquet")
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatalf("%v: clone shared/ beside the repository", err)
	}
	os.WriteFile(filepath.Join(dir, "lake.parquet"), data, 0o644)
	result := strings.Join(athena.Columns, ",") + "\n" +
		`2024-06-01,IAMUser,arn:aws:iam::111122223333:user/u,111122223333,,u,,,,,,,,111122223333,us-east-1,s3.amazonaws.com,ListBuckets,AwsApiCall,Management,true,,,false,[],[],7,1717200000000,1717200001000` + "\n"
	os.WriteFile(filepath.Join(dir, "result.csv"), []byte(result), 0o644)
	src, err := ingest.NewLocalSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "usage"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ingest.Run(ctx, ingest.Options{Sources: []ingest.Source{src}, Store: st, Formats: objectFormats()})
	if err != nil {
		t.Fatal(err)
	}
	if sum.FilesRead != 2 || sum.Skipped() != 0 || sum.EventsRead != 8 {
		t.Errorf("read %d files, %d events, skipped %v; want 2, 8 (1 event and a row of 7), none", sum.FilesRead, sum.EventsRead, sum.FilesSkipped)
	}
}
