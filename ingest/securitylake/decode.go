package securitylake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/iamtailor/iamtailor/ingest"
)

// FormatSecurityLake is the ingest.FileResult.Format of a Security Lake
// object.
const FormatSecurityLake ingest.Format = "security_lake_ocsf_parquet"

// SkipNotCloudTrailEvent counts rows of another product in a file whose
// first row is CloudTrail. Security Lake writes one source per object, so
// it is not expected.
const SkipNotCloudTrailEvent ingest.SkipReason = "not_cloudtrail_event"

var parquetMagic = []byte("PAR1")

// Format is the ingest.ObjectFormat of Security Lake CloudTrail objects.
type Format struct{}

// Name implements ingest.ObjectFormat.
func (Format) Name() string { return "security lake" }

// Match implements ingest.ObjectFormat: Parquet, by its magic bytes.
func (Format) Match(head []byte) bool { return bytes.HasPrefix(head, parquetMagic) }

// Read implements ingest.ObjectFormat.
func (Format) Read(ctx context.Context, obj *ingest.ObjectContent, out ingest.Sink) (ingest.FileResult, error) {
	r, size, err := obj.ReaderAt()
	if err != nil {
		return ingest.FileResult{}, err
	}
	return Decode(r, size, out.Event)
}

// Decode reads one Security Lake CloudTrail Parquet object and calls fn for
// every event in it, as ingest.Decode does for a CloudTrail log: the same
// Event, the same reuse rules, the same per-event skip reasons.
//
// A Parquet file that is not OCSF API activity is reported with an error
// wrapping ingest.ErrNotThisFormat; OCSF from another product (VPC Flow
// Logs, EKS audit) as a *ingest.FileError with ingest.SkipNotCloudTrail; a
// file that cannot be read (truncated, corrupt) with
// ingest.SkipInvalidParquet. Decode never panics on bad input.
func Decode(r io.ReaderAt, size int64, fn func(*ingest.Event) error) (ingest.FileResult, error) {
	res := ingest.FileResult{Format: FormatSecurityLake, Bytes: size}
	pf, err := openParquet(r, size)
	if err != nil {
		return res, &ingest.FileError{Reason: ingest.SkipInvalidParquet, Err: err}
	}
	cols := columnsOf(pf.Schema())
	var missing []string
	for _, c := range requiredColumns {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	_, hasTime := cols["time"]
	_, hasTimeDT := cols["time_dt"]
	if !hasTime && !hasTimeDT {
		missing = append(missing, "time")
	}
	if len(missing) > 0 {
		return res, fmt.Errorf("not OCSF API activity: no column %s (top-level columns: %s): %w",
			strings.Join(missing, ", "), topLevel(pf.Schema()), ingest.ErrNotThisFormat)
	}
	_, v1 := cols["actor.user.uuid"]
	src := &recordStream{
		rows:    newRowReader(pf),
		b:       recordBuilder{s: &schemaView{cols: cols, v1: v1}, unm: map[string]string{}},
		columns: len(pf.Schema().Columns()),
		skipped: map[ingest.SkipReason]int64{},
	}
	src.buf = append(src.buf, `{"Records":[`...)
	// The first row decides what the file is, before any event goes out.
	if err := src.fill(); err != nil {
		return res, &ingest.FileError{Reason: ingest.SkipInvalidParquet, Err: err}
	}
	if src.firstProduct != "" && src.firstProduct != "CloudTrail" {
		return res, &ingest.FileError{Reason: ingest.SkipNotCloudTrail, Err: fmt.Errorf("Security Lake OCSF from %q (class %q), not CloudTrail", src.firstProduct, src.firstClass)}
	}
	dres, err := ingest.Decode(src, fn)
	res.Events = dres.Events
	res.EventsSkipped = dres.EventsSkipped
	if src.err != nil {
		return res, &ingest.FileError{Reason: ingest.SkipInvalidParquet, Err: src.err}
	}
	if err != nil {
		return res, err
	}
	for k, n := range src.skipped {
		if res.EventsSkipped == nil {
			res.EventsSkipped = map[ingest.SkipReason]int64{}
		}
		res.EventsSkipped[k] += n
	}
	return res, nil
}

// openParquet opens the file's footer, turning a panic of the Parquet
// library on malformed input into an error.
func openParquet(r io.ReaderAt, size int64) (pf *parquet.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			pf, err = nil, fmt.Errorf("malformed Parquet: %v", p)
		}
	}()
	pf, err = parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("open Parquet: %w", err)
	}
	return pf, nil
}

