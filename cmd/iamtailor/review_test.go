package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamtailor/iamtailor/ingest/authz"
)

// The -update flag may be registered by another test file of this
// package; register it only if not.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func reviewUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// startReviewMoto runs moto_server on a free 127.0.0.1 port for the test
// and returns its endpoint.
func startReviewMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatalf("moto_server not found on PATH: it comes with the machine image (moto 5.2.1) and CI installs it (pip install 'moto[server]==5.2.1'): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	// Its own process group, so that cleanup also ends what a launcher
	// script (pyenv shim, venv) started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	probe := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := probe.Get(endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return endpoint
		}
		select {
		case err := <-exited:
			t.Fatalf("moto_server exited before answering (%v): %s", err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 60s: %s", endpoint, logs.String())
		}
	}
}

// seedFromDetails creates, through the IAM API, the account that a
// get-account-authorization-details file describes: customer managed
// policies, groups with their policies, roles with inline and attached
// policies and boundaries, users with theirs and their groups. AWS managed
// policies are attached, not created (moto loads them).
func seedFromDetails(ctx context.Context, t *testing.T, c *iam.Client, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d authz.Details
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed %s: %v", what, err)
		}
	}
	doc := func(raw json.RawMessage) *string {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			t.Fatal(err)
		}
		return aws.String(buf.String())
	}
	for _, p := range d.Policies {
		if strings.HasPrefix(p.Arn, "arn:aws:iam::aws:") {
			continue
		}
		for _, v := range p.PolicyVersionList {
			if v.IsDefaultVersion {
				_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(p.PolicyName), Path: aws.String(p.Path), PolicyDocument: doc(v.Document)})
				must("policy "+p.PolicyName, err)
			}
		}
	}
	for _, g := range d.GroupDetailList {
		_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(g.GroupName), Path: aws.String(g.Path)})
		must("group "+g.GroupName, err)
		for _, p := range g.GroupPolicyList {
			_, err := c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String(g.GroupName), PolicyName: aws.String(p.PolicyName), PolicyDocument: doc(p.PolicyDocument)})
			must("group policy "+p.PolicyName, err)
		}
		for _, a := range g.AttachedManagedPolicies {
			_, err := c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(g.GroupName), PolicyArn: aws.String(a.PolicyArn)})
			must("attach to group "+a.PolicyArn, err)
		}
	}
	for _, r := range d.RoleDetailList {
		in := &iam.CreateRoleInput{RoleName: aws.String(r.RoleName), Path: aws.String(r.Path), AssumeRolePolicyDocument: doc(r.AssumeRolePolicyDocument)}
		if r.PermissionsBoundary != nil {
			in.PermissionsBoundary = aws.String(r.PermissionsBoundary.PermissionsBoundaryArn)
		}
		_, err := c.CreateRole(ctx, in)
		must("role "+r.RoleName, err)
		for _, p := range r.RolePolicyList {
			_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(r.RoleName), PolicyName: aws.String(p.PolicyName), PolicyDocument: doc(p.PolicyDocument)})
			must("role policy "+p.PolicyName, err)
		}
		for _, a := range r.AttachedManagedPolicies {
			_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(r.RoleName), PolicyArn: aws.String(a.PolicyArn)})
			must("attach to role "+a.PolicyArn, err)
		}
	}
	for _, u := range d.UserDetailList {
		_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u.UserName), Path: aws.String(u.Path)})
		must("user "+u.UserName, err)
		for _, p := range u.UserPolicyList {
			_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(u.UserName), PolicyName: aws.String(p.PolicyName), PolicyDocument: doc(p.PolicyDocument)})
			must("user policy "+p.PolicyName, err)
		}
		for _, a := range u.AttachedManagedPolicies {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(u.UserName), PolicyArn: aws.String(a.PolicyArn)})
			must("attach to user "+a.PolicyArn, err)
		}
		for _, g := range u.GroupList {
			_, err := c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: aws.String(u.UserName), GroupName: aws.String(g)})
			must("add "+u.UserName+" to "+g, err)
		}
	}
}

