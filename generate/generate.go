package generate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/analyze/policy"
)

// Result is what the generator concluded for one principal: its policy
// documents (none when it gets no policy or failed) and its summary entry.
type Result struct {
	Principal analyze.Principal
	Documents []policy.Document
	Summary   PrincipalSummary
}

// actionPlan is one granted action and the resources it ends up with.
type actionPlan struct {
	action    *catalog.Action
	class     stmtClass
	resources []string
	types     []string // resource type names of resources, for the Sid
}

// Policies generates the least-privilege identity policy of one principal.
//
// The policy allows every observed access (companions included) and nothing
// else, except where a rule widens it, and each widening is listed in the
// summary. Denied, unproven and permissionless calls never become grants.
// The documents are validated against the catalog and the size limits, and
// checked to allow every observed access, before they are returned: an
// error means no document for this principal, never a partial one. On
// error the Result still carries the summary, with Error set.
func Policies(u analyze.PrincipalUsage, cat *catalog.Catalog, opts Options) (Result, error) {
	res := Result{Principal: u.Principal, Summary: baseSummary(u)}
	fail := func(err error) (Result, error) {
		err = fmt.Errorf("generate policy for %s: %w", principalLabel(u.Principal), err)
		res.Documents = nil
		res.Summary.Error = err.Error()
		res.Summary.Statements = 0
		res.Summary.Documents = nil
		return res, err
	}
	if err := opts.validate(); err != nil {
		return fail(err)
	}
	if reason := noPolicyReason(u); reason != "" {
		res.Summary.NoPolicyReason = reason
		return res, nil
	}

	plans, err := planActions(u, cat, opts, &res.Summary)
	if err != nil {
		return fail(err)
	}
	if len(plans) == 0 {
		res.Summary.NoPolicyReason = "no successful call that needs a permission was observed"
		return res, nil
	}
	stmts := buildStatements(plans)
	if opts.ActionWildcards {
		for _, st := range stmts {
			for _, n := range compressActions(st, cat) {
				n.Sid = st.Sid
				res.Summary.Notes.Wildcards = append(res.Summary.Notes.Wildcards, n)
			}
		}
	}
	res.Summary.Statements = len(stmts)

	limit, maxDocs := sizeLimit(u.Principal.Kind, opts.Inline)
	docs, err := split(stmts, limit, maxDocs, opts.Inline)
	if err != nil {
		return fail(err)
	}
	// Last guard: whatever the rules above did, nothing invalid, oversized or
	// missing an observed access leaves this function.
	for i, d := range docs {
		if err := Validate(d, cat); err != nil {
			return fail(fmt.Errorf("document %d of %d: %w", i+1, len(docs), err))
		}
		n := documentSize(&d)
		if n > limit {
			return fail(fmt.Errorf("document %d of %d has %d characters, over the limit %d", i+1, len(docs), n, limit))
		}
		res.Summary.Documents = append(res.Summary.Documents, DocumentSummary{
			Name:       documentName(u.Principal, i, len(docs)),
			Characters: n,
			Limit:      limit,
			Statements: len(d.Statements),
		})
	}
	if err := checkAllows(docs, u.Observed, cat); err != nil {
		return fail(err)
	}
	if len(docs) > 1 {
		res.Summary.Split = fmt.Sprintf("content over the %d-character limit of one %s policy (%s): split into %d documents", limit, policyKind(opts.Inline), plural(len(stmts), "statement"), len(docs))
	}
	res.Documents = docs
	return res, nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func policyKind(inline bool) string {
	if inline {
		return "inline"
	}
	return "managed"
}

// noPolicyReason says why a principal must not get a policy, if it must not.
func noPolicyReason(u analyze.PrincipalUsage) string {
	if u.NoPolicyReason != "" {
		return u.NoPolicyReason
	}
	switch u.Principal.Kind {
	case analyze.KindRole, analyze.KindUser:
		return ""
	case analyze.KindRoot:
		return "the root user never gets a suggested policy"
	case analyze.KindServiceLinkedRole:
		return "service-linked roles are managed by AWS and never get a suggested policy"
	default:
		return fmt.Sprintf("only roles and users get suggested policies; this principal's kind is %s", u.Principal.Kind)
	}
}

// sizeLimit gives the character limit of one document and how many
// documents a principal may have.
func sizeLimit(kind analyze.PrincipalKind, inline bool) (limit, maxDocs int) {
	if !inline {
		return LimitManaged, MaxManagedPolicies
	}
	if kind == analyze.KindUser {
		return LimitInlineUser, 1
	}
	return LimitInlineRole, 1
}

// planActions turns the observed accesses into the resource set of each
// granted action, applying the options' widenings, and fills the notes.
func planActions(u analyze.PrincipalUsage, cat *catalog.Catalog, opts Options, sum *PrincipalSummary) (map[string]*actionPlan, error) {
	plans := map[string]*actionPlan{}
	raw := map[string]map[string]bool{}
	unscopedNotes := map[string]map[string]bool{}
	coarsened := map[[2]string][]string{}
	used := map[string]bool{}
	for _, o := range u.Observed {
		a, ok := cat.Action(o.Action)
		if !ok {
			return nil, fmt.Errorf("observed action %q (via %s) is not in IAM catalog %s: the analyzer must not emit it", o.Action, strings.Join(o.Via, ", "), cat.Version())
		}
		name := a.FullName()
		used[name] = true
		if o.Companion {
			sum.Notes.NotObservable = append(sum.Notes.NotObservable, InferredNote{Action: name, Resource: o.Resource, Via: o.Via})
		}
		p := plans[name]
		if p == nil {
			p = &actionPlan{action: a, class: scoped}
			if !a.TakesResources() {
				p.class = noResourceType
			}
			plans[name] = p
			raw[name] = map[string]bool{}
		}
		switch {
		case p.class == noResourceType:
			// IAM matches these actions only against "*": that is the exact
			// grant, not a widening, whatever resource the call named.
		case o.Resource == "*" || o.Resource == "":
			note := o.ResourceNote
			if note == "" {
				note = "the analyzer gave no resource for this call"
			}
			p.class = unscoped
			if unscopedNotes[name] == nil {
				unscopedNotes[name] = map[string]bool{}
			}
			unscopedNotes[name][note] = true
		default:
			if len(a.ResourceTypesFor(o.Resource)) == 0 {
				return nil, fmt.Errorf("observed resource %q of %s (via %s) fits none of the action's resource types in catalog %s: the analyzer built a wrong ARN; no policy is written rather than a guessed one", o.Resource, name, strings.Join(o.Via, ", "), cat.Version())
			}
			resource := escapeVariables(o.Resource)
			raw[name][resource] = true
			if o.ResourceNote != "" {
				k := [2]string{resource, o.ResourceNote}
				coarsened[k] = append(coarsened[k], name)
			}
		}
	}
	sum.ActionsUsed = len(used)

	for _, name := range sortedKeysOf(plans) {
		p := plans[name]
		switch p.class {
		case noResourceType, unscoped:
			p.resources = []string{"*"}
			if p.class == unscoped {
				sum.Notes.Unscoped = append(sum.Notes.Unscoped, UnscopedNote{Action: name, Reasons: sortedKeys(unscopedNotes[name])})
			}
			continue
		}
		res := sortedKeys(raw[name])
		var wid []Widening
		res, wid = compressResources(name, res, opts)
		p.resources = res
		sum.Notes.Widened = append(sum.Notes.Widened, wid...)
		types := map[string]bool{}
		for _, r := range res {
			for _, t := range p.action.ResourceTypesFor(r) {
				types[t.Name] = true
			}
		}
		p.types = sortedKeys(types)
	}
	for k, actions := range coarsened {
		sort.Strings(actions)
		sum.Notes.Coarsened = append(sum.Notes.Coarsened, CoarsenedNote{Actions: dedupe(actions), Resource: k[0], Reason: k[1]})
	}
	sum.Notes.Widened = mergeWidenings(sum.Notes.Widened)
	sortNotes(&sum.Notes)
	return plans, nil
}

func dedupe(s []string) []string {
	n := 0
	for i, v := range s {
		if i == 0 || v != s[n-1] {
			s[n] = v
			n++
		}
	}
	return s[:n]
}

// mergeWidenings joins widenings that differ only in their action, so
// GetObject and PutObject collapsed to the same prefix read as one note.
func mergeWidenings(ws []Widening) []Widening {
	type key struct {
		resource, reason string
		replaced         int
	}
	byKey := map[key]*Widening{}
	var out []Widening
	var order []key
	for _, w := range ws {
		k := key{w.Resource, w.Reason, w.Replaced}
		if m := byKey[k]; m != nil {
			m.Actions = append(m.Actions, w.Actions...)
			continue
		}
		c := w
		c.Actions = append([]string(nil), w.Actions...)
		byKey[k] = &c
		order = append(order, k)
	}
	for _, k := range order {
		w := byKey[k]
		sort.Strings(w.Actions)
		w.Actions = dedupe(w.Actions)
		out = append(out, *w)
	}
	return out
}

// checkAllows proves, with the policy evaluator, that the documents allow
// every observed access. It repeats, independently of the rules, the
// promise that no permission is lost. An observed resource that is itself a
// pattern (the store coarsened it) is checked against the statements that
// grant the action: one of their Resource patterns must cover it whole.
func checkAllows(docs []policy.Document, observed []analyze.Observed, cat *catalog.Catalog) error {
	var set policy.PolicySet
	for i := range docs {
		set.Identity = append(set.Identity, policy.Named{Name: fmt.Sprintf("document %d", i+1), Doc: &docs[i]})
	}
	eval := policy.Compile(set)
	for _, o := range observed {
		a, _ := cat.Action(o.Action)
		resource := o.Resource
		if resource == "" || !a.TakesResources() {
			resource = "*"
		}
		var ok bool
		if resource != "*" && strings.ContainsAny(resource, "*?") {
			ok = coveredByGrant(docs, a.FullName(), escapeVariables(resource))
		} else {
			ok = eval.Decide(policy.Request{Action: a.FullName(), Resource: resource}) == policy.Allowed
		}
		if !ok {
			return fmt.Errorf("internal error: the generated policy does not allow observed %s on %s; nothing is written for this principal", a.FullName(), o.Resource)
		}
	}
	return nil
}

// coveredByGrant says whether a statement granting the action has a
// Resource that matches every string the pattern matches.
func coveredByGrant(docs []policy.Document, action, pattern string) bool {
	action = strings.ToLower(action)
	for _, d := range docs {
		for _, st := range d.Statements {
			granted := false
			for _, a := range st.Action {
				if globMatch(strings.ToLower(a), action) {
					granted = true
					break
				}
			}
			if !granted {
				continue
			}
			for _, r := range st.Resource {
				if covers(r, pattern) {
					return true
				}
			}
		}
	}
	return false
}

// escapeVariables writes a literal "${" as IAM's "${$}{": an observed
// resource is data, and under policy version 2012-10-17 "${…}" in a
// Resource would be read as a policy variable.
func escapeVariables(resource string) string {
	return strings.ReplaceAll(resource, "${", "${$}{")
}

func principalLabel(p analyze.Principal) string {
	if p.ARN != "" {
		return p.ARN
	}
	return fmt.Sprintf("%s %s/%s", p.Kind, p.Account, p.Name)
}
