package generate

import "fmt"

// DefaultCollapseThreshold is the number of direct entries (objects,
// parameters or log streams directly under it, and sub-prefixes, each
// sub-prefix counting once however much it holds) one prefix may hold
// before it is replaced by "prefix/*". Twenty keeps a statement readable
// while most roles that touch a handful of fixed keys keep them spelled
// out.
const DefaultCollapseThreshold = 20

// IAM size limits, in non-whitespace characters. Inline limits are
// aggregate: every inline policy of one identity together must fit, so an
// inline policy is never split.
const (
	LimitManaged     = 6144
	LimitInlineRole  = 10240
	LimitInlineUser  = 2048
	LimitInlineGroup = 5120
)

// MaxManagedPolicies is the default quota of managed policies attached to one
// role or user. A principal whose policy needs more documents fails rather
// than losing a permission.
const MaxManagedPolicies = 10

// Options are the generation choices. The zero value is the tightest output:
// no collapsing, no action wildcards, managed-policy limits.
type Options struct {
	// CollapseThreshold is how many direct entries one prefix may hold
	// before it collapses to "prefix/*" (see DefaultCollapseThreshold). 0
	// never collapses. A higher threshold never gives a wider resource.
	CollapseThreshold int `json:"collapse_threshold"`
	// CollapseRegions replaces, per action, ARNs that differ only in their
	// region by one ARN with "*" as the region.
	CollapseRegions bool `json:"collapse_regions"`
	// CollapseAccounts does the same for the account field.
	CollapseAccounts bool `json:"collapse_accounts"`
	// ActionWildcards allows "svc:Prefix*" where, in this catalog version, it
	// matches only actions the statement already grants.
	ActionWildcards bool `json:"action_wildcards"`
	// Inline sizes the output for one inline policy instead of managed ones.
	Inline bool `json:"inline"`
	// Principals, when not empty, keeps only principals whose ARN or name
	// matches one of these globs ("*" matches any run of characters, "/"
	// included; "?" one character).
	Principals []string `json:"principals,omitempty"`
	// MinEvents skips principals with fewer events; they are listed in the
	// summary with the reason.
	MinEvents int64 `json:"min_events"`
}

// DefaultOptions are the options the CLI starts from.
func DefaultOptions() Options {
	return Options{CollapseThreshold: DefaultCollapseThreshold}
}

func (o Options) validate() error {
	if o.CollapseThreshold < 0 {
		return fmt.Errorf("collapse threshold %d: must be 0 (never collapse) or more", o.CollapseThreshold)
	}
	if o.MinEvents < 0 {
		return fmt.Errorf("min events %d: must be 0 or more", o.MinEvents)
	}
	return nil
}
