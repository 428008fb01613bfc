package securitylake

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// repoRoot walks up from the package directory to go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package directory")
		}
		dir = parent
	}
}

// samplesDir is the Security Lake sample corpus in ../shared.
func samplesDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "..", "shared", "cloudtrail", "aws-security-lake-ocsf-samples")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the shared corpora are not beside the repository (%v): clone shared/ next to it, as CI does", err)
	}
	return dir
}

// ingestFiles runs the ingest pipeline, with the Security Lake format, over
// the given files into a new store, and returns its summary and rows.
func ingestFiles(t testing.TB, files ...string) (ingest.Summary, []store.Row) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "usage"))
	if err != nil {
		t.Fatal(err)
	}
	var srcs []ingest.Source
	for _, f := range files {
		src, err := ingest.NewLocalSource(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, src)
	}
	sum, err := ingest.Run(ctx, ingest.Options{Sources: srcs, Store: st, Formats: []ingest.ObjectFormat{Format{}}})
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	var rows []store.Row
	if err := st.Rows(ctx, func(r *store.Row) error {
		rows = append(rows, *r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return sum, rows
}

// diffRows describes how two row lists differ, or returns "".
func diffRows(got, want []store.Row) string {
	if reflect.DeepEqual(got, want) {
		return ""
	}
	var b []byte
	n := max(len(got), len(want))
	for i := 0; i < n; i++ {
		var g, w *store.Row
		if i < len(got) {
			g = &got[i]
		}
		if i < len(want) {
			w = &want[i]
		}
		if g != nil && w != nil && reflect.DeepEqual(*g, *w) {
			continue
		}
		b = append(b, []byte("row "+itoa(i)+":\n  got  "+show(g)+"\n  want "+show(w)+"\n")...)
		if len(b) > 8000 {
			break
		}
	}
	return string(b)
}

func itoa(i int) string { return fmtInt(int64(i)) }
