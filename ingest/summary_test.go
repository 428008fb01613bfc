package ingest

import (
	"strings"
	"testing"
	"time"
)

func TestSummaryText(t *testing.T) {
	s := newSummary()
	s.FilesRead, s.EventsRead, s.BytesRead, s.BytesUncompressed, s.Seconds = 55, 2900, 3660956, 3660956, 0.5
	s.UsageStore, s.UsageRows, s.UsageRowsAdded = "/tmp/usage", 1266, 1266
	s.FilesAlreadyIngested = 3
	s.FilesReadAgain, s.EventsAlreadyIngested, s.FilesChanged = 4, 120, 1
	s.FilesOutsideWindow, s.EventsOutsideWindow = 2, 40
	s.PrefixesSkipped[SkipDigest] = 1
	s.FilesSkipped["not_cloudtrail"] = 1
	s.EventsSkipped["missing_event_time"] = 2
	var b strings.Builder
	s.WriteText(&b)
	want := `ingested 55 files, 2900 events (3.5 MiB read, 3.5 MiB uncompressed) in 500ms, 5800 events/s
usage store /tmp/usage: 1266 rows (1266 new)
already ingested: 3 files (not read again)
read again for what earlier runs' filters left out: 4 files (120 events they had counted were not counted again)
changed since ingested (another ETag or size): 1 files, read as new objects; their earlier versions stay counted
outside the time window: 2 files (by name, not read), 40 events
prefixes not listed (no API events): digest_file 1
skipped files: 1 (not_cloudtrail 1)
skipped events: 2 (missing_event_time 2)
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if s.Skipped() != 3 {
		t.Errorf("Skipped() = %d, want 3 (1 file and 2 events; window, manifest and prefixes are not skipped input)", s.Skipped())
	}
}

func TestProgressLine(t *testing.T) {
	p := Progress{Elapsed: 4 * time.Second, ObjectsListed: 120, ObjectsDone: 80, Events: 480000, Bytes: 80 << 20, Listing: true}
	want := "80/120+ objects, 480k events, 80.0 MiB, 120k events/s, 20.0 MiB/s"
	if got := p.Line(); got != want {
		t.Errorf("Line() = %q, want %q", got, want)
	}
}
