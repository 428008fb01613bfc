package store

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Scope is a set of events: those whose time is in [Since, Until) and whose
// account and region are among Accounts and Regions. It is the selection a
// run applied to every event of an object it read, so that a later run
// with a wider selection knows what of the object is left to count.
//
// Since and Until are Unix milliseconds; 0 leaves that side open (no
// CloudTrail event predates 1970). Empty Accounts or Regions select all.
// The zero Scope is every event. Accounts and Regions are compared with
// the event's account and region exactly as ingest's filter compares them.
type Scope struct {
	Since    int64    `parquet:"since,optional,timestamp(millisecond)"`
	Until    int64    `parquet:"until,optional,timestamp(millisecond)"`
	Accounts []string `parquet:"accounts,list"`
	Regions  []string `parquet:"regions,list"`
}

// Contains reports whether an event at time t (Unix ms) in account and
// region is in s.
func (s *Scope) Contains(t int64, account, region string) bool {
	return (s.Since == 0 || t >= s.Since) && (s.Until == 0 || t < s.Until) &&
		(len(s.Accounts) == 0 || slices.Contains(s.Accounts, account)) &&
		(len(s.Regions) == 0 || slices.Contains(s.Regions, region))
}

// String renders s for messages: "everything", or its parts.
func (s Scope) String() string {
	var parts []string
	if s.Since != 0 || s.Until != 0 {
		since, until := "…", "…"
		if s.Since != 0 {
			since = time.UnixMilli(s.Since).UTC().Format(time.RFC3339Nano)
		}
		if s.Until != 0 {
			until = time.UnixMilli(s.Until).UTC().Format(time.RFC3339Nano)
		}
		parts = append(parts, "["+since+", "+until+")")
	}
	if len(s.Accounts) > 0 {
		parts = append(parts, "accounts "+strings.Join(s.Accounts, ","))
	}
	if len(s.Regions) > 0 {
		parts = append(parts, "regions "+strings.Join(s.Regions, ","))
	}
	if len(parts) == 0 {
		return "everything"
	}
	return strings.Join(parts, " ")
}

// Coverage is a union of scopes: what of one object a store has counted.
// Coverages made by Union are canonical: the same set of events always has
// the same scopes in the same order, whatever scopes were united in which
// order, so that stores holding the same events have the same bytes.
//
// The canonical form cuts time at every point where the set of (account,
// region) pairs covered changes, and describes each stretch by the fewest
// maximal scopes: for every region set R that some account covers exactly,
// one scope of R and every account covering at least R (all accounts when
// the accounts no filter named cover R). Unfiltered runs give the single
// scope "everything"; a run with --since and a later one with --until that
// meets it give one window; an account filter then none give everything.
type Coverage []Scope

// Everything is the coverage of an object read without filters.
func Everything() Coverage { return Coverage{{}} }

// Contains reports whether an event at time t in account and region is in
// any scope of c.
func (c Coverage) Contains(t int64, account, region string) bool {
	for i := range c {
		if c[i].Contains(t, account, region) {
			return true
		}
	}
	return false
}

// Covers reports whether every event of s is in c: then an object with
// coverage c has nothing left to count for a run with scope s.
func (c Coverage) Covers(s Scope) bool {
	return slices.EqualFunc(Union(c), Union(c, Coverage{s}), equalScope)
}

// Overlaps reports whether some event could be in both c and d.
func (c Coverage) Overlaps(d Coverage) bool {
	for _, x := range c {
		for _, y := range d {
			if !intersect(boxOf(x), boxOf(y)).empty() {
				return true
			}
		}
	}
	return false
}

// Intersect is the canonical coverage of the events both in c and in d.
func (c Coverage) Intersect(d Coverage) Coverage {
	var boxes []box
	for _, x := range c {
		for _, y := range d {
			if b := intersect(boxOf(x), boxOf(y)); !b.empty() {
				boxes = append(boxes, b)
			}
		}
	}
	return canonical(boxes)
}

// Equal reports whether c and d are the same set of events.
func (c Coverage) Equal(d Coverage) bool {
	return slices.EqualFunc(Union(c), Union(d), equalScope)
}

// String renders c for messages.
func (c Coverage) String() string {
	if len(c) == 0 {
		return "nothing"
	}
	parts := make([]string, len(c))
	for i, s := range c {
		parts[i] = s.String()
	}
	return strings.Join(parts, "; ")
}

// Union is the canonical coverage of the events in any of cs. It is nil
// only when they hold no event.
func Union(cs ...Coverage) Coverage {
	var boxes []box
	for _, c := range cs {
		for _, s := range c {
			if b := boxOf(s); !b.empty() {
				boxes = append(boxes, b)
			}
		}
	}
	return canonical(boxes)
}

// validate reports a scope that cannot come from a run: an empty window.
func (s *Scope) validate() error {
	if s.Since != 0 && s.Until != 0 && s.Since >= s.Until {
		return fmt.Errorf("scope %s: since is not before until", s)
	}
	return nil
}

func equalScope(a, b Scope) bool {
	return a.Since == b.Since && a.Until == b.Until &&
		slices.Equal(a.Accounts, b.Accounts) && slices.Equal(a.Regions, b.Regions)
}

// box is a Scope in a form closed under intersection: open ends as the
// extremes of int64, and sets that may be empty.
type box struct {
	lo, hi    int64
	acc, regs set
}

// set is every string (all) or a sorted, de-duplicated list.
type set struct {
	all   bool
	items []string
}

