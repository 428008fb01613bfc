package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

const storeFormat = "iamtailor-usage-store"

// Store is a usage store in a directory. Reads see the latest published
// version; Commit publishes a new one atomically. A Store may be used from
// several goroutines.
type Store struct {
	dir string

	mu    sync.Mutex
	st    state
	index *manifestIndex // loaded on the first Lookup
}

// state is the content of store.json: the published version.
type state struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// The size bound every group of the store was cut with.
	MaxResourceSets int           `json:"max_resource_sets"`
	Rows            int64         `json:"rows"`
	Count           int64         `json:"count"`
	Usage           []usageFile   `json:"usage"`
	Manifest        *manifestFile `json:"manifest,omitempty"`
	// exists is false for a directory without store.json yet.
	exists bool
}

// usageFile is one month's data file.
type usageFile struct {
	File     string `json:"file"`
	Month    string `json:"month"`
	FirstDay int32  `json:"first_day"` // days since 1970-01-01
	LastDay  int32  `json:"last_day"`
	Rows     int64  `json:"rows"`
	Count    int64  `json:"count"`
	Bytes    int64  `json:"bytes"`
}

type manifestFile struct {
	File    string `json:"file"`
	Objects int64  `json:"objects"`
	Events  int64  `json:"events"`
	Bytes   int64  `json:"bytes"`
}

// Open opens the store in dir, creating the directory if it does not exist;
// the store's files appear with the first Commit. A directory that holds
// other files but no store is refused, so that a mistyped path never turns
// into a store.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := makeStoreDir(dir); err != nil {
		return nil, fmt.Errorf("open usage store: %w", err)
	}
	st, err := readState(dir)
	if err != nil {
		return nil, err
	}
	return &Store{dir: dir, st: st}, nil
}

// OpenExisting opens the store in dir and fails if there is none, for
// commands that only read.
func OpenExisting(ctx context.Context, dir string) (*Store, error) {
	st, err := readState(dir)
	if err != nil {
		return nil, err
	}
	if !st.exists {
		return nil, fmt.Errorf("open usage store %s: no %s there (iamtailor ingest creates it)", dir, pointerName)
	}
	return &Store{dir: dir, st: st}, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// TableOptions are the options a Table must be made with to be committed
// into this store without being re-cut: the store's own bound, or for a
// new store the default.
func (s *Store) TableOptions() TableOptions {
	s.mu.Lock()
	defer s.mu.Unlock()
	return TableOptions{MaxResourceSets: s.st.MaxResourceSets}
}

// Stats describes the version of the store this handle last saw.
type Stats struct {
	Rows    int64 // distinct usage tuples
	Count   int64 // events they sum up
	Objects int64 // objects in the manifest
	Events  int64 // events read from them
	Files   int   // data and manifest files
	Bytes   int64 // their size
}

// Stats returns the size of the store as of Open or the last Commit.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Rows: s.st.Rows, Count: s.st.Count, Files: len(s.st.Usage)}
	for _, u := range s.st.Usage {
		st.Bytes += u.Bytes
	}
	if m := s.st.Manifest; m != nil {
		st.Objects, st.Events = m.Objects, m.Events
		st.Files++
		st.Bytes += m.Bytes
	}
	return st
}

