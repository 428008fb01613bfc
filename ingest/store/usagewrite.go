package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// The data files are encoded here, column by column, rather than by
// parquet-go's writer: the rows arrive sorted, so the columns of a group
// (principal, event, outcome) are long runs that cost one dictionary
// lookup and one run each, not one reflected value per row, and the
// columns of a row group are independent, so they are encoded on as many
// cores as there are. Each column's bytes are a function of the row
// group's rows alone, so a file is the same bytes whatever the number of
// cores. parquet-go still gives the schema (Row's tags) and reads the
// files; DuckDB reads them too (duckdb_test.go).
//
// The layout: Parquet 2 data pages (levels uncompressed, values zstd),
// dictionary-encoded columns as Row's dict tags say (a column chunk whose
// dictionary would pass dictionaryMaxBytes is written plain), plain
// elsewhere, column-chunk statistics (null count, min, max) under the
// type-defined order, and no page index.

// Rows per data page are cut where a page's encoded values pass
// pageTargetBytes. dictionaryMaxBytes is the largest dictionary
// (plain-encoded) a column chunk gets; a chunk whose values would need a
// larger one is written plain. Tests lower both.
var (
	pageTargetBytes    = 256 << 10
	dictionaryMaxBytes = 1 << 20
)

type leafKind uint8

const (
	leafDay leafKind = iota
	leafGroupString
	leafShared
	leafResource
	leafParam
	leafCoarsened
	leafCount
	leafFirstSeen
	leafLastSeen
)

// leafColumn is one leaf column of the usage schema, in schema order.
type leafColumn struct {
	kind   leafKind
	field  int // leafGroupString: groupField's index; leafResource, leafParam: the struct field
	dict   bool
	path   []string
	typ    format.Type
	maxDef int
	maxRep int
}

// usageLeaves lists the leaves of Row's schema in order; usageLayout
// checks it against parquet-go's reading of the tags.
var usageLeaves = func() []leafColumn {
	str := func(name string, field int, dict bool) leafColumn {
		return leafColumn{kind: leafGroupString, field: field, dict: dict, path: []string{name}, typ: format.ByteArray, maxDef: 1}
	}
	ls := []leafColumn{{kind: leafDay, path: []string{"day"}, typ: format.Int32}}
	for i, name := range groupFieldNames {
		ls = append(ls, str(name, i, name != "error_message"))
	}
	ls = append(ls, leafColumn{kind: leafShared, path: []string{"shared"}, typ: format.Boolean})
	for i, name := range []string{"arn", "account_id", "type"} {
		ls = append(ls, leafColumn{kind: leafResource, field: i, dict: name != "arn", path: []string{"resources", "list", "element", name}, typ: format.ByteArray, maxDef: 2, maxRep: 1})
	}
	for i, name := range []string{"name", "value"} {
		ls = append(ls, leafColumn{kind: leafParam, field: i, dict: name == "name", path: []string{"params", "list", "element", name}, typ: format.ByteArray, maxDef: 2, maxRep: 1})
	}
	return append(ls,
		leafColumn{kind: leafCoarsened, path: []string{"coarsened"}, typ: format.Int32},
		leafColumn{kind: leafCount, path: []string{"count"}, typ: format.Int64},
		leafColumn{kind: leafFirstSeen, path: []string{"first_seen"}, typ: format.Int64},
		leafColumn{kind: leafLastSeen, path: []string{"last_seen"}, typ: format.Int64},
	)
}()

// groupFieldNames are the string columns of a group, in schema order.
var groupFieldNames = [groupStrings]string{
	"identity_type", "identity_arn", "identity_account", "principal_id", "user_name",
	"issuer_type", "issuer_arn", "issuer_account", "invoked_by", "identity_provider",
	"on_behalf_of_user_id", "on_behalf_of_store_arn", "account", "region",
	"event_source", "event_name", "event_type", "event_category", "read_only",
	"error_code", "error_message",
}

