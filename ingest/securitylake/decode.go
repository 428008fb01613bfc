package securitylake

import (
	"bytes"
	"context"
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
	pf, err := ingest.OpenParquet(r, size)
	if err != nil {
		return res, &ingest.FileError{Reason: ingest.SkipInvalidParquet, Err: err}
	}
	cols, err := columnsOf(pf.Schema())
	if err != nil {
		return res, &ingest.FileError{Reason: ingest.SkipInvalidParquet, Err: err}
	}
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
		rows:    ingest.NewParquetRows(pf),
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
		return res, &ingest.FileError{Reason: ingest.SkipNotCloudTrail, Err: fmt.Errorf("not CloudTrail: Security Lake OCSF from %q (class %q)", src.firstProduct, src.firstClass)}
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

// recordStream is the file's rows as a CloudTrail log ({"Records":[…]}),
// produced as ingest.Decode reads it, so that the OCSF events go through
// exactly the decoder, and the rules, of JSON logs.
type recordStream struct {
	rows    *ingest.ParquetRows
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
		row, err := s.rows.Next()
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
			// Cloned: the row's text lives only as long as its batch.
			s.firstProduct, s.firstClass = strings.Clone(product), strings.Clone(s.b.get("class_name"))
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