// readState reads the published version of the store in dir. A directory
// without store.json is an empty store if it holds nothing but files a
// store writes (a crash before the first commit can leave some).
func readState(dir string) (state, error) {
	path := filepath.Join(dir, pointerName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return state{}, fmt.Errorf("open usage store %s: %w", dir, err)
		}
		for _, e := range entries {
			if !ours(e.Name()) {
				return state{}, fmt.Errorf("open usage store %s: the directory holds %s but no %s: not a usage store", dir, e.Name(), pointerName)
			}
		}
		return state{Format: storeFormat, Version: SchemaVersion, MaxResourceSets: 0}, nil
	}
	if err != nil {
		return state{}, fmt.Errorf("open usage store: %w", err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return state{}, fmt.Errorf("open usage store: read %s: %w", path, err)
	}
	if st.Format != storeFormat {
		return state{}, fmt.Errorf("open usage store: %s is not an iamtailor usage store (format %q)", path, st.Format)
	}
	if st.Version > SchemaVersion {
		return state{}, fmt.Errorf("open usage store %s: it has format version %d and this iamtailor reads up to version %d: use a newer iamtailor", dir, st.Version, SchemaVersion)
	}
	if st.Version < 1 {
		return state{}, fmt.Errorf("open usage store: %s: invalid version %d", path, st.Version)
	}
	if st.MaxResourceSets <= 0 {
		return state{}, fmt.Errorf("open usage store: %s: invalid max_resource_sets %d", path, st.MaxResourceSets)
	}
	// The pointer names files to open: accept only names a store writes,
	// never a path that leaves the directory.
	for _, u := range st.Usage {
		if filepath.Base(u.File) != u.File || !ours(u.File) || u.Month == "" {
			return state{}, fmt.Errorf("open usage store: %s names an invalid data file %q", path, u.File)
		}
	}
	if m := st.Manifest; m != nil && (filepath.Base(m.File) != m.File || !ours(m.File)) {
		return state{}, fmt.Errorf("open usage store: %s names an invalid manifest file %q", path, m.File)
	}
	st.exists = true
	return st, nil
}

// encodeState is store.json: indented for people, with no time or host in
// it so that the same content gives the same bytes.
func encodeState(st state) []byte {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		// Only plain strings and numbers: marshalling cannot fail.
		panic(err)
	}
	return append(b, '\n')
}

// ReadOptions select rows by time without reading the others.
type ReadOptions struct {
	// Since and Until bound the UTC days of the rows returned, both days
	// included; a zero time leaves that side open. Rows are per day, so a
	// window is widened to whole UTC days.
	Since, Until time.Time
}

func (o ReadOptions) days() (since, until int32) {
	since, until = math.MinInt32, math.MaxInt32
	if !o.Since.IsZero() {
		since = DayOf(o.Since.UnixMilli())
	}
	if !o.Until.IsZero() {
		until = DayOf(o.Until.UnixMilli())
	}
	return since, until
}

// Rows calls fn for every row, in canonical order. The *Row is reused
// after fn returns; a copy of the Row value may be kept (its strings and
// slices are not reused).
func (s *Store) Rows(ctx context.Context, fn func(*Row) error) error {
	return s.Read(ctx, ReadOptions{}, fn)
}

// Read calls fn for every row in the window, in canonical order, reading
// the latest published version one batch at a time, and skipping data
// files and row groups outside the window. Rows are handed over as Rows
// does.
func (s *Store) Read(ctx context.Context, opts ReadOptions, fn func(*Row) error) error {
	since, until := opts.days()
	if since > until {
		return nil
	}
	files, err := s.openUsageFiles(since, until)
	if err != nil {
		return err
	}
	defer func() {
		for _, f := range files {
			f.close()
		}
	}()
	n := 0
	for _, f := range files {
		for r := f.peek(); r != nil; r = f.peek() {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := fn(r); err != nil {
				return err
			}
			f.advance()
		}
		if err := f.err(); err != nil {
			return err
		}
	}
	return nil
}

// openUsageFiles opens the data files of the latest version that may hold
// rows in the window. Opening them all before reading means that a commit
// deleting them afterwards does not disturb the read; a commit between
// reading store.json and opening makes a file vanish, and the read starts
// over from the newer version.
func (s *Store) openUsageFiles(since, until int32) ([]*fileRows, error) {
	for attempt := 0; ; attempt++ {
		st, err := readState(s.dir)
		if err != nil {
			return nil, err
		}
		var files []*fileRows
		for _, u := range st.Usage {
			if u.LastDay < since || u.FirstDay > until {
				continue
			}
			f, err := openUsage(filepath.Join(s.dir, u.File), since, until)
			if err != nil {
				for _, f := range files {
					f.close()
				}
				if errors.Is(err, fs.ErrNotExist) && attempt < 5 {
					files = nil
					break
				}
				return nil, err
			}
			files = append(files, f)
		}
		if files != nil || !anyUsage(st, since, until) {
			return files, nil
		}
	}
}

