package ingest

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// Parquet objects come from outside (a data lake, a query engine), so
// the ObjectFormats that read them open them here: parquet-go trusts the
// sizes a file declares, and a corrupt page header makes it allocate what
// the header says (gigabytes) before finding out that the data is not
// there, or panic.

// Bounds on what one page of an object may declare. Writers cut pages at
// about 1 MiB; these leave room for unusual writers while keeping a
// corrupt or hostile object from taking more memory than a few workers can
// afford.
const (
	maxParquetPageBytes  = 64 << 20
	maxParquetPageValues = 16 << 20
	maxPageHeaderBytes   = 64 << 10
)

// OpenParquet opens a Parquet object for reading rows: it reads the footer,
// then checks that every page header of every column chunk lies inside its
// chunk and declares sizes within bounds, so that reading the rows cannot
// make the library allocate far more than the object holds. A panic of the
// library on malformed input is returned as an error. Errors are for a
// FileError with SkipInvalidParquet.
func OpenParquet(r io.ReaderAt, size int64) (pf *parquet.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			pf, err = nil, fmt.Errorf("malformed Parquet: %v", p)
		}
	}()
	if err := checkParquetFooter(r, size); err != nil {
		return nil, err
	}
	pf, err = parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("open Parquet: %w", err)
	}
	if err := checkParquetPages(r, size, pf.Metadata()); err != nil {
		return nil, err
	}
	return pf, nil
}

// maxParquetFooterBytes bounds the footer (file metadata): a Security
// Lake object's is a few KiB, a file of thousands of row groups a few MiB.
const maxParquetFooterBytes = 64 << 20

// checkParquetFooter walks the footer's Thrift encoding before parquet-go
// decodes it, refusing lists, maps and strings that declare more elements
// or bytes than the footer has left: parquet-go allocates a list at its
// declared length, and a corrupt length makes it allocate gigabytes. A
// footer that passes can still declare up to one element per byte, which
// bounds what decoding it allocates to a small multiple of its size.
func checkParquetFooter(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes is too short for Parquet", size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return fmt.Errorf("read Parquet footer: %w", err)
	}
	if string(tail[4:]) != "PAR1" {
		return fmt.Errorf("no Parquet magic at the end (%q): truncated, or an encrypted footer", tail[4:])
	}
	n := int64(uint32(tail[0]) | uint32(tail[1])<<8 | uint32(tail[2])<<16 | uint32(tail[3])<<24)
	if n > size-12 || n > maxParquetFooterBytes {
		return fmt.Errorf("footer of %d bytes in a file of %d bytes", n, size)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-8-n); err != nil {
		return fmt.Errorf("read Parquet footer: %w", err)
	}
	w := thriftWalk{b: footer}
	if err := w.structure(0); err != nil {
		return fmt.Errorf("footer of the Parquet file: %w", err)
	}
	return nil
}

// thriftWalk checks a Thrift compact-protocol struct without decoding it.
type thriftWalk struct {
	b []byte
	i int
}

var errThriftShort = errors.New("declares more than it holds")

func (w *thriftWalk) byte1() (byte, error) {
	if w.i >= len(w.b) {
		return 0, errThriftShort
	}
	w.i++
	return w.b[w.i-1], nil
}

func (w *thriftWalk) varint() (uint64, error) {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c, err := w.byte1()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("varint too long")
}

func (w *thriftWalk) left() uint64 { return uint64(len(w.b) - w.i) }

func (w *thriftWalk) structure(depth int) error {
	if depth > 32 {
		return errors.New("nested too deep")
	}
	for {
		h, err := w.byte1()
		if err != nil {
			return err
		}
		if h == 0 {
			return nil
		}
		if h>>4 == 0 {
			if _, err := w.varint(); err != nil { // field id
				return err
			}
		}
		if err := w.value(h&0x0f, depth); err != nil {
			return err
		}
	}
}

