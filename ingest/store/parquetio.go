package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/parquet-go/parquet-go"
	zstdcodec "github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// SchemaVersion is the version of the store's layout and Parquet schema.
// A store written by a newer version is refused rather than misread.
//
// Version 2 added the manifest's scopes column; version-1 stores are read
// (their objects count as ingested under everything, which is what a run
// without filters records) and become version 2 with their next commit.
// The data files' schema has not changed since version 1, and they say so.
const SchemaVersion = 2

// Schema versions written into each kind of Parquet file's metadata.
const (
	usageFileVersion    = 1
	manifestFileVersion = 2
)

// Rows per row group. A row group is the unit DuckDB reads in parallel
// and skips by its statistics, and the unit parquet-go buffers while
// writing: 64Ki rows keep the write buffer near 20 MB. Tests lower them to
// read across many row groups.
var (
	usageRowGroupRows    int64 = 64 << 10
	manifestRowGroupRows int64 = 128 << 10
)

const (
	// Rows decoded per read call.
	readBatchRows = 256
	// Rows buffered before each write call.
	writeBatchRows = 1024
)

func writerOptions(rowGroupRows int64, version int) []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.Compression(&fastZstd),
		parquet.MaxRowsPerRowGroup(rowGroupRows),
		// The default names the parquet-go build: fix it so that the same
		// rows give the same bytes whatever binary wrote them.
		parquet.CreatedBy("iamtailor", "usage-store-"+strconv.Itoa(version), "-"),
		parquet.KeyValueMetadata("iamtailor.usage_store.version", strconv.Itoa(version)),
		// High-cardinality columns (object keys, error messages) fall back
		// to plain encoding instead of growing a dictionary without bound.
		parquet.DictionaryMaxBytes(1 << 20),
	}
}

// rowSource yields rows in canonical order, one at a time, with a one-row
// look-ahead: peek returns the next row (nil at the end or on error, see
// err) and advance moves past it. A peeked row is valid until advance; a
// Row value copy of it stays valid (strings and slices are never reused).
type rowSource interface {
	peek() *Row
	advance()
	err() error
}

// fileRows reads a data file's rows between two days, skipping row groups
// whose day statistics fall outside and stopping after the last day: the
// file is sorted by day.
type fileRows struct {
	path         string
	f            *os.File
	groups       []parquet.RowGroup
	meta         []rowGroupDays
	since, until int32
	next         int // next row group
	r            *parquet.GenericReader[Row]
	batch        []Row
	n, i         int
	done         bool
	e            error
}

type rowGroupDays struct {
	min, max int32
	known    bool
}

// openUsage opens a data file. The file descriptor is held until close,
// so a concurrent commit that deletes the file does not cut the read short.
func openUsage(path string, since, until int32) (*fileRows, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if err := checkSchema(pf, parquet.SchemaOf(Row{})); err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	s := &fileRows{path: path, f: f, groups: pf.RowGroups(), since: since, until: until}
	for _, rg := range pf.Metadata().RowGroups {
		s.meta = append(s.meta, dayStats(rg))
	}
	s.batch = make([]Row, readBatchRows)
	s.fill()
	return s, nil
}

// dayStats reads the min and max of the day column (the first leaf) of a
// row group from the file footer.
func dayStats(rg format.RowGroup) rowGroupDays {
	if len(rg.Columns) == 0 {
		return rowGroupDays{}
	}
	st := rg.Columns[0].MetaData.Statistics
	if len(st.MinValue) != 4 || len(st.MaxValue) != 4 {
		return rowGroupDays{}
	}
	return rowGroupDays{
		min:   int32(binary.LittleEndian.Uint32(st.MinValue)),
		max:   int32(binary.LittleEndian.Uint32(st.MaxValue)),
		known: true,
	}
}

func checkSchema(pf *parquet.File, want *parquet.Schema) error {
	if !parquet.EqualNodes(pf.Schema(), want) {
		return fmt.Errorf("unexpected schema (want schema version %d):\n%s", SchemaVersion, pf.Schema())
	}
	return nil
}

func (s *fileRows) peek() *Row {
	if s.i < s.n {
		return &s.batch[s.i]
	}
	return nil
}

func (s *fileRows) advance() {
	s.i++
	if s.i >= s.n {
		s.fill()
	}
}

func (s *fileRows) err() error { return s.e }

// fill reads the next batch of rows inside the window.
func (s *fileRows) fill() {
	s.i, s.n = 0, 0
	for !s.done {
		if s.r == nil {
			if !s.nextGroup() {
				s.done = true
				return
			}
		}
		// Rows keep their own slices after the batch is reused: clearing
		// makes the reader allocate fresh ones instead of overwriting.
		clear(s.batch)
		n, err := s.r.Read(s.batch)
		if err != nil && !errors.Is(err, io.EOF) {
			s.e = fmt.Errorf("read %s: %w", s.path, err)
			s.done = true
			return
		}
		if err != nil || n == 0 {
			s.r.Close()
			s.r = nil
		}
		// Keep the rows inside the window.
		k := 0
		for j := range n {
			d := s.batch[j].Day
			if d > s.until {
				s.done = true
				break
			}
			if d < s.since {
				continue
			}
			normalizeRead(&s.batch[j])
			if k != j {
				s.batch[k] = s.batch[j]
			}
			k++
		}
		if k > 0 {
			s.n = k
			return
		}
	}
}

