package analyze

import (
	"sort"
	"strings"

	"github.com/iamtailor/iamtailor/analyze/policy"
)

// FindingKind classifies a review finding.
type FindingKind string

// The kinds, in the order reports list them.
const (
	// FindingDenied: attempted and refused with an authorization error.
	FindingDenied FindingKind = "denied"
	// FindingUnused: granted and never used in the window, at action level
	// (the action), or at resource level (a used action granted on more
	// resources than the suggested policy keeps).
	FindingUnused FindingKind = "unused"
	// FindingUsedNotGranted: used successfully although the current
	// identity policies do not allow it: something else granted it (a
	// resource-based policy) or the policies changed during the window.
	FindingUsedNotGranted FindingKind = "used-not-granted"
	// FindingWildcardRisk: an Allow of every action or of a whole service,
	// or a privilege-escalation action granted on every resource.
	FindingWildcardRisk FindingKind = "wildcard-risk"
	// FindingNotObservable: granted, not seen, and CloudTrail could not have
	// shown it (see Observability). Never to be read as unused.
	FindingNotObservable FindingKind = "not-observable"
	// FindingUsed: granted and used.
	FindingUsed FindingKind = "used"
)

var findingKindOrder = map[FindingKind]int{
	FindingDenied: 0, FindingUnused: 1, FindingUsedNotGranted: 2,
	FindingWildcardRisk: 3, FindingNotObservable: 4, FindingUsed: 5,
}

// FindingLevel says whether a finding is about an action as a whole or
// about one resource pattern an action is granted on.
type FindingLevel string

const (
	LevelAction   FindingLevel = "action"
	LevelResource FindingLevel = "resource"
)

// Finding is one thing a reviewer should know about a principal's grants.
// Which fields are set depends on Kind; Statements always cite the current
// policies' statements as "policy name, statement".
type Finding struct {
	Kind  FindingKind
	Level FindingLevel
	// Action is a catalog action; for a wildcard-risk finding about a
	// statement, the action pattern ("*", "s3:*") or "NotAction".
	Action string
	// Resource: the rvGrant pattern (resource level, wildcard risk), or the
	// resource of an attempt (denied, used-not-granted).
	Resource string
	// Decision is what the current identity policies and boundary decide:
	// for used and unused findings Allowed or DependsOnConditions.
	Decision policy.Decision
	// Statements are the statements behind the decision: those granting a
	// used or unused action, those denying an attempt, the wildcard
	// statement.
	Statements []string
	// DependsOn lists what a conditional answer hangs on ("Condition",
	// "${aws:username}").
	DependsOn []string
	// GrantedOn are the resource patterns the action is granted on (action
	// level), after the boundary and Deny statements are applied.
	GrantedOn []string
	// Except are resource patterns inside GrantedOn that a Deny statement
	// takes back.
	Except []string
	// UsedOn are the resources the action was used on (under Resource, for
	// a resource-level finding), at most MaxListedResources; UsedOnCount counts all.
	UsedOn      []string
	UsedOnCount int
	// SuggestedOn are the resources the suggested policy grants the action
	// on (resource-level unused findings).
	SuggestedOn []string
	// Observability is why a not-observable action could not be seen.
	Observability Observability
	// Reason explains the finding in one sentence.
	Reason string

	// Usage of used, denied and used-not-granted findings.
	Count               int64
	FirstSeen, LastSeen int64 // Unix ms
	Via                 []string
	ErrorCode           string
	Message             string
}

// MaxListedResources bounds the resources listed in one finding; counts stay exact.
const MaxListedResources = 20

// Counts sum up a principal's findings. Actions are catalog actions,
// counted once whatever their resources.
type Counts struct {
	// Granted: actions the current policies allow on some resource (or
	// under some conditions), after the boundary and Deny statements.
	Granted int
	// Used: granted actions that were used.
	Used int
	// Unused: granted, observable, never used. UnusedConditional counts
	// those among them granted only under conditions.
	Unused            int
	UnusedConditional int
	// NotObservable: granted, not seen, and not visible to CloudTrail.
	NotObservable int
	// UnusedResources: resource-level unused findings.
	UnusedResources int
	// Ineffective: actions an identity policy Allow names but the
	// boundary or a Deny takes back on every resource; not granted.
	Ineffective int
	// Denied: distinct refused (action, resource) attempts;
	// DeniedAttempts: how many times.
	Denied         int
	DeniedAttempts int64
	UsedNotGranted int
	WildcardRisks  int
	// UnusedPercent is 100 × Unused / Granted, rounded to one decimal.
	UnusedPercent float64
}

// PrincipalFindings is the review of one principal.
type PrincipalFindings struct {
	Principal      Principal
	NoPolicyReason string
	// CurrentMissing says why there are no current policies to compare
	// (the principal is not in the authorization details, or is a kind
	// that has none); empty when they were read.
	CurrentMissing string
	// HasBoundary: the principal has a permission boundary, which the
	// findings apply but the merged current policy does not show.
	HasBoundary bool
	Events      int64
	FirstSeen   int64
	LastSeen    int64
	// IAMLastUsed is when IAM last saw the role used (RoleLastUsed), Unix
	// ms; 0 when unknown. It tells an idle role from one the logs miss.
	IAMLastUsed int64
	Counts      Counts
	// Findings are sorted by kind (denied, unused, used-not-granted,
	// wildcard-risk, not-observable, used), level, action, resource.
	Findings []Finding
}

// HasFindings reports whether the principal has unused (action or
// resource level) or denied findings: what makes `iamtailor review` exit
// with status 4.
func (p *PrincipalFindings) HasFindings() bool {
	return p.Counts.Unused > 0 || p.Counts.UnusedResources > 0 || p.Counts.Denied > 0
}

func (p *PrincipalFindings) count() {
	c := Counts{}
	for _, f := range p.Findings {
		switch {
		case f.Kind == FindingUsed:
			c.Used++
		case f.Kind == FindingUnused && f.Level == LevelAction:
			c.Unused++
			if f.Decision == policy.DependsOnConditions {
				c.UnusedConditional++
			}
		case f.Kind == FindingUnused:
			c.UnusedResources++
		case f.Kind == FindingNotObservable:
			c.NotObservable++
		case f.Kind == FindingDenied:
			c.Denied++
			c.DeniedAttempts += f.Count
		case f.Kind == FindingUsedNotGranted:
			c.UsedNotGranted++
		case f.Kind == FindingWildcardRisk:
			c.WildcardRisks++
		}
	}
	c.Granted = c.Used + c.Unused + c.NotObservable
	c.Ineffective = p.Counts.Ineffective
	if c.Granted > 0 {
		c.UnusedPercent = rvRoundTenth(100 * float64(c.Unused) / float64(c.Granted))
	}
	p.Counts = c
}

func rvRoundTenth(x float64) float64 {
	// Integer arithmetic on tenths keeps the value the JSON and the HTML
	// print identical.
	return float64(int64(x*10+0.5)) / 10
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Kind != b.Kind {
			return findingKindOrder[a.Kind] < findingKindOrder[b.Kind]
		}
		if a.Level != b.Level {
			return a.Level == LevelAction
		}
		if la, lb := strings.ToLower(a.Action), strings.ToLower(b.Action); la != lb {
			return la < lb
		}
		if a.Action != b.Action {
			return a.Action < b.Action
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return strings.Join(a.Statements, "\n") < strings.Join(b.Statements, "\n")
	})
}
