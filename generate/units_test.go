package generate

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/policy"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "arn:aws:s3:::b/k", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::bb/k", false},
		{"arn:aws:dynamodb:*:1:table/t", "arn:aws:dynamodb:eu-west-1:1:table/t", true},
		{"arn:aws:dynamodb:*:1:table/t", "arn:aws:dynamodb:eu-west-1:1:table/t/index/i", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*a*a*a*a*b", strings.Repeat("a", 60), false},
		{"s3:get*", "s3:getobject", true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s~%s", tc.pattern, tc.s), func(t *testing.T) {
			if got := globMatch(tc.pattern, tc.s); got != tc.want {
				t.Errorf("globMatch(%q, %q) = %v", tc.pattern, tc.s, got)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		name string
		p, q string
		want bool
	}{
		{"equal", "arn:aws:s3:::b/k", "arn:aws:s3:::b/k", true},
		{"star", "*", "arn:aws:s3:::b/k", true},
		{"prefix", "arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/logs/2024/x", true},
		{"prefix_of_pattern", "arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/logs/2024/*", true},
		{"sibling", "arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/log", false},
		{"inner_wildcard_not_decided", "arn:aws:dynamodb:*:1:table/*", "arn:aws:dynamodb:eu-west-1:1:table/t", false},
		{"narrower_does_not_cover_wider", "arn:aws:s3:::b/logs/2024/*", "arn:aws:s3:::b/logs/*", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := covers(tc.p, tc.q); got != tc.want {
				t.Errorf("covers(%q, %q) = %v", tc.p, tc.q, got)
			}
		})
	}
}

