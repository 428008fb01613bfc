package iamapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamtailor/iamtailor/ingest/authz"
)

// startMoto runs moto_server on a free 127.0.0.1 port for the duration of
// the test and returns its endpoint. MOTO_IAM_LOAD_MANAGED_POLICIES makes
// AWS managed policies exist, so they can be attached.
func startMoto(t *testing.T) string {
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

	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	// Its own process group, so that cleanup also ends whatever the
	// moto_server launcher (a pyenv shim, a venv script) started.
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
			t.Fatalf("moto_server exited before answering (%v): %s", err, stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 60s: %s", endpoint, stderr.String())
		}
	}
}

func motoClient(endpoint string) *iam.Client {
	return iam.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "test-secret", ""),
		HTTPClient:  awshttp.NewBuildableClient(),
	}, func(o *iam.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

const account = "123456789012" // moto's default account

// Documents as a person would write them: indented, keys in no particular
// order, so that the test sees whitespace and key order normalised.
const (
	trustEC2 = `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
}`
	trustAccountMFA = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},` +
		`"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	s3ReadV1 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::v1-bucket/*"}]}`
	s3ReadV2 = `{"Version":"2012-10-17","Statement":[{"Sid":"ReadData","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],` +
		`"Resource":["arn:aws:s3:::data-bucket","arn:aws:s3:::data-bucket/*"]}]}`
	// v3 exists but is not the default: it must never appear in the model.
	s3ReadV3NotDefault = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::NOT-DEFAULT/*"}]}`
	boundaryDoc        = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","logs:*","sqs:*"],"Resource":"*"}]}`
	// Every character class that URL-encoding touches: '+', '%', a
	// pre-encoded-looking "%41" (must stay literal), spaces, non-ASCII,
	// and a policy variable.
	specialChars = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "EncodedChars",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::reports-bucket/a+b/100% done/${aws:username}/résumé-データ/*",
            "Condition": {"StringLike": {"s3:prefix": ["a+b c", "50%", "%41"]}}
        }
    ]
}`
	webWriteLogs = `{"Statement":[{"Action":["logs:PutLogEvents","sqs:SendMessage"],"Effect":"Allow",` +
		`"Resource":["arn:aws:logs:us-east-1:123456789012:log-group:/app/web+api:*","arn:aws:sqs:us-east-1:123456789012:jobs"]}],"Version":"2012-10-17"}`
	deployDoc    = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"cloudformation:*","Resource":"*"}]}`
	selfManage   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"arn:aws:iam::123456789012:user/people/${aws:username}"}]}`
	devExtra     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ReceiveMessage","Resource":"arn:aws:sqs:*:123456789012:dev-*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`
	s3ReadOnly   = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	lambdaBasics = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
)

// seed builds, through the IAM API, the account the golden file and the
// CLI fixture describe.
func seed(ctx context.Context, t *testing.T, c *iam.Client) {
	t.Helper()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed: %s: %v", what, err)
		}
	}
	policyARN := func(path, name string) string { return "arn:aws:iam::" + account + ":policy" + path + name }

	_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("s3-read"), Path: aws.String("/team/"), PolicyDocument: aws.String(s3ReadV1)})
	must("create s3-read", err)
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(policyARN("/team/", "s3-read")), PolicyDocument: aws.String(s3ReadV2), SetAsDefault: true})
	must("s3-read v2", err)
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(policyARN("/team/", "s3-read")), PolicyDocument: aws.String(s3ReadV3NotDefault), SetAsDefault: false})
	must("s3-read v3", err)
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("boundary"), PolicyDocument: aws.String(boundaryDoc)})
	must("create boundary", err)
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("special-chars"), PolicyDocument: aws.String(specialChars), Description: aws.String("characters that need URL-encoding")})
	must("create special-chars", err)

	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web-server"), Path: aws.String("/app/web/"), AssumeRolePolicyDocument: aws.String(trustEC2),
		PermissionsBoundary: aws.String(policyARN("/", "boundary")),
		Tags:                []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}, {Key: aws.String("env"), Value: aws.String("prod")}}})
	must("create web-server", err)
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("web-server"), PolicyArn: aws.String(policyARN("/team/", "s3-read"))})
	must("attach s3-read to web-server", err)
	_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("web-server"), PolicyArn: aws.String(lambdaBasics)})
	must("attach AWSLambdaBasicExecutionRole to web-server", err)
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("web-server"), PolicyName: aws.String("write-logs"), PolicyDocument: aws.String(webWriteLogs)})
	must("put web-server/write-logs", err)
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("web-server"), PolicyName: aws.String("special chars"), PolicyDocument: aws.String(specialChars)})
	must("put web-server/special chars", err)
	_, err = c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web-server-profile"), Path: aws.String("/app/web/")})
	must("create instance profile", err)
	_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web-server-profile"), RoleName: aws.String("web-server")})
	must("add web-server to instance profile", err)

	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deployer"), AssumeRolePolicyDocument: aws.String(trustAccountMFA)})
	must("create deployer", err)
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("deploy"), PolicyDocument: aws.String(deployDoc)})
	must("put deployer/deploy", err)

	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("developers"), Path: aws.String("/eng/")})
	must("create developers", err)
	_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("developers"), PolicyArn: aws.String(policyARN("/", "special-chars"))})
	must("attach special-chars to developers", err)
	_, err = c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("developers"), PolicyName: aws.String("dev-extra"), PolicyDocument: aws.String(devExtra)})
	must("put developers/dev-extra", err)
	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("readers")})
	must("create readers", err)
	_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("readers"), PolicyArn: aws.String(s3ReadOnly)})
	must("attach AmazonS3ReadOnlyAccess to readers", err)

	// moto 5.2.1 accepts PermissionsBoundary on CreateUser but drops it (it
	// has no user boundaries at all), so alice has none in the golden file
	// or the CLI fixture. User boundaries are covered by the pagination
	// test and authz's file tests, through the same code as role ones.
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/people/"),
		PermissionsBoundary: aws.String(policyARN("/", "boundary")),
		Tags:                []types.Tag{{Key: aws.String("cost-center"), Value: aws.String("42")}}})
	must("create alice", err)
	_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(policyARN("/team/", "s3-read"))})
	must("attach s3-read to alice", err)
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("self-manage"), PolicyDocument: aws.String(selfManage)})
	must("put alice/self-manage", err)
	for _, g := range []string{"readers", "developers"} {
		_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: aws.String("alice"), GroupName: aws.String(g)})
		must("add alice to "+g, err)
	}
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")})
	must("create bob", err)
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: aws.String("bob"), GroupName: aws.String("readers")})
	must("add bob to readers", err)
}

// recorder keeps the raw pages, to see which document encodings the server
// used.
type recorder struct {
	API
	pages []*iam.GetAccountAuthorizationDetailsOutput
}

func (r *recorder) GetAccountAuthorizationDetails(ctx context.Context, in *iam.GetAccountAuthorizationDetailsInput, optFns ...func(*iam.Options)) (*iam.GetAccountAuthorizationDetailsOutput, error) {
	out, err := r.API.GetAccountAuthorizationDetails(ctx, in, optFns...)
	if err == nil {
		r.pages = append(r.pages, out)
	}
	return out, err
}

// withoutIDs returns a copy of acc without the IAM unique IDs: moto draws
// them at random on every run (and omits PolicyId), so they cannot be in a
// golden file or be equal to the checked-in CLI fixture's.
func withoutIDs(acc *authz.Account) *authz.Account {
	c := *acc
	c.Roles = append([]authz.Role(nil), acc.Roles...)
	c.Users = append([]authz.User(nil), acc.Users...)
	c.Groups = append([]authz.Group(nil), acc.Groups...)
	c.Policies = append([]authz.ManagedPolicy(nil), acc.Policies...)
	for i := range c.Roles {
		c.Roles[i].ID = ""
	}
	for i := range c.Users {
		c.Users[i].ID = ""
	}
	for i := range c.Groups {
		c.Groups[i].ID = ""
	}
	for i := range c.Policies {
		c.Policies[i].ID = ""
	}
	return &c
}

func dump(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestMoto(t *testing.T) {
	ctx := context.Background()
	endpoint := startMoto(t)
	client := motoClient(endpoint)
	seed(ctx, t, client)

	rec := &recorder{API: client}
	live, err := Read(ctx, rec)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}

	t.Run("live model matches golden", func(t *testing.T) {
		// moto draws role IDs in AWS's form (AROA…) but user and group IDs
		// as 20 lowercase characters; only their presence is checked.
		for _, r := range live.Roles {
			if !strings.HasPrefix(r.ID, "AROA") {
				t.Errorf("role %s: ID %q, want an AROA… unique ID", r.ARN, r.ID)
			}
		}
		for _, u := range live.Users {
			if u.ID == "" {
				t.Errorf("user %s: no UserId", u.ARN)
			}
		}
		for _, g := range live.Groups {
			if g.ID == "" {
				t.Errorf("group %s: no GroupId", g.ARN)
			}
		}
		checkGolden(t, dump(t, withoutIDs(live)))
	})

	t.Run("non-default version is never picked", func(t *testing.T) {
		p, ok := live.Policy("arn:aws:iam::" + account + ":policy/team/s3-read")
		if !ok {
			t.Fatal("s3-read missing")
		}
		if p.DefaultVersionID != "v2" || !strings.Contains(string(p.Document), "data-bucket") {
			t.Errorf("s3-read: default %s, document %s; want v2 with data-bucket", p.DefaultVersionID, p.Document)
		}
		raw, _ := json.Marshal(live)
		if bytes.Contains(raw, []byte("NOT-DEFAULT")) || bytes.Contains(raw, []byte("v1-bucket")) {
			t.Error("a non-default policy version leaked into the model")
		}
	})

	t.Run("unattached AWS managed policies are dropped", func(t *testing.T) {
		var aws []string
		for _, p := range live.Policies {
			if p.AWSManaged() {
				aws = append(aws, p.ARN)
			}
		}
		want := []string{s3ReadOnly, lambdaBasics}
		if strings.Join(aws, " ") != strings.Join(want, " ") {
			t.Errorf("AWS managed policies = %v, want %v (moto lists all of them; AWS only attached ones)", aws, want)
		}
	})

	t.Run("server used both plain and URL-encoded documents", func(t *testing.T) {
		// Documents what moto 5.2.1 does, and proves the live test covers
		// both decoding branches: if moto changes, this says so.
		var encoded, plain int
		count := func(s *string) {
			if s == nil {
				return
			}
			if strings.HasPrefix(*s, "%7B") {
				encoded++
			} else if strings.HasPrefix(*s, "{") {
				plain++
			}
		}
		for _, p := range rec.pages {
			for _, r := range p.RoleDetailList {
				count(r.AssumeRolePolicyDocument)
				for _, ip := range r.RolePolicyList {
					count(ip.PolicyDocument)
				}
			}
			for _, pol := range p.Policies {
				for _, v := range pol.PolicyVersionList {
					count(v.Document)
				}
			}
		}
		if encoded == 0 || plain == 0 {
			t.Errorf("moto returned %d URL-encoded and %d plain documents; the test needs both", encoded, plain)
		}
	})

	t.Run("both paths produce the same internal model", func(t *testing.T) {
		offline, err := authz.ReadFile(cliFixture)
		if err != nil {
			t.Fatal(err)
		}
		got, want := dump(t, withoutIDs(offline)), dump(t, withoutIDs(live))
		if !bytes.Equal(got, want) {
			t.Errorf("ReadFile(%s) and live Read differ:\n%s", cliFixture, firstDifference(got, want, "offline", "live"))
		}
		for _, r := range offline.Roles {
			if r.ID == "" {
				t.Errorf("offline role %s lost its RoleId", r.ARN)
			}
		}
	})

	t.Run("applied policies for a user with groups", func(t *testing.T) {
		applied, err := live.AppliedPolicies("arn:aws:iam::" + account + ":user/people/alice")
		if err != nil {
			t.Fatal(err)
		}
		var sources []string
		for _, d := range applied.Identity {
			sources = append(sources, d.Source)
		}
		want := []string{
			"arn:aws:iam::123456789012:policy/team/s3-read",
			"inline:alice/self-manage",
			"group:developers/arn:aws:iam::123456789012:policy/special-chars",
			"group:developers/inline:dev-extra",
			"group:readers/arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
		}
		if strings.Join(sources, "\n") != strings.Join(want, "\n") {
			t.Errorf("sources:\n%s\nwant:\n%s", strings.Join(sources, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("applied policies for a role with a boundary", func(t *testing.T) {
		applied, err := live.AppliedPolicies("arn:aws:iam::" + account + ":role/app/web/web-server")
		if err != nil {
			t.Fatal(err)
		}
		var sources []string
		for _, d := range applied.Identity {
			sources = append(sources, d.Source)
		}
		want := []string{
			"arn:aws:iam::123456789012:policy/team/s3-read",
			"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
			"inline:web-server/special chars",
			"inline:web-server/write-logs",
		}
		if strings.Join(sources, "\n") != strings.Join(want, "\n") {
			t.Errorf("sources:\n%s\nwant:\n%s", strings.Join(sources, "\n"), strings.Join(want, "\n"))
		}
		if applied.Boundary == nil || applied.Boundary.Source != "arn:aws:iam::123456789012:policy/boundary" {
			t.Errorf("boundary = %+v, want arn:aws:iam::123456789012:policy/boundary", applied.Boundary)
		}
	})
}

// cliFixture is the same account as `aws iam get-account-authorization-details
// --output json` prints it; testdata/README.md says how it was made.
var cliFixture = filepath.Join("..", "testdata", "get-account-authorization-details.json")

func firstDifference(got, want []byte, gotName, wantName string) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n  %s: %s\n  %s: %s", i+1, gotName, gl, wantName, wl)
		}
	}
	return "(no line differs)"
}
