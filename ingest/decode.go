package ingest

import (
	"errors"
	"io"
)

// Format is what a log object was recognised as.
type Format string

const (
	FormatRecords       Format = "cloudtrail_records" // {"Records":[...]} as CloudTrail delivers to S3
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
// as a *FileError.
func Decode(r io.Reader, fn func(*Event) error) (FileResult, error) {
	return FileResult{}, &FileError{Reason: "not_implemented", Err: errors.New("decoder not implemented yet")}
}
