package policy

import (
	"fmt"
	"strings"
)

// Decision is the evaluator's answer for one request.
type Decision uint8

// The four answers. The zero value is ImplicitDeny, IAM's default.
const (
	ImplicitDeny Decision = iota
	Allowed
	ExplicitDeny
	// DependsOnConditions: allowed for some values of what the evaluator does
	// not know (condition context, policy variables) and denied for others.
	DependsOnConditions
)

var decisionNames = [...]string{
	ImplicitDeny:        "implicit-deny",
	Allowed:             "allowed",
	ExplicitDeny:        "explicit-deny",
	DependsOnConditions: "depends-on-conditions",
}

func (d Decision) String() string {
	if int(d) < len(decisionNames) {
		return decisionNames[d]
	}
	return fmt.Sprintf("Decision(%d)", uint8(d))
}

// MarshalText writes the decision's name, for findings files.
func (d Decision) MarshalText() ([]byte, error) {
	if int(d) >= len(decisionNames) {
		return nil, fmt.Errorf("unknown decision %d", uint8(d))
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads a name written by MarshalText.
func (d *Decision) UnmarshalText(b []byte) error {
	for i, n := range decisionNames {
		if n == string(b) {
			*d = Decision(i)
			return nil
		}
	}
	return fmt.Errorf("unknown decision %q", b)
}

// PolicyKind says which layer a policy belongs to.
type PolicyKind uint8

// Identity policies grant; a permission boundary only caps.
const (
	IdentityPolicy PolicyKind = iota
	BoundaryPolicy
)

func (k PolicyKind) String() string {
	if k == BoundaryPolicy {
		return "boundary"
	}
	return "identity"
}

// PolicySet is every policy that applies to one principal.
type PolicySet struct {
	// Identity: attached managed policies, inline policies and, for a user,
	// its groups' managed and inline policies.
	Identity []Named
	// Boundary: the permission boundary. Empty means the principal has none.
	// IAM allows one boundary; several are read as one policy.
	Boundary []Named
}

// Request is one (action, resource) pair to decide.
type Request struct {
	Action string // "s3:GetObject"; compared without regard to case
	// Resource is the resource ARN, or "*" for an action that takes no
	// resource. "*" is only matched by Resource "*" (or a NotResource that
	// does not list "*"), so asking about "*" also answers "is the action
	// granted on every resource?".
	Resource string
}

// StatementRef names one statement of one policy.
type StatementRef struct {
	Kind   PolicyKind
	Policy string // Named.Name
	Index  int    // position in the document's Statement list, from 0
	Sid    string // "" when the statement has none
}

func (r StatementRef) String() string {
	id := fmt.Sprintf("statement %d", r.Index)
	if r.Sid != "" {
		id = fmt.Sprintf("statement %q", r.Sid)
	}
	if r.Kind == BoundaryPolicy {
		return fmt.Sprintf("boundary %s, %s", r.Policy, id)
	}
	return fmt.Sprintf("%s, %s", r.Policy, id)
}

// Match is a statement that applies, or may apply, to a request.
type Match struct {
	StatementRef
	Effect Effect
	// Certain is false when the statement applies only for some values of
	// its condition context or policy variables.
	Certain bool
	// DependsOn lists what an uncertain match depends on: "Condition" and/or
	// the policy variables ("${aws:username}") its resource element needs.
	DependsOn []string
}

// Result is the decision and the statements behind it.
type Result struct {
	Decision Decision
	// Decisive are the statements that decided: the certain Deny statements
	// for ExplicitDeny; the certain identity and boundary Allow statements
	// for Allowed; the uncertain statements the answer hangs on for
	// DependsOnConditions; none for ImplicitDeny (see Reason).
	Decisive []Match
	// Matches are every statement that applies or may apply, identity
	// policies first, in policy and statement order.
	Matches []Match
	// boundaryCapped: an ImplicitDeny that the identity policies alone
	// would not give.
	boundaryCapped bool
}

// Reason says in one sentence why, for reports.
func (r Result) Reason() string {
	switch r.Decision {
	case ExplicitDeny:
		return "explicitly denied by " + refs(r.Decisive)
	case Allowed:
		return "allowed by " + refs(r.Decisive)
	case DependsOnConditions:
		return "depends on " + refs(r.Decisive)
	}
	if r.boundaryCapped {
		return "allowed by identity policies but not by the permission boundary"
	}
	return "no identity policy statement allows it"
}

// Granting returns the identity-policy Allow statements that apply to the
// request (certain ones first): what grants it, or would under the right
// conditions.
func (r Result) Granting() []Match {
	var certain, uncertain []Match
	for _, m := range r.Matches {
		if m.Kind != IdentityPolicy || m.Effect != Allow {
			continue
		}
		if m.Certain {
			certain = append(certain, m)
		} else {
			uncertain = append(uncertain, m)
		}
	}
	return append(certain, uncertain...)
}

// Evaluator is a compiled PolicySet. Compile once, then evaluate any number
// of requests; it is safe for concurrent use.
type Evaluator struct {
	identity    []compiledStatement
	boundary    []compiledStatement
	hasBoundary bool
}

// Compile prepares a policy set for evaluation. A nil document counts as a
// policy with no statements.
func Compile(set PolicySet) *Evaluator {
	e := &Evaluator{hasBoundary: len(set.Boundary) > 0}
	e.identity = compileLayer(IdentityPolicy, set.Identity)
	e.boundary = compileLayer(BoundaryPolicy, set.Boundary)
	return e
}

func compileLayer(kind PolicyKind, policies []Named) []compiledStatement {
	var out []compiledStatement
	for _, p := range policies {
		if p.Doc == nil {
			continue
		}
		for i := range p.Doc.Statements {
			st := &p.Doc.Statements[i]
			ref := StatementRef{Kind: kind, Policy: p.Name, Index: i, Sid: st.Sid}
			out = append(out, compileStatement(ref, st, p.Doc.Version))
		}
	}
	return out
}

// Evaluate compiles the set and decides one request. To decide many
// requests against the same set, Compile once and call Evaluator.Evaluate.
func Evaluate(set PolicySet, req Request) Result {
	return Compile(set).Evaluate(req)
}

// layerSummary is what one layer's statements say about a request.
type layerSummary struct {
	allowYes, allowMaybe, denyYes, denyMaybe bool
}

func (l *layerSummary) add(effect Effect, t tri) {
	switch {
	case effect == Deny && t == yes:
		l.denyYes = true
	case effect == Deny && t == maybe:
		l.denyMaybe = true
	case t == yes:
		l.allowYes = true
	case t == maybe:
		l.allowMaybe = true
	}
}

type parsedRequest struct {
	svc, act string
	actOK    bool
	res      requestARN
}

func parseRequest(req Request) parsedRequest {
	svc, act, ok := strings.Cut(req.Action, ":")
	return parsedRequest{svc: svc, act: act, actOK: ok, res: splitRequestARN(req.Resource)}
}

func summarize(stmts []compiledStatement, pr *parsedRequest) layerSummary {
	var l layerSummary
	for i := range stmts {
		t, _ := stmts[i].match(pr.svc, pr.act, pr.actOK, &pr.res)
		if t != no {
			l.add(stmts[i].effect, t)
		}
	}
	return l
}

// decide applies the decision table (see the package documentation).
func decide(id, pb layerSummary, hasBoundary bool) Decision {
	if id.denyYes || pb.denyYes {
		return ExplicitDeny
	}
	mayAllow := id.allowYes || id.allowMaybe
	if hasBoundary {
		mayAllow = mayAllow && (pb.allowYes || pb.allowMaybe)
	}
	if !mayAllow {
		return ImplicitDeny
	}
	surely := id.allowYes && (!hasBoundary || pb.allowYes) && !id.denyMaybe && !pb.denyMaybe
	if surely {
		return Allowed
	}
	return DependsOnConditions
}

// Decide returns only the decision; it does not allocate.
func (e *Evaluator) Decide(req Request) Decision {
	pr := parseRequest(req)
	return decide(summarize(e.identity, &pr), summarize(e.boundary, &pr), e.hasBoundary)
}

// Evaluate decides one request and says which statements decided it.
func (e *Evaluator) Evaluate(req Request) Result {
	pr := parseRequest(req)
	var res Result
	var id, pb layerSummary
	collect := func(stmts []compiledStatement, l *layerSummary) {
		for i := range stmts {
			cs := &stmts[i]
			t, r := cs.match(pr.svc, pr.act, pr.actOK, &pr.res)
			if t == no {
				continue
			}
			l.add(cs.effect, t)
			m := Match{StatementRef: cs.ref, Effect: cs.effect, Certain: t == yes}
			if t == maybe {
				if cs.conditional {
					m.DependsOn = append(m.DependsOn, "Condition")
				}
				if r == maybe {
					m.DependsOn = append(m.DependsOn, cs.variables...)
				}
			}
			res.Matches = append(res.Matches, m)
		}
	}
	collect(e.identity, &id)
	collect(e.boundary, &pb)
	res.Decision = decide(id, pb, e.hasBoundary)

	pick := func(keep func(m Match) bool) {
		for _, m := range res.Matches {
			if keep(m) {
				res.Decisive = append(res.Decisive, m)
			}
		}
	}
	switch res.Decision {
	case ExplicitDeny:
		pick(func(m Match) bool { return m.Effect == Deny && m.Certain })
	case Allowed:
		pick(func(m Match) bool { return m.Effect == Allow && m.Certain })
	case DependsOnConditions:
		// The uncertain statements that can change the answer: every
		// uncertain Deny, and the uncertain Allows of a layer that has no
		// certain Allow.
		pick(func(m Match) bool {
			switch {
			case m.Certain:
				return false
			case m.Effect == Deny:
				return true
			case m.Kind == IdentityPolicy:
				return !id.allowYes
			default:
				return !pb.allowYes
			}
		})
	case ImplicitDeny:
		res.boundaryCapped = id.allowYes || id.allowMaybe
	}
	return res
}

func refs(ms []Match) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.StatementRef.String()
		if len(m.DependsOn) > 0 {
			parts[i] += " (" + strings.Join(m.DependsOn, ", ") + ")"
		}
	}
	return strings.Join(parts, "; ")
}
