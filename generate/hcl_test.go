package generate

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/policy"
)

// hclToken is a token of the small HCL subset the renderer writes.
type hclToken struct {
	kind string // "ident", "string", or the punctuation itself
	text string // identifier, or the decoded string value
	line int
}

// lexHCL tokenizes HCL as Terraform would for our subset, and fails on
// anything outside it: a string with an invalid escape, a raw newline or an
// unescaped template sequence ("${", "%{"), or an unknown character.
func lexHCL(src string) ([]hclToken, error) {
	var toks []hclToken
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.IndexByte("{}[]=,", c) >= 0:
			toks = append(toks, hclToken{kind: string(c), line: line})
			i++
		case c == '_' || isUpper(c) || isLower(c):
			j := i + 1
			for j < len(src) && (src[j] == '_' || src[j] == '-' || isUpper(src[j]) || isLower(src[j]) || isDigit(src[j])) {
				j++
			}
			toks = append(toks, hclToken{kind: "ident", text: src[i:j], line: line})
			i = j
		case c == '"':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) || src[j] == '\n' {
					return nil, fmt.Errorf("line %d: unterminated string", line)
				}
				if src[j] == '"' {
					break
				}
				if src[j] == '\\' {
					if j+1 >= len(src) {
						return nil, fmt.Errorf("line %d: dangling backslash", line)
					}
					switch e := src[j+1]; e {
					case '"', '\\':
						b.WriteByte(e)
						j += 2
					case 'n':
						b.WriteByte('\n')
						j += 2
					case 'r':
						b.WriteByte('\r')
						j += 2
					case 't':
						b.WriteByte('\t')
						j += 2
					case 'u':
						if j+6 > len(src) {
							return nil, fmt.Errorf("line %d: short \\u escape", line)
						}
						v, err := strconv.ParseUint(src[j+2:j+6], 16, 32)
						if err != nil {
							return nil, fmt.Errorf("line %d: bad \\u escape", line)
						}
						b.WriteRune(rune(v))
						j += 6
					default:
						return nil, fmt.Errorf("line %d: invalid escape \\%c", line, e)
					}
					continue
				}
				if (src[j] == '$' || src[j] == '%') && j+1 < len(src) {
					if src[j+1] == src[j] && j+2 < len(src) && src[j+2] == '{' {
						b.WriteString(string(src[j]) + "{")
						j += 3
						continue
					}
					if src[j+1] == '{' {
						return nil, fmt.Errorf("line %d: unescaped template sequence %c{", line, src[j])
					}
				}
				b.WriteByte(src[j])
				j++
			}
			toks = append(toks, hclToken{kind: "string", text: b.String(), line: line})
			i = j + 1
		default:
			return nil, fmt.Errorf("line %d: unexpected %q", line, c)
		}
	}
	return toks, nil
}

// parseTerraform reads back what Terraform renders: one
// aws_iam_policy_document data source with statement blocks, and returns
// its name and the policy it describes.
func parseTerraform(src string) (string, policy.Document, error) {
	toks, err := lexHCL(src)
	if err != nil {
		return "", policy.Document{}, err
	}
	p := 0
	next := func(kind string) (hclToken, error) {
		if p >= len(toks) {
			return hclToken{}, fmt.Errorf("want %s, got end of file", kind)
		}
		t := toks[p]
		p++
		if t.kind != kind {
			return t, fmt.Errorf("line %d: want %s, got %s %q", t.line, kind, t.kind, t.text)
		}
		return t, nil
	}
	expect := func(kinds ...string) error {
		for _, k := range kinds {
			if _, err := next(k); err != nil {
				return err
			}
		}
		return nil
	}
	list := func() ([]string, error) {
		var out []string
		if err := expect("="); err != nil {
			return nil, err
		}
		if err := expect("["); err != nil {
			return nil, err
		}
		for p < len(toks) && toks[p].kind == "string" {
			out = append(out, toks[p].text)
			p++
			if err := expect(","); err != nil {
				return nil, err
			}
		}
		return out, expect("]")
	}
	if t, err := next("ident"); err != nil || t.text != "data" {
		return "", policy.Document{}, fmt.Errorf("want data block: %v", err)
	}
	if t, err := next("string"); err != nil || t.text != "aws_iam_policy_document" {
		return "", policy.Document{}, fmt.Errorf("want aws_iam_policy_document: %v", err)
	}
	name, err := next("string")
	if err != nil {
		return "", policy.Document{}, err
	}
	if !validIdentifier(name.text) {
		return "", policy.Document{}, fmt.Errorf("data source name %q is not a valid Terraform identifier", name.text)
	}
	if err := expect("{"); err != nil {
		return "", policy.Document{}, err
	}
	doc := policy.Document{Version: policy.Version2012}
	for p < len(toks) && toks[p].kind == "ident" {
		if toks[p].text != "statement" {
			return "", doc, fmt.Errorf("line %d: unexpected %s", toks[p].line, toks[p].text)
		}
		p++
		if err := expect("{"); err != nil {
			return "", doc, err
		}
		var st policy.Statement
		for p < len(toks) && toks[p].kind == "ident" {
			attr := toks[p].text
			p++
			switch attr {
			case "sid", "effect":
				if err := expect("="); err != nil {
					return "", doc, err
				}
				v, err := next("string")
				if err != nil {
					return "", doc, err
				}
				if attr == "sid" {
					st.Sid = v.text
				} else {
					st.Effect = policy.Effect(v.text)
				}
			case "actions":
				if st.Action, err = list(); err != nil {
					return "", doc, err
				}
			case "resources":
				if st.Resource, err = list(); err != nil {
					return "", doc, err
				}
			default:
				return "", doc, fmt.Errorf("unexpected attribute %s", attr)
			}
		}
		if err := expect("}"); err != nil {
			return "", doc, err
		}
		doc.Statements = append(doc.Statements, st)
	}
	if err := expect("}"); err != nil {
		return "", doc, err
	}
	if p != len(toks) {
		return "", doc, fmt.Errorf("line %d: trailing tokens", toks[p].line)
	}
	return name.text, doc, nil
}

