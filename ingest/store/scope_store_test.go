package store

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestCommitScopes commits one object run after run, each run counting the
// events of its scope outside what the store held when it looked the
// object up, and checks the entry the store keeps or the refusal.
func TestCommitScopes(t *testing.T) {
	ctx := context.Background()
	d := func(s string) int64 { return day(t, s) }
	june := Scope{Since: d("2024-06-01"), Until: d("2024-07-01")}
	july := Scope{Since: d("2024-07-01"), Until: d("2024-08-01")}
	juneJuly := Scope{Since: june.Since, Until: july.Until}
	acct := Scope{Accounts: []string{"111122223333"}}
	const uri = "s3://trail/AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/30/x.json.gz"
	type commitStep struct {
		scopes  Coverage
		prior   Coverage
		events  int64
		wantErr string // empty: accepted
	}
	tests := []struct {
		name       string
		steps      []commitStep
		wantScopes Coverage
		wantEvents int64
	}{
		{"one run without filters", []commitStep{{nil, nil, 5, ""}}, Everything(), 5},
		{"June, then July", []commitStep{{Coverage{june}, nil, 3, ""}, {Coverage{july}, Coverage{june}, 2, ""}}, Coverage{juneJuly}, 5},
		{"June, then July by a run that did not see June", []commitStep{{Coverage{june}, nil, 3, ""}, {Coverage{july}, nil, 2, ""}}, Coverage{juneJuly}, 5},
		{"June, then everything", []commitStep{{Coverage{june}, nil, 3, ""}, {Everything(), Coverage{june}, 4, ""}}, Everything(), 7},
		{"an account, then everything", []commitStep{{Coverage{acct}, nil, 3, ""}, {nil, Coverage{acct}, 1, ""}}, Everything(), 4},
		{"June and July, then June to July", []commitStep{{Coverage{june}, nil, 3, ""}, {Coverage{july}, Coverage{june}, 2, ""}, {Coverage{juneJuly}, Coverage{juneJuly}, 0, ""}}, Coverage{juneJuly}, 5},
		{"everything twice", []commitStep{{nil, nil, 5, ""}, {nil, nil, 5, "already ingested"}}, Everything(), 5},
		{"June, then everything by a run that did not see June", []commitStep{{Coverage{june}, nil, 3, ""}, {nil, nil, 7, "count them twice"}}, Coverage{june}, 3},
		{"a run that left out more than the store holds", []commitStep{{Coverage{june}, nil, 3, ""}, {nil, Coverage{juneJuly}, 0, "leave events out"}}, Coverage{june}, 3},
		{"an empty window", []commitStep{{Coverage{{Since: july.Since, Until: june.Since}}, nil, 1, "since is not before until"}}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for i, st := range tt.steps {
				s, err := Open(ctx, dir)
				if err != nil {
					t.Fatal(err)
				}
				before := storeFiles(t, dir)
				e := ManifestEntry{Object: uri, ETag: `"e"`, Size: 10, Events: st.events, Scopes: st.scopes, Prior: st.prior}
				err = s.Commit(ctx, NewTable(TableOptions{}), []ManifestEntry{e})
				switch {
				case st.wantErr == "" && err != nil:
					t.Fatalf("commit %d: %v", i+1, err)
				case st.wantErr != "" && (err == nil || !strings.Contains(err.Error(), st.wantErr) || !strings.Contains(err.Error(), uri)):
					t.Fatalf("commit %d: error %v, want one naming the object and saying %q", i+1, err, st.wantErr)
				case st.wantErr != "":
					if after := storeFiles(t, dir); !reflect.DeepEqual(after, before) {
						t.Errorf("commit %d was refused but changed the store", i+1)
					}
				}
			}
			var got []ManifestEntry
			if _, err := os.Stat(filepath.Join(dir, pointerName)); err == nil {
				got = readManifest(t, dir)
			}
			if tt.wantScopes == nil {
				if len(got) != 0 {
					t.Errorf("manifest %+v, want none", got)
				}
				return
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0].Scopes, tt.wantScopes) || got[0].Events != tt.wantEvents {
				t.Errorf("manifest %+v, want one entry with %d events under %s", got, tt.wantEvents, tt.wantScopes)
			}
		})
	}
}

