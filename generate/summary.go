package generate

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/iamtailor/iamtailor/analyze"
)

// PrincipalSummary is one principal's entry in summary.json: what was
// observed, what the policy holds, and every note a reviewer needs to trust
// it.
type PrincipalSummary struct {
	Account   string `json:"account"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	ARN       string `json:"arn"`
	Partition string `json:"partition,omitempty"`

	// PermissionSet is set for a role that IAM Identity Center provisions
	// from a permission set (AWSReservedSSO_<PermissionSet>_<suffix>): the
	// permission set's name, "" when the role name does not show it (the
	// role is then recognised by its path).
	PermissionSet string `json:"permission_set,omitempty"`
	// ApplyTo says where the policy must be applied when that is not the
	// principal itself: IAM refuses changes to an Identity Center role.
	ApplyTo string `json:"apply_to,omitempty"`

	// NoPolicyReason says why the principal got no policy (service-linked
	// role, root, other kinds, nothing that needs a permission).
	NoPolicyReason string `json:"no_policy_reason,omitempty"`
	// Skipped says why the principal was left out (--min-events).
	Skipped string `json:"skipped,omitempty"`
	// Error says why generation failed for this principal; it then has no
	// document.
	Error string `json:"error,omitempty"`

	Events    int64  `json:"events"`
	FirstSeen string `json:"first_seen,omitempty"`
	LastSeen  string `json:"last_seen,omitempty"`
	// ActionsUsed counts distinct actions observed used successfully,
	// companions included.
	ActionsUsed int `json:"actions_used"`
	// Statements counts statements before any was cut to fit a document.
	Statements int               `json:"statements"`
	Documents  []DocumentSummary `json:"documents,omitempty"`
	// Split explains why there is more than one document.
	Split string `json:"split,omitempty"`
	Notes Notes  `json:"notes"`
}

// DocumentSummary describes one written policy document.
type DocumentSummary struct {
	// Name is the document's path without extension, relative to the
	// output directory: "111122223333/role/deploy" or ".../deploy-2".
	Name       string `json:"name"`
	Characters int    `json:"characters"` // non-whitespace, as IAM counts
	Limit      int    `json:"limit"`
	Statements int    `json:"statements"`
}

// Notes are everything about a principal that is not a plain grant of an
// observed access. Lists are sorted; empty lists are left out of the JSON.
type Notes struct {
	// Denied calls are never granted.
	Denied []DeniedNote `json:"denied,omitempty"`
	// Unproven calls failed with an error that does not prove they were
	// authorized; they are not granted.
	Unproven []UnprovenNote `json:"unproven,omitempty"`
	// NotObservable accesses are granted because a logged call implies them
	// (iam:PassRole for the role a call passed, the source of a copy):
	// CloudTrail never logs them as calls of their own.
	NotObservable []InferredNote `json:"not_observable,omitempty"`
	// Unmapped events could not be turned into catalog actions; nothing is
	// granted for them.
	Unmapped []UnmappedNote `json:"unmapped,omitempty"`
	// Permissionless calls need no permission (sts:GetCallerIdentity).
	Permissionless []EventNote `json:"permissionless,omitempty"`
	// NonAPI events are not API calls (console sign-in, service events).
	NonAPI []EventNote `json:"non_api,omitempty"`
	// Unscoped actions take a resource type but got "*" because the
	// analyzer could not build their ARN.
	Unscoped []UnscopedNote `json:"unscoped,omitempty"`
	// Coarsened resources are wildcards the usage store already held (it
	// bounds how many identifiers it keeps).
	Coarsened []CoarsenedNote `json:"coarsened,omitempty"`
	// Widened resources are the generator's own widenings (prefix, region
	// and account collapsing).
	Widened []Widening `json:"widened,omitempty"`
	// Wildcards are the action wildcards used (--action-wildcards).
	Wildcards []WildcardNote `json:"wildcards,omitempty"`
}

// DeniedNote is an attempt refused with an authorization error.
type DeniedNote struct {
	Action      string `json:"action"`
	Resource    string `json:"resource"`
	EventSource string `json:"event_source"`
	EventName   string `json:"event_name"`
	ErrorCode   string `json:"error_code"`
	Message     string `json:"message,omitempty"`
	Count       int64  `json:"count"`
	LastSeen    string `json:"last_seen,omitempty"`
}

// UnprovenNote is a failed call that does not prove authorization.
type UnprovenNote struct {
	Action      string `json:"action"`
	Resource    string `json:"resource"`
	EventSource string `json:"event_source"`
	EventName   string `json:"event_name"`
	ErrorCode   string `json:"error_code"`
	Count       int64  `json:"count"`
}

// InferredNote is a granted access implied by other calls.
type InferredNote struct {
	Action   string   `json:"action"`
	Resource string   `json:"resource"`
	Via      []string `json:"via"`
}

// UnmappedNote is an event that was not mapped to actions.
type UnmappedNote struct {
	EventSource string `json:"event_source"`
	EventName   string `json:"event_name"`
	Reason      string `json:"reason"`
	Count       int64  `json:"count"`
}

// EventNote counts events by source and name.
type EventNote struct {
	EventSource string `json:"event_source"`
	EventName   string `json:"event_name"`
	Count       int64  `json:"count"`
}

// UnscopedNote is an action granted on "*" although it takes a resource
// type, with the analyzer's reasons.
type UnscopedNote struct {
	Action  string   `json:"action"`
	Reasons []string `json:"reasons"`
}

// CoarsenedNote is a wildcard resource that came from the usage store.
type CoarsenedNote struct {
	Actions  []string `json:"actions"`
	Resource string   `json:"resource"`
	Reason   string   `json:"reason"`
}

func formatMillis(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}

// baseSummary fills what the summary says about a principal whatever the
// outcome: identity, counts and the notes that do not depend on the policy.
func baseSummary(u analyze.PrincipalUsage) PrincipalSummary {
	p := u.Principal
	s := PrincipalSummary{
		Account: p.Account, Kind: string(p.Kind), Name: p.Name, ARN: p.ARN, Partition: p.Partition,
		Events: u.Events, FirstSeen: formatMillis(u.FirstSeen), LastSeen: formatMillis(u.LastSeen),
	}
	if set, ok := p.IdentityCenterPermissionSet(); ok {
		s.PermissionSet, s.ApplyTo = set, identityCenterApplyTo(set, p.Account)
	}
	for _, d := range u.Denied {
		s.Notes.Denied = append(s.Notes.Denied, DeniedNote{
			Action: d.Action, Resource: d.Resource, EventSource: d.EventSource, EventName: d.EventName,
			ErrorCode: d.ErrorCode, Message: d.Message, Count: d.Count, LastSeen: formatMillis(d.LastSeen),
		})
	}
	for _, d := range u.Unproven {
		s.Notes.Unproven = append(s.Notes.Unproven, UnprovenNote{
			Action: d.Action, Resource: d.Resource, EventSource: d.EventSource, EventName: d.EventName,
			ErrorCode: d.ErrorCode, Count: d.Count,
		})
	}
	for _, m := range u.Unmapped {
		s.Notes.Unmapped = append(s.Notes.Unmapped, UnmappedNote{EventSource: m.EventSource, EventName: m.EventName, Reason: m.Reason, Count: m.Count})
	}
	for _, e := range u.Permissionless {
		s.Notes.Permissionless = append(s.Notes.Permissionless, EventNote{EventSource: e.EventSource, EventName: e.EventName, Count: e.Count})
	}
	for _, e := range u.NonAPI {
		s.Notes.NonAPI = append(s.Notes.NonAPI, EventNote{EventSource: e.EventSource, EventName: e.EventName, Count: e.Count})
	}
	sortNotes(&s.Notes)
	return s
}

// identityCenterApplyTo tells where the policy of an Identity Center role
// goes: the role is provisioned from its permission set in every account
// the set is assigned to, and IAM refuses changes to it.
func identityCenterApplyTo(set, account string) string {
	target := fmt.Sprintf("the IAM Identity Center permission set %q", set)
	if set == "" {
		target = "the IAM Identity Center permission set this role was provisioned from (its name does not show which)"
	}
	return fmt.Sprintf("apply this policy to %s, as its inline policy or a customer managed policy it references, not to the role: "+
		"IAM refuses changes to roles under /aws-reserved/sso.amazonaws.com/, and the permission set applies to every account it is assigned to, "+
		"so check its use outside account %s before narrowing it", target, account)
}

// sortNotes puts every list in a fixed order, so that the summary does not
// depend on the order of the input.
func sortNotes(n *Notes) {
	sort.Slice(n.Denied, func(i, j int) bool {
		a, b := n.Denied[i], n.Denied[j]
		return lessStrings(
			[]string{a.Action, a.Resource, a.EventSource, a.EventName, a.ErrorCode, a.Message, num(a.Count), a.LastSeen},
			[]string{b.Action, b.Resource, b.EventSource, b.EventName, b.ErrorCode, b.Message, num(b.Count), b.LastSeen})
	})
	sort.Slice(n.Unproven, func(i, j int) bool {
		a, b := n.Unproven[i], n.Unproven[j]
		return lessStrings(
			[]string{a.Action, a.Resource, a.EventSource, a.EventName, a.ErrorCode, num(a.Count)},
			[]string{b.Action, b.Resource, b.EventSource, b.EventName, b.ErrorCode, num(b.Count)})
	})
	for i := range n.NotObservable {
		v := append([]string(nil), n.NotObservable[i].Via...)
		sort.Strings(v)
		n.NotObservable[i].Via = dedupe(v)
	}
	sort.Slice(n.NotObservable, func(i, j int) bool {
		a, b := n.NotObservable[i], n.NotObservable[j]
		return lessStrings([]string{a.Action, a.Resource, strings.Join(a.Via, ",")}, []string{b.Action, b.Resource, strings.Join(b.Via, ",")})
	})
	sort.Slice(n.Unmapped, func(i, j int) bool {
		a, b := n.Unmapped[i], n.Unmapped[j]
		return lessStrings([]string{a.EventSource, a.EventName, a.Reason, num(a.Count)}, []string{b.EventSource, b.EventName, b.Reason, num(b.Count)})
	})
	for _, l := range [][]EventNote{n.Permissionless, n.NonAPI} {
		sort.Slice(l, func(i, j int) bool {
			return lessStrings([]string{l[i].EventSource, l[i].EventName, num(l[i].Count)}, []string{l[j].EventSource, l[j].EventName, num(l[j].Count)})
		})
	}
	sort.Slice(n.Unscoped, func(i, j int) bool { return n.Unscoped[i].Action < n.Unscoped[j].Action })
	sort.Slice(n.Coarsened, func(i, j int) bool {
		a, b := n.Coarsened[i], n.Coarsened[j]
		return lessStrings([]string{a.Resource, a.Reason, strings.Join(a.Actions, ",")}, []string{b.Resource, b.Reason, strings.Join(b.Actions, ",")})
	})
	sort.Slice(n.Widened, func(i, j int) bool {
		a, b := n.Widened[i], n.Widened[j]
		return lessStrings([]string{a.Resource, a.Reason, strings.Join(a.Actions, ",")}, []string{b.Resource, b.Reason, strings.Join(b.Actions, ",")})
	})
	sort.Slice(n.Wildcards, func(i, j int) bool {
		a, b := n.Wildcards[i], n.Wildcards[j]
		return lessStrings([]string{a.Sid, a.Pattern}, []string{b.Sid, b.Pattern})
	})
}

// num formats a count so that string order is numeric order.
func num(n int64) string { return fmt.Sprintf("%020d", n) }

func lessStrings(a, b []string) bool { return compareLists(a, b) < 0 }