func anyUsage(st state, since, until int32) bool {
	for _, u := range st.Usage {
		if u.LastDay >= since && u.FirstDay <= until {
			return true
		}
	}
	return false
}

// Manifest yields every ingested object, sorted by URI, ETag and size.
func (s *Store) Manifest(ctx context.Context) iter.Seq2[ManifestEntry, error] {
	return func(yield func(ManifestEntry, error) bool) {
		m, err := s.openLatestManifest()
		if err != nil {
			yield(ManifestEntry{}, err)
			return
		}
		if m == nil {
			return
		}
		defer m.close()
		for e := m.peek(); e != nil; e = m.peek() {
			if err := ctx.Err(); err != nil {
				yield(ManifestEntry{}, err)
				return
			}
			if !yield(*e, nil) {
				return
			}
			m.advance()
		}
		if m.e != nil {
			yield(ManifestEntry{}, m.e)
		}
	}
}

func (s *Store) openLatestManifest() (*manifestRows, error) {
	for attempt := 0; ; attempt++ {
		st, err := readState(s.dir)
		if err != nil || st.Manifest == nil {
			return nil, err
		}
		m, err := openManifest(filepath.Join(s.dir, st.Manifest.File))
		if errors.Is(err, fs.ErrNotExist) && attempt < 5 {
			continue
		}
		return m, err
	}
}

func cmpEntry(a, b *ManifestEntry) int {
	if c := cmp.Compare(a.Object, b.Object); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ETag, b.ETag); c != 0 {
		return c
	}
	return cmp.Compare(a.Size, b.Size)
}

// Commit merges t into the store's rows, reapplying the size bound over
// the union, and records the objects in added, atomically: after a crash at
// any point the store is either as it was or fully updated. Commits from
// several processes are serialized by a lock file.
//
// Each entry of added says what t holds of one object: Events events, those
// of Scopes (empty: everything) outside Prior, the object's coverage when
// the run looked it up. The store then covers the union of its coverage
// and Scopes. Commit refuses, naming the object, an entry whose Prior no
// longer matches the store within Scopes (another run counted some of
// those events meanwhile, or the store does not hold what the run left
// out): committing it would count events twice or lose some.
func (s *Store) Commit(ctx context.Context, t *Table, added []ManifestEntry) error {
	return s.CommitTables(ctx, []*Table{t}, added)
}

