package policy

// Version2012 is the only policy language version in which policy variables
// (${aws:username}, …) are recognised; under 2008-10-17, or with no Version,
// IAM reads them as literal text.
const Version2012 = "2012-10-17"

// Version2008 is the older policy language version IAM still accepts.
const Version2008 = "2008-10-17"

// Effect is a statement's Effect: exactly "Allow" or "Deny" (IAM is
// case-sensitive here).
type Effect string

// The two effects IAM accepts.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Document is an IAM policy document.
//
// Element lists keep presence: a nil slice means the element is absent, a
// non-nil empty slice means it was written as []. Values are kept as written
// (case included); Canonical sorts and de-duplicates them.
type Document struct {
	Version    string // "2012-10-17", "2008-10-17", or "" when absent
	ID         string // the "Id" element, "" when absent
	Statements []Statement
}

// Statement is one element of a document's Statement list.
type Statement struct {
	Sid    string
	Effect Effect
	// Principal and NotPrincipal only appear in resource-based and trust
	// policies; they are kept so those documents survive a round trip.
	Principal    *Principal
	NotPrincipal *Principal
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	Condition    Condition
}

// Principal is a Principal or NotPrincipal element: either the bare "*" or
// a map from principal type ("AWS", "Service", "Federated", "CanonicalUser")
// to identifiers.
type Principal struct {
	Wildcard bool
	Values   map[string][]string
}

// Condition maps a condition operator ("StringEquals", "ForAnyValue:StringLike",
// …) to condition keys and their values. Values are kept as strings: IAM
// compares booleans and numbers written without quotes as their text.
type Condition map[string]map[string][]string

// entries counts (operator, key) pairs; an operator with no keys constrains
// nothing.
func (c Condition) entries() int {
	n := 0
	for _, keys := range c {
		n += len(keys)
	}
	return n
}

// HasCondition reports whether the statement carries at least one condition
// (an empty Condition object constrains nothing).
func (s *Statement) HasCondition() bool { return s.Condition.entries() > 0 }

// Named gives a document the name reports use for it: the managed policy's
// name or ARN, or "role/Name inline Policy" for an inline policy. Results and
// merged statements cite this name.
type Named struct {
	Name string
	Doc  *Document
}

// clone returns a deep copy of the statement.
func (s *Statement) clone() Statement {
	c := *s
	c.Principal = s.Principal.clone()
	c.NotPrincipal = s.NotPrincipal.clone()
	c.Action = cloneList(s.Action)
	c.NotAction = cloneList(s.NotAction)
	c.Resource = cloneList(s.Resource)
	c.NotResource = cloneList(s.NotResource)
	if s.Condition != nil {
		c.Condition = make(Condition, len(s.Condition))
		for op, keys := range s.Condition {
			m := make(map[string][]string, len(keys))
			for k, v := range keys {
				m[k] = cloneList(v)
			}
			c.Condition[op] = m
		}
	}
	return c
}

func (p *Principal) clone() *Principal {
	if p == nil {
		return nil
	}
	c := &Principal{Wildcard: p.Wildcard}
	if p.Values != nil {
		c.Values = make(map[string][]string, len(p.Values))
		for k, v := range p.Values {
			c.Values[k] = cloneList(v)
		}
	}
	return c
}

func cloneList(l []string) []string {
	if l == nil {
		return nil
	}
	return append(make([]string, 0, len(l)), l...)
}