// groupField is the i-th string column of a group, in schema order.
func groupField(r *Row, i int) string {
	switch i {
	case 0:
		return r.IdentityType
	case 1:
		return r.IdentityARN
	case 2:
		return r.IdentityAccount
	case 3:
		return r.PrincipalID
	case 4:
		return r.UserName
	case 5:
		return r.IssuerType
	case 6:
		return r.IssuerARN
	case 7:
		return r.IssuerAccount
	case 8:
		return r.InvokedBy
	case 9:
		return r.IdentityProvider
	case 10:
		return r.OnBehalfOfUserID
	case 11:
		return r.OnBehalfOfStoreARN
	case 12:
		return r.Account
	case 13:
		return r.Region
	case 14:
		return r.EventSource
	case 15:
		return r.EventName
	case 16:
		return r.EventType
	case 17:
		return r.EventCategory
	case 18:
		return r.ReadOnly
	case 19:
		return r.ErrorCode
	default:
		return r.ErrorMessage
	}
}

// usageFooter is what every data file's footer shares: the schema as
// parquet-go writes Row's (so that a reader's schema check sees exactly
// what it expects), the column orders and the metadata.
type usageFooter struct {
	schema    []format.SchemaElement
	orders    []format.ColumnOrder
	createdBy string
	metadata  []format.KeyValue
}

var usageLayout = sync.OnceValues(func() (*usageFooter, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[Row](&buf, writerOptions(usageRowGroupRows, usageFileVersion)...)
	if err := w.Close(); err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return nil, err
	}
	md := pf.Metadata()
	leaves := pf.Schema().Columns()
	if len(leaves) != len(usageLeaves) || len(md.ColumnOrders) != len(usageLeaves) {
		return nil, fmt.Errorf("usage schema has %d leaf columns, the encoder knows %d", len(leaves), len(usageLeaves))
	}
	for i, path := range leaves {
		if !slices.Equal(path, usageLeaves[i].path) {
			return nil, fmt.Errorf("usage schema leaf %d is %v, the encoder has %v", i, path, usageLeaves[i].path)
		}
	}
	return &usageFooter{
		schema:    slices.Clone(md.Schema),
		orders:    slices.Clone(md.ColumnOrders),
		createdBy: md.CreatedBy,
		metadata:  []format.KeyValue{{Key: "iamtailor.usage_store.version", Value: strconv.Itoa(usageFileVersion)}},
	}, nil
})

// rowGroupBuf holds the rows of one row group until they are encoded.
// Rows of one group are contiguous, so the group's fields are held once
// per run of rows, column by column, with a mask of the fields that differ
// from the run before: the encoder of a group column reads one string per
// run, and looks up only those that changed. Rows from tables (keyRow)
// copy their keys here, so that the encoders read them in order rather
// than all over the tables' arenas; other rows' strings alias the
// sources' memory, which rowSource keeps valid.
type rowGroupBuf struct {
	rows int

	// One entry per run of rows of a group: ends[i] is the row after it.
	ends   []int32
	day    []int32
	shared []bool
	str    [groupStrings][]string // in schema order (groupField)
	diff   []uint32               // bit c: str[c] differs from the run before
	gkeys  byteChunks             // group keys of runs from tables

	ikeys  byteChunks // identifier keys of rows from tables
	res    []Resource
	resEnd []int32 // row i's resources end at res[resEnd[i]]
	par    []Param
	parEnd []int32
	level  []int8
	count  []int64
	first  []int64
	last   []int64

	count0       int64  // sum of count, for addKeyed's rows
	lastGroupKey []byte // the group key of addKeyed's last run
}

// byteChunks holds copies of keys in chunks that are reused from one row
// group to the next and never move, so that growing copies nothing.
type byteChunks struct {
	chunks [][]byte
	cur    int
}

const byteChunkSize = 1 << 20

func (c *byteChunks) copy(b []byte) []byte {
	for ; c.cur < len(c.chunks); c.cur++ {
		if ch := c.chunks[c.cur]; cap(ch)-len(ch) >= len(b) {
			c.chunks[c.cur] = append(ch, b...)
			return c.chunks[c.cur][len(ch) : len(ch)+len(b) : len(ch)+len(b)]
		}
	}
	c.chunks = append(c.chunks, append(make([]byte, 0, max(byteChunkSize, len(b))), b...))
	return c.chunks[c.cur][:len(b):len(b)]
}

func (c *byteChunks) reset() {
	for i := range c.chunks {
		c.chunks[i] = c.chunks[i][:0]
	}
	c.cur = 0
}

// newRowGroupBuf sizes the per-row columns for a full row group at once,
// rather than let them grow by copies.
func newRowGroupBuf() *rowGroupBuf {
	n := int(min(usageRowGroupRows, 1<<20))
	return &rowGroupBuf{
		resEnd: make([]int32, 0, n),
		parEnd: make([]int32, 0, n),
		level:  make([]int8, 0, n),
		count:  make([]int64, 0, n),
		first:  make([]int64, 0, n),
		last:   make([]int64, 0, n),
	}
}

