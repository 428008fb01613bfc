package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/ingest/s3source/s3test"
)

// runCLI runs the root command in process and returns its exit code and
// output, as main would.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCommand(&out, &errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	code = exitCode(err)
	if err != nil {
		errOut.WriteString("iamtailor: " + err.Error() + "\n")
	}
	return code, out.String(), errOut.String()
}

// isolateAWS keeps the developer's AWS configuration out of a test and
// gives it the test servers' credentials.
func isolateAWS(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretKey)
}

func repoPath(t *testing.T, elem ...string) string {
	return filepath.Join(append([]string{s3test.RepoRoot(t)}, elem...)...)
}

type jsonSummary struct {
	FilesRead    int64            `json:"files_read"`
	FilesSkipped map[string]int64 `json:"files_skipped"`
	EventsRead   int64            `json:"events_read"`
	UsageRows    int64            `json:"usage_rows"`
	BytesRead    int64            `json:"bytes_read"`
}

func TestIngestExitCodes(t *testing.T) {
	isolateAWS(t)
	logs := repoPath(t, "testdata", "logs")
	malformed := repoPath(t, "testdata", "malformed")
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := s3test.StartGofakes3(t)
	s3test.Fill(t, srv.URL, "trail", logs)

	tests := []struct {
		name       string
		args       []string
		want       int
		wantStderr string
		wantFiles  int64
	}{
		{"clean local tree", []string{logs}, exitOK, "", 7},
		{"clean S3 bucket", []string{"s3://trail", "--endpoint-url", srv.URL}, exitOK, "", 7},
		{"nothing in range is not an error", []string{logs, "--since", "2030-01-01"}, exitOK, "no log objects found", 0},
		{"S3 prefix with filters", []string{"s3://trail/AWSLogs/", "--endpoint-url", srv.URL, "--account", "444455556666", "--region", "eu-west-1"}, exitOK, "", 1},
		{"skipped input", []string{malformed}, exitSkipped, "skip file://", 2},
		{"skipped input within --max-skipped", []string{malformed, "--max-skipped", "10"}, exitOK, "skip file://", 2},
		{"no source", []string{}, exitUsage, "give at least one SOURCE", -1},
		{"bad --since", []string{logs, "--since", "last tuesday"}, exitUsage, "--since", -1},
		{"since after until", []string{logs, "--since", "2024-06-02", "--until", "2024-06-01"}, exitUsage, "is not before", -1},
		{"relative --since", []string{logs, "--since", "36500d"}, exitOK, "", 7},
		{"relative --since after every log", []string{logs, "--since", "24h"}, exitOK, "no log objects found", 0},
		{"a shard", []string{logs, "--shard", "0/1"}, exitOK, "", 7},
		{"bad --shard", []string{logs, "--shard", "3/3"}, exitUsage, "0 <= i < n", -1},
		{"missing local source", []string{filepath.Join(logs, "nope")}, exitUsage, "nope", -1},
		{"unknown flag", []string{logs, "--no-such-flag"}, exitUsage, "no-such-flag", -1},
		{"missing bucket", []string{"s3://no-such-bucket", "--endpoint-url", srv.URL}, exitFailure, "no-such-bucket", -1},
		{"store path is a file", []string{logs, "--usage", notADir}, exitFailure, "iamtailor:", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"ingest", "--json", "--quiet"}, tt.args...)
			if !strings.Contains(strings.Join(tt.args, " "), "--usage") {
				args = append(args, "--usage", filepath.Join(t.TempDir(), "usage"))
			}
			code, stdout, stderr := runCLI(t, args...)
			if code != tt.want {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", code, tt.want, stderr)
			}
			if tt.wantStderr != "" && !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, stderr)
			}
			if tt.wantFiles < 0 {
				return
			}
			var sum jsonSummary
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
			}
			if sum.FilesRead != tt.wantFiles {
				t.Errorf("files_read = %d, want %d", sum.FilesRead, tt.wantFiles)
			}
		})
	}
}

