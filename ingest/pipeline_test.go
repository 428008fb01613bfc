package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamtailor/iamtailor/ingest/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixtureEvents is the number of events in testdata/logs (see its README).
const (
	fixtureFiles  = 7
	fixtureEvents = 39
)

func openStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runLocal ingests local paths into the store in dir.
func runLocal(t testing.TB, dir string, f Filter, paths ...string) (Summary, []Notice) {
	t.Helper()
	var sources []Source
	for _, p := range paths {
		src, err := NewLocalSource(p)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, src)
	}
	sum, notices, err := runSources(t, dir, f, Checkpoint{}, sources...)
	if err != nil {
		t.Fatal(err)
	}
	return sum, notices
}

func runSources(t testing.TB, dir string, f Filter, cp Checkpoint, sources ...Source) (Summary, []Notice, error) {
	t.Helper()
	var mu sync.Mutex
	var notices []Notice
	sum, err := Run(context.Background(), Options{
		Sources:    sources,
		Store:      openStore(t, dir),
		Filter:     f,
		Checkpoint: cp,
		Retry:      Retry{Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
		OnSkip: func(n Notice) {
			mu.Lock()
			notices = append(notices, n)
			mu.Unlock()
		},
	})
	slices.SortFunc(notices, func(a, b Notice) int { return strings.Compare(a.URI, b.URI) })
	return sum, notices, err
}

// storeRows reads every row of the store in dir.
func storeRows(t testing.TB, dir string) []store.Row {
	t.Helper()
	var rows []store.Row
	err := openStore(t, dir).Rows(context.Background(), func(r *store.Row) error {
		c := *r
		c.Resources = slices.Clone(r.Resources)
		c.Params = slices.Clone(r.Params)
		rows = append(rows, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func totalCount(rows []store.Row) int64 {
	var n int64
	for _, r := range rows {
		n += r.Count
	}
	return n
}

// stable blanks what differs between equal runs: time and the store's path.
func stable(s Summary) Summary {
	s.Seconds = 0
	s.UsageStore = ""
	return s
}

func TestRunFixtures(t *testing.T) {
	logs := filepath.Join(repoRoot(t), "testdata", "logs")
	dir := t.TempDir()
	sum, notices := runLocal(t, dir, Filter{}, logs)
	want := Summary{
		FilesRead:       fixtureFiles,
		EventsRead:      fixtureEvents,
		FilesSkipped:    map[SkipReason]int64{},
		EventsSkipped:   map[SkipReason]int64{},
		PrefixesSkipped: map[SkipReason]int64{SkipDigest: 1, SkipInsights: 1},
	}
	got := stable(sum)
	got.BytesRead, got.BytesUncompressed, got.UsageRows, got.UsageRowsAdded = 0, 0, 0, 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summary:\n got %+v\nwant %+v", got, want)
	}
	if len(notices) != 0 {
		t.Errorf("notices: %+v", notices)
	}
	rows := storeRows(t, dir)
	if n := totalCount(rows); n != fixtureEvents {
		t.Errorf("rows count %d events, want %d", n, fixtureEvents)
	}
	if sum.UsageRows != int64(len(rows)) || sum.UsageRowsAdded != sum.UsageRows {
		t.Errorf("usage_rows %d, added %d; the store has %d", sum.UsageRows, sum.UsageRowsAdded, len(rows))
	}
	var size int64
	filepath.WalkDir(logs, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(p, "CloudTrail-") {
			fi, _ := d.Info()
			size += fi.Size()
		}
		return nil
	})
	if sum.BytesRead != size {
		t.Errorf("bytes_read = %d, want %d (the size of the log files)", sum.BytesRead, size)
	}
	if sum.BytesUncompressed <= sum.BytesRead {
		t.Errorf("bytes_uncompressed = %d, not more than bytes_read %d for gzipped logs", sum.BytesUncompressed, sum.BytesRead)
	}
}

// TestRunManifest: a second ingest of the same objects adds nothing; a
// changed object is read again as a new object, and only it, with a notice.
func TestRunManifest(t *testing.T) {
	logs := t.TempDir()
	copyTree(t, filepath.Join(repoRoot(t), "testdata", "logs"), logs)
	dir := t.TempDir()

	first, _ := runLocal(t, dir, Filter{}, logs)
	rows1 := storeRows(t, dir)
	// The first run hashed each file while decoding it: the ETags are
	// those a separate read gives, which the second run compares with.
	src, err := NewLocalSource(logs)
	if err != nil {
		t.Fatal(err)
	}
	tree := src.Tree.(*LocalTree)
	for e, err := range openStore(t, dir).Manifest(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		key, _ := filepath.Rel(tree.Root(), strings.TrimPrefix(e.Object, "file://"))
		want, err := tree.ETag(context.Background(), Object{URI: e.Object, Key: filepath.ToSlash(key)})
		if err != nil || e.ETag != want {
			t.Errorf("%s: ETag %q, want %q (%v)", e.Object, e.ETag, want, err)
		}
	}

	second, _ := runLocal(t, dir, Filter{}, logs)
	if second.FilesRead != 0 || second.FilesAlreadyIngested != fixtureFiles || second.EventsRead != 0 {
		t.Errorf("second run read %d files, %d events, %d already ingested; want 0, 0, %d",
			second.FilesRead, second.EventsRead, second.FilesAlreadyIngested, fixtureFiles)
	}
	if rows2 := storeRows(t, dir); !reflect.DeepEqual(rows1, rows2) {
		t.Errorf("second run changed the store: %d rows before, %d after", len(rows1), len(rows2))
	}
	if second.UsageRows != first.UsageRows || second.UsageRowsAdded != 0 {
		t.Errorf("second run: usage_rows %d (first %d), added %d", second.UsageRows, first.UsageRows, second.UsageRowsAdded)
	}

	// Change the plain-JSON log: one more event of a kind seen nowhere else.
	changed := filepath.Join(logs, fileMain0602)
	data, err := os.ReadFile(changed)
	if err != nil {
		t.Fatal(err)
	}
	extra := `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAQDEPLOYBOT000005","arn":"arn:aws:iam::111122223333:user/ci/deploy-bot","accountId":"111122223333","userName":"deploy-bot"},` +
		`"eventTime":"2024-06-02T09:14:30Z","eventSource":"iam.amazonaws.com","eventName":"ListRoles","awsRegion":"us-east-1","eventType":"AwsApiCall","recipientAccountId":"111122223333","eventCategory":"Management","readOnly":true},`
	data = bytes.Replace(data, []byte(`"Records": [`), []byte(`"Records": [`+extra), 1)
	if err := os.WriteFile(changed, data, 0o644); err != nil {
		t.Fatal(err)
	}
	third, notices := runLocal(t, dir, Filter{}, logs)
	if third.FilesRead != 1 || third.FilesAlreadyIngested != fixtureFiles-1 || third.FilesChanged != 1 || third.FilesReadAgain != 0 {
		t.Errorf("after a change: read %d files (%d changed, %d read again), %d already ingested; want 1 (1, 0) and %d",
			third.FilesRead, third.FilesChanged, third.FilesReadAgain, third.FilesAlreadyIngested, fixtureFiles-1)
	}
	if len(notices) != 1 || !notices[0].Changed || !strings.HasSuffix(notices[0].URI, filepath.Base(fileMain0602)) {
		t.Errorf("notices %+v, want one saying %s changed", notices, fileMain0602)
	}
	if third.EventsRead != 8 {
		t.Errorf("after a change: read %d events, want the changed file's 8", third.EventsRead)
	}
	if n := totalCount(storeRows(t, dir)); n != fixtureEvents+8 {
		t.Errorf("store counts %d events, want %d: the old and the new version of the file both count", n, fixtureEvents+8)
	}
}

func copyTree(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRunCheckpoints: committing every two objects, or whenever the tables
// hold more than a byte,
// gives the same store as one commit at the end. One worker commits
// exactly every two objects; several commit after at least two, with the
// files being read when the checkpoint is due.
func TestRunCheckpoints(t *testing.T) {
	logs := filepath.Join(repoRoot(t), "testdata", "logs")
	src, err := NewLocalSource(logs)
	if err != nil {
		t.Fatal(err)
	}
	once := t.TempDir()
	if _, _, err := runSources(t, once, Filter{}, Checkpoint{}, src); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		concurrency int
		cp          Checkpoint
		min, max    int
	}{
		{"every 2 objects, one worker", 1, Checkpoint{Objects: 2}, fixtureFiles / 2, fixtureFiles / 2},
		{"every 2 objects, workers", 0, Checkpoint{Objects: 2}, 1, fixtureFiles / 2},
		{"every few bytes of table", 1, Checkpoint{Memory: 1}, fixtureFiles - 1, fixtureFiles},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			sum, err := Run(context.Background(), Options{Sources: []Source{src}, Store: openStore(t, dir),
				Concurrency: tc.concurrency, Checkpoint: tc.cp})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Checkpoints < tc.min || sum.Checkpoints > tc.max {
				t.Errorf("checkpoints = %d, want %d to %d", sum.Checkpoints, tc.min, tc.max)
			}
			if a, b := storeRows(t, once), storeRows(t, dir); !reflect.DeepEqual(a, b) {
				t.Errorf("checkpointed store differs: %d rows vs %d", len(a), len(b))
			}
		})
	}
}

// TestRunInterruptedThenResumed: a run cancelled after its first
// checkpoint keeps what it committed, and a re-run completes the store to
// what an uninterrupted run gives.
func TestRunInterruptedThenResumed(t *testing.T) {
	logs := filepath.Join(repoRoot(t), "testdata", "logs")
	src, err := NewLocalSource(logs)
	if err != nil {
		t.Fatal(err)
	}
	whole, resumed := t.TempDir(), t.TempDir()
	if _, _, err := runSources(t, whole, Filter{}, Checkpoint{}, src); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	gate := &cancellingTree{Tree: src.Tree, after: 3, cancel: cancel, committed: func() bool {
		return openStore(t, resumed).Stats().Objects >= 2
	}}
	interrupted := src
	interrupted.Tree = gate
	_, err = Run(ctx, Options{Sources: []Source{interrupted}, Store: openStore(t, resumed),
		Concurrency: 1, Checkpoint: Checkpoint{Objects: 2}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err = %v, want context.Canceled", err)
	}
	if got := openStore(t, resumed).Stats().Objects; got != 2 {
		t.Errorf("after the interruption the manifest holds %d objects, want the 2 of the first checkpoint", got)
	}
	sum, _, err := runSources(t, resumed, Filter{}, Checkpoint{}, src)
	if err != nil {
		t.Fatal(err)
	}
	if sum.FilesAlreadyIngested != 2 || sum.FilesRead != fixtureFiles-2 {
		t.Errorf("re-run: %d already ingested, %d read; want 2 and %d", sum.FilesAlreadyIngested, sum.FilesRead, fixtureFiles-2)
	}
	if a, b := storeRows(t, whole), storeRows(t, resumed); !reflect.DeepEqual(a, b) {
		t.Errorf("resumed store differs from an uninterrupted run: %d rows vs %d", len(b), len(a))
	}
}

// cancellingTree cancels the run when the object after `after` is opened,
// once committed says the first checkpoint is published.
type cancellingTree struct {
	Tree
	mu        sync.Mutex
	opened    int
	after     int
	cancel    context.CancelFunc
	committed func() bool
}

func (c *cancellingTree) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	c.mu.Lock()
	c.opened++
	n := c.opened
	c.mu.Unlock()
	if n > c.after {
		for deadline := time.Now().Add(time.Minute); !c.committed() && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		c.cancel()
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return c.Tree.Open(ctx, o)
}

func TestRunFilters(t *testing.T) {
	logs := filepath.Join(repoRoot(t), "testdata", "logs")
	day := func(s string) time.Time { return mustTime(t, s+"T00:00:00Z") }
	tests := []struct {
		name                     string
		filter                   Filter
		filesRead, filesOutside  int64
		events, outside, dropped int64
		kept                     int64
	}{
		// The file delivered at 00:05 on June 1 holds 2 events of May 31.
		{"May 31 only: late delivery found in June 1's prefix", Filter{Since: day("2024-05-31"), Until: day("2024-06-01")},
			6, 0, 32, 30, 0, 2},
		{"June 2 only", Filter{Since: day("2024-06-02"), Until: day("2024-06-03")}, 1, 0, 7, 0, 0, 7},
		{"June 1 afternoon", Filter{Since: mustTime(t, "2024-06-01T14:00:00Z"), Until: mustTime(t, "2024-06-01T15:00:00Z")},
			5, 2, 26, 9, 0, 17},
		{"account 444455556666", Filter{Accounts: []string{"444455556666"}}, 2, 0, 6, 0, 0, 6},
		{"region eu-west-1", Filter{Regions: []string{"eu-west-1"}}, 2, 0, 8, 0, 0, 8},
		{"org", Filter{OrgIDs: []string{"o-abcde12345"}}, 2, 0, 6, 0, 0, 6},
		{"us-gov-west-1", Filter{Regions: []string{"us-gov-west-1"}}, 1, 0, 2, 0, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			sum, _ := runLocal(t, dir, tt.filter, logs)
			if sum.FilesRead != tt.filesRead || sum.FilesOutsideWindow != tt.filesOutside {
				t.Errorf("files read %d, outside window %d; want %d, %d", sum.FilesRead, sum.FilesOutsideWindow, tt.filesRead, tt.filesOutside)
			}
			if sum.EventsRead != tt.events || sum.EventsOutsideWindow != tt.outside || sum.EventsFiltered != tt.dropped {
				t.Errorf("events read %d, outside %d, filtered %d; want %d, %d, %d",
					sum.EventsRead, sum.EventsOutsideWindow, sum.EventsFiltered, tt.events, tt.outside, tt.dropped)
			}
			if n := totalCount(storeRows(t, dir)); n != tt.kept {
				t.Errorf("store counts %d events, want %d", n, tt.kept)
			}
		})
	}
}

// TestRunFiltersFlatDirectory: outside the layout, account, region and
// time filters apply per event.
func TestRunFiltersFlatDirectory(t *testing.T) {
	flat := t.TempDir()
	logs := filepath.Join(repoRoot(t), "testdata", "logs")
	for _, k := range []string{fileMain0005, fileMain1410, fileProdEU} {
		data, err := os.ReadFile(filepath.Join(logs, k))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(flat, filepath.Base(k)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	sum, _ := runLocal(t, dir, Filter{Accounts: []string{"111122223333"}, Since: mustTime(t, "2024-06-01T00:00:00Z")}, flat)
	if sum.FilesRead != 3 || sum.EventsRead != 24 || sum.EventsOutsideWindow != 2 || sum.EventsFiltered != 4 {
		t.Errorf("files %d, events %d, outside %d, filtered %d; want 3, 24, 2, 4",
			sum.FilesRead, sum.EventsRead, sum.EventsOutsideWindow, sum.EventsFiltered)
	}
	if n := totalCount(storeRows(t, dir)); n != 18 {
		t.Errorf("store counts %d events, want 18", n)
	}
}

// TestRunMalformed: every bad file is skipped with one notice naming it and
// the reason, the good ones count, and the run completes.
func TestRunMalformed(t *testing.T) {
	malformed := filepath.Join(repoRoot(t), "testdata", "malformed")
	sum, notices := runLocal(t, t.TempDir(), Filter{}, malformed)
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.Encode(stable(sum))
	for _, n := range notices {
		fmt.Fprintf(&b, "%s\n", noticeLine(n, malformed))
	}
	golden(t, b.String())
}

// noticeLine renders a notice with the URI cut to below the base
// directory's name, so that goldens do not depend on where the repository
// and ../shared are.
func noticeLine(n Notice, base string) string {
	uri := n.URI
	if _, rest, ok := strings.Cut(uri, "/"+filepath.Base(base)+"/"); ok {
		uri = rest
	}
	if n.Err != nil {
		return "skip " + uri + ": " + n.Err.Error()
	}
	return fmt.Sprintf("events skipped in %s: %s", uri, formatReasons(n.EventsSkipped))
}

func golden(t *testing.T, got string) {
	t.Helper()
	path := filepath.Join("testdata", strings.ReplaceAll(t.Name(), "/", "_")+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestRunSharedCorpora ingests every public corpus; the counts must match
// the files (PROVENANCE.md in ../shared/cloudtrail).
func TestRunSharedCorpora(t *testing.T) {
	root := sharedDir(t, "cloudtrail")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			dir := filepath.Join(root, e.Name())
			sum, notices := runLocal(t, t.TempDir(), Filter{}, dir)
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetIndent("", "  ")
			enc.Encode(stable(sum))
			for _, n := range notices {
				fmt.Fprintf(&b, "%s\n", noticeLine(n, dir))
			}
			golden(t, b.String())
			if e.Name() == "invictus-aws_dataset" {
				if sum.FilesRead != 55 || sum.EventsRead != 2900 || sum.FilesSkipped["not_cloudtrail"] != 1 {
					t.Errorf("Invictus: %d files, %d events, skipped %v; want 55 log files with 2,900 events and LICENSE skipped as not_cloudtrail",
						sum.FilesRead, sum.EventsRead, sum.FilesSkipped)
				}
			}
			if e.Name() == "otrf-security-datasets" && !slices.ContainsFunc(notices, func(n Notice) bool {
				var fe *FileError
				return strings.HasSuffix(n.URI, ".csv") && errors.As(n.Err, &fe) && fe.Reason == "not_cloudtrail"
			}) {
				t.Errorf("OTRF: the CSV is not refused as not_cloudtrail: %+v", notices)
			}
		})
	}
}

// TestRunVanishedLocal: a file deleted between list and read is skipped as
// object_vanished; the rest count.
func TestRunVanishedLocal(t *testing.T) {
	logs := t.TempDir()
	copyTree(t, filepath.Join(repoRoot(t), "testdata", "logs"), logs)
	src, err := NewLocalSource(logs)
	if err != nil {
		t.Fatal(err)
	}
	src.Tree = &deletingTree{Tree: src.Tree, root: logs, key: fileMainEU}
	sum, notices, err := runSources(t, t.TempDir(), Filter{}, Checkpoint{}, src)
	if err != nil {
		t.Fatal(err)
	}
	if sum.FilesRead != fixtureFiles-1 || !reflect.DeepEqual(sum.FilesSkipped, map[SkipReason]int64{SkipObjectVanished: 1}) {
		t.Errorf("read %d, skipped %v; want %d read and one object_vanished", sum.FilesRead, sum.FilesSkipped, fixtureFiles-1)
	}
	if len(notices) != 1 || !strings.HasSuffix(notices[0].URI, fileMainEU) || !strings.HasPrefix(notices[0].Err.Error(), "object_vanished: ") {
		t.Errorf("notices = %+v", notices)
	}
}

// deletingTree deletes key just before it is opened.
type deletingTree struct {
	Tree
	root, key string
}

func (d *deletingTree) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	if o.Key == d.key {
		os.Remove(filepath.Join(d.root, filepath.FromSlash(o.Key)))
	}
	return d.Tree.Open(ctx, o)
}

// TestRunRetriesAFailedTransfer: a body that fails in the middle is read
// again from the start, its partial rows discarded, and counts once.
func TestRunRetriesAFailedTransfer(t *testing.T) {
	logs := filepath.Join(repoRoot(t), "testdata", "logs")
	for _, tt := range []struct {
		name     string
		failures int
		read     int64
		skipped  map[SkipReason]int64
	}{
		{"recovers", 2, fixtureFiles, map[SkipReason]int64{}},
		{"gives up after every attempt", 100, fixtureFiles - 1, map[SkipReason]int64{SkipReadError: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, err := NewLocalSource(logs)
			if err != nil {
				t.Fatal(err)
			}
			src.Tree = &flakyTree{Tree: src.Tree, key: fileMain0005, failures: tt.failures}
			dir := t.TempDir()
			sum, _, err := runSources(t, dir, Filter{}, Checkpoint{}, src)
			if err != nil {
				t.Fatal(err)
			}
			if sum.FilesRead != tt.read || !reflect.DeepEqual(sum.FilesSkipped, tt.skipped) {
				t.Errorf("read %d, skipped %v; want %d, %v", sum.FilesRead, sum.FilesSkipped, tt.read, tt.skipped)
			}
			want := int64(fixtureEvents)
			if tt.read < fixtureFiles {
				want -= 9 // the events of the file that never read whole
			}
			if n := totalCount(storeRows(t, dir)); n != want || sum.EventsRead != want {
				t.Errorf("store counts %d events, summary %d; want %d", n, sum.EventsRead, want)
			}
		})
	}
}

// flakyTree fails the body of key after half of it, `failures` times.
type flakyTree struct {
	Tree
	key      string
	mu       sync.Mutex
	failures int
}

func (f *flakyTree) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	rc, err := f.Tree.Open(ctx, o)
	if err != nil || o.Key != f.key {
		return rc, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures == 0 {
		return rc, nil
	}
	f.failures--
	return &failingBody{ReadCloser: rc, left: o.Size / 2}, nil
}

type failingBody struct {
	io.ReadCloser
	left int64
}

func (b *failingBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errors.New("read tcp 127.0.0.1:1234: connection reset by peer")
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// TestRunLongSingleLine: a 50 MB log file on a single line is read as a
// stream and counted.
func TestRunLongSingleLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "111122223333_CloudTrail_us-east-1_20240601T0005Z_fiftymegabytes01.json.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write([]byte(`{"Records":[`))
	event := `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAQDEPLOYBOT000005","arn":"arn:aws:iam::111122223333:user/ci/deploy-bot","accountId":"111122223333","userName":"deploy-bot"},` +
		`"eventTime":"2024-06-01T00:0%d:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","requestParameters":{"filterSet":{"items":[{"name":"tag:team","valueSet":{"items":[{"value":"%s"}]}}]}},` +
		`"responseElements":null,"eventType":"AwsApiCall","recipientAccountId":"111122223333","eventCategory":"Management","readOnly":true}`
	pad := strings.Repeat("x", 1500)
	var written, events int64
	for written < 50<<20 {
		if events > 0 {
			zw.Write([]byte{','})
		}
		n, _ := fmt.Fprintf(zw, event, events%10, pad)
		written += int64(n) + 1
		events++
	}
	zw.Write([]byte("]}"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	sum, notices := runLocal(t, t.TempDir(), Filter{}, path)
	if sum.FilesRead != 1 || sum.EventsRead != events || len(notices) != 0 {
		t.Errorf("read %d files, %d events (want 1, %d); notices %+v", sum.FilesRead, sum.EventsRead, events, notices)
	}
	if sum.BytesUncompressed < 50<<20 {
		t.Errorf("bytes_uncompressed = %d, want at least 50 MiB", sum.BytesUncompressed)
	}
}

// TestSummaryJSONKeysSorted: --json output has stable, sorted keys and
// empty maps as {}.
func TestSummaryJSONKeysSorted(t *testing.T) {
	data, err := json.Marshal(newSummary())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.Token()
	for dec.More() {
		tok, _ := dec.Token()
		keys = append(keys, tok.(string))
		var v json.RawMessage
		dec.Decode(&v)
		if string(v) == "null" {
			t.Errorf("key %s is null", tok)
		}
	}
	if !slices.IsSorted(keys) {
		t.Errorf("keys not sorted: %v", keys)
	}
	for _, k := range []string{"files_read", "files_skipped", "events_read", "events_skipped", "usage_rows", "bytes_read", "seconds"} {
		if !slices.Contains(keys, k) {
			t.Errorf("key %s missing", k)
		}
	}
}

// TestRunDeduplicatesOverlappingSources: the same object named by two
// sources counts once.
func TestRunDeduplicatesOverlappingSources(t *testing.T) {
	logs := filepath.Join(repoRoot(t), "testdata", "logs")
	sum, _ := runLocal(t, t.TempDir(), Filter{}, logs, filepath.Join(logs, "AWSLogs", "111122223333"))
	if sum.FilesRead != fixtureFiles || sum.EventsRead != fixtureEvents {
		t.Errorf("read %d files, %d events; want %d, %d", sum.FilesRead, sum.EventsRead, fixtureFiles, fixtureEvents)
	}
}
