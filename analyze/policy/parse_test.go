package policy

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// rfc3986 encodes like AWS does for policy documents (space as %20, '+' as %2B).
func rfc3986(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

const samplePolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::bucket/a+b c", "arn:aws:s3:::bucket"]}
  ]
}`

// canonicalInputs are the documents of TestCanonical, one golden entry each.
var canonicalInputs = []struct{ name, doc string }{
	{"plain", samplePolicy},
	{"url encoded as AWS returns it", rfc3986(samplePolicy)},
	{"url encoded with a literal plus kept", strings.ReplaceAll(rfc3986(samplePolicy), "%2B", "+")},
	{"form encoded with plus for space", url.QueryEscape(`{"Version": "2012-10-17", "Statement": {"Sid": "a b", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}`)},
	{"byte order mark and whitespace", "\ufeff \n\t" + samplePolicy + "\n\n"},
	{"url encoded byte order mark", "%EF%BB%BF" + rfc3986(samplePolicy)},
	{"percent inside a plain document", `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/100%25%"}}`},
	{"statement as an object, strings not arrays", `{"Version":"2008-10-17","Id":"x","Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::*:role/admin"}}`},
	{"actions sorted and folded, resources exact", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["s3:PutObject","S3:getobject","s3:GetObject","ec2:DescribeInstances","s3:PutObject"],
		"Resource":["arn:aws:s3:::b/B","arn:aws:s3:::b/a","arn:aws:s3:::b/B","arn:aws:s3:::b/b"]}]}`},
	{"conditions with bool number and arrays", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*",
		"Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"Bool":{"aws:SecureTransport":false},
		"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1","us-east-1"],"aws:PrincipalTag/team":"a"}}}]}`},
	{"empty condition and empty lists kept", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[],"NotResource":[],"Condition":{}}]}`},
	{"principals of a resource policy", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com","AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:root","*"]},"Action":"sts:AssumeRole"},
		{"Effect":"Deny","NotPrincipal":"*","Action":"s3:*","Resource":"*"}]}`},
	{"special characters not html escaped", `{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/<a>&\"q\"\\\u00e9\t"}]}`},
	{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`},
}

func TestCanonical(t *testing.T) {
	var out bytes.Buffer
	for _, tt := range canonicalInputs {
		t.Run(tt.name, func(t *testing.T) {
			doc := mustParse(t, tt.doc)
			canon := doc.Canonical()
			again := mustParse(t, string(canon))
			if c2 := again.Canonical(); !bytes.Equal(c2, canon) {
				t.Errorf("parse → canonical → parse → canonical is not a fixed point:\n%s\n---\n%s", canon, c2)
			}
			fmt.Fprintf(&out, "== %s (%d non-whitespace characters)\n%s", tt.name, NonWhitespaceLen(canon), canon)
		})
	}
	checkGolden(t, "TestCanonical", out.Bytes())
}

func TestCanonicalIsIndependentOfInputOrder(t *testing.T) {
	a := mustParse(t, `{"Statement":[{"Effect":"Allow","Action":["b:x","a:y"],"Resource":["r2","r1"],
		"Condition":{"StringLike":{"k2":["v2","v1"],"k1":"v"},"Bool":{"k":"true"}}}],"Version":"2012-10-17"}`)
	b := mustParse(t, `{"Version":"2012-10-17","Statement":{"Condition":{"Bool":{"k":true},"StringLike":{"k1":["v"],"k2":["v1","v2","v1"]}},
		"Resource":["r1","r2"],"Action":["a:y","b:x"],"Effect":"Allow"}}`)
	if ca, cb := a.Canonical(), b.Canonical(); !bytes.Equal(ca, cb) {
		t.Errorf("same document, different bytes:\n%s\n---\n%s", ca, cb)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      string // substring of the error
		line, col int    // 0: not checked
	}{
		{"empty", "  ", "empty document", 0, 0},
		{"not json", "hello", `not a JSON object or URL-encoded JSON: starts with "hello"`, 0, 0},
		{"array document", `[]`, "not a JSON object", 0, 0},
		{"syntax error", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [}\n", "invalid JSON", 3, 17},
		{"truncated", `{"Version": "2012-10-17", "Statement": [`, "unexpected end", 0, 0},
		{"trailing data", `{"Statement":[]} {}`, "unexpected data after the document", 1, 18},
		{"unknown top level element", `{"Version":"2012-10-17","Statment":[]}`, `(Statment): unknown element "Statment"`, 1, 25},
		{"element names are case sensitive", `{"version":"2012-10-17","Statement":[]}`, `unknown element "version"`, 0, 0},
		{"duplicate element", `{"Statement":[],"Statement":[]}`, `duplicate element "Statement"`, 1, 17},
		{"missing statement", `{"Version":"2012-10-17"}`, "Statement is required", 0, 0},
		{"bad version", `{"Version":"2012-10-18","Statement":[]}`, `Version must be "2012-10-17" or "2008-10-17", found "2012-10-18"`, 1, 12},
		{"version not a string", `{"Version":2012,"Statement":[]}`, "(Version): must be a string, found a number", 0, 0},
		{"statement a string", `{"Statement":"x"}`, "Statement must be an object or an array", 0, 0},
		{"statement element not object", `{"Statement":[1]}`, "(Statement[0]): a statement must be an object", 0, 0},
		{"effect lower case", `{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`, `(Statement[0].Effect): Effect must be "Allow" or "Deny", found "allow"`, 1, 25},
		{"effect missing", `{"Statement":[{"Action":"*","Resource":"*"}]}`, "(Statement[0]): Effect is required", 0, 0},
		{"action and notaction", `{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}`, "both Action and NotAction", 0, 0},
		{"no action", `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, "needs Action or NotAction", 0, 0},
		{"resource and notresource", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}]}`, "both Resource and NotResource", 0, 0},
		{"action number", `{"Statement":[{"Effect":"Allow","Action":["s3:GetObject",3],"Resource":"*"}]}`, "(Statement[0].Action[1]): must be a string, found a number", 0, 0},
		{"resource object", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":{}}]}`, "(Statement[0].Resource): must be a string or an array of strings, found an object", 0, 0},
		{"unknown statement element", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Conditions":{}}]}`, `unknown element "Conditions" in a statement`, 0, 0},
		{"condition value object", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":{"a":1}}}}]}`, "(Statement[0].Condition.StringEquals.k): a condition value must be a string, boolean or number, found an object", 0, 0},
		{"condition value null in array", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":["a",null]}}}]}`, "(Statement[0].Condition.StringEquals.k[1])", 0, 0},
		{"condition operator not object", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}}]}`, "a condition operator must map condition keys to values", 0, 0},
		{"principal string", `{"Statement":[{"Effect":"Allow","Principal":"arn:aws:iam::1:root","Action":"*"}]}`, `a principal written as a string must be "*"`, 0, 0},
		{"principal type", `{"Statement":[{"Effect":"Allow","Principal":{"Aws":"*"},"Action":"*"}]}`, `unknown principal type "Aws"`, 0, 0},
		{"bad url encoding", `%7B%2`, "URL-encoded document: invalid URL escape", 0, 0},
		{"url encoded non object", `%5B%5D`, "URL-decoded document is not a JSON object", 0, 0},
		{"url encoded error located after decoding", rfc3986(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Bad":1}]}`), `(Statement[0].Bad): unknown element "Bad"`, 1, 61},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			if tt.line != 0 && (pe.Line != tt.line || pe.Column != tt.col) {
				t.Errorf("position %d:%d, want %d:%d (%v)", pe.Line, pe.Column, tt.line, tt.col, err)
			}
		})
	}
}

