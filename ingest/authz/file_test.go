package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func checkGolden(t *testing.T, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", strings.ReplaceAll(t.Name(), "/", "__")+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update and review the file)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("differs from %s (run go test -update and review the diff); got:\n%s", path, got)
	}
}

func dump(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// cliFixture is the moto account iamapi's TestMoto seeds, as the AWS CLI
// prints it (testdata/README.md).
var cliFixture = filepath.Join("testdata", "get-account-authorization-details.json")

// TestRead reads a hand-written aws-cn file whose documents come in every
// form (URL-encoded strings, plain strings, objects), with a user
// boundary, group policies, RoleLastUsed and an unattached AWS managed
// policy, and shows the model and what applies to the user.
func TestRead(t *testing.T) {
	acc, err := ReadFile(filepath.Join("testdata", "aws-cn-strings.json"))
	if err != nil {
		t.Fatal(err)
	}
	applied, err := acc.AppliedPolicies("arn:aws-cn:iam::210987654321:user/ops")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, dump(t, struct {
		Account *Account         `json:"account"`
		Applied *AppliedPolicies `json:"appliedToOps"`
	}{acc, applied}))
}

// rewriteDocuments re-serialises a CLI file with every document replaced
// by form(document).
func rewriteDocuments(t *testing.T, data []byte, form func(doc json.RawMessage) any) []byte {
	t.Helper()
	var top map[string]any
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				switch k {
				case "PolicyDocument", "Document", "AssumeRolePolicyDocument":
					raw, _ := json.Marshal(e)
					v[k] = form(raw)
				default:
					v[k] = walk(e)
				}
			}
		case []any:
			for i := range v {
				v[i] = walk(v[i])
			}
		}
		return v
	}
	out, err := json.MarshalIndent(walk(top), "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// awsEncode percent-encodes as IAM does: every byte outside RFC 3986's
// unreserved set, so spaces become %20 and '+' %2B.
func awsEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// TestReadDocumentFormsAgree: the CLI fixture with its documents as
// objects, as URL-encoded strings (what the raw API holds) and as
// pretty-printed plain strings must give byte-identical models.
func TestReadDocumentFormsAgree(t *testing.T) {
	data, err := os.ReadFile(cliFixture)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Read(bytes.NewReader(data), cliFixture)
	if err != nil {
		t.Fatal(err)
	}
	wantDump := dump(t, want)
	pretty := func(doc json.RawMessage) any {
		var b bytes.Buffer
		if err := json.Indent(&b, doc, "", "\t"); err != nil {
			t.Fatal(err)
		}
		return "\n" + b.String() + "\n"
	}
	tests := []struct {
		name string
		form func(json.RawMessage) any
	}{
		{"URL-encoded strings", func(doc json.RawMessage) any { return awsEncode(string(doc)) }},
		{"URL-encoded pretty-printed strings", func(doc json.RawMessage) any { return awsEncode(pretty(doc).(string)) }},
		{"plain strings", func(doc json.RawMessage) any { return string(doc) }},
		{"pretty-printed plain strings", pretty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rewritten := rewriteDocuments(t, data, tc.form)
			if bytes.Equal(rewritten, data) {
				t.Fatal("rewrite changed nothing")
			}
			got, err := Read(bytes.NewReader(rewritten), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if g := dump(t, got); !bytes.Equal(g, wantDump) {
				t.Errorf("model differs from the one read from objects:\n%s", g)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	const (
		doc      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
		roleARN  = "arn:aws:iam::111111111111:role/app/r"
		trust    = `"AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[]}`
		okPolicy = `{"PolicyName":"p","Arn":"arn:aws:iam::111111111111:policy/p","Path":"/","DefaultVersionId":"v1","IsAttachable":true,` +
			`"PolicyVersionList":[{"Document":` + doc + `,"VersionId":"v1","IsDefaultVersion":true}]}`
	)
	role := func(extra string) string {
		return `{"Path":"/app/","RoleName":"r","RoleId":"AROA1","Arn":"` + roleARN + `",` + trust + extra + `}`
	}
	file := func(roles, users, groups, policies string) string {
		return `{"RoleDetailList":[` + roles + `],"UserDetailList":[` + users + `],"GroupDetailList":[` + groups + `],"Policies":[` + policies + `]}`
	}
	tests := []struct {
		name    string
		content string
		want    []string // substrings of the error, besides the file name
		is      error
	}{
		{name: "invalid JSON", content: `{"RoleDetailList": [`, want: []string{"invalid JSON"}},
		{name: "not a JSON object", content: `[]`, want: []string{"must hold one JSON object"}},
		{name: "other CLI output", content: `{"Roles": []}`, want: []string{"not the output of aws iam get-account-authorization-details"}},
		{name: "wrong type for a field", content: `{"Policies":[{"IsAttachable":"yes"}]}`, want: []string{"invalid JSON", "IsAttachable"}},
		{
			name:    "inline document not JSON after URL-decoding",
			content: file(role(`,"RolePolicyList":[{"PolicyName":"p","PolicyDocument":"%7B%22Version%22%3A"}]`), "", "", ""),
			want:    []string{"role " + roleARN, `inline policy "p"`, "not valid JSON after URL-decoding"},
		},
		{
			name:    "trust policy missing",
			content: file(`{"Path":"/app/","RoleName":"r","Arn":"`+roleARN+`"}`, "", "", ""),
			want:    []string{"role " + roleARN, "AssumeRolePolicyDocument", "missing"},
		},
		{
			name:    "missing referenced policy",
			content: file(role(`,"AttachedManagedPolicies":[{"PolicyName":"gone","PolicyArn":"arn:aws:iam::111111111111:policy/gone"}]`), "", "", okPolicy),
			want:    []string{"role " + roleARN, "attached policy arn:aws:iam::111111111111:policy/gone is not in Policies"},
			is:      ErrMissingReference,
		},
		{
			name: "missing boundary policy",
			content: file("", `{"UserName":"u","Arn":"arn:aws:iam::111111111111:user/u","PermissionsBoundary":`+
				`{"PermissionsBoundaryType":"PermissionsBoundaryPolicy","PermissionsBoundaryArn":"arn:aws:iam::111111111111:policy/b"}}`, "", ""),
			want: []string{"user arn:aws:iam::111111111111:user/u", "permissions boundary arn:aws:iam::111111111111:policy/b is not in Policies"},
			is:   ErrMissingReference,
		},
		{
			name:    "missing group",
			content: file("", `{"UserName":"u","Arn":"arn:aws:iam::111111111111:user/u","GroupList":["ghosts"]}`, "", ""),
			want:    []string{"user arn:aws:iam::111111111111:user/u", `group "ghosts" is not in GroupDetailList`},
			is:      ErrMissingReference,
		},
		{
			name:    "mixed accounts",
			content: file(role(""), `{"UserName":"u","Arn":"arn:aws:iam::222222222222:user/u"}`, "", ""),
			want:    []string{"entities from 2 accounts", "111111111111 (role " + roleARN + ")", "222222222222 (user arn:aws:iam::222222222222:user/u)"},
		},
		{
			name:    "mixed partitions",
			content: file(role(""), `{"UserName":"u","Arn":"arn:aws-cn:iam::111111111111:user/u"}`, "", ""),
			want:    []string{"ARNs from 2 partitions", "aws (role " + roleARN + ")", "aws-cn (user arn:aws-cn:iam::111111111111:user/u)"},
		},
		{
			name:    "no entity to take the account from",
			content: `{"RoleDetailList":[],"Policies":[]}`,
			want:    []string{"cannot tell the account"},
		},
		{
			name:    "one page of a truncated listing",
			content: `{"RoleDetailList":[],"IsTruncated":true,"Marker":"abc"}`,
			want:    []string{"one page of a longer listing"},
		},
		{
			name:    "CLI --max-items output",
			content: `{"RoleDetailList":[],"NextToken":"eyJNYXJrZXIiOiBudWxsfQ=="}`,
			want:    []string{"one page of a longer listing"},
		},
		{
			name: "default version not listed",
			content: file("", "", "", `{"Arn":"arn:aws:iam::111111111111:policy/p","DefaultVersionId":"v2",`+
				`"PolicyVersionList":[{"Document":`+doc+`,"VersionId":"v1","IsDefaultVersion":false}]}`),
			want: []string{"policy arn:aws:iam::111111111111:policy/p", "default version v2 is not in PolicyVersionList"},
		},
		{
			name: "two versions claim to be the default",
			content: file("", "", "", `{"Arn":"arn:aws:iam::111111111111:policy/p","DefaultVersionId":"v1","PolicyVersionList":[`+
				`{"Document":`+doc+`,"VersionId":"v1","IsDefaultVersion":true},{"Document":`+doc+`,"VersionId":"v2","IsDefaultVersion":true}]}`),
			want: []string{"policy arn:aws:iam::111111111111:policy/p", "version v2 has IsDefaultVersion true but DefaultVersionId is v1"},
		},
		{
			name:    "role listed twice",
			content: file(role("")+","+role(""), "", "", ""),
			want:    []string{"role " + roleARN + " is listed twice"},
		},
		{
			name:    "user ARN in the role list",
			content: file(`{"RoleName":"u","Arn":"arn:aws:iam::111111111111:user/u",`+trust+`}`, "", "", ""),
			want:    []string{"role arn:aws:iam::111111111111:user/u", "is not a role ARN"},
		},
		{
			name:    "name that does not match the ARN",
			content: file(`{"RoleName":"other","Arn":"`+roleARN+`",`+trust+`}`, "", "", ""),
			want:    []string{"role " + roleARN, `name "other" does not match the ARN`},
		},
		{
			name: "duplicate key in a document",
			content: file("", "", `{"GroupName":"g","Arn":"arn:aws:iam::111111111111:group/g","GroupPolicyList":[{"PolicyName":"gp","PolicyDocument":`+
				`"{\"Statement\":[],\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}]}`, ""),
			want: []string{"group arn:aws:iam::111111111111:group/g", `inline policy "gp"`, `duplicate key "Statement"`},
		},
		{
			name:    "several problems are all reported",
			content: file(role(`,"RolePolicyList":[{"PolicyName":"a","PolicyDocument":"x"}]`), `{"UserName":"u","Arn":"not-an-arn"}`, "", ""),
			want:    []string{`inline policy "a"`, `"not-an-arn" is not an IAM ARN`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "current.json")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			acc, err := ReadFile(path)
			if err == nil {
				t.Fatalf("ReadFile returned %+v, want an error", acc)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "read "+path+": ") {
				t.Errorf("error does not start by naming the file: %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q\nwant it to contain %q", msg, w)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(err, %v) is false", tc.is)
			}
		})
	}
}

func TestReadFiles(t *testing.T) {
	cn := filepath.Join("testdata", "aws-cn-strings.json")
	t.Run("one account per file, sorted by ID", func(t *testing.T) {
		accs, err := ReadFiles([]string{cn, cliFixture})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range accs {
			got = append(got, a.Partition+":"+a.ID)
		}
		if want := "aws:123456789012 aws-cn:210987654321"; strings.Join(got, " ") != want {
			t.Errorf("accounts %v, want %s", got, want)
		}
	})
	t.Run("two files for the same account", func(t *testing.T) {
		data, err := os.ReadFile(cliFixture)
		if err != nil {
			t.Fatal(err)
		}
		copyPath := filepath.Join(t.TempDir(), "again.json")
		if err := os.WriteFile(copyPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = ReadFiles([]string{cliFixture, copyPath})
		if err == nil {
			t.Fatal("want an error")
		}
		for _, w := range []string{copyPath, cliFixture, "account 123456789012"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not name %q", err, w)
			}
		}
	})
	t.Run("a missing file is named", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope.json")
		_, err := ReadFiles([]string{cliFixture, missing})
		if err == nil || !strings.Contains(err.Error(), "read "+missing) || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v, want one naming %s and wrapping ErrNotExist", err, missing)
		}
	})
}