// Row group buffers and encoded chunks are reused from one file to the
// next: a commit writes a few, each of tens of megabytes.
var (
	rowGroupPool = sync.Pool{New: func() any { return newRowGroupBuf() }}
	chunkSetPool = sync.Pool{New: func() any { return &chunkSet{chunks: make([]columnChunk, len(usageLeaves))} }}
)

func (b *rowGroupBuf) reset() {
	for c := range b.str {
		clear(b.str[c])
		b.str[c] = b.str[c][:0]
	}
	clear(b.res)
	clear(b.par)
	b.rows = 0
	b.ends, b.day, b.shared, b.diff = b.ends[:0], b.day[:0], b.shared[:0], b.diff[:0]
	b.gkeys.reset()
	b.ikeys.reset()
	b.res, b.resEnd = b.res[:0], b.resEnd[:0]
	b.par, b.parEnd = b.par[:0], b.parEnd[:0]
	b.level, b.count, b.first, b.last = b.level[:0], b.count[:0], b.first[:0], b.last[:0]
	b.count0, b.lastGroupKey = 0, nil
}

// keyFieldColumn maps the string fields of a group key, in key order
// (appendGroupKey), to their schema order (groupField).
var keyFieldColumn = [groupStrings]int{1, 14, 15, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20}

// pushField appends the string of column c of a new run.
func (b *rowGroupBuf) pushField(c int, v string, diff *uint32) {
	col := b.str[c]
	if n := len(col); n == 0 || col[n-1] != v {
		*diff |= 1 << c
	}
	b.str[c] = append(col, v)
}

// pushGroup starts a run of rows of r's group.
func (b *rowGroupBuf) pushGroup(r *Row) {
	var diff uint32
	for c := range groupStrings {
		b.pushField(c, groupField(r, c), &diff)
	}
	b.pushRun(r.Day, r.Shared, diff)
}

// pushGroupKey starts a run of rows of the group with key key.
func (b *rowGroupBuf) pushGroupKey(key []byte) {
	k := b.gkeys.copy(key)
	var diff uint32
	i := 4
	var v string
	for f := range groupStrings {
		v, i = readString(k, i)
		b.pushField(keyFieldColumn[f], v, &diff)
	}
	b.pushRun(groupKeyDay(k), k[i] == 1, diff)
}

func (b *rowGroupBuf) pushRun(day int32, shared bool, diff uint32) {
	if n := len(b.day); n == 0 || b.day[n-1] != day || b.shared[n-1] != shared {
		diff |= 1 << 31
	}
	b.day = append(b.day, day)
	b.shared = append(b.shared, shared)
	b.diff = append(b.diff, diff)
	b.ends = append(b.ends, int32(b.rows))
}

// endRow ends a row whose identifiers were appended to res and par.
func (b *rowGroupBuf) endRow(level int8, count, first, last int64) {
	b.rows++
	b.ends[len(b.ends)-1] = int32(b.rows)
	b.resEnd = append(b.resEnd, int32(len(b.res)))
	b.parEnd = append(b.parEnd, int32(len(b.par)))
	b.level = append(b.level, level)
	b.count = append(b.count, count)
	b.first = append(b.first, first)
	b.last = append(b.last, last)
}

// sameAsLastRun reports whether r is of the group of the last run.
func (b *rowGroupBuf) sameAsLastRun(r *Row) bool {
	n := len(b.day) - 1
	if n < 0 || b.day[n] != r.Day || b.shared[n] != r.Shared {
		return false
	}
	for c := range groupStrings {
		if b.str[c][n] != groupField(r, c) {
			return false
		}
	}
	return true
}

// usageWriter writes one month's rows, already in canonical order, to a
// new data file. Full row groups are encoded while the next one fills:
// on a goroutine per core when there are several, in place otherwise.
type usageWriter struct {
	dir    string
	month  string
	af     *atomicFile
	footer *usageFooter
	info   usageFile

	fill      *rowGroupBuf
	spare     *rowGroupBuf
	inflight  *encodedRowGroup
	offset    int64
	rowGroups []format.RowGroup
	workers   int
	spareBufs []*rowGroupBuf // writeRowGroups'
}