// CommitTables is Commit of the union of tables: the same store as
// merging them into one table and committing it, without the merge. The
// tables are sorted at once, each on its own goroutine, and merged while
// the month files are written.
func (s *Store) CommitTables(ctx context.Context, tables []*Table, added []ManifestEntry) error {
	if len(tables) == 0 {
		tables = []*Table{NewTable(s.TableOptions())}
	}
	if err := makeStoreDir(s.dir); err != nil {
		return fmt.Errorf("commit usage store: %w", err)
	}
	unlock, err := lockDir(ctx, s.dir)
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := readState(s.dir)
	if err != nil {
		return err
	}
	if !cur.exists {
		cur.MaxResourceSets = tables[0].max
	}
	tables = slices.Clone(tables)
	for i, t := range tables {
		if t.max != cur.MaxResourceSets {
			recut := NewTable(TableOptions{MaxResourceSets: cur.MaxResourceSets})
			recut.Merge(t)
			tables[i] = recut
		}
	}
	rowCount := 0
	for _, t := range tables {
		rowCount += t.Len()
	}

	sorted := slices.Clone(added)
	slices.SortFunc(sorted, func(a, b ManifestEntry) int { return cmpEntry(&a, &b) })
	for i := range sorted {
		e := &sorted[i]
		if e.Object == "" {
			return fmt.Errorf("commit usage store %s: a manifest entry has no object URI", s.dir)
		}
		for j := range e.Scopes {
			if err := e.Scopes[j].validate(); err != nil {
				return fmt.Errorf("commit usage store %s: object %s: %w", s.dir, e.Object, err)
			}
		}
		if len(e.Scopes) == 0 {
			e.Scopes = Everything()
		}
		if i > 0 && cmpEntry(&sorted[i-1], &sorted[i]) == 0 {
			return fmt.Errorf("commit usage store %s: object %s (etag %s, size %d) is listed twice in one commit", s.dir, sorted[i].Object, sorted[i].ETag, sorted[i].Size)
		}
	}

	if rowCount == 0 && len(sorted) == 0 && cur.exists {
		s.setState(cur, nil)
		return nil
	}

	next := cur
	next.Usage = nil
	var written []string
	// Delete this commit's files if it fails before publishing; after,
	// they belong to the store.
	published := false
	defer func() {
		if !published {
			for _, name := range written {
				if !referenced(cur, name) {
					os.Remove(filepath.Join(s.dir, name))
				}
			}
		}
	}()

	var recorded []ManifestEntry // the entries of added as the store now holds them
	if len(sorted) > 0 {
		const fromCommit = "this commit"
		srcs := []entrySource{&sliceEntries{name: fromCommit, entries: sorted}}
		if cur.Manifest != nil {
			m, err := openManifest(filepath.Join(s.dir, cur.Manifest.File))
			if err != nil {
				return err
			}
			defer m.close()
			srcs = append(srcs, &fileEntries{name: "the store", m: m})
		}
		mf, err := writeManifest(ctx, s.dir, srcs, func(group []sourcedEntry) (ManifestEntry, error) {
			var added, held *ManifestEntry
			for i := range group {
				if group[i].from == fromCommit {
					added = &group[i].entry
				} else {
					held = &group[i].entry
				}
			}
			if added == nil {
				return *held, nil
			}
			e, err := addScopes(held, added)
			if err != nil {
				return ManifestEntry{}, fmt.Errorf("commit usage store %s: %w", s.dir, err)
			}
			recorded = append(recorded, e)
			return e, nil
		})
		if err != nil {
			return err
		}
		next.Manifest = &mf
		written = append(written, mf.File)
	}

	months := map[string]month{}
	for _, t := range tables {
		tableMonths(t, months)
	}
	cursors := sortedCursors(tables)
	existing := map[string]usageFile{}
	for _, u := range cur.Usage {
		existing[u.Month] = u
	}
	for _, m := range unionMonths(cur.Usage, months) {
		old, hasOld := existing[m.name]
		if _, touched := months[m.name]; !touched {
			next.Usage = append(next.Usage, old)
			continue
		}
		var u usageFile
		if hasOld {
			var srcs []rowSource
			for _, c := range cursors {
				srcs = append(srcs, &monthRows{src: c, end: m.end})
			}
			f, err := openUsage(filepath.Join(s.dir, old.File), math.MinInt32, math.MaxInt32)
			if err != nil {
				return err
			}
			defer f.close()
			srcs = append(srcs, f)
			if u, err = writeMonth(ctx, s.dir, m.name, cur.MaxResourceSets, srcs); err != nil {
				return err
			}
		} else if u, err = writeMonthOfTables(ctx, s.dir, m.name, m.end, cur.MaxResourceSets, cursors); err != nil {
			return err
		}
		next.Usage = append(next.Usage, u)
		written = append(written, u.File)
	}
	if err := publish(s.dir, &next); err != nil {
		if errors.Is(err, errPublished) {
			published = true
			s.setState(next, recorded)
		}
		return err
	}
	published = true
	s.setState(next, recorded)
	return nil
}

