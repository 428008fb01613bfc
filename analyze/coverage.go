package analyze

import (
	"cmp"
	"slices"
	"strings"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// Coverage says how well events mapped to IAM actions. Counts are events
// (a usage row counts as many events as it aggregates), each cross-account
// call once.
//
//	events         = api_events + non_api
//	service_events, cross_account_owner_copies ⊂ events: not attributed
//	  to a principal
//	api_events     = mapped + unmapped + permissionless
//	denied, unproven ⊂ mapped ∪ unmapped (outcomes, counted separately)
//	resource_specific ≤ resource_scoped: per event, per mapped action that
//	  takes a resource type (for a denied call, the action refused);
//	  specific when its resources name only what the event names: ARNs
//	  without wildcards, a secret's "-??????" suffix, or an IAM name whose
//	  path the event does not show (IAM names are unique in an account
//	  whatever their path, so role/NAME plus role/*/NAME name one role),
//	  or the resource the call creates, in the request's account and
//	  region with "*" for the ID it does not have yet (resource_created
//	  counts these: no policy can name them more narrowly).
type Coverage struct {
	CatalogVersion string `json:"catalog_version"`
	Events         int64  `json:"events"`
	APIEvents      int64  `json:"api_events"`
	Mapped         int64  `json:"mapped"`
	Unmapped       int64  `json:"unmapped"`
	Permissionless int64  `json:"permissionless"`
	NonAPI         int64  `json:"non_api"`
	Denied         int64  `json:"denied"`
	Unproven       int64  `json:"unproven"`
	ServiceEvents  int64  `json:"service_events"` // events by AWS services, not attributed to a principal
	// CrossAccountCopies are resource owners' copies of calls by another
	// account's principal known only by its account ID (userIdentity type
	// AWSAccount) whose caller's copy was not read: not attributed to a
	// principal. An owner's copy whose caller's copy was read is the same
	// call, counted once, under the caller.
	CrossAccountCopies int64          `json:"cross_account_owner_copies"`
	ResourceScoped     int64          `json:"resource_scoped"`
	ResourceSpecific   int64          `json:"resource_specific"`
	ResourceCreated    int64          `json:"resource_created"` // of resource_specific: resources the call creates (ID "*")
	UnmappedPairs      []UnmappedPair `json:"unmapped_pairs"`
}

// UnmappedPair is one (eventSource, eventName) iamtailor could not map.
type UnmappedPair struct {
	EventSource string `json:"event_source"`
	EventName   string `json:"event_name"`
	Count       int64  `json:"count"`
	Reason      string `json:"reason"`
}

// MappedShare is mapped / (mapped + unmapped): the share of the API events
// that need a permission that map to catalog actions. 1 when there are none.
func (c Coverage) MappedShare() float64 {
	if c.Mapped+c.Unmapped == 0 {
		return 1
	}
	return float64(c.Mapped) / float64(c.Mapped+c.Unmapped)
}

// SpecificShare is resource_specific / resource_scoped, 1 when nothing is
// resource-scoped.
func (c Coverage) SpecificShare() float64 {
	if c.ResourceScoped == 0 {
		return 1
	}
	return float64(c.ResourceSpecific) / float64(c.ResourceScoped)
}

type coverageAcc struct {
	c        Coverage
	unmapped map[unmappedKey]int64
}

func newCoverageAcc() coverageAcc {
	return coverageAcc{unmapped: map[unmappedKey]int64{}}
}

func (ca *coverageAcc) add(row *store.Row, mp *Mapping, count int64, notPrincipal NotPrincipal) {
	c := &ca.c
	c.Events += count
	switch notPrincipal {
	case IsPrincipal:
	case NotPrincipalCrossAccountCaller:
		c.CrossAccountCopies += count
	default:
		c.ServiceEvents += count
	}
	if mp.Class == ClassNonAPI {
		c.NonAPI += count
		return
	}
	c.APIEvents += count
	switch mp.Class {
	case ClassPermissionless:
		c.Permissionless += count
		return
	case ClassUnmapped:
		if mp.Outcome == OutcomeDenied && mp.DeniedAccess != nil {
			// The event name does not map, but the denial names the action.
			c.Mapped += count
		} else {
			c.Unmapped += count
			k := unmappedKey{eventPair{row.EventSource, row.EventName}, mp.Reason}
			if _, ok := ca.unmapped[k]; !ok {
				k = unmappedKey{eventPair{strings.Clone(row.EventSource), strings.Clone(row.EventName)}, strings.Clone(mp.Reason)}
			}
			ca.unmapped[k] += count
		}
	case ClassMapped:
		c.Mapped += count
	}
	switch mp.Outcome {
	case OutcomeDenied:
		c.Denied += count
	case OutcomeUnproven:
		c.Unproven += count
	}
	accesses := mp.Accesses
	if mp.Outcome == OutcomeDenied {
		accesses = mp.denied
	}
	ca.addSpecificity(accesses, count)
}

// addSpecificity counts, per action, whether its resources are specific.
// accesses are sorted by action.
func (ca *coverageAcc) addSpecificity(accesses []MappedAccess, count int64) {
	for i := 0; i < len(accesses); {
		j := i
		specific, scoped, created := true, false, false
		for ; j < len(accesses) && accesses[j].Action == accesses[i].Action; j++ {
			scoped = scoped || accesses[j].Scoped
			specific = specific && accesses[j].Specific
			created = created || accesses[j].created
		}
		i = j
		if scoped {
			ca.c.ResourceScoped += count
			if specific {
				ca.c.ResourceSpecific += count
				if created {
					ca.c.ResourceCreated += count
				}
			}
		}
	}
}

func (ca *coverageAcc) result(cat *catalog.Catalog) Coverage {
	c := ca.c
	c.CatalogVersion = cat.Version()
	c.UnmappedPairs = make([]UnmappedPair, 0, len(ca.unmapped))
	for k, n := range ca.unmapped {
		c.UnmappedPairs = append(c.UnmappedPairs, UnmappedPair{EventSource: k.pair.source, EventName: k.pair.name, Count: n, Reason: k.reason})
	}
	slices.SortFunc(c.UnmappedPairs, func(a, b UnmappedPair) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.EventSource, b.EventSource),
			strings.Compare(a.EventName, b.EventName), strings.Compare(a.Reason, b.Reason))
	})
	return c
}