// encodedRowGroup is a row group being encoded: its column chunks, in
// schema order, once done is closed.
type encodedRowGroup struct {
	buf  *rowGroupBuf
	set  *chunkSet
	done chan struct{}
}

type chunkSet struct{ chunks []columnChunk }

func newUsageWriter(dir, month string) (*usageWriter, error) {
	footer, err := usageLayout()
	if err != nil {
		return nil, fmt.Errorf("write usage %s: %w", month, err)
	}
	af, err := createAtomic(dir, "usage "+month)
	if err != nil {
		return nil, err
	}
	w := &usageWriter{
		dir:     dir,
		month:   month,
		af:      af,
		footer:  footer,
		info:    usageFile{Month: month},
		fill:    rowGroupPool.Get().(*rowGroupBuf),
		workers: min(runtime.GOMAXPROCS(0), len(usageLeaves)),
	}
	if _, err := af.Write([]byte("PAR1")); err != nil {
		af.discard()
		return nil, err
	}
	w.offset = 4
	return w, nil
}

func (w *usageWriter) write(r *Row) error {
	b := w.fill
	if b.rows == 0 || !b.sameAsLastRun(r) {
		b.pushGroup(r)
	}
	b.res = append(b.res, r.Resources...)
	b.par = append(b.par, r.Params...)
	return w.endRow(r.Day, r.Coarsened, r.Count, r.FirstSeen, r.LastSeen)
}

func (w *usageWriter) endRow(day int32, level int8, count, first, last int64) error {
	if w.info.Rows == 0 {
		w.info.FirstDay = day
	}
	w.info.LastDay = day
	w.info.Rows++
	w.info.Count += count
	w.fill.endRow(level, count, first, last)
	if int64(w.fill.rows) >= usageRowGroupRows {
		return w.flushRowGroup()
	}
	return nil
}

// flushRowGroup hands the filled row group to the encoders and writes the
// one encoded before it.
func (w *usageWriter) flushRowGroup() error {
	if w.fill.rows == 0 {
		return nil
	}
	if w.workers <= 1 {
		e := &encodedRowGroup{buf: w.fill, set: chunkSetPool.Get().(*chunkSet)}
		for i := range usageLeaves {
			encodeLeaf(w.fill, &usageLeaves[i], &e.set.chunks[i])
		}
		err := w.writeRowGroup(e)
		w.fill.reset()
		return err
	}
	if err := w.wait(); err != nil {
		return err
	}
	e := &encodedRowGroup{buf: w.fill, set: chunkSetPool.Get().(*chunkSet), done: make(chan struct{})}
	var next atomic.Int32
	var wg sync.WaitGroup
	for range w.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(usageLeaves); i = int(next.Add(1)) - 1 {
				encodeLeaf(e.buf, &usageLeaves[i], &e.set.chunks[i])
			}
		}()
	}
	go func() {
		wg.Wait()
		close(e.done)
	}()
	w.inflight = e
	w.fill = w.spare
	w.spare = nil
	if w.fill == nil {
		w.fill = rowGroupPool.Get().(*rowGroupBuf)
	}
	return nil
}

// wait writes the row group being encoded, if any, once it is.
func (w *usageWriter) wait() error {
	e := w.inflight
	if e == nil {
		return nil
	}
	<-e.done
	w.inflight = nil
	err := w.writeRowGroup(e)
	e.buf.reset()
	w.spare = e.buf
	return err
}

func (w *usageWriter) writeRowGroup(e *encodedRowGroup) error {
	rg := format.RowGroup{
		NumRows:    int64(e.buf.rows),
		FileOffset: w.offset,
		Ordinal:    int16(len(w.rowGroups)),
		Columns:    make([]format.ColumnChunk, len(e.set.chunks)),
	}
	for i := range e.set.chunks {
		c := &e.set.chunks[i]
		m := c.meta
		m.DataPageOffset += w.offset
		if c.dictionary {
			m.DictionaryPageOffset += w.offset
		}
		rg.Columns[i] = format.ColumnChunk{FileOffset: w.offset, MetaData: m}
		rg.TotalByteSize += m.TotalUncompressedSize
		rg.TotalCompressedSize += m.TotalCompressedSize
		if _, err := w.af.Write(c.data); err != nil {
			return err
		}
		w.offset += int64(len(c.data))
	}
	w.rowGroups = append(w.rowGroups, rg)
	chunkSetPool.Put(e.set)
	e.set = nil
	return nil
}