// readTree returns every file under dir by its slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sortedPaths(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestReviewEndToEnd runs `iamtailor review` in process on the crafted log
// set of testdata/review/logs, against the account of
// testdata/review/current.json: once with --current live against moto
// seeded from that file through the IAM API, once with --current FILE.
// Both runs must write the same bytes, and the review outputs must match
// the goldens. The account holds what cloudtracker gets wrong: a Deny with
// NotAction, a resource-scoped Deny, a permission boundary, a group policy
// and statements with a Condition.
func TestReviewEndToEnd(t *testing.T) {
	isolateAWS(t)
	logs := repoPath(t, "cmd", "iamtailor", "testdata", "review", "logs")
	current := repoPath(t, "cmd", "iamtailor", "testdata", "review", "current.json")

	endpoint := startReviewMoto(t)
	client := iam.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "test-secret", ""),
		HTTPClient:  awshttp.NewBuildableClient(),
	}, func(o *iam.Options) { o.BaseEndpoint = aws.String(endpoint) })
	seedFromDetails(context.Background(), t, client, current)

	runs := map[string][]string{
		"live": {"--current", "live", "--endpoint-url", endpoint},
		"file": {"--current", current},
	}
	trees := map[string]map[string][]byte{}
	for _, name := range []string{"live", "file"} {
		out := t.TempDir()
		args := append([]string{"review", logs, "--out", out, "--quiet"}, runs[name]...)
		code, stdout, stderr := runCLI(t, args...)
		if code != exitFindings {
			t.Fatalf("%s: exit %d, want %d (findings)\nstdout: %s\nstderr: %s", name, code, exitFindings, stdout, stderr)
		}
		trees[name] = readTree(t, out)
	}

	live, file := trees["live"], trees["file"]
	if a, b := strings.Join(sortedPaths(live), " "), strings.Join(sortedPaths(file), " "); a != b {
		t.Fatalf("live and file runs wrote different files:\n%s\n%s", a, b)
	}
	for path, data := range live {
		if !bytes.Equal(data, file[path]) {
			t.Errorf("%s differs between --current live and --current FILE", path)
		}
	}
	want := []string{
		"123456789012/role/deployer.diff", "123456789012/role/deployer.json",
		"123456789012/role/idle.diff",
		"123456789012/role/web-server.diff", "123456789012/role/web-server.json",
		"123456789012/user/alice.diff", "123456789012/user/alice.json",
		"findings.json", "report.html", "review.md", "summary.json",
	}
	var got []string
	for _, p := range sortedPaths(live) {
		if !strings.HasPrefix(p, "123456789012/role/exact") {
			got = append(got, p)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("files %v, want %v", got, want)
	}
	for _, path := range []string{
		"findings.json", "review.md", "report.html",
		"123456789012/role/deployer.diff", "123456789012/role/web-server.diff", "123456789012/user/alice.diff", "123456789012/role/idle.diff",
	} {
		checkReviewGolden(t, "TestReviewEndToEnd/"+path, live[path])
	}

	// The conclusions the goldens hold, spelled out.
	var findings struct {
		Principals []struct {
			ARN      string `json:"arn"`
			Findings []struct {
				Kind, Level, Action, Resource, Decision, Reason string
				Except                                          []string
			} `json:"findings"`
		} `json:"principals"`
	}
	if err := json.Unmarshal(live["findings.json"], &findings); err != nil {
		t.Fatal(err)
	}
	has := func(arn, kind, action, decision, reason string) bool {
		for _, p := range findings.Principals {
			if p.ARN != arn {
				continue
			}
			for _, f := range p.Findings {
				if f.Kind == kind && f.Action == action && (decision == "" || f.Decision == decision) && strings.Contains(f.Reason, reason) {
					return true
				}
			}
		}
		return false
	}
	const acct = "arn:aws:iam::123456789012:"
	for _, c := range []struct {
		what                                string
		arn, kind, action, decision, reason string
		want                                bool
	}{
		{"NotAction Deny takes ec2:Describe* back", acct + "role/deployer", "unused", "ec2:DescribeInstances", "", "", false},
		{"resource-scoped Deny leaves DeleteStack granted elsewhere", acct + "role/deployer", "unused", "cloudformation:DeleteStack", "allowed", "denied by inline deploy", true},
		{"the denied DeleteStack is explained by that Deny", acct + "role/deployer", "denied", "cloudformation:DeleteStack", "explicit-deny", "NoProdStacks", true},
		{"Condition: StartInstances only under conditions", acct + "role/deployer", "unused", "ec2:StartInstances", "depends-on-conditions", "TaggedInstances", true},
		{"Condition: StopInstances used under conditions", acct + "role/deployer", "used", "ec2:StopInstances", "depends-on-conditions", "", true},
		{"boundary caps iam:PassRole", acct + "role/app/web-server", "not-observable", "iam:PassRole", "", "", false},
		{"boundary keeps logs from the AWS managed policy", acct + "role/app/web-server", "unused", "logs:CreateLogGroup", "allowed", "", true},
		{"denied although granted: an explicit deny elsewhere", acct + "role/app/web-server", "denied", "s3:GetObject", "allowed", "explicit deny elsewhere", true},
		{"denied and not granted", acct + "role/app/web-server", "denied", "s3:PutObject", "implicit-deny", "not granted today", true},
		{"group policy with a Condition, used", acct + "user/people/alice", "used", "sqs:ReceiveMessage", "depends-on-conditions", "", true},
		{"group policy, SQS data events logged: DeleteMessage unused", acct + "user/people/alice", "unused", "sqs:DeleteMessage", "depends-on-conditions", "", true},
		{"group managed policy: S3 ListBucket unused", acct + "user/people/alice", "unused", "s3:ListBucket", "allowed", "", true},
		{"idle role: sqs:* is a wildcard risk", acct + "role/idle", "wildcard-risk", "sqs:*", "", "every action of sqs", true},
	} {
		if got := has(c.arn, c.kind, c.action, c.decision, c.reason); got != c.want {
			t.Errorf("%s: finding %s %s %s present=%v, want %v", c.what, c.kind, c.action, c.decision, got, c.want)
		}
	}
}

