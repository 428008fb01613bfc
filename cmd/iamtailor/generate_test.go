package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/analyze/policy"
	"github.com/iamtailor/iamtailor/generate"
)

// The -update flag may be registered by another test file of this
// package; register it only if not.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func checkGenerateGolden(t *testing.T, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", t.Name()+".golden")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (rerun with -update and review the diff); got:\n%s", path, got)
	}
}

// outputFiles reads every file under dir: relative slash path → bytes.
func outputFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func outputPaths(files map[string][]byte) []string {
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// TestGenerateSampleLogs runs generate on the project's sample logs (what
// make demo shows) and keeps every output file in one golden. Each policy
// must parse, validate against the catalog and fit the managed limit.
func TestGenerateSampleLogs(t *testing.T) {
	isolateAWS(t)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, "generate", repoPath(t, "testdata", "logs"), "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout without --json: %q", stdout)
	}
	for _, want := range []string{"ingested 7 files", "generate: 8 principals in 3 accounts: 5 with a policy, 3 without one", "0 failed", "wrote 5 policy files and summary.json in " + out} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	files := outputFiles(t, out)
	var all bytes.Buffer
	cat := catalog.Default()
	for _, p := range outputPaths(files) {
		fmt.Fprintf(&all, "=== %s\n%s", p, files[p])
		if p == generate.SummaryFile {
			continue
		}
		doc, err := policy.Parse(files[p])
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if err := generate.Validate(*doc, cat); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if n := policy.NonWhitespaceLen(files[p]); n > generate.LimitManaged {
			t.Errorf("%s: %d characters", p, n)
		}
		if !bytes.Equal(doc.Canonical(), files[p]) {
			t.Errorf("%s is not in canonical form", p)
		}
	}
	// The rules the sample logs exercise, spelled out.
	deployBot := string(files["111122223333/user/deploy-bot.json"])
	if !strings.Contains(deployBot, `"iam:PassRole"`) || !strings.Contains(deployBot, "role/service/app/orders-api") {
		t.Errorf("deploy-bot lacks the PassRole companion of CreateFunction:\n%s", deployBot)
	}
	if _, ok := files["111122223333/role/reporting-readonly.json"]; ok {
		t.Error("a principal whose calls were all denied got a policy")
	}
	if _, ok := files["111122223333/service-linked-role/AWSServiceRoleForAutoScaling.json"]; ok {
		t.Error("a service-linked role got a policy")
	}
	if strings.Contains(string(files["111122223333/role/orders-api.json"]), "GetCallerIdentity") {
		t.Error("a permissionless call became a grant")
	}
	checkGenerateGolden(t, all.Bytes())

	// Same input, same bytes; and the second run finds nothing to remove.
	code, _, stderr = runCLI(t, "generate", repoPath(t, "testdata", "logs"), "--out", out)
	if code != exitOK || strings.Contains(stderr, "stale") {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	again := outputFiles(t, out)
	for p, b := range files {
		if !bytes.Equal(again[p], b) {
			t.Errorf("%s changed on the second run", p)
		}
	}
	if len(again) != len(files) {
		t.Errorf("second run: %d files, first %d", len(again), len(files))
	}
}