func (w *usageWriter) finish() (usageFile, error) {
	if err := w.flushRowGroup(); err != nil {
		return usageFile{}, err
	}
	if err := w.wait(); err != nil {
		return usageFile{}, err
	}
	md := format.FileMetaData{
		Version:          2,
		Schema:           w.footer.schema,
		NumRows:          w.info.Rows,
		RowGroups:        w.rowGroups,
		KeyValueMetadata: w.footer.metadata,
		CreatedBy:        w.footer.createdBy,
		ColumnOrders:     w.footer.orders,
	}
	b, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	if err != nil {
		return usageFile{}, fmt.Errorf("write usage %s: %w", w.month, err)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(b)))
	b = append(b, "PAR1"...)
	if _, err := w.af.Write(b); err != nil {
		return usageFile{}, err
	}
	w.info.File = w.af.contentName(usagePrefix + w.month + "-")
	w.info.Bytes = w.af.bytes
	if err := w.af.commit(w.info.File); err != nil {
		return usageFile{}, err
	}
	return w.info, nil
}

// discard removes the file unless finish committed it, and returns the
// buffers for reuse.
func (w *usageWriter) discard() {
	if e := w.inflight; e != nil {
		<-e.done
		w.inflight = nil
		e.buf.reset()
		rowGroupPool.Put(e.buf)
	}
	for _, b := range append(w.spareBufs, w.fill, w.spare) {
		if b != nil {
			b.reset()
			rowGroupPool.Put(b)
		}
	}
	w.fill, w.spare, w.spareBufs = nil, nil, nil
	w.af.discard()
}

// columnChunk is one encoded column chunk: its pages, and its metadata
// with offsets from the chunk's start.
type columnChunk struct {
	data       []byte
	meta       format.ColumnMetaData
	dictionary bool
}

// chunkEncoder builds a column chunk page by page.
type chunkEncoder struct {
	leaf  *leafColumn
	out   *columnChunk
	dict  bool
	width uint // of dictionary indices

	rep, def, idx hybrid
	values        []byte // plain values of the open page
	pageValues    int    // level entries (values and nulls)
	pageNulls     int
	pageRows      int
	dataPages     int32

	nulls    int64
	min, max []byte
	hasStats bool

	dictionary stringDictionary
	ids        []int32 // dictionary ids of the chunk's values

	header bytes.Buffer
	enc    *thrift.Encoder
	comp   []byte
}

// Encoders and their buffers are reused from one column chunk to the next.
var encoderPool = sync.Pool{New: func() any {
	c := new(chunkEncoder)
	c.enc = thrift.NewEncoder(new(thrift.CompactProtocol).NewWriter(&c.header))
	return c
}}

func (c *chunkEncoder) begin(l *leafColumn, out *columnChunk) {
	c.leaf, c.out = l, out
	c.dict, c.width, c.dataPages, c.nulls, c.hasStats = false, 0, 0, 0, false
	c.dictionary.reset()
	c.startPage()
}

// end drops what the encoder refers to, so that a pooled encoder holds
// no row's memory.
func (c *chunkEncoder) end() {
	c.leaf, c.out = nil, nil
	c.dictionary.reset()
}

func (c *chunkEncoder) startPage() {
	c.rep.reset(c.rep.out[:0], uint(bits.Len(uint(c.leaf.maxRep))))
	c.def.reset(c.def.out[:0], uint(bits.Len(uint(c.leaf.maxDef))))
	c.idx.reset(append(c.idx.out[:0], byte(c.width)), c.width)
	c.values = c.values[:0]
	c.pageValues, c.pageNulls, c.pageRows = 0, 0, 0
}

// pageBytes is about the size of the open page's values.
func (c *chunkEncoder) pageBytes() int {
	if c.dict {
		return len(c.idx.out) + len(c.idx.lit)*int(c.width)/8
	}
	return len(c.values)
}

func (c *chunkEncoder) writePage(h *format.PageHeader, levels [][]byte, values []byte) {
	// The codec never fails to encode.
	c.comp, _ = fastZstd.Encode(c.comp[:0], values)
	crc := uint32(0)
	size := 0
	for _, l := range levels {
		crc = crc32.Update(crc, crc32.IEEETable, l)
		size += len(l)
	}
	crc = crc32.Update(crc, crc32.IEEETable, c.comp)
	h.UncompressedPageSize = int32(size + len(values))
	h.CompressedPageSize = int32(size + len(c.comp))
	h.CRC = int32(crc)
	c.header.Reset()
	// Encoding a header into a buffer cannot fail.
	_ = c.enc.Encode(h)
	c.out.data = append(c.out.data, c.header.Bytes()...)
	for _, l := range levels {
		c.out.data = append(c.out.data, l...)
	}
	c.out.data = append(c.out.data, c.comp...)
	m := &c.out.meta
	m.TotalUncompressedSize += int64(c.header.Len()) + int64(h.UncompressedPageSize)
	m.TotalCompressedSize += int64(c.header.Len()) + int64(h.CompressedPageSize)
}

