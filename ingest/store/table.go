package store

import (
	"iter"
	"slices"
	"strings"
)

// TableOptions bound a Table.
type TableOptions struct {
	// MaxResourceSets is the number of distinct identifier sets (Resources
	// plus Params) kept exactly per group before the group is coarsened.
	// A group is every key field except Resources, Params and Coarsened.
	// Zero or less means DefaultMaxResourceSets.
	MaxResourceSets int
}

// DefaultMaxResourceSets is the per-group bound on exact identifier sets.
const DefaultMaxResourceSets = 1000

func (o TableOptions) maxSets() int {
	if o.MaxResourceSets <= 0 {
		return DefaultMaxResourceSets
	}
	return o.MaxResourceSets
}

// Table aggregates rows in memory: rows with the same key are merged (counts
// summed, first/last seen widened). Coarsening is decided per group from the
// set of distinct identifier sets, never from arrival order, so the result
// does not depend on how the input was split or ordered (see the package
// comment for the rule).
//
// A Table is not safe for concurrent use; the pipeline gives each worker
// its own and merges them.
type Table struct {
	max int

	// entries holds one row each; dead ones were coarsened into others and
	// are reclaimed by compact. keys maps a key hash to the first entry with
	// that hash (further ones chain through entry.next).
	entries []entry
	keys    map[uint64]int32
	live    int
	dead    int

	groups    []group
	groupKeys map[uint64]int32

	// strs interns every string the table keeps, so that the thousands of
	// rows of one principal share one copy of its ARN.
	strs map[string]string
	// owned makes intern keep strings without copying them: set while the
	// strings come from memory that is never reused (another table, compact).
	owned bool

	// Arenas for the identifiers of entries, never reused once handed out,
	// so that slices returned by Rows stay valid after Reset.
	resArena []Resource
	parArena []Param

	// Scratch space reused by every Add so that adding an existing key
	// does not allocate.
	hb      []byte
	res     []Resource
	par     []Param
	buf     []byte
	members []int32
}

type entry struct {
	res         []Resource
	par         []Param
	count       int64
	first, last int64
	hash        uint64
	group       int32
	next        int32 // next entry with the same key hash, or -1
	groupNext   int32 // next entry of the same group, or -1
	level       int8
	dead        bool
}

type group struct {
	row   Row // the group fields; identifiers and counts unused
	hash  uint64
	next  int32 // next group with the same hash, or -1
	first int32 // first entry of the group, or -1
	rows  int32 // live entries, each one distinct identifier set
	level int8
}

// NewTable returns an empty table.
func NewTable(opts TableOptions) *Table {
	t := &Table{max: opts.maxSets()}
	t.keys = make(map[uint64]int32)
	t.groupKeys = make(map[uint64]int32)
	t.strs = make(map[string]string)
	return t
}

// Options returns the options the table was made with, defaults filled in.
func (t *Table) Options() TableOptions { return TableOptions{MaxResourceSets: t.max} }

// Add merges r into the table. r and the memory behind its strings may be
// reused by the caller after Add returns: Add copies what it keeps. Adding
// a row whose key is already in the table does not allocate.
//
// r.Coarsened may be non-zero for rows read back from a store: the row's
// group is then coarsened at least that far.
func (t *Table) Add(r *Row) {
	t.add(r, r.Resources, r.Params, clampLevel(r.Coarsened), r.Count, r.FirstSeen, r.LastSeen)
	t.maybeCompact()
}

// add merges one row, given by its group fields (from g), identifiers,
// declared level and counts.
func (t *Table) add(g *Row, res []Resource, par []Param, level int8, count, first, last int64) {
	gh := hashGroup(&t.hb, g)
	gi := t.findGroup(gh, g)
	if gi >= 0 {
		if grp := &t.groups[gi]; level > grp.level {
			t.raise(gi, level)
		}
		level = t.groups[gi].level
	}
	t.res = append(t.res[:0], res...)
	t.par = append(t.par[:0], par...)
	t.normalize(level)
	kh := hashKey(&t.hb, gh, level, t.res, t.par)
	if gi >= 0 {
		if ei := t.findKey(kh, gi, level, t.res, t.par); ei >= 0 {
			t.entries[ei].absorb(count, first, last)
			return
		}
	} else {
		gi = t.newGroup(gh, g, level)
	}
	t.insert(gi, kh, level, t.res, t.par, count, first, last)
	if grp := &t.groups[gi]; int(grp.rows) > t.max && grp.level < dropped {
		t.raise(gi, grp.level+1)
	}
}

