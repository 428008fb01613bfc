package authz

import (
	"errors"
	"strings"
	"testing"
)

func TestAppliedPolicies(t *testing.T) {
	doc := []byte(`{"Statement":[],"Version":"2012-10-17"}`)
	const (
		acct   = "arn:aws-us-gov:iam::123456789012:"
		role   = acct + "role/r"
		user   = acct + "user/u"
		policy = acct + "policy/p"
		gone   = acct + "policy/gone"
	)
	// Built by hand, as a caller might: not checked by FromDetails.
	acc := &Account{
		ID: "123456789012", Partition: "aws-us-gov",
		Roles: []Role{{ARN: role, Name: "r", AttachedManaged: []PolicyRef{{Name: "p", ARN: policy}, {Name: "gone", ARN: gone}}}},
		Users: []User{{ARN: user, Name: "u", Groups: []string{"g", "ghosts"}, Boundary: &PolicyRef{Name: "gone", ARN: gone}}},
		Groups: []Group{{ARN: acct + "group/g", Name: "g", AttachedManaged: []PolicyRef{{Name: "p", ARN: policy}},
			Inline: []InlinePolicy{{Name: "gi", Document: doc}}}},
		Policies: []ManagedPolicy{{ARN: policy, Name: "p", Document: doc}},
	}
	tests := []struct {
		name      string
		principal string
		want      []string // substrings of the error
		is        error
	}{
		{
			name:      "role with a missing attached policy",
			principal: role,
			want:      []string{role + ": attached policy " + gone},
			is:        ErrMissingReference,
		},
		{
			name:      "user with a missing group and a missing boundary",
			principal: user,
			want:      []string{user + `: group "ghosts"`, user + ": permissions boundary " + gone},
			is:        ErrMissingReference,
		},
		{
			name:      "unknown principal",
			principal: acct + "role/nobody",
			want:      []string{acct + "role/nobody in account 123456789012"},
			is:        ErrUnknownPrincipal,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := acc.AppliedPolicies(tc.principal)
			if err == nil {
				t.Fatalf("got %+v, want an error", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nwant it to contain %q", err, w)
				}
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(err, %v) is false", tc.is)
			}
		})
	}
	t.Run("Validate names every missing reference", func(t *testing.T) {
		err := acc.Validate()
		if !errors.Is(err, ErrMissingReference) {
			t.Fatalf("Validate = %v", err)
		}
		for _, w := range []string{"role " + role + ": attached policy " + gone, `user ` + user + `: group "ghosts"`, "user " + user + ": permissions boundary " + gone} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Validate error %q\nwant it to contain %q", err, w)
			}
		}
	})
}

func TestLookups(t *testing.T) {
	acc, err := ReadFile(cliFixture)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := acc.RoleByName("WEB-SERVER"); !ok || r.ARN != "arn:aws:iam::123456789012:role/app/web/web-server" {
		t.Errorf("RoleByName is case-insensitive as IAM names are: %v %v", r, ok)
	}
	if _, ok := acc.Role("arn:aws:iam::123456789012:role/web-server"); ok {
		t.Error("Role matched an ARN without the role's path")
	}
	p, ok := acc.Policy("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	if !ok || !p.AWSManaged() {
		t.Errorf("AmazonS3ReadOnlyAccess: %v, AWS managed %v", ok, ok && p.AWSManaged())
	}
	if p, _ := acc.Policy("arn:aws:iam::123456789012:policy/boundary"); p == nil || p.AWSManaged() {
		t.Error("a customer managed policy reported as AWS managed")
	}
}

func TestLookupsOnUnsortedAccount(t *testing.T) {
	acc := &Account{Policies: []ManagedPolicy{
		{ARN: "arn:aws:iam::123456789012:policy/z"},
		{ARN: "arn:aws:iam::123456789012:policy/a"},
		{ARN: "arn:aws:iam::123456789012:policy/m"},
	}}
	for _, p := range acc.Policies {
		if got, ok := acc.Policy(p.ARN); !ok || got.ARN != p.ARN {
			t.Errorf("Policy(%s) not found in an unsorted list", p.ARN)
		}
	}
	if _, ok := acc.Policy("arn:aws:iam::123456789012:policy/b"); ok {
		t.Error("found a policy that is not there")
	}
}
