package store

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestStoreBytesIndependentOfOrder checks that the same logical content
// gives the same bytes: rows added in another order, split across tables
// or across commits, give byte-identical stores.
func TestStoreBytesIndependentOfOrder(t *testing.T) {
	opts := TableOptions{MaxResourceSets: 4}
	f := makeFixture(21, 800, 9)
	root := t.TempDir()

	oneCommit := filepath.Join(root, "one")
	commit(t, oneCommit, opts, f)
	want := storeFiles(t, oneCommit)

	reversed := filepath.Join(root, "reversed")
	r := fixture{rows: slices.Clone(f.rows), objects: slices.Clone(f.objects)}
	slices.Reverse(r.rows)
	slices.Reverse(r.objects)
	commit(t, reversed, opts, r)

	threeCommits := filepath.Join(root, "three")
	for i := range 3 {
		commit(t, threeCommits, opts, fixture{rows: f.rows[i*len(f.rows)/3 : (i+1)*len(f.rows)/3], objects: f.objects[i*3 : i*3+3]})
	}

	merged := filepath.Join(root, "merged-tables")
	parts := []*Table{NewTable(opts), NewTable(opts), NewTable(opts)}
	for i := range f.rows {
		parts[(i*7)%3].Add(&f.rows[i])
	}
	parts[2].Merge(parts[0])
	parts[2].Merge(parts[1])
	s, err := Open(context.Background(), merged)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background(), parts[2], f.objects); err != nil {
		t.Fatal(err)
	}

	// The pipeline's way: several tables committed at once, and again
	// into the store they made (each month's file merged with them).
	committedTables := filepath.Join(root, "committed-tables")
	for half := range 2 {
		tables := []*Table{NewTable(opts), NewTable(opts), NewTable(opts)}
		rows := f.rows[half*len(f.rows)/2 : (half+1)*len(f.rows)/2]
		for i := range rows {
			tables[(i*5)%3].Add(&rows[i])
		}
		s, err := Open(context.Background(), committedTables)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CommitTables(context.Background(), tables, f.objects[half*len(f.objects)/2:(half+1)*len(f.objects)/2]); err != nil {
			t.Fatal(err)
		}
	}

	for _, dir := range []string{reversed, threeCommits, merged, committedTables} {
		if got := storeFiles(t, dir); !reflect.DeepEqual(got, want) {
			t.Errorf("%s differs from one commit of the same rows: files %v, want %v",
				filepath.Base(dir), slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
	}
}

// TestMergeAssociativeCommutative checks Merge against the promise made to
// sharded jobs: merge(merge(a,b),c) == merge(a,merge(b,c)) == merge(c,b,a)
// byte for byte, and == one store that ingested every object.
func TestMergeAssociativeCommutative(t *testing.T) {
	ctx := context.Background()
	opts := TableOptions{MaxResourceSets: 4}
	root := t.TempDir()
	path := func(name string) string { return filepath.Join(root, name) }
	shards := map[string]fixture{
		"a": makeFixture(31, 500, 4),
		"b": makeFixture(32, 400, 5),
		"c": makeFixture(33, 300, 3),
	}
	// Shard c only has days of one month, so that Merge copies some
	// partitions as they are and merges others.
	for i := range shards["c"].rows {
		r := &shards["c"].rows[i]
		shift := int64(19_870-r.Day) * msPerDay
		r.Day, r.FirstSeen, r.LastSeen = 19_870, r.FirstSeen+shift, r.LastSeen+shift
	}
	for name, f := range shards {
		commit(t, path(name), opts, f)
	}
	all := fixture{}
	for _, name := range []string{"a", "b", "c"} {
		all.rows = append(all.rows, shards[name].rows...)
		all.objects = append(all.objects, shards[name].objects...)
	}
	commit(t, path("single"), opts, all)
	want := storeFiles(t, path("single"))

	merge := func(dst string, srcs ...string) {
		t.Helper()
		var dirs []string
		for _, s := range srcs {
			dirs = append(dirs, path(s))
		}
		if err := Merge(ctx, path(dst), dirs...); err != nil {
			t.Fatal(err)
		}
	}
	merge("ab", "a", "b")
	merge("(ab)c", "ab", "c")
	merge("bc", "b", "c")
	merge("a(bc)", "a", "bc")
	merge("cba", "c", "b", "a")
	// Merging into an existing store keeps its content.
	merge("into-a", "a")
	merge("into-a", "b", "c")

	for _, name := range []string{"(ab)c", "a(bc)", "cba", "into-a"} {
		if got := storeFiles(t, path(name)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s differs from a single store of every input: files %v, want %v",
				name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
	}
	// And the logical content is what one table of everything gives.
	if got, wantRows := readRows(t, path("cba"), ReadOptions{}), tableOf(opts, all.rows).Rows(); !reflect.DeepEqual(got, wantRows) {
		t.Errorf("merged rows differ from one table of every row")
	}
}

func TestMergeRefuses(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	path := func(name string) string { return filepath.Join(root, name) }
	a := makeFixture(41, 100, 3)
	b := makeFixture(42, 100, 2)
	b.objects = append(b.objects, a.objects[1]) // both shards read one object
	commit(t, path("a"), TableOptions{}, a)
	commit(t, path("b"), TableOptions{}, b)
	commit(t, path("c"), TableOptions{MaxResourceSets: 7}, makeFixture(43, 10, 1))
	if err := os.MkdirAll(path("plain"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dst     string
		srcs    []string
		wantErr []string
	}{
		{"an object in two stores", "x1", []string{"a", "b"}, []string{a.objects[1].Object, path("a"), path("b"), "twice"}},
		{"the same store twice", "x2", []string{"a", "a"}, []string{"same store"}},
		{"destination among the sources", "a", []string{"a"}, []string{"also a source"}},
		{"different bounds", "x3", []string{"a", "c"}, []string{"7", "1000", "same bound"}},
		{"not a store", "x4", []string{"plain"}, []string{"not a usage store"}},
		{"no source", "x5", nil, []string{"no source"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srcs []string
			for _, s := range tt.srcs {
				srcs = append(srcs, path(s))
			}
			err := Merge(ctx, path(tt.dst), srcs...)
			if err == nil {
				t.Fatal("Merge succeeded")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.dst != "a" {
				if _, err := os.Stat(filepath.Join(path(tt.dst), pointerName)); err == nil {
					t.Errorf("a refused merge published a store in %s", tt.dst)
				}
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string
	}{
		{"a newer version", map[string]string{pointerName: `{"format":"iamtailor-usage-store","version":3,"max_resource_sets":1000,"usage":[]}`}, "format version 3 and this iamtailor reads up to version 2"},
		{"not a store", map[string]string{"notes.txt": "hello"}, "not a usage store"},
		{"another format", map[string]string{pointerName: `{"format":"something","version":1}`}, "not an iamtailor usage store"},
		{"a path outside the store", map[string]string{pointerName: `{"format":"iamtailor-usage-store","version":1,"max_resource_sets":1000,"usage":[{"file":"../x.parquet","month":"2024-01"}]}`}, "invalid data file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Open(ctx, dir)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Open error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	t.Run("OpenExisting needs a store", func(t *testing.T) {
		_, err := OpenExisting(ctx, filepath.Join(t.TempDir(), "missing"))
		if err == nil || !strings.Contains(err.Error(), "iamtailor ingest creates it") {
			t.Errorf("OpenExisting error = %v", err)
		}
	})
	t.Run("an empty directory is a new store", func(t *testing.T) {
		s, err := Open(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if n := 0; s.Rows(ctx, func(*Row) error { n++; return nil }) != nil || n != 0 {
			t.Errorf("new store has rows")
		}
	})
}
