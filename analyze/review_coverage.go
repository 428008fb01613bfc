package analyze

import (
	"sort"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// LogCoverage is what the logs behind a review could show: the window they
// cover and, per account, which event sources they hold events and data
// events of. Review uses it to tell "not used" from "not visible": a data
// event action is only reported unused for an account whose trail was seen
// logging that service's data events in the window.
//
// Accounts are the rows' recipient accounts (recipientAccountId): the
// account a trail delivered the event for. The identity's account is not
// used, so that another account's trail logging data events never makes
// this account's look logged.
type LogCoverage struct {
	FirstEvent, LastEvent int64 // Unix ms; 0 when empty
	accounts              map[string]*AccountCoverage
}

// AccountCoverage is one account's part of a LogCoverage.
type AccountCoverage struct {
	Account               string
	Events                int64
	FirstEvent, LastEvent int64
	// Sources counts events by eventSource; DataSources counts events with
	// eventCategory "Data" by eventSource.
	Sources     map[string]int64
	DataSources map[string]int64
	// Regions counts events by region, so a report can show which regions
	// the logs cover.
	Regions map[string]int64
}

// NewLogCoverage returns an empty coverage, to fill with Add.
func NewLogCoverage() *LogCoverage {
	return &LogCoverage{accounts: map[string]*AccountCoverage{}}
}

// Add counts one usage row. Rows may come in any order.
func (c *LogCoverage) Add(r *store.Row) {
	if c.accounts == nil {
		c.accounts = map[string]*AccountCoverage{}
	}
	rvWiden(&c.FirstEvent, &c.LastEvent, r.FirstSeen, r.LastSeen)
	a := c.accounts[r.Account]
	if a == nil {
		a = &AccountCoverage{Account: r.Account, Sources: map[string]int64{}, DataSources: map[string]int64{}, Regions: map[string]int64{}}
		c.accounts[r.Account] = a
	}
	a.Events += r.Count
	rvWiden(&a.FirstEvent, &a.LastEvent, r.FirstSeen, r.LastSeen)
	a.Sources[r.EventSource] += r.Count
	if r.EventCategory == "Data" {
		a.DataSources[r.EventSource] += r.Count
	}
	if r.Region != "" {
		a.Regions[r.Region] += r.Count
	}
}

func rvWiden(first, last *int64, f, l int64) {
	if f != 0 && (*first == 0 || f < *first) {
		*first = f
	}
	if l > *last {
		*last = l
	}
}

// Account returns one account's coverage.
func (c *LogCoverage) Account(id string) (*AccountCoverage, bool) {
	if c == nil {
		return nil, false
	}
	a, ok := c.accounts[id]
	return a, ok
}

// Accounts returns every account's coverage, sorted by account.
func (c *LogCoverage) Accounts() []*AccountCoverage {
	if c == nil {
		return nil
	}
	out := make([]*AccountCoverage, 0, len(c.accounts))
	for _, a := range c.accounts {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account < out[j].Account })
	return out
}
