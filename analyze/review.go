package analyze

import (
	"fmt"
	"sort"
	"strings"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/analyze/policy"
	"github.com/iamtailor/iamtailor/ingest/authz"
)

// CurrentPolicies parses the policies that apply to a principal today into
// the evaluator's policy set. Each policy is named for reports:
//
//	s3-read                       managed policy (its name)
//	inline write-logs             the principal's inline policy
//	group developers s3-read      managed policy of the user's group
//	group developers inline extra inline policy of the user's group
//	boundary                      (the boundary's name, in Boundary)
//
// Two policies that would get the same name (managed policies of the same
// name under different paths) are named by their full source instead.
func CurrentPolicies(ap *authz.AppliedPolicies) (policy.PolicySet, error) {
	var set policy.PolicySet
	names := map[string]int{}
	for _, sd := range ap.Identity {
		names[reviewPolicyName(sd.Source)]++
	}
	for _, sd := range ap.Identity {
		doc, err := policy.Parse(sd.Document)
		if err != nil {
			return policy.PolicySet{}, fmt.Errorf("policy %s of %s: %w", sd.Source, ap.PrincipalARN, err)
		}
		name := reviewPolicyName(sd.Source)
		if names[name] > 1 {
			name = sd.Source
		}
		set.Identity = append(set.Identity, policy.Named{Name: name, Doc: doc})
	}
	if sd := ap.Boundary; sd != nil {
		doc, err := policy.Parse(sd.Document)
		if err != nil {
			return policy.PolicySet{}, fmt.Errorf("permissions boundary %s of %s: %w", sd.Source, ap.PrincipalARN, err)
		}
		set.Boundary = []policy.Named{{Name: "boundary " + reviewPolicyName(sd.Source), Doc: doc}}
	}
	return set, nil
}

// policyDisplayName turns an authz.SourcedDocument source into the short
// name reports cite.
func reviewPolicyName(source string) string {
	prefix := ""
	if rest, ok := strings.CutPrefix(source, "group:"); ok {
		group, inner, _ := strings.Cut(rest, "/")
		prefix, source = "group "+group+" ", inner
	}
	if rest, ok := strings.CutPrefix(source, "inline:"); ok {
		if i := strings.LastIndexByte(rest, '/'); i >= 0 {
			rest = rest[i+1:]
		}
		return prefix + "inline " + rest
	}
	if i := strings.LastIndexByte(source, '/'); i >= 0 && strings.HasPrefix(source, "arn:") {
		return prefix + source[i+1:]
	}
	return prefix + source
}

// ReviewInput is what Review needs about one principal.
type ReviewInput struct {
	Usage PrincipalUsage
	// Current are the identity policies and boundary attached today; nil
	// when they are unknown, with CurrentMissing saying why.
	Current        *policy.PolicySet
	CurrentMissing string
	// Suggested are the generated policy documents; nil when none was
	// generated. Resource-level unused findings compare the current grants
	// with them, so that adopting the suggestion clears the findings.
	Suggested []policy.Document
	// IAMLastUsed is IAM's RoleLastUsed date, Unix ms, 0 when unknown.
	IAMLastUsed int64
}

