package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"unsafe"
)

// A commit's new months (those the store has no file of) come from the
// run's tables alone, which sortedView has sorted. Their rows are first
// put in canonical order as references into the tables (monthOfTables),
// which gives every row a position; then row group k is rows
// [k·usageRowGroupRows, (k+1)·usageRowGroupRows), and row groups are
// filled and their columns encoded by all the workers at once
// (writeRowGroups). Which rows make a row group depends on the rows
// alone, so the file is the same bytes whatever the number of cores.

// writeMonthOfTables writes the rows before end of sorted tables, a month
// the store has no file of, to a new data file.
func writeMonthOfTables(ctx context.Context, dir, month string, end int32, maxSets int, cursors []*tableCursor) (usageFile, error) {
	rows, err := monthRowsOf(ctx, cursors, end, maxSets)
	if err != nil {
		return usageFile{}, err
	}
	if rows.n == 0 {
		return usageFile{}, fmt.Errorf("write usage %s: no rows", month)
	}
	w, err := newUsageWriter(dir, month)
	if err != nil {
		return usageFile{}, err
	}
	defer w.discard()
	if err := w.writeRowGroups(ctx, rows.n, rows.fill); err != nil {
		return usageFile{}, err
	}
	return w.finish()
}

// monthOfTables is the rows of one month of sorted tables in canonical
// order, which fill copies into row groups by position.
type monthOfTables struct {
	n int
	// One table: the members of a range of its groups, from m0.
	one groupRange
	m0  int
	// Several: the rows of the union, part after part; part i starts at
	// row starts[i].
	parts  [][]keyedRow
	starts []int
}

// keyedRow is a row given by its group key and identifier key.
type keyedRow struct {
	gkey, key          []byte
	level              int8
	count, first, last int64
}

// monthRowsOf takes the rows before end from the cursors, which it moves
// past them.
func monthRowsOf(ctx context.Context, cursors []*tableCursor, end int32, maxSets int) (*monthOfTables, error) {
	// The month's groups of each table: [lo, hi) of its view.
	var ranges []groupRange
	for _, c := range cursors {
		if _, _, ok := c.group(); !ok {
			continue
		}
		t, v := c.t, &c.v
		g0 := c.g
		g1 := g0 + sort.Search(len(v.groups)-g0, func(i int) bool {
			return groupKeyDay(t.garena.bytes(t.groups[v.groups[g0+i]].key)) >= end
		})
		if g1 > g0 {
			ranges = append(ranges, groupRange{t: t, v: v, lo: g0, hi: g1})
		}
		if g1 > 0 {
			c.m, c.g, c.seen, c.loaded = int(v.ends[g1-1]), g1, false, false
		}
	}
	m := &monthOfTables{}
	switch len(ranges) {
	case 0:
		return m, nil
	case 1:
		// A table's groups are final: its rows as they are.
		r := ranges[0]
		m.one = r
		m.m0 = r.start(r.lo)
		m.n = int(r.v.ends[r.hi-1]) - m.m0
		return m, nil
	}
	// Several tables: merged part by part, the parts split at group keys
	// of the largest table, on as many goroutines as there are cores.
	largest := ranges[0]
	for _, r := range ranges[1:] {
		if r.hi-r.lo > largest.hi-largest.lo {
			largest = r
		}
	}
	nparts := min(4*runtime.GOMAXPROCS(0), largest.hi-largest.lo)
	splits := make([][]byte, 0, nparts-1)
	for i := 1; i < nparts; i++ {
		splits = append(splits, largest.key(largest.lo+(largest.hi-largest.lo)*i/nparts))
	}
	parts := make([][]groupRange, nparts)
	for p := range parts {
		for _, r := range ranges {
			sub := r
			if p > 0 {
				sub.lo = r.search(splits[p-1])
			}
			if p < nparts-1 {
				sub.hi = r.search(splits[p])
			}
			if sub.lo < sub.hi {
				parts[p] = append(parts[p], sub)
			}
		}
	}
	m.parts = make([][]keyedRow, nparts)
	errs := make([]error, nparts)
	var next atomic.Int32
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), nparts) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := int(next.Add(1)) - 1; p < nparts; p = int(next.Add(1)) - 1 {
				m.parts[p], errs[p] = mergeRanges(ctx, parts[p], maxSets)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, p := range m.parts {
		m.starts = append(m.starts, m.n)
		m.n += len(p)
	}
	return m, nil
}

// groupRange is groups [lo, hi) of a table's sorted view.
type groupRange struct {
	t      *Table
	v      *sortedView
	lo, hi int
}

func (r groupRange) key(g int) []byte { return r.t.garena.bytes(r.t.groups[r.v.groups[g]].key) }

// start is the position in v.members of group g's first entry.
func (r groupRange) start(g int) int {
	if g == 0 {
		return 0
	}
	return int(r.v.ends[g-1])
}

