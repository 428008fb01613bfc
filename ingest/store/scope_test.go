package store

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func TestUnion(t *testing.T) {
	d := func(s string) int64 { return day(t, s) }
	tests := []struct {
		name string
		in   []Coverage
		want Coverage
	}{
		{"nothing", nil, nil},
		{"an empty window holds nothing", []Coverage{{{Since: d("2024-06-02"), Until: d("2024-06-01")}}}, nil},
		{"everything", []Coverage{{{}}}, Coverage{{}}},
		{"lists are sorted and de-duplicated", []Coverage{{{Accounts: []string{"222", "111", "222"}, Regions: []string{"us-east-1"}}}},
			Coverage{{Accounts: []string{"111", "222"}, Regions: []string{"us-east-1"}}}},
		{"adjacent days join", []Coverage{
			{{Since: d("2024-06-02"), Until: d("2024-06-03")}},
			{{Since: d("2024-06-01"), Until: d("2024-06-02")}},
		}, Coverage{{Since: d("2024-06-01"), Until: d("2024-06-03")}}},
		{"overlapping windows join", []Coverage{
			{{Since: d("2024-06-01"), Until: d("2024-06-03")}},
			{{Since: d("2024-06-02"), Until: d("2024-06-05")}},
		}, Coverage{{Since: d("2024-06-01"), Until: d("2024-06-05")}}},
		{"a window with a gap stays two", []Coverage{
			{{Since: d("2024-06-01"), Until: d("2024-06-02")}},
			{{Since: d("2024-06-03"), Until: d("2024-06-04")}},
		}, Coverage{{Since: d("2024-06-01"), Until: d("2024-06-02")}, {Since: d("2024-06-03"), Until: d("2024-06-04")}}},
		{"since then until that meets it is everything", []Coverage{
			{{Since: d("2024-06-01")}},
			{{Until: d("2024-06-01")}},
		}, Coverage{{}}},
		{"an account filter then none is everything", []Coverage{
			{{Accounts: []string{"111122223333"}}},
			{{}},
		}, Coverage{{}}},
		{"two accounts", []Coverage{
			{{Accounts: []string{"111122223333"}}},
			{{Accounts: []string{"444455556666"}}},
		}, Coverage{{Accounts: []string{"111122223333", "444455556666"}}}},
		{"a region for all accounts and every region of one account", []Coverage{
			{{Accounts: []string{"111122223333"}}},
			{{Regions: []string{"us-east-1"}}},
		}, Coverage{{Regions: []string{"us-east-1"}}, {Accounts: []string{"111122223333"}}}},
		{"one account's regions add up", []Coverage{
			{{Accounts: []string{"111"}, Regions: []string{"eu-west-1"}}},
			{{Accounts: []string{"111", "222"}, Regions: []string{"us-east-1"}}},
		}, Coverage{{Accounts: []string{"111"}, Regions: []string{"eu-west-1", "us-east-1"}}, {Accounts: []string{"111", "222"}, Regions: []string{"us-east-1"}}}},
		{"a window of everything and a longer one of an account", []Coverage{
			{{Since: d("2024-06-01"), Until: d("2024-06-03")}},
			{{Since: d("2024-06-02"), Until: d("2024-06-05"), Accounts: []string{"111"}}},
		}, Coverage{{Since: d("2024-06-01"), Until: d("2024-06-03")}, {Since: d("2024-06-03"), Until: d("2024-06-05"), Accounts: []string{"111"}}}},
		{"a narrower scope adds nothing", []Coverage{
			{{Since: d("2024-06-01")}},
			{{Since: d("2024-06-02"), Until: d("2024-06-03"), Accounts: []string{"111"}, Regions: []string{"us-east-1"}}},
		}, Coverage{{Since: d("2024-06-01")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Union(tt.in...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Union = %s\n  want %s", got, tt.want)
			}
			rev := slices.Clone(tt.in)
			slices.Reverse(rev)
			if again := Union(rev...); !reflect.DeepEqual(again, got) {
				t.Errorf("Union in reverse order = %s, not %s", again, got)
			}
		})
	}
}

// The universe of the property test: every scope it draws is constant on
// these cells (its bounds are multiples of 1000 up to 5000), so one point
// per cell decides any question about sets.
var (
	scopeTimes    = []int64{1000, 2000, 3000, 4000}
	scopeAccounts = []string{"a", "b", "c"}
	scopeRegions  = []string{"r1", "r2", "r3"}
	samplePoints  = func() (pts []point) {
		for _, t := range []int64{500, 1500, 2500, 3500, 4500, 5500} {
			for _, a := range append(slices.Clone(scopeAccounts), "other") {
				for _, r := range append(slices.Clone(scopeRegions), "other") {
					pts = append(pts, point{t, a, r})
				}
			}
		}
		return pts
	}()
)

type point struct {
	t       int64
	account string
	region  string
}

func randomScope(rng *rand.Rand) Scope {
	var s Scope
	if rng.IntN(3) > 0 {
		s.Since = scopeTimes[rng.IntN(len(scopeTimes))]
	}
	if rng.IntN(3) > 0 {
		s.Until = scopeTimes[rng.IntN(len(scopeTimes))]
		if s.Since != 0 && s.Until <= s.Since {
			s.Since, s.Until = s.Until-1000, s.Since+1000
			if s.Since < 1000 {
				s.Since = 0
			}
		}
	}
	pick := func(from []string) []string {
		if rng.IntN(2) == 0 {
			return nil
		}
		var out []string
		for _, x := range from {
			if rng.IntN(2) == 0 {
				out = append(out, x)
			}
		}
		if out == nil {
			out = from[:1]
		}
		return out
	}
	s.Accounts, s.Regions = pick(scopeAccounts), pick(scopeRegions)
	return s
}

func randomCoverage(rng *rand.Rand) Coverage {
	c := make(Coverage, rng.IntN(4))
	for i := range c {
		c[i] = randomScope(rng)
	}
	return c
}

func members(c Coverage) []bool {
	in := make([]bool, len(samplePoints))
	for i, p := range samplePoints {
		in[i] = c.Contains(p.t, p.account, p.region)
	}
	return in
}

// split cuts a coverage into more scopes holding the same events: a
// window at an inner point, a list of accounts into single accounts.
func split(rng *rand.Rand, c Coverage) Coverage {
	var out Coverage
	for _, s := range c {
		switch {
		case len(s.Accounts) > 1 && rng.IntN(2) == 0:
			for _, a := range s.Accounts {
				p := s
				p.Accounts = []string{a}
				out = append(out, p)
			}
		case rng.IntN(2) == 0:
			cut := scopeTimes[rng.IntN(len(scopeTimes))]
			b := boxOf(s)
			if b.lo < cut && cut < b.hi {
				first, second := s, s
				first.Until, second.Since = cut, cut
				out = append(out, second, first)
				continue
			}
			out = append(out, s)
		default:
			out = append(out, s, s)
		}
	}
	return out
}

// TestCoverageProperties checks the set operations against membership of
// one point per cell, over random coverages.
func TestCoverageProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 3000 {
		a, b := randomCoverage(rng), randomCoverage(rng)
		s := randomScope(rng)
		ua := Union(a)
		ma, mb := members(a), members(b)

		if got := members(ua); !slices.Equal(got, ma) {
			t.Fatalf("case %d: Union(%s) = %s holds other events", i, a, ua)
		}
		if again := Union(ua); !reflect.DeepEqual(again, ua) {
			t.Fatalf("case %d: Union is not idempotent: %s then %s", i, ua, again)
		}
		if other := Union(split(rng, a)); !reflect.DeepEqual(other, ua) {
			t.Fatalf("case %d: the same events cut differently give %s, not %s", i, other, ua)
		}
		if x, y := Union(ua, b), Union(b, a); !reflect.DeepEqual(x, y) {
			t.Fatalf("case %d: Union depends on order or nesting: %s vs %s", i, x, y)
		}
		u := members(Union(a, b))
		inter := members(a.Intersect(b))
		overlap := false
		for k := range ma {
			if u[k] != (ma[k] || mb[k]) {
				t.Fatalf("case %d: Union(%s, %s) wrong at %+v", i, a, b, samplePoints[k])
			}
			if inter[k] != (ma[k] && mb[k]) {
				t.Fatalf("case %d: Intersect(%s, %s) wrong at %+v", i, a, b, samplePoints[k])
			}
			overlap = overlap || inter[k]
		}
		if got := a.Overlaps(b); got != overlap {
			t.Fatalf("case %d: Overlaps(%s, %s) = %v, want %v", i, a, b, got, overlap)
		}
		if got := a.Equal(b); got != slices.Equal(ma, mb) {
			t.Fatalf("case %d: Equal(%s, %s) = %v", i, a, b, got)
		}
		covers := true
		ms := members(Coverage{s})
		for k := range ma {
			if ms[k] && !ma[k] {
				covers = false
			}
		}
		if got := a.Covers(s); got != covers {
			t.Fatalf("case %d: %s Covers %s = %v, want %v", i, a, s, got, covers)
		}
	}
}
