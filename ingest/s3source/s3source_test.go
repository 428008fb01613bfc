package s3source_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/s3source"
	"github.com/iamtailor/iamtailor/ingest/s3source/s3test"
	"github.com/iamtailor/iamtailor/ingest/store"
)

const bucket = "iamtailor-trail"

const (
	acctMain = "AWSLogs/111122223333/"
	acctGov  = "AWSLogs/777788889999/"
	org      = "AWSLogs/o-abcde12345/"
	acctProd = org + "444455556666/"

	keyMain0005 = acctMain + "CloudTrail/us-east-1/2024/06/01/111122223333_CloudTrail_us-east-1_20240601T0005Z_ab12cd34ef56gh78.json.gz"
	keyMain1410 = acctMain + "CloudTrail/us-east-1/2024/06/01/111122223333_CloudTrail_us-east-1_20240601T1410Z_Qm4Xz8LpR2vT6nYc.json.gz"
	keyMain0602 = acctMain + "CloudTrail/us-east-1/2024/06/02/111122223333_CloudTrail_us-east-1_20240602T0915Z_Hn7Wc2Ks9PdB4xLe.json"
	keyMainEU   = acctMain + "CloudTrail/eu-west-1/2024/06/01/111122223333_CloudTrail_eu-west-1_20240601T1200Z_Vb3Nq8Rt1YmF6aZs.json.gz"
	keyProdEU   = acctProd + "CloudTrail/eu-west-1/2024/06/01/444455556666_CloudTrail_eu-west-1_20240601T1415Z_Xc4Vb6Nm8Qw2Er1T.json.gz"
)

func logsDir(t testing.TB) string {
	return filepath.Join(s3test.RepoRoot(t), "testdata", "logs")
}

type result struct {
	summary ingest.Summary
	rows    []store.Row
	skipped []string // "reason key" of every file skipped
}