// Review compares what a principal is granted today with what it did.
//
// Granted actions are found by expanding every identity Allow statement's
// Action patterns with the catalog (an Allow with NotAction makes every
// catalog action a candidate) and deciding each candidate with the policy
// evaluator, on every resource pattern the principal's statements name:
// so NotAction, NotResource, resource-scoped Deny statements, the
// permission boundary (an intersection) and group policies count exactly
// as the evaluator counts them, and a statement with a Condition gives a
// DependsOnConditions answer that the findings carry, never a silent
// "used" or "unused".
//
// A granted action is then used (observed), not observable (see
// Observability: permission-only, data events the logs do not hold for the
// account, excluded or unrecorded sources, or no logs at all for the
// principal's account), or unused. Used actions are also checked at
// resource level against the suggested policy. Denied attempts are
// explained with what the current policies decide for them.
func Review(in ReviewInput, cat *catalog.Catalog, cov *LogCoverage) PrincipalFindings {
	u := in.Usage
	pf := PrincipalFindings{
		Principal: u.Principal, NoPolicyReason: u.NoPolicyReason, CurrentMissing: in.CurrentMissing,
		Events: u.Events, FirstSeen: u.FirstSeen, LastSeen: u.LastSeen, IAMLastUsed: in.IAMLastUsed,
	}
	rv := newReviewer(in, cat, cov)
	if in.Current != nil {
		pf.HasBoundary = len(in.Current.Boundary) > 0
		rv.grantedActions(&pf)
		rv.ungrantedUse(&pf)
		rv.wildcards(&pf)
	} else if pf.CurrentMissing == "" {
		pf.CurrentMissing = "the current policies were not given"
	}
	rv.denied(&pf)
	sortFindings(pf.Findings)
	pf.count()
	return pf
}

// statementProbe is one statement of the current policies, with the
// statement alone compiled as an unconditional Allow: asking it about
// (action, one of its own resource patterns) says whether its action
// element names the action, by the evaluator's own matching rules.
type statementProbe struct {
	ref      policy.StatementRef
	effect   policy.Effect
	patterns []string
	alone    *policy.Evaluator
}

type reviewer struct {
	in       ReviewInput
	cat      *catalog.Catalog
	cov      *LogCoverage
	tables   *reviewTables
	current  *policy.Evaluator
	suggest  *policy.Evaluator
	sugRes   []string // every resource pattern of the suggestion
	stmts    []statementProbe
	covers   map[string]*policy.Evaluator
	observed map[string][]Observed // lower-case action → accesses
	handled  map[string]bool       // lower-case actions reported as granted
}

func newReviewer(in ReviewInput, cat *catalog.Catalog, cov *LogCoverage) *reviewer {
	rv := &reviewer{
		in: in, cat: cat, cov: cov, tables: reviewTablesFor(cat),
		covers: map[string]*policy.Evaluator{}, observed: map[string][]Observed{}, handled: map[string]bool{},
	}
	for _, o := range in.Usage.Observed {
		k := strings.ToLower(o.Action)
		rv.observed[k] = append(rv.observed[k], o)
	}
	if in.Current != nil {
		rv.current = policy.Compile(*in.Current)
		rv.addProbes(policy.IdentityPolicy, in.Current.Identity)
		rv.addProbes(policy.BoundaryPolicy, in.Current.Boundary)
	}
	if in.Suggested != nil {
		var named []policy.Named
		seen := map[string]bool{}
		for i := range in.Suggested {
			d := &in.Suggested[i]
			named = append(named, policy.Named{Name: fmt.Sprintf("suggested %d", i+1), Doc: d})
			for _, st := range d.Statements {
				for _, r := range st.Resource {
					if !seen[r] {
						seen[r] = true
						rv.sugRes = append(rv.sugRes, r)
					}
				}
			}
		}
		sort.Strings(rv.sugRes)
		rv.suggest = policy.Compile(policy.PolicySet{Identity: named})
	}
	return rv
}

func (rv *reviewer) addProbes(kind policy.PolicyKind, policies []policy.Named) {
	for _, p := range policies {
		if p.Doc == nil {
			continue
		}
		for i, st := range p.Doc.Statements {
			patterns := append([]string(nil), st.Resource...)
			patterns = append(patterns, st.NotResource...)
			if st.Resource == nil {
				// NotResource, or no resource element: the statement
				// reaches "*" (minus its NotResource list).
				patterns = append(patterns, "*")
			}
			alone := st
			alone.Effect, alone.Condition = policy.Allow, nil
			doc := &policy.Document{Version: p.Doc.Version, Statements: []policy.Statement{alone}}
			rv.stmts = append(rv.stmts, statementProbe{
				ref:      policy.StatementRef{Kind: kind, Policy: p.Name, Index: i, Sid: st.Sid},
				effect:   st.Effect,
				patterns: patterns,
				alone:    policy.Compile(policy.PolicySet{Identity: []policy.Named{{Name: p.Name, Doc: doc}}}),
			})
		}
	}
}

