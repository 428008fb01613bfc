package securitylake

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSamplesSameUsageAsRawEvents ingests every Security Lake v1 sample
// (OCSF 1.0.0-rc.2 Parquet) and the raw CloudTrail record it was made from,
// and requires the same usage rows, field for field.
//
// No field is exempt: on these 21 events every field the store keeps
// survives OCSF, including what Security Lake v1 moves out of
// requestParameters (Account Change's user.name, Authentication's
// user.uuid) and what it keeps only in unmapped (readOnly, sharedEventID,
// recipientAccountId, eventType, the session issuer's type and account,
// resources[] of authentication events). The package comment lists what
// OCSF loses in general; none of it occurs here.
func TestSamplesSameUsageAsRawEvents(t *testing.T) {
	dir := samplesDir(t)
	parquets, err := filepath.Glob(filepath.Join(dir, "*", "*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(parquets) != 21 {
		t.Fatalf("found %d sample Parquet files, want 21", len(parquets))
	}
	var raws []string
	for _, p := range parquets {
		raws = append(raws, filepath.Join(filepath.Dir(p), "input", strings.TrimSuffix(filepath.Base(p), ".parquet")))
	}
	for _, tc := range []struct {
		name  string
		files []string
	}{
		{"all", parquets},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rawSum, want := ingestFiles(t, raws...)
			sum, got := ingestFiles(t, tc.files...)
			if sum.FilesRead != 21 || sum.SkippedFiles() != 0 || sum.SkippedEvents() != 0 {
				t.Errorf("Parquet: files read %d, skipped %v, events skipped %v; want 21 read and none skipped", sum.FilesRead, sum.FilesSkipped, sum.EventsSkipped)
			}
			if sum.EventsRead != rawSum.EventsRead || sum.EventsRead != 21 {
				t.Errorf("events read: Parquet %d, raw %d; want 21 each", sum.EventsRead, rawSum.EventsRead)
			}
			if d := diffRows(got, want); d != "" {
				t.Errorf("usage rows from Parquet differ from the raw events':\n%s", d)
			}
		})
	}
}