// TestMergeScopes: shards that read the same objects under disjoint
// windows merge into the entry one wider run would record, in any order
// and nesting; overlapping windows are refused.
func TestMergeScopes(t *testing.T) {
	ctx := context.Background()
	d := func(s string) int64 { return day(t, s) }
	root := t.TempDir()
	path := func(name string) string { return filepath.Join(root, name) }
	f := makeFixture(51, 300, 4)
	windows := map[string]Scope{
		"may":  {Until: d("2024-06-01")},
		"june": {Since: d("2024-06-01"), Until: d("2024-07-01")},
		"july": {Since: d("2024-07-01")},
	}
	// Each shard holds a third of the rows and every object, under its window.
	names := slices.Sorted(maps.Keys(windows))
	for i, name := range names {
		objects := slices.Clone(f.objects)
		for k := range objects {
			objects[k].Scopes = Coverage{windows[name]}
			objects[k].Events = int64(i + 1)
		}
		commit(t, path(name), TableOptions{}, fixture{rows: f.rows[i*100 : (i+1)*100], objects: objects})
	}
	merge := func(dst string, srcs ...string) error {
		var dirs []string
		for _, s := range srcs {
			dirs = append(dirs, path(s))
		}
		return Merge(ctx, path(dst), dirs...)
	}
	for _, m := range [][]string{{"all", "may", "june", "july"}, {"mj", "july", "may"}, {"mj", "june"}, {"jj", "june", "july"}, {"all2", "jj", "may"}} {
		if err := merge(m[0], m[1:]...); err != nil {
			t.Fatalf("merge %v: %v", m, err)
		}
	}
	want := storeFiles(t, path("all"))
	for _, name := range []string{"mj", "all2"} {
		if got := storeFiles(t, path(name)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s differs from merging all three at once", name)
		}
	}
	for _, e := range readManifest(t, path("all")) {
		if !reflect.DeepEqual(e.Scopes, Everything()) || e.Events != 6 {
			t.Errorf("merged entry %s: %d events under %s, want 6 under everything", e.Object, e.Events, e.Scopes)
		}
	}
	// And it is the store one run of everything would make.
	single := f
	single.objects = slices.Clone(f.objects)
	for k := range single.objects {
		single.objects[k].Events = 6
	}
	commit(t, path("single"), TableOptions{}, single)
	if got := storeFiles(t, path("single")); !reflect.DeepEqual(got, want) {
		t.Errorf("merged shards differ from one store of everything")
	}

	// Overlapping windows count the overlap twice: refused.
	objects := slices.Clone(f.objects)
	for k := range objects {
		objects[k].Scopes = Coverage{{Since: d("2024-06-15"), Until: d("2024-07-15")}}
	}
	commit(t, path("mid"), TableOptions{}, fixture{rows: f.rows[:10], objects: objects})
	err := merge("refused", "june", "mid")
	for _, w := range []string{f.objects[0].Object, path("june"), path("mid"), "2024-06-15", "twice"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("merge of overlapping windows: error %v, want one mentioning %q", err, w)
		}
	}
}

// v1Store is a copy of testdata/v1-store.
func v1Store(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "v1")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "v1-store"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestReadsVersion1Store: a store written before scopes existed (by the
// version-1 code, testdata/v1-store: testdata/logs ingested from
// s3://trail) opens, its objects count as ingested under everything, and
// its next commit or merge makes it version 2 without changing its rows.
func TestReadsVersion1Store(t *testing.T) {
	ctx := context.Background()
	dir := v1Store(t)
	rows := readRows(t, dir, ReadOptions{})
	entries := readManifest(t, dir)
	if len(entries) != 7 || len(rows) == 0 {
		t.Fatalf("version-1 store: %d entries, %d rows; want 7 entries and some rows", len(entries), len(rows))
	}
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !reflect.DeepEqual(e.Scopes, Everything()) {
			t.Errorf("%s: scopes %s, want everything", e.Object, e.Scopes)
		}
		if st := s.Lookup(e, Scope{}); !st.Covered {
			t.Errorf("%s: Lookup = %+v, want covered", e.Object, st)
		}
	}

	merged := filepath.Join(t.TempDir(), "merged")
	if err := Merge(ctx, merged, dir); err != nil {
		t.Fatal(err)
	}
	added := ManifestEntry{Object: "s3://trail/new.json", ETag: `"n"`, Size: 1, Events: 0}
	if err := s.Commit(ctx, NewTable(TableOptions{}), []ManifestEntry{added}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, merged} {
		st := readStateFile(t, d)
		if st.Version != SchemaVersion {
			t.Errorf("%s: version %d after a commit or merge, want %d", d, st.Version, SchemaVersion)
		}
		if schema := fileSchema(t, filepath.Join(d, st.Manifest.File)); !parquet.EqualNodes(schema, manifestSchema) {
			t.Errorf("%s: the manifest was not rewritten with scopes:\n%s", d, schema)
		}
		if got := readRows(t, d, ReadOptions{}); !reflect.DeepEqual(got, rows) {
			t.Errorf("%s: rows changed", d)
		}
		got := readManifest(t, d)
		want := entries
		if d == dir {
			want = sortedEntries(entries, []ManifestEntry{{Object: added.Object, ETag: added.ETag, Size: 1, Scopes: Everything()}})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: manifest %+v, want %+v", d, got, want)
		}
	}
}

func readStateFile(t *testing.T, dir string) state {
	t.Helper()
	var st state
	b, err := os.ReadFile(filepath.Join(dir, pointerName))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func fileSchema(t *testing.T, path string) *parquet.Schema {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pf.Schema()
}
