package analyze

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// repoRoot walks up from this file to go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above " + file)
		}
		dir = parent
	}
}

// sharedDir is the shared data beside the repository (CI clones the repo
// with shared/ next to it).
func sharedDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(repoRoot(t), "..", "shared")
	if _, err := os.Stat(filepath.Join(d, "cloudtrail")); err != nil {
		t.Fatalf("shared corpora not found at %s (CI clones the repo with shared/ beside it): %v", d, err)
	}
	return d
}

// corpus is one set of real CloudTrail files.
type corpus struct {
	name  string
	files []string
}

// corpora lists the corpora with real events (not the processing
// library's placeholder fixtures, nor the OTRF CSV that is not CloudTrail).
func corpora(t testing.TB) []corpus {
	t.Helper()
	base := filepath.Join(sharedDir(t), "cloudtrail")
	glob := func(pattern string) []string {
		m, err := filepath.Glob(filepath.Join(base, pattern))
		if err != nil || len(m) == 0 {
			t.Fatalf("no files match %s", pattern)
		}
		sort.Strings(m)
		return m
	}
	return []corpus{
		{"invictus", glob("invictus-aws_dataset/*.json")},
		{"otrf", glob("otrf-security-datasets/*.json")},
		{"trailscraper", glob("trailscraper-fixtures/*.json.gz")},
		{"trailscraper-smoke", glob("trailscraper-fixtures/events-for-smoke-test.json")},
		{"security-lake", glob("aws-security-lake-ocsf-samples/*/input/*.test.gz")},
	}
}

// corpusRows decodes a corpus through the ingest decoder and row builder and
// aggregates it in a store table, as ingest would store it.
func corpusRows(t testing.TB, c corpus) []store.Row {
	t.Helper()
	tab := store.NewTable(store.TableOptions{})
	var row store.Row
	for _, f := range c.files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ingest.Decode(fh, func(ev *ingest.Event) error {
			ingest.FillRow(ev, &row)
			tab.Add(&row)
			return nil
		})
		fh.Close()
		if err != nil {
			t.Fatalf("decode %s: %v", f, err)
		}
	}
	return tab.Rows()
}

// fixtureFiles lists the project's own CloudTrail log files in
// testdata/logs (every account's CloudTrail/ folder; digests and Insights
// are not events).
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	var out []string
	root := filepath.Join(repoRoot(t), "testdata", "logs")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.Contains(filepath.ToSlash(p), "/CloudTrail/") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("no CloudTrail files under %s: %v", root, err)
	}
	sort.Strings(out)
	return out
}