func (c *chunkEncoder) flushPage() {
	if c.pageValues == 0 {
		return
	}
	var rep, def []byte
	if c.leaf.maxRep > 0 {
		rep = c.rep.finish()
	}
	if c.leaf.maxDef > 0 {
		def = c.def.finish()
	}
	values, enc := c.values, format.Plain
	if c.dict {
		values, enc = c.idx.finish(), format.RLEDictionary
	}
	h := format.PageHeader{
		Type: format.DataPageV2,
		DataPageHeaderV2: thrift.New(format.DataPageHeaderV2{
			NumValues:                  int32(c.pageValues),
			NumNulls:                   int32(c.pageNulls),
			NumRows:                    int32(c.pageRows),
			Encoding:                   enc,
			DefinitionLevelsByteLength: int32(len(def)),
			RepetitionLevelsByteLength: int32(len(rep)),
			IsCompressed:               thrift.New(true),
		}),
	}
	c.writePage(&h, [][]byte{rep, def}, values)
	c.out.meta.NumValues += int64(c.pageValues)
	c.dataPages++
	c.startPage()
}

// useDictionary writes the dictionary page of values (distinct, in order
// of first use) and makes the pages that follow index it.
func (c *chunkEncoder) useDictionary(values []string) {
	var plain []byte
	for _, v := range values {
		plain = binary.LittleEndian.AppendUint32(plain, uint32(len(v)))
		plain = append(plain, v...)
	}
	h := format.PageHeader{
		Type: format.DictionaryPage,
		DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{
			NumValues: int32(len(values)),
			Encoding:  format.Plain,
		}),
	}
	c.writePage(&h, nil, plain)
	c.out.dictionary = true
	c.out.meta.DataPageOffset = int64(len(c.out.data))
	c.dict = true
	c.width = uint(max(bits.Len(uint(len(values)-1)), 1))
	c.startPage()
}

// value adds a value of the open page, at the column's full definition.
func (c *chunkEncoder) value(s string, index int32, n int) {
	if c.leaf.maxDef > 0 {
		c.def.putRun(uint32(c.leaf.maxDef), n)
	}
	if c.dict {
		c.idx.putRun(uint32(index), n)
	} else {
		for range n {
			c.values = binary.LittleEndian.AppendUint32(c.values, uint32(len(s)))
			c.values = append(c.values, s...)
		}
	}
	c.pageValues += n
}

// null adds n null entries at definition level def.
func (c *chunkEncoder) null(def uint32, n int) {
	c.def.putRun(def, n)
	c.pageValues += n
	c.pageNulls += n
	c.nulls += int64(n)
}

func (c *chunkEncoder) stringStats(s string) {
	if !c.hasStats {
		c.min, c.max, c.hasStats = append(c.min[:0], s...), append(c.max[:0], s...), true
		return
	}
	if s < string(c.min) {
		c.min = append(c.min[:0], s...)
	} else if s > string(c.max) {
		c.max = append(c.max[:0], s...)
	}
}

// finish closes the last page and fills in the chunk's metadata.
func (c *chunkEncoder) finish() {
	c.flushPage()
	m := &c.out.meta
	m.Type = c.leaf.typ
	m.PathInSchema = c.leaf.path
	m.Codec = format.Zstd
	m.Statistics = format.Statistics{NullCount: c.nulls}
	if c.hasStats {
		// The encoder's buffers are reused; the footer needs these.
		m.Statistics.MinValue = slices.Clone(c.min)
		m.Statistics.MaxValue = slices.Clone(c.max)
	}
	m.Encoding = []format.Encoding{format.Plain}
	if c.leaf.maxDef > 0 || c.leaf.maxRep > 0 {
		m.Encoding = append(m.Encoding, format.RLE)
	}
	dataEncoding := format.Plain
	if c.dict {
		m.Encoding = append(m.Encoding, format.RLEDictionary)
		dataEncoding = format.RLEDictionary
		m.EncodingStats = append(m.EncodingStats, format.PageEncodingStats{PageType: format.DictionaryPage, Encoding: format.Plain, Count: 1})
	}
	m.EncodingStats = append(m.EncodingStats, format.PageEncodingStats{PageType: format.DataPageV2, Encoding: dataEncoding, Count: c.dataPages})
}

