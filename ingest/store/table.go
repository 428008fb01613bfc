package store

import (
	"bytes"
	"hash/maphash"
	"iter"
	"slices"
	"strings"
	"unsafe"
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
// Rows are held as byte keys (keyenc.go) in an arena: adding a new key is
// one copy, comparing two is one bytes.Equal, and the table holds few
// pointers for the garbage collector to follow however many rows it has.
//
// Begin, Keep and Discard make the rows of one input file count entirely
// or not at all without a table per file.
//
// A Table is not safe for concurrent use.
type Table struct {
	max int

	// entries holds one row each; dead ones were coarsened into others and
	// are reclaimed by compact. keys indexes the live ones by hash.
	entries []entry
	keys    hashIndex
	live    int
	dead    int

	groups    []group
	groupKeys hashIndex

	// arena holds the identifier keys and garena the group keys; their
	// memory is never reused, so that rows returned by Rows, whose strings
	// alias it, stay valid after Reset. Group keys apart are a few
	// megabytes that finding and sorting groups read in a run.
	arena  arena
	garena arena

	// Rows Add took and has not applied yet (see flushAdds), their keys
	// in pbuf.
	pending []pendingAdd
	pbuf    []byte
	sink    uint32 // what flushAdds touched, so that the reads stay

	// Scratch space reused by every Add so that adding an existing key
	// does not allocate.
	kb      []byte
	res     []Resource
	par     []Param
	mres    []Resource // Merge's
	mpar    []Param
	cut     []byte
	members []int32

	// The open transaction, if any (see Begin).
	txn  uint32
	open bool
	undo undoLog
}

type entry struct {
	key         aref // identifier key
	count       int64
	first, last int64
	hash        uint64 // of the group key, level and identifier key
	group       int32
	groupNext   int32  // next entry of the same group, or -1
	saved       uint32 // the transaction that saved it in the undo log
	level       int8
	dead        bool
}

type group struct {
	key   aref // group key
	hash  uint64
	first int32 // first entry of the group, or -1
	rows  int32 // live entries, each one distinct identifier set
	saved uint32
	level int8
}

// One seed for the whole process, so that a row's hash is the same in every
// Table and Merge can reuse the hashes of the table it reads from.
var hashSeed = maphash.MakeSeed()

func groupHash(key []byte) uint64 { return maphash.Bytes(hashSeed, key) }

// entryHash combines the group's hash, the level and the identifier key.
func entryHash(gh uint64, level int8, key []byte) uint64 {
	h := maphash.Bytes(hashSeed, key)
	h ^= (gh + uint64(level)*0x9e3779b97f4a7c15) * 0xbf58476d1ce4e5b9
	return h ^ h>>31
}

// NewTable returns an empty table.
func NewTable(opts TableOptions) *Table {
	return &Table{max: opts.maxSets()}
}

// Options returns the options the table was made with, defaults filled in.
func (t *Table) Options() TableOptions { return TableOptions{MaxResourceSets: t.max} }

// Add merges r into the table. r and the memory behind its strings may be
// reused by the caller after Add returns: Add copies what it keeps. Adding
// a row whose key is already in the table does not allocate.
//
// r.Coarsened may be non-zero for rows read back from a store: the row's
// group is then coarsened at least that far.
//
// Rows are added in batches (see flushAdds): Add encodes the row's keys
// and every other method first applies the batch.
func (t *Table) Add(r *Row) {
	start := len(t.pbuf)
	t.pbuf = appendGroupKey(t.pbuf, r)
	gend := len(t.pbuf)
	t.res = append(t.res[:0], r.Resources...)
	t.par = append(t.par[:0], r.Params...)
	t.normalize(exact)
	t.pbuf = appendIdentifierKey(t.pbuf, t.res, t.par)
	gh := groupHash(t.pbuf[start:gend])
	t.pending = append(t.pending, pendingAdd{
		start: uint32(start), gend: uint32(gend), end: uint32(len(t.pbuf)),
		gh: gh, kh: entryHash(gh, exact, t.pbuf[gend:]),
		level: clampLevel(r.Coarsened),
		count: r.Count, first: r.FirstSeen, last: r.LastSeen,
	})
	if len(t.pending) == addBatch {
		t.flushAdds()
	}
}

// pendingAdd is a row Add took and flushAdds has yet to apply: its group
// key and exact identifier key in t.pbuf, their hashes, its declared level
// and its counts.
type pendingAdd struct {
	start, gend, end   uint32
	gh, kh             uint64
	level              int8
	count, first, last int64
}

// addBatch is how many rows Add gathers before applying them. A table
// of a run's distinct rows is far larger than the caches, so finding a
// row's group and entry is a chain of dependent cache misses; applied one
// at a time, each row waits for its chain. flushAdds first walks the
// batch touching what each row's lookups will read, level by level of
// the chains, so that the misses of many rows overlap, and then applies
// the rows, whose lookups now hit the cache.
const addBatch = 64

// flushAdds applies the rows Add gathered. The touches only read: what
// they guess wrong (a group whose level is not exact, a fold that
// matches another key) costs a miss later, never a wrong result.
func (t *Table) flushAdds() {
	ps := t.pending
	if len(ps) == 0 {
		return
	}
	var sink uint32
	if gs := t.groupKeys.slots; len(gs) > 0 {
		mask := uint32(len(gs) - 1)
		for i := range ps {
			sink += gs[fold(ps[i].gh)&mask].pos
		}
		for i := range ps {
			f := fold(ps[i].gh)
			if s := gs[f&mask]; s.pos != 0 && s.frag == f {
				sink += touch(&t.garena, t.groups[s.pos-1].key)
			}
		}
	}
	if ks := t.keys.slots; len(ks) > 0 {
		mask := uint32(len(ks) - 1)
		for i := range ps {
			sink += ks[fold(ps[i].kh)&mask].pos
		}
		for i := range ps {
			f := fold(ps[i].kh)
			if s := ks[f&mask]; s.pos != 0 && s.frag == f {
				e := &t.entries[s.pos-1]
				sink += uint32(e.count) + touch(&t.arena, e.key)
			}
		}
	}
	t.sink += sink
	for i := range ps {
		t.apply(&ps[i])
	}
	t.pending = ps[:0]
	t.pbuf = t.pbuf[:0]
	t.maybeCompact()
}

// touch reads a byte of every cache line of a key, to bring it into the
// cache.
func touch(a *arena, r aref) uint32 {
	c := a.chunks[r.chunk][r.off : r.off+r.n]
	var sink uint32
	for i := 0; i < len(c); i += 64 {
		sink += uint32(c[i])
	}
	if len(c) > 0 {
		sink += uint32(c[len(c)-1])
	}
	return sink
}

// apply merges a row Add gathered.
func (t *Table) apply(p *pendingAdd) {
	gkey := t.pbuf[p.start:p.gend]
	key, kh := t.pbuf[p.gend:p.end], p.kh
	level := p.level
	gi := t.findGroup(p.gh, gkey)
	if gi >= 0 {
		if grp := &t.groups[gi]; level > grp.level {
			t.raise(gi, level)
		}
		level = t.groups[gi].level
	}
	if level != exact {
		t.res, t.par = decodeIdentifierKey(key, t.res[:0], t.par[:0])
		t.normalize(level)
		t.kb = appendIdentifierKey(t.kb[:0], t.res, t.par)
		key, kh = t.kb, entryHash(p.gh, level, t.kb)
	}
	t.addKey(gi, gkey, p.gh, level, key, kh, p.count, p.first, p.last)
}

// add merges one row, given by its group key and hash, identifiers,
// declared level and counts.
func (t *Table) add(gkey []byte, gh uint64, res []Resource, par []Param, level int8, count, first, last int64) {
	gi := t.findGroup(gh, gkey)
	if gi >= 0 {
		if grp := &t.groups[gi]; level > grp.level {
			t.raise(gi, level)
		}
		level = t.groups[gi].level
	}
	t.res = append(t.res[:0], res...)
	t.par = append(t.par[:0], par...)
	t.normalize(level)
	t.kb = appendIdentifierKey(t.kb[:0], t.res, t.par)
	t.addKey(gi, gkey, gh, level, t.kb, entryHash(gh, level, t.kb), count, first, last)
}

// addKey merges a row given by its group (gi, or -1 for a new one with
// key gkey and hash gh), level, normalized identifier key and its hash.
func (t *Table) addKey(gi int32, gkey []byte, gh uint64, level int8, key []byte, kh uint64, count, first, last int64) {
	if gi >= 0 {
		ei, at := t.findKey(kh, gi, level, key)
		if ei >= 0 {
			t.absorb(ei, count, first, last)
			return
		}
		t.insert(&at, gi, kh, level, key, count, first, last)
	} else {
		gi = t.newGroup(gh, gkey, level)
		t.insert(nil, gi, kh, level, key, count, first, last)
	}
	if grp := &t.groups[gi]; int(grp.rows) > t.max && grp.level < dropped {
		t.raise(gi, grp.level+1)
	}
}

func (t *Table) absorb(ei int32, count, first, last int64) {
	t.saveEntry(ei)
	e := &t.entries[ei]
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
		// Cut values are built in t.cut, sized first so that it never
		// moves while strings point into it.
		n := 0
		for i := range t.res {
			n += len(t.res[i].ARN) + 1
		}
		for i := range t.par {
			n += len(t.par[i].Value) + 1
		}
		if cap(t.cut) < n {
			t.cut = make([]byte, 0, 2*n)
		}
		t.cut = t.cut[:0]
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

// coarse is coarsenValue built in t.cut, without allocating.
func (t *Table) coarse(s string) string {
	i := strings.IndexByte(s, '/')
	if i < 0 || s[i+1:] == "*" {
		return s
	}
	start := len(t.cut)
	t.cut = append(append(t.cut, s[:i+1]...), '*')
	return alias(t.cut[start:])
}

func (t *Table) findGroup(gh uint64, key []byte) int32 {
	p := t.groupKeys.lookup(gh)
	for gi := p.next(); gi >= 0; gi = p.next() {
		if bytes.Equal(t.garena.bytes(t.groups[gi].key), key) {
			return gi
		}
	}
	return -1
}

// findKey returns the live entry with the key, or -1 and the probe that
// insert then takes, so that inserting a new key probes the index once.
func (t *Table) findKey(kh uint64, gi int32, level int8, key []byte) (int32, probe) {
	p := t.keys.lookup(kh)
	for ei := p.next(); ei >= 0; ei = p.next() {
		e := &t.entries[ei]
		if e.group == gi && e.level == level && bytes.Equal(t.arena.bytes(e.key), key) {
			return ei, p
		}
	}
	return -1, p
}

func (t *Table) newGroup(gh uint64, key []byte, level int8) int32 {
	gi := int32(len(t.groups))
	t.groups = append(t.groups, group{
		key:   t.garena.copy(key),
		hash:  gh,
		first: -1,
		level: level,
	})
	t.groupKeys.add(gh, gi)
	return gi
}

// insert adds a new entry; key is the normalized identifier key. at is
// the probe of the findKey that did not find it, or nil.
func (t *Table) insert(at *probe, gi int32, kh uint64, level int8, key []byte, count, first, last int64) {
	ei := int32(len(t.entries))
	g := &t.groups[gi]
	t.entries = append(t.entries, entry{
		key:       t.arena.copy(key),
		count:     count,
		first:     first,
		last:      last,
		hash:      kh,
		group:     gi,
		groupNext: g.first,
		level:     level,
	})
	if at != nil {
		at.insert(ei)
	} else {
		t.keys.add(kh, ei)
	}
	g.first = ei
	g.rows++
	t.live++
}

// raise coarsens group gi to at least level to, merging the entries that
// become equal, and further while it still holds more than max sets.
func (t *Table) raise(gi int32, to int8) {
	t.saveGroup(gi)
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
		gh := g.hash
		for _, ei := range t.members {
			e := &t.entries[ei]
			count, first, last := e.count, e.first, e.last
			t.res, t.par = decodeIdentifierKey(t.arena.bytes(e.key), t.res[:0], t.par[:0])
			t.normalize(to)
			t.kb = appendIdentifierKey(t.kb[:0], t.res, t.par)
			kh := entryHash(gh, to, t.kb)
			if x, at := t.findKey(kh, gi, to, t.kb); x >= 0 {
				t.absorb(x, count, first, last)
			} else {
				t.insert(&at, gi, kh, to, t.kb, count, first, last)
			}
		}
		g = &t.groups[gi]
		if int(g.rows) <= t.max || to >= dropped {
			return
		}
		to++
	}
}

// unlink removes entry ei from the key index and marks it dead.
func (t *Table) unlink(ei int32) {
	t.saveEntry(ei)
	e := &t.entries[ei]
	t.keys.remove(e.hash, ei)
	e.dead = true
	e.groupNext = -1
	t.live--
	t.dead++
}

// maybeCompact reclaims dead entries, and the arena memory only they used,
// once they outnumber live ones, so that memory follows live rows. It
// waits for the end of a transaction, whose undo log names entries by
// position.
func (t *Table) maybeCompact() {
	if t.open || t.dead < 4096 || t.dead < t.live {
		return
	}
	oldEntries, oldGroups := t.entries, t.groups
	t.entries = make([]entry, 0, t.live)
	t.groups = make([]group, 0, len(oldGroups))
	t.keys = hashIndex{}
	t.groupKeys = hashIndex{}
	old, oldG := t.arena, t.garena
	t.arena, t.garena = arena{}, arena{}
	t.live, t.dead = 0, 0
	for i := range oldGroups {
		og := &oldGroups[i]
		gi := t.newGroup(og.hash, oldG.bytes(og.key), og.level)
		for ei := og.first; ei >= 0; ei = oldEntries[ei].groupNext {
			e := &oldEntries[ei]
			t.insert(nil, gi, e.hash, e.level, old.bytes(e.key), e.count, e.first, e.last)
		}
	}
}

// Merge adds every row of o into t. o is left unchanged.
func (t *Table) Merge(o *Table) {
	t.flushAdds()
	if o == t {
		return
	}
	o.flushAdds()
	for i := range o.groups {
		og := &o.groups[i]
		gkey := o.garena.bytes(og.key)
		for ei := og.first; ei >= 0; ei = o.entries[ei].groupNext {
			e := &o.entries[ei]
			key := o.arena.bytes(e.key)
			gi := t.findGroup(og.hash, gkey)
			if gi < 0 {
				gi = t.newGroup(og.hash, gkey, e.level)
				t.insert(nil, gi, e.hash, e.level, key, e.count, e.first, e.last)
				continue
			}
			if t.groups[gi].level == e.level {
				// Same seed, same group, same level: o's key hash is t's.
				x, at := t.findKey(e.hash, gi, e.level, key)
				if x >= 0 {
					t.absorb(x, e.count, e.first, e.last)
					continue
				}
				if t.groups[gi].rows < int32(t.max) {
					t.insert(&at, gi, e.hash, e.level, key, e.count, e.first, e.last)
					continue
				}
			}
			// Not t.res and t.par: add uses those while it reads these.
			t.mres, t.mpar = decodeIdentifierKey(key, t.mres[:0], t.mpar[:0])
			t.add(gkey, og.hash, t.mres, t.mpar, e.level, e.count, e.first, e.last)
		}
	}
	t.maybeCompact()
}

// Reset empties the table, keeping its allocations for reuse. Rows returned
// before stay valid.
func (t *Table) Reset() {
	t.pending = t.pending[:0]
	t.pbuf = t.pbuf[:0]
	// A map cleared in place keeps its capacity and clearing costs that
	// capacity every time; a small table that once grew large is replaced.
	t.keys.reset()
	t.groupKeys.reset()
	if len(t.entries) > 1<<14 {
		t.entries, t.groups = nil, nil
	} else {
		t.entries = t.entries[:0]
		t.groups = t.groups[:0]
	}
	t.arena, t.garena = arena{}, arena{}
	t.live, t.dead = 0, 0
	t.open = false
}

// Size is about the memory the table holds, in bytes.
func (t *Table) Size() int {
	t.flushAdds()
	return t.arena.size() + t.garena.size() + cap(t.pbuf) +
		cap(t.entries)*int(unsafe.Sizeof(entry{})) +
		cap(t.groups)*int(unsafe.Sizeof(group{})) +
		(len(t.keys.slots)+len(t.groupKeys.slots))*int(unsafe.Sizeof(hslot{}))
}

// Len is the number of rows.
func (t *Table) Len() int {
	t.flushAdds()
	return t.live
}

// Rows returns the rows in canonical order (the order they are stored in).
// The rows share the table's immutable strings.
func (t *Table) Rows() []Row {
	out := make([]Row, 0, t.live)
	for r := range t.All() {
		out = append(out, *r)
	}
	return out
}

// All yields the rows in canonical order without copying them all at once.
// The *Row is reused between iterations; its strings and slices stay
// valid. The table must not change during the iteration.
func (t *Table) All() iter.Seq[*Row] {
	return func(yield func(*Row) bool) {
		c := t.cursor(t.sortedView())
		for r := c.peek(); r != nil; r = c.peek() {
			if !yield(r) {
				return
			}
			c.advance()
		}
	}
}

// sortedView is the canonical order of a table's rows: groups by key, the
// entries of each by level and key.
type sortedView struct {
	groups  []int32 // group indexes, in order
	members []int32 // entries, group after group, in order
	ends    []int32 // groups[i]'s entries end at members[ends[i]]
}

// sortedView sorts the table's rows. It changes nothing but its own table
// (it applies the rows Add gathered), so views of
// several tables can be computed at once.
func (t *Table) sortedView() sortedView {
	t.flushAdds()
	var v sortedView
	v.groups = make([]int32, 0, len(t.groups))
	for i := range t.groups {
		if t.groups[i].rows > 0 {
			v.groups = append(v.groups, int32(i))
		}
	}
	slices.SortFunc(v.groups, func(a, b int32) int {
		return bytes.Compare(t.garena.bytes(t.groups[a].key), t.garena.bytes(t.groups[b].key))
	})
	// Entries by group, in one pass over the entries rather than a walk
	// of each group's chain, which would jump all over them.
	rank := make([]int32, len(t.groups))
	v.ends = make([]int32, len(v.groups))
	for r, gi := range v.groups {
		rank[gi] = int32(r)
	}
	for i := range t.entries {
		if e := &t.entries[i]; !e.dead {
			v.ends[rank[e.group]]++
		}
	}
	next := make([]int32, len(v.groups))
	n := int32(0)
	for r := range v.ends {
		next[r] = n
		n += v.ends[r]
		v.ends[r] = n
	}
	v.members = make([]int32, n)
	for i := range t.entries {
		if e := &t.entries[i]; !e.dead {
			r := rank[e.group]
			v.members[next[r]] = int32(i)
			next[r]++
		}
	}
	start := int32(0)
	for _, end := range v.ends {
		if m := v.members[start:end]; len(m) > 1 {
			slices.SortFunc(m, func(a, b int32) int {
				ea, eb := &t.entries[a], &t.entries[b]
				if ea.level != eb.level {
					return int(ea.level) - int(eb.level)
				}
				return bytes.Compare(t.arena.bytes(ea.key), t.arena.bytes(eb.key))
			})
		}
		start = end
	}
	return v
}

// tableCursor walks a table's rows in the order of a sorted view, as a
// rowSource, or group by group (group). Rows it hands out keep
// their strings (the table's arena) and slices (cut from chunks never
// written again) valid.
type tableCursor struct {
	t      *Table
	v      sortedView
	g      int // position in v.groups
	m      int // position in v.members
	row    Row
	grp    Row // the group fields of v.groups[g]
	ok     bool
	loaded bool // row and ok are the row at m
	res    []Resource
	par    []Param
	seen   bool // grp holds v.groups[g]
}

func (t *Table) cursor(v sortedView) *tableCursor {
	return &tableCursor{t: t, v: v}
}

func (c *tableCursor) peek() *Row {
	if !c.loaded {
		c.load()
	}
	if !c.ok {
		return nil
	}
	return &c.row
}

func (c *tableCursor) advance() {
	c.m++
	c.loaded = false
}

func (c *tableCursor) err() error { return nil }

// group returns the group at the cursor and its entries not yet passed,
// or ok false at the end.
func (c *tableCursor) group() (gi int32, members []int32, ok bool) {
	for c.g < len(c.v.groups) && c.m >= int(c.v.ends[c.g]) {
		c.g++
		c.seen = false
	}
	if c.g >= len(c.v.groups) {
		return 0, nil, false
	}
	return c.v.groups[c.g], c.v.members[c.m:c.v.ends[c.g]], true
}

// load makes c.row the row at c.m.
func (c *tableCursor) load() {
	c.loaded = true
	if c.m >= len(c.v.members) {
		c.ok = false
		return
	}
	for c.m >= int(c.v.ends[c.g]) {
		c.g++
		c.seen = false
	}
	t := c.t
	if !c.seen {
		decodeGroupKey(t.garena.bytes(t.groups[c.v.groups[c.g]].key), &c.grp)
		c.seen = true
	}
	e := &t.entries[c.v.members[c.m]]
	r := &c.row
	*r = c.grp
	if cap(c.res)-len(c.res) < 8 {
		c.res = make([]Resource, 0, 512)
	}
	if cap(c.par)-len(c.par) < 8 {
		c.par = make([]Param, 0, 512)
	}
	res, par := decodeIdentifierKey(t.arena.bytes(e.key), c.res[len(c.res):], c.par[len(c.par):])
	if len(res) > 0 {
		r.Resources = res[:len(res):len(res)]
	}
	if len(par) > 0 {
		r.Params = par[:len(par):len(par)]
	}
	// Past what was handed out; appends that outgrew the chunk left
	// it for a new array, which the next check replaces if full.
	c.res, c.par = res[len(res):], par[len(par):]
	r.Coarsened = e.level
	r.Count, r.FirstSeen, r.LastSeen = e.count, e.first, e.last
	c.ok = true
}

// days calls fn with the day of every group that has rows.
func (t *Table) days(fn func(int32)) {
	t.flushAdds()
	for i := range t.groups {
		if t.groups[i].rows > 0 {
			fn(groupKeyDay(t.garena.bytes(t.groups[i].key)))
		}
	}
}

// arena holds keys in chunks that are never reused, so that strings
// aliasing them stay valid for as long as they are referenced. Keys are
// named by position (aref) rather than by slice, which keeps entries free
// of pointers: the garbage collector never scans them, and growing the
// entry array is a plain copy.
type arena struct {
	chunks [][]byte
}

// aref names a key in an arena.
type aref struct {
	chunk, off, n uint32
}

const (
	arenaMinChunk = 16 << 10
	arenaMaxChunk = 1 << 20
)

func (a *arena) copy(b []byte) aref {
	last := len(a.chunks) - 1
	if last < 0 || cap(a.chunks[last])-len(a.chunks[last]) < len(b) {
		size := arenaMinChunk
		if last >= 0 {
			size = min(2*cap(a.chunks[last]), arenaMaxChunk)
		}
		a.chunks = append(a.chunks, make([]byte, 0, max(size, len(b))))
		last++
	}
	c := a.chunks[last]
	start := len(c)
	a.chunks[last] = append(c, b...)
	return aref{chunk: uint32(last), off: uint32(start), n: uint32(len(b))}
}

func (a *arena) bytes(r aref) []byte {
	return a.chunks[r.chunk][r.off : r.off+r.n : r.off+r.n]
}

// size is the memory the arena holds.
func (a *arena) size() int {
	n := 0
	for _, c := range a.chunks {
		n += cap(c)
	}
	return n
}

// arenaMark is a position in an arena to go back to.
type arenaMark struct {
	chunks int
	n      int // bytes used in the last of them
}

func (a *arena) mark() arenaMark {
	if len(a.chunks) == 0 {
		return arenaMark{}
	}
	return arenaMark{chunks: len(a.chunks), n: len(a.chunks[len(a.chunks)-1])}
}

// rewind frees what was copied since m for reuse. Nothing copied since m
// may be referenced any more.
func (a *arena) rewind(m arenaMark) {
	clear(a.chunks[m.chunks:])
	a.chunks = a.chunks[:m.chunks]
	if m.chunks > 0 {
		a.chunks[m.chunks-1] = a.chunks[m.chunks-1][:m.n]
	}
}
