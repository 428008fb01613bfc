package securitylake

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// Columns are found by their logical path, which is the same whatever
// list and map encoding the writer used: struct fields joined with ".", a
// list's elements marked "[]" and a map's entries "{}" ("resources[].uid",
// "unmapped{}.key", "metadata.profiles[]"). Security Lake v1 writes the
// legacy two-level lists (a repeated group named "array"), parquet-go and
// Spark the three-level form (list.element); both give the same paths.

// leaf is one leaf column of the file's schema.
type leaf struct {
	index int // column index, as in parquet.Value.Column
	unit  timeUnit
}

// timeUnit is how an integer column holds a time.
type timeUnit uint8

const (
	unitNone timeUnit = iota // not annotated: Security Lake writes epoch milliseconds
	unitMillis
	unitMicros
	unitNanos
	unitInt96 // the legacy Impala/Hive timestamp
)

// columnsOf maps the logical path of every leaf column to the column. A
// schema that the library cannot describe (it panics on some corrupt
// ones) is an error.
func columnsOf(schema *parquet.Schema) (cols map[string]leaf, err error) {
	defer func() {
		if p := recover(); p != nil {
			cols, err = nil, fmt.Errorf("malformed Parquet schema: %v", p)
		}
	}()
	cols = map[string]leaf{}
	next := 0
	var walk func(n parquet.Node, path string)
	record := func(n parquet.Node, path string) {
		cols[path] = leaf{index: next, unit: unitOf(n)}
		next++
	}
	// walkFields visits a group's fields, marking repeated fields that no
	// LIST or MAP annotation wraps as lists.
	walkFields := func(n parquet.Node, path string) {
		for _, f := range n.Fields() {
			p := join(path, f.Name())
			if f.Repeated() {
				p += "[]"
			}
			walk(f, p)
		}
	}
	walk = func(n parquet.Node, path string) {
		if n.Leaf() {
			record(n, path)
			return
		}
		fields := n.Fields()
		switch {
		case isList(n) && len(fields) == 1 && fields[0].Repeated():
			rep := fields[0]
			path += "[]"
			switch {
			case rep.Leaf():
				record(rep, path)
			case len(rep.Fields()) == 1 && rep.Name() != "array" && !strings.HasSuffix(rep.Name(), "_tuple"):
				// Three-level list: the repeated group wraps the element.
				elem := rep.Fields()[0]
				if elem.Leaf() {
					record(elem, path)
				} else {
					walkFields(elem, path)
				}
			default:
				// Two-level list: the repeated group is the element.
				walkFields(rep, path)
			}
		case isMap(n) && len(fields) == 1 && fields[0].Repeated() && !fields[0].Leaf():
			for _, kv := range fields[0].Fields() {
				walk(kv, path+"{}."+kv.Name())
			}
		default:
			walkFields(n, path)
		}
	}
	walkFields(schema, "")
	if next != len(schema.Columns()) {
		return nil, fmt.Errorf("malformed Parquet schema: %d leaf columns found, %d declared", next, len(schema.Columns()))
	}
	return cols, nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func isList(n parquet.Node) bool {
	t := n.Type()
	if lt := t.LogicalType(); lt != nil {
		if _, ok := lt.Value.(*format.ListType); ok {
			return true
		}
	}
	ct := t.ConvertedType()
	return ct != nil && *ct == deprecated.List
}

func isMap(n parquet.Node) bool {
	t := n.Type()
	if lt := t.LogicalType(); lt != nil {
		if _, ok := lt.Value.(*format.MapType); ok {
			return true
		}
	}
	ct := t.ConvertedType()
	return ct != nil && (*ct == deprecated.Map || *ct == deprecated.MapKeyValue)
}

func unitOf(n parquet.Node) timeUnit {
	t := n.Type()
	if t.Kind() == parquet.Int96 {
		return unitInt96
	}
	if lt := t.LogicalType(); lt != nil {
		if ts, ok := lt.Value.(*format.TimestampType); ok {
			switch ts.Unit.Value.(type) {
			case *format.MilliSeconds:
				return unitMillis
			case *format.MicroSeconds:
				return unitMicros
			case *format.NanoSeconds:
				return unitNanos
			}
		}
	}
	if ct := t.ConvertedType(); ct != nil {
		switch *ct {
		case deprecated.TimestampMillis:
			return unitMillis
		case deprecated.TimestampMicros:
			return unitMicros
		}
	}
	return unitNone
}

// rowValues holds one row's values by column index.
type rowValues struct {
	byCol [][]parquet.Value
}

func (rv *rowValues) load(row parquet.Row, columns int) {
	if cap(rv.byCol) < columns {
		rv.byCol = make([][]parquet.Value, columns)
	}
	rv.byCol = rv.byCol[:columns]
	for i := range rv.byCol {
		rv.byCol[i] = nil
	}
	row.Range(func(col int, vals []parquet.Value) bool {
		if col >= 0 && col < columns {
			rv.byCol[col] = vals
		}
		return true
	})
}

// values returns the values of a column in this row (one per list element
// for a column under a list).
func (rv *rowValues) values(c leaf, ok bool) []parquet.Value {
	if !ok || c.index >= len(rv.byCol) {
		return nil
	}
	return rv.byCol[c.index]
}

// text renders a scalar value as the string CloudTrail would have logged.
func text(v parquet.Value) (string, bool) {
	if v.IsNull() {
		return "", false
	}
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		// The text aliases the row's page memory, which stays as it is
		// until the next batch of rows is read: a record is built from
		// its row before that, and nothing keeps the text longer.
		b := v.ByteArray()
		if len(b) == 0 {
			return "", true
		}
		return unsafe.String(&b[0], len(b)), true
	case parquet.Boolean:
		return strconv.FormatBool(v.Boolean()), true
	case parquet.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10), true
	case parquet.Int64:
		return strconv.FormatInt(v.Int64(), 10), true
	case parquet.Float:
		return strconv.FormatFloat(float64(v.Float()), 'g', -1, 32), true
	case parquet.Double:
		return strconv.FormatFloat(v.Double(), 'g', -1, 64), true
	}
	return "", false
}

// millis reads a time column as Unix milliseconds.
func millis(v parquet.Value, unit timeUnit) (int64, bool) {
	if v.IsNull() {
		return 0, false
	}
	var n int64
	switch v.Kind() {
	case parquet.Int64:
		n = v.Int64()
	case parquet.Int32:
		n = int64(v.Int32())
	case parquet.Int96:
		// 8 bytes of nanoseconds in the day, then the Julian day, little
		// endian.
		i := v.Int96()
		var b [12]byte
		binary.LittleEndian.PutUint32(b[0:], i[0])
		binary.LittleEndian.PutUint32(b[4:], i[1])
		binary.LittleEndian.PutUint32(b[8:], i[2])
		nanos := int64(binary.LittleEndian.Uint64(b[:8]))
		julian := int64(binary.LittleEndian.Uint32(b[8:]))
		return (julian-2_440_588)*86_400_000 + nanos/1_000_000, true
	default:
		return 0, false
	}
	switch unit {
	case unitMicros:
		return floorDiv(n, 1_000), true
	case unitNanos:
		return floorDiv(n, 1_000_000), true
	}
	return n, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