// nextGroup opens the next row group that may hold rows in the window.
func (s *fileRows) nextGroup() bool {
	for s.next < len(s.groups) {
		i := s.next
		s.next++
		if m := s.meta[i]; m.known {
			if m.min > s.until {
				return false
			}
			if m.max < s.since {
				continue
			}
		}
		s.r = parquet.NewGenericRowGroupReader[Row](s.groups[i])
		return true
	}
	return false
}

// normalizeRead makes a row read back equal to the row written: the reader
// gives empty lists where the table keeps nil.
func normalizeRead(r *Row) {
	if len(r.Resources) == 0 {
		r.Resources = nil
	}
	if len(r.Params) == 0 {
		r.Params = nil
	}
}

func (s *fileRows) close() {
	if s.r != nil {
		s.r.Close()
	}
	s.f.Close()
}

// manifestWriter writes manifest entries, already sorted, to a new file.
type manifestWriter struct {
	af    *atomicFile
	pw    *parquet.GenericWriter[ManifestEntry]
	batch []ManifestEntry
	info  manifestFile
}

func newManifestWriter(dir string) (*manifestWriter, error) {
	af, err := createAtomic(dir, "manifest")
	if err != nil {
		return nil, err
	}
	return &manifestWriter{
		af:    af,
		pw:    parquet.NewGenericWriter[ManifestEntry](af, writerOptions(manifestRowGroupRows, manifestFileVersion)...),
		batch: make([]ManifestEntry, 0, writeBatchRows),
	}, nil
}

func (w *manifestWriter) write(e ManifestEntry) error {
	w.info.Objects++
	w.info.Events += e.Events
	w.batch = append(w.batch, e)
	if len(w.batch) == cap(w.batch) {
		return w.flush()
	}
	return nil
}

func (w *manifestWriter) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	if _, err := w.pw.Write(w.batch); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	w.batch = w.batch[:0]
	return nil
}

func (w *manifestWriter) finish() (manifestFile, error) {
	if err := w.flush(); err != nil {
		return manifestFile{}, err
	}
	if err := w.pw.Close(); err != nil {
		return manifestFile{}, fmt.Errorf("write manifest: %w", err)
	}
	w.info.File = w.af.contentName(manifestPrefix)
	w.info.Bytes = w.af.bytes
	if err := w.af.commit(w.info.File); err != nil {
		return manifestFile{}, err
	}
	return w.info, nil
}

func (w *manifestWriter) discard() { w.af.discard() }

// manifestRows reads a manifest file in order, of either version.
type manifestRows struct {
	path        string
	f           *os.File
	read        func([]ManifestEntry) (int, error)
	closeReader func() error
	batch       []ManifestEntry
	n, i        int
	done        bool
	e           error
}

var (
	manifestSchema   = parquet.SchemaOf(ManifestEntry{})
	manifestV1Schema = parquet.SchemaOf(manifestEntryV1{})
)

func openManifest(path string) (*manifestRows, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	m := &manifestRows{path: path, f: f, batch: make([]ManifestEntry, 1024)}
	switch {
	case parquet.EqualNodes(pf.Schema(), manifestSchema):
		r := parquet.NewGenericReader[ManifestEntry](pf)
		m.read = func(batch []ManifestEntry) (int, error) {
			// Entries keep their own slices after the batch is reused.
			clear(batch)
			n, err := r.Read(batch)
			for i := range batch[:n] {
				normalizeEntry(&batch[i])
			}
			return n, err
		}
		m.closeReader = r.Close
	case parquet.EqualNodes(pf.Schema(), manifestV1Schema):
		r := parquet.NewGenericReader[manifestEntryV1](pf)
		v1 := make([]manifestEntryV1, len(m.batch))
		m.read = func(batch []ManifestEntry) (int, error) {
			n, err := r.Read(v1)
			for i, e := range v1[:n] {
				batch[i] = ManifestEntry{Object: e.Object, ETag: e.ETag, Size: e.Size, Events: e.Events, Scopes: Everything()}
			}
			return n, err
		}
		m.closeReader = r.Close
	default:
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, checkSchema(pf, manifestSchema))
	}
	m.fill()
	return m, nil
}

// normalizeEntry makes an entry read back equal to the entry written: the
// reader gives empty lists where canonical scopes hold nil.
func normalizeEntry(e *ManifestEntry) {
	for i := range e.Scopes {
		s := &e.Scopes[i]
		if len(s.Accounts) == 0 {
			s.Accounts = nil
		}
		if len(s.Regions) == 0 {
			s.Regions = nil
		}
	}
}

func (m *manifestRows) peek() *ManifestEntry {
	if m.i < m.n {
		return &m.batch[m.i]
	}
	return nil
}

func (m *manifestRows) advance() {
	m.i++
	if m.i >= m.n {
		m.fill()
	}
}

func (m *manifestRows) fill() {
	m.i, m.n = 0, 0
	if m.done {
		return
	}
	n, err := m.read(m.batch)
	if err != nil && !errors.Is(err, io.EOF) {
		m.e = fmt.Errorf("read %s: %w", m.path, err)
	}
	if err != nil || n == 0 {
		m.done = true
	}
	m.n = n
}

func (m *manifestRows) close() {
	m.closeReader()
	m.f.Close()
}

var fastZstd = zstdcodec.Codec{Level: zstdcodec.SpeedFastest}
