//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iamtailor/iamtailor/ingest/store"
)

// The kill test's tree: about 30,000 events in 148 objects of 100 to 300
// events (60 MB uncompressed), so that a run that commits after every
// object lasts a couple of seconds on a small machine.
const (
	killTreeSize      = 60_000_000
	killTreeMinEvents = 100
	killTreeMaxEvents = 300
)

// killTree returns a perfgen tree (../shared/perfgen), generated on first
// use into the user's cache directory, outside the repository.
func killTree(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatalf("no cache directory: %v", err)
		}
		cache = filepath.Join(home, ".cache")
	}
	dir := filepath.Join(cache, "iamtailor", fmt.Sprintf("perfgen-%d-events-%d-%d", killTreeSize, killTreeMinEvents, killTreeMaxEvents))
	if _, err := os.Stat(dir); err == nil {
		return dir
	}
	gen := repoPath(t, "..", "shared", "perfgen")
	if _, err := os.Stat(filepath.Join(gen, "main.go")); err != nil {
		t.Fatalf("perfgen is not at %s: clone the shared data beside the repository", gen)
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	cmd := exec.Command("go", "run", ".", "-out", tmp, "-size", strconv.Itoa(killTreeSize),
		"-min", strconv.Itoa(killTreeMinEvents), "-max", strconv.Itoa(killTreeMaxEvents))
	cmd.Dir = gen
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generate the perfgen tree: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// publishedFiles is store.json and every file it names, by name: what a
// reader of the store sees. Files a killed commit left behind are not part
// of the store (the next commit removes them).
func publishedFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "store.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Usage    []struct{ File string }
		Manifest *struct{ File string }
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	names := []string{"store.json"}
	for _, u := range st.Usage {
		names = append(names, u.File)
	}
	if st.Manifest != nil {
		names = append(names, st.Manifest.File)
	}
	out := map[string]string{}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(b)
	}
	return out
}

// committedObjects is the number of objects the store's published version
// holds, 0 before the first commit.
func committedObjects(dir string) int64 {
	b, err := os.ReadFile(filepath.Join(dir, "store.json"))
	if err != nil {
		return 0
	}
	var st struct{ Manifest struct{ Objects int64 } }
	if json.Unmarshal(b, &st) != nil {
		return 0
	}
	return st.Manifest.Objects
}

// tempFiles is the set of temporary files of commits in the directory:
// those of a commit writing, and those an earlier kill left behind.
func tempFiles(dir string) map[string]bool {
	entries, _ := os.ReadDir(dir)
	out := map[string]bool{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			out[e.Name()] = true
		}
	}
	return out
}

// committing reports whether a commit is writing: a temporary file is in
// the directory that was not there before the run.
func committing(dir string, before map[string]bool) bool {
	for name := range tempFiles(dir) {
		if !before[name] {
			return true
		}
	}
	return false
}

// killPoint says when to kill a run: after a delay, once the store holds
// some objects, or as soon as a commit is seen writing.
type killPoint struct {
	delay        time.Duration
	objects      int64
	duringCommit bool
}

func (k killPoint) String() string {
	switch {
	case k.duringCommit:
		return "during a commit"
	case k.objects > 0:
		return fmt.Sprintf("once %d objects are committed", k.objects)
	}
	return fmt.Sprintf("after %s", k.delay)
}

