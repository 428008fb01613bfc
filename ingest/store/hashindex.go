package store

// hashIndex maps 64-bit hashes to positions (of entries or groups) by open
// addressing with linear probing. Several positions may share a hash: a
// lookup walks every slot of the hash until an empty one and lets the
// caller compare keys. Compared with a map[uint64]int32 plus chains it
// probes once for a lookup that misses and the insertion after it, needs
// no chain links in the entries, and is half the size: a slot is 32 bits
// of the hash (which also place it) and the position, so that a lookup
// rarely touches an entry that does not match.
type hashIndex struct {
	slots []hslot
	used  int // slots holding a position
}

type hslot struct {
	frag uint32 // fold of the hash
	pos  uint32 // position+1; 0 empty
}

func fold(h uint64) uint32 { return uint32(h ^ h>>32) }

// probe is a lookup in progress: calls to next return the positions
// stored under the hash, and then free is where it would be inserted.
type probe struct {
	x    *hashIndex
	frag uint32
	i    uint32
	free int // the empty slot that ended the walk, -1 until then
}

func (x *hashIndex) lookup(h uint64) probe {
	if len(x.slots) == 0 {
		x.grow()
	}
	f := fold(h)
	return probe{x: x, frag: f, i: f & uint32(len(x.slots)-1), free: -1}
}

// next returns the next position stored under the hash (or, rarely,
// another hash with the same fold), or -1 when there is none left.
func (p *probe) next() int32 {
	slots := p.x.slots
	mask := uint32(len(slots) - 1)
	for {
		s := slots[p.i]
		if s.pos == 0 {
			p.free = int(p.i)
			return -1
		}
		p.i = (p.i + 1) & mask
		if s.frag == p.frag {
			return int32(s.pos - 1)
		}
	}
}

// insert stores pos under the probe's hash; the probe must have returned
// -1 from next, and the index must not have changed since.
func (p *probe) insert(pos int32) {
	x := p.x
	x.slots[p.free] = hslot{frag: p.frag, pos: uint32(pos) + 1}
	x.used++
	if 4*x.used > 3*len(x.slots) {
		x.grow()
	}
}

// add stores pos under h.
func (x *hashIndex) add(h uint64, pos int32) {
	p := x.lookup(h)
	for p.next() >= 0 {
	}
	p.insert(pos)
}

// remove deletes pos stored under h. The slots after it that would not
// be found across the hole move back into it (backward-shift deletion), so
// that no tombstone lengthens later walks.
func (x *hashIndex) remove(h uint64, pos int32) {
	mask := uint32(len(x.slots) - 1)
	f := fold(h)
	i := f & mask
	for x.slots[i].frag != f || x.slots[i].pos != uint32(pos)+1 {
		if x.slots[i].pos == 0 {
			return
		}
		i = (i + 1) & mask
	}
	x.used--
	for j := i; ; {
		x.slots[i] = hslot{}
		for {
			j = (j + 1) & mask
			s := x.slots[j]
			if s.pos == 0 {
				return
			}
			// s stays if its home slot k lies cyclically in (i, j].
			k := s.frag & mask
			if i <= j && i < k && k <= j || i > j && (i < k || k <= j) {
				continue
			}
			x.slots[i] = s
			i = j
			break
		}
	}
}

// grow rehashes into twice the slots (at least 16).
func (x *hashIndex) grow() {
	n := max(len(x.slots), 8)
	for 4*x.used >= 3*n || n == len(x.slots) || n < 16 {
		n *= 2
	}
	old := x.slots
	x.slots = make([]hslot, n)
	mask := uint32(n - 1)
	for _, s := range old {
		if s.pos == 0 {
			continue
		}
		i := s.frag & mask
		for x.slots[i].pos != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
}

// reset empties the index; a large one is dropped rather than cleared.
func (x *hashIndex) reset() {
	if len(x.slots) > 1<<16 {
		x.slots = nil
	} else {
		clear(x.slots)
	}
	x.used = 0
}