func TestCheckIdentityPolicy(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"identity policy", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, ""},
		{"trust policy has a principal", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, "cannot name a Principal"},
		{"no resource", `{"Statement":[{"Effect":"Allow","Action":"*"}]}`, "needs Resource or NotResource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mustParse(t, tt.doc).CheckIdentityPolicy()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNonWhitespaceLen(t *testing.T) {
	tests := []struct {
		name, doc string
		want      int
	}{
		{"empty", "", 0},
		{"compact", `{"a":"b"}`, 9},
		{"whitespace between tokens is not counted", "{\n  \"a\" :\t\"b\"\r\n}\n", 9},
		{"whitespace inside strings is counted", `{"a": "b c"}`, 11},
		{"escaped quote does not end the string", `{"a": "x\" y"}`, 13},
		{"escaped backslash before quote ends the string", `{"a": "x\\" , "b":1}`, 17},
		{"non-ascii counts its bytes", `{"a":"é"}`, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NonWhitespaceLen([]byte(tt.doc)); got != tt.want {
				t.Errorf("NonWhitespaceLen(%q) = %d, want %d", tt.doc, got, tt.want)
			}
		})
	}
}

// FuzzParse checks that whatever Parse accepts has a canonical form that is a
// fixed point, and that Parse never panics.
func FuzzParse(f *testing.F) {
	for _, in := range canonicalInputs {
		f.Add([]byte(in.doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data)
		if err != nil {
			return
		}
		canon := doc.Canonical()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, canon)
		}
		if c2 := again.Canonical(); !bytes.Equal(canon, c2) {
			t.Fatalf("canonical form is not a fixed point:\n%s\n---\n%s", canon, c2)
		}
		if NonWhitespaceLen(canon) > len(canon) {
			t.Fatalf("NonWhitespaceLen larger than the document")
		}
	})
}