// stringDictionary numbers the distinct values of a chunk in order of
// first use. Rows come sorted, so a value is often the one before.
type stringDictionary struct {
	index  map[string]int32
	values []string
	bytes  int
	last   string
	lastID int32
}

func (d *stringDictionary) reset() {
	clear(d.index)
	clear(d.values)
	d.values = d.values[:0]
	d.bytes = 0
	d.last, d.lastID = "", -1
}

func (d *stringDictionary) id(s string) int32 {
	if d.lastID >= 0 && s == d.last {
		return d.lastID
	}
	id, ok := d.index[s]
	if !ok {
		if d.index == nil {
			d.index = map[string]int32{}
		}
		id = int32(len(d.values))
		d.index[s] = id
		d.values = append(d.values, s)
		d.bytes += 4 + len(s)
	}
	d.last, d.lastID = s, id
	return id
}

// encodeLeaf encodes one column of a row group into out.
func encodeLeaf(b *rowGroupBuf, l *leafColumn, out *columnChunk) {
	*out = columnChunk{data: out.data[:0]}
	c := encoderPool.Get().(*chunkEncoder)
	defer encoderPool.Put(c)
	defer c.end()
	c.begin(l, out)
	switch l.kind {
	case leafGroupString:
		encodeGroupStrings(b, c)
	case leafResource, leafParam:
		encodeListStrings(b, c)
	case leafDay:
		encodeDays(b, c)
	case leafCoarsened:
		encodeLevels(b, c)
	case leafShared:
		encodeShared(b, c)
	case leafCount:
		encodeInt64s(c, b.count)
	case leafFirstSeen:
		encodeInt64s(c, b.first)
	case leafLastSeen:
		encodeInt64s(c, b.last)
	}
	c.finish()
}

// encodeGroupStrings encodes a string column of the group fields, one run
// per group.
func encodeGroupStrings(b *rowGroupBuf, c *chunkEncoder) {
	f := c.leaf.field
	bit := uint32(1) << f
	col := b.str[f]
	d := &c.dictionary
	ids := c.ids[:0]
	if c.leaf.dict {
		ids = slices.Grow(ids, len(col))[:len(col)]
		c.ids = ids
		id := int32(-1)
		for i, s := range col {
			if b.diff[i]&bit != 0 {
				id = -1
				if s != "" {
					id = d.id(s)
				}
			}
			ids[i] = id
		}
		if d.bytes <= dictionaryMaxBytes && len(d.values) > 0 {
			c.useDictionary(d.values)
		}
	}
	if c.dict {
		for _, v := range d.values {
			c.stringStats(v)
		}
	} else {
		for i, s := range col {
			if b.diff[i]&bit != 0 && s != "" {
				c.stringStats(s)
			}
		}
	}
	start := int32(0)
	for i, s := range col {
		n := int(b.ends[i] - start)
		start = b.ends[i]
		if s == "" {
			c.null(0, n)
			c.pageRows += n
			continue
		}
		if c.dict {
			c.value(s, ids[i], n)
			c.pageRows += n
			continue
		}
		// Plain values fill pages row by row.
		for n > 0 {
			k := max(1, min(n, (pageTargetBytes-c.pageBytes())/(4+len(s))))
			c.value(s, 0, k)
			c.pageRows += k
			n -= k
			if c.pageBytes() >= pageTargetBytes {
				c.flushPage()
			}
		}
	}
}

// listField is the string of a resource or param element.
func listField(b *rowGroupBuf, l *leafColumn, i int) string {
	if l.kind == leafResource {
		r := &b.res[i]
		switch l.field {
		case 0:
			return r.ARN
		case 1:
			return r.AccountID
		default:
			return r.Type
		}
	}
	if l.field == 0 {
		return b.par[i].Name
	}
	return b.par[i].Value
}

