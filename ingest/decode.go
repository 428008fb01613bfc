package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// Format is what a log object was recognised as.
type Format string

const (
	FormatRecords       Format = "cloudtrail_records" // {"Records":[...]} as CloudTrail delivers to S3
	FormatLookupEvents  Format = "lookup_events"      // {"Events":[...]} as `aws cloudtrail lookup-events` prints it
	FormatArray         Format = "json_array"         // a bare JSON array of events
	FormatNDJSON        Format = "ndjson"             // one event per line (Lake exports, CloudWatch Logs, EventBridge, LookupEvents)
	FormatDigest        Format = "cloudtrail_digest"
	FormatInsights      Format = "cloudtrail_insights"
	FormatNotCloudTrail Format = "not_cloudtrail"
	FormatEmpty         Format = "empty"
)

// SkipReason names why a file or an event was not used. The run summary
// counts skipped files and events by these names, so they are stable.
type SkipReason string

// Why a whole file was not used (FileError.Reason).
const (
	SkipEmptyFile     SkipReason = "empty_file"     // zero bytes, or only whitespace
	SkipInvalidJSON   SkipReason = "invalid_json"   // not valid JSON (message has byte offset and line)
	SkipCorruptGzip   SkipReason = "corrupt_gzip"   // truncated or corrupt gzip stream
	SkipReadError     SkipReason = "read_error"     // the underlying reader failed
	SkipNotCloudTrail SkipReason = "not_cloudtrail" // CSV, other JSON, …
	SkipDigest        SkipReason = "digest_file"    // a CloudTrail digest file: no events
	SkipInsights      SkipReason = "insights_file"  // a CloudTrail Insights file: not API activity
)

// Why one event was not used (FileResult.EventsSkipped).
const (
	SkipNotAnObject         SkipReason = "not_an_object"
	SkipMissingEventSource  SkipReason = "missing_event_source"
	SkipMissingEventName    SkipReason = "missing_event_name"
	SkipMissingEventTime    SkipReason = "missing_event_time"
	SkipInvalidEventTime    SkipReason = "invalid_event_time"
	SkipMissingUserIdentity SkipReason = "missing_user_identity"
	SkipEventTooLarge       SkipReason = "event_too_large"
	SkipInsightEvent        SkipReason = "insight_event"          // an Insights event among API events
	SkipInvalidEmbedded     SkipReason = "invalid_embedded_event" // a CloudTrailEvent string that is not valid JSON
)

// MaxEventBytes bounds one event (one array item or one NDJSON line) as it
// is decoded in memory. CloudTrail caps events at 256 KB; a larger item is
// skipped as event_too_large by reading past it without holding it.
const MaxEventBytes = 4 << 20

// FileError is a problem that made a whole object unusable. Events already
// passed to the callback before it was found must be discarded by the caller:
// a file counts entirely or not at all, so a later fixed copy never double
// counts.
type FileError struct {
	Reason SkipReason
	Err    error
}

