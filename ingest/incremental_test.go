package ingest

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// storeFiles is every file of a store but its lock, by name: two stores
// with the same files hold the same bytes.
func storeFiles(t testing.TB, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if e.Name() == "LOCK" {
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

func manifestOf(t testing.TB, dir string) []store.ManifestEntry {
	t.Helper()
	var out []store.ManifestEntry
	for e, err := range openStore(t, dir).Manifest(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// TestRunIncremental runs ingest several times into one store with
// different filters and compares the store with one run of the widest
// selection: no event lost, none counted twice, and where the last runs
// cover what the single run covers, the same bytes.
func TestRunIncremental(t *testing.T) {
	logs := filepath.Join(repoRoot(t), "testdata", "logs")
	at := func(s string) time.Time { return mustTime(t, s) }
	june1, june3 := at("2024-06-01T00:00:00Z"), at("2024-06-03T00:00:00Z")
	noon := at("2024-06-01T12:00:00Z")
	type last struct{ read, readAgain, already, alreadyEvents int64 }
	tests := []struct {
		name      string
		runs      []Filter
		single    Filter
		sameBytes bool
		last      *last // the last run's summary, when given
	}{
		// The file delivered at 00:05 on June 1 holds 2 events of May 31.
		{"since June 1, then everything", []Filter{{Since: june1}, {}}, Filter{}, true,
			&last{read: 7, readAgain: 7, alreadyEvents: 37}},
		{"an account, then every account", []Filter{{Accounts: []string{"111122223333"}}, {}}, Filter{}, true,
			&last{read: 7, readAgain: 4, alreadyEvents: 31}},
		{"a region, then an account, then everything", []Filter{{Regions: []string{"eu-west-1"}}, {Accounts: []string{"111122223333"}}, {}}, Filter{}, true,
			&last{read: 7, readAgain: 5, alreadyEvents: 35}},
		{"everything, then a narrower run reads nothing", []Filter{{}, {Since: june1, Accounts: []string{"111122223333"}}}, Filter{}, true,
			&last{already: 4}},
		{"everything, since June 1, everything", []Filter{{}, {Since: june1}, {}}, Filter{}, true,
			&last{already: 7}},
		{"until noon, then since noon", []Filter{{Until: noon}, {Since: noon}}, Filter{}, false,
			&last{read: 6, readAgain: 6}},
		// The file delivered at 00:05 is not read by the run since noon (its
		// name says it holds nothing after 01:05): a run of everything reads
		// it once more for nothing, and then the store is byte for byte the
		// single run's.
		{"until noon, since noon, then everything", []Filter{{Until: noon}, {Since: noon}, {}}, Filter{}, true,
			&last{read: 1, readAgain: 1, already: 6, alreadyEvents: 9}},
		// A daily job: each run takes one day. The file delivered at 00:05
		// on June 1 is read by May 31's run for its 2 events of May 31 and
		// again by June 1's run for the others; June 2's file is read by
		// June 1's run (late deliveries) for nothing, and by June 2's.
		{"one day at a time", []Filter{{Since: at("2024-05-31T00:00:00Z"), Until: june1}, {Since: june1, Until: at("2024-06-02T00:00:00Z")}, {Since: at("2024-06-02T00:00:00Z"), Until: june3}},
			Filter{Since: at("2024-05-31T00:00:00Z"), Until: june3}, false,
			&last{read: 1, readAgain: 1}},
		{"overlapping windows", []Filter{{Since: june1, Until: at("2024-06-01T15:00:00Z")}, {Since: noon, Until: june3}}, Filter{Since: june1, Until: june3}, false,
			&last{read: 6, readAgain: 6, alreadyEvents: 17}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, ref := t.TempDir(), t.TempDir()
			var sum Summary
			for _, f := range tt.runs {
				sum, _ = runLocal(t, dir, f, logs)
			}
			runLocal(t, ref, tt.single, logs)
			if got, want := storeRows(t, dir), storeRows(t, ref); !reflect.DeepEqual(got, want) {
				t.Errorf("rows differ from one run: %d rows counting %d events, want %d rows counting %d", len(got), totalCount(got), len(want), totalCount(want))
			}
			gotFiles, wantFiles := storeFiles(t, dir), storeFiles(t, ref)
			if tt.sameBytes && !reflect.DeepEqual(gotFiles, wantFiles) {
				t.Errorf("store differs from one run: files %v, want %v\nmanifest %+v\nwant %+v", slices.Sorted(maps.Keys(gotFiles)), slices.Sorted(maps.Keys(wantFiles)),
					manifestOf(t, dir), manifestOf(t, ref))
			}
			// Each object's events are those of its coverage, once: the
			// manifest's per-object counts add up to the rows' count.
			var events int64
			for _, e := range manifestOf(t, dir) {
				events += e.Events
			}
			if n := totalCount(storeRows(t, dir)); events != n {
				t.Errorf("manifest counts %d events, rows %d", events, n)
			}
			if l := tt.last; l != nil {
				got := last{sum.FilesRead, sum.FilesReadAgain, sum.FilesAlreadyIngested, sum.EventsAlreadyIngested}
				if got != *l {
					t.Errorf("last run: read %d, read again %d, already ingested %d, events already counted %d; want %+v", got.read, got.readAgain, got.already, got.alreadyEvents, *l)
				}
			}
		})
	}
}

// TestRunScopesRecorded: the manifest records what each run selected, and
// a run of everything after a window leaves every object under
// everything.
func TestRunScopesRecorded(t *testing.T) {
	logs := filepath.Join(repoRoot(t), "testdata", "logs")
	june1 := mustTime(t, "2024-06-01T00:00:00Z")
	dir := t.TempDir()
	runLocal(t, dir, Filter{Since: june1, Regions: []string{"us-east-1", "eu-west-1", "us-east-1"}}, logs)
	want := store.Coverage{{Since: june1.UnixMilli(), Regions: []string{"eu-west-1", "us-east-1"}}}
	entries := manifestOf(t, dir)
	if len(entries) != 6 {
		t.Fatalf("%d objects in the manifest, want the 6 of us-east-1 and eu-west-1", len(entries))
	}
	for _, e := range entries {
		if !reflect.DeepEqual(e.Scopes, want) {
			t.Errorf("%s: scopes %s, want %s", e.Object, e.Scopes, want)
		}
	}
	runLocal(t, dir, Filter{}, logs)
	for _, e := range manifestOf(t, dir) {
		if !reflect.DeepEqual(e.Scopes, store.Everything()) {
			t.Errorf("%s: scopes %s after a run of everything", e.Object, e.Scopes)
		}
	}
}
