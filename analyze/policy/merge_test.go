package policy

import (
	"bytes"
	"fmt"
	"testing"
)

func mergeInputs(t *testing.T) []Named {
	return []Named{
		{Name: "team-read", Doc: mustParse(t, stmts(
			`{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}`,
			`{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}`,
		))},
		{Name: "AppPolicy", Doc: mustParse(t, stmts(
			`{"Sid":"Read","Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}`,
			// identical to team-read's statement 0 but for Sid and order; AppPolicy
			// sorts first, so team-read's copy is the one dropped
			`{"Sid":"Dup","Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"]}`,
		))},
		// A name that reduces to the same Sid prefix as "AppPolicy".
		{Name: "App-Policy", Doc: mustParse(t, stmts(`{"Sid":"Read","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}`))},
		{Name: "legacy", Doc: mustParse(t, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`)},
		{Name: "missing"},
	}
}

func TestMerge(t *testing.T) {
	in := mergeInputs(t)
	merged := Merge(in...)
	got := merged.Canonical()
	checkGolden(t, "TestMerge", got)

	t.Run("independent of input order", func(t *testing.T) {
		rev := make([]Named, len(in))
		for i := range in {
			rev[i] = in[len(in)-1-i]
		}
		if again := Merge(rev...).Canonical(); !bytes.Equal(again, got) {
			t.Errorf("reversed input gave different bytes:\n%s", again)
		}
	})
	t.Run("inputs not modified", func(t *testing.T) {
		if s := in[0].Doc.Statements[0].Sid; s != "Read" {
			t.Errorf("input Sid changed to %q", s)
		}
		if r := in[3].Doc.Statements[0].Resource[0]; r != "arn:aws:s3:::home/${aws:username}/*" {
			t.Errorf("input resource changed to %q", r)
		}
	})
	t.Run("same decisions as the separate policies", func(t *testing.T) {
		sep := Compile(PolicySet{Identity: in})
		one := Compile(PolicySet{Identity: []Named{{Name: "merged", Doc: merged}}})
		for _, req := range []Request{
			{"s3:GetObject", "arn:aws:s3:::b/k"},
			{"s3:DeleteObject", "arn:aws:s3:::b/k"},
			{"s3:GetObject", "arn:aws:s3:::home/${aws:username}/x"},
			{"s3:GetObject", "arn:aws:s3:::home/alice/x"},
			{"sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q"},
			{"ec2:DescribeInstances", "*"},
		} {
			if a, b := sep.Decide(req), one.Decide(req); a != b {
				t.Errorf("%v: separate %v, merged %v", req, a, b)
			}
		}
	})
}

func TestMergeEmpty(t *testing.T) {
	got := string(Merge().Canonical())
	want := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}\n"
	if got != want {
		t.Errorf("Merge() = %q, want %q", got, want)
	}
}

func TestSidWord(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AppPolicy", "AppPolicy"},
		{"role/app inline: deploy-1", "roleappinlinedeploy1"},
		{"é-ü", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			if got := sidWord(tt.in); got != tt.want {
				t.Errorf("sidWord(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
