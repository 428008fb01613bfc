package store

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixture is a deterministic batch of ingest output: rows spread over
// several months and the manifest entries of the objects they came from.
type fixture struct {
	rows    []Row
	objects []ManifestEntry
}

func makeFixture(seed uint64, nRows, nObjects int) fixture {
	rng := rand.New(rand.NewPCG(seed, 99))
	rows := randomRows(rng, nRows)
	for i := range rows {
		// Spread over three months so that commits touch some partitions
		// and leave others.
		d := int32(19_800 + rng.IntN(75))
		shift := int64(d-rows[i].Day) * msPerDay
		rows[i].Day = d
		rows[i].FirstSeen += shift
		rows[i].LastSeen += shift
	}
	var objects []ManifestEntry
	for i := range nObjects {
		objects = append(objects, ManifestEntry{
			Object: fmt.Sprintf("s3://trail/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/%02d/obj-%d-%d.json.gz", 1+i%28, seed, i),
			ETag:   fmt.Sprintf("\"%x\"", seed*1000+uint64(i)),
			Size:   int64(1000 + i),
			Events: int64(1 + i%7),
			Scopes: Everything(),
		})
	}
	return fixture{rows: rows, objects: objects}
}

func tableOf(opts TableOptions, rows ...[]Row) *Table {
	t := NewTable(opts)
	for _, rs := range rows {
		for i := range rs {
			t.Add(&rs[i])
		}
	}
	return t
}

func commit(t *testing.T, dir string, opts TableOptions, f fixture) {
	t.Helper()
	s, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background(), tableOf(opts, f.rows), f.objects); err != nil {
		t.Fatal(err)
	}
}