func (e *entry) absorb(count, first, last int64) {
	e.count += count
	e.first = min(e.first, first)
	e.last = max(e.last, last)
}

// normalize coarsens the scratch identifiers to level, then sorts and
// de-duplicates them.
func (t *Table) normalize(level int8) {
	switch level {
	case dropped:
		t.res = t.res[:0]
		t.par = t.par[:0]
		return
	case cut:
		for i := range t.res {
			t.res[i].ARN = t.coarse(t.res[i].ARN)
		}
		for i := range t.par {
			t.par[i].Value = t.coarse(t.par[i].Value)
		}
	}
	if len(t.res) > 1 {
		if !slices.IsSortedFunc(t.res, cmpResource) {
			slices.SortFunc(t.res, cmpResource)
		}
		t.res = slices.Compact(t.res)
	}
	if len(t.par) > 1 {
		if !slices.IsSortedFunc(t.par, cmpParam) {
			slices.SortFunc(t.par, cmpParam)
		}
		t.par = slices.Compact(t.par)
	}
}

// coarse is coarsenValue without allocating when the result is already
// interned, which it is whenever the row's key exists.
func (t *Table) coarse(s string) string {
	i := strings.IndexByte(s, '/')
	if i < 0 || s[i+1:] == "*" {
		return s
	}
	t.buf = append(append(t.buf[:0], s[:i+1]...), '*')
	if v, ok := t.strs[string(t.buf)]; ok {
		return v
	}
	v := string(t.buf)
	t.strs[v] = v
	return v
}

func (t *Table) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := t.strs[s]; ok {
		return v
	}
	if !t.owned {
		s = strings.Clone(s)
	}
	t.strs[s] = s
	return s
}

func (t *Table) findGroup(gh uint64, r *Row) int32 {
	gi, ok := t.groupKeys[gh]
	if !ok {
		return -1
	}
	for ; gi >= 0; gi = t.groups[gi].next {
		if sameGroup(&t.groups[gi].row, r) {
			return gi
		}
	}
	return -1
}

func (t *Table) findKey(kh uint64, gi int32, level int8, res []Resource, par []Param) int32 {
	ei, ok := t.keys[kh]
	if !ok {
		return -1
	}
	for ; ei >= 0; ei = t.entries[ei].next {
		e := &t.entries[ei]
		if e.group == gi && e.level == level && equalResources(e.res, res) && equalParams(e.par, par) {
			return ei
		}
	}
	return -1
}

func (t *Table) newGroup(gh uint64, r *Row, level int8) int32 {
	gi := int32(len(t.groups))
	next, ok := t.groupKeys[gh]
	if !ok {
		next = -1
	}
	t.groups = append(t.groups, group{
		row: Row{
			Day:                r.Day,
			IdentityType:       t.intern(r.IdentityType),
			IdentityARN:        t.intern(r.IdentityARN),
			IdentityAccount:    t.intern(r.IdentityAccount),
			PrincipalID:        t.intern(r.PrincipalID),
			UserName:           t.intern(r.UserName),
			IssuerType:         t.intern(r.IssuerType),
			IssuerARN:          t.intern(r.IssuerARN),
			IssuerAccount:      t.intern(r.IssuerAccount),
			InvokedBy:          t.intern(r.InvokedBy),
			IdentityProvider:   t.intern(r.IdentityProvider),
			OnBehalfOfUserID:   t.intern(r.OnBehalfOfUserID),
			OnBehalfOfStoreARN: t.intern(r.OnBehalfOfStoreARN),
			Account:            t.intern(r.Account),
			Region:             t.intern(r.Region),
			EventSource:        t.intern(r.EventSource),
			EventName:          t.intern(r.EventName),
			EventType:          t.intern(r.EventType),
			EventCategory:      t.intern(r.EventCategory),
			ReadOnly:           t.intern(r.ReadOnly),
			ErrorCode:          t.intern(r.ErrorCode),
			ErrorMessage:       t.intern(r.ErrorMessage),
			Shared:             r.Shared,
		},
		hash:  gh,
		next:  next,
		first: -1,
		level: level,
	})
	t.groupKeys[gh] = gi
	return gi
}