// TestIngestKilledAndRerun runs iamtailor ingest as a child process with
// a checkpoint after every object, kills it with SIGKILL at several points
// (seeded random delays and commit counts, and in the middle of commits),
// re-runs it until a run completes, and requires the store to be byte for
// byte what one uninterrupted run gives. After every kill the store must
// open and be consistent: its rows count exactly the events its manifest
// says were counted.
func TestIngestKilledAndRerun(t *testing.T) {
	tree := killTree(t)
	root := t.TempDir()
	ref, dir := filepath.Join(root, "uninterrupted"), filepath.Join(root, "killed")

	var refSum struct {
		FilesRead int64 `json:"files_read"`
	}
	stdout, _ := mustCLI(t, "ingest", tree, "--usage", ref, "--json", "--quiet")
	if err := json.Unmarshal([]byte(stdout), &refSum); err != nil {
		t.Fatal(err)
	}
	want := publishedFiles(t, ref)
	total := refSum.FilesRead

	rng := rand.New(rand.NewPCG(20240601, 6))
	ms := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo)) * time.Millisecond }
	// The kills by commit count and during commits do not depend on the
	// machine's speed, so they come first: at least four runs are killed
	// on any machine. The first, after a few milliseconds, is likely to
	// strike before the first commit; the last ones at random times.
	plan := []killPoint{
		{delay: ms(1, 30)},
		{objects: total/10 + rng.Int64N(total/5)},
		{duringCommit: true},
		{objects: total/2 + rng.Int64N(total/5)},
		{duringCommit: true},
		{delay: ms(100, 600)},
		{delay: ms(100, 600)},
	}
	killed, midCommit := 0, 0
	var before int64
	for i, k := range plan {
		leftover := tempFiles(dir)
		cmd := exec.Command(os.Args[0], "ingest", tree, "--usage", dir, "--quiet", "--concurrency", "2", "--checkpoint-every", "1ms")
		cmd.Env = append(os.Environ(), runAsCLI+"=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.After(k.delay)
		if k.delay == 0 {
			deadline = nil
		}
		var waitErr error
		done := false
	poll:
		for {
			select {
			case waitErr = <-exited:
				done = true
				break poll
			case <-deadline:
				break poll
			case <-time.After(time.Millisecond):
				if k.objects > 0 && committedObjects(dir) >= k.objects || k.duringCommit && committing(dir, leftover) {
					break poll
				}
			}
		}
		if done {
			if waitErr != nil {
				t.Fatalf("run %d exited by itself with %v", i+1, waitErr)
			}
			t.Logf("run %d completed before it could be killed %s", i+1, k)
			break
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if err := <-exited; err == nil {
			// It finished between the trigger and the signal.
			t.Logf("run %d completed before it could be killed %s", i+1, k)
			break
		}
		killed++
		inCommit := committing(dir, leftover)
		if inCommit {
			midCommit++
		}
		objects := committedObjects(dir)
		t.Logf("run %d killed %s: %d of %d objects committed, commit in progress: %v", i+1, k, objects, total, inCommit)
		if objects < before {
			t.Errorf("the store went back from %d to %d objects", before, objects)
		}
		before = objects
		if objects > 0 {
			s, err := store.OpenExisting(t.Context(), dir)
			if err != nil {
				t.Fatalf("after kill %d the store does not open: %v", i+1, err)
			}
			if st := s.Stats(); st.Count != st.Events || st.Objects != objects {
				t.Errorf("after kill %d: rows count %d events, the manifest %d events in %d objects (store.json says %d)", i+1, st.Count, st.Events, st.Objects, objects)
			}
		}
	}
	if killed < 4 || midCommit == 0 {
		t.Errorf("%d runs killed, %d of them in the middle of a commit: want at least 4 and 1 (make the tree bigger)", killed, midCommit)
	}

	var sum struct {
		FilesRead int64 `json:"files_read"`
		Already   int64 `json:"files_already_ingested"`
	}
	stdout, _ = mustCLI(t, "ingest", tree, "--usage", dir, "--json", "--quiet")
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Already != before || sum.FilesRead != total-before {
		t.Errorf("final run: %d already ingested, %d read; want %d and %d", sum.Already, sum.FilesRead, before, total-before)
	}
	got := publishedFiles(t, dir)
	if !reflect.DeepEqual(got, want) {
		var names []string
		for n := range got {
			names = append(names, n)
		}
		slices.Sort(names)
		t.Errorf("the store after kills and re-runs differs from an uninterrupted run's: files %v", names)
	}
}
