package analyze

import (
	"testing"

	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/ingest/store"
)

func benchRows(b *testing.B) []store.Row {
	b.Helper()
	var rows []store.Row
	for _, c := range corpora(b) {
		rows = append(rows, corpusRows(b, c)...)
	}
	return rows
}

// BenchmarkMap maps the corpora's rows with one warm mapper (the plan per
// eventSource and eventName is cached); rows/s is the figure.
func BenchmarkMap(b *testing.B) {
	rows := benchRows(b)
	m := NewMapper(catalog.Default())
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		r := &rows[i%len(rows)]
		_ = m.Map(r)
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkAnalyze streams the corpora's rows through an analyzer.
func BenchmarkAnalyze(b *testing.B) {
	rows := benchRows(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		a := NewAnalyzer(catalog.Default(), Options{})
		for j := range rows {
			a.Add(&rows[j])
		}
		_ = a.Result()
		n += len(rows)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
}