// run ingests sources into a fresh store and reads the store back.
func run(t testing.TB, f ingest.Filter, sources ...ingest.Source) result {
	t.Helper()
	res, err := tryRun(t, f, sources...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func tryRun(t testing.TB, f ingest.Filter, sources ...ingest.Source) (result, error) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var res result
	res.summary, err = ingest.Run(ctx, ingest.Options{
		Sources:     sources,
		Store:       st,
		Filter:      f,
		Concurrency: 4,
		Retry:       ingest.Retry{Backoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond},
		OnSkip: func(n ingest.Notice) {
			if n.Err == nil {
				return
			}
			var fe *ingest.FileError
			errors.As(n.Err, &fe)
			mu.Lock()
			res.skipped = append(res.skipped, string(fe.Reason)+" "+keyOf(n.URI))
			mu.Unlock()
		},
	})
	if err != nil {
		return res, err
	}
	sort.Strings(res.skipped)
	res.summary.Seconds, res.summary.UsageStore = 0, ""
	err = st.Rows(ctx, func(r *store.Row) error {
		c := *r
		c.Resources, c.Params = slices.Clone(r.Resources), slices.Clone(r.Params)
		res.rows = append(res.rows, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return res, nil
}

// keyOf is the part of a URI from AWSLogs/ on, or its base name, so that
// local and S3 URIs compare.
func keyOf(uri string) string {
	if i := strings.Index(uri, "AWSLogs/"); i >= 0 {
		return uri[i:]
	}
	return uri[strings.LastIndexByte(uri, '/')+1:]
}

func localSource(t testing.TB, path string) ingest.Source {
	t.Helper()
	src, err := ingest.NewLocalSource(path)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func s3Source(t testing.TB, endpoint, uri string) ingest.Source {
	t.Helper()
	src, err := s3source.NewSource(s3test.Client(endpoint), uri)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func sameResult(t *testing.T, name string, got, want result) {
	t.Helper()
	if !reflect.DeepEqual(got.summary, want.summary) {
		t.Errorf("%s: summary differs from the local directory's:\n got %+v\nwant %+v", name, got.summary, want.summary)
	}
	if !reflect.DeepEqual(got.rows, want.rows) {
		t.Errorf("%s: %d usage rows differ from the local directory's %d", name, len(got.rows), len(want.rows))
	}
	if !slices.Equal(got.skipped, want.skipped) {
		t.Errorf("%s: skipped %q, local skipped %q", name, got.skipped, want.skipped)
	}
}

// TestConformance: the same files in a local directory, in gofakes3 and in
// versitygw give identical usage rows and summaries, with every filter.
func TestConformance(t *testing.T) {
	logs := logsDir(t)
	malformed := filepath.Join(s3test.RepoRoot(t), "testdata", "malformed")
	servers := []*s3test.Server{s3test.StartGofakes3(t), s3test.StartVersitygw(t)}
	for _, srv := range servers {
		s3test.Fill(t, srv.URL, bucket, logs)
		s3test.Fill(t, srv.URL, "malformed", malformed)
	}
	day := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name   string
		local  string
		uri    string
		filter ingest.Filter
	}{
		{"whole tree", logs, "s3://" + bucket, ingest.Filter{}},
		{"from AWSLogs/", filepath.Join(logs, "AWSLogs"), "s3://" + bucket + "/AWSLogs/", ingest.Filter{}},
		{"one account, no trailing slash", filepath.Join(logs, "AWSLogs", "111122223333"), "s3://" + bucket + "/AWSLogs/111122223333", ingest.Filter{}},
		{"a single object", filepath.Join(logs, keyMain0602), "s3://" + bucket + "/" + keyMain0602, ingest.Filter{}},
		{"since and until", logs, "s3://" + bucket, ingest.Filter{Since: day("2024-05-31"), Until: day("2024-06-01")}},
		{"since mid-day", logs, "s3://" + bucket, ingest.Filter{Since: time.Date(2024, 6, 1, 14, 0, 0, 0, time.UTC)}},
		{"account", logs, "s3://" + bucket, ingest.Filter{Accounts: []string{"444455556666"}}},
		{"region", logs, "s3://" + bucket, ingest.Filter{Regions: []string{"eu-west-1", "us-gov-west-1"}}},
		{"org id", logs, "s3://" + bucket, ingest.Filter{OrgIDs: []string{"o-abcde12345"}}},
		{"malformed files", malformed, "s3://malformed", ingest.Filter{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := run(t, tt.filter, localSource(t, tt.local))
			if want.summary.FilesRead == 0 {
				t.Fatalf("the local run read nothing: %+v", want.summary)
			}
			for _, srv := range servers {
				got := run(t, tt.filter, s3Source(t, srv.URL, tt.uri))
				sameResult(t, srv.Name, got, want)
			}
		})
	}
}

// TestListingPrunesByPrefix counts the ListObjectsV2 calls a one-day window
// makes: delimiter listings down to the day prefixes, recursive listings of
// only the day in range and the next (late delivery).
func TestListingPrunesByPrefix(t *testing.T) {
	srv := s3test.StartGofakes3(t)
	s3test.Fill(t, srv.URL, bucket, logsDir(t))
	proxy := s3test.StartFaultProxy(t, srv.URL)

	since := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	res := run(t, ingest.Filter{Since: since, Until: since.AddDate(0, 0, 1), Accounts: []string{"111122223333"}, Regions: []string{"us-east-1"}},
		s3Source(t, proxy.URL, "s3://"+bucket))

	var delimited, recursive []string
	for _, r := range proxy.Requests() {
		if !r.IsList() {
			continue
		}
		if r.Query.Get("delimiter") == "/" {
			delimited = append(delimited, r.Query.Get("prefix"))
		} else {
			recursive = append(recursive, r.Query.Get("prefix"))
		}
	}
	slices.Sort(delimited)
	slices.Sort(recursive)
	region := acctMain + "CloudTrail/us-east-1/"
	// The organization's prefix is listed to find whether it holds the
	// account; the other account's is not.
	wantDelimited := []string{"", "AWSLogs/", org, acctMain, acctMain + "CloudTrail/", region, region + "2024/", region + "2024/06/"}
	wantRecursive := []string{region + "2024/06/01/", region + "2024/06/02/"}
	slices.Sort(wantDelimited)
	if !slices.Equal(delimited, wantDelimited) {
		t.Errorf("delimiter listings:\n got %q\nwant %q", delimited, wantDelimited)
	}
	if !slices.Equal(recursive, wantRecursive) {
		t.Errorf("recursive listings:\n got %q\nwant %q", recursive, wantRecursive)
	}
	if res.summary.FilesRead != 3 {
		t.Errorf("read %d files, want 3 (June 1 and, for late delivery, June 2)", res.summary.FilesRead)
	}
	for _, r := range proxy.Requests() {
		if r.Method == "GET" && r.Key != "" && !strings.Contains(r.Key, "/us-east-1/2024/06/0") {
			t.Errorf("fetched %s, outside the filter", r.Key)
		}
	}
}

// TestFaults: throttling, resets and truncated bodies are retried and the
// run gives the rows of a clean run; an object that vanished between list
// and get is skipped with its reason, and only it.
func TestFaults(t *testing.T) {
	logs := logsDir(t)
	clean := run(t, ingest.Filter{}, localSource(t, logs))
	tests := []struct {
		name     string
		inject   func(p *s3test.FaultProxy)
		wantGets map[string]int // GETs of an object, retries included
		vanish   string
	}{
		{"503 SlowDown on the first requests", func(p *s3test.FaultProxy) { p.SlowDown(6) }, nil, ""},
		{"connection reset mid-body", func(p *s3test.FaultProxy) { p.ResetBody(keyMain0005, 2); p.ResetBody(keyMainEU, 1) },
			map[string]int{keyMain0005: 3, keyMainEU: 2, keyMain1410: 1}, ""},
		{"body shorter than its Content-Length", func(p *s3test.FaultProxy) { p.TruncateBody(keyMain0602, 2); p.TruncateBody(keyProdEU, 1) },
			map[string]int{keyMain0602: 3, keyProdEU: 2, keyMain1410: 1}, ""},
		{"everything at once", func(p *s3test.FaultProxy) {
			p.SlowDown(3)
			p.ResetBody(keyMain1410, 1)
			p.TruncateBody(keyMain0005, 1)
		}, map[string]int{keyMain1410: 2, keyMain0005: 2}, ""},
		{"object vanished between list and get", func(p *s3test.FaultProxy) { p.Vanish(keyMainEU) }, nil, keyMainEU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := s3test.StartGofakes3(t)
			s3test.Fill(t, srv.URL, bucket, logs)
			proxy := s3test.StartFaultProxy(t, srv.URL)
			tt.inject(proxy)
			got := run(t, ingest.Filter{}, s3Source(t, proxy.URL, "s3://"+bucket))
			gets := map[string]int{}
			for _, r := range proxy.Requests() {
				if r.Method == "GET" && r.Key != "" {
					gets[r.Key]++
				}
			}
			if left := proxy.SlowDownsLeft(); left != 0 {
				t.Errorf("%d SlowDown responses never served", left)
			}
			for k, n := range tt.wantGets {
				if gets[k] != n {
					t.Errorf("%d GETs of %s, want %d", gets[k], k, n)
				}
			}
			if tt.vanish == "" {
				sameResult(t, "through faults", got, clean)
				return
			}
			if !slices.Equal(got.skipped, []string{"object_vanished " + tt.vanish}) {
				t.Errorf("skipped %q, want only the vanished object", got.skipped)
			}
			if got.summary.FilesRead != clean.summary.FilesRead-1 ||
				!reflect.DeepEqual(got.summary.FilesSkipped, map[ingest.SkipReason]int64{ingest.SkipObjectVanished: 1}) {
				t.Errorf("read %d, skipped %v; want %d read and one object_vanished",
					got.summary.FilesRead, got.summary.FilesSkipped, clean.summary.FilesRead-1)
			}
		})
	}
}

// TestMissingBucketFails: a bucket that does not exist is a failure of the
// run, not skipped input.
func TestMissingBucketFails(t *testing.T) {
	srv := s3test.StartGofakes3(t)
	_, err := tryRun(t, ingest.Filter{}, s3Source(t, srv.URL, "s3://no-such-bucket/AWSLogs/"))
	if err == nil || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Errorf("err = %v, want a failure naming the bucket", err)
	}
}

func TestParseURI(t *testing.T) {
	tests := []struct {
		in             string
		bucket, prefix string
		err            bool
	}{
		{"s3://b", "b", "", false},
		{"s3://b/", "b", "", false},
		{"s3://b/AWSLogs/111122223333/", "b", "AWSLogs/111122223333/", false},
		{"s3://b/k.json.gz", "b", "k.json.gz", false},
		{"s3://", "", "", true},
		{"/local/path", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			b, p, err := s3source.ParseURI(tt.in)
			if (err != nil) != tt.err || b != tt.bucket || p != tt.prefix {
				t.Errorf("ParseURI(%q) = %q, %q, %v", tt.in, b, p, err)
			}
		})
	}
}

// smallPages makes every listing page hold at most two entries, so that
// pagination (continuation tokens) is exercised on a small bucket.
type smallPages struct {
	s3source.API
	continued *atomic.Int64 // calls that asked for a next page
}

func (s smallPages) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	c := *in
	if c.MaxKeys == nil {
		c.MaxKeys = aws.Int32(2)
	}
	if c.ContinuationToken != nil {
		s.continued.Add(1)
	}
	return s.API.ListObjectsV2(ctx, &c, opts...)
}

// TestPagination: listings of two entries per page find the same objects.
func TestPagination(t *testing.T) {
	logs := logsDir(t)
	want := run(t, ingest.Filter{}, localSource(t, logs))
	for _, srv := range []*s3test.Server{s3test.StartGofakes3(t), s3test.StartVersitygw(t)} {
		s3test.Fill(t, srv.URL, bucket, logs)
		var continued atomic.Int64
		src := ingest.Source{Tree: s3source.New(smallPages{s3test.Client(srv.URL), &continued}, bucket), Display: srv.Name}
		sameResult(t, srv.Name, run(t, ingest.Filter{}, src), want)
		if continued.Load() < 3 { // AWSLogs/, the main account and its us-east-1 hold three entries each
			t.Errorf("%s: only %d listings continued to a next page", srv.Name, continued.Load())
		}
	}
}
