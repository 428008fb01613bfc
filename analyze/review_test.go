package analyze_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/analyze/policy"
	"github.com/iamtailor/iamtailor/ingest/authz"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// The -update flag may already be registered by another test file of this
// package (every package's tests use the same name); register it only if
// not, and read it through the flag package.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func reviewUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const rvAccount = "111122223333"

func rvRole(name string) analyze.Principal {
	return analyze.Principal{Kind: analyze.KindRole, ARN: "arn:aws:iam::" + rvAccount + ":role/" + name,
		Account: rvAccount, Partition: "aws", Name: name, Path: "/"}
}

func rvObs(action, resource string, count int64) analyze.Observed {
	svc, name, _ := strings.Cut(action, ":")
	return analyze.Observed{Access: analyze.Access{Action: action, Resource: resource}, Count: count,
		FirstSeen: 1718000000000, LastSeen: 1718100000000, Via: []string{svc + ".amazonaws.com:" + name}}
}

func rvDoc(t testing.TB, text string) *policy.Document {
	t.Helper()
	d, err := policy.Parse([]byte(text))
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return d
}

func rvSet(t testing.TB, identity map[string]string, boundary string) *policy.PolicySet {
	t.Helper()
	set := &policy.PolicySet{}
	for _, name := range rvSortedKeys(identity) {
		set.Identity = append(set.Identity, policy.Named{Name: name, Doc: rvDoc(t, identity[name])})
	}
	if boundary != "" {
		set.Boundary = []policy.Named{{Name: "boundary", Doc: rvDoc(t, boundary)}}
	}
	return set
}

func rvSortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// coverage builds a LogCoverage from (source, category) pairs recorded in
// the account.
func rvCoverage(account string, events ...[2]string) *analyze.LogCoverage {
	c := analyze.NewLogCoverage()
	for _, e := range events {
		c.Add(&store.Row{Account: account, Region: "us-east-1", EventSource: e[0], EventCategory: e[1], Count: 1,
			FirstSeen: 1717200000000, LastSeen: 1719700000000})
	}
	return c
}

var rvManagementOnly = [2]string{"sts.amazonaws.com", "Management"}

// rvDump prints findings one per line, for goldens a reviewer can
// read.
func rvDump(pf analyze.PrincipalFindings) string {
	var b strings.Builder
	c := pf.Counts
	fmt.Fprintf(&b, "principal %s boundary=%v missing=%q\n", pf.Principal.ARN, pf.HasBoundary, pf.CurrentMissing)
	fmt.Fprintf(&b, "counts granted=%d used=%d unused=%d (conditional %d) not-observable=%d unused-resources=%d ineffective=%d denied=%d/%d used-not-granted=%d wildcard-risks=%d unused%%=%.1f findings=%v\n",
		c.Granted, c.Used, c.Unused, c.UnusedConditional, c.NotObservable, c.UnusedResources, c.Ineffective, c.Denied, c.DeniedAttempts, c.UsedNotGranted, c.WildcardRisks, c.UnusedPercent, pf.HasFindings())
	for _, f := range pf.Findings {
		fmt.Fprintf(&b, "%s %s %s", f.Kind, f.Level, f.Action)
		if f.Resource != "" {
			fmt.Fprintf(&b, " on %s", f.Resource)
		}
		fmt.Fprintf(&b, " [%s]", f.Decision)
		if len(f.GrantedOn) > 0 {
			fmt.Fprintf(&b, " granted-on=%s", strings.Join(f.GrantedOn, ","))
		}
		if len(f.Except) > 0 {
			fmt.Fprintf(&b, " except=%s", strings.Join(f.Except, ","))
		}
		if len(f.UsedOn) > 0 {
			fmt.Fprintf(&b, " used-on(%d)=%s", f.UsedOnCount, strings.Join(f.UsedOn, ","))
		}
		if len(f.SuggestedOn) > 0 {
			fmt.Fprintf(&b, " suggested-on=%s", strings.Join(f.SuggestedOn, ","))
		}
		if len(f.DependsOn) > 0 {
			fmt.Fprintf(&b, " depends-on=%s", strings.Join(f.DependsOn, ","))
		}
		if f.Count > 0 {
			fmt.Fprintf(&b, " count=%d", f.Count)
		}
		if f.Observability != "" {
			fmt.Fprintf(&b, " observability=%s", f.Observability)
		}
		b.WriteString("\n")
		for _, s := range f.Statements {
			fmt.Fprintf(&b, "    by %s\n", s)
		}
		if f.Reason != "" {
			fmt.Fprintf(&b, "    reason: %s\n", f.Reason)
		}
	}
	return b.String()
}

