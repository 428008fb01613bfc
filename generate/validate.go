package generate

import (
	"fmt"
	"strings"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/analyze/policy"
)

// Validate checks a generated identity policy against the catalog: version
// 2012-10-17; Allow statements with a unique alphanumeric Sid, Action and
// Resource and nothing else; every action a catalog action, and every
// action wildcard matching at least one; every Resource either "*" or an ARN
// that fits one of the resource types of every action the statement grants
// (wildcards expanded). "*" is accepted for any action: the generator only
// writes it for an action that takes a resource type when it recorded why,
// which the document cannot show.
//
// It does not check the size: the limit depends on how the document is
// attached (see Options.Inline).
func Validate(d policy.Document, cat *catalog.Catalog) error {
	if d.Version != policy.Version2012 {
		return fmt.Errorf("policy version %q, want %q", d.Version, policy.Version2012)
	}
	if len(d.Statements) == 0 {
		return fmt.Errorf("policy has no statement")
	}
	if err := d.CheckIdentityPolicy(); err != nil {
		return err
	}
	sids := map[string]bool{}
	for i := range d.Statements {
		st := &d.Statements[i]
		if err := validateStatement(st, cat); err != nil {
			return fmt.Errorf("statement %d (%s): %w", i+1, st.Sid, err)
		}
		if sids[st.Sid] {
			return fmt.Errorf("statement %d: Sid %q is used twice", i+1, st.Sid)
		}
		sids[st.Sid] = true
	}
	return nil
}

func validateStatement(st *policy.Statement, cat *catalog.Catalog) error {
	switch {
	case st.Sid == "" || !isAlnum(st.Sid):
		return fmt.Errorf("statement id %q: want letters and digits only", st.Sid)
	case st.Effect != policy.Allow:
		return fmt.Errorf("effect %q: generated policies only allow", st.Effect)
	case len(st.Action) == 0:
		return fmt.Errorf("no action")
	case len(st.Resource) == 0:
		return fmt.Errorf("no resource")
	case st.NotAction != nil || st.NotResource != nil || st.Condition != nil:
		return fmt.Errorf("NotAction, NotResource and Condition are never generated")
	}
	var actions []*catalog.Action
	for _, name := range st.Action {
		if !strings.ContainsAny(name, "*?") {
			a, ok := cat.Action(name)
			if !ok {
				return fmt.Errorf("action %q is not in IAM catalog %s", name, cat.Version())
			}
			actions = append(actions, a)
			continue
		}
		if prefix, _, _ := strings.Cut(name, ":"); strings.ContainsAny(prefix, "*?") {
			return fmt.Errorf("action wildcard %q spans services", name)
		}
		matched := cat.Match(name)
		if len(matched) == 0 {
			return fmt.Errorf("action wildcard %q matches no action in IAM catalog %s", name, cat.Version())
		}
		actions = append(actions, matched...)
	}
	for _, r := range st.Resource {
		if r == "*" {
			continue
		}
		for _, a := range actions {
			if !a.TakesResources() {
				return fmt.Errorf("resource %q: %s takes no resource type, only \"*\"", r, a.FullName())
			}
			if len(a.ResourceTypesFor(r)) == 0 {
				return fmt.Errorf("resource %q fits none of the resource types of %s", r, a.FullName())
			}
		}
	}
	return nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isUpper(c) && !isLower(c) && !isDigit(c) {
			return false
		}
	}
	return true
}