func (e *FileError) Error() string { return string(e.Reason) + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// FileResult says what Decode found in one object.
type FileResult struct {
	Format        Format
	Gzipped       bool
	Bytes         int64 // uncompressed bytes read
	Events        int64 // events passed to the callback
	EventsSkipped map[SkipReason]int64
}

// Decode reads one log object as a stream, recognises its format from its
// content (gzip by magic bytes), and calls fn for every usable event. It
// never holds the whole object in memory. A file-level problem is returned
// as a *FileError; an error from fn stops decoding and is returned as is.
//
// The *Event passed to fn, and the memory behind its strings, are reused for
// the next event: fn must copy whatever it keeps.
//
// What is recognised:
//   - {"Records":[…]} (other top-level keys ignored, Records anywhere) and
//     {"Events":[…]} of LookupEvents items; several such objects in a row
//     (concatenated gzip members) are read one after the other;
//   - a bare JSON array of events;
//   - NDJSON: one event per line, each line optionally prefixed by an
//     RFC 3339 timestamp and a space (CloudWatch Logs exports);
//   - in any of these, an item that is an EventBridge envelope
//     ({"detail-type": …, "detail": {event}}) stands for its detail, and an
//     item with a CloudTrailEvent string (LookupEvents) for the event that
//     string holds; logstash's @timestamp stands in for a missing eventTime;
//   - digest files, Insights files (decided from the first record), and
//     content whose first item is not a CloudTrail event are reported as
//     FileErrors without events.
//
// Events missing eventSource, eventName, a parseable eventTime (or
// @timestamp) or a userIdentity object are skipped and counted by reason;
// unknown fields are ignored; when a key repeats, the last one counts. An
// item larger than MaxEventBytes is read past without being held and
// counted as event_too_large.
//
// Validation: what Decode reads (the event's own fields, userIdentity,
// requestParameters, resources) is checked as strict JSON. Objects and
// arrays it skips (responseElements, additionalEventData, …) are checked
// for well-formed strings and balanced brackets only, which is what lets it
// skip them without looking at every byte; a corruption that keeps those
// intact inside a skipped value goes unnoticed (gzip's checksum still
// catches any corruption of compressed objects).
func Decode(r io.Reader, fn func(*Event) error) (FileResult, error) {
	d := decoderPool.Get().(*decoder)
	defer d.release()
	return d.decode(r, fn)
}

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

const (
	initialBuffer = 256 << 10
	rawBuffer     = 64 << 10
)

// decoder is the state of one Decode call, pooled with its buffers.
type decoder struct {
	p  parser
	br *bufio.Reader
	gz *gzip.Reader
	rr recordingReader

	src   io.Reader
	buf   []byte // data in buf[:n], followed by scanPad zero bytes
	pos   int    // first byte not yet consumed
	n     int
	base  int64 // stream offset of buf[0]
	lines int64 // line breaks in the stream before buf[0]
	// linesUnknown: bytes were discarded without counting their lines.
	linesUnknown bool
	eof          bool
	// readErr is a read failure not yet reported: the bytes that arrived
	// before it are decoded first.
	readErr error

	res FileResult
	fn  func(*Event) error

	// The structural index of buf from idxOrigin, valid until more() moves
	// or adds data.
	idx       []block
	idxOrigin int
	idxValid  bool
}

// recordingReader remembers the error the underlying reader returned, so
// that a gzip error caused by it is reported as a read error.
type recordingReader struct {
	r   io.Reader
	err error
}

func (rr *recordingReader) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if err != nil && err != io.EOF {
		rr.err = err
	}
	return n, err
}

func (d *decoder) release() {
	d.src, d.fn, d.rr = nil, nil, recordingReader{}
	d.br.Reset(nil)
	if len(d.buf) > 4*initialBuffer {
		// Do not pin a buffer grown for one large item in the pool.
		d.buf, d.idx = nil, nil
	}
	decoderPool.Put(d)
}

func (d *decoder) decode(r io.Reader, fn func(*Event) error) (FileResult, error) {
	d.res = FileResult{}
	d.fn = fn
	d.pos, d.n, d.base, d.lines, d.eof, d.readErr = 0, 0, 0, 0, false, nil
	d.linesUnknown = false
	d.idxValid = false
	if d.buf == nil {
		d.buf = make([]byte, initialBuffer+scanPad)
	}
	d.rr = recordingReader{r: r}
	if d.br == nil {
		d.br = bufio.NewReaderSize(&d.rr, rawBuffer)
	} else {
		d.br.Reset(&d.rr)
	}
	magic, err := d.br.Peek(2)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return d.res, &FileError{Reason: SkipReadError, Err: fmt.Errorf("read: %w", err)}
	}
	d.src = d.br
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		d.res.Gzipped = true
		if d.gz == nil {
			d.gz, err = gzip.NewReader(d.br)
		} else {
			err = d.gz.Reset(d.br)
		}
		if err != nil {
			return d.res, d.gzipError(err)
		}
		d.src = d.gz
	}
	err = d.run()
	if d.res.Gzipped && (reasonIs(err, SkipInvalidJSON) || reasonIs(err, SkipNotCloudTrail)) {
		// Content that makes no sense may be a corrupt stream whose checksum
		// has not been reached yet: that is the better diagnosis.
		if gerr := d.drain(); gerr != nil {
			err = gerr
		}
	}
	d.res.Bytes = d.base + int64(d.n)
	if fe, ok := err.(*FileError); ok {
		if f := formatOf(fe.Reason); f != "" {
			d.res.Format = f
		}
	}
	return d.res, err
}