// insert adds a new entry; res and par are already normalized.
func (t *Table) insert(gi int32, kh uint64, level int8, res []Resource, par []Param, count, first, last int64) {
	ei := int32(len(t.entries))
	next, ok := t.keys[kh]
	if !ok {
		next = -1
	}
	g := &t.groups[gi]
	t.entries = append(t.entries, entry{
		res:       t.ownResources(res),
		par:       t.ownParams(par),
		count:     count,
		first:     first,
		last:      last,
		hash:      kh,
		group:     gi,
		next:      next,
		groupNext: g.first,
		level:     level,
	})
	t.keys[kh] = ei
	g.first = ei
	g.rows++
	t.live++
}

const arenaChunk = 512

func (t *Table) ownResources(src []Resource) []Resource {
	if len(src) == 0 {
		return nil
	}
	if cap(t.resArena)-len(t.resArena) < len(src) {
		t.resArena = make([]Resource, 0, max(arenaChunk, len(src)))
	}
	start := len(t.resArena)
	for _, r := range src {
		t.resArena = append(t.resArena, Resource{ARN: t.intern(r.ARN), AccountID: t.intern(r.AccountID), Type: t.intern(r.Type)})
	}
	return t.resArena[start:len(t.resArena):len(t.resArena)]
}

func (t *Table) ownParams(src []Param) []Param {
	if len(src) == 0 {
		return nil
	}
	if cap(t.parArena)-len(t.parArena) < len(src) {
		t.parArena = make([]Param, 0, max(arenaChunk, len(src)))
	}
	start := len(t.parArena)
	for _, p := range src {
		t.parArena = append(t.parArena, Param{Name: t.intern(p.Name), Value: t.intern(p.Value)})
	}
	return t.parArena[start:len(t.parArena):len(t.parArena)]
}

// raise coarsens group gi to at least level to, merging the entries that
// become equal, and further while it still holds more than max sets.
func (t *Table) raise(gi int32, to int8) {
	for {
		g := &t.groups[gi]
		t.members = t.members[:0]
		for ei := g.first; ei >= 0; ei = t.entries[ei].groupNext {
			t.members = append(t.members, ei)
		}
		for _, ei := range t.members {
			t.unlink(ei)
		}
		g.first, g.rows, g.level = -1, 0, to
		for _, ei := range t.members {
			e := t.entries[ei]
			t.res = append(t.res[:0], e.res...)
			t.par = append(t.par[:0], e.par...)
			t.normalize(to)
			kh := hashKey(&t.hb, g.hash, to, t.res, t.par)
			if x := t.findKey(kh, gi, to, t.res, t.par); x >= 0 {
				t.entries[x].absorb(e.count, e.first, e.last)
			} else {
				t.insert(gi, kh, to, t.res, t.par, e.count, e.first, e.last)
			}
			g = &t.groups[gi]
		}
		if int(g.rows) <= t.max || to >= dropped {
			return
		}
		to++
	}
}

// unlink removes entry ei from the key index and marks it dead.
func (t *Table) unlink(ei int32) {
	e := &t.entries[ei]
	head := t.keys[e.hash]
	if head == ei {
		if e.next >= 0 {
			t.keys[e.hash] = e.next
		} else {
			delete(t.keys, e.hash)
		}
	} else {
		for p := head; p >= 0; p = t.entries[p].next {
			if t.entries[p].next == ei {
				t.entries[p].next = e.next
				break
			}
		}
	}
	e.dead = true
	e.next, e.groupNext = -1, -1
	t.live--
	t.dead++
}