// addScopes is the entry of an object after a run counted added's events:
// those of added.Scopes outside added.Prior. held is the store's entry for
// the object, nil when it has none. The store's coverage within the run's
// scopes must be what the run excluded, else some events would be counted
// twice (the store covers more) or never (it covers less).
func addScopes(held, added *ManifestEntry) (ManifestEntry, error) {
	var cur Coverage
	var events int64
	if held != nil {
		cur, events = held.Scopes, held.Events
	}
	run := Union(added.Scopes)
	if got, want := cur.Intersect(run), added.Prior.Intersect(run); !got.Equal(want) {
		if Union(got, want).Equal(got) {
			return ManifestEntry{}, fmt.Errorf("object %s (etag %s, size %d) was already ingested under %s, and this commit counts its events under %s again (the run left out only %s): committing would count them twice",
				added.Object, added.ETag, added.Size, cur, run, added.Prior)
		}
		return ManifestEntry{}, fmt.Errorf("object %s (etag %s, size %d): the run left out its events under %s as already counted, but the store holds it under %s: committing would leave events out; run the ingest again",
			added.Object, added.ETag, added.Size, added.Prior, cur)
	}
	e := *added
	e.Events += events
	e.Scopes = Union(cur, run)
	e.Prior = nil
	return e, nil
}

// setState records the version this handle last published or saw, and
// keeps the Lookup index in step with the entries it recorded.
func (s *Store) setState(st state, recorded []ManifestEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = st
	if s.index != nil && len(recorded) > 0 {
		s.index.update(recorded)
	}
}

func referenced(st state, name string) bool {
	if st.Manifest != nil && st.Manifest.File == name {
		return true
	}
	for _, u := range st.Usage {
		if u.File == name {
			return true
		}
	}
	return false
}

// errPublished marks an error after the new version became visible: the
// commit took effect even though a later step (syncing the directory)
// failed.
var errPublished = errors.New("the new version is published")

// publish makes next the store's version: the data files it names are
// already renamed into place; sync the directory so those renames are
// durable, then replace store.json in one rename, sync again, and remove
// the files no version refers to any more.
func publish(dir string, next *state) error {
	next.Format, next.Version = storeFormat, SchemaVersion
	next.Rows, next.Count = 0, 0
	slices.SortFunc(next.Usage, func(a, b usageFile) int { return cmp.Compare(a.Month, b.Month) })
	for _, u := range next.Usage {
		next.Rows += u.Rows
		next.Count += u.Count
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	af, err := createAtomic(dir, "pointer")
	if err != nil {
		return err
	}
	defer af.discard()
	if _, err := af.Write(encodeState(*next)); err != nil {
		return err
	}
	if err := af.commit(pointerName); err != nil {
		return err
	}
	next.exists = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("%w, but %w", errPublished, err)
	}
	cleanup(dir, *next)
	return nil
}

// cleanup removes files left by earlier versions and by interrupted
// commits. It runs under the writer lock, so no temporary file is in use.
// Failing to remove is harmless: readers follow store.json, not the
// directory listing.
func cleanup(dir string, st state) {
	if step("cleanup") != nil {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if name == pointerName || name == lockName || !ours(name) || referenced(st, name) {
			continue
		}
		os.Remove(filepath.Join(dir, name))
	}
}

// tableMonths adds the months that t has rows in to months.
func tableMonths(t *Table, months map[string]month) {
	seen := map[int32]bool{}
	t.days(func(d int32) {
		if seen[d] {
			return
		}
		seen[d] = true
		m := monthOf(d)
		months[m.name] = m
	})
}

// sortedCursors sorts the tables, each on its own goroutine, and returns
// cursors over their rows in canonical order.
func sortedCursors(tables []*Table) []*tableCursor {
	views := make([]sortedView, len(tables))
	var wg sync.WaitGroup
	for i, t := range tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			views[i] = t.sortedView()
		}()
	}
	wg.Wait()
	cursors := make([]*tableCursor, len(tables))
	for i, t := range tables {
		cursors[i] = t.cursor(views[i])
	}
	return cursors
}

