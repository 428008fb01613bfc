package ingest

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// walkRecord collects what a walk found.
type walkRecord struct {
	mu       sync.Mutex
	read     []string
	outside  []string
	skipped  map[string]SkipReason
	prefixes map[string]SkipReason
}

func (w *walkRecord) object(_ context.Context, _ Tree, o Object, v objectVerdict, reason SkipReason) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch v {
	case objectRead:
		w.read = append(w.read, o.Key)
	case objectOutsideWindow:
		w.outside = append(w.outside, o.Key)
	case objectSkip:
		w.skipped[o.Key] = reason
	}
	return nil
}

func (w *walkRecord) prefix(_ Tree, prefix string, reason SkipReason) {
	w.mu.Lock()
	w.prefixes[prefix] = reason
	w.mu.Unlock()
}

const (
	acctMain = "AWSLogs/111122223333/"
	acctGov  = "AWSLogs/777788889999/"
	org      = "AWSLogs/o-abcde12345/"
	acctProd = org + "444455556666/"

	fileMain0005 = acctMain + "CloudTrail/us-east-1/2024/06/01/111122223333_CloudTrail_us-east-1_20240601T0005Z_ab12cd34ef56gh78.json.gz"
	fileMain1410 = acctMain + "CloudTrail/us-east-1/2024/06/01/111122223333_CloudTrail_us-east-1_20240601T1410Z_Qm4Xz8LpR2vT6nYc.json.gz"
	fileMain0602 = acctMain + "CloudTrail/us-east-1/2024/06/02/111122223333_CloudTrail_us-east-1_20240602T0915Z_Hn7Wc2Ks9PdB4xLe.json"
	fileMainEU   = acctMain + "CloudTrail/eu-west-1/2024/06/01/111122223333_CloudTrail_eu-west-1_20240601T1200Z_Vb3Nq8Rt1YmF6aZs.json.gz"
	fileProdUS   = acctProd + "CloudTrail/us-east-1/2024/06/01/444455556666_CloudTrail_us-east-1_20240601T1410Z_Jk5Lp0Oi9Uy7Tr3E.json.gz"
	fileProdEU   = acctProd + "CloudTrail/eu-west-1/2024/06/01/444455556666_CloudTrail_eu-west-1_20240601T1415Z_Xc4Vb6Nm8Qw2Er1T.json.gz"
	fileGov      = acctGov + "CloudTrail/us-gov-west-1/2024/06/01/777788889999_CloudTrail_us-gov-west-1_20240601T1600Z_Gv1Pq2Rs3Tu4Vw5X.json.gz"
)