// names says whether the statement's action element names the action.
func (sp *statementProbe) names(action string) bool {
	for _, p := range sp.patterns {
		if sp.alone.Decide(policy.Request{Action: action, Resource: p}) != policy.ImplicitDeny {
			return true
		}
	}
	return false
}

// candidates are the catalog actions some identity Allow may grant.
func (rv *reviewer) candidates() []*catalog.Action {
	seen := map[*catalog.Action]bool{}
	var out []*catalog.Action
	for _, p := range rv.in.Current.Identity {
		if p.Doc == nil {
			continue
		}
		for _, st := range p.Doc.Statements {
			if st.Effect != policy.Allow {
				continue
			}
			if st.Action == nil { // NotAction: any action may be granted
				return rv.cat.Match("*")
			}
			for _, pat := range st.Action {
				for _, a := range rv.cat.Match(pat) {
					if !seen[a] {
						seen[a] = true
						out = append(out, a)
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return rvLessFold(out[i].FullName(), out[j].FullName()) })
	return out
}

func rvLessFold(a, b string) bool {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if la != lb {
		return la < lb
	}
	return a < b
}

// coverEval is an evaluator of the single statement "Allow * on pattern",
// to ask whether pattern covers a resource (or another pattern, read as
// text: "bucket/*" covers "bucket/logs/*").
func (rv *reviewer) coverEval(pattern string) *policy.Evaluator {
	e, ok := rv.covers[pattern]
	if !ok {
		doc := &policy.Document{Version: policy.Version2012, Statements: []policy.Statement{{
			Effect: policy.Allow, Action: []string{"*"}, Resource: []string{pattern},
		}}}
		e = policy.Compile(policy.PolicySet{Identity: []policy.Named{{Doc: doc}}})
		rv.covers[pattern] = e
	}
	return e
}

// covers: pattern surely covers resource.
func (rv *reviewer) coversSurely(pattern, action, resource string) bool {
	return rv.coverEval(pattern).Decide(policy.Request{Action: action, Resource: resource}) == policy.Allowed
}

// mayCover: pattern covers resource for some values of its policy
// variables, or surely.
func (rv *reviewer) mayCover(pattern, action, resource string) bool {
	return rv.coverEval(pattern).Decide(policy.Request{Action: action, Resource: resource}) != policy.ImplicitDeny
}

// rvGrant is one resource pattern an action is granted on.
type rvGrant struct {
	resource string
	result   policy.Result
}

// GrantException is a resource pattern inside a grant that the policies take
// back: a Deny statement, the boundary, or an Allow's NotResource.
type GrantException struct {
	Resource   string
	Decision   policy.Decision
	Statements []string
}

// actionGrants decides one action on every pattern its statements name.
// It returns the grants (broadest patterns first, those covered by
// another grant dropped), the exceptions inside them, and whether an
// identity Allow names the action at all.
func (rv *reviewer) actionGrants(a *catalog.Action) (grants []rvGrant, except []GrantException, named bool) {
	grants, except, named = rv.decideGrants(a, true)
	if named && len(grants) == 0 {
		// No pattern fits the action's resource types, yet some statement
		// may grant it: keep what the evaluator says rather than drop a
		// grant on the catalog's word.
		grants, except, _ = rv.decideGrants(a, false)
	}
	return grants, except, named
}

// decideGrants does the work of actionGrants. With relevantOnly, resource
// patterns that cannot name a resource of the action's types (an SQS ARN
// for s3:GetObject, any ARN for an action that only takes "*") are not
// asked about: the evaluator would match them as text.
func (rv *reviewer) decideGrants(a *catalog.Action, relevantOnly bool) (grants []rvGrant, except []GrantException, named bool) {
	action := a.FullName()
	probes := map[string]bool{"*": true}
	for i := range rv.stmts {
		sp := &rv.stmts[i]
		if !sp.names(action) {
			continue
		}
		if sp.ref.Kind == policy.IdentityPolicy && sp.effect == policy.Allow {
			named = true
		}
		for _, p := range sp.patterns {
			if p == "*" || !relevantOnly || (a.TakesResources() && len(a.ResourceTypesFor(p)) > 0) {
				probes[p] = true
			}
		}
	}
	if !named {
		return nil, nil, false
	}
	order := make([]string, 0, len(probes))
	for p := range probes {
		order = append(order, p)
	}
	sort.Strings(order)
	var allowed, refused []rvGrant
	for _, p := range order {
		res := rv.current.Evaluate(policy.Request{Action: action, Resource: p})
		switch res.Decision {
		case policy.Allowed, policy.DependsOnConditions:
			allowed = append(allowed, rvGrant{p, res})
		default:
			refused = append(refused, rvGrant{p, res})
		}
	}
	for i, g := range allowed {
		dominated := false
		for j, h := range allowed {
			if i == j || !rv.coversSurely(h.resource, action, g.resource) {
				continue
			}
			// Equal reach both ways ("a*" and "a**"): keep the first.
			if !rv.coversSurely(g.resource, action, h.resource) || j < i {
				dominated = true
				break
			}
		}
		if !dominated {
			grants = append(grants, g)
		}
	}
	for _, r := range append(refused, rvConditionalDenies(allowed)...) {
		for _, g := range grants {
			if g.resource != r.resource && rv.coversSurely(g.resource, action, r.resource) {
				ex := GrantException{Resource: r.resource, Decision: r.result.Decision}
				for _, m := range r.result.Matches {
					if m.Effect == policy.Deny {
						ex.Statements = rvAppend(ex.Statements, m.StatementRef.String())
					}
				}
				except = append(except, ex)
				break
			}
		}
	}
	return grants, except, true
}

// conditionalDenies are the allowed probes that a conditional Deny may
// take back.
func rvConditionalDenies(allowed []rvGrant) []rvGrant {
	var out []rvGrant
	for _, g := range allowed {
		if g.result.Decision != policy.DependsOnConditions {
			continue
		}
		for _, m := range g.result.Decisive {
			if m.Effect == policy.Deny {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

func rvAppend(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// grantedActions adds the used, unused and not-observable findings of every
// granted action, and resource-level findings of used ones.
func (rv *reviewer) grantedActions(pf *PrincipalFindings) {
	for _, a := range rv.candidates() {
		name := a.FullName()
		grants, except, named := rv.actionGrants(a)
		if !named {
			continue
		}
		if len(grants) == 0 {
			pf.Counts.Ineffective++
			continue
		}
		rv.handled[strings.ToLower(name)] = true
		base := Finding{Level: LevelAction, Action: name, Decision: policy.DependsOnConditions}
		for _, g := range grants {
			base.GrantedOn = append(base.GrantedOn, g.resource)
			if g.result.Decision == policy.Allowed {
				base.Decision = policy.Allowed
			}
			for _, m := range g.result.Granting() {
				base.Statements = rvAppend(base.Statements, m.StatementRef.String())
			}
			for _, m := range g.result.Decisive {
				for _, d := range m.DependsOn {
					base.DependsOn = rvAppend(base.DependsOn, d)
				}
			}
		}
		if base.Decision == policy.Allowed {
			base.DependsOn = nil
		}
		sort.Strings(base.DependsOn)
		for _, ex := range except {
			base.Except = append(base.Except, ex.Resource)
		}

		if used := rv.use(a, grants); used != nil {
			f := *used
			f.GrantedOn, f.Except = base.GrantedOn, base.Except
			if f.Decision == policy.Allowed {
				f.DependsOn = nil
			}
			pf.Findings = append(pf.Findings, f)
			pf.Findings = append(pf.Findings, rv.resourceFindings(a, grants, used)...)
			continue
		}
		if class, reason := rv.notObservable(a, pf.Principal.Account); class != "" {
			f := base
			f.Kind, f.Observability, f.Reason = FindingNotObservable, class, reason
			pf.Findings = append(pf.Findings, f)
			continue
		}
		f := base
		f.Kind = FindingUnused
		f.Reason = "granted, not used in the window"
		if f.Decision == policy.DependsOnConditions {
			f.Reason = "granted " + rvConditionText(grants) + "; not used in the window"
		}
		if len(except) > 0 {
			f.Reason += "; " + rvExceptText(except)
		}
		pf.Findings = append(pf.Findings, f)
	}
}

// rvConditionText says what a conditional grant hangs on: the
// conditional Allow statements, or a conditional Deny that may refuse it.
func rvConditionText(grants []rvGrant) string {
	var allows, denies []string
	for _, g := range grants {
		for _, m := range g.result.Decisive {
			ref := m.StatementRef.String()
			if len(m.DependsOn) > 0 {
				ref += " (" + strings.Join(m.DependsOn, ", ") + ")"
			}
			if m.Effect == policy.Deny {
				denies = rvAppend(denies, ref)
			} else {
				allows = rvAppend(allows, ref)
			}
		}
	}
	var parts []string
	if len(allows) > 0 {
		parts = append(parts, "only under the conditions of "+strings.Join(allows, "; "))
	}
	if len(denies) > 0 {
		parts = append(parts, "unless "+strings.Join(denies, "; ")+" denies it")
	}
	return strings.Join(parts, ", ")
}

func rvExceptText(except []GrantException) string {
	parts := make([]string, len(except))
	for i, ex := range except {
		switch {
		case len(ex.Statements) > 0 && ex.Decision == policy.DependsOnConditions:
			parts[i] = ex.Resource + " may be denied by " + strings.Join(ex.Statements, "; ")
		case len(ex.Statements) > 0:
			parts[i] = ex.Resource + " denied by " + strings.Join(ex.Statements, "; ")
		default:
			parts[i] = ex.Resource + " not allowed"
		}
	}
	return "except " + strings.Join(parts, ", ")
}

// use returns the used finding of a granted action, or nil when it was not
// used (accesses the current policies do not allow are left for
// ungrantedUse).
func (rv *reviewer) use(a *catalog.Action, grants []rvGrant) *Finding {
	name := a.FullName()
	var f *Finding
	var resources []string
	for _, o := range rv.observed[strings.ToLower(name)] {
		res := rv.current.Evaluate(policy.Request{Action: name, Resource: o.Resource})
		switch {
		case res.Decision == policy.Allowed || res.Decision == policy.DependsOnConditions:
		case rvUnknownResource(a, o.Resource):
			// The store coarsened the identifiers, or the mapper could not
			// build the ARN: the access happened on some resource the
			// grants reach; which one cannot be told.
			res = grants[0].result
		default:
			continue
		}
		if f == nil {
			f = &Finding{Kind: FindingUsed, Level: LevelAction, Action: name, Decision: res.Decision, FirstSeen: o.FirstSeen}
		}
		if res.Decision == policy.Allowed {
			f.Decision = policy.Allowed
		}
		for _, m := range res.Granting() {
			f.Statements = rvAppend(f.Statements, m.StatementRef.String())
		}
		for _, m := range res.Decisive {
			for _, d := range m.DependsOn {
				f.DependsOn = rvAppend(f.DependsOn, d)
			}
		}
		f.Count += o.Count
		if o.FirstSeen != 0 && (f.FirstSeen == 0 || o.FirstSeen < f.FirstSeen) {
			f.FirstSeen = o.FirstSeen
		}
		if o.LastSeen > f.LastSeen {
			f.LastSeen = o.LastSeen
		}
		for _, v := range o.Via {
			f.Via = rvAppend(f.Via, v)
		}
		resources = rvAppend(resources, o.Resource)
	}
	if f == nil {
		return nil
	}
	sort.Strings(f.Via)
	sort.Strings(f.DependsOn)
	f.UsedOn, f.UsedOnCount = rvCapList(resources)
	return f
}

// unknownResource: the observed resource does not name one resource: a
// wildcard from the store's coarsening, or "*" for an action that takes a
// resource type.
func rvUnknownResource(a *catalog.Action, resource string) bool {
	if resource == "*" {
		return a.TakesResources()
	}
	return strings.ContainsAny(resource, "*?")
}

func rvCapList(list []string) ([]string, int) {
	sort.Strings(list)
	n := len(list)
	if n > MaxListedResources {
		list = list[:MaxListedResources]
	}
	return list, n
}

// resourceFindings are the resource-level unused findings of a used
// action: each rvGrant pattern the suggested policy does not keep (or, with
// no suggestion, each rvGrant pattern nothing was used under).
func (rv *reviewer) resourceFindings(a *catalog.Action, grants []rvGrant, used *Finding) []Finding {
	name := a.FullName()
	var all []string
	for _, o := range rv.observed[strings.ToLower(name)] {
		all = rvAppend(all, o.Resource)
	}
	var suggested []string
	if rv.suggest != nil {
		for _, q := range rv.sugRes {
			if rv.suggest.Decide(policy.Request{Action: name, Resource: q}) == policy.Allowed {
				suggested = append(suggested, q)
			}
		}
	}
	var out []Finding
	for _, g := range grants {
		if strings.Contains(g.resource, "${") {
			// A policy variable (${aws:username}) already scopes the grant
			// to each principal's own resources, which no fixed ARN of
			// the suggestion can say.
			continue
		}
		var under []string
		for _, r := range all {
			if rvUnknownResource(a, r) || rv.mayCover(g.resource, name, r) {
				under = append(under, r)
			}
		}
		var reason string
		switch {
		case rv.suggest != nil:
			if rv.suggest.Decide(policy.Request{Action: name, Resource: g.resource}) == policy.Allowed {
				continue
			}
			switch {
			case len(under) == 0:
				reason = "granted on " + g.resource + ", never used there"
			default:
				reason = fmt.Sprintf("granted on %s, used on %s only", g.resource, rvPlural(len(under), "resource"))
			}
			if len(suggested) > 0 {
				reason += "; the suggested policy grants it on " + strings.Join(suggested, ", ")
			} else {
				reason += "; the suggested policy does not rvGrant it"
			}
		case len(under) == 0:
			reason = "granted on " + g.resource + ", never used there"
		default:
			continue
		}
		f := Finding{
			Kind: FindingUnused, Level: LevelResource, Action: name, Resource: g.resource,
			Decision: g.result.Decision, SuggestedOn: suggested, Reason: reason,
		}
		for _, m := range g.result.Granting() {
			f.Statements = rvAppend(f.Statements, m.StatementRef.String())
		}
		if f.Decision == policy.DependsOnConditions {
			for _, m := range g.result.Decisive {
				for _, d := range m.DependsOn {
					f.DependsOn = rvAppend(f.DependsOn, d)
				}
			}
			sort.Strings(f.DependsOn)
		}
		f.UsedOn, f.UsedOnCount = rvCapList(under)
		out = append(out, f)
	}
	return out
}

func rvPlural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// notObservable says whether an unseen action could not have been seen,
// and why.
func (rv *reviewer) notObservable(a *catalog.Action, account string) (Observability, string) {
	acct, logged := rv.cov.Account(account)
	if rule, ok := rv.tables.observability[strings.ToLower(a.FullName())]; ok {
		switch rule.Class {
		case ObservabilityPermissionOnly, ObservabilityNotRecorded:
			return rule.Class, rule.Reason
		case ObservabilityDataEvent:
			if !logged || acct.DataSources[rule.Source] == 0 {
				return rule.Class, fmt.Sprintf("a data event; the logs hold no %s data events for account %s in the window", rule.Source, account)
			}
		case ObservabilityExcludable:
			if !logged || acct.Sources[rule.Source] == 0 {
				return rule.Class, fmt.Sprintf("the logs hold no %s events for account %s in the window: the trail may exclude them", rule.Source, account)
			}
		}
	}
	if !logged {
		return ObservabilityNoLogs, "the logs hold no events recorded in account " + account + " in the window"
	}
	return "", ""
}

// ungrantedUse reports observed accesses the current policies do not allow.
func (rv *reviewer) ungrantedUse(pf *PrincipalFindings) {
	type agg struct {
		f         Finding
		resources []string
	}
	byAction := map[string]*agg{}
	var order []string
	for _, o := range rv.in.Usage.Observed {
		k := strings.ToLower(o.Action)
		res := rv.current.Evaluate(policy.Request{Action: o.Action, Resource: o.Resource})
		if rv.handled[k] && (res.Decision == policy.Allowed || res.Decision == policy.DependsOnConditions) {
			continue
		}
		if a, ok := rv.cat.Action(o.Action); ok && rv.handled[k] && rvUnknownResource(a, o.Resource) {
			continue
		}
		g := byAction[k]
		if g == nil {
			g = &agg{f: Finding{Kind: FindingUsedNotGranted, Level: LevelAction, Action: o.Action, Decision: res.Decision, FirstSeen: o.FirstSeen}}
			g.f.Reason = res.Reason() + ": something else granted it (a resource-based policy) or the policies changed during the window"
			for _, m := range res.Decisive {
				g.f.Statements = rvAppend(g.f.Statements, m.StatementRef.String())
			}
			byAction[k] = g
			order = append(order, k)
		}
		g.f.Count += o.Count
		if o.FirstSeen != 0 && o.FirstSeen < g.f.FirstSeen {
			g.f.FirstSeen = o.FirstSeen
		}
		if o.LastSeen > g.f.LastSeen {
			g.f.LastSeen = o.LastSeen
		}
		for _, v := range o.Via {
			g.f.Via = rvAppend(g.f.Via, v)
		}
		g.resources = rvAppend(g.resources, o.Resource)
	}
	for _, k := range order {
		g := byAction[k]
		sort.Strings(g.f.Via)
		g.f.UsedOn, g.f.UsedOnCount = rvCapList(g.resources)
		if len(g.resources) == 1 {
			g.f.Resource = g.resources[0]
		}
		pf.Findings = append(pf.Findings, g.f)
	}
}

// wildcards reports Allow statements of every action or a whole service,
// and privilege-escalation actions granted on every resource.
func (rv *reviewer) wildcards(pf *PrincipalFindings) {
	docs := map[string]*policy.Document{}
	for _, p := range rv.in.Current.Identity {
		docs[p.Name] = p.Doc
	}
	for _, w := range policy.WildcardGrants(policy.IdentityPolicy, rv.in.Current.Identity) {
		st := docs[w.Policy].Statements[w.Index]
		f := Finding{Kind: FindingWildcardRisk, Level: LevelAction, Action: w.Pattern, Decision: policy.Allowed,
			Statements: []string{w.StatementRef.String()}, GrantedOn: st.Resource}
		switch w.Scope {
		case policy.AllActions:
			f.Reason = "allows every action of every service"
		case policy.ServiceWide:
			f.Reason = "allows every action of " + strings.SplitN(w.Pattern, ":", 2)[0] + ", including actions AWS adds later"
		case policy.AllButListed:
			f.Action = "NotAction"
			f.Reason = "allows every action not listed in NotAction (" + strings.Join(st.NotAction, ", ") + "), including actions AWS adds later"
		}
		if st.NotResource != nil {
			f.GrantedOn = []string{"*"}
			f.Reason += ", on every resource but " + strings.Join(st.NotResource, ", ")
		} else if w.AllResources {
			f.Resource = "*"
			f.Reason += ", on every resource"
		}
		if w.Conditional {
			f.Decision = policy.DependsOnConditions
			f.DependsOn = []string{"Condition"}
			f.Reason += ", under conditions"
		}
		if len(rv.in.Current.Boundary) > 0 {
			f.Reason += " (the permission boundary caps what it grants)"
		}
		pf.Findings = append(pf.Findings, f)
	}
	for _, rule := range rv.tables.escalation {
		a, _ := rv.cat.Action(rule.Action)
		name := a.FullName()
		if !rv.handled[strings.ToLower(name)] {
			continue
		}
		grants, _, _ := rv.actionGrants(a)
		for _, g := range grants {
			if !rvEveryResource(g.resource) {
				continue
			}
			f := Finding{Kind: FindingWildcardRisk, Level: LevelResource, Action: name, Resource: g.resource,
				Decision: g.result.Decision, Reason: "privilege escalation: " + rule.Reason}
			for _, m := range g.result.Granting() {
				f.Statements = rvAppend(f.Statements, m.StatementRef.String())
			}
			if f.Decision == policy.DependsOnConditions {
				f.Reason += " (under conditions)"
			}
			pf.Findings = append(pf.Findings, f)
		}
	}
}

// everyResource: "*", or an ARN pattern whose resource part is "*" or
// "type/*" (every role, every user), in any account when the account is
// a wildcard.
func rvEveryResource(p string) bool {
	if p == "*" {
		return true
	}
	parts := strings.SplitN(p, ":", 6)
	if len(parts) < 6 {
		return false
	}
	res := parts[5]
	if strings.Trim(res, "*") == "" {
		return true
	}
	typ, rest, ok := strings.Cut(res, "/")
	return ok && !strings.ContainsAny(typ, "*?") && strings.Trim(rest, "*") == ""
}

// denied reports refused attempts with what the current policies decide.
func (rv *reviewer) denied(pf *PrincipalFindings) {
	for _, d := range rv.in.Usage.Denied {
		f := Finding{
			Kind: FindingDenied, Level: LevelAction, Action: d.Action, Resource: d.Resource,
			Count: d.Count, FirstSeen: d.FirstSeen, LastSeen: d.LastSeen,
			ErrorCode: d.ErrorCode, Message: d.Message, Via: []string{d.EventSource + ":" + d.EventName},
			Decision: policy.ImplicitDeny,
		}
		if f.Resource == "" {
			f.Resource = "*"
		}
		switch {
		case d.Action == "":
			f.Reason = "the action could not be told from the event or its error message"
		case rv.current == nil:
			f.Reason = "the current policies are not known: " + pf.CurrentMissing
		default:
			f.Decision, f.Reason, f.Statements = rv.explainDenied(d.Action, f.Resource)
		}
		pf.Findings = append(pf.Findings, f)
	}
}

func (rv *reviewer) explainDenied(action, resource string) (policy.Decision, string, []string) {
	res := rv.current.Evaluate(policy.Request{Action: action, Resource: resource})
	var refs []string
	for _, m := range res.Decisive {
		refs = rvAppend(refs, m.StatementRef.String())
	}
	if res.Decision == policy.ImplicitDeny {
		if a, ok := rv.cat.Action(action); ok && rvUnknownResource(a, resource) && rv.handled[strings.ToLower(a.FullName())] {
			grants, _, _ := rv.actionGrants(a)
			var on []string
			for _, g := range grants {
				on = append(on, g.resource)
			}
			return res.Decision, "the resource of the attempt is not known; the current policies rvGrant it on " + strings.Join(on, ", "), refs
		}
	}
	switch res.Decision {
	case policy.Allowed:
		for _, m := range res.Granting() {
			refs = rvAppend(refs, m.StatementRef.String())
		}
		return res.Decision, "the current identity policies allow it: an explicit deny elsewhere (a service control policy, a resource-based policy, a session or VPC endpoint policy) is the likely cause", refs
	case policy.DependsOnConditions:
		return res.Decision, "the current policies allow it only under conditions (" + res.Reason() + "): the request likely did not meet them, or an explicit deny elsewhere (SCP, resource-based policy) refused it", refs
	case policy.ExplicitDeny:
		return res.Decision, res.Reason(), refs
	}
	return res.Decision, res.Reason() + ": not granted today", refs
}
