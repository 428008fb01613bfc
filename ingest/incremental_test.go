package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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

// rowsFormat is an ObjectFormat for the test below: an object that starts
// with "ROWS\n" holds usage rows aggregated elsewhere, one JSON row a line.
type rowsFormat struct{}

func (rowsFormat) Name() string           { return "test rows" }
func (rowsFormat) Match(head []byte) bool { return bytes.HasPrefix(head, []byte("ROWS\n")) }

func (rowsFormat) Read(ctx context.Context, obj *ObjectContent, out Sink) (FileResult, error) {
	var res FileResult
	sc := bufio.NewScanner(obj.Body())
	sc.Scan() // the header
	for sc.Scan() {
		var r store.Row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return res, err
		}
		res.Events += r.Count
		if err := out.Row(&r); err != nil {
			return res, err
		}
	}
	return res, sc.Err()
}

// TestRunIncrementalRows: usage rows aggregated elsewhere (query results)
// are judged by their first event's time, so a row that straddles the
// boundary between two runs' windows is counted by exactly one of them, and
// a later run that covers both finds it already counted.
func TestRunIncrementalRows(t *testing.T) {
	logs := t.TempDir()
	ms := func(s string) int64 { return mustTime(t, s).UnixMilli() }
	rows := []store.Row{
		{Day: store.DayOf(ms("2024-06-01T08:00:00Z")), IdentityARN: "arn:aws:iam::111122223333:role/a", Account: "111122223333", Region: "us-east-1", EventSource: "s3.amazonaws.com", EventName: "GetObject", Count: 3, FirstSeen: ms("2024-06-01T08:00:00Z"), LastSeen: ms("2024-06-01T09:00:00Z")},
		{Day: store.DayOf(ms("2024-06-01T11:00:00Z")), IdentityARN: "arn:aws:iam::111122223333:role/a", Account: "111122223333", Region: "us-east-1", EventSource: "s3.amazonaws.com", EventName: "PutObject", Count: 5, FirstSeen: ms("2024-06-01T11:00:00Z"), LastSeen: ms("2024-06-01T13:00:00Z")},
		{Day: store.DayOf(ms("2024-06-01T15:00:00Z")), IdentityARN: "arn:aws:iam::111122223333:role/b", Account: "111122223333", Region: "eu-west-1", EventSource: "kms.amazonaws.com", EventName: "Decrypt", Count: 7, FirstSeen: ms("2024-06-01T15:00:00Z"), LastSeen: ms("2024-06-01T16:00:00Z")},
	}
	var body bytes.Buffer
	body.WriteString("ROWS\n")
	for _, r := range rows {
		b, _ := json.Marshal(r)
		body.Write(append(b, '\n'))
	}
	if err := os.WriteFile(filepath.Join(logs, "results.rows"), body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := NewLocalSource(logs)
	if err != nil {
		t.Fatal(err)
	}
	run := func(dir string, f Filter) Summary {
		t.Helper()
		sum, err := Run(context.Background(), Options{Sources: []Source{src}, Store: openStore(t, dir), Filter: f, Formats: []ObjectFormat{rowsFormat{}}})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	noon := mustTime(t, "2024-06-01T12:00:00Z")
	single := t.TempDir()
	run(single, Filter{})
	for _, tc := range []struct {
		order []Filter
		// readAgain: the last run must re-read the object and find some of
		// its rows already counted (its scope overlaps an earlier one).
		readAgain bool
	}{
		{[]Filter{{Since: noon}, {Until: noon}}, false},
		{[]Filter{{Until: noon}, {Since: noon}}, false},
		{[]Filter{{Regions: []string{"eu-west-1"}}, {Until: noon}, {}}, true},
	} {
		order := tc.order
		dir := t.TempDir()
		var last Summary
		for _, f := range order {
			last = run(dir, f)
		}
		if got, want := storeRows(t, dir), storeRows(t, single); !reflect.DeepEqual(got, want) {
			t.Errorf("runs %+v: %d rows counting %d events, want %d counting %d", order, len(got), totalCount(got), len(want), totalCount(want))
		}
		if !tc.readAgain && (last.FilesReadAgain != 1 || last.EventsAlreadyIngested != 0) {
			t.Errorf("runs %+v: disjoint windows, but the last read %d files again and found %d events already counted", order, last.FilesReadAgain, last.EventsAlreadyIngested)
		}
		if tc.readAgain && (last.FilesReadAgain != 1 || last.EventsAlreadyIngested == 0) {
			t.Errorf("runs %+v: the last read %d files again and found %d events already counted", order, last.FilesReadAgain, last.EventsAlreadyIngested)
		}
	}
}