func TestDropCovered(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"nothing_covered", []string{"arn:aws:s3:::b/a", "arn:aws:s3:::b/b"}, []string{"arn:aws:s3:::b/a", "arn:aws:s3:::b/b"}},
		{"prefix_covers", []string{"arn:aws:s3:::b/a/*", "arn:aws:s3:::b/a/x", "arn:aws:s3:::b/ab"}, []string{"arn:aws:s3:::b/a/*", "arn:aws:s3:::b/ab"}},
		{"nested_prefixes", []string{"arn:aws:s3:::b/*", "arn:aws:s3:::b/a/*", "arn:aws:s3:::b/a/x"}, []string{"arn:aws:s3:::b/*"}},
		{"star_covers_all", []string{"*", "arn:aws:s3:::b/a"}, []string{"*"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := dropCovered(tc.in); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("dropCovered(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestPathFamily(t *testing.T) {
	tests := []struct {
		arn                   string
		container, rest, noun string
		floor                 int
		ok                    bool
	}{
		{"arn:aws:s3:::b/a/k", "arn:aws:s3:::b/", "a/k", "objects", 0, true},
		{"arn:aws-cn:s3:::b/k", "arn:aws-cn:s3:::b/", "k", "objects", 0, true},
		{"arn:aws:s3:::b", "", "", "", 0, false},
		{"arn:aws:s3:eu-west-1:1:accesspoint/ap/object/k", "", "", "", 0, false},
		{"arn:aws:ssm:eu-west-1:111122223333:parameter/app/x", "arn:aws:ssm:eu-west-1:111122223333:parameter/", "app/x", "parameters", 1, true},
		{"arn:aws:ssm:eu-west-1:111122223333:document/d", "", "", "", 0, false},
		{"arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/f:log-stream:2024/01/x", "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/f:log-stream:", "2024/01/x", "log streams", 0, true},
		{"arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/f:*", "", "", "", 0, false},
		{"arn:aws:dynamodb:eu-west-1:1:table/t", "", "", "", 0, false},
		{"not-an-arn", "", "", "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.arn, func(t *testing.T) {
			container, rest, floor, noun, ok := pathFamily(tc.arn)
			if ok != tc.ok || container != tc.container || rest != tc.rest || floor != tc.floor || noun != tc.noun {
				t.Errorf("pathFamily = %q %q %d %q %v", container, rest, floor, noun, ok)
			}
		})
	}
}

func TestWordBoundaries(t *testing.T) {
	tests := []struct {
		name string
		want []int
	}{
		{"GetObject", []int{3}},
		{"GetObjectVersionAcl", []int{3, 9, 16}},
		{"GetSAMLProvider", []int{3, 7}},
		{"ListV2Things", []int{4, 6}},
		{"Invoke", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := wordBoundaries(tc.name); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("wordBoundaries(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

func TestPascal(t *testing.T) {
	tests := map[string]string{
		"s3": "S3", "execute-api": "ExecuteApi", "Permissions management": "PermissionsManagement",
		"log-stream": "LogStream", "Secret": "Secret", "élan": "Lan",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := pascal(in); got != want {
				t.Errorf("pascal(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestSafeSegment(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"deploy", "deploy"},
		{"app.web@prod+x=y,z_-1", "app.web@prod+x=y,z_-1"},
		{"a/b", "a_b-" + shortHash("a/b")},
		{"..", "..-" + shortHash("..")},
		{"", "-" + shortHash("")},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := safeSegment(tc.in); got != tc.want {
				t.Errorf("safeSegment(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestSplitNameCollision: role "deploy" split in two would write
// deploy-1.json, which role "deploy-1" needs.
func TestSplitNameCollision(t *testing.T) {
	run, err := Generate([]analyze.PrincipalUsage{
		usage(role("deploy"), manyServices(7)...),
		usage(role("deploy-1"), one(obs("s3:GetObject", "arn:aws:s3:::b/k"))),
	}, cat(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := run.Files(FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	h := shortHash("arn:aws:iam::111122223333:role/deploy")
	want := []string{
		"111122223333/role/deploy-1.json",
		"111122223333/role/deploy-" + h + "-1.json",
		"111122223333/role/deploy-" + h + "-2.json",
		"summary.json",
	}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("paths\n got %v\nwant %v", paths, want)
	}
}

func TestValidate(t *testing.T) {
	doc := func(sts ...policy.Statement) policy.Document {
		return policy.Document{Version: policy.Version2012, Statements: sts}
	}
	allow := func(sid string, actions, resources []string) policy.Statement {
		return policy.Statement{Sid: sid, Effect: policy.Allow, Action: actions, Resource: resources}
	}
	tests := []struct {
		name    string
		doc     policy.Document
		wantErr string
	}{
		{"valid", doc(allow("S3ReadObject", []string{"s3:GetObject"}, []string{"arn:aws:s3:::b/k", "arn:aws:s3:::b/p/*"}),
			allow("Star", []string{"ec2:DescribeInstances", "kms:Decrypt"}, []string{"*"})), ""},
		{"valid_wildcard", doc(allow("Ssm", []string{"ssm:GetParameter*"}, []string{"arn:aws:ssm:eu-west-1:111122223333:parameter/x"})), ""},
		{"old_version", policy.Document{Version: policy.Version2008, Statements: []policy.Statement{allow("A", []string{"s3:GetObject"}, []string{"*"})}}, "version"},
		{"no_statement", doc(), "no statement"},
		{"unknown_action", doc(allow("A", []string{"s3:GetObjects"}, []string{"*"})), "not in IAM catalog"},
		{"wildcard_matches_nothing", doc(allow("A", []string{"s3:Frobnicate*"}, []string{"*"})), "matches no action"},
		{"wildcard_across_services", doc(allow("A", []string{"*:GetObject"}, []string{"*"})), "spans services"},
		{"bucket_for_object_action", doc(allow("A", []string{"s3:GetObject"}, []string{"arn:aws:s3:::b"})), "fits none"},
		{"resource_for_action_without_types", doc(allow("A", []string{"ec2:DescribeInstances"}, []string{"arn:aws:ec2:eu-west-1:111122223333:instance/i-1"})), "takes no resource type"},
		{"mixed_actions_one_resource_misfits", doc(allow("A", []string{"s3:GetObject", "s3:ListBucket"}, []string{"arn:aws:s3:::b/k"})), "s3:ListBucket"},
		{"duplicate_sid", doc(allow("A", []string{"s3:GetObject"}, []string{"*"}), allow("A", []string{"s3:PutObject"}, []string{"*"})), "used twice"},
		{"bad_sid", doc(allow("S3 read", []string{"s3:GetObject"}, []string{"*"})), "letters and digits"},
		{"deny", doc(policy.Statement{Sid: "D", Effect: policy.Deny, Action: []string{"s3:GetObject"}, Resource: []string{"*"}}), "only allow"},
		{"condition", doc(policy.Statement{Sid: "C", Effect: policy.Allow, Action: []string{"s3:GetObject"}, Resource: []string{"*"},
			Condition: policy.Condition{"Bool": {"aws:SecureTransport": {"true"}}}}), "never generated"},
		{"no_resource", doc(policy.Statement{Sid: "N", Effect: policy.Allow, Action: []string{"s3:GetObject"}}), "Resource"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.doc, cat())
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// FuzzHCLString checks that every string survives hclString: Terraform
// reads back exactly the value (invalid UTF-8 becomes U+FFFD, as in JSON).
func FuzzHCLString(f *testing.F) {
	for _, s := range []string{"", "plain", `"q" \ b`, "${aws:username}", "$${x}", "%{if}", "%%{", "tab\tnl\n\x00\x7f", "café", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks, err := lexHCL(hclString(s))
		if err != nil {
			t.Fatalf("hclString(%q) = %s: %v", s, hclString(s), err)
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if !utf8.ValidString(s) {
			// Each invalid byte becomes its own U+FFFD.
			var b strings.Builder
			for i := 0; i < len(s); {
				r, size := utf8.DecodeRuneInString(s[i:])
				b.WriteRune(r)
				i += size
			}
			want = b.String()
		}
		if len(toks) != 1 || toks[0].kind != "string" || toks[0].text != want {
			t.Fatalf("hclString(%q) reads back as %+v", s, toks)
		}
	})
}