// TestGenerateFromStore: generate from a store that ingest wrote gives the
// same files as generate from the logs, and --since/--until select whole
// UTC days of the store's rows.
func TestGenerateFromStore(t *testing.T) {
	isolateAWS(t)
	logs := repoPath(t, "testdata", "logs")
	dir := t.TempDir()
	usage := filepath.Join(dir, "usage")
	if code, _, stderr := runCLI(t, "ingest", logs, "--usage", usage, "--quiet"); code != exitOK {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	fromLogs := filepath.Join(dir, "from-logs")
	if code, _, stderr := runCLI(t, "generate", logs, "--out", fromLogs, "--quiet"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	fromStore := filepath.Join(dir, "from-store")
	if code, _, stderr := runCLI(t, "generate", "--usage", usage, "--out", fromStore, "--quiet"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	a, b := outputFiles(t, fromLogs), outputFiles(t, fromStore)
	if !slices.Equal(outputPaths(a), outputPaths(b)) {
		t.Fatalf("from logs %v, from the store %v", outputPaths(a), outputPaths(b))
	}
	for p := range a {
		if !bytes.Equal(a[p], b[p]) {
			t.Errorf("%s differs between logs and store", p)
		}
	}

	// orders-api read invoices on May 31 and June 2 and a secret on June 2
	// only; the window is read from the store, not from the logs.
	const ordersAPI = "111122223333/role/orders-api.json"
	tests := []struct {
		name            string
		window          []string
		has, hasNot     []string
		wantPrincipals  int
		wantOrdersAPIOK bool
	}{
		{"until a date includes that day only", []string{"--until", "2024-06-01"},
			[]string{"invoices/2024/05/31/inv-1001.pdf", "dynamodb:GetItem"}, []string{"secretsmanager:GetSecretValue"}, 8, true},
		{"since a date", []string{"--since", "2024-06-02"},
			[]string{"secretsmanager:GetSecretValue", "invoices/2024/06/01/inv-1003.pdf"}, []string{"inv-1001.pdf", "dynamodb:GetItem"}, 2, true},
		{"a time inside a day takes the whole day", []string{"--since", "2024-06-02T23:00:00Z"},
			[]string{"secretsmanager:GetSecretValue"}, nil, 2, true},
		{"nothing in the window", []string{"--since", "2030-01-01"}, nil, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"generate", "--usage", usage, "--out", out, "--json", "--quiet"}, tt.window...)
			code, stdout, stderr := runCLI(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var rep struct {
				Summary struct {
					Totals struct{ Principals int } `json:"totals"`
				} `json:"summary"`
			}
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Summary.Totals.Principals != tt.wantPrincipals {
				t.Errorf("%d principals, want %d", rep.Summary.Totals.Principals, tt.wantPrincipals)
			}
			doc, err := os.ReadFile(filepath.Join(out, ordersAPI))
			if (err == nil) != tt.wantOrdersAPIOK {
				t.Fatalf("orders-api policy: %v", err)
			}
			for _, s := range tt.has {
				if !strings.Contains(string(doc), s) {
					t.Errorf("no %q in\n%s", s, doc)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(string(doc), s) {
					t.Errorf("%q outside the window in\n%s", s, doc)
				}
			}
		})
	}
}

// bulkReaderLog writes a CloudTrail file in which IAM user bulk-reader
// reads n objects in distinct folders (so that no prefix collapses them).
func bulkReaderLog(t *testing.T, n int) string {
	t.Helper()
	var records []map[string]any
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("folder-%03d/object-with-a-long-descriptive-name-%03d.csv", i, i)
		records = append(records, map[string]any{
			"eventVersion": "1.09",
			"userIdentity": map[string]any{
				"type": "IAMUser", "principalId": "AIDAEXAMPLEBULKREADER", "arn": "arn:aws:iam::111122223333:user/bulk-reader",
				"accountId": "111122223333", "userName": "bulk-reader",
			},
			"eventTime":          time.Date(2024, 6, 1, 10, 0, i, 0, time.UTC).Format(time.RFC3339),
			"eventSource":        "s3.amazonaws.com",
			"eventName":          "GetObject",
			"awsRegion":          "us-east-1",
			"sourceIPAddress":    "192.0.2.10",
			"requestParameters":  map[string]any{"bucketName": "bulk-data-111122223333", "key": key},
			"resources":          []any{map[string]any{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::bulk-data-111122223333/" + key}},
			"eventID":            fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			"readOnly":           true,
			"eventType":          "AwsApiCall",
			"managementEvent":    false,
			"recipientAccountId": "111122223333",
			"eventCategory":      "Data",
		})
	}
	b, err := json.Marshal(map[string]any{"Records": records})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bulk.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGenerateExitCodes(t *testing.T) {
	isolateAWS(t)
	logs := repoPath(t, "testdata", "logs")
	malformed := repoPath(t, "testdata", "malformed")
	foreign := t.TempDir()
	if err := os.WriteFile(filepath.Join(foreign, "main.tf"), []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	bulk := bulkReaderLog(t, 40)

	tests := []struct {
		name       string
		args       []string // --out is added unless given
		want       int
		wantStderr string
	}{
		{"clean", []string{logs}, exitOK, ""},
		{"no source and no store", []string{}, exitUsage, "give SOURCEs"},
		{"no --out", []string{logs, "--out", ""}, exitUsage, "--out DIR is required"},
		{"bad format", []string{logs, "--format", "yaml"}, exitUsage, "--format"},
		{"bad --since", []string{logs, "--since", "last tuesday"}, exitUsage, "--since"},
		{"negative --min-events", []string{logs, "--min-events", "-1"}, exitUsage, "--min-events"},
		{"negative --collapse-threshold", []string{logs, "--collapse-threshold", "-1"}, exitUsage, "--collapse-threshold"},
		{"empty --principal", []string{logs, "--principal", ""}, exitUsage, "--principal"},
		{"log filter without SOURCEs", []string{"--usage", t.TempDir(), "--account", "111122223333"}, exitUsage, "--account select logs"},
		{"--out is a file", []string{logs, "--out", notADir}, exitUsage, "not a directory"},
		{"foreign non-empty --out", []string{logs, "--out", foreign}, exitUsage, "--force"},
		{"missing store", []string{"--usage", filepath.Join(t.TempDir(), "none")}, exitFailure, "iamtailor:"},
		{"skipped input", []string{malformed}, exitSkipped, "skip file://"},
		{"skipped input within --max-skipped", []string{malformed, "--max-skipped", "10"}, exitOK, ""},
		{"a principal fails: too big for one inline user policy", []string{bulk, "--inline", "--collapse-threshold", "0"}, exitFailure,
			"generate: no policy for arn:aws:iam::111122223333:user/bulk-reader: "},
		{"the same principal split into managed policies", []string{bulk, "--collapse-threshold", "0"}, exitOK, ""},
		{"--principal selecting nothing is a warning", []string{logs, "--principal", "no-such-role"}, exitOK, `--principal "no-such-role" matches no principal`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"generate", "--quiet"}, tt.args...)
			if !slices.Contains(tt.args, "--out") {
				args = append(args, "--out", filepath.Join(t.TempDir(), "out"))
			}
			code, _, stderr := runCLI(t, args...)
			if code != tt.want {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", code, tt.want, stderr)
			}
			if tt.wantStderr != "" && !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, stderr)
			}
		})
	}

	// The failed principal is in summary.json with its error, and no file
	// of its is written; --force writes into a foreign directory and
	// leaves its files alone.
	out := filepath.Join(t.TempDir(), "out")
	runCLI(t, "generate", bulk, "--inline", "--collapse-threshold", "0", "--out", out, "--quiet")
	sum := string(outputFiles(t, out)[generate.SummaryFile])
	if !strings.Contains(sum, `"failed": 1`) || !strings.Contains(sum, `"error": "generate policy for arn:aws:iam::111122223333:user/bulk-reader`) {
		t.Errorf("summary.json does not name the failure:\n%s", sum)
	}
	if files := outputFiles(t, out); len(files) != 1 {
		t.Errorf("files of a failed run: %v", outputPaths(files))
	}
	if code, _, stderr := runCLI(t, "generate", logs, "--out", foreign, "--force", "--quiet"); code != exitOK {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(foreign, "main.tf")); err != nil || string(b) != "# mine\n" {
		t.Errorf("--force touched a file it did not write: %q %v", b, err)
	}
}

