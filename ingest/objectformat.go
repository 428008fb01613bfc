package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// ObjectFormat reads a kind of object that Decode does not, recognised by
// its first bytes rather than its name: Amazon Security Lake's OCSF Parquet
// (package securitylake) and the results of `iamtailor sql` (package
// athena). Those packages build on this one, so ingest cannot import them:
// the caller lists them in Options.Formats, and objects that none of them
// claims go to Decode.
type ObjectFormat interface {
	// Name names the format in messages.
	Name() string
	// Match reports whether an object whose content starts with head may be
	// in this format. head holds the first HeadBytes bytes, or the whole
	// object when it is shorter.
	Match(head []byte) bool
	// Read reads the whole object and hands what it holds to out. When a
	// closer look (a Parquet schema, a CSV header) shows that the object is
	// not in this format after all, Read returns an error wrapping
	// ErrNotThisFormat before calling out, and the next format that matches
	// is tried. A *FileError skips the object with its reason; any other
	// error too, as decode_failed. Like Decode, a format reports a file
	// entirely or not at all: what it passed to out before failing is
	// discarded.
	Read(ctx context.Context, obj *ObjectContent, out Sink) (FileResult, error)
}

// HeadBytes is how much of an object ObjectFormat.Match sees.
const HeadBytes = 1024

// ErrNotThisFormat is wrapped by ObjectFormat.Read for an object that
// matched by its first bytes but is not in the format.
var ErrNotThisFormat = errors.New("not in this format")

// SkipInvalidParquet is the reason for a Parquet object that cannot be read:
// truncated, corrupt, or using an encoding the reader does not support.
const SkipInvalidParquet SkipReason = "invalid_parquet"

// Sink receives what an ObjectFormat reads.
type Sink struct {
	// Event takes one event, as Decode's callback does: the Event and the
	// memory behind it may be reused once it returns.
	Event func(*Event) error
	// Row takes one usage row that was aggregated elsewhere (a query
	// engine): its Count, FirstSeen and LastSeen are kept as they are. The
	// row may be reused once Row returns. The FileResult's Events count the
	// events such rows stand for (the sum of their counts).
	Row func(*store.Row) error
}

// SpoolMemoryLimit is the largest object that ObjectContent.ReaderAt copies
// into memory when the source gives no random access (S3); larger objects
// go to a temporary file. With DefaultConcurrency's at most 32 objects in
// flight this bounds the memory spooling takes to 256 MiB, and a Security
// Lake object (typically a few MiB) rarely touches the disk.
const SpoolMemoryLimit = 8 << 20

// SpoolFileLimit is the largest object ObjectContent.ReaderAt copies to a
// temporary file; a larger one is skipped as SkipObjectTooLarge rather
// than fill the disk. Security Lake writes objects of up to a few hundred
// MiB.
const SpoolFileLimit = 4 << 30

// SkipObjectTooLarge is the reason for an object that needed random access
// and was larger than SpoolFileLimit.
const SkipObjectTooLarge SkipReason = "object_too_large"

// ObjectContent is one object as an ObjectFormat sees it: a stream, and
// random access on demand for formats such as Parquet whose metadata is at
// the end.
type ObjectContent struct {
	URI  string
	Size int64 // as listed
	// Head is the first bytes of the content (see HeadBytes).
	Head []byte

	body io.Reader   // the content from its first byte
	at   io.ReaderAt // the content with random access, when the source has it

	spooled  io.ReaderAt
	tempFile *os.File
	used     bool // body was handed out or spooled
}

// Body returns the content as a stream from its first byte. Use either Body
// or ReaderAt, once.
func (c *ObjectContent) Body() io.Reader {
	c.used = true
	return c.body
}