// unionMonths lists the months of existing files and of months, in order.
func unionMonths(existing []usageFile, months map[string]month) []month {
	all := map[string]month{}
	for _, u := range existing {
		all[u.Month] = monthOf(u.FirstDay)
	}
	for k, m := range months {
		all[k] = m
	}
	out := make([]month, 0, len(all))
	for _, m := range all {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b month) int { return cmp.Compare(a.start, b.start) })
	return out
}

// monthRows limits a sorted source to the rows before end.
type monthRows struct {
	src interface {
		peek() *Row
		advance()
	}
	end int32
}

func (m *monthRows) peek() *Row {
	if r := m.src.peek(); r != nil && r.Day < m.end {
		return r
	}
	return nil
}

func (m *monthRows) advance()   { m.src.advance() }
func (m *monthRows) err() error { return nil }

// writeMonth merges sorted sources of one month into a new data file,
// reapplying the size bound over each group's union.
func writeMonth(ctx context.Context, dir, month string, maxSets int, srcs []rowSource) (usageFile, error) {
	w, err := newUsageWriter(dir, month)
	if err != nil {
		return usageFile{}, err
	}
	defer w.discard()
	if err := mergeGroups(ctx, srcs, maxSets, w.write); err != nil {
		return usageFile{}, err
	}
	if w.info.Rows == 0 {
		return usageFile{}, fmt.Errorf("write usage %s: no rows", month)
	}
	return w.finish()
}