// TestGenerateReplacesEarlierRun: the output directory holds one run. Files
// an earlier run wrote and this one does not are removed, unchanged files
// are not rewritten, and files generate did not write are never touched.
func TestGenerateReplacesEarlierRun(t *testing.T) {
	isolateAWS(t)
	dir := t.TempDir()
	usage := filepath.Join(dir, "usage")
	if code, _, stderr := runCLI(t, "ingest", repoPath(t, "testdata", "logs"), "--usage", usage, "--quiet"); code != exitOK {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	out := filepath.Join(dir, "out")
	gen := func(extra ...string) (removed, written []string) {
		t.Helper()
		code, stdout, stderr := runCLI(t, append([]string{"generate", "--usage", usage, "--out", out, "--json", "--quiet"}, extra...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", extra, code, stderr)
		}
		var rep struct {
			Removed []string `json:"removed"`
			Written []string `json:"written"`
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		return rep.Removed, rep.Written
	}
	gen()
	mine := filepath.Join(out, "111122223333", "role", "README.md")
	if err := os.WriteFile(mine, []byte("notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	ordersAPI := filepath.Join(out, "111122223333", "role", "orders-api.json")
	if err := os.Chtimes(ordersAPI, old, old); err != nil {
		t.Fatal(err)
	}

	removed, written := gen("--principal", "orders-api", "--principal", "arn:aws:iam::444455556666:role/*")
	wantRemoved := []string{
		"111122223333/role/AWSReservedSSO_AdministratorAccess_0123456789abcdef.json",
		"111122223333/user/deploy-bot.json",
		"777788889999/role/gov-app.json",
	}
	if !slices.Equal(removed, wantRemoved) {
		t.Errorf("removed %v, want %v", removed, wantRemoved)
	}
	wantWritten := []string{"111122223333/role/orders-api.json", "444455556666/role/deployer.json", "summary.json"}
	if !slices.Equal(written, wantWritten) {
		t.Errorf("written %v, want %v", written, wantWritten)
	}
	files := outputFiles(t, out)
	wantFiles := []string{"111122223333/role/README.md", "111122223333/role/orders-api.json", "444455556666/role/deployer.json", "summary.json"}
	if got := outputPaths(files); !slices.Equal(got, wantFiles) {
		t.Errorf("files %v, want %v", got, wantFiles)
	}
	for _, gone := range []string{"777788889999", "111122223333/user"} {
		if _, err := os.Stat(filepath.Join(out, gone)); !os.IsNotExist(err) {
			t.Errorf("emptied directory %s is still there: %v", gone, err)
		}
	}
	if fi, err := os.Stat(ordersAPI); err != nil || !fi.ModTime().Equal(old) {
		t.Errorf("an unchanged file was rewritten: %v", err)
	}

	// Another format replaces the files of the first.
	removed, _ = gen("--principal", "orders-api", "--format", "terraform")
	if !slices.Equal(removed, []string{"111122223333/role/orders-api.json", "444455556666/role/deployer.json"}) {
		t.Errorf("terraform run removed %v", removed)
	}
	wantFiles = []string{"111122223333/role/README.md", "111122223333/role/orders-api.tf", "summary.json"}
	if got := outputPaths(outputFiles(t, out)); !slices.Equal(got, wantFiles) {
		t.Errorf("files %v, want %v", got, wantFiles)
	}
}

func TestEarlierRunFiles(t *testing.T) {
	tests := []struct {
		name    string
		summary string
		want    []string
		wantOK  bool
	}{
		{"policy files", `{"catalog_version":"x","principals":[{"files":["1/role/a.json","1/role/a-2.json"]},{"files":["2/user/b.tf"]}]}`,
			[]string{"1/role/a.json", "1/role/a-2.json", "2/user/b.tf"}, true},
		{"paths that leave the directory or are not policies are ignored", `{"catalog_version":"x","principals":[{"files":[
			"../../etc/a.json", "/etc/a.json", "1/role/../../../a.json", "1/role/a.md", "a.json", "1/role/x/a.json", "1\\role\\a.json", "summary.json", "1//a.json"]}]}`,
			nil, true},
		{"no principals", `{"catalog_version":"x","principals":[]}`, nil, true},
		{"another tool's summary.json", `{"principals":[{"files":["1/role/a.json"]}]}`, nil, false},
		{"not JSON", `hello`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "summary.json")
			if err := os.WriteFile(path, []byte(tt.summary), 0o644); err != nil {
				t.Fatal(err)
			}
			got, ok := earlierRunFiles(path)
			if ok != tt.wantOK || !slices.Equal(got, tt.want) {
				t.Errorf("got %v %v, want %v %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestGenerateSelection: --principal matches ARNs or names, --min-events
// leaves principals out with the reason in summary.json.
func TestGenerateSelection(t *testing.T) {
	isolateAWS(t)
	logs := repoPath(t, "testdata", "logs")
	tests := []struct {
		name        string
		args        []string
		wantFiles   []string
		wantSkipped int
	}{
		{"by name", []string{"--principal", "gov-app"}, []string{"777788889999/role/gov-app.json"}, 0},
		{"by ARN glob across paths", []string{"--principal", "arn:aws:iam::111122223333:user/*"}, []string{"111122223333/user/deploy-bot.json"}, 0},
		{"a name glob", []string{"--principal", "*deploy*"}, []string{"111122223333/user/deploy-bot.json", "444455556666/role/deployer.json"}, 0},
		{"min events", []string{"--min-events", "3"}, []string{
			"111122223333/role/AWSReservedSSO_AdministratorAccess_0123456789abcdef.json", "111122223333/role/orders-api.json",
			"111122223333/user/deploy-bot.json", "444455556666/role/deployer.json"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, _, stderr := runCLI(t, append([]string{"generate", logs, "--out", out, "--quiet"}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			files := outputFiles(t, out)
			var policies []string
			for _, p := range outputPaths(files) {
				if p != generate.SummaryFile {
					policies = append(policies, p)
				}
			}
			if !slices.Equal(policies, tt.wantFiles) {
				t.Errorf("policies %v, want %v", policies, tt.wantFiles)
			}
			var sum struct {
				Totals struct{ Skipped int } `json:"totals"`
			}
			if err := json.Unmarshal(files[generate.SummaryFile], &sum); err != nil {
				t.Fatal(err)
			}
			if sum.Totals.Skipped != tt.wantSkipped {
				t.Errorf("skipped %d, want %d", sum.Totals.Skipped, tt.wantSkipped)
			}
		})
	}
}

// TestGenerateDemoCollapse: the log make demo adds to the sample logs shows
// an S3 prefix collapse, explained in summary.json.
func TestGenerateDemoCollapse(t *testing.T) {
	isolateAWS(t)
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI(t, "generate", repoPath(t, "testdata", "demo"), "--out", out, "--quiet")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	files := outputFiles(t, out)
	doc := string(files["111122223333/role/report-builder.json"])
	for _, want := range []string{
		`"arn:aws:s3:::analytics-reports-111122223333/exports/2024/06/02/*"`,
		`"arn:aws:s3:::analytics-reports-111122223333/reference/regions.csv"`,
		`"arn:aws:s3:::analytics-reports-111122223333/summaries/2024/06/02/daily-summary.json"`,
		`"s3:ListBucket"`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("no %s in\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "part-0000") {
		t.Errorf("collapsed objects still listed:\n%s", doc)
	}
	if sum := string(files[generate.SummaryFile]); !strings.Contains(sum, `"reason": "24 observed objects directly under this prefix, more than the collapse threshold 20"`) {
		t.Errorf("summary.json does not explain the collapse:\n%s", sum)
	}
	// With a threshold at or above the 24 objects of the deep prefix, every
	// object stays listed: a higher threshold never gives a wider grant
	// (24 and 25 once widened to the whole bucket).
	for _, threshold := range []string{"24", "25", "26"} {
		out2 := filepath.Join(t.TempDir(), "out")
		if code, _, stderr := runCLI(t, "generate", repoPath(t, "testdata", "demo"), "--out", out2, "--quiet", "--collapse-threshold", threshold); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		doc := string(outputFiles(t, out2)["111122223333/role/report-builder.json"])
		if strings.Count(doc, "part-000") != 24 || strings.Contains(doc, "/*\"") {
			t.Errorf("--collapse-threshold %s collapsed:\n%s", threshold, doc)
		}
	}
}