// encodeListStrings encodes a field of the resources or params lists:
// per row, one entry per element (repetition level 1 after the first), or
// one null entry at level 0 for an empty list.
func encodeListStrings(b *rowGroupBuf, c *chunkEncoder) {
	l := c.leaf
	ends := b.resEnd
	total := len(b.res)
	if l.kind == leafParam {
		ends, total = b.parEnd, len(b.par)
	}
	d := &c.dictionary
	ids := c.ids[:0]
	if l.dict {
		ids = slices.Grow(ids, total)[:total]
		c.ids = ids
		for i := range total {
			if s := listField(b, l, i); s != "" {
				ids[i] = d.id(s)
			}
		}
		if d.bytes <= dictionaryMaxBytes && len(d.values) > 0 {
			c.useDictionary(d.values)
		}
	}
	// Min and max of list elements help no reader skip rows, and cost a
	// comparison of every identifier: only dictionary columns get them.
	if c.dict {
		for _, v := range d.values {
			c.stringStats(v)
		}
	}
	start := int32(0)
	for _, end := range ends {
		if start == end {
			c.rep.put(0)
			c.null(0, 1)
		}
		for i := start; i < end; i++ {
			if i == start {
				c.rep.put(0)
			} else {
				c.rep.put(1)
			}
			s := listField(b, l, int(i))
			if s == "" {
				c.null(1, 1)
				continue
			}
			var id int32
			if c.dict {
				id = ids[i]
			}
			c.value(s, id, 1)
		}
		start = end
		c.pageRows++
		if c.pageBytes() >= pageTargetBytes {
			c.flushPage()
		}
	}
}

// encodeDays encodes the day column, one run per group.
func encodeDays(b *rowGroupBuf, c *chunkEncoder) {
	c.values = slices.Grow(c.values[:0], 4*b.rows)
	start := int32(0)
	for i, day := range b.day {
		for range b.ends[i] - start {
			c.values = binary.LittleEndian.AppendUint32(c.values, uint32(day))
		}
		start = b.ends[i]
	}
	if n := len(b.day); n > 0 {
		// Rows are sorted by day.
		c.setInt32Stats(b.day[0], b.day[n-1])
	}
	c.pageValues += b.rows
	c.pageRows += b.rows
}

// encodeLevels encodes the coarsened column.
func encodeLevels(b *rowGroupBuf, c *chunkEncoder) {
	c.values = slices.Grow(c.values[:0], 4*b.rows)
	for _, v := range b.level {
		c.values = binary.LittleEndian.AppendUint32(c.values, uint32(int32(v)))
	}
	if len(b.level) > 0 {
		c.setInt32Stats(int32(slices.Min(b.level)), int32(slices.Max(b.level)))
	}
	c.pageValues += b.rows
	c.pageRows += b.rows
}

func (c *chunkEncoder) setInt32Stats(lo, hi int32) {
	c.min = binary.LittleEndian.AppendUint32(c.min[:0], uint32(lo))
	c.max = binary.LittleEndian.AppendUint32(c.max[:0], uint32(hi))
	c.hasStats = true
}

func encodeInt64s(c *chunkEncoder, vs []int64) {
	c.values = slices.Grow(c.values[:0], 8*len(vs))
	for _, v := range vs {
		c.values = binary.LittleEndian.AppendUint64(c.values, uint64(v))
	}
	c.pageValues += len(vs)
	c.pageRows += len(vs)
	if len(vs) > 0 {
		c.min = binary.LittleEndian.AppendUint64(nil, uint64(slices.Min(vs)))
		c.max = binary.LittleEndian.AppendUint64(nil, uint64(slices.Max(vs)))
		c.hasStats = true
	}
}

// encodeShared encodes the shared column: plain booleans, one bit each,
// least significant first.
func encodeShared(b *rowGroupBuf, c *chunkEncoder) {
	c.values = slices.Grow(c.values[:0], (b.rows+7)/8)
	var acc byte
	k := 0
	lo, hi := true, false
	start := int32(0)
	for i, v := range b.shared {
		lo, hi = lo && v, hi || v
		for range b.ends[i] - start {
			if v {
				acc |= 1 << k
			}
			if k++; k == 8 {
				c.values = append(c.values, acc)
				acc, k = 0, 0
			}
		}
		start = b.ends[i]
	}
	if k > 0 {
		c.values = append(c.values, acc)
	}
	c.pageValues += b.rows
	c.pageRows += b.rows
	if b.rows > 0 {
		c.min, c.max, c.hasStats = []byte{boolByte(lo)}, []byte{boolByte(hi)}, true
	}
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