func readRows(t *testing.T, dir string, opts ReadOptions) []Row {
	t.Helper()
	s, err := OpenExisting(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []Row
	if err := s.Read(context.Background(), opts, func(r *Row) error { out = append(out, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func readManifest(t *testing.T, dir string) []ManifestEntry {
	t.Helper()
	s, err := OpenExisting(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []ManifestEntry
	for e, err := range s.Manifest(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// storeFiles is every file of a store but the lock, by name.
func storeFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if e.Name() == lockName {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func sortedEntries(es ...[]ManifestEntry) []ManifestEntry {
	var out []ManifestEntry
	for _, e := range es {
		out = append(out, e...)
	}
	slices.SortFunc(out, func(a, b ManifestEntry) int { return cmpEntry(&a, &b) })
	return out
}

func TestStoreCommitAndRead(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "usage")
	opts := TableOptions{MaxResourceSets: 4}
	a, b := makeFixture(1, 400, 5), makeFixture(2, 400, 3)

	commit(t, dir, opts, a)
	if got, want := readRows(t, dir, ReadOptions{}), tableOf(opts, a.rows).Rows(); !reflect.DeepEqual(got, want) {
		t.Fatalf("after one commit:\n%s\nwant:\n%s", dumpRows(got), dumpRows(want))
	}
	commit(t, dir, opts, b)
	want := tableOf(opts, a.rows, b.rows).Rows()
	if got := readRows(t, dir, ReadOptions{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("after two commits:\n%s\nwant:\n%s", dumpRows(got), dumpRows(want))
	}
	if got, want := readManifest(t, dir), sortedEntries(a.objects, b.objects); !reflect.DeepEqual(got, want) {
		t.Errorf("manifest = %v, want %v", got, want)
	}

	s, err := OpenExisting(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	var count int64
	for _, r := range want {
		count += r.Count
	}
	if st.Rows != int64(len(want)) || st.Count != count || st.Objects != 8 || st.Files != 4 {
		t.Errorf("Stats = %+v, want %d rows, count %d, 8 objects, 3 data files + 1 manifest", st, len(want), count)
	}
	// Only the files of the current version remain.
	files := storeFiles(t, dir)
	if len(files) != st.Files+1 {
		t.Errorf("files in the store: %v, want %d data and manifest files and store.json", slices.Sorted(maps.Keys(files)), st.Files)
	}
}

func TestStoreLookup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := makeFixture(3, 10, 4)
	june := Scope{Since: day(t, "2024-06-01"), Until: day(t, "2024-07-01")}
	f.objects[3].Scopes = Coverage{june}
	commit(t, dir, TableOptions{}, f)
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	e := f.objects[2]
	changedETag, changedSize, other := e, e, e
	changedETag.ETag = "\"other\""
	changedSize.Size++
	other.Object += ".2"
	juneOnly := f.objects[3]
	july := Scope{Since: day(t, "2024-07-01"), Until: day(t, "2024-08-01")}
	tests := []struct {
		name string
		e    ManifestEntry
		run  Scope
		want ObjectState
	}{
		{"same object", e, Scope{}, ObjectState{Coverage: Everything(), Covered: true}},
		{"event count does not matter", ManifestEntry{Object: e.Object, ETag: e.ETag, Size: e.Size}, Scope{}, ObjectState{Coverage: Everything(), Covered: true}},
		{"a narrower run is covered", e, june, ObjectState{Coverage: Everything(), Covered: true}},
		{"another ETag is another object", changedETag, Scope{}, ObjectState{OtherVersion: true}},
		{"another size is another object", changedSize, Scope{}, ObjectState{OtherVersion: true}},
		{"another URI", other, Scope{}, ObjectState{}},
		{"read for June, run for June", juneOnly, june, ObjectState{Coverage: Coverage{june}, Covered: true}},
		{"read for June, run for a week of it", juneOnly, Scope{Since: day(t, "2024-06-03"), Until: day(t, "2024-06-10"), Regions: []string{"us-east-1"}}, ObjectState{Coverage: Coverage{june}, Covered: true}},
		{"read for June, run for July", juneOnly, july, ObjectState{Coverage: Coverage{june}}},
		{"read for June, run for everything", juneOnly, Scope{}, ObjectState{Coverage: Coverage{june}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Lookup(tt.e, tt.run); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Lookup(%s, %s) = %+v, want %+v", tt.e.Object, tt.run, got, tt.want)
			}
			// Any version at the URI is held, whatever the ETag.
			if got, want := s.HoldsURI(tt.e.Object), tt.want.Coverage != nil || tt.want.OtherVersion; got != want {
				t.Errorf("HoldsURI(%s) = %v, want %v", tt.e.Object, got, want)
			}
		})
	}
	// Committing through the handle updates its answers.
	juneOnly.Scopes, juneOnly.Prior, juneOnly.Events = Coverage{july}, Coverage{june}, 1
	if err := s.Commit(ctx, NewTable(TableOptions{}), []ManifestEntry{other, juneOnly}); err != nil {
		t.Fatal(err)
	}
	if got := s.Lookup(other, Scope{}); !got.Covered || !s.HoldsURI(other.Object) {
		t.Errorf("Lookup after Commit = %+v (HoldsURI %v), want covered", got, s.HoldsURI(other.Object))
	}
	junejuly := Coverage{{Since: june.Since, Until: july.Until}}
	if got := s.Lookup(juneOnly, Scope{Since: june.Since, Until: july.Until}); !got.Covered || !reflect.DeepEqual(got.Coverage, junejuly) {
		t.Errorf("Lookup after Commit = %+v, want covered by %s", got, junejuly)
	}
	// And a handle opened afterwards reads the same from the manifest.
	s2, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := s2.Lookup(juneOnly, Scope{}); !reflect.DeepEqual(got.Coverage, junejuly) || got.Covered {
		t.Errorf("Lookup in a new handle = %+v, want coverage %s, not covering everything", got, junejuly)
	}
}

func day(t testing.TB, s string) int64 {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d.UnixMilli()
}

func TestStoreCommitRefusesObjectTwice(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := makeFixture(4, 50, 3)
	commit(t, dir, TableOptions{}, f)
	before := storeFiles(t, dir)
	tests := []struct {
		name    string
		added   []ManifestEntry
		wantErr string
	}{
		{"already in the store", []ManifestEntry{f.objects[1]}, "was already ingested"},
		{"twice in one commit", []ManifestEntry{{Object: "s3://b/k", ETag: "e", Size: 1}, {Object: "s3://b/k", ETag: "e", Size: 1, Events: 3}}, "listed twice"},
		{"no URI", []ManifestEntry{{ETag: "e"}}, "no object URI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Commit(ctx, tableOf(TableOptions{}, f.rows), tt.added)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Commit error = %v, want one containing %q", err, tt.wantErr)
			}
			if len(tt.added) > 0 && tt.added[0].Object != "" && !strings.Contains(err.Error(), tt.added[0].Object) {
				t.Errorf("error does not name the object: %v", err)
			}
			if after := storeFiles(t, dir); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused commit changed the store: %v", slices.Sorted(maps.Keys(after)))
			}
		})
	}
}

func TestStoreReadWindow(t *testing.T) {
	// Small row groups, so that the window skips some by their statistics.
	defer func(n int64) { usageRowGroupRows = n }(usageRowGroupRows)
	usageRowGroupRows = 16
	dir := t.TempDir()
	opts := TableOptions{MaxResourceSets: 4}
	f := makeFixture(5, 600, 1)
	commit(t, dir, opts, f)
	all := tableOf(opts, f.rows).Rows()
	day := func(d int32) time.Time { return DayTime(d).Add(13 * time.Hour) } // inside the day
	tests := []struct {
		name         string
		opts         ReadOptions
		since, until int32
	}{
		{"everything", ReadOptions{}, -1 << 31, 1<<31 - 1},
		{"since a day", ReadOptions{Since: day(19_840)}, 19_840, 1<<31 - 1},
		{"until a day", ReadOptions{Until: day(19_810)}, -1 << 31, 19_810},
		{"one day", ReadOptions{Since: day(19_830), Until: day(19_830)}, 19_830, 19_830},
		{"across a month boundary", ReadOptions{Since: day(19_814 - 2), Until: day(19_814 + 2)}, 19_814 - 2, 19_814 + 2},
		{"after everything", ReadOptions{Since: day(30_000)}, 30_000, 1<<31 - 1},
		{"empty window", ReadOptions{Since: day(19_850), Until: day(19_840)}, 19_850, 19_840},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []Row
			for _, r := range all {
				if r.Day >= tt.since && r.Day <= tt.until {
					want = append(want, r)
				}
			}
			got := readRows(t, dir, tt.opts)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %d rows, want %d", len(got), len(want))
			}
			if tt.name == "everything" && len(got) < 20*int(usageRowGroupRows) {
				t.Errorf("only %d rows: too few row groups to test skipping", len(got))
			}
		})
	}
}