// TestWalkPrunesByLayout checks which prefixes the walk lists for each
// filter on the fixtures in testdata/logs: delimiter listings only down to
// the regions (and, with a time window, the years, months and days), and
// recursive listings only of what lies inside the filter.
func TestWalkPrunesByLayout(t *testing.T) {
	logs := filepath.Join(repoRoot(t), "testdata", "logs")
	day := func(s string) time.Time { return mustTime(t, s+"T00:00:00Z") }
	discovery := []string{"", "AWSLogs/", acctMain, acctMain + "CloudTrail/", acctGov, acctGov + "CloudTrail/", org, acctProd, acctProd + "CloudTrail/"}
	layoutSkips := map[string]SkipReason{acctMain + "CloudTrail-Digest/": SkipDigest, acctMain + "CloudTrail-Insight/": SkipInsights}
	tests := []struct {
		name        string
		path        string
		filter      Filter
		wantListDir []string
		wantListAll []string
		wantRead    []string
		wantOutside []string
		wantSkipped map[string]SkipReason
		wantPrefix  map[string]SkipReason
	}{
		{
			name:        "no filter: discover down to regions, list each region",
			path:        logs,
			wantListDir: discovery,
			wantListAll: []string{
				acctMain + "CloudTrail/eu-west-1/", acctMain + "CloudTrail/us-east-1/", acctGov + "CloudTrail/us-gov-west-1/",
				acctProd + "CloudTrail/eu-west-1/", acctProd + "CloudTrail/us-east-1/",
			},
			wantRead:   []string{fileMain0005, fileMain1410, fileMain0602, fileMainEU, fileGov, fileProdUS, fileProdEU},
			wantPrefix: layoutSkips,
		},
		{
			name:   "one day: only its day prefix and the next are listed",
			path:   logs,
			filter: Filter{Since: day("2024-06-02"), Until: day("2024-06-03")},
			wantListDir: append(slices.Clone(discovery),
				acctMain+"CloudTrail/us-east-1/", acctMain+"CloudTrail/us-east-1/2024/", acctMain+"CloudTrail/us-east-1/2024/06/",
				acctMain+"CloudTrail/eu-west-1/", acctMain+"CloudTrail/eu-west-1/2024/", acctMain+"CloudTrail/eu-west-1/2024/06/",
				acctGov+"CloudTrail/us-gov-west-1/", acctGov+"CloudTrail/us-gov-west-1/2024/", acctGov+"CloudTrail/us-gov-west-1/2024/06/",
				acctProd+"CloudTrail/us-east-1/", acctProd+"CloudTrail/us-east-1/2024/", acctProd+"CloudTrail/us-east-1/2024/06/",
				acctProd+"CloudTrail/eu-west-1/", acctProd+"CloudTrail/eu-west-1/2024/", acctProd+"CloudTrail/eu-west-1/2024/06/",
			),
			wantListAll: []string{acctMain + "CloudTrail/us-east-1/2024/06/02/"},
			wantRead:    []string{fileMain0602},
			wantPrefix:  layoutSkips,
		},
		{
			name:        "late delivery: the day after until is listed",
			path:        filepath.Join(logs, "AWSLogs/111122223333/CloudTrail/us-east-1"),
			filter:      Filter{Since: day("2024-05-31"), Until: day("2024-06-01")},
			wantListDir: []string{acctMain + "CloudTrail/us-east-1/", acctMain + "CloudTrail/us-east-1/2024/", acctMain + "CloudTrail/us-east-1/2024/06/"},
			wantListAll: []string{acctMain + "CloudTrail/us-east-1/2024/06/01/"},
			wantRead:    []string{fileMain0005, fileMain1410},
		},
		{
			name:        "file named before since is not read",
			path:        filepath.Join(logs, "AWSLogs/111122223333/CloudTrail/us-east-1"),
			filter:      Filter{Since: mustTime(t, "2024-06-01T12:00:00Z")},
			wantListDir: []string{acctMain + "CloudTrail/us-east-1/", acctMain + "CloudTrail/us-east-1/2024/"},
			// June lies entirely after since's day: one recursive listing.
			wantListAll: []string{acctMain + "CloudTrail/us-east-1/2024/06/"},
			wantRead:    []string{fileMain1410, fileMain0602},
			wantOutside: []string{fileMain0005},
		},
		{
			name:        "account in an organization trail",
			path:        logs,
			filter:      Filter{Accounts: []string{"444455556666"}},
			wantListDir: []string{"", "AWSLogs/", org, acctProd, acctProd + "CloudTrail/"},
			wantListAll: []string{acctProd + "CloudTrail/eu-west-1/", acctProd + "CloudTrail/us-east-1/"},
			wantRead:    []string{fileProdUS, fileProdEU},
		},
		{
			name:        "org and region",
			path:        logs,
			filter:      Filter{OrgIDs: []string{"o-abcde12345"}, Regions: []string{"eu-west-1"}},
			wantListDir: []string{"", "AWSLogs/", org, acctProd, acctProd + "CloudTrail/"},
			wantListAll: []string{acctProd + "CloudTrail/eu-west-1/"},
			wantRead:    []string{fileProdEU},
		},
		{
			name:        "region in two accounts",
			path:        logs,
			filter:      Filter{Regions: []string{"us-east-1"}},
			wantListDir: discovery,
			wantListAll: []string{acctMain + "CloudTrail/us-east-1/", acctProd + "CloudTrail/us-east-1/"},
			wantRead:    []string{fileMain0005, fileMain1410, fileMain0602, fileProdUS},
			wantPrefix:  layoutSkips,
		},
		{
			name: "pointing into a digest prefix skips each file by layout",
			path: filepath.Join(logs, "AWSLogs/111122223333/CloudTrail-Digest"),
			wantListDir: []string{acctMain + "CloudTrail-Digest/", acctMain + "CloudTrail-Digest/us-east-1/", acctMain + "CloudTrail-Digest/us-east-1/2024/",
				acctMain + "CloudTrail-Digest/us-east-1/2024/06/", acctMain + "CloudTrail-Digest/us-east-1/2024/06/01/"},
			wantSkipped: map[string]SkipReason{
				acctMain + "CloudTrail-Digest/us-east-1/2024/06/01/111122223333_CloudTrail-Digest_us-east-1_management-trail_us-east-1_20240601T010000Z.json.gz": SkipDigest,
			},
		},
		{
			name:        "a single file",
			path:        filepath.Join(logs, fileMain0602),
			filter:      Filter{Since: day("2024-06-02")},
			wantRead:    []string{fileMain0602},
			wantListDir: []string{},
			wantListAll: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := NewLocalSource(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recordingTree{Tree: src.Tree}
			src.Tree = rec
			got := &walkRecord{skipped: map[string]SkipReason{}, prefixes: map[string]SkipReason{}}
			if err := walkSource(context.Background(), src, &tt.filter, 3, got); err != nil {
				t.Fatal(err)
			}
			listDir, listAll := rec.calls()
			check := func(what string, got, want []string) {
				t.Helper()
				got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
				if !slices.Equal(got, want) {
					t.Errorf("%s:\n got %q\nwant %q", what, got, want)
				}
			}
			check("delimiter listings", listDir, tt.wantListDir)
			check("recursive listings", listAll, tt.wantListAll)
			check("objects to read", got.read, tt.wantRead)
			check("objects outside the window", got.outside, tt.wantOutside)
			if !mapsEqual(got.skipped, tt.wantSkipped) {
				t.Errorf("objects skipped = %v, want %v", got.skipped, tt.wantSkipped)
			}
			if !mapsEqual(got.prefixes, tt.wantPrefix) {
				t.Errorf("prefixes skipped = %v, want %v", got.prefixes, tt.wantPrefix)
			}
		})
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestWalkFlatDirectory reads every file of a directory outside the layout.
func TestWalkFlatDirectory(t *testing.T) {
	dir := sharedDir(t, "cloudtrail", "invictus-aws_dataset")
	src, err := NewLocalSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := &walkRecord{skipped: map[string]SkipReason{}, prefixes: map[string]SkipReason{}}
	// A window far from the corpus's day does not prune a flat directory by
	// path, only by file name.
	f := Filter{Until: mustTime(t, "2030-01-01T00:00:00Z")}
	if err := walkSource(context.Background(), src, &f, 2, got); err != nil {
		t.Fatal(err)
	}
	if len(got.read) != 56 { // 55 logs and LICENSE
		t.Errorf("read %d objects, want 56 (55 logs and LICENSE)", len(got.read))
	}
}