// mergeGroups merges sources sorted in canonical order into one stream in
// canonical order, one group at a time (a group's rows are contiguous in
// every source). A group found in one source only is passed through as
// read when it is already in its final form; otherwise the group's rows
// from every source go through a Table, which reapplies the bound over
// their union exactly as if one table had seen all of them.
func mergeGroups(ctx context.Context, srcs []rowSource, maxSets int, emit func(*Row) error) error {
	gt := NewTable(TableOptions{MaxResourceSets: maxSets})
	var buf, merged []Row
	var key Row
	n := 0
	for {
		var first *Row
		for _, s := range srcs {
			if r := s.peek(); r != nil && (first == nil || cmpGroup(r, first) < 0) {
				first = r
			}
		}
		if first == nil {
			break
		}
		key = *first
		buf = buf[:0]
		contributors := 0
		for _, s := range srcs {
			took := false
			for r := s.peek(); r != nil && sameGroup(r, &key); r = s.peek() {
				buf = append(buf, *r)
				s.advance()
				took = true
			}
			if took {
				contributors++
			}
		}
		if n += len(buf); n >= 4096 {
			n = 0
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if contributors == 1 && final(buf, maxSets) {
			for i := range buf {
				if err := emit(&buf[i]); err != nil {
					return err
				}
			}
			continue
		}
		if contributors > 1 {
			// Rows of one level from several sources (the pipeline's
			// tables, a table and the month's file) usually merge by
			// identifiers alone; final says when a Table is not needed.
			merged = mergeByIdentifiers(buf, merged[:0])
			if merged != nil && final(merged, maxSets) {
				for i := range merged {
					if err := emit(&merged[i]); err != nil {
						return err
					}
				}
				continue
			}
		}
		gt.Reset()
		for i := range buf {
			gt.Add(&buf[i])
		}
		for r := range gt.All() {
			if err := emit(r); err != nil {
				return err
			}
		}
	}
	clear(buf)
	clear(merged)
	for _, s := range srcs {
		if err := s.err(); err != nil {
			return err
		}
	}
	return nil
}

// mergeByIdentifiers merges the rows of one group, all of one coarsening
// level, by identifiers: counts summed, first and last seen widened, in
// canonical order, appended to out. It returns nil when the rows are of
// several levels.
func mergeByIdentifiers(rows []Row, out []Row) []Row {
	level := rows[0].Coarsened
	for i := range rows {
		if rows[i].Coarsened != level {
			return nil
		}
	}
	slices.SortStableFunc(rows, func(a, b Row) int { return cmpIdentifiers(&a, &b) })
	for i := range rows {
		r := &rows[i]
		if n := len(out); n > 0 && cmpIdentifiers(&out[n-1], r) == 0 {
			o := &out[n-1]
			o.Count += r.Count
			o.FirstSeen = min(o.FirstSeen, r.FirstSeen)
			o.LastSeen = max(o.LastSeen, r.LastSeen)
			continue
		}
		out = append(out, *r)
	}
	return out
}

// final reports whether a group's rows are already what a Table would make
// of them: one level, within the bound, strictly ordered (so distinct),
// identifiers sorted and de-duplicated, dropped groups a single bare row.
func final(rows []Row, maxSets int) bool {
	if len(rows) > maxSets {
		return false
	}
	level := rows[0].Coarsened
	if level < exact || level > dropped || (level == dropped && len(rows) != 1) {
		return false
	}
	for i := range rows {
		r := &rows[i]
		if r.Coarsened != level {
			return false
		}
		if i > 0 && cmpIdentifiers(&rows[i-1], r) >= 0 {
			return false
		}
		if level == dropped && (r.Resources != nil || r.Params != nil) {
			return false
		}
		for j := range r.Resources {
			if j > 0 && cmpResource(r.Resources[j-1], r.Resources[j]) >= 0 {
				return false
			}
			if level == cut && coarsenValue(r.Resources[j].ARN) != r.Resources[j].ARN {
				return false
			}
		}
		for j := range r.Params {
			if j > 0 && cmpParam(r.Params[j-1], r.Params[j]) >= 0 {
				return false
			}
			if level == cut && coarsenValue(r.Params[j].Value) != r.Params[j].Value {
				return false
			}
		}
	}
	return true
}

// entrySource yields manifest entries in order; name says where they come
// from in errors.
type entrySource interface {
	peek() *ManifestEntry
	advance()
	err() error
	source() string
}

type sliceEntries struct {
	name    string
	entries []ManifestEntry
	i       int
}

func (s *sliceEntries) peek() *ManifestEntry {
	if s.i < len(s.entries) {
		return &s.entries[s.i]
	}
	return nil
}
func (s *sliceEntries) advance()       { s.i++ }
func (s *sliceEntries) err() error     { return nil }
func (s *sliceEntries) source() string { return s.name }

type fileEntries struct {
	name string
	m    *manifestRows
}

func (f *fileEntries) peek() *ManifestEntry { return f.m.peek() }
func (f *fileEntries) advance()             { f.m.advance() }
func (f *fileEntries) err() error           { return f.m.e }
func (f *fileEntries) source() string       { return f.name }

// sourcedEntry is a manifest entry and the name of the source it came from.
type sourcedEntry struct {
	entry ManifestEntry
	from  string
}

// writeManifest merges sorted manifests into a new file. The entries of
// one object (URI, ETag and size) found in any of the sources are passed
// together to combine, which returns the entry to write or the error to
// fail with.
func writeManifest(ctx context.Context, dir string, srcs []entrySource, combine func([]sourcedEntry) (ManifestEntry, error)) (manifestFile, error) {
	w, err := newManifestWriter(dir)
	if err != nil {
		return manifestFile{}, err
	}
	defer w.discard()
	var group []sourcedEntry
	n := 0
	for {
		var first *ManifestEntry
		for _, s := range srcs {
			if e := s.peek(); e != nil && (first == nil || cmpEntry(e, first) < 0) {
				first = e
			}
		}
		if first == nil {
			break
		}
		key := *first
		group = group[:0]
		for _, s := range srcs {
			for e := s.peek(); e != nil && cmpEntry(e, &key) == 0; e = s.peek() {
				group = append(group, sourcedEntry{entry: *e, from: s.source()})
				s.advance()
			}
		}
		e, err := combine(group)
		if err != nil {
			return manifestFile{}, err
		}
		if err := w.write(e); err != nil {
			return manifestFile{}, err
		}
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return manifestFile{}, err
			}
		}
	}
	for _, s := range srcs {
		if err := s.err(); err != nil {
			return manifestFile{}, err
		}
	}
	return w.finish()
}