// maybeCompact reclaims dead entries and the strings only they used once
// they outnumber live ones, so that memory follows live rows.
func (t *Table) maybeCompact() {
	if t.dead < 4096 || t.dead < t.live {
		return
	}
	oldEntries, oldGroups := t.entries, t.groups
	t.entries = make([]entry, 0, t.live)
	t.groups = make([]group, 0, len(oldGroups))
	t.keys = make(map[uint64]int32, t.live)
	t.groupKeys = make(map[uint64]int32, len(oldGroups))
	t.strs = make(map[string]string)
	t.resArena, t.parArena = nil, nil
	t.live, t.dead = 0, 0
	t.owned = true
	for i := range oldGroups {
		og := &oldGroups[i]
		gi := t.newGroup(og.hash, &og.row, og.level)
		for ei := og.first; ei >= 0; ei = oldEntries[ei].groupNext {
			e := &oldEntries[ei]
			t.insert(gi, e.hash, e.level, e.res, e.par, e.count, e.first, e.last)
		}
	}
	t.owned = false
}

// Merge adds every row of o into t. o is left unchanged.
func (t *Table) Merge(o *Table) {
	if o == t {
		return
	}
	// o's strings are immutable and never reused, so t may share them.
	t.owned = true
	defer func() { t.owned = false }()
	for i := range o.groups {
		og := &o.groups[i]
		for ei := og.first; ei >= 0; ei = o.entries[ei].groupNext {
			e := &o.entries[ei]
			gi := t.findGroup(og.hash, &og.row)
			if gi >= 0 && t.groups[gi].level == e.level {
				// Same seed, same group, same level: o's key hash is t's.
				if x := t.findKey(e.hash, gi, e.level, e.res, e.par); x >= 0 {
					t.entries[x].absorb(e.count, e.first, e.last)
					continue
				}
			}
			t.add(&og.row, e.res, e.par, e.level, e.count, e.first, e.last)
		}
	}
	t.maybeCompact()
}

// Reset empties the table, keeping its allocations for reuse. Rows returned
// before stay valid.
func (t *Table) Reset() {
	// A map cleared in place keeps its capacity and clearing costs that
	// capacity every time; a small table that once grew large is replaced.
	if len(t.entries) > 1<<14 {
		t.keys = make(map[uint64]int32)
		t.groupKeys = make(map[uint64]int32)
		t.strs = make(map[string]string)
		t.entries, t.groups = nil, nil
	} else {
		clear(t.keys)
		clear(t.groupKeys)
		clear(t.strs)
		t.entries = t.entries[:0]
		t.groups = t.groups[:0]
	}
	t.resArena, t.parArena = nil, nil
	t.live, t.dead = 0, 0
}

// Len is the number of rows.
func (t *Table) Len() int { return t.live }

// Rows returns the rows in canonical order (the order they are stored in).
// The rows share the table's immutable strings and identifier slices.
func (t *Table) Rows() []Row {
	out := make([]Row, 0, t.live)
	for r := range t.All() {
		out = append(out, *r)
	}
	return out
}

// All yields the rows in canonical order without copying them all at once.
// The *Row is reused between iterations; its strings and slices are the
// table's and stay valid. The table must not change during the iteration.
func (t *Table) All() iter.Seq[*Row] {
	return func(yield func(*Row) bool) {
		order := make([]int32, len(t.groups))
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(a, b int32) int { return cmpGroup(&t.groups[a].row, &t.groups[b].row) })
		var members []int32
		var r Row
		for _, gi := range order {
			g := &t.groups[gi]
			members = members[:0]
			for ei := g.first; ei >= 0; ei = t.entries[ei].groupNext {
				members = append(members, ei)
			}
			if len(members) > 1 {
				slices.SortFunc(members, func(a, b int32) int {
					ea, eb := &t.entries[a], &t.entries[b]
					if c := cmpResources(ea.res, eb.res); c != 0 {
						return c
					}
					return cmpParams(ea.par, eb.par)
				})
			}
			for _, ei := range members {
				e := &t.entries[ei]
				r = g.row
				r.Resources, r.Params = e.res, e.par
				r.Coarsened = e.level
				r.Count, r.FirstSeen, r.LastSeen = e.count, e.first, e.last
				if !yield(&r) {
					return
				}
			}
		}
	}
}
