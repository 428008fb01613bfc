package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// storeFiles is every file of a usage store but its lock, by name: two
// stores with the same files hold the same bytes.
func storeFiles(t *testing.T, dir string) map[string]string {
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

// usageFiles is the data files of a store alone: its rows.
func usageFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := storeFiles(t, dir)
	maps.DeleteFunc(out, func(name, _ string) bool { return !strings.HasPrefix(name, "usage-") })
	return out
}

func mustCLI(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("iamtailor %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout, stderr
}

type ingestCounts struct {
	FilesRead      int64 `json:"files_read"`
	FilesReadAgain int64 `json:"files_read_again"`
	Already        int64 `json:"files_already_ingested"`
	EventsRead     int64 `json:"events_read"`
	UsageRowsAdded int64 `json:"usage_rows_added"`
}

func ingestJSON(t *testing.T, args ...string) ingestCounts {
	t.Helper()
	stdout, _ := mustCLI(t, append([]string{"ingest", "--json", "--quiet"}, args...)...)
	var c ingestCounts
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("ingest --json: %v\n%s", err, stdout)
	}
	return c
}

// TestShardsMergeToOneRun: n runs of ingest --shard i/n, merged in any
// grouping and order, give the store one run without shards gives, byte
// for byte.
func TestShardsMergeToOneRun(t *testing.T) {
	// The Invictus set's LICENSE is skipped as not CloudTrail.
	sources := []string{repoPath(t, "testdata", "logs"), sharedCorpus(t, "invictus-aws_dataset"), "--max-skipped", "1"}
	root := t.TempDir()
	path := func(name string) string { return filepath.Join(root, name) }
	single := ingestJSON(t, append(sources, "--usage", path("single"))...)
	want := storeFiles(t, path("single"))

	const n = 3
	var read int64
	for i := range n {
		c := ingestJSON(t, append(sources, "--shard", fmt.Sprintf("%d/%d", i, n), "--usage", path(fmt.Sprint("shard", i)))...)
		if c.FilesRead == 0 || c.FilesRead == single.FilesRead {
			t.Errorf("shard %d/%d read %d of %d files: not a share", i, n, c.FilesRead, single.FilesRead)
		}
		read += c.FilesRead
	}
	if read != single.FilesRead {
		t.Errorf("the shards read %d files together, one run %d", read, single.FilesRead)
	}

	merges := [][]string{
		{"all", "shard0", "shard1", "shard2"},
		{"reversed", "shard2", "shard1", "shard0"},
		{"01", "shard0", "shard1"},
		{"(01)2", "01", "shard2"},
		{"21", "shard2", "shard1"},
		{"0(21)", "shard0", "21"},
	}
	for _, m := range merges {
		args := []string{"merge", "--quiet", "--usage", path(m[0])}
		for _, s := range m[1:] {
			args = append(args, path(s))
		}
		mustCLI(t, args...)
	}
	// Merging into an existing store keeps its content: a copy of shard 1
	// takes the others.
	if err := os.CopyFS(path("into1"), os.DirFS(path("shard1"))); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "merge", "--quiet", "--usage", path("into1"), path("shard2"), path("shard0"))

	for _, name := range []string{"all", "reversed", "(01)2", "0(21)", "into1"} {
		if got := storeFiles(t, path(name)); !reflect.DeepEqual(got, want) {
			t.Errorf("merge %s differs from one run: files %v, want %v", name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
	}
	// Merging a shard again would count it twice: refused.
	code, _, stderr := runCLI(t, "merge", "--usage", path("all"), path("shard0"))
	if code != exitFailure || !strings.Contains(stderr, "twice") {
		t.Errorf("merging a shard twice: exit %d, want %d with a message\n%s", code, exitFailure, stderr)
	}
	if got := storeFiles(t, path("all")); !reflect.DeepEqual(got, want) {
		t.Errorf("a refused merge changed the store")
	}
}

// TestMergeWindows: stores of disjoint windows over the same objects merge
// (their objects' scopes unite); overlapping windows are refused, naming
// an object.
func TestMergeWindows(t *testing.T) {
	logs := repoPath(t, "testdata", "logs")
	root := t.TempDir()
	path := func(name string) string { return filepath.Join(root, name) }
	ingestJSON(t, logs, "--usage", path("single"))
	ingestJSON(t, logs, "--until", "2024-06-01T12:00:00Z", "--usage", path("morning"))
	ingestJSON(t, logs, "--since", "2024-06-01T12:00:00Z", "--usage", path("afternoon"))
	stdout, _ := mustCLI(t, "merge", "--json", "--quiet", "--usage", path("merged"), path("afternoon"), path("morning"))
	var sum struct {
		Stores  int   `json:"stores_merged"`
		Objects int64 `json:"objects"`
		Events  int64 `json:"events"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("merge --json: %v\n%s", err, stdout)
	}
	if sum.Stores != 2 || sum.Objects != 7 || sum.Events != 39 {
		t.Errorf("merge summary %+v, want 2 stores, 7 objects, 39 events", sum)
	}
	if got, want := usageFiles(t, path("merged")), usageFiles(t, path("single")); !reflect.DeepEqual(got, want) {
		t.Errorf("rows of merged windows differ from one run")
	}
	// The run since noon did not read the file delivered at 00:05 (its name
	// says it holds nothing after 01:05); a run of everything reads it for
	// nothing more, and the store is then byte for byte the single run's.
	c := ingestJSON(t, logs, "--usage", path("merged"))
	if c.FilesRead != 1 || c.FilesReadAgain != 1 || c.UsageRowsAdded != 0 {
		t.Errorf("ingest after the merge: %+v, want 1 file read again and no row added", c)
	}
	if got, want := storeFiles(t, path("merged")), storeFiles(t, path("single")); !reflect.DeepEqual(got, want) {
		t.Errorf("merged windows, completed, differ from one run")
	}

	ingestJSON(t, logs, "--since", "2024-06-01", "--usage", path("june"))
	code, _, stderr := runCLI(t, "merge", "--usage", path("refused"), path("morning"), path("june"))
	if code != exitFailure || !strings.Contains(stderr, "file://") || !strings.Contains(stderr, "twice") {
		t.Errorf("merging overlapping windows: exit %d, want %d naming an object\n%s", code, exitFailure, stderr)
	}
	if _, err := os.Stat(filepath.Join(path("refused"), "store.json")); err == nil {
		t.Errorf("a refused merge published a store")
	}
}

func TestMergeUsageErrors(t *testing.T) {
	store := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no store", []string{"merge", "--usage", store}, "at least one STORE"},
		{"no --usage", []string{"merge", store}, "--usage DIR is required"},
		{"a missing store", []string{"merge", "--usage", store, filepath.Join(store, "nope")}, "not a usage store directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d with %q\n%s", code, exitUsage, tt.want, stderr)
			}
		})
	}
}
