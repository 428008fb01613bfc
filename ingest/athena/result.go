package athena

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// Columns are the query's result columns, in order. A result is
// recognised by them: a CSV whose header is exactly these names, or a
// Parquet file with exactly these columns.
var Columns = []string{
	"day", "identity_type", "identity_arn", "identity_account", "principal_id", "user_name",
	"issuer_type", "issuer_arn", "issuer_account", "invoked_by", "identity_provider",
	"on_behalf_of_user_id", "on_behalf_of_store_arn", "account", "region",
	"event_source", "event_name", "event_type", "event_category", "read_only", "error_code",
	"error_message", "shared", "resources", "params", "count", "first_seen", "last_seen",
}

// Formats of the FileResult of a query result.
const (
	FormatCSV     ingest.Format = "usage_query_csv"
	FormatParquet ingest.Format = "usage_query_parquet"
)

// SkipInvalidResult is the reason for a query result with a malformed row:
// a file counts entirely or not at all.
const SkipInvalidResult ingest.SkipReason = "invalid_query_result"

// ResultFormat is the ingest.ObjectFormat of the query's results: the CSV
// file Athena writes for a query, or Parquet (UNLOAD, CTAS), from S3 or
// local files. Their rows go to the store as they are, counts included.
type ResultFormat struct{}

// Name implements ingest.ObjectFormat.
func (ResultFormat) Name() string { return "usage query result" }

var (
	utf8BOM     = []byte("\xef\xbb\xbf")
	quotedStart = []byte(`"day","identity_type","identity_arn",`)
	plainStart  = []byte(`day,identity_type,identity_arn,`)
)

// Match implements ingest.ObjectFormat: the start of the CSV header, or
// Parquet's magic.
func (ResultFormat) Match(head []byte) bool {
	head = bytes.TrimPrefix(head, utf8BOM)
	return bytes.HasPrefix(head, quotedStart) || bytes.HasPrefix(head, plainStart) || bytes.HasPrefix(head, []byte("PAR1"))
}

// Read implements ingest.ObjectFormat.
func (ResultFormat) Read(ctx context.Context, obj *ingest.ObjectContent, out ingest.Sink) (ingest.FileResult, error) {
	if bytes.HasPrefix(obj.Head, []byte("PAR1")) {
		r, size, err := obj.ReaderAt()
		if err != nil {
			return ingest.FileResult{}, err
		}
		return ReadParquet(r, size, out.Row)
	}
	return ReadCSV(obj.Body(), out.Row)
}