// validIdentifier is Terraform's rule for block labels used as names.
func validIdentifier(s string) bool {
	if s == "" || !(s[0] == '_' || isUpper(s[0]) || isLower(s[0])) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '-' || isUpper(c) || isLower(c) || isDigit(c)) {
			return false
		}
	}
	return true
}

// checkHCL is the structural check for rendered Terraform: it lexes and
// parses, which covers balanced braces, escaped strings and valid names.
func checkHCL(src string) error {
	_, _, err := parseTerraform(src)
	return err
}

func TestTerraformRoundTrip(t *testing.T) {
	tests := []struct {
		name      string
		resources []string
	}{
		{"plain", []string{"arn:aws:s3:::b/k"}},
		{"policy_variable", []string{"arn:aws:s3:::b/home/${aws:username}/*"}},
		{"template_directive", []string{"arn:aws:s3:::b/%{if}"}},
		{"quotes_and_backslashes", []string{`arn:aws:s3:::b/"a"\b`}},
		{"control_characters", []string{"arn:aws:s3:::b/tab\there\nnewline\x01"}},
		{"dollars", []string{"arn:aws:s3:::b/$$${x}$", "arn:aws:s3:::b/%%{y}%"}},
		{"unicode", []string{"arn:aws:s3:::b/café/日本"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := policy.Document{Version: policy.Version2012, Statements: []policy.Statement{{
				Sid: "S3ReadObject", Effect: policy.Allow, Action: []string{"s3:GetObject", "s3:GetObjectTagging"}, Resource: tc.resources,
			}}}
			src := Terraform(&d, terraformName(role("a.b"), 0, 1), analyze.Principal{Kind: analyze.KindRole, ARN: "arn:aws:iam::1:role/a.b\nx"}, "v")
			name, back, err := parseTerraform(string(src))
			if err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
			if name != terraformName(role("a.b"), 0, 1) {
				t.Errorf("name %s", name)
			}
			if got, want := string(back.Canonical()), string(d.Canonical()); got != want {
				t.Errorf("round trip:\n got %s\nwant %s\nHCL:\n%s", got, want, src)
			}
		})
	}
}

func TestTerraformName(t *testing.T) {
	tests := []struct {
		name string
		p    func() (string, int, int)
		want string
	}{
		{"plain", func() (string, int, int) { return "deploy", 0, 1 }, "role_deploy"},
		{"hyphen_kept", func() (string, int, int) { return "web-app_1", 0, 1 }, "role_web-app_1"},
		{"replaced_gets_hash", func() (string, int, int) { return "a.b@c", 0, 1 }, "role_a_b_c_" + shortHash("a.b@c")},
		{"split_part", func() (string, int, int) { return "deploy", 1, 3 }, "role_deploy_2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, i, total := tc.p()
			got := terraformName(role(n), i, total)
			if got != tc.want || !validIdentifier(got) {
				t.Errorf("terraformName(%q) = %q, want %q (valid identifier)", n, got, tc.want)
			}
		})
	}
}