func reasonIs(err error, r SkipReason) bool {
	fe, ok := err.(*FileError)
	return ok && fe.Reason == r
}

// drain reads the rest of a gzip stream and returns its error, if any.
func (d *decoder) drain() error {
	if d.readErr != nil {
		return d.readErr
	}
	for !d.eof {
		d.pos = d.n
		if err := d.more(); err != nil {
			return err
		}
	}
	return nil
}

func formatOf(r SkipReason) Format {
	switch r {
	case SkipEmptyFile:
		return FormatEmpty
	case SkipNotCloudTrail:
		return FormatNotCloudTrail
	case SkipDigest:
		return FormatDigest
	case SkipInsights:
		return FormatInsights
	}
	return ""
}

func (d *decoder) gzipError(err error) error {
	if d.rr.err != nil {
		return &FileError{Reason: SkipReadError, Err: fmt.Errorf("read failed after %d uncompressed bytes: %w", d.base+int64(d.n), d.rr.err)}
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &FileError{Reason: SkipCorruptGzip, Err: fmt.Errorf("gzip stream broken after %d uncompressed bytes: %w", d.base+int64(d.n), err)}
}

// more discards the bytes before pos and reads until the buffer is full or
// the input ends. It grows the buffer when less than half of it is free.
func (d *decoder) more() error {
	if d.eof {
		return nil
	}
	d.idxValid = false
	if d.readErr != nil {
		return d.readErr
	}
	if d.pos > 0 {
		// Line numbers matter for NDJSON; elsewhere counting every line
		// break of a large one-line file is wasted work, and messages say
		// only the byte offset once earlier data has been discarded.
		if d.res.Format == "" || d.res.Format == FormatNDJSON {
			d.lines += int64(bytes.Count(d.buf[:d.pos], []byte{'\n'}))
		} else {
			d.linesUnknown = true
		}
		copy(d.buf, d.buf[d.pos:d.n])
		d.base += int64(d.pos)
		d.n -= d.pos
		d.pos = 0
	}
	if size := len(d.buf) - scanPad; d.n > size/2 && size < 2*MaxEventBytes {
		nb := make([]byte, 2*size+scanPad)
		copy(nb, d.buf[:d.n])
		d.buf = nb
	}
	limit := len(d.buf) - scanPad
	for empty, start := 0, d.n; d.n < limit; {
		m, err := d.src.Read(d.buf[d.n:limit])
		d.n += m
		if err == io.EOF {
			d.eof = true
			break
		}
		if err != nil {
			if d.res.Gzipped {
				d.readErr = d.gzipError(err)
			} else {
				d.readErr = &FileError{Reason: SkipReadError, Err: fmt.Errorf("read failed after %d bytes: %w", d.base+int64(d.n), err)}
			}
			if d.n > start {
				break // decode what arrived first; the next call reports the error
			}
			return d.readErr
		}
		if m == 0 {
			if empty++; empty > 100 {
				return &FileError{Reason: SkipReadError, Err: fmt.Errorf("read after %d bytes: %w", d.base+int64(d.n), io.ErrNoProgress)}
			}
		}
	}
	clear(d.buf[d.n : d.n+scanPad])
	return nil
}

// peek returns the first non-whitespace byte at or after pos, moving pos to
// it; ok is false at the end of the input.
func (d *decoder) peek() (byte, bool, error) {
	for {
		for d.pos < d.n && isSpace(d.buf[d.pos]) {
			d.pos++
		}
		if d.pos < d.n {
			return d.buf[d.pos], true, nil
		}
		if d.eof {
			return 0, false, nil
		}
		if err := d.more(); err != nil {
			return 0, false, err
		}
	}
}

// avail makes at least k bytes available from pos unless the input ends.
func (d *decoder) avail(k int) (bool, error) {
	for d.n-d.pos < k {
		if d.eof {
			return false, nil
		}
		if err := d.more(); err != nil {
			return false, err
		}
	}
	return true, nil
}

// syntaxErr turns an error at window offset off into a FileError naming the
// byte offset and line in the (uncompressed) stream.
func (d *decoder) syntaxErr(off int, msg string) error {
	if off > d.n {
		off = d.n
	}
	if d.linesUnknown {
		return &FileError{Reason: SkipInvalidJSON, Err: fmt.Errorf("%s at byte %d", msg, d.base+int64(off))}
	}
	line := d.lines + int64(bytes.Count(d.buf[:off], []byte{'\n'})) + 1
	return &FileError{Reason: SkipInvalidJSON, Err: fmt.Errorf("%s at byte %d (line %d)", msg, d.base+int64(off), line)}
}

// scan runs parse on the window from pos, reading more input and starting
// over until the value fits. tooLarge is true when the value has not ended
// within MaxEventBytes; pos is then unchanged.
func (d *decoder) scan(parse func(s *scanner) bool) (tooLarge bool, err error) {
	s := &d.p.s
	for {
		if !d.idxValid || d.pos < d.idxOrigin {
			d.index()
		}
		s.reset(d.buf[:d.n+scanPad], d.n, d.pos, d.eof)
		if parse(s) {
			d.pos = s.i
			return false, nil
		}
		if s.err != errMore {
			var se *syntaxError
			if errors.As(s.err, &se) {
				return false, d.syntaxErr(se.off, se.msg)
			}
			return false, s.err
		}
		if d.n-d.pos >= MaxEventBytes {
			return true, nil
		}
		if err := d.more(); err != nil {
			return false, err
		}
	}
}

func skipScanned(s *scanner) bool { return s.skipValue() }

// index builds the structural index of the window from pos, which is never
// inside a string.
func (d *decoder) index() {
	blocks := (d.n - d.pos + 63) >> 6
	if cap(d.idx) < blocks {
		d.idx = make([]block, blocks, max(blocks, (len(d.buf)+63)>>6))
	}
	d.idx = d.idx[:blocks]
	d.p.s.startIndex(d.idx, d.pos)
	d.idxOrigin = d.pos
	d.idxValid = true
}

// skipAny skips the value at pos, however large.
func (d *decoder) skipAny() (tooLarge bool, err error) {
	tooLarge, err = d.scan(skipScanned)
	if err == nil && tooLarge {
		err = d.streamSkip()
	}
	return tooLarge, err
}

func (d *decoder) skipped(r SkipReason) {
	if d.res.EventsSkipped == nil {
		d.res.EventsSkipped = make(map[SkipReason]int64, 4)
	}
	d.res.EventsSkipped[r]++
}

// errStop ends decoding early after a file-level finding.
func fileErr(r SkipReason, format string, args ...any) error {
	return &FileError{Reason: r, Err: fmt.Errorf(format, args...)}
}

// run reads the whole input.
func (d *decoder) run() error {
	c, ok, err := d.peekFirst()
	if err != nil {
		return err
	}
	if !ok {
		if d.base+int64(d.n) == 0 {
			return fileErr(SkipEmptyFile, "the object is empty (0 bytes)")
		}
		return fileErr(SkipEmptyFile, "the object holds only whitespace (%d bytes)", d.base+int64(d.n))
	}
	switch {
	case c == '{':
		return d.firstObject()
	case c == '[':
		d.res.Format = FormatArray
		for {
			if err := d.items(true, d.res.Events == 0 && len(d.res.EventsSkipped) == 0); err != nil {
				return err
			}
			c, ok, err := d.peek()
			if err != nil || !ok {
				return err
			}
			if c != '[' {
				return d.trailing()
			}
		}
	case isDigit(c):
		ok, err := d.timestampPrefix()
		if err != nil {
			return err
		}
		if ok {
			return d.firstObject()
		}
	}
	return fileErr(SkipNotCloudTrail, "content starting with %s at byte %d is neither a CloudTrail log file nor CloudTrail events", quoteChar(c), d.base+int64(d.pos))
}

// peekFirst is peek that also steps over a UTF-8 byte order mark.
func (d *decoder) peekFirst() (byte, bool, error) {
	if ok, err := d.avail(3); err != nil {
		return 0, false, err
	} else if ok && d.buf[0] == 0xef && d.buf[1] == 0xbb && d.buf[2] == 0xbf {
		d.pos = 3
	}
	return d.peek()
}

func (d *decoder) trailing() error {
	return d.syntaxErr(d.pos, fmt.Sprintf("unexpected %s after the top-level value", quoteChar(d.buf[d.pos])))
}

// firstObject handles a file whose first value is an object: a log-file
// container, a digest file, or the first event of NDJSON.
func (d *decoder) firstObject() error {
	start := d.pos
	tooLarge, err := d.scan(func(s *scanner) bool { return d.p.parseItem(true) })
	if err != nil {
		return err
	}
	kind := d.p.w.kind
	container := d.p.w.container
	if tooLarge {
		kind, container, err = d.walkLargeObject()
		if err != nil {
			return err
		}
	}
	switch kind {
	case itemDigest:
		d.res.Format = FormatDigest
		return fileErr(SkipDigest, "a CloudTrail digest file (top-level key %q at byte %d), not events", d.p.w.digestKey, d.base+int64(d.p.w.keyAt))
	case itemContainer:
		return d.containers(container)
	}
	d.res.Format = FormatNDJSON
	if tooLarge {
		d.skipped(SkipEventTooLarge)
	} else if err := d.deliver(true, start); err != nil {
		return err
	}
	return d.ndjson()
}

// containers reads {"Records":[…]} objects, the first of which has been
// parsed up to its array.
func (d *decoder) containers(key string) error {
	d.res.Format = FormatRecords
	if key == "Events" {
		d.res.Format = FormatLookupEvents
	}
	for {
		// Records are CloudTrail by their container; LookupEvents items are
		// checked like any other list of events.
		first := d.res.Events == 0 && len(d.res.EventsSkipped) == 0
		if err := d.items(d.res.Format != FormatRecords, first); err != nil {
			return err
		}
		if err := d.restOfObject(); err != nil {
			return err
		}
		c, ok, err := d.peek()
		if err != nil || !ok {
			return err
		}
		if c != '{' {
			return d.trailing()
		}
		at := d.pos
		tooLarge, err := d.scan(func(s *scanner) bool { return d.p.parseItem(true) })
		if err != nil {
			return err
		}
		kind := d.p.w.kind
		if tooLarge {
			if kind, _, err = d.walkLargeObject(); err != nil {
				return err
			}
		}
		if kind != itemContainer {
			d.pos = at
			return d.trailing()
		}
	}
}

// items reads the array at pos. checkShape makes a first item that is not a
// CloudTrail event mean the file is not CloudTrail; first says whether this
// array holds the file's first item.
func (d *decoder) items(checkShape, first bool) error {
	d.pos++
	c, ok, err := d.peek()
	if err != nil {
		return err
	}
	if ok && c == ']' {
		d.pos++
		return nil
	}
	for {
		if !ok {
			return d.syntaxErr(d.n, "unexpected end of input in array")
		}
		if c == '{' {
			at := d.pos
			tooLarge, err := d.scan(func(s *scanner) bool { return d.p.parseItem(false) })
			if err != nil {
				return err
			}
			if tooLarge {
				if err := d.streamSkip(); err != nil {
					return err
				}
				d.skipped(SkipEventTooLarge)
			} else if err := d.deliverChecked(checkShape && first, first, at); err != nil {
				return err
			}
		} else {
			if checkShape && first {
				return fileErr(SkipNotCloudTrail, "the first item, at byte %d, is not an object", d.base+int64(d.pos))
			}
			if _, err := d.skipAny(); err != nil {
				return err
			}
			d.skipped(SkipNotAnObject)
		}
		first = false
		c, ok, err = d.peek()
		if err != nil {
			return err
		}
		switch {
		case ok && c == ',':
			d.pos++
			if c, ok, err = d.peek(); err != nil {
				return err
			}
		case ok && c == ']':
			d.pos++
			return nil
		case !ok:
			return d.syntaxErr(d.n, "unexpected end of input in array")
		default:
			return d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s after array element", quoteChar(c)))
		}
	}
}

// restOfObject reads the members after a container's array up to the
// closing brace, skipping them.
func (d *decoder) restOfObject() error {
	for {
		c, ok, err := d.peek()
		if err != nil {
			return err
		}
		switch {
		case !ok:
			return d.syntaxErr(d.n, "unexpected end of input in object")
		case c == '}':
			d.pos++
			return nil
		case c != ',':
			return d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s after object key:value pair", quoteChar(c)))
		}
		d.pos++
		if _, err := d.member(); err != nil {
			return err
		}
		if _, err := d.skipAny(); err != nil {
			return err
		}
	}
}

// member reads `"key":` at pos (after whitespace) and leaves pos at the
// value. Keys longer than MaxEventBytes are read past and returned empty.
func (d *decoder) member() (string, error) {
	c, ok, err := d.peek()
	if err != nil {
		return "", err
	}
	if !ok || c != '"' {
		if !ok {
			return "", d.syntaxErr(d.n, "unexpected end of input in object")
		}
		return "", d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s looking for beginning of object key string", quoteChar(c)))
	}
	var key string
	tooLarge, err := d.scan(func(s *scanner) bool {
		var ok bool
		key, ok = s.readString()
		return ok
	})
	if err != nil {
		return "", err
	}
	if tooLarge {
		if err := d.streamSkip(); err != nil {
			return "", err
		}
	}
	key = string(key) // the window moves when the value is read
	c, ok, err = d.peek()
	if err != nil {
		return "", err
	}
	if !ok {
		return "", d.syntaxErr(d.n, "unexpected end of input after object key")
	}
	if c != ':' {
		return "", d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s after object key", quoteChar(c)))
	}
	d.pos++
	if _, ok, err = d.peek(); err != nil {
		return "", err
	} else if !ok {
		return "", d.syntaxErr(d.n, "unexpected end of input after object key")
	}
	return key, nil
}

// walkLargeObject reads the top-level object at pos, larger than
// MaxEventBytes, member by member, until it finds a container array or a
// digest key. An object with neither is read to its end and reported as an
// event (too large to decode).
func (d *decoder) walkLargeObject() (itemKind, string, error) {
	d.pos++
	c, ok, err := d.peek()
	if err != nil {
		return 0, "", err
	}
	if ok && c == '}' {
		d.pos++
		return itemEvent, "", nil
	}
	for {
		at := d.pos
		key, err := d.member()
		if err != nil {
			return 0, "", err
		}
		switch {
		case (key == "Records" || key == "Events") && d.buf[d.pos] == '[':
			return itemContainer, key, nil
		case isDigestKey(key):
			d.p.w.digestKey, d.p.w.keyAt = key, at
			return itemDigest, key, nil
		}
		if _, err := d.skipAny(); err != nil {
			return 0, "", err
		}
		c, ok, err := d.peek()
		if err != nil {
			return 0, "", err
		}
		switch {
		case !ok:
			return 0, "", d.syntaxErr(d.n, "unexpected end of input in object")
		case c == '}':
			d.pos++
			return itemEvent, "", nil
		case c != ',':
			return 0, "", d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s after object key:value pair", quoteChar(c)))
		}
		d.pos++
	}
}

// ndjson reads the values after the first one as one event each.
func (d *decoder) ndjson() error {
	for {
		c, ok, err := d.peek()
		if err != nil || !ok {
			return err
		}
		if isDigit(c) {
			if _, err := d.timestampPrefix(); err != nil {
				return err
			}
			c = d.buf[d.pos]
		}
		if c != '{' {
			if _, err := d.skipAny(); err != nil {
				return err
			}
			d.skipped(SkipNotAnObject)
			continue
		}
		at := d.pos
		tooLarge, err := d.scan(func(s *scanner) bool { return d.p.parseItem(false) })
		if err != nil {
			return err
		}
		if tooLarge {
			if err := d.streamSkip(); err != nil {
				return err
			}
			d.skipped(SkipEventTooLarge)
			continue
		}
		if err := d.deliver(false, at); err != nil {
			return err
		}
	}
}

// timestampPrefix steps over a CloudWatch Logs export's line prefix: an RFC
// 3339 timestamp (4 digits, '-', then up to 35 of [0-9:.TZ+-]), blanks, and
// then the '{' of the event. It reports whether there was one; pos is then
// at the '{'.
func (d *decoder) timestampPrefix() (bool, error) {
	if _, err := d.avail(64); err != nil {
		return false, err
	}
	b := d.buf[d.pos:d.n]
	if len(b) < 7 || !isDigit(b[0]) || !isDigit(b[1]) || !isDigit(b[2]) || !isDigit(b[3]) || b[4] != '-' {
		return false, nil
	}
	i := 5
	for i < len(b) && i < 5+35 && isStampChar(b[i]) {
		i++
	}
	if i == 5 || i >= len(b) || (b[i] != ' ' && b[i] != '\t') {
		return false, nil
	}
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	if i >= len(b) || b[i] != '{' {
		return false, nil
	}
	d.pos += i
	return true, nil
}

func isStampChar(c byte) bool {
	return isDigit(c) || c == ':' || c == '.' || c == 'T' || c == 'Z' || c == '+' || c == '-'
}

// deliver finishes the item parsed at window offset at and passes its event
// to fn, or counts why not.
func (d *decoder) deliver(first bool, at int) error {
	return d.deliverChecked(first, first, at)
}

// deliverChecked: checkShape makes an item that is not a CloudTrail event a
// file-level not_cloudtrail; first enables the Insights-file check.
func (d *decoder) deliverChecked(checkShape, first bool, at int) error {
	w := &d.p.w
	var sl *slot
	var reason SkipReason
	switch {
	case w.hasCTE:
		if w.cteOK {
			sl = &d.p.inner
		} else {
			reason = w.cteErr
		}
	case w.hasDetail && w.hasDetailType:
		sl = &d.p.detail
	default:
		sl = &d.p.main
	}
	if sl != nil {
		if checkShape && !sl.shape {
			return fileErr(SkipNotCloudTrail, "the first item, at byte %d, has none of the keys of a CloudTrail event (eventVersion, eventTime, eventSource, eventName, userIdentity, eventID)", d.base+int64(at))
		}
		if sl.ev.Type == "AwsCloudTrailInsight" {
			if first {
				return fileErr(SkipInsights, "a CloudTrail Insights file (the first record, at byte %d, has eventType AwsCloudTrailInsight)", d.base+int64(at))
			}
			reason = SkipInsightEvent
		} else {
			reason = sl.complete(&d.p.minutes)
		}
	}
	if reason != "" {
		d.skipped(reason)
		return nil
	}
	d.res.Events++
	return d.fn(&sl.ev)
}

// complete checks the required fields and fills the derived ones.
func (sl *slot) complete(minutes *minuteCache) SkipReason {
	ev := &sl.ev
	switch {
	case ev.Source == "":
		return SkipMissingEventSource
	case ev.Name == "":
		return SkipMissingEventName
	}
	raw, ok := sl.eventTime, sl.hasEventTime
	if !ok {
		raw, ok = sl.atTimestamp, sl.hasAtTime
	}
	if !ok {
		return SkipMissingEventTime
	}
	t, ok := minutes.parse(raw)
	if !ok {
		return SkipInvalidEventTime
	}
	if !sl.hasIdentity {
		return SkipMissingUserIdentity
	}
	ev.Time = t
	ev.Identity.IdentityProvider = sl.idProvider
	if ev.Identity.IdentityProvider == "" {
		ev.Identity.IdentityProvider = sl.fedProvider
	}
	return ""
}
