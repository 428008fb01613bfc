package authz

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrUnknownPrincipal is returned by AppliedPolicies for an ARN that is
// neither a role nor a user of the account.
var ErrUnknownPrincipal = errors.New("principal not in the account's authorization details")

// SourcedDocument is a policy document with where it comes from:
//
//	arn:aws:iam::123456789012:policy/X        managed policy attached to the principal
//	inline:RoleName/PolicyName                inline policy of the principal
//	group:G/arn:aws:iam::aws:policy/Y         managed policy attached to the user's group G
//	group:G/inline:P                          inline policy of the user's group G
type SourcedDocument struct {
	Source   string          `json:"source"`
	Document json.RawMessage `json:"document"`
}

// AppliedPolicies are the identity policies and the permissions boundary
// that IAM evaluates for one principal's requests. Resource policies, SCPs
// and session policies are not part of GetAccountAuthorizationDetails.
type AppliedPolicies struct {
	PrincipalARN string `json:"principalArn"`
	// Identity is the principal's attached managed policies (by ARN), its
	// inline policies (by name), then for a user each group's (groups by
	// name; attached before inline). The same managed policy reached twice
	// appears twice, once per source.
	Identity []SourcedDocument `json:"identity"`
	// Boundary is the permissions boundary, or nil when there is none.
	Boundary *SourcedDocument `json:"boundary,omitempty"`
}

// AppliedPolicies lists the policies that apply to the role or user with
// this ARN. A reference to a policy or group that the account does not hold
// is an error (ErrMissingReference) naming it; nothing is silently left out.
func (a *Account) AppliedPolicies(principalARN string) (*AppliedPolicies, error) {
	out := &AppliedPolicies{PrincipalARN: principalARN}
	var errs []error
	managed := func(prefix string, refs []PolicyRef) {
		for _, ref := range refs {
			p, ok := a.Policy(ref.ARN)
			if !ok {
				errs = append(errs, missingPolicy(principalARN, prefix, ref.ARN))
				continue
			}
			out.Identity = append(out.Identity, SourcedDocument{Source: prefix + ref.ARN, Document: p.Document})
		}
	}
	inline := func(prefix, owner string, list []InlinePolicy) {
		for _, ip := range list {
			out.Identity = append(out.Identity, SourcedDocument{Source: prefix + "inline:" + owner + ip.Name, Document: ip.Document})
		}
	}
	boundary := func(ref *PolicyRef) {
		if ref == nil {
			return
		}
		p, ok := a.Policy(ref.ARN)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: permissions boundary %s: %w", principalARN, ref.ARN, ErrMissingReference))
			return
		}
		out.Boundary = &SourcedDocument{Source: ref.ARN, Document: p.Document}
	}

	if role, ok := a.Role(principalARN); ok {
		managed("", role.AttachedManaged)
		inline("", role.Name+"/", role.Inline)
		boundary(role.Boundary)
	} else if user, ok := a.User(principalARN); ok {
		managed("", user.AttachedManaged)
		inline("", user.Name+"/", user.Inline)
		for _, name := range user.Groups {
			g, ok := a.Group(name)
			if !ok {
				errs = append(errs, fmt.Errorf("%s: group %q: %w", principalARN, name, ErrMissingReference))
				continue
			}
			managed("group:"+g.Name+"/", g.AttachedManaged)
			inline("group:"+g.Name+"/", "", g.Inline)
		}
		boundary(user.Boundary)
	} else {
		return nil, fmt.Errorf("%s in account %s: %w", principalARN, a.ID, ErrUnknownPrincipal)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func missingPolicy(principal, prefix, arn string) error {
	if prefix != "" {
		return fmt.Errorf("%s: %sattached policy %s: %w", principal, prefix, arn, ErrMissingReference)
	}
	return fmt.Errorf("%s: attached policy %s: %w", principal, arn, ErrMissingReference)
}

// Validate checks that every attached policy, permissions boundary and
// group membership names a policy or group of the account.
func (a *Account) Validate() error {
	var errs []error
	checkRefs := func(entity string, refs []PolicyRef, boundary *PolicyRef) {
		for _, ref := range refs {
			if _, ok := a.Policy(ref.ARN); !ok {
				errs = append(errs, fmt.Errorf("%s: attached policy %s is not in Policies (was the listing filtered?): %w", entity, ref.ARN, ErrMissingReference))
			}
		}
		if boundary != nil {
			if _, ok := a.Policy(boundary.ARN); !ok {
				errs = append(errs, fmt.Errorf("%s: permissions boundary %s is not in Policies (was the listing filtered?): %w", entity, boundary.ARN, ErrMissingReference))
			}
		}
	}
	for _, r := range a.Roles {
		checkRefs("role "+r.ARN, r.AttachedManaged, r.Boundary)
	}
	for _, u := range a.Users {
		checkRefs("user "+u.ARN, u.AttachedManaged, u.Boundary)
		for _, name := range u.Groups {
			if _, ok := a.Group(name); !ok {
				errs = append(errs, fmt.Errorf("user %s: group %q is not in GroupDetailList: %w", u.ARN, name, ErrMissingReference))
			}
		}
	}
	for _, g := range a.Groups {
		checkRefs("group "+g.ARN, g.AttachedManaged, nil)
	}
	return errors.Join(errs...)
}
