package review

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/generate"
	"github.com/iamtailor/iamtailor/ingest/authz"
	"github.com/iamtailor/iamtailor/ingest/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testAccount = "111122223333"

func ms(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

func principal(kind analyze.PrincipalKind, path, name string) analyze.Principal {
	typ := string(kind)
	if kind == analyze.KindServiceLinkedRole {
		typ = "role"
	}
	return analyze.Principal{Kind: kind, ARN: "arn:aws:iam::" + testAccount + ":" + typ + path + name,
		Account: testAccount, Partition: "aws", Name: name, Path: path}
}

func seen(action, resource string, count int64, last string) analyze.Observed {
	svc, name, _ := strings.Cut(action, ":")
	return analyze.Observed{Access: analyze.Access{Action: action, Resource: resource}, Count: count,
		FirstSeen: ms("2024-06-02T08:00:00Z"), LastSeen: ms(last), Via: []string{svc + ".amazonaws.com:" + name}}
}

// sampleUsages is what the mapper would conclude from a month of logs of
// the account in testdata/current.json.
func sampleUsages() []analyze.PrincipalUsage {
	web := principal(analyze.KindRole, "/app/", "web-server")
	deployer := principal(analyze.KindRole, "/", "deployer")
	alice := principal(analyze.KindUser, "/people/", "alice")
	return []analyze.PrincipalUsage{
		{
			Principal: web, Events: 31, FirstSeen: ms("2024-06-02T08:00:00Z"), LastSeen: ms("2024-06-30T17:59:00Z"),
			Observed: []analyze.Observed{
				seen("logs:PutLogEvents", "arn:aws:logs:us-east-1:"+testAccount+":log-group:/app/web:log-stream:i-0abc", 12, "2024-06-30T17:59:00Z"),
				seen("s3:GetBucketTagging", "arn:aws:s3:::app-data", 2, "2024-06-20T10:00:00Z"),
				seen("s3:GetObject", "arn:aws:s3:::app-data/reports/2024-06.json", 10, "2024-06-30T12:00:00Z"),
			},
			Denied: []analyze.Denied{
				{Access: analyze.Access{Action: "s3:PutObject", Resource: "arn:aws:s3:::app-data/reports/2024-07.json"}, EventSource: "s3.amazonaws.com", EventName: "PutObject",
					ErrorCode: "AccessDenied", Message: "User: arn:aws:sts::111122223333:assumed-role/web-server is not authorized to perform: s3:PutObject", Count: 4,
					FirstSeen: ms("2024-06-29T00:00:00Z"), LastSeen: ms("2024-06-30T00:00:00Z")},
				{Access: analyze.Access{Action: "s3:GetObject", Resource: "arn:aws:s3:::app-data/restricted/feed.csv"}, EventSource: "s3.amazonaws.com", EventName: "GetObject",
					ErrorCode: "AccessDenied", Message: "Access Denied", Count: 3, FirstSeen: ms("2024-06-10T00:00:00Z"), LastSeen: ms("2024-06-11T00:00:00Z")},
			},
		},
		{
			Principal: deployer, Events: 6, FirstSeen: ms("2024-06-03T09:00:00Z"), LastSeen: ms("2024-06-28T16:00:00Z"),
			Observed: []analyze.Observed{
				seen("cloudformation:DescribeStacks", "arn:aws:cloudformation:us-east-1:"+testAccount+":stack/web/*", 3, "2024-06-28T16:00:00Z"),
				seen("cloudformation:UpdateStack", "arn:aws:cloudformation:us-east-1:"+testAccount+":stack/web/0a1b2c3d-0000-0000-0000-000000000000", 2, "2024-06-28T15:59:00Z"),
				seen("ec2:StopInstances", "arn:aws:ec2:us-east-1:"+testAccount+":instance/i-0abc", 1, "2024-06-15T12:00:00Z"),
			},
		},
		{
			Principal: alice, Events: 5, FirstSeen: ms("2024-06-05T10:00:00Z"), LastSeen: ms("2024-06-25T10:00:00Z"),
			Observed: []analyze.Observed{
				seen("iam:ChangePassword", "arn:aws:iam::"+testAccount+":user/people/alice", 1, "2024-06-05T10:00:00Z"),
				seen("sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:"+testAccount+":dev-jobs", 4, "2024-06-25T10:00:00Z"),
			},
		},
		{
			// A role the account no longer has.
			Principal: principal(analyze.KindRole, "/", "ghost"), Events: 1, FirstSeen: ms("2024-06-01T00:00:00Z"), LastSeen: ms("2024-06-01T00:00:00Z"),
			Observed: []analyze.Observed{seen("ec2:DescribeInstances", "*", 1, "2024-06-01T00:00:00Z")},
		},
		{
			Principal:      analyze.Principal{Kind: analyze.KindRoot, ARN: "arn:aws:iam::" + testAccount + ":root", Account: testAccount, Partition: "aws"},
			NoPolicyReason: "the root user", Events: 1, FirstSeen: ms("2024-06-12T00:00:00Z"), LastSeen: ms("2024-06-12T00:00:00Z"),
			Denied: []analyze.Denied{{Access: analyze.Access{Action: "organizations:LeaveOrganization", Resource: "*"}, EventSource: "organizations.amazonaws.com",
				EventName: "LeaveOrganization", ErrorCode: "AccessDeniedException", Count: 1, FirstSeen: ms("2024-06-12T00:00:00Z"), LastSeen: ms("2024-06-12T00:00:00Z")}},
		},
	}
}

// sampleCoverage: management events for the account all month, and S3
// data events; no SQS or Lambda data events, no KMS events.
func sampleCoverage() *analyze.LogCoverage {
	c := analyze.NewLogCoverage()
	for _, r := range []store.Row{
		{Account: testAccount, Region: "us-east-1", EventSource: "cloudformation.amazonaws.com", EventCategory: "Management", Count: 5, FirstSeen: ms("2024-06-01T00:00:00Z"), LastSeen: ms("2024-06-28T16:00:00Z")},
		{Account: testAccount, Region: "us-east-1", EventSource: "s3.amazonaws.com", EventCategory: "Data", Count: 12, FirstSeen: ms("2024-06-02T08:00:00Z"), LastSeen: ms("2024-06-30T12:00:00Z")},
		{Account: testAccount, Region: "eu-west-1", EventSource: "sqs.amazonaws.com", EventCategory: "Management", Count: 4, FirstSeen: ms("2024-06-05T00:00:00Z"), LastSeen: ms("2024-06-30T23:59:59Z")},
	} {
		c.Add(&r)
	}
	return c
}

func sampleInput(t testing.TB) Input {
	t.Helper()
	acct, err := authz.ReadFile(filepath.Join("testdata", "current.json"))
	if err != nil {
		t.Fatal(err)
	}
	return Input{
		Usages: sampleUsages(), Accounts: []*authz.Account{acct}, Catalog: catalog.Default(),
		Coverage: sampleCoverage(), Options: generate.DefaultOptions(),
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
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
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (rerun with -update and review the diff); got:\n%s", path, got)
	}
}

// repoRoot walks up to go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}
