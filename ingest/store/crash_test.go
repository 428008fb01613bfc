//go:build unix

package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The crash test re-runs this test binary as a child that commits and is
// killed at a chosen step; these variables tell the child what to do.
const (
	crashDirEnv  = "IAMTAILOR_STORE_CRASH_DIR"
	crashStepEnv = "IAMTAILOR_STORE_CRASH_STEP"
	crashOpEnv   = "IAMTAILOR_STORE_CRASH_OP"
)

func TestMain(m *testing.M) {
	// Small writes, so that failures and kills strike inside files.
	writeChunk = 2048
	if dir := os.Getenv(crashDirEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	os.Exit(m.Run())
}

// Inputs of the crash and fault tests: a store holding "before", to which
// "update" is committed (or merged from a store holding it), then "later"
// to check that the store still works and holds no leftovers.
var (
	crashOpts   = TableOptions{MaxResourceSets: 4}
	crashBefore = makeFixture(51, 300, 4)
	crashUpdate = makeFixture(52, 300, 4)
	crashLater  = makeFixture(53, 100, 2)
)

// crashOps are the operations tested for atomicity, by name.
var crashOps = map[string]func(dir, scratch string) error{
	"commit": func(dir, _ string) error {
		s, err := Open(context.Background(), dir)
		if err != nil {
			return err
		}
		return s.Commit(context.Background(), tableOf(crashOpts, crashUpdate.rows), crashUpdate.objects)
	},
	"merge": func(dir, scratch string) error {
		src := filepath.Join(scratch, "update")
		if _, err := os.Stat(src); err != nil {
			s, err := Open(context.Background(), src)
			if err != nil {
				return err
			}
			hook := testHook
			testHook = nil
			err = s.Commit(context.Background(), tableOf(crashOpts, crashUpdate.rows), crashUpdate.objects)
			testHook = hook
			if err != nil {
				return err
			}
		}
		return Merge(context.Background(), dir, src)
	},
}

func crashChild(dir string) int {
	k, err := strconv.Atoi(os.Getenv(crashStepEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	n := 0
	testHook = func(step string) error {
		if n == k {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
		n++
		return nil
	}
	if err := crashOps[os.Getenv(crashOpEnv)](dir, filepath.Dir(dir)); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	return 0
}

type logical struct {
	rows     []Row
	manifest []ManifestEntry
}

func readLogical(t *testing.T, dir string) logical {
	t.Helper()
	return logical{readRows(t, dir, ReadOptions{}), readManifest(t, dir)}
}

// atomicityFixture builds the store before the operation, the expected
// content after it, and the reference directory after "later" too.
func atomicityFixture(t *testing.T, op string) (base string, before, after logical, final map[string]string, steps []string) {
	t.Helper()
	root := t.TempDir()
	base = filepath.Join(root, "base")
	commit(t, base, crashOpts, crashBefore)
	before = readLogical(t, base)

	ref := filepath.Join(root, "ref", "store")
	copyDir(t, base, ref)
	testHook = func(step string) error { steps = append(steps, step); return nil }
	err := crashOps[op](ref, filepath.Dir(ref))
	testHook = nil
	if err != nil {
		t.Fatal(err)
	}
	after = readLogical(t, ref)
	if reflect.DeepEqual(before, after) {
		t.Fatal("the operation changes nothing: the test would prove nothing")
	}
	commit(t, ref, crashOpts, crashLater)
	final = storeFiles(t, ref)
	return base, before, after, final, steps
}

// checkRecovered asserts that dir holds exactly the old or the new
// content, and that after one more commit it is byte-identical to the
// reference: nothing half-written survives.
func checkRecovered(t *testing.T, dir string, before, after logical, final map[string]string) (isNew bool) {
	t.Helper()
	got := readLogical(t, dir)
	switch {
	case reflect.DeepEqual(got, before):
	case reflect.DeepEqual(got, after):
		isNew = true
	default:
		t.Fatalf("store is neither the old nor the new version: %d rows, %d objects", len(got.rows), len(got.manifest))
	}
	if !isNew {
		// The interrupted operation is simply run again.
		if err := crashOps[currentOp](dir, filepath.Dir(dir)); err != nil {
			t.Fatalf("re-running after the failure: %v", err)
		}
	}
	commit(t, dir, crashOpts, crashLater)
	if files := storeFiles(t, dir); !reflect.DeepEqual(files, final) {
		t.Fatalf("after recovery and one more commit the files differ from the reference: %v, want %v",
			slices.Sorted(maps.Keys(files)), slices.Sorted(maps.Keys(final)))
	}
	return isNew
}

var currentOp string

// interesting lists the indexes of the steps worth failing: every step but
// the writes after the second into the same file, which fail the same way.
func interesting(steps []string) []int {
	var out []int
	for k, name := range steps {
		if strings.HasPrefix(name, "write ") && k >= 2 && steps[k-1] == name && steps[k-2] == name {
			continue
		}
		out = append(out, k)
	}
	return out
}

var errInjected = errors.New("injected failure")

// TestFaultAtEveryStep fails each step of a commit and of a merge in turn
// (creating, writing, syncing, renaming a file, syncing the directory,
// replacing store.json) and checks that the operation reports it and the
// store reopens as the old or the new version, never a mix.
func TestFaultAtEveryStep(t *testing.T) {
	for _, op := range []string{"commit", "merge"} {
		t.Run(op, func(t *testing.T) {
			currentOp = op
			base, before, after, final, steps := atomicityFixture(t, op)
			if !slices.Contains(steps, "rename pointer") || !slices.Contains(steps, "write usage 2024-05") {
				t.Fatalf("steps %v: the commit protocol changed, update the test", steps)
			}
			published := slices.Index(steps, "rename pointer")
			for _, k := range interesting(steps) {
				name := steps[k]
				t.Run(fmt.Sprintf("%d %s", k, name), func(t *testing.T) {
					dir := filepath.Join(t.TempDir(), "store")
					copyDir(t, base, dir)
					n := 0
					testHook = func(string) error {
						defer func() { n++ }()
						if n == k {
							return errInjected
						}
						return nil
					}
					err := crashOps[op](dir, filepath.Dir(dir))
					testHook = nil
					if name == "cleanup" {
						if err != nil {
							t.Fatalf("a failed cleanup failed the operation: %v", err)
						}
					} else if !errors.Is(err, errInjected) {
						t.Fatalf("error = %v, want the injected failure", err)
					}
					for f := range storeFiles(t, dir) {
						if strings.HasPrefix(f, tempPrefix) {
							t.Errorf("temporary file %s left after a reported failure", f)
						}
					}
					if isNew := checkRecovered(t, dir, before, after, final); isNew != (k > published) {
						t.Errorf("after a failure at step %d (%s) the store is new=%v; store.json is replaced at step %d", k, name, isNew, published)
					}
				})
			}
		})
	}
}

// TestKilledAtEveryStep kills a child process (this test binary re-run) at
// each step of a commit and of a merge, which leaves whatever a real crash
// leaves (temporary files, renamed data files no version names), and
// checks that reopening gives the old or the new version and that the next
// commit cleans up.
func TestKilledAtEveryStep(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"commit", "merge"} {
		t.Run(op, func(t *testing.T) {
			currentOp = op
			base, before, after, final, steps := atomicityFixture(t, op)
			sawNew, sawOld := false, false
			for _, k := range interesting(steps) {
				name := steps[k]
				t.Run(fmt.Sprintf("%d %s", k, name), func(t *testing.T) {
					dir := filepath.Join(t.TempDir(), "store")
					copyDir(t, base, dir)
					cmd := exec.Command(exe, "-test.run=^$")
					cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashStepEnv+"="+strconv.Itoa(k), crashOpEnv+"="+op)
					out, err := cmd.CombinedOutput()
					var exit *exec.ExitError
					if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
						t.Fatalf("child was not killed at step %d: %v\n%s", k, err, out)
					}
					if checkRecovered(t, dir, before, after, final) {
						sawNew = true
					} else {
						sawOld = true
					}
				})
			}
			if !sawNew || !sawOld {
				t.Errorf("kills left only old=%v / new=%v versions: the steps no longer span the publication", sawOld, sawNew)
			}
		})
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
