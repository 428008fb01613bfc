package iamapi

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// checkGolden compares got with testdata/<TestName>.golden (subtest names
// flattened), or rewrites it under -update.
func checkGolden(t *testing.T, got []byte) {
	t.Helper()
	name := strings.NewReplacer("/", "__", " ", "_").Replace(t.Name())
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update and review the file)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("differs from %s (run go test -update and review the diff):\n%s", path, firstDifference(got, want, "got", "golden"))
	}
}
