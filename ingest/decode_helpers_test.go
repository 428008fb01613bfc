package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

// decodeSharedDir is ../shared beside the repository root (found by walking
// up to go.mod): CI clones shared/ there.
func decodeSharedDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
	d := filepath.Join(dir, "..", "shared")
	if _, err := os.Stat(d); err != nil {
		tb.Fatalf("shared data not found at %s (CI clones shared/ beside the repo): %v", d, err)
	}
	return d
}