func setOf(items []string) set {
	if len(items) == 0 {
		return set{all: true}
	}
	s := slices.Clone(items)
	slices.Sort(s)
	return set{items: slices.Compact(s)}
}

func (s set) list() []string {
	if s.all {
		return nil
	}
	return s.items
}

func (s set) empty() bool { return !s.all && len(s.items) == 0 }

func (s set) has(x string) bool {
	if s.all {
		return true
	}
	_, ok := slices.BinarySearch(s.items, x)
	return ok
}

// superset reports s ⊇ t.
func (s set) superset(t set) bool {
	switch {
	case s.all:
		return true
	case t.all:
		return false
	}
	for _, x := range t.items {
		if !s.has(x) {
			return false
		}
	}
	return true
}

func union(s, t set) set {
	if s.all || t.all {
		return set{all: true}
	}
	u := append(slices.Clone(s.items), t.items...)
	slices.Sort(u)
	return set{items: slices.Compact(u)}
}

func intersectSets(s, t set) set {
	switch {
	case s.all:
		return t
	case t.all:
		return s
	}
	var out []string
	for _, x := range s.items {
		if t.has(x) {
			out = append(out, x)
		}
	}
	return set{items: out}
}

// cmpSet orders sets: all first, then by their lists.
func cmpSet(s, t set) int {
	if s.all || t.all {
		switch {
		case s.all && t.all:
			return 0
		case s.all:
			return -1
		}
		return 1
	}
	return slices.Compare(s.items, t.items)
}

func equalSet(s, t set) bool { return cmpSet(s, t) == 0 }

func boxOf(s Scope) box {
	b := box{lo: math.MinInt64, hi: math.MaxInt64, acc: setOf(s.Accounts), regs: setOf(s.Regions)}
	if s.Since != 0 {
		b.lo = s.Since
	}
	if s.Until != 0 {
		b.hi = s.Until
	}
	return b
}

func (b box) empty() bool { return b.lo >= b.hi || b.acc.empty() || b.regs.empty() }

func intersect(a, b box) box {
	return box{lo: max(a.lo, b.lo), hi: min(a.hi, b.hi), acc: intersectSets(a.acc, b.acc), regs: intersectSets(a.regs, b.regs)}
}

// rect is a product of an account set and a region set: one time slice of
// a coverage is a union of them.
type rect struct{ acc, regs set }

func cmpRect(a, b rect) int {
	if c := cmpSet(a.acc, b.acc); c != 0 {
		return c
	}
	return cmpSet(a.regs, b.regs)
}

// canonical is the canonical coverage of the union of non-empty boxes.
func canonical(boxes []box) Coverage {
	if len(boxes) == 0 {
		return nil
	}
	var cuts []int64
	for _, b := range boxes {
		cuts = append(cuts, b.lo, b.hi)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)

	var out Coverage
	var cur []rect
	curLo := int64(0)
	flush := func(hi int64) {
		for _, r := range cur {
			s := Scope{Accounts: r.acc.list(), Regions: r.regs.list()}
			if curLo != math.MinInt64 {
				s.Since = curLo
			}
			if hi != math.MaxInt64 {
				s.Until = hi
			}
			out = append(out, s)
		}
	}
	var active []box
	for i := 0; i+1 < len(cuts); i++ {
		lo, hi := cuts[i], cuts[i+1]
		active = active[:0]
		for _, b := range boxes {
			if b.lo <= lo && hi <= b.hi {
				active = append(active, b)
			}
		}
		slice := plane(active)
		if i > 0 && slices.EqualFunc(slice, cur, func(a, b rect) bool { return cmpRect(a, b) == 0 }) {
			continue
		}
		flush(lo)
		cur, curLo = slice, lo
	}
	flush(cuts[len(cuts)-1])
	return out
}

// plane is the canonical list of rects whose union is the union of the
// boxes' (account, region) products. Every account the boxes name covers
// some region set R(a), and every other account the set R(other) covered
// by the boxes for all accounts; R(other) ⊆ R(a) always. For each distinct
// non-empty value V among them, the rect (accounts covering at least V) × V
// is in the union, and together they cover it; none holds another. This
// depends on the function a ↦ R(a) alone, so on the set, not on the boxes
// that made it.
func plane(boxes []box) []rect {
	if len(boxes) == 0 {
		return nil
	}
	var named []string
	other := set{}
	for _, b := range boxes {
		if b.acc.all {
			other = union(other, b.regs)
		} else {
			named = append(named, b.acc.items...)
		}
	}
	slices.Sort(named)
	named = slices.Compact(named)
	regsOf := make([]set, len(named))
	for i, a := range named {
		r := other
		for _, b := range boxes {
			if !b.acc.all && b.acc.has(a) {
				r = union(r, b.regs)
			}
		}
		regsOf[i] = r
	}
	var values []set
	for _, v := range append([]set{other}, regsOf...) {
		if !v.empty() && !slices.ContainsFunc(values, func(w set) bool { return equalSet(v, w) }) {
			values = append(values, v)
		}
	}
	rects := make([]rect, 0, len(values))
	for _, v := range values {
		if other.superset(v) {
			rects = append(rects, rect{acc: set{all: true}, regs: v})
			continue
		}
		var accs []string
		for i, a := range named {
			if regsOf[i].superset(v) {
				accs = append(accs, a)
			}
		}
		rects = append(rects, rect{acc: set{items: accs}, regs: v})
	}
	slices.SortFunc(rects, cmpRect)
	return rects
}
