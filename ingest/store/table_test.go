package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

func s3Row(day int32, role, event string, keys ...string) Row {
	r := Row{
		Day:         day,
		IdentityARN: "arn:aws:iam::111122223333:role/" + role,
		Account:     "111122223333",
		Region:      "us-east-1",
		EventSource: "s3.amazonaws.com",
		EventName:   event,
		Count:       1,
		FirstSeen:   int64(day)*86_400_000 + 1000,
		LastSeen:    int64(day)*86_400_000 + 1000,
	}
	for _, k := range keys {
		r.Resources = append(r.Resources, Resource{ARN: "arn:aws:s3:::" + k, Type: "AWS::S3::Object"})
		r.Params = append(r.Params, Param{Name: "key", Value: k[strings.IndexByte(k, '/')+1:]})
	}
	return r
}

func TestTableAdd(t *testing.T) {
	at := func(r Row, first, last int64) Row { r.FirstSeen, r.LastSeen = first, last; return r }
	tests := []struct {
		name string
		max  int
		in   []Row
		want []Row
	}{
		{
			name: "same key merges: count summed, first min, last max",
			in: []Row{
				at(s3Row(1, "r", "GetObject", "b/k"), 50, 60),
				at(s3Row(1, "r", "GetObject", "b/k"), 10, 20),
				at(s3Row(1, "r", "GetObject", "b/k"), 30, 90),
			},
			want: []Row{func() Row { r := at(s3Row(1, "r", "GetObject", "b/k"), 10, 90); r.Count = 3; return r }()},
		},
		{
			name: "identifiers are sorted and de-duplicated before keying",
			in: []Row{
				{Day: 1, EventName: "X", Count: 1, Resources: []Resource{{ARN: "b"}, {ARN: "a"}, {ARN: "b"}}, Params: []Param{{"n", "2"}, {"n", "1"}}},
				{Day: 1, EventName: "X", Count: 1, Resources: []Resource{{ARN: "a"}, {ARN: "b"}}, Params: []Param{{"n", "1"}, {"n", "2"}, {"n", "1"}}},
			},
			want: []Row{{Day: 1, EventName: "X", Count: 2, Resources: []Resource{{ARN: "a"}, {ARN: "b"}}, Params: []Param{{"n", "1"}, {"n", "2"}}}},
		},
		{
			name: "different days, outcomes and identifiers stay apart, in canonical order",
			in: []Row{
				s3Row(2, "r", "GetObject", "b/k"),
				func() Row { r := s3Row(1, "r", "GetObject", "b/k"); r.ErrorCode = "AccessDenied"; return r }(),
				s3Row(1, "r", "GetObject", "b/j"),
				s3Row(1, "r", "GetObject", "b/k"),
			},
			want: []Row{
				s3Row(1, "r", "GetObject", "b/j"),
				s3Row(1, "r", "GetObject", "b/k"),
				func() Row { r := s3Row(1, "r", "GetObject", "b/k"); r.ErrorCode = "AccessDenied"; return r }(),
				s3Row(2, "r", "GetObject", "b/k"),
			},
		},
		{
			name: "a group over the bound is cut after the first path segment",
			max:  2,
			in: []Row{
				s3Row(1, "r", "GetObject", "b/logs/1.gz"),
				s3Row(1, "r", "GetObject", "b/logs/2.gz"),
				s3Row(1, "r", "GetObject", "c/x"),
				s3Row(1, "r", "PutObject", "b/logs/3.gz"), // another group: untouched
			},
			want: []Row{
				func() Row {
					r := s3Row(1, "r", "GetObject", "b/*")
					r.Params[0].Value = "logs/*"
					r.Coarsened, r.Count = 1, 2
					return r
				}(),
				func() Row { r := s3Row(1, "r", "GetObject", "c/*"); r.Params[0].Value = "x"; r.Coarsened = 1; return r }(),
				s3Row(1, "r", "PutObject", "b/logs/3.gz"),
			},
		},
		{
			name: "once coarsened, new rows of the group are coarsened on insert",
			max:  1,
			in: []Row{
				s3Row(1, "r", "GetObject", "b/d/1"),
				s3Row(1, "r", "GetObject", "b/d/2"),
				s3Row(1, "r", "GetObject", "b/d/3"),
			},
			want: []Row{func() Row {
				r := s3Row(1, "r", "GetObject", "b/*")
				r.Params[0].Value = "d/*"
				r.Coarsened, r.Count = 1, 3
				return r
			}()},
		},
		{
			name: "a group still over the bound once cut drops its identifiers",
			max:  2,
			in: []Row{
				s3Row(1, "r", "GetObject", "a/1"),
				s3Row(1, "r", "GetObject", "b/1"),
				s3Row(1, "r", "GetObject", "c/1"),
				s3Row(1, "r", "GetObject", "c/2"),
			},
			want: []Row{func() Row { r := s3Row(1, "r", "GetObject"); r.Coarsened, r.Count = 2, 4; return r }()},
		},
		{
			name: "a declared level coarsens the whole group",
			in: []Row{
				s3Row(1, "r", "GetObject", "b/k/1"),
				func() Row {
					r := s3Row(1, "r", "GetObject", "b/*")
					r.Params[0].Value = "k/*"
					r.Coarsened = 1
					return r
				}(),
			},
			want: []Row{func() Row {
				r := s3Row(1, "r", "GetObject", "b/*")
				r.Params[0].Value = "k/*"
				r.Coarsened, r.Count = 1, 2
				return r
			}()},
		},
		{
			name: "values without a slash survive cutting",
			max:  2,
			in: []Row{
				{Day: 1, EventName: "DescribeInstances", Count: 1, Params: []Param{{"instanceId", "i-1"}}},
				{Day: 1, EventName: "DescribeInstances", Count: 1, Params: []Param{{"instanceId", "i-1"}, {"path", "/a/b"}}},
				{Day: 1, EventName: "DescribeInstances", Count: 1, Params: []Param{{"instanceId", "i-1"}, {"path", "/a/c"}}},
			},
			want: []Row{
				{Day: 1, EventName: "DescribeInstances", Count: 1, Coarsened: 1, Params: []Param{{"instanceId", "i-1"}}},
				{Day: 1, EventName: "DescribeInstances", Count: 2, Coarsened: 1, Params: []Param{{"instanceId", "i-1"}, {"path", "/*"}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := NewTable(TableOptions{MaxResourceSets: tt.max})
			for i := range tt.in {
				tab.Add(&tt.in[i])
			}
			got := tab.Rows()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows:\n%s\nwant:\n%s", dumpRows(got), dumpRows(tt.want))
			}
			if tab.Len() != len(tt.want) {
				t.Errorf("Len = %d, want %d", tab.Len(), len(tt.want))
			}
		})
	}
}

func TestCoarsenValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"arn:aws:s3:::bucket/a/b.txt", "arn:aws:s3:::bucket/*"},
		{"logs/2024/x.gz", "logs/*"},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/*"},
		{"arn:aws:s3:::bucket", "arn:aws:s3:::bucket"},
		{"arn:aws:iam::1:role/path/name", "arn:aws:iam::1:role/*"},
		{"/abs", "/*"},
		{"a/", "a/*"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := coarsenValue(tt.in)
			if got != tt.want {
				t.Errorf("coarsenValue(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := coarsenValue(got); again != got {
				t.Errorf("not idempotent: %q → %q", got, again)
			}
		})
	}
}

// TestTableAddCopies checks that Add keeps nothing of the caller's memory
// and does not reorder the caller's slices.
func TestTableAddCopies(t *testing.T) {
	buf := []byte("arn:aws:iam::1:role/r")
	res := []Resource{{ARN: "z"}, {ARN: "a"}}
	r := Row{Day: 1, IdentityARN: string(buf), Resources: res, Count: 1}
	// Alias the row's string to buf like a decoder reusing its buffer does.
	r.IdentityARN = unsafeString(buf)
	tab := NewTable(TableOptions{})
	tab.Add(&r)
	if res[0].ARN != "z" {
		t.Errorf("Add reordered the caller's slice: %v", res)
	}
	copy(buf, "XXXXXXXXXXXXXXXXXXXXX")
	res[0].ARN, res[1].ARN = "q", "q"
	got := tab.Rows()[0]
	if got.IdentityARN != "arn:aws:iam::1:role/r" || got.Resources[0].ARN != "a" || got.Resources[1].ARN != "z" {
		t.Errorf("row changed with the caller's memory: %+v", got)
	}
}

func TestTableAddDoesNotAllocateForExistingKey(t *testing.T) {
	tests := []struct {
		name string
		max  int
		rows []Row
	}{
		{name: "exact group", rows: []Row{s3Row(1, "r", "GetObject", "b/k", "c/k2")}},
		{name: "coarsened group", max: 1, rows: []Row{s3Row(1, "r", "GetObject", "b/k/1"), s3Row(1, "r", "GetObject", "b/k/2")}},
		{name: "dropped group", max: 1, rows: []Row{s3Row(1, "r", "GetObject", "b/1"), s3Row(1, "r", "GetObject", "c/2")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := NewTable(TableOptions{MaxResourceSets: tt.max})
			for i := range tt.rows {
				tab.Add(&tt.rows[i])
			}
			// A fresh copy with fresh strings, as a decoder would hand over.
			r := cloneRow(tt.rows[len(tt.rows)-1])
			allocs := testing.AllocsPerRun(1000, func() { tab.Add(&r) })
			if allocs != 0 {
				t.Errorf("Add of an existing key: %v allocations, want 0", allocs)
			}
			if tab.Len() != 1 && tt.max == 1 {
				t.Errorf("Len = %d", tab.Len())
			}
		})
	}
}

func TestTableResetAndReuse(t *testing.T) {
	tab := NewTable(TableOptions{})
	a := s3Row(1, "r", "GetObject", "b/k")
	tab.Add(&a)
	before := tab.Rows()
	tab.Reset()
	if tab.Len() != 0 || len(tab.Rows()) != 0 {
		t.Fatalf("after Reset: Len %d", tab.Len())
	}
	b := s3Row(2, "q", "PutObject", "c/other")
	tab.Add(&b)
	if !reflect.DeepEqual(before, []Row{a}) {
		t.Errorf("rows returned before Reset changed: %s", dumpRows(before))
	}
	if got := tab.Rows(); !reflect.DeepEqual(got, []Row{b}) {
		t.Errorf("after reuse: %s", dumpRows(got))
	}
}

// TestTableSplitMergeProperty checks the central promise of the size bound:
// however a stream of rows is split across tables and merged, in any order,
// the result is the one table that saw every row, and both equal a naive
// model of the rule.
func TestTableSplitMergeProperty(t *testing.T) {
	var levels [3]int
	defer func() {
		// The property means little unless the streams exercised every level.
		if levels[0] == 0 || levels[1] == 0 || levels[2] == 0 {
			t.Errorf("rows per coarsening level %v: the generator must reach every level", levels)
		}
	}()
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		max := 1 + rng.IntN(6)
		rows := randomRows(rng, 20+rng.IntN(300))
		opts := TableOptions{MaxResourceSets: max}

		one := NewTable(opts)
		for i := range rows {
			one.Add(&rows[i])
		}
		want := one.Rows()
		for _, r := range want {
			levels[r.Coarsened]++
		}
		if model := modelRows(rows, max); !reflect.DeepEqual(want, model) {
			t.Fatalf("seed %d max %d: table differs from the model:\n%s\nmodel:\n%s", seed, max, dumpRows(want), dumpRows(model))
		}

		parts := make([]*Table, 1+rng.IntN(5))
		for i := range parts {
			parts[i] = NewTable(opts)
		}
		for i := range rows {
			parts[rng.IntN(len(parts))].Add(&rows[i])
		}
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		// Merge pairwise in a random tree, sometimes through Rows+Add as
		// Commit does, sometimes through Merge as the pipeline does.
		for len(parts) > 1 {
			i := rng.IntN(len(parts) - 1)
			a, b := parts[i], parts[i+1]
			if rng.IntN(2) == 0 {
				a.Merge(b)
			} else {
				for _, r := range b.Rows() {
					a.Add(&r)
				}
			}
			parts = slices.Delete(parts, i+1, i+2)
		}
		if got := parts[0].Rows(); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d max %d: split and merged differs from one pass:\n%s\nwant:\n%s", seed, max, dumpRows(got), dumpRows(want))
		}

		// Coarsening is idempotent: re-adding the result changes nothing
		// but the counts, which double.
		again := NewTable(opts)
		for _, r := range want {
			again.Add(&r)
			again.Add(&r)
		}
		for i, r := range again.Rows() {
			w := want[i]
			w.Count *= 2
			if !reflect.DeepEqual(r, w) {
				t.Fatalf("seed %d: re-adding the result changed row %d: %+v, want %+v", seed, i, r, w)
			}
		}
	}
}

// TestTableCompacts checks that memory follows live rows: after a group
// with many exact sets is dropped to one row, the dead entries are reclaimed.
func TestTableCompacts(t *testing.T) {
	tab := NewTable(TableOptions{MaxResourceSets: 10_000})
	for i := range 30_000 {
		r := s3Row(1, "r", "GetObject", fmt.Sprintf("b%d/k%d", i, i))
		tab.Add(&r)
	}
	if tab.Len() != 1 {
		t.Fatalf("Len = %d, want 1 (dropped group)", tab.Len())
	}
	if len(tab.entries) > 1 {
		t.Errorf("%d entries kept for 1 live row", len(tab.entries))
	}
	if n := tab.arena.size(); n > arenaMinChunk {
		t.Errorf("%d arena bytes kept for 1 live row", n)
	}
	r := tab.Rows()[0]
	if r.Count != 30_000 || r.Coarsened != 2 || r.Resources != nil {
		t.Errorf("row after dropping: %+v", r)
	}
}

// randomRows draws rows from a small universe so that keys repeat, groups
// overflow small bounds, and cut values collide.
func randomRows(rng *rand.Rand, n int) []Row {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	out := make([]Row, n)
	for i := range out {
		r := Row{
			Day:         int32(19_000 + rng.IntN(2)),
			IdentityARN: pick("arn:aws:iam::1:role/a", "arn:aws:iam::1:user/b"),
			EventSource: "s3.amazonaws.com",
			EventName:   pick("GetObject", "PutObject", "ListBuckets"),
			ErrorCode:   pick("", "", "", "AccessDenied"),
			Shared:      rng.IntN(8) == 0,
			Count:       1 + rng.Int64N(3),
		}
		r.FirstSeen = int64(r.Day)*86_400_000 + rng.Int64N(86_400_000)
		r.LastSeen = r.FirstSeen + rng.Int64N(1000)
		for range rng.IntN(3) {
			r.Resources = append(r.Resources, Resource{
				ARN:  "arn:aws:s3:::" + pick("b1", "b2") + pick("", "/k1", "/k2", "/d/k3", "/*"),
				Type: pick("AWS::S3::Object", "AWS::S3::Bucket"),
			})
		}
		for range rng.IntN(3) {
			r.Params = append(r.Params, Param{Name: pick("key", "bucketName"), Value: pick("x", "logs/1", "logs/2", "a/b/c")})
		}
		out[i] = r
	}
	return out
}

// modelRows is the size bound written as plainly as possible: per group,
// the smallest level at or above every declared level whose distinct cut
// identifier sets fit the bound.
func modelRows(rows []Row, bound int) []Row {
	type agg struct{ r Row }
	groups := map[string][]Row{}
	for _, r := range rows {
		g := r
		g.Resources, g.Params, g.Coarsened, g.Count, g.FirstSeen, g.LastSeen = nil, nil, 0, 0, 0, 0
		k := fmt.Sprintf("%#v", g)
		groups[k] = append(groups[k], r)
	}
	var out []Row
	for _, rs := range groups {
		level := int8(0)
		for _, r := range rs {
			level = max8(level, r.Coarsened)
		}
		for {
			sets := map[string]*agg{}
			for _, r := range rs {
				c := modelCoarsen(r, level)
				k := fmt.Sprintf("%#v%#v", c.Resources, c.Params)
				if a, ok := sets[k]; ok {
					a.r.Count += c.Count
					a.r.FirstSeen = min(a.r.FirstSeen, c.FirstSeen)
					a.r.LastSeen = max(a.r.LastSeen, c.LastSeen)
				} else {
					sets[k] = &agg{c}
				}
			}
			if len(sets) <= bound || level == 2 {
				for _, a := range sets {
					out = append(out, a.r)
				}
				break
			}
			level++
		}
	}
	slices.SortFunc(out, func(a, b Row) int { return cmpRow(&a, &b) })
	return out
}

func max8(a, b int8) int8 {
	if a > b {
		return a
	}
	return b
}

func modelCoarsen(r Row, level int8) Row {
	r.Coarsened = level
	var res []Resource
	var par []Param
	if level < 2 {
		for _, x := range r.Resources {
			if level == 1 {
				x.ARN = coarsenValue(x.ARN)
			}
			if !slices.Contains(res, x) {
				res = append(res, x)
			}
		}
		for _, x := range r.Params {
			if level == 1 {
				x.Value = coarsenValue(x.Value)
			}
			if !slices.Contains(par, x) {
				par = append(par, x)
			}
		}
	}
	slices.SortFunc(res, cmpResource)
	slices.SortFunc(par, cmpParam)
	r.Resources, r.Params = res, par
	return r
}

func unsafeString(b []byte) string { return unsafe.String(&b[0], len(b)) }

func cloneRow(r Row) Row {
	c := r
	c.IdentityARN = strings.Clone(r.IdentityARN)
	c.EventName = strings.Clone(r.EventName)
	c.Resources = slices.Clone(r.Resources)
	c.Params = slices.Clone(r.Params)
	for i := range c.Resources {
		c.Resources[i].ARN = strings.Clone(c.Resources[i].ARN)
	}
	for i := range c.Params {
		c.Params[i].Value = strings.Clone(c.Params[i].Value)
	}
	return c
}

func dumpRows(rows []Row) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "  day=%d who=%s ev=%s err=%s shared=%v c=%d res=%v par=%v n=%d first=%d last=%d\n",
			r.Day, r.IdentityARN, r.EventName, r.ErrorCode, r.Shared, r.Coarsened, r.Resources, r.Params, r.Count, r.FirstSeen, r.LastSeen)
	}
	return b.String()
}

// TestTableTransactions: rows of files added straight into one table, some
// files taken back half way (Discard), give the table of the kept files
// alone, row for row; and Discard restores the table as it was at Begin,
// whatever coarsening the discarded rows caused.
func TestTableTransactions(t *testing.T) {
	var discards, raisedThenDiscarded int
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 11))
		opts := TableOptions{MaxResourceSets: 1 + rng.IntN(6)}
		rows := randomRows(rng, 20+rng.IntN(300))
		tab := NewTable(opts)
		kept := NewTable(opts)
		for len(rows) > 0 {
			n := min(len(rows), 1+rng.IntN(40))
			file := rows[:n]
			rows = rows[n:]
			before := tab.Rows()
			levels := levelsOf(before)
			tab.Begin()
			fail := rng.IntN(3) == 0
			upto := n
			if fail {
				upto = rng.IntN(n + 1)
			}
			for i := range file[:upto] {
				tab.Add(&file[i])
			}
			if !fail {
				tab.Keep()
				for i := range file {
					kept.Add(&file[i])
				}
				continue
			}
			if !reflect.DeepEqual(levelsOf(tab.Rows()), levels) {
				raisedThenDiscarded++
			}
			tab.Discard()
			discards++
			if got := tab.Rows(); !reflect.DeepEqual(got, before) {
				t.Fatalf("seed %d: Discard did not restore the table:\n%s\nwant:\n%s", seed, dumpRows(got), dumpRows(before))
			}
		}
		if got, want := tab.Rows(), kept.Rows(); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: kept files differ from one pass over them:\n%s\nwant:\n%s", seed, dumpRows(got), dumpRows(want))
		}
	}
	if discards == 0 || raisedThenDiscarded == 0 {
		t.Errorf("%d discards, %d of them after coarsening: the test must exercise both", discards, raisedThenDiscarded)
	}
}

// levelsOf is the coarsening level of every group of rows.
func levelsOf(rows []Row) map[string]int8 {
	out := map[string]int8{}
	for _, r := range rows {
		g := r
		g.Resources, g.Params, g.Coarsened, g.Count, g.FirstSeen, g.LastSeen = nil, nil, 0, 0, 0, 0
		out[fmt.Sprintf("%#v", g)] = r.Coarsened
	}
	return out
}

// TestTableKeyOrder: the byte order of group and identifier keys is the
// canonical order, zero bytes and prefixes included.
func TestTableKeyOrder(t *testing.T) {
	strs := []string{"", "\x00", "\x00\x00", "\x00\x01", "\x01", "a", "a\x00", "a\x00b", "a\x01", "ab", "b", "\xff", "\xff\x00"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return strs[rng.IntN(len(strs))] }
	var rows []Row
	for range 2000 {
		r := Row{Day: int32(rng.IntN(3) - 1), IdentityARN: pick(), EventName: pick(), ErrorMessage: pick(), Region: pick(), Shared: rng.IntN(2) == 0}
		for range rng.IntN(3) {
			r.Resources = append(r.Resources, Resource{ARN: pick(), AccountID: pick(), Type: pick()})
		}
		for range rng.IntN(3) {
			r.Params = append(r.Params, Param{Name: pick(), Value: pick()})
		}
		rows = append(rows, r)
	}
	for i := 1; i < len(rows); i++ {
		a, b := &rows[i-1], &rows[i]
		ga, gb := appendGroupKey(nil, a), appendGroupKey(nil, b)
		if got, want := sign(bytes.Compare(ga, gb)), sign(cmpGroup(a, b)); got != want {
			t.Fatalf("group keys compare %d, rows %d:\n%+v\n%+v", got, want, a, b)
		}
		ka, kb := appendIdentifierKey(nil, a.Resources, a.Params), appendIdentifierKey(nil, b.Resources, b.Params)
		x, y := *a, *b
		x.Coarsened, y.Coarsened = 0, 0
		if got, want := sign(bytes.Compare(ka, kb)), sign(cmpIdentifiers(&x, &y)); got != want {
			t.Fatalf("identifier keys compare %d, rows %d:\n%+v\n%+v", got, want, a, b)
		}
		var g Row
		decodeGroupKey(ga, &g)
		g.Resources, g.Params = decodeIdentifierKey(ka, nil, nil)
		w := *a
		w.Coarsened, w.Count, w.FirstSeen, w.LastSeen = 0, 0, 0, 0
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("decoded %+v, want %+v", g, w)
		}
	}
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// TestTableSize: Size follows what the table holds, so that callers can
// bound memory by it.
func TestTableSize(t *testing.T) {
	tab := NewTable(TableOptions{MaxResourceSets: 1 << 20})
	empty := tab.Size()
	for i := range 50_000 {
		r := s3Row(1, "r", "GetObject", fmt.Sprintf("bucket/some/longer/key/%d.json", i))
		tab.Add(&r)
	}
	full := tab.Size()
	// Each row holds at least its two identifiers' bytes.
	if full < 50_000*100 || full > 50_000*1000 {
		t.Errorf("Size = %d for 50,000 rows (empty %d), want 100 to 1,000 bytes a row", full, empty)
	}
	tab.Reset()
	if got := tab.Size(); got >= full/2 {
		t.Errorf("Size after Reset = %d, want well below %d", got, full)
	}
}