func rvCheckGolden(t *testing.T, name string, got []byte) {
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
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (rerun with -update and review the diff):\n%s", path, got)
	}
}

const (
	rvBucket1 = "arn:aws:s3:::app-data"
	rvBucket2 = "arn:aws:s3:::app-logs"
)

// TestReview covers each rule with a golden dump of the findings.
func TestReview(t *testing.T) {
	cat := catalog.Default()
	rvDataEvents := rvCoverage(rvAccount, rvManagementOnly, [2]string{"s3.amazonaws.com", "Data"})
	tests := []struct {
		name      string
		usage     analyze.PrincipalUsage
		identity  map[string]string
		boundary  string
		suggested string
		cov       *analyze.LogCoverage
	}{
		{
			name: "deny_not_action_leaves_reads",
			// Allow s3:* but Deny everything that is not a read: the
			// evaluator, not a hand-made rule, decides what is left.
			identity: map[string]string{
				"s3-all":     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
				"reads-only": `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyReads","Effect":"Deny","NotAction":["s3:GetObject","s3:ListBucket","s3:ListAllMyBuckets"],"Resource":"*"}]}`,
			},
			usage: analyze.PrincipalUsage{Principal: rvRole("reader"), Events: 7, Observed: []analyze.Observed{
				rvObs("s3:GetObject", rvBucket1+"/a.json", 5), rvObs("s3:ListAllMyBuckets", "*", 2),
			}},
			cov: rvDataEvents,
		},
		{
			name: "resource_scoped_deny",
			identity: map[string]string{
				"objects": `{"Version":"2012-10-17","Statement":[
					{"Sid":"Objects","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::*/*"},
					{"Sid":"KeepProd","Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::prod-*/*"}]}`,
			},
			usage: analyze.PrincipalUsage{Principal: rvRole("writer"), Events: 3, Observed: []analyze.Observed{
				rvObs("s3:GetObject", rvBucket1+"/a.json", 2), rvObs("s3:PutObject", rvBucket1+"/b.json", 1),
			}},
			suggested: `{"Version":"2012-10-17","Statement":[{"Sid":"S3ReadObject","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::app-data/*"}]}`,
			cov:       rvDataEvents,
		},
		{
			name: "permission_boundary_intersection",
			identity: map[string]string{
				"broad": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","dynamodb:GetItem","sqs:SendMessage"],"Resource":"*"}]}`,
			},
			boundary: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","sqs:*"],"Resource":["arn:aws:s3:::app-*","arn:aws:s3:::app-*/*","arn:aws:sqs:*:111122223333:jobs"]}]}`,
			usage: analyze.PrincipalUsage{Principal: rvRole("capped"), Events: 1, Observed: []analyze.Observed{
				rvObs("s3:GetObject", rvBucket1+"/a.json", 1),
			}},
			cov: rvCoverage(rvAccount, rvManagementOnly, [2]string{"s3.amazonaws.com", "Data"}, [2]string{"sqs.amazonaws.com", "Data"}),
		},
		{
			name: "conditions",
			identity: map[string]string{
				"ec2": `{"Version":"2012-10-17","Statement":[
					{"Sid":"TaggedOnly","Effect":"Allow","Action":["ec2:StartInstances","ec2:StopInstances"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"web"}}},
					{"Sid":"Describe","Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"},
					{"Sid":"NoTerminateOffHours","Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}},
					{"Sid":"Terminate","Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}]}`,
			},
			usage: analyze.PrincipalUsage{Principal: rvRole("ops"), Events: 4, Observed: []analyze.Observed{
				rvObs("ec2:DescribeInstances", "*", 3), rvObs("ec2:StartInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc", 1),
			}},
			cov: rvCoverage(rvAccount, rvManagementOnly),
		},
		{
			name: "not_observable",
			identity: map[string]string{
				"app": `{"Version":"2012-10-17","Statement":[
					{"Effect":"Allow","Action":["iam:PassRole"],"Resource":"arn:aws:iam::111122223333:role/app-*"},
					{"Effect":"Allow","Action":["s3:GetObject","sqs:ReceiveMessage","lambda:InvokeFunction","kms:Decrypt","rds-db:connect","execute-api:Invoke","s3:GetBucketPolicy"],"Resource":"*"}]}`,
			},
			usage: analyze.PrincipalUsage{Principal: rvRole("app"), Events: 1, Observed: []analyze.Observed{
				rvObs("s3:GetBucketPolicy", rvBucket1, 1),
			}},
			// S3 data events are logged, SQS and Lambda ones are not, and
			// no KMS event at all: the trail may exclude KMS.
			cov: rvCoverage(rvAccount, rvManagementOnly, [2]string{"s3.amazonaws.com", "Data"}),
		},
		{
			name: "no_logs_for_the_account",
			identity: map[string]string{
				"app": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:DescribeInstances","ec2:RunInstances"],"Resource":"*"}]}`,
			},
			usage: analyze.PrincipalUsage{Principal: rvRole("elsewhere"), Events: 1, Observed: []analyze.Observed{
				rvObs("ec2:DescribeInstances", "*", 1),
			}},
			cov: rvCoverage("999988887777", rvManagementOnly),
		},
		{
			name: "denied_attempts",
			identity: map[string]string{
				"app": `{"Version":"2012-10-17","Statement":[
					{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::app-data/*"},
					{"Sid":"NoSecrets","Effect":"Deny","Action":"secretsmanager:*","Resource":"*"}]}`,
			},
			usage: analyze.PrincipalUsage{Principal: rvRole("app"), Events: 9, Denied: []analyze.Denied{
				{Access: analyze.Access{Action: "s3:GetObject", Resource: rvBucket1 + "/x"}, EventSource: "s3.amazonaws.com", EventName: "GetObject", ErrorCode: "AccessDenied", Message: "Access Denied", Count: 2},
				{Access: analyze.Access{Action: "ec2:RunInstances", Resource: "arn:aws:ec2:us-east-1:111122223333:instance/*"}, EventSource: "ec2.amazonaws.com", EventName: "RunInstances", ErrorCode: "Client.UnauthorizedOperation", Count: 3},
				{Access: analyze.Access{Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"}, EventSource: "secretsmanager.amazonaws.com", EventName: "GetSecretValue", ErrorCode: "AccessDeniedException", Count: 4},
			}},
			cov: rvDataEvents,
		},
		{
			name: "wildcards_and_escalation",
			identity: map[string]string{
				"admin-ish": `{"Version":"2012-10-17","Statement":[
					{"Sid":"AllS3","Effect":"Allow","Action":"s3:*","Resource":"*"},
					{"Sid":"Iam","Effect":"Allow","Action":["iam:PassRole","iam:CreatePolicyVersion"],"Resource":"*"},
					{"Sid":"AssumeApp","Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/*"},
					{"Sid":"AttachScoped","Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"arn:aws:iam::111122223333:role/app-*"}]}`,
			},
			usage: analyze.PrincipalUsage{Principal: rvRole("deployer"), Events: 2, Observed: []analyze.Observed{
				rvObs("sts:AssumeRole", "arn:aws:iam::111122223333:role/app-runner", 2),
			}},
			cov: rvCoverage(rvAccount, rvManagementOnly),
		},
		{
			name: "resource_level_without_suggestion",
			identity: map[string]string{
				"buckets": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetBucketTagging","Resource":["arn:aws:s3:::*","arn:aws:s3:::archive"]}]}`,
			},
			usage: analyze.PrincipalUsage{Principal: rvRole("tagger"), Events: 2, Observed: []analyze.Observed{
				rvObs("s3:GetBucketTagging", rvBucket1, 1), rvObs("s3:GetBucketTagging", rvBucket2, 1),
			}},
			cov: rvCoverage(rvAccount, rvManagementOnly),
		},
		{
			name: "resource_level_with_suggestion",
			identity: map[string]string{
				"buckets": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetBucketTagging","Resource":"arn:aws:s3:::*"}]}`,
			},
			usage: analyze.PrincipalUsage{Principal: rvRole("tagger"), Events: 2, Observed: []analyze.Observed{
				rvObs("s3:GetBucketTagging", rvBucket1, 1), rvObs("s3:GetBucketTagging", rvBucket2, 1),
			}},
			suggested: `{"Version":"2012-10-17","Statement":[{"Sid":"S3ReadBucket","Effect":"Allow","Action":"s3:GetBucketTagging","Resource":["arn:aws:s3:::app-data","arn:aws:s3:::app-logs"]}]}`,
			cov:       rvCoverage(rvAccount, rvManagementOnly),
		},
		{
			name: "suggestion_adopted_has_no_findings",
			identity: map[string]string{
				"suggested": `{"Version":"2012-10-17","Statement":[{"Sid":"S3ReadBucket","Effect":"Allow","Action":"s3:GetBucketTagging","Resource":["arn:aws:s3:::app-data","arn:aws:s3:::app-logs"]}]}`,
			},
			usage: analyze.PrincipalUsage{Principal: rvRole("tagger"), Events: 2, Observed: []analyze.Observed{
				rvObs("s3:GetBucketTagging", rvBucket1, 1), rvObs("s3:GetBucketTagging", rvBucket2, 1),
			}},
			suggested: `{"Version":"2012-10-17","Statement":[{"Sid":"S3ReadBucket","Effect":"Allow","Action":"s3:GetBucketTagging","Resource":["arn:aws:s3:::app-data","arn:aws:s3:::app-logs"]}]}`,
			cov:       rvCoverage(rvAccount, rvManagementOnly),
		},
		{
			name: "used_not_granted_and_coarsened",
			identity: map[string]string{
				"app": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::app-data/reports/*"}]}`,
			},
			usage: analyze.PrincipalUsage{Principal: rvRole("app"), Events: 3, Observed: []analyze.Observed{
				// The store coarsened the keys: which objects is unknown.
				rvObs("s3:GetObject", rvBucket1+"/*", 2),
				// Granted by the queue's resource policy, not by the role.
				rvObs("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:jobs", 1),
			}},
			cov: rvDataEvents,
		},
		{
			name:  "no_current_policies",
			usage: analyze.PrincipalUsage{Principal: rvRole("gone"), Events: 1, Observed: []analyze.Observed{rvObs("ec2:DescribeInstances", "*", 1)}, Denied: []analyze.Denied{{Access: analyze.Access{Action: "ec2:RunInstances", Resource: "*"}, EventSource: "ec2.amazonaws.com", EventName: "RunInstances", ErrorCode: "Client.UnauthorizedOperation", Count: 1}}},
			cov:   rvDataEvents,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := analyze.ReviewInput{Usage: tc.usage}
			if tc.identity != nil {
				in.Current = rvSet(t, tc.identity, tc.boundary)
			} else {
				in.CurrentMissing = "not in the account's authorization details"
			}
			if tc.suggested != "" {
				in.Suggested = []policy.Document{*rvDoc(t, tc.suggested)}
			}
			pf := analyze.Review(in, cat, tc.cov)
			rvCheckGolden(t, "TestReview/"+tc.name, []byte(rvDump(pf)))
		})
	}
}

// TestReviewAllowNotAction: an Allow with NotAction grants every catalog
// action it does not list, decided by the evaluator; a boundary then caps
// it to what both allow.
func TestReviewAllowNotAction(t *testing.T) {
	cat := catalog.Default()
	set := rvSet(t, map[string]string{
		"power-user": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"}]}`,
	}, "")
	usage := analyze.PrincipalUsage{Principal: rvRole("power"), Events: 1, Observed: []analyze.Observed{rvObs("ec2:DescribeInstances", "*", 1)}}
	pf := analyze.Review(analyze.ReviewInput{Usage: usage, Current: set}, cat, rvCoverage(rvAccount, rvManagementOnly))

	want := 0
	for _, a := range cat.Match("*") {
		p := strings.SplitN(a.FullName(), ":", 2)[0]
		if p != "iam" && p != "organizations" && p != "account" {
			want++
		}
	}
	if pf.Counts.Granted != want {
		t.Errorf("granted %d actions, want every catalog action but iam, organizations and account: %d", pf.Counts.Granted, want)
	}
	byAction := map[string]analyze.Finding{}
	for _, f := range pf.Findings {
		if f.Level == analyze.LevelAction && f.Kind != analyze.FindingWildcardRisk {
			byAction[f.Action] = f
		}
	}
	for action, kind := range map[string]analyze.FindingKind{
		"ec2:DescribeInstances": analyze.FindingUsed,
		"ec2:RunInstances":      analyze.FindingUnused,
		"s3:GetObject":          analyze.FindingNotObservable, // no S3 data events logged
		"sts:TagSession":        analyze.FindingNotObservable,
	} {
		if got := byAction[action].Kind; got != kind {
			t.Errorf("%s: %q, want %q", action, got, kind)
		}
	}
	for _, action := range []string{"iam:PassRole", "iam:CreateUser", "organizations:ListAccounts"} {
		if f, ok := byAction[action]; ok {
			t.Errorf("%s is excluded by NotAction but reported %s", action, f.Kind)
		}
	}
	var notAction bool
	for _, f := range pf.Findings {
		if f.Kind == analyze.FindingWildcardRisk && f.Action == "NotAction" {
			notAction = true
		}
	}
	if !notAction {
		t.Error("no wildcard-risk finding for the Allow with NotAction")
	}
	if pf.Counts.Unused+pf.Counts.NotObservable+pf.Counts.Used != pf.Counts.Granted {
		t.Errorf("counts do not add up: %+v", pf.Counts)
	}
}

// TestReviewMatchesEvaluator: every action reported granted is allowed (or
// depends on conditions) by the evaluator on one of its GrantedOn
// patterns, and no catalog action the evaluator allows on "*" is missing.
func TestReviewMatchesEvaluator(t *testing.T) {
	cat := catalog.Default()
	set := rvSet(t, map[string]string{
		"mixed": `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","NotAction":["s3:*","ec2:*"],"Resource":"*"},
			{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::app-*"},
			{"Effect":"Deny","Action":["lambda:*","dynamodb:Delete*"],"Resource":"*"}]}`,
	}, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"sqs:*","Resource":"*"}]}`)
	pf := analyze.Review(analyze.ReviewInput{Usage: analyze.PrincipalUsage{Principal: rvRole("mixed")}, Current: set}, cat, rvCoverage(rvAccount, rvManagementOnly))
	ev := policy.Compile(*set)
	reported := map[string]bool{}
	for _, f := range pf.Findings {
		if f.Level != analyze.LevelAction || (f.Kind != analyze.FindingUnused && f.Kind != analyze.FindingNotObservable) {
			continue
		}
		reported[f.Action] = true
		ok := false
		for _, r := range f.GrantedOn {
			if d := ev.Decide(policy.Request{Action: f.Action, Resource: r}); d == policy.Allowed || d == policy.DependsOnConditions {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s reported granted on %v, the evaluator disagrees", f.Action, f.GrantedOn)
		}
	}
	for _, a := range cat.Match("*") {
		if ev.Decide(policy.Request{Action: a.FullName(), Resource: "*"}) == policy.Allowed && !reported[a.FullName()] {
			t.Errorf("%s is allowed on * but not reported granted", a.FullName())
		}
	}
	for _, name := range []string{"lambda:InvokeFunction", "sqs:SendMessage", "ec2:RunInstances", "s3:PutObject", "dynamodb:DeleteItem"} {
		if reported[name] {
			t.Errorf("%s is denied, capped or never allowed, yet reported granted", name)
		}
	}
	if !reported["s3:GetObject"] || !reported["dynamodb:GetItem"] {
		t.Error("s3:GetObject (on app-*) and dynamodb:GetItem should be granted")
	}
}

// TestCurrentPolicies: group policies are part of a user's set, names are
// short and unique, and the boundary is kept apart.
func TestCurrentPolicies(t *testing.T) {
	ap := &authz.AppliedPolicies{
		PrincipalARN: "arn:aws:iam::111122223333:user/people/alice",
		Identity: []authz.SourcedDocument{
			{Source: "arn:aws:iam::111122223333:policy/team/s3-read", Document: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)},
			{Source: "inline:alice/self", Document: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"*"}]}`)},
			{Source: "group:devs/arn:aws:iam::111122223333:policy/other/s3-read", Document: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)},
			{Source: "group:devs/inline:extra", Document: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ReceiveMessage","Resource":"*"}]}`)},
		},
		Boundary: &authz.SourcedDocument{Source: "arn:aws:iam::111122223333:policy/limit", Document: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)},
	}
	set, err := analyze.CurrentPolicies(ap)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range set.Identity {
		names = append(names, p.Name)
	}
	want := "s3-read|inline self|group devs s3-read|group devs inline extra"
	if got := strings.Join(names, "|"); got != want {
		t.Errorf("names %q, want %q", got, want)
	}
	if len(set.Boundary) != 1 || set.Boundary[0].Name != "boundary limit" {
		t.Errorf("boundary %+v", set.Boundary)
	}
	if policy.Compile(set).Decide(policy.Request{Action: "sqs:ReceiveMessage", Resource: "*"}) != policy.Allowed {
		t.Error("the group's inline policy does not grant")
	}

	ap.Identity = append(ap.Identity, authz.SourcedDocument{Source: "inline:alice/broken", Document: []byte(`{"Statement":[{"Effect":"Maybe"}]}`)})
	if _, err := analyze.CurrentPolicies(ap); err == nil || !strings.Contains(err.Error(), "inline:alice/broken") {
		t.Errorf("a bad document: error %v, want one naming it", err)
	}
}

// TestReviewTablesAgainstCatalog: every table entry names catalog actions,
// so no row silently matches nothing.
func TestReviewTablesAgainstCatalog(t *testing.T) {
	cat := catalog.Default()
	for _, p := range analyze.ObservabilityPatterns() {
		if len(cat.Match(p)) == 0 {
			t.Errorf("not-observable table: %q matches no catalog action", p)
		}
	}
	for _, a := range analyze.EscalationActions() {
		if _, ok := cat.Action(a); !ok {
			t.Errorf("escalation table: %q is not a catalog action", a)
		}
	}
}
