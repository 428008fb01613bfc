package ingest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// repoRoot is the directory holding go.mod.
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
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// sharedDir is <repo>/../shared, where the public corpora live.
func sharedDir(t testing.TB, elem ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{repoRoot(t), "..", "shared"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared data missing at %s (CI clones shared/ beside the repo): %v", p, err)
	}
	return p
}

// recordingTree records the listing calls made on a Tree.
type recordingTree struct {
	Tree
	mu      sync.Mutex
	listDir []string
	listAll []string
	opened  []string
}

func (r *recordingTree) ListDir(ctx context.Context, prefix string, onPrefix func(string) error, onObject func(Object) error) error {
	r.mu.Lock()
	r.listDir = append(r.listDir, prefix)
	r.mu.Unlock()
	return r.Tree.ListDir(ctx, prefix, onPrefix, onObject)
}

func (r *recordingTree) ListAll(ctx context.Context, prefix string, fn func(Object) error) error {
	r.mu.Lock()
	r.listAll = append(r.listAll, prefix)
	r.mu.Unlock()
	return r.Tree.ListAll(ctx, prefix, fn)
}

func (r *recordingTree) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	r.mu.Lock()
	r.opened = append(r.opened, o.Key)
	r.mu.Unlock()
	return r.Tree.Open(ctx, o)
}

func (r *recordingTree) calls() (listDir, listAll []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.listDir)), slices.Sorted(slices.Values(r.listAll))
}

func TestNewLocalSource(t *testing.T) {
	logs := filepath.Join(repoRoot(t), "testdata", "logs")
	tests := []struct {
		name       string
		path       string
		wantRoot   string
		wantPrefix string
	}{
		{"directory above AWSLogs", logs, logs, ""},
		{"AWSLogs itself", filepath.Join(logs, "AWSLogs"), logs, "AWSLogs/"},
		{"a region", filepath.Join(logs, "AWSLogs/111122223333/CloudTrail/us-east-1"), logs, "AWSLogs/111122223333/CloudTrail/us-east-1/"},
		{"a file in the layout", filepath.Join(logs, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/02/111122223333_CloudTrail_us-east-1_20240602T0915Z_Hn7Wc2Ks9PdB4xLe.json"),
			logs, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/06/02/111122223333_CloudTrail_us-east-1_20240602T0915Z_Hn7Wc2Ks9PdB4xLe.json"},
		{"a flat directory", filepath.Join(repoRoot(t), "testdata", "malformed"), filepath.Join(repoRoot(t), "testdata", "malformed"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := NewLocalSource(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := src.Tree.(*LocalTree).Root(); got != tt.wantRoot {
				t.Errorf("root = %s, want %s", got, tt.wantRoot)
			}
			if src.Prefix != tt.wantPrefix {
				t.Errorf("prefix = %q, want %q", src.Prefix, tt.wantPrefix)
			}
		})
	}
	if _, err := NewLocalSource(filepath.Join(logs, "no-such-dir")); err == nil {
		t.Error("NewLocalSource of a missing path: no error")
	}
}

func TestLocalTreeETagIsContentHash(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.json", `{"Records":[]}`)
	write("b.json", `{"Records":[]}`)
	src, err := NewLocalSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	etag := func(name string) string {
		o, err := src.Tree.Stat(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		e, err := src.Tree.ETag(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	a, b := etag("a.json"), etag("b.json")
	if a != b {
		t.Errorf("same content, different ETags: %s %s", a, b)
	}
	if !strings.HasPrefix(a, "sha256:") || len(a) != len("sha256:")+64 {
		t.Errorf("ETag %q is not sha256:<64 hex>", a)
	}
	write("a.json", `{"Records":[{}]}`)
	if etag("a.json") == a {
		t.Error("content changed, ETag did not")
	}
	if got := src.Tree.URI("a.json"); got != "file://"+filepath.ToSlash(filepath.Join(dir, "a.json")) {
		t.Errorf("URI = %s", got)
	}
}
