package policy

// WildcardScope says how much an Allow statement's action element covers.
type WildcardScope uint8

const (
	// AllActions: "*" (or "*:*"): every action of every service.
	AllActions WildcardScope = iota + 1
	// ServiceWide: "s3:*": every action of one service, including actions
	// AWS adds later.
	ServiceWide
	// AllButListed: an Allow with NotAction grants every action not listed.
	AllButListed
)

func (s WildcardScope) String() string {
	switch s {
	case AllActions:
		return "all-actions"
	case ServiceWide:
		return "service-wide"
	case AllButListed:
		return "all-but-listed"
	}
	return "none"
}

// WildcardGrant is an Allow statement whose actions are a whole-service
// wildcard or broader, for "wildcard risk" findings.
type WildcardGrant struct {
	StatementRef
	Scope WildcardScope
	// Pattern is the action pattern that makes it broad ("*", "s3:*"); for
	// AllButListed it is empty.
	Pattern string
	// AllResources: the statement's resources are "*", or a NotResource.
	AllResources bool
	// Conditional: the statement has a Condition.
	Conditional bool
}

// WildcardGrants lists the Allow statements of the given identity policies
// that grant all actions or all actions of a service, in policy and
// statement order; a statement with several such patterns is listed once per
// pattern. Partial wildcards ("s3:Get*") are not listed: whether they cover
// more than intended needs the catalog.
func WildcardGrants(kind PolicyKind, policies []Named) []WildcardGrant {
	var out []WildcardGrant
	for _, p := range policies {
		if p.Doc == nil {
			continue
		}
		for i := range p.Doc.Statements {
			st := &p.Doc.Statements[i]
			if st.Effect != Allow {
				continue
			}
			g := WildcardGrant{
				StatementRef: StatementRef{Kind: kind, Policy: p.Name, Index: i, Sid: st.Sid},
				AllResources: st.NotResource != nil || st.Resource == nil,
				Conditional:  st.HasCondition(),
			}
			for _, r := range st.Resource {
				if isAllStars(r) {
					g.AllResources = true
				}
			}
			if st.Action == nil {
				g.Scope = AllButListed
				out = append(out, g)
				continue
			}
			for _, a := range st.Action {
				if scope := actionScope(a); scope != 0 {
					g.Scope, g.Pattern = scope, a
					out = append(out, g)
				}
			}
		}
	}
	return out
}

func actionScope(pattern string) WildcardScope {
	if isAllStars(pattern) {
		return AllActions
	}
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == ':' {
			svc, act := pattern[:i], pattern[i+1:]
			switch {
			case isAllStars(svc) && isAllStars(act):
				return AllActions
			case isAllStars(act):
				return ServiceWide
			}
			return 0
		}
	}
	return 0
}