func (w *thriftWalk) value(t byte, depth int) error {
	switch t {
	case 1, 2: // booleans, in the field header
		return nil
	case 3:
		_, err := w.byte1()
		return err
	case 4, 5, 6:
		_, err := w.varint()
		return err
	case 7:
		if w.left() < 8 {
			return errThriftShort
		}
		w.i += 8
		return nil
	case 8:
		n, err := w.varint()
		if err != nil {
			return err
		}
		if n > w.left() {
			return errThriftShort
		}
		w.i += int(n)
		return nil
	case 9, 10:
		h, err := w.byte1()
		if err != nil {
			return err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = w.varint(); err != nil {
				return err
			}
		}
		if n > w.left() {
			return errThriftShort
		}
		for range n {
			if err := w.element(h&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case 11:
		n, err := w.varint()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if 2*n > w.left() {
			return errThriftShort
		}
		kv, err := w.byte1()
		if err != nil {
			return err
		}
		for range n {
			if err := w.element(kv>>4, depth+1); err != nil {
				return err
			}
			if err := w.element(kv&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case 12:
		return w.structure(depth + 1)
	}
	return fmt.Errorf("unknown Thrift type %d", t)
}

// element reads one element of a list, set or map, where booleans take a
// byte.
func (w *thriftWalk) element(t byte, depth int) error {
	if t == 1 || t == 2 {
		_, err := w.byte1()
		return err
	}
	return w.value(t, depth)
}

func checkParquetPages(r io.ReaderAt, size int64, md *format.FileMetaData) error {
	dataEnd := size - 8 // the footer's length and magic
	window := make([]byte, maxPageHeaderBytes)
	for g, rg := range md.RowGroups {
		for c, cc := range rg.Columns {
			m := &cc.MetaData
			start := m.DataPageOffset
			if m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < start {
				start = m.DictionaryPageOffset
			}
			end := start + m.TotalCompressedSize
			if start < 4 || m.TotalCompressedSize < 0 || end > dataEnd || end < start {
				return fmt.Errorf("row group %d column %d: chunk [%d, %d) is outside the file's %d bytes", g, c, start, end, size)
			}
			for off := start; off < end; {
				n, err := r.ReadAt(window[:min(int64(len(window)), end-off)], off)
				if n == 0 && err != nil {
					return fmt.Errorf("row group %d column %d: read page header at %d: %w", g, c, off, err)
				}
				// Walk the header first: decoding it allocates the strings
				// (statistics) it declares.
				w := thriftWalk{b: window[:n]}
				if err := w.structure(0); err != nil {
					return fmt.Errorf("row group %d column %d: page header at %d: %w", g, c, off, err)
				}
				var h format.PageHeader
				var proto thrift.CompactProtocol
				if err := thrift.Unmarshal(&proto, window[:w.i], &h); err != nil {
					return fmt.Errorf("row group %d column %d: page header at %d: %w", g, c, off, err)
				}
				hl := int64(w.i)
				next := off + hl + int64(h.CompressedPageSize)
				if h.CompressedPageSize < 0 || next > end || h.UncompressedPageSize < 0 || h.UncompressedPageSize > maxParquetPageBytes {
					return fmt.Errorf("row group %d column %d: page at %d declares %d bytes (%d uncompressed) in a chunk ending at %d",
						g, c, off, h.CompressedPageSize, h.UncompressedPageSize, end)
				}
				if v := pageValues(&h); v < 0 || v > maxParquetPageValues {
					return fmt.Errorf("row group %d column %d: page at %d declares %d values", g, c, off, v)
				}
				off = next
			}
		}
	}
	return nil
}

func pageValues(h *format.PageHeader) int64 {
	switch {
	case h.DataPageHeader.Valid:
		return int64(h.DataPageHeader.V.NumValues)
	case h.DataPageHeaderV2.Valid:
		return int64(h.DataPageHeaderV2.V.NumValues)
	case h.DictionaryPageHeader.Valid:
		return int64(h.DictionaryPageHeader.V.NumValues)
	}
	return 0
}

// ParquetRows reads a file's rows, row group by row group, with the
// low-level row reader, which reads every list encoding (the generic,
// struct-based reader panics on legacy two-level lists). A panic of the
// library on malformed data ends the reading with an error.
type ParquetRows struct {
	groups []parquet.RowGroup
	g      int
	rows   parquet.Rows
	eof    bool // rows is at its end; closed once its last batch is used
	batch  []parquet.Row
	n, i   int
	done   bool
}

// NewParquetRows reads pf's rows.
func NewParquetRows(pf *parquet.File) *ParquetRows {
	return &ParquetRows{groups: pf.RowGroups(), batch: make([]parquet.Row, 64)}
}

// Next returns the next row, or nil at the end. The row is valid until the
// next call.
func (pr *ParquetRows) Next() (row parquet.Row, err error) {
	defer func() {
		if p := recover(); p != nil {
			row, err = nil, fmt.Errorf("malformed Parquet in row group %d: %v", pr.g, p)
			pr.done = true
		}
	}()
	for !pr.done {
		if pr.i < pr.n {
			pr.i++
			return pr.batch[pr.i-1], nil
		}
		if pr.rows != nil && pr.eof {
			// Only now: the rows of the last batch may point into the
			// row group's pages.
			pr.rows.Close()
			pr.rows, pr.eof = nil, false
			pr.g++
		}
		if pr.rows == nil {
			if pr.g >= len(pr.groups) {
				pr.done = true
				return nil, nil
			}
			pr.rows = pr.groups[pr.g].Rows()
		}
		n, err := pr.rows.ReadRows(pr.batch)
		pr.n, pr.i = n, 0
		if errors.Is(err, io.EOF) {
			pr.eof = true
			continue
		}
		if err != nil {
			pr.done = true
			return nil, fmt.Errorf("read row group %d: %w", pr.g, err)
		}
	}
	return nil, nil
}

// Close releases the row group being read.
func (pr *ParquetRows) Close() {
	if pr.rows != nil {
		pr.rows.Close()
		pr.rows = nil
	}
	pr.done = true
}