// ReaderAt returns the content with random access, and its size. A local
// file is read in place. Otherwise the content is read once into memory
// (objects up to SpoolMemoryLimit) or into a temporary file in
// os.TempDir(), removed when the pipeline is done with the object: Parquet
// needs its footer before its first row, and a ranged GET per column chunk
// would cost more requests than reading the object once.
func (c *ObjectContent) ReaderAt() (io.ReaderAt, int64, error) {
	if c.at != nil {
		return c.at, c.Size, nil
	}
	if c.spooled != nil {
		return c.spooled, c.Size, nil
	}
	if c.used {
		return nil, 0, errors.New("ReaderAt after the object's stream was read")
	}
	c.used = true
	if c.Size <= SpoolMemoryLimit {
		buf := bytes.NewBuffer(make([]byte, 0, c.Size+1))
		n, err := io.Copy(buf, io.LimitReader(c.body, SpoolMemoryLimit+1))
		if err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", c.URI, err)
		}
		if n <= SpoolMemoryLimit {
			c.spooled, c.Size = bytes.NewReader(buf.Bytes()), n
			return c.spooled, c.Size, nil
		}
		// Larger than listed: continue on disk with what was read.
		c.body = io.MultiReader(bytes.NewReader(buf.Bytes()), c.body)
	}
	if c.Size > SpoolFileLimit {
		return nil, 0, &FileError{Reason: SkipObjectTooLarge, Err: fmt.Errorf("%d bytes, more than the %d that are copied for random access", c.Size, int64(SpoolFileLimit))}
	}
	f, err := os.CreateTemp("", "iamtailor-object-*")
	if err != nil {
		return nil, 0, fmt.Errorf("spool %s: %w", c.URI, err)
	}
	c.tempFile = f
	n, err := io.Copy(f, io.LimitReader(c.body, SpoolFileLimit+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", c.URI, err)
	}
	if n > SpoolFileLimit {
		return nil, 0, &FileError{Reason: SkipObjectTooLarge, Err: fmt.Errorf("more than the %d bytes that are copied for random access", int64(SpoolFileLimit))}
	}
	c.spooled, c.Size = f, n
	return f, n, nil
}

// release removes what ReaderAt spooled to disk.
func (c *ObjectContent) release() {
	if c.tempFile != nil {
		c.tempFile.Close()
		os.Remove(c.tempFile.Name())
		c.tempFile = nil
	}
	c.spooled = nil
}

// readFormats gives the object to the first format in p.opts.Formats that
// claims it. handled is false when none matches its first bytes: src then
// streams the whole content for Decode.
func (p *pipeline) readFormats(ctx context.Context, rc io.Reader, body io.Reader, o Object, out Sink) (src io.Reader, handled bool, res FileResult, err error) {
	head := make([]byte, HeadBytes)
	n, err := io.ReadFull(body, head)
	head = head[:n]
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		// The transfer failed: the caller sees it in the counting body.
		return io.MultiReader(bytes.NewReader(head), body), false, res, nil
	}
	src = io.MultiReader(bytes.NewReader(head), body)
	var matched []ObjectFormat
	for _, f := range p.opts.Formats {
		if f.Match(head) {
			matched = append(matched, f)
		}
	}
	if len(matched) == 0 {
		return src, false, res, nil
	}
	c := &ObjectContent{URI: o.URI, Size: o.Size, Head: head, body: src}
	if at, ok := rc.(io.ReaderAt); ok {
		c.at = at
	}
	defer c.release()
	var mismatches []error
	for _, f := range matched {
		res, err = f.Read(ctx, c, out)
		if err == nil || !errors.Is(err, ErrNotThisFormat) {
			return nil, true, res, err
		}
		mismatches = append(mismatches, fmt.Errorf("%s: %w", f.Name(), err))
	}
	return nil, true, FileResult{}, &FileError{Reason: SkipNotCloudTrail, Err: errors.Join(mismatches...)}
}

// row decides about one usage row read by an ObjectFormat. A row stands for
// the events of one day between its FirstSeen and LastSeen; its count
// cannot be split, so it is judged by its FirstSeen alone: date bounds
// (whole UTC days, like the rows) are exact, and two runs with disjoint
// windows never both count a row, even one that straddles a mid-day bound.
// Account and region are judged as for events.
func (f *Filter) row(r *store.Row, dir *Position) eventVerdict {
	if !f.Since.IsZero() && r.FirstSeen < f.Since.UnixMilli() ||
		!f.Until.IsZero() && r.FirstSeen >= f.Until.UnixMilli() {
		return eventOutsideWindow
	}
	if len(f.Accounts) > 0 && !slices.Contains(f.Accounts, orElse(r.Account, dir.Account)) ||
		len(f.Regions) > 0 && !slices.Contains(f.Regions, orElse(r.Region, dir.Region)) {
		return eventFiltered
	}
	return eventKeep
}