// TestReviewExitCodes: 0 when the current policy is the suggested one, 4
// with findings, 2 on usage errors, 1 when the current file is unreadable.
func TestReviewExitCodes(t *testing.T) {
	isolateAWS(t)
	logs := repoPath(t, "cmd", "iamtailor", "testdata", "review", "logs")
	current := repoPath(t, "cmd", "iamtailor", "testdata", "review", "current.json")
	exact := repoPath(t, "cmd", "iamtailor", "testdata", "review", "current-exact.json")
	usage := t.TempDir()
	if code, _, stderr := runCLI(t, "ingest", logs, "--usage", usage, "--quiet"); code != exitOK {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	tests := []struct {
		name       string
		args       []string
		want       int
		wantStderr string
	}{
		{"current policy is the suggestion", []string{"--usage", usage, "--current", exact, "--principal", "exact"}, exitOK, ""},
		{"findings", []string{"--usage", usage, "--current", current}, exitFindings, ""},
		{"one principal with findings", []string{"--usage", usage, "--current", current, "--principal", "*alice"}, exitFindings, ""},
		{"from logs directly", []string{logs, "--current", exact, "--principal", "exact"}, exitOK, ""},
		{"no source", []string{"--current", current}, exitUsage, "give SOURCEs"},
		{"no --current", []string{"--usage", usage}, exitUsage, "--current is required"},
		{"live with files", []string{"--usage", usage, "--current", "live", "--current", current}, exitUsage, "do not combine"},
		{"bad format", []string{"--usage", usage, "--current", current, "--format", "yaml"}, exitUsage, "--format"},
		{"unreadable current file", []string{"--usage", usage, "--current", filepath.Join(t.TempDir(), "missing.json")}, exitFailure, "missing.json"},
		{"log filters on a store", []string{"--usage", usage, "--current", current, "--region", "us-east-1"}, exitUsage, "need SOURCEs"},
		{"empty --principal", []string{"--usage", usage, "--current", current, "--principal", ""}, exitUsage, "--principal needs a glob"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"review", "--out", out, "--quiet"}, tc.args...)
			if tc.name == "no --current" || tc.name == "no source" {
				args = append([]string{"review", "--out", out}, tc.args...)
			}
			code, _, stderr := runCLI(t, args...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tc.want, stderr)
			}
			if !strings.Contains(stderr, tc.wantStderr) {
				t.Errorf("stderr %q does not say %q", stderr, tc.wantStderr)
			}
			if tc.want == exitOK {
				data, err := os.ReadFile(filepath.Join(out, "findings.json"))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(data), `"with_findings": 0`) {
					t.Errorf("exit 0 but findings.json says otherwise:\n%s", data)
				}
				// The policies differ only in their Sids, which the merge
				// names after the policy they come from.
				diff, err := os.ReadFile(filepath.Join(out, "123456789012", "role", "exact.diff"))
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range strings.Split(string(diff), "\n") {
					if (strings.HasPrefix(l, "+ ") || strings.HasPrefix(l, "- ")) && !strings.Contains(l, `"Sid"`) {
						t.Errorf("the diff changes more than Sids: %q\n%s", l, diff)
					}
				}
			}
		})
	}
}

