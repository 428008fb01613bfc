package ingest

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// BenchmarkIngest runs the whole pipeline (list, read, gunzip, decode,
// aggregate, commit) over the perfgen tree into an empty store, the
// in-process twin of scripts/bench.sh's end-to-end run. -cpu sets the
// cores; the workers follow (DefaultConcurrency).
//
//	go test ./ingest -run '^$' -bench BenchmarkIngest -cpu 1,2 -benchtime 3x -cpuprofile cpu.prof
func BenchmarkIngest(b *testing.B) {
	loadPerfgen(b)
	src, err := NewLocalSource(perfgenTree(b))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := openStore(b, b.TempDir())
		b.StartTimer()
		sum, err := Run(ctx, Options{Sources: []Source{src}, Store: st})
		if err != nil {
			b.Fatal(err)
		}
		if sum.EventsRead != perfgen.events {
			b.Fatalf("read %d events, want %d", sum.EventsRead, perfgen.events)
		}
	}
	reportRates(b, perfgen.events, perfgen.bytes)
}

// perfgenRows returns the usage rows (FillRow) of the first files of the
// perfgen tree, up to about max events, copied so that they outlive the
// decoder.
func perfgenRows(b testing.TB, max int) []store.Row {
	loadPerfgen(b)
	var rows []store.Row
	var row store.Row
	for _, f := range perfgen.files {
		if len(rows) >= max {
			break
		}
		_, err := Decode(bytes.NewReader(f.gz), func(ev *Event) error {
			FillRow(ev, &row)
			rows = append(rows, cloneRow(&row))
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return rows
}

func cloneRow(r *store.Row) store.Row {
	c := *r
	for _, s := range []*string{&c.IdentityType, &c.IdentityARN, &c.IdentityAccount, &c.PrincipalID, &c.UserName,
		&c.IssuerType, &c.IssuerARN, &c.IssuerAccount, &c.InvokedBy, &c.IdentityProvider, &c.OnBehalfOfUserID,
		&c.OnBehalfOfStoreARN, &c.Account, &c.Region, &c.EventSource, &c.EventName, &c.EventType, &c.EventCategory,
		&c.ReadOnly, &c.ErrorCode, &c.ErrorMessage} {
		*s = strings.Clone(*s)
	}
	c.Resources = slices.Clone(r.Resources)
	for i := range c.Resources {
		x := &c.Resources[i]
		x.ARN, x.AccountID, x.Type = strings.Clone(x.ARN), strings.Clone(x.AccountID), strings.Clone(x.Type)
	}
	c.Params = slices.Clone(r.Params)
	for i := range c.Params {
		x := &c.Params[i]
		x.Name, x.Value = strings.Clone(x.Name), strings.Clone(x.Value)
	}
	return c
}

// BenchmarkAggregate adds the usage rows of real perfgen events (about
// 100k, a third of them distinct) to a Table: the aggregation stage of the
// hot path, without decoding.
func BenchmarkAggregate(b *testing.B) {
	rows := perfgenRows(b, 100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := store.NewTable(store.TableOptions{})
		for j := range rows {
			t.Add(&rows[j])
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(len(rows)*b.N), "ns/event")
}
