package store

// Transactions let one table aggregate file after file while each file
// counts entirely or not at all: rows are added straight into the table
// and a file that fails half way is taken back, rather than aggregated
// into a table of its own and merged (which costs a second insertion of
// every row).
//
// The undo log records what a transaction changed of what existed before
// it: the counts and first/last seen of entries it added to, entries and
// group levels that coarsening changed. Entries, groups and arena bytes it
// created are simply cut off, and Discard rebuilds the hash indexes. It
// grows with the distinct rows the transaction touched, never with its
// events.

type undoLog struct {
	entries, groups int // table sizes at Begin
	live, dead      int
	arena, garena   arenaMark
	savedEntries    []savedEntry
	savedGroups     []savedGroup
}

type savedEntry struct {
	i           int32
	count       int64
	first, last int64
	dead        bool
}

type savedGroup struct {
	i     int32
	level int8
}

// Begin starts a transaction: Discard takes back every row added from now
// on, Keep keeps them. Transactions do not nest; Begin while one is open
// keeps the open one's rows first.
func (t *Table) Begin() {
	t.flushAdds()
	if t.open {
		t.Keep()
	}
	t.txn++
	if t.txn == 0 {
		// Entries remember the transaction that saved them: after a wrap
		// around, forget all of them.
		for i := range t.entries {
			t.entries[i].saved = 0
		}
		for i := range t.groups {
			t.groups[i].saved = 0
		}
		t.txn = 1
	}
	t.open = true
	t.undo = undoLog{
		entries:      len(t.entries),
		groups:       len(t.groups),
		live:         t.live,
		dead:         t.dead,
		arena:        t.arena.mark(),
		garena:       t.garena.mark(),
		savedEntries: t.undo.savedEntries[:0],
		savedGroups:  t.undo.savedGroups[:0],
	}
}

// Keep ends the transaction, keeping its rows.
func (t *Table) Keep() {
	t.flushAdds()
	if !t.open {
		return
	}
	t.open = false
	t.undo.savedEntries = t.undo.savedEntries[:0]
	t.undo.savedGroups = t.undo.savedGroups[:0]
	t.maybeCompact()
}

// Discard ends the transaction, taking back every row added since Begin:
// the table is then what it was before Begin, row for row.
func (t *Table) Discard() {
	if !t.open {
		return
	}
	// Rows not applied yet are the transaction's: they are dropped.
	t.pending = t.pending[:0]
	t.pbuf = t.pbuf[:0]
	t.open = false
	u := &t.undo
	for i := len(u.savedEntries) - 1; i >= 0; i-- {
		s := &u.savedEntries[i]
		e := &t.entries[s.i]
		e.count, e.first, e.last, e.dead = s.count, s.first, s.last, s.dead
	}
	for i := len(u.savedGroups) - 1; i >= 0; i-- {
		s := &u.savedGroups[i]
		t.groups[s.i].level = s.level
	}
	clear(t.entries[u.entries:])
	t.entries = t.entries[:u.entries]
	clear(t.groups[u.groups:])
	t.groups = t.groups[:u.groups]
	t.arena.rewind(u.arena)
	t.garena.rewind(u.garena)
	t.reindex()
	if t.live != u.live || t.dead != u.dead {
		panic("store: Discard did not restore the table") // a bug, never input
	}
	u.savedEntries = u.savedEntries[:0]
	u.savedGroups = u.savedGroups[:0]
}

// saveEntry records entry ei's state before the open transaction first
// changes it, if the entry is older than the transaction.
func (t *Table) saveEntry(ei int32) {
	if !t.open || int(ei) >= t.undo.entries {
		return
	}
	e := &t.entries[ei]
	if e.saved == t.txn {
		return
	}
	e.saved = t.txn
	t.undo.savedEntries = append(t.undo.savedEntries, savedEntry{i: ei, count: e.count, first: e.first, last: e.last, dead: e.dead})
}

func (t *Table) saveGroup(gi int32) {
	if !t.open || int(gi) >= t.undo.groups {
		return
	}
	g := &t.groups[gi]
	if g.saved == t.txn {
		return
	}
	g.saved = t.txn
	t.undo.savedGroups = append(t.undo.savedGroups, savedGroup{i: gi, level: g.level})
}

// reindex rebuilds the hash indexes and the group chains from the entries
// and groups.
func (t *Table) reindex() {
	t.keys.reset()
	t.groupKeys.reset()
	t.live, t.dead = 0, 0
	for gi := range t.groups {
		g := &t.groups[gi]
		g.first, g.rows = -1, 0
		t.groupKeys.add(g.hash, int32(gi))
	}
	for ei := range t.entries {
		e := &t.entries[ei]
		if e.dead {
			e.groupNext = -1
			t.dead++
			continue
		}
		t.keys.add(e.hash, int32(ei))
		g := &t.groups[e.group]
		e.groupNext = g.first
		g.first = int32(ei)
		g.rows++
		t.live++
	}
}