// ReadCSV reads a result in CSV: a header of Columns, then one row per
// line, fields quoted or not (Athena quotes every field and writes NULL as
// an empty field). fn gets each row; the Row is reused.
func ReadCSV(r io.Reader, fn func(*store.Row) error) (ingest.FileResult, error) {
	res := ingest.FileResult{Format: FormatCSV}
	cr := &countingReader{r: r}
	c := csv.NewReader(cr)
	c.ReuseRecord = true
	header, err := c.Read()
	if err != nil {
		return res, fileErr(SkipInvalidResult, "header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], string(utf8BOM))
	}
	if !slices.Equal(header, Columns) {
		return res, fmt.Errorf("the CSV header is not the usage query's columns (%s): %w", strings.Join(header, ","), ingest.ErrNotThisFormat)
	}
	c.FieldsPerRecord = len(Columns)
	var p rowParser
	for line := 2; ; line++ {
		rec, err := c.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fileErr(SkipInvalidResult, "%w", err)
		}
		if err := p.fromText(rec); err != nil {
			return res, fileErr(SkipInvalidResult, "line %d: %w", line, err)
		}
		if err := fn(&p.row); err != nil {
			return res, err
		}
		res.Events += p.row.Count
	}
	res.Bytes = cr.n
	return res, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func fileErr(reason ingest.SkipReason, f string, args ...any) error {
	return &ingest.FileError{Reason: reason, Err: fmt.Errorf(f, args...)}
}

// ReadParquet reads a result in Parquet, as UNLOAD or CTAS writes it: the
// columns of Columns (in any order), day a DATE or 'YYYY-MM-DD', shared a
// BOOLEAN, count and the times BIGINT (or timestamps).
func ReadParquet(r io.ReaderAt, size int64, fn func(*store.Row) error) (ingest.FileResult, error) {
	res := ingest.FileResult{Format: FormatParquet, Bytes: size}
	pf, err := ingest.OpenParquet(r, size)
	if err != nil {
		return res, &ingest.FileError{Reason: ingest.SkipInvalidParquet, Err: err}
	}
	cols := map[string]parquetColumn{}
	var names []string
	for i, f := range pf.Schema().Fields() {
		names = append(names, f.Name())
		if !f.Leaf() || f.Repeated() {
			names = append(names, "(nested)")
			continue
		}
		cols[f.Name()] = parquetColumn{index: i, unit: unitOf(f.Type())}
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(Columns))
	if !slices.Equal(names, want) || len(pf.Schema().Columns()) != len(Columns) {
		return res, fmt.Errorf("the Parquet columns are not the usage query's (%s): %w", strings.Join(names, ", "), ingest.ErrNotThisFormat)
	}
	order := make([]parquetColumn, len(Columns))
	for i, name := range Columns {
		order[i] = cols[name]
	}
	rows := ingest.NewParquetRows(pf)
	defer rows.Close()
	var p rowParser
	vals := make([]parquet.Value, len(Columns))
	for n := 1; ; n++ {
		row, err := rows.Next()
		if err != nil {
			return res, &ingest.FileError{Reason: ingest.SkipInvalidParquet, Err: err}
		}
		if row == nil {
			break
		}
		clear(vals)
		for _, v := range row {
			if c := v.Column(); c >= 0 && c < len(vals) {
				vals[c] = v
			}
		}
		if err := p.fromParquet(vals, order); err != nil {
			return res, fileErr(SkipInvalidResult, "row %d: %w", n, err)
		}
		if err := fn(&p.row); err != nil {
			return res, err
		}
		res.Events += p.row.Count
	}
	return res, nil
}

type parquetColumn struct {
	index int
	unit  timeUnit
}

type timeUnit uint8

const (
	unitNone timeUnit = iota
	unitMillis
	unitMicros
	unitNanos
	unitDate
)

func unitOf(t parquet.Type) timeUnit {
	if lt := t.LogicalType(); lt != nil {
		switch v := lt.Value.(type) {
		case *format.DateType:
			return unitDate
		case *format.TimestampType:
			switch v.Unit.Value.(type) {
			case *format.MilliSeconds:
				return unitMillis
			case *format.MicroSeconds:
				return unitMicros
			case *format.NanoSeconds:
				return unitNanos
			}
		}
	}
	return unitNone
}

// rowParser turns one result row into a store.Row, checking it.
type rowParser struct {
	row store.Row
	res []store.Resource
	par []store.Param
}

// Field positions in Columns.
const (
	colDay = iota
	colIdentityType
	colIdentityARN
	colIdentityAccount
	colPrincipalID
	colUserName
	colIssuerType
	colIssuerARN
	colIssuerAccount
	colInvokedBy
	colIdentityProvider
	colOnBehalfOfUserID
	colOnBehalfOfStoreARN
	colAccount
	colRegion
	colEventSource
	colEventName
	colEventType
	colEventCategory
	colReadOnly
	colErrorCode
	colErrorMessage
	colShared
	colResources
	colParams
	colCount
	colFirstSeen
	colLastSeen
)

func (p *rowParser) fromText(rec []string) error {
	day, err := time.Parse(time.DateOnly, rec[colDay])
	if err != nil {
		return fmt.Errorf("day %q: %w", rec[colDay], err)
	}
	var shared bool
	switch rec[colShared] {
	case "true":
		shared = true
	case "false":
	default:
		return fmt.Errorf("shared %q: want true or false", rec[colShared])
	}
	var nums [3]int64
	for i, c := range []int{colCount, colFirstSeen, colLastSeen} {
		n, err := strconv.ParseInt(rec[c], 10, 64)
		if err != nil {
			return fmt.Errorf("%s %q: %w", Columns[c], rec[c], err)
		}
		nums[i] = n
	}
	return p.fill(store.DayOf(day.UnixMilli()), rec, shared, rec[colResources], rec[colParams], nums)
}

func (p *rowParser) fromParquet(vals []parquet.Value, order []parquetColumn) error {
	rec := make([]string, len(Columns))
	var day int32
	var shared bool
	var nums [3]int64
	for i, c := range order {
		v := vals[c.index]
		switch i {
		case colDay:
			switch {
			case v.IsNull():
				return errors.New("day is null")
			case v.Kind() == parquet.Int32:
				day = v.Int32()
			case v.Kind() == parquet.ByteArray:
				t, err := time.Parse(time.DateOnly, string(v.ByteArray()))
				if err != nil {
					return fmt.Errorf("day %q: %w", v.ByteArray(), err)
				}
				day = store.DayOf(t.UnixMilli())
			default:
				return fmt.Errorf("day is a %s", v.Kind())
			}
		case colShared:
			switch {
			case v.Kind() == parquet.Boolean && !v.IsNull():
				shared = v.Boolean()
			case v.Kind() == parquet.ByteArray && string(v.ByteArray()) == "true":
				shared = true
			case v.Kind() == parquet.ByteArray && string(v.ByteArray()) == "false":
			default:
				return fmt.Errorf("shared is %v", v)
			}
		case colCount, colFirstSeen, colLastSeen:
			var n int64
			switch {
			case v.IsNull():
				return fmt.Errorf("%s is null", Columns[i])
			case v.Kind() == parquet.Int64:
				n = v.Int64()
			case v.Kind() == parquet.Int32:
				n = int64(v.Int32())
			default:
				return fmt.Errorf("%s is a %s", Columns[i], v.Kind())
			}
			switch c.unit {
			case unitMicros:
				n /= 1_000
			case unitNanos:
				n /= 1_000_000
			}
			nums[i-colCount] = n
		default:
			if !v.IsNull() {
				if v.Kind() != parquet.ByteArray {
					return fmt.Errorf("%s is a %s", Columns[i], v.Kind())
				}
				rec[i] = string(v.ByteArray())
			}
		}
	}
	return p.fill(day, rec, shared, rec[colResources], rec[colParams], nums)
}

// fill sets p.row from the parsed fields and checks what holds for every
// row the query makes: a count of at least one, first and last seen in the
// row's day, read_only empty or a boolean, resources and params as the
// query writes them.
func (p *rowParser) fill(day int32, rec []string, shared bool, resources, params string, nums [3]int64) error {
	count, first, last := nums[0], nums[1], nums[2]
	if count < 1 {
		return fmt.Errorf("count %d", count)
	}
	if first > last || store.DayOf(first) != day || store.DayOf(last) != day {
		return fmt.Errorf("first_seen %d and last_seen %d are not in day %s", first, last, store.DayTime(day).Format(time.DateOnly))
	}
	switch rec[colReadOnly] {
	case "", "true", "false":
	default:
		return fmt.Errorf("read_only %q", rec[colReadOnly])
	}
	var err error
	if p.res, err = parseResources(resources, p.res[:0]); err != nil {
		return err
	}
	if p.par, err = parseParams(params, p.par[:0]); err != nil {
		return err
	}
	p.row = store.Row{
		Day:                day,
		IdentityType:       rec[colIdentityType],
		IdentityARN:        rec[colIdentityARN],
		IdentityAccount:    rec[colIdentityAccount],
		PrincipalID:        rec[colPrincipalID],
		UserName:           rec[colUserName],
		IssuerType:         rec[colIssuerType],
		IssuerARN:          rec[colIssuerARN],
		IssuerAccount:      rec[colIssuerAccount],
		InvokedBy:          rec[colInvokedBy],
		IdentityProvider:   rec[colIdentityProvider],
		OnBehalfOfUserID:   rec[colOnBehalfOfUserID],
		OnBehalfOfStoreARN: rec[colOnBehalfOfStoreARN],
		Account:            rec[colAccount],
		Region:             rec[colRegion],
		EventSource:        rec[colEventSource],
		EventName:          rec[colEventName],
		EventType:          rec[colEventType],
		EventCategory:      rec[colEventCategory],
		ReadOnly:           rec[colReadOnly],
		ErrorCode:          rec[colErrorCode],
		ErrorMessage:       rec[colErrorMessage],
		Shared:             shared,
		Resources:          p.res,
		Params:             p.par,
		Count:              count,
		FirstSeen:          first,
		LastSeen:           last,
	}
	if p.row.EventSource == "" || p.row.EventName == "" {
		return errors.New("no event_source or event_name")
	}
	return nil
}

// parseResources reads [[arn, account, type], …].
func parseResources(s string, out []store.Resource) ([]store.Resource, error) {
	var list [][]string
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return out, fmt.Errorf("resources %.80q: %w", s, err)
	}
	for _, r := range list {
		if len(r) != 3 {
			return out, fmt.Errorf("resources %.80q: an entry of %d fields, want 3", s, len(r))
		}
		out = append(out, store.Resource{ARN: r[0], AccountID: r[1], Type: r[2]})
	}
	return out, nil
}

// parseParams reads [[name, value], …].
func parseParams(s string, out []store.Param) ([]store.Param, error) {
	var list [][]string
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return out, fmt.Errorf("params %.80q: %w", s, err)
	}
	for _, p := range list {
		if len(p) != 2 || p[0] == "" || p[1] == "" {
			return out, fmt.Errorf("params %.80q: want [name, value] pairs", s)
		}
		out = append(out, store.Param{Name: p[0], Value: p[1]})
	}
	return out, nil
}