func topLevel(s *parquet.Schema) string {
	var names []string
	for _, f := range s.Fields() {
		names = append(names, f.Name())
	}
	slices.Sort(names)
	if len(names) > 12 {
		names = append(names[:12], "…")
	}
	return strings.Join(names, ", ")
}

// rowReader reads a file's rows, row group by row group, with the
// low-level reader: parquet-go's generic reader panics on the legacy
// two-level lists Security Lake v1 writes, the row reader does not. A panic
// of the library on malformed data becomes an error.
type rowReader struct {
	groups []parquet.RowGroup
	g      int
	rows   parquet.Rows
	batch  []parquet.Row
	n, i   int
	done   bool
}

func newRowReader(pf *parquet.File) *rowReader {
	return &rowReader{groups: pf.RowGroups(), batch: make([]parquet.Row, 64)}
}

// next returns the next row, nil at the end. The row is valid until the
// next call.
func (rr *rowReader) next() (row parquet.Row, err error) {
	defer func() {
		if p := recover(); p != nil {
			row, err = nil, fmt.Errorf("malformed Parquet in row group %d: %v", rr.g, p)
			rr.done = true
		}
	}()
	for !rr.done {
		if rr.i < rr.n {
			rr.i++
			return rr.batch[rr.i-1], nil
		}
		if rr.rows == nil {
			if rr.g >= len(rr.groups) {
				rr.done = true
				return nil, nil
			}
			rr.rows = rr.groups[rr.g].Rows()
		}
		n, err := rr.rows.ReadRows(rr.batch)
		rr.n, rr.i = n, 0
		if errors.Is(err, io.EOF) {
			rr.rows.Close()
			rr.rows = nil
			rr.g++
			continue
		}
		if err != nil {
			rr.done = true
			return nil, fmt.Errorf("read row group %d: %w", rr.g, err)
		}
	}
	return nil, nil
}

// recordStream is the file's rows as a CloudTrail log ({"Records":[…]}),
// produced as ingest.Decode reads it, so that the OCSF events go through
// exactly the decoder, and the rules, of JSON logs.
type recordStream struct {
	rows    *rowReader
	b       recordBuilder
	columns int
	buf     []byte
	off     int
	count   int // records written
	end     bool
	err     error
	skipped map[ingest.SkipReason]int64

	firstProduct, firstClass string
}

// fill appends the next rows' records to buf.
func (s *recordStream) fill() error {
	if s.end || s.err != nil {
		return s.err
	}
	if s.off > 0 && s.off == len(s.buf) {
		s.buf, s.off = s.buf[:0], 0
	}
	for start := len(s.buf); len(s.buf)-start < 64<<10; {
		row, err := s.rows.next()
		if err != nil {
			s.err = err
			return err
		}
		if row == nil {
			s.buf = append(s.buf, "]}"...)
			s.end = true
			return nil
		}
		s.b.out = s.b.out[:0]
		product, ok := s.b.build(row, s.columns)
		if s.firstProduct == "" && s.count == 0 && len(s.skipped) == 0 {
			s.firstProduct, s.firstClass = product, s.b.get("class_name")
			if product == "" {
				s.firstProduct = "(none)"
			}
		}
		if !ok {
			s.skipped[SkipNotCloudTrailEvent]++
			continue
		}
		if s.count > 0 {
			s.buf = append(s.buf, ',')
		}
		s.buf = append(s.buf, s.b.out...)
		s.count++
	}
	return nil
}

// Read implements io.Reader.
func (s *recordStream) Read(p []byte) (int, error) {
	for s.off == len(s.buf) {
		if s.end {
			return 0, io.EOF
		}
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.buf[s.off:])
	s.off += n
	return n, nil
}