// TestReviewReplacesEarlierRun: a second run into the same --out removes
// the policies and diffs of principals it no longer writes, and a foreign
// non-empty directory is refused without --force.
func TestReviewReplacesEarlierRun(t *testing.T) {
	isolateAWS(t)
	logs := repoPath(t, "cmd", "iamtailor", "testdata", "review", "logs")
	current := repoPath(t, "cmd", "iamtailor", "testdata", "review", "current.json")
	out := t.TempDir()
	if code, _, stderr := runCLI(t, "review", logs, "--current", current, "--out", out, "--quiet"); code != exitFindings {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	for _, p := range []string{"123456789012/role/deployer.diff", "123456789012/role/deployer.json", "123456789012/user/alice.diff"} {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(p))); err != nil {
			t.Fatalf("first run did not write %s: %v", p, err)
		}
	}
	code, _, stderr := runCLI(t, "review", logs, "--current", current, "--out", out, "--principal", "*alice")
	if code != exitFindings {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "stale file") {
		t.Errorf("stderr does not report the stale files removed: %s", stderr)
	}
	tree := readTree(t, out)
	want := "123456789012/user/alice.diff 123456789012/user/alice.json findings.json report.html review.md summary.json"
	if got := strings.Join(sortedPaths(tree), " "); got != want {
		t.Errorf("after the second run: %s, want %s", got, want)
	}

	foreign := t.TempDir()
	if err := os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "review", logs, "--current", current, "--out", foreign, "--quiet"); code != exitUsage || !strings.Contains(stderr, "--force") {
		t.Errorf("foreign --out: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "review", logs, "--current", current, "--out", foreign, "--quiet", "--force"); code != exitFindings {
		t.Errorf("foreign --out with --force: exit %d: %s", code, stderr)
	}
	if data, err := os.ReadFile(filepath.Join(foreign, "notes.txt")); err != nil || string(data) != "mine" {
		t.Errorf("--force touched a file it did not write: %q, %v", data, err)
	}
}

func checkReviewGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if reviewUpdate() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
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
		t.Errorf("%s differs from the golden file (rerun with -update and review the diff); got:\n%s", path, got)
	}
}