// TestIngestSkipLines: every skipped file gets one line on stderr naming
// it and saying what was wrong.
func TestIngestSkipLines(t *testing.T) {
	malformed := repoPath(t, "testdata", "malformed")
	code, _, stderr := runCLI(t, "ingest", malformed, "--usage", filepath.Join(t.TempDir(), "u"))
	if code != exitSkipped {
		t.Fatalf("exit %d, want %d", code, exitSkipped)
	}
	for _, want := range []string{
		"111122223333_CloudTrail_us-east-1_20240601T0200Z_invalidjson00001.json: invalid_json: ",
		"111122223333_CloudTrail_us-east-1_20240601T0210Z_truncatedgzip001.json.gz: corrupt_gzip: ",
		"111122223333_CloudTrail_us-east-1_20240601T0220Z_zerobyte00000001.json.gz: empty_file: ",
		"s3-server-access-export.csv: not_cloudtrail: ",
		"_CloudTrail-Digest_us-east-1_management-trail_us-east-1_20240601T010000Z.json.gz: digest_file: ",
		"skip 3 events in file://",
	} {
		if strings.Count(stderr, want) != 1 {
			t.Errorf("stderr has not exactly one line with %q:\n%s", want, stderr)
		}
	}
	for _, want := range []string{"ingested 2 files", "skipped files: 5", "iamtailor: some input was skipped"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// TestIngestTwiceAddsNothing goes through the command twice into one store.
func TestIngestTwiceAddsNothing(t *testing.T) {
	logs := repoPath(t, "testdata", "logs")
	usage := filepath.Join(t.TempDir(), "usage")
	var sums [2]struct {
		jsonSummary
		Already int64 `json:"files_already_ingested"`
		Added   int64 `json:"usage_rows_added"`
	}
	for i := range sums {
		code, stdout, stderr := runCLI(t, "ingest", logs, "--usage", usage, "--json", "--quiet")
		if code != exitOK {
			t.Fatalf("run %d: exit %d\n%s", i+1, code, stderr)
		}
		if err := json.Unmarshal([]byte(stdout), &sums[i]); err != nil {
			t.Fatal(err)
		}
	}
	if sums[1].FilesRead != 0 || sums[1].Already != 7 || sums[1].Added != 0 || sums[1].UsageRows != sums[0].UsageRows {
		t.Errorf("second run: %+v, first: %+v", sums[1], sums[0])
	}
}

// TestIngestIntoVersion1Store: a store written by version 1 (before scopes:
// ../ingest/store/testdata/v1-store, testdata/logs ingested from
// s3://trail) is read as having ingested every object entirely: ingesting
// the same bucket again reads nothing, whatever the filters, and the store
// becomes version 2 only when something is added.
func TestIngestIntoVersion1Store(t *testing.T) {
	isolateAWS(t)
	srv := s3test.StartGofakes3(t)
	s3test.Fill(t, srv.URL, "trail", repoPath(t, "testdata", "logs"))
	dir := filepath.Join(t.TempDir(), "usage")
	if err := os.CopyFS(dir, os.DirFS(repoPath(t, "ingest", "store", "testdata", "v1-store"))); err != nil {
		t.Fatal(err)
	}
	before := storeFiles(t, dir)
	tests := []struct {
		filter  []string
		already int64
	}{
		{nil, 7},
		{[]string{"--since", "2024-06-01"}, 7},
		{[]string{"--account", "111122223333"}, 4}, // the other accounts' prefixes are not listed
	}
	for _, tt := range tests {
		args := append([]string{"s3://trail", "--endpoint-url", srv.URL, "--usage", dir}, tt.filter...)
		c := ingestJSON(t, args...)
		if c.FilesRead != 0 || c.Already != tt.already || c.UsageRowsAdded != 0 {
			t.Errorf("ingest %v into the version-1 store: %+v, want nothing read and %d already ingested", tt.filter, c, tt.already)
		}
	}
	if after := storeFiles(t, dir); !reflect.DeepEqual(after, before) {
		t.Errorf("ingesting nothing new changed the version-1 store")
	}
}
