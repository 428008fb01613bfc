package store

import (
	"cmp"
	"encoding/binary"
	"hash/maphash"
	"path/filepath"
	"slices"
)

// ObjectState is what a store holds of one object version.
type ObjectState struct {
	// Coverage is the union of the scopes it was ingested under; nil when
	// it never was.
	Coverage Coverage
	// Covered is true when Coverage holds every event of the scope asked
	// about: the object has nothing left to count and need not be read.
	Covered bool
	// OtherVersion is true when the store holds another version of the
	// same URI (another ETag or size): the object changed after an earlier
	// run read it.
	OtherVersion bool
}

// Lookup says what the store holds of the object e names (URI, ETag and
// size), and whether that covers a run with scope run. The manifest is
// loaded on the first call, into about 24 bytes per object. If it cannot
// be read, Lookup answers "never ingested" and Commit reports the error,
// so nothing is counted twice.
func (s *Store) Lookup(e ManifestEntry, run Scope) ObjectState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadedIndex().lookup(&e, run)
}

// loadedIndex loads the index on first use. Called with s.mu held.
func (s *Store) loadedIndex() *manifestIndex {
	if s.index == nil {
		s.index, _ = loadIndex(s.dir, s.st)
		if s.index == nil {
			s.index = newManifestIndex()
		}
	}
	return s.index
}

// manifestIndex is the manifest in memory, as hashes: per object 128 bits
// identify the version (with a chance of a false match far below that of a
// disk error), 64 of them the URI alone, and a number its coverage; the
// distinct coverages, few in any store, are kept once.
type manifestIndex struct {
	entries   []indexEntry // sorted by uri, then version
	coverages []Coverage
	ids       map[string]uint32 // coverage key → position in coverages
	key       []byte            // scratch for coverage keys and hashing

	// The answers of Covered for one run scope, by coverage.
	memoScope Scope
	memo      map[uint32]bool
}

type indexEntry struct {
	uri     uint64 // hash of the URI
	version uint64 // another hash of URI, ETag and size
	cov     uint32
}

var indexSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

func newManifestIndex() *manifestIndex {
	return &manifestIndex{ids: map[string]uint32{}}
}

func loadIndex(dir string, st state) (*manifestIndex, error) {
	x := newManifestIndex()
	if st.Manifest == nil {
		return x, nil
	}
	m, err := openManifest(filepath.Join(dir, st.Manifest.File))
	if err != nil {
		return nil, err
	}
	defer m.close()
	x.entries = make([]indexEntry, 0, st.Manifest.Objects)
	for e := m.peek(); e != nil; e = m.peek() {
		x.entries = append(x.entries, x.entryOf(e))
		m.advance()
	}
	if m.e != nil {
		return nil, m.e
	}
	slices.SortFunc(x.entries, cmpIndexEntry)
	return x, nil
}

func cmpIndexEntry(a, b indexEntry) int {
	if c := cmp.Compare(a.uri, b.uri); c != 0 {
		return c
	}
	return cmp.Compare(a.version, b.version)
}

func (x *manifestIndex) hashes(e *ManifestEntry) (uri, version uint64) {
	b := append(x.key[:0], e.Object...)
	uri = maphash.Bytes(indexSeeds[0], b)
	b = append(b, 0)
	b = append(b, e.ETag...)
	b = append(b, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Size))
	x.key = b
	return uri, maphash.Bytes(indexSeeds[1], b)
}

func (x *manifestIndex) entryOf(e *ManifestEntry) indexEntry {
	uri, version := x.hashes(e)
	return indexEntry{uri: uri, version: version, cov: x.intern(e.Scopes)}
}

// intern returns the number of a coverage, adding it if new.
func (x *manifestIndex) intern(c Coverage) uint32 {
	b := x.key[:0]
	for _, s := range c {
		b = binary.AppendVarint(b, s.Since)
		b = binary.AppendVarint(b, s.Until)
		for _, list := range [][]string{s.Accounts, s.Regions} {
			b = binary.AppendUvarint(b, uint64(len(list)))
			for _, v := range list {
				b = binary.AppendUvarint(b, uint64(len(v)))
				b = append(b, v...)
			}
		}
	}
	x.key = b
	if id, ok := x.ids[string(b)]; ok {
		return id
	}
	id := uint32(len(x.coverages))
	x.ids[string(b)] = id
	x.coverages = append(x.coverages, slices.Clone(c))
	return id
}

func (x *manifestIndex) lookup(e *ManifestEntry, run Scope) ObjectState {
	uri, version := x.hashes(e)
	i, _ := slices.BinarySearchFunc(x.entries, indexEntry{uri: uri}, cmpIndexEntry)
	var st ObjectState
	for ; i < len(x.entries) && x.entries[i].uri == uri; i++ {
		if x.entries[i].version != version {
			st.OtherVersion = true
			continue
		}
		id := x.entries[i].cov
		st.Coverage = x.coverages[id]
		st.Covered = x.covered(id, run)
	}
	return st
}

func (x *manifestIndex) covered(id uint32, run Scope) bool {
	if x.memo == nil || !equalScope(x.memoScope, run) {
		x.memoScope, x.memo = run, map[uint32]bool{}
	}
	covered, ok := x.memo[id]
	if !ok {
		covered = x.coverages[id].Covers(run)
		x.memo[id] = covered
	}
	return covered
}

// update records entries as the store now holds them, after a commit.
func (x *manifestIndex) update(entries []ManifestEntry) {
	sorted := len(x.entries)
	added := false
	for i := range entries {
		ne := x.entryOf(&entries[i])
		j, found := slices.BinarySearchFunc(x.entries[:sorted], ne, cmpIndexEntry)
		if found {
			x.entries[j].cov = ne.cov
			continue
		}
		x.entries = append(x.entries, ne)
		added = true
	}
	if added {
		slices.SortFunc(x.entries, cmpIndexEntry)
	}
}

// HoldsURI reports whether the manifest holds any version of the object
// at uri. A false answer is exact; a true one may rarely be a hash
// collision, which only costs the caller the ETag it then computes to ask
// Lookup.
func (s *Store) HoldsURI(uri string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := maphash.String(indexSeeds[0], uri)
	_, found := slices.BinarySearchFunc(s.loadedIndex().entries, h, func(e indexEntry, h uint64) int { return cmp.Compare(e.uri, h) })
	return found
}
