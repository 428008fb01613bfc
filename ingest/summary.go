package ingest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Summary is what a run did. Its JSON form (the --json output) has stable,
// sorted keys: the fields are declared in key order, and maps marshal with
// sorted keys.
type Summary struct {
	// BytesRead is the size of the objects that counted, as stored (so
	// compressed for .json.gz).
	BytesRead int64 `json:"bytes_read"`
	// BytesUncompressed is the uncompressed size of the same objects.
	BytesUncompressed int64 `json:"bytes_uncompressed"`
	// Checkpoints is the number of commits made before the final one.
	Checkpoints int `json:"checkpoints"`
	// EventsAlreadyIngested were read from files read again (see
	// FilesReadAgain) and are in the run's scope, but an earlier run
	// counted them.
	EventsAlreadyIngested int64 `json:"events_already_ingested"`
	// EventsFiltered were read but belong to an account or region the
	// filter excludes.
	EventsFiltered int64 `json:"events_filtered"`
	// EventsOutsideWindow were read but their eventTime is outside
	// [since, until).
	EventsOutsideWindow int64 `json:"events_outside_window"`
	// EventsRead is every event decoded from the files that counted,
	// including those then dropped as outside the window or filtered.
	EventsRead int64 `json:"events_read"`
	// EventsSkipped are events the decoder could not use, by reason.
	EventsSkipped map[SkipReason]int64 `json:"events_skipped"`
	// FilesAlreadyIngested were found in the store's manifest (same URI,
	// ETag and size) under scopes that hold this run's: not read again.
	FilesAlreadyIngested int64 `json:"files_already_ingested"`
	// FilesChanged are among FilesRead: the manifest held another ETag or
	// size at the same URI. Each was read as a new object; the events of
	// the earlier version stay counted.
	FilesChanged int64 `json:"files_changed"`
	// FilesOutsideWindow were not read: their name says they were delivered
	// before --since.
	FilesOutsideWindow int64 `json:"files_outside_window"`
	// FilesRead counted entirely: every event in them was decoded.
	FilesRead int64 `json:"files_read"`
	// FilesReadAgain are among FilesRead: earlier runs ingested them under
	// narrower scopes (windows, accounts, regions), so they were read for
	// the events of this run's scope that those runs did not count.
	FilesReadAgain int64 `json:"files_read_again"`
	// FilesSkipped contributed nothing, by reason.
	FilesSkipped map[SkipReason]int64 `json:"files_skipped"`
	// PrefixesSkipped are prefixes the layout says hold no API events
	// (CloudTrail-Digest/, CloudTrail-Insight/, other services' logs), by
	// reason. They are not listed, and are not skipped input.
	PrefixesSkipped map[SkipReason]int64 `json:"prefixes_skipped"`
	// Seconds is the run's wall-clock duration.
	Seconds float64 `json:"seconds"`
	// UsageRows is the number of distinct usage rows in the store after the
	// run; UsageRowsAdded how many of them this run added.
	UsageRows      int64 `json:"usage_rows"`
	UsageRowsAdded int64 `json:"usage_rows_added"`
	// UsageStore is the store's directory.
	UsageStore string `json:"usage_store"`
}

func newSummary() Summary {
	return Summary{
		EventsSkipped:   map[SkipReason]int64{},
		FilesSkipped:    map[SkipReason]int64{},
		PrefixesSkipped: map[SkipReason]int64{},
	}
}

// SkippedFiles is the number of files that contributed nothing because
// something was wrong with them.
func (s *Summary) SkippedFiles() int64 { return sum(s.FilesSkipped) }

// SkippedEvents is the number of events the decoder could not use.
func (s *Summary) SkippedEvents() int64 { return sum(s.EventsSkipped) }

// Skipped is what --max-skipped is compared with: skipped files plus
// skipped events. Events outside the window or filtered out, files already
// ingested and prefixes skipped by layout are not skipped input.
func (s *Summary) Skipped() int64 { return s.SkippedFiles() + s.SkippedEvents() }

func sum(m map[SkipReason]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// WriteText writes the human summary printed at the end of a run.
func (s *Summary) WriteText(w io.Writer) {
	rate := 0.0
	if s.Seconds > 0 {
		rate = float64(s.EventsRead) / s.Seconds
	}
	took := time.Duration(s.Seconds * float64(time.Second)).Round(time.Millisecond)
	fmt.Fprintf(w, "ingested %d files, %d events (%s read, %s uncompressed) in %s, %s events/s\n",
		s.FilesRead, s.EventsRead, formatBytes(s.BytesRead), formatBytes(s.BytesUncompressed), took, formatCount(rate))
	fmt.Fprintf(w, "usage store %s: %d rows (%d new)\n", s.UsageStore, s.UsageRows, s.UsageRowsAdded)
	if s.FilesAlreadyIngested > 0 {
		fmt.Fprintf(w, "already ingested: %d files (not read again)\n", s.FilesAlreadyIngested)
	}
	if s.FilesReadAgain > 0 {
		fmt.Fprintf(w, "read again for what earlier runs' filters left out: %d files (%d events they had counted were not counted again)\n", s.FilesReadAgain, s.EventsAlreadyIngested)
	}
	if s.FilesChanged > 0 {
		fmt.Fprintf(w, "changed since ingested (another ETag or size): %d files, read as new objects; their earlier versions stay counted\n", s.FilesChanged)
	}
	if s.FilesOutsideWindow > 0 || s.EventsOutsideWindow > 0 {
		fmt.Fprintf(w, "outside the time window: %d files (by name, not read), %d events\n", s.FilesOutsideWindow, s.EventsOutsideWindow)
	}
	if s.EventsFiltered > 0 {
		fmt.Fprintf(w, "filtered out by account or region: %d events\n", s.EventsFiltered)
	}
	if len(s.PrefixesSkipped) > 0 {
		fmt.Fprintf(w, "prefixes not listed (no API events): %s\n", formatReasons(s.PrefixesSkipped))
	}
	if n := s.SkippedFiles(); n > 0 {
		fmt.Fprintf(w, "skipped files: %d (%s)\n", n, formatReasons(s.FilesSkipped))
	}
	if n := s.SkippedEvents(); n > 0 {
		fmt.Fprintf(w, "skipped events: %d (%s)\n", n, formatReasons(s.EventsSkipped))
	}
}

func formatReasons(m map[SkipReason]int64) string {
	var parts []string
	for _, r := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", r, m[r]))
	}
	return strings.Join(parts, ", ")
}

// Progress is a snapshot of a run in flight.
type Progress struct {
	Elapsed       time.Duration
	ObjectsListed int64 // objects found to read so far
	ObjectsDone   int64 // read, skipped or found already ingested
	Events        int64
	Bytes         int64 // bytes fetched so far, as stored
	Listing       bool  // still listing
}

// Line is the one-line rendering of p for a progress display.
func (p Progress) Line() string {
	secs := p.Elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(p.Events) / secs
	}
	listed := fmt.Sprintf("%d", p.ObjectsListed)
	if p.Listing {
		listed += "+"
	}
	return fmt.Sprintf("%d/%s objects, %s events, %s, %s events/s, %s/s",
		p.ObjectsDone, listed, formatCount(float64(p.Events)), formatBytes(p.Bytes), formatCount(rate),
		formatBytes(int64(float64(p.Bytes)/max(secs, 1e-9))))
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func formatCount(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
