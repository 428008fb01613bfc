package securitylake

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// BenchmarkDecodeOCSF11 decodes the corpora's records written ten times
// over as one OCSF 1.1 Parquet file (about 30,000 rows), and fills usage
// rows from the events as the pipeline does; it reports events/s.
func BenchmarkDecodeOCSF11(b *testing.B) {
	var rows []ocsf11Row
	for _, f := range corpusLogFiles(b) {
		for _, rec := range readRecords(b, f) {
			rows = append(rows, toOCSF11(rec))
		}
	}
	all := rows
	for range 9 {
		all = append(all, rows...)
	}
	path := filepath.Join(b.TempDir(), "lake.parquet")
	writeOCSF11(b, path, all)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var row store.Row
	table := store.NewTable(store.TableOptions{})
	for range b.N {
		n := 0
		_, err := Decode(bytes.NewReader(data), int64(len(data)), func(ev *ingest.Event) error {
			ingest.FillRow(ev, &row)
			table.Add(&row)
			n++
			return nil
		})
		if err != nil || n != len(all) {
			b.Fatalf("%d events, %v", n, err)
		}
	}
	b.ReportMetric(float64(len(all)*b.N)/b.Elapsed().Seconds(), "events/s")
}
