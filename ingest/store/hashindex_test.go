package store

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHashIndex runs random adds, removes and lookups, with hashes that
// collide often, against a map of slices.
func TestHashIndex(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 3))
		var x hashIndex
		model := map[uint64][]int32{}
		var pos int32
		for op := range 20_000 {
			h := rng.Uint64N(64) * 0x9e3779b97f4a7c15 // few distinct hashes, many collisions
			switch rng.IntN(4) {
			case 0, 1:
				x.add(h, pos)
				model[h] = append(model[h], pos)
				pos++
			case 2:
				if ps := model[h]; len(ps) > 0 {
					i := rng.IntN(len(ps))
					x.remove(h, ps[i])
					model[h] = slices.Delete(ps, i, i+1)
				}
			case 3:
				var got []int32
				p := x.lookup(h)
				for v := p.next(); v >= 0; v = p.next() {
					got = append(got, v)
				}
				if p.next() != -1 {
					t.Fatalf("seed %d op %d: next after the end is not -1", seed, op)
				}
				want := slices.Clone(model[h])
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d op %d: hash %x holds %v, want %v", seed, op, h, got, want)
				}
				// The probe that found nothing more inserts where it stopped.
				p.insert(pos)
				model[h] = append(model[h], pos)
				pos++
			}
			if 4*x.used > 3*len(x.slots) {
				t.Fatalf("seed %d op %d: %d of %d slots used", seed, op, x.used, len(x.slots))
			}
		}
	}
}