// search is the first group of the range whose key is key or after it.
func (r groupRange) search(key []byte) int {
	return r.lo + sort.Search(r.hi-r.lo, func(i int) bool { return bytes.Compare(r.key(r.lo+i), key) >= 0 })
}

// mergeRanges merges the groups of several tables' ranges, which cover the
// same span of keys, into rows in canonical order.
func mergeRanges(ctx context.Context, ranges []groupRange, maxSets int) ([]keyedRow, error) {
	size := 0
	for _, r := range ranges {
		size += int(r.v.ends[r.hi-1]) - r.start(r.lo)
	}
	out := make([]keyedRow, 0, size)
	var (
		parts []tablePart
		gt    *Table
		grp   Row
		row   Row
		n     int
	)
	for {
		parts = parts[:0]
		var first []byte
		for i := range ranges {
			r := &ranges[i]
			if r.lo == r.hi {
				continue
			}
			key := r.key(r.lo)
			if len(parts) > 0 {
				if k := bytes.Compare(key, first); k > 0 {
					continue
				} else if k < 0 {
					parts = parts[:0]
				}
			}
			first = key
			parts = append(parts, tablePart{r: r, level: r.t.groups[r.v.groups[r.lo]].level, members: r.v.members[r.start(r.lo):r.v.ends[r.lo]]})
		}
		if len(parts) == 0 {
			return out, nil
		}
		var ok bool
		if len(parts) == 1 {
			t := parts[0].r.t
			for _, ei := range parts[0].members {
				e := &t.entries[ei]
				out = append(out, keyedRow{gkey: first, key: t.arena.bytes(e.key), level: e.level, count: e.count, first: e.first, last: e.last})
			}
		} else if out, ok = unionByKeys(first, parts, maxSets, out); !ok {
			// Levels differ, or the union passes the bound: a Table
			// reapplies it. Its keys are never reused after Reset.
			if gt == nil {
				gt = NewTable(TableOptions{MaxResourceSets: maxSets})
			}
			gt.Reset()
			decodeGroupKey(first, &grp)
			for _, p := range parts {
				for _, ei := range p.members {
					e := &p.r.t.entries[ei]
					row = grp
					row.Resources, row.Params = decodeIdentifierKey(p.r.t.arena.bytes(e.key), nil, nil)
					row.Coarsened, row.Count, row.FirstSeen, row.LastSeen = e.level, e.count, e.first, e.last
					gt.Add(&row)
				}
			}
			v := gt.sortedView()
			gkey := gt.garena.bytes(gt.groups[v.groups[0]].key)
			for _, ei := range v.members {
				e := &gt.entries[ei]
				out = append(out, keyedRow{gkey: gkey, key: gt.arena.bytes(e.key), level: e.level, count: e.count, first: e.first, last: e.last})
			}
		}
		for _, p := range parts {
			n += len(p.members)
			p.r.lo++
		}
		if n >= 4096 {
			n = 0
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
}

// tablePart is the entries of one group in one table, at the group's level.
type tablePart struct {
	r       *groupRange
	level   int8
	members []int32
}

// unionByKeys appends the rows of one group held by several tables, all
// sorted by identifier key: what a Table would make of them when they are
// of one level and their distinct identifier sets fit the bound. It
// reports false, leaving out as it was, otherwise.
func unionByKeys(gkey []byte, parts []tablePart, maxSets int, out []keyedRow) ([]keyedRow, bool) {
	level := parts[0].level
	for _, p := range parts[1:] {
		if p.level != level {
			return out, false
		}
	}
	start := len(out)
	var pos [8]int
	if len(parts) > len(pos) {
		return out, false
	}
	for {
		var least []byte
		for i, p := range parts {
			if pos[i] == len(p.members) {
				continue
			}
			key := p.r.t.arena.bytes(p.r.t.entries[p.members[pos[i]]].key)
			if least == nil || bytes.Compare(key, least) < 0 {
				least = key
			}
		}
		if least == nil {
			return out, true
		}
		if len(out)-start == maxSets {
			clear(out[start:])
			return out[:start], false
		}
		r := keyedRow{gkey: gkey, key: least, level: level, first: math.MaxInt64, last: math.MinInt64}
		for i, p := range parts {
			if pos[i] == len(p.members) {
				continue
			}
			e := &p.r.t.entries[p.members[pos[i]]]
			if bytes.Equal(p.r.t.arena.bytes(e.key), least) {
				r.count += e.count
				r.first = min(r.first, e.first)
				r.last = max(r.last, e.last)
				pos[i]++
			}
		}
		out = append(out, r)
	}
}

// fill copies rows [start, end) into b.
func (m *monthOfTables) fill(b *rowGroupBuf, start, end int) {
	if m.parts != nil {
		p := sort.Search(len(m.starts), func(i int) bool { return m.starts[i] > start }) - 1
		for r := start; r < end; {
			rows := m.parts[p][r-m.starts[p]:]
			rows = rows[:min(len(rows), end-r)]
			for i := range rows {
				k := &rows[i]
				b.addKeyed(k.gkey, k.key, k.level, k.count, k.first, k.last)
			}
			r += len(rows)
			p++
		}
		return
	}
	rg := m.one
	t, v := rg.t, rg.v
	lo, hi := m.m0+start, m.m0+end
	g := rg.lo + sort.Search(rg.hi-rg.lo, func(i int) bool { return int(v.ends[rg.lo+i]) > lo })
	gkey := rg.key(g)
	for r := lo; r < hi; r++ {
		if int(v.ends[g]) <= r {
			g++
			gkey = rg.key(g)
		}
		e := &t.entries[v.members[r]]
		b.addKeyed(gkey, t.arena.bytes(e.key), e.level, e.count, e.first, e.last)
	}
}

// addKeyed appends a row given by its keys; a group key that is not the
// one of the row before (the same memory) starts a run.
func (b *rowGroupBuf) addKeyed(gkey, key []byte, level int8, count, first, last int64) {
	if b.rows == 0 || unsafe.SliceData(gkey) != unsafe.SliceData(b.lastGroupKey) || len(gkey) != len(b.lastGroupKey) {
		b.pushGroupKey(gkey)
		b.lastGroupKey = gkey
	}
	b.res, b.par = decodeIdentifierKey(b.ikeys.copy(key), b.res, b.par)
	b.endRow(level, count, first, last)
	b.count0 += count
}

// rowGroupJob is one row group of writeRowGroups on its way to the file.
type rowGroupJob struct {
	buf     *rowGroupBuf
	set     *chunkSet
	filled  bool
	next    int // next column to hand out
	pending int // columns not encoded yet
}

// writeRowGroups writes n rows, in row groups of usageRowGroupRows, which
// fill copies into buffers: the workers fill row groups and encode their
// columns, the oldest row group's columns first, at most as many row
// groups at once as there are workers, and row groups go to the file in
// order as they are done.
func (w *usageWriter) writeRowGroups(ctx context.Context, n int, fill func(b *rowGroupBuf, start, end int)) error {
	R := int(usageRowGroupRows)
	total := (n + R - 1) / R
	var (
		mu       sync.Mutex
		cond     = sync.NewCond(&mu)
		jobs     []*rowGroupJob // in flight, oldest first
		nextFill int
		written  int
		failed   error
	)
	writeDone := func() {
		// Called with mu held: the oldest row groups that are done go to
		// the file.
		for len(jobs) > 0 && jobs[0].filled && jobs[0].pending == 0 && failed == nil {
			j := jobs[0]
			jobs = jobs[1:]
			if err := w.writeRowGroup(&encodedRowGroup{buf: j.buf, set: j.set}); err != nil {
				failed = err
			}
			w.info.Rows += int64(j.buf.rows)
			w.info.Count += j.buf.count0
			if written == 0 {
				w.info.FirstDay = j.buf.day[0]
			}
			w.info.LastDay = j.buf.day[len(j.buf.day)-1]
			j.buf.reset()
			w.spareBufs = append(w.spareBufs, j.buf)
			written++
		}
		cond.Broadcast()
	}
	work := func() {
		mu.Lock()
		defer mu.Unlock()
		for {
			if failed != nil || written == total {
				return
			}
			var task *rowGroupJob
			for _, j := range jobs {
				if j.filled && j.next < len(usageLeaves) {
					task = j
					break
				}
			}
			if task != nil {
				c := task.next
				task.next++
				mu.Unlock()
				encodeLeaf(task.buf, &usageLeaves[c], &task.set.chunks[c])
				mu.Lock()
				task.pending--
				if task.pending == 0 {
					writeDone()
				}
				continue
			}
			if nextFill < total && len(jobs) < w.workers {
				k := nextFill
				nextFill++
				j := &rowGroupJob{set: chunkSetPool.Get().(*chunkSet), pending: len(usageLeaves)}
				if l := len(w.spareBufs); l > 0 {
					j.buf, w.spareBufs = w.spareBufs[l-1], w.spareBufs[:l-1]
				} else {
					j.buf = rowGroupPool.Get().(*rowGroupBuf)
				}
				jobs = append(jobs, j)
				mu.Unlock()
				err := ctx.Err()
				if err == nil {
					fill(j.buf, k*R, min((k+1)*R, n))
				}
				mu.Lock()
				if err != nil && failed == nil {
					failed = err
				}
				j.filled = true
				cond.Broadcast()
				continue
			}
			cond.Wait()
		}
	}
	if w.workers <= 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range w.workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work()
			}()
		}
		wg.Wait()
	}
	for _, j := range jobs {
		j.buf.reset()
		w.spareBufs = append(w.spareBufs, j.buf)
		chunkSetPool.Put(j.set)
	}
	return failed
}
