package store

import (
	"context"
	"fmt"
	"testing"
)

// benchRow is a realistic data-event row: an assumed role reading an object.
func benchRow(i int) Row {
	return Row{
		Day:             19_900 + int32(i%30),
		IdentityType:    "AssumedRole",
		IdentityARN:     "arn:aws:sts::111122223333:assumed-role/app-" + fmt.Sprint(i%50),
		IdentityAccount: "111122223333",
		PrincipalID:     "AROAEXAMPLEID" + fmt.Sprint(i%50),
		IssuerType:      "Role",
		IssuerARN:       "arn:aws:iam::111122223333:role/app-" + fmt.Sprint(i%50),
		IssuerAccount:   "111122223333",
		Account:         "111122223333",
		Region:          "eu-west-1",
		EventSource:     "s3.amazonaws.com",
		EventName:       []string{"GetObject", "PutObject", "HeadObject", "ListObjects"}[i%4],
		EventType:       "AwsApiCall",
		EventCategory:   "Data",
		ReadOnly:        "true",
		Resources: []Resource{
			{ARN: fmt.Sprintf("arn:aws:s3:::bucket-%d/data/%d.json", i%7, i), Type: "AWS::S3::Object"},
			{ARN: fmt.Sprintf("arn:aws:s3:::bucket-%d", i%7), AccountID: "111122223333", Type: "AWS::S3::Bucket"},
		},
		Params: []Param{
			{Name: "bucketName", Value: fmt.Sprintf("bucket-%d", i%7)},
			{Name: "key", Value: fmt.Sprintf("data/%d.json", i)},
		},
		Count:     1,
		FirstSeen: int64(19_900+i%30)*86_400_000 + int64(i),
		LastSeen:  int64(19_900+i%30)*86_400_000 + int64(i),
	}
}

func BenchmarkTableAdd(b *testing.B) {
	b.Run("existing key", func(b *testing.B) {
		rows := make([]Row, 1000)
		for i := range rows {
			rows[i] = benchRow(i)
		}
		tab := NewTable(TableOptions{})
		for i := range rows {
			tab.Add(&rows[i])
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			tab.Add(&rows[i%len(rows)])
		}
	})
	b.Run("new key", func(b *testing.B) {
		rows := make([]Row, 1<<16)
		for i := range rows {
			rows[i] = benchRow(i)
		}
		tab := NewTable(TableOptions{MaxResourceSets: 1 << 30})
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if i%len(rows) == 0 && i > 0 {
				b.StopTimer()
				tab = NewTable(TableOptions{MaxResourceSets: 1 << 30})
				b.StartTimer()
			}
			tab.Add(&rows[i%len(rows)])
		}
	})
	b.Run("coarsened group", func(b *testing.B) {
		rows := make([]Row, 1<<16)
		for i := range rows {
			rows[i] = benchRow(i)
		}
		tab := NewTable(TableOptions{})
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			tab.Add(&rows[i%len(rows)])
		}
	})
}

func BenchmarkTableMergeSmall(b *testing.B) {
	// The pipeline's pattern: a per-file table merged into a worker table.
	file := NewTable(TableOptions{})
	worker := NewTable(TableOptions{})
	rows := make([]Row, 200)
	for i := range rows {
		rows[i] = benchRow(i % 50)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for j := range rows {
			file.Add(&rows[j])
		}
		worker.Merge(file)
		file.Reset()
	}
}

func benchTable(n int) *Table {
	tab := NewTable(TableOptions{})
	for i := range n {
		r := benchRow(i)
		tab.Add(&r)
	}
	return tab
}

// BenchmarkCommit measures writing rows to a store: into an empty store,
// and into one that already holds as many rows in the same months (the
// daily incremental case rewrites the months it touches).
func BenchmarkCommit(b *testing.B) {
	const n = 100_000
	tab := benchTable(n)
	other := NewTable(TableOptions{})
	for i := range n {
		r := benchRow(i)
		r.EventName = "Other" + r.EventName
		other.Add(&r)
	}
	ctx := context.Background()
	b.Run("empty store", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s, err := Open(ctx, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Commit(ctx, tab, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("existing store", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s, err := Open(ctx, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Commit(ctx, other, nil); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := s.Commit(ctx, tab, nil); err != nil {
				b.Fatal(err)
			}
		}
		// Rows written: the old ones rewritten and the new ones.
		b.ReportMetric(float64(2*n*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	dir := b.TempDir()
	s, _ := Open(ctx, dir)
	if err := s.Commit(ctx, tab, nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d rows: %d bytes on disk (%.1f bytes/row)", n, s.Stats().Bytes, float64(s.Stats().Bytes)/n)
}

func BenchmarkRows(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	dir := b.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Commit(ctx, benchTable(n), nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got := 0
		if err := s.Rows(ctx, func(*Row) error { got++; return nil }); err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("read %d rows, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
