package athena

import (
	"bytes"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixture is a set of CloudTrail events with the partition of the file
// each came from.
type fixture struct {
	events     []json.RawMessage
	partitions []partition
	files      []string
}

var layoutDay = regexp.MustCompile(`AWSLogs/(?:o-[a-z0-9]+/)?([0-9]{12})/CloudTrail/([a-z0-9-]+)/([0-9]{4}/[0-9]{2}/[0-9]{2})/`)

// loadFixture reads the logs; a file in the CloudTrail layout is in the
// partitions its key names, any other in its events' account, region and
// day.
func loadFixture(t testing.TB, files ...string) fixture {
	t.Helper()
	var fx fixture
	for _, p := range files {
		fx.files = append(fx.files, p)
		m := layoutDay.FindStringSubmatch(filepath.ToSlash(p))
		for _, e := range readRecords(t, p) {
			part := partition{account: "000000000000", region: "us-east-1", day: "1970/01/01"}
			if m != nil {
				part = partition{m[1], m[2], m[3]}
			} else {
				var ev struct{ EventTime, RecipientAccountId, AwsRegion string }
				json.Unmarshal(e, &ev)
				if tm, err := time.Parse(time.RFC3339, ev.EventTime); err == nil {
					part.day = tm.UTC().Format("2006/01/02")
				}
				part.account, part.region = ev.RecipientAccountId, ev.AwsRegion
			}
			fx.events = append(fx.events, e)
			fx.partitions = append(fx.partitions, part)
		}
	}
	return fx
}

// corpusFiles are the logs the query is tested on: the Invictus corpus,
// the project's trail (testdata/logs, its CloudTrail/ folders), the raw
// events of the Security Lake samples, and edge-events.json, written for
// this test: nested and denied request parameters, the value rule, error
// messages for every normalisation, principal IDs, identities, readOnly
// forms, resources, times, and events the decoder skips.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	root := repoRoot(t)
	shared := filepath.Join(root, "..", "shared", "cloudtrail")
	files, _ := filepath.Glob(filepath.Join(shared, "invictus-aws_dataset", "*.json"))
	lake, _ := filepath.Glob(filepath.Join(shared, "aws-security-lake-ocsf-samples", "*", "input", "*.test.gz"))
	if len(files) != 55 || len(lake) != 21 {
		t.Fatalf("found %d Invictus and %d Security Lake files, want 55 and 21: clone shared/ beside the repository", len(files), len(lake))
	}
	files = append(files, lake...)
	filepath.WalkDir(filepath.Join(root, "testdata", "logs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(filepath.ToSlash(p), "/CloudTrail/") {
			files = append(files, p)
		}
		return err
	})
	return append(files, filepath.Join("testdata", "edge-events.json"))
}

// athenaVisible removes from a record what the documented Athena table has
// no column for, so that ingesting the result can agree with ingesting the
// record. These are the query's deviations that the fixtures exercise:
//   - userIdentity.identityProvider (SAML and web identity users): the
//     table's userIdentity has no such field; iamtailor would take it as
//     the row's identity_provider.
//   - resources[].ARNPrefix (S3 data events over a key prefix): the
//     table's resources have arn, accountid and type only; iamtailor
//     keeps the prefix as an ARN ending in "*".
//
// It reports which it removed.
func athenaVisible(t testing.TB, raw json.RawMessage) (json.RawMessage, []string) {
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	var removed []string
	if id, ok := ev["userIdentity"].(map[string]any); ok {
		if _, ok := id["identityProvider"]; ok {
			delete(id, "identityProvider")
			removed = append(removed, "identityProvider")
		}
	}
	if list, ok := ev["resources"].([]any); ok {
		for _, r := range list {
			if m, ok := r.(map[string]any); ok {
				if _, ok := m["ARNPrefix"]; ok {
					delete(m, "ARNPrefix")
					removed = append(removed, "ARNPrefix")
				}
			}
		}
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out, removed
}

// writeRecords writes events as one CloudTrail log file.
func writeRecords(t testing.TB, path string, events []json.RawMessage) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"Records": events})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestQueryMatchesIngest runs the query Query prints in DuckDB over the
// corpora loaded as the Athena table, ingests its result as CSV and as
// Parquet, and requires exactly the usage rows `ingest` makes of the same
// records, every field, count, first_seen and last_seen included, once the
// two things the table cannot hold are taken out of the records (see
// athenaVisible). The third documented deviation, which 64 parameters an
// event with more keeps, is TestQueryParamCap's.
func TestQueryMatchesIngest(t *testing.T) {
	fx := loadFixture(t, corpusFiles(t)...)
	var visible []json.RawMessage
	removed := map[string]int{}
	for _, e := range fx.events {
		v, r := athenaVisible(t, e)
		visible = append(visible, v)
		for _, x := range r {
			removed[x]++
		}
	}
	if removed["identityProvider"] == 0 || removed["ARNPrefix"] == 0 {
		t.Fatalf("the fixtures do not exercise both deviations: %v", removed)
	}
	rawFile := filepath.Join(t.TempDir(), "visible.json")
	writeRecords(t, rawFile, visible)
	rawSum, want := ingestRows(t, rawFile)
	if rawSum.SkippedEvents() < 6 || len(want) < 1000 {
		t.Fatalf("raw ingest: %d rows, events skipped %v: the fixtures should hold the decoder's skips and over a thousand rows", len(want), rawSum.EventsSkipped)
	}

	query, err := Query(QueryOptions{Table: "cloudtrail_logs_pp"})
	if err != nil {
		t.Fatal(err)
	}
	csvPath, parquetPath := runDuckDB(t, fx.events, fx.partitions, query)
	for _, tc := range []struct{ name, path string }{{"csv", csvPath}, {"parquet", parquetPath}} {
		t.Run(tc.name, func(t *testing.T) {
			sum, got := ingestRows(t, tc.path)
			if sum.FilesRead != 1 || sum.Skipped() != 0 {
				t.Fatalf("result: %d files read, skipped %v", sum.FilesRead, sum.FilesSkipped)
			}
			if sum.EventsRead != rawSum.EventsRead {
				t.Errorf("the result stands for %d events, the raw records hold %d usable ones", sum.EventsRead, rawSum.EventsRead)
			}
			if d := diffRows(got, want); d != "" {
				t.Errorf("usage from the query differs from ingest's:\n%s", d)
			}
		})
	}
}

// diffRows describes how two row lists differ, or returns "".
func diffRows(got, want []store.Row) string {
	if reflect.DeepEqual(got, want) {
		return ""
	}
	var b strings.Builder
	g, w := map[string]store.Row{}, map[string]store.Row{}
	key := func(r store.Row) string {
		x, _ := json.Marshal(r)
		return string(x)
	}
	for _, r := range got {
		g[key(r)] = r
	}
	for _, r := range want {
		w[key(r)] = r
	}
	only := func(prefix string, m, other map[string]store.Row) {
		keys := slices.Sorted(maps.Keys(m))
		for _, k := range keys {
			if _, ok := other[k]; !ok && b.Len() < 12000 {
				b.WriteString(prefix + k + "\n")
			}
		}
	}
	only("only from the query: ", g, w)
	only("only from ingest:    ", w, g)
	b.WriteString("(rows: query " + strconv.Itoa(len(got)) + ", ingest " + strconv.Itoa(len(want)) + ")")
	return b.String()
}

// TestQueryParamCap: an event with more than 64 identifying parameters
// keeps 64 either way, but which 64 differs: iamtailor takes the first in
// document order (depth first), the query the first of a breadth-first walk
// over maps, which SQL engines do not keep in document order.
func TestQueryParamCap(t *testing.T) {
	params := map[string]any{}
	nested := map[string]any{}
	for i := range 40 {
		nested[fmtName("NestedName", i)] = fmtName("n", i)
	}
	params["a"] = nested
	for i := range 30 {
		params[fmtName("TopName", i)] = fmtName("t", i)
	}
	ev, _ := json.Marshal(map[string]any{
		"eventVersion": "1.09", "eventTime": "2024-06-01T00:00:00Z", "eventSource": "s3.amazonaws.com",
		"eventName": "ManyParams", "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
		"userIdentity":      map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/u"},
		"requestParameters": params,
	})
	query, err := Query(QueryOptions{Table: "cloudtrail_logs_pp"})
	if err != nil {
		t.Fatal(err)
	}
	csvPath, _ := runDuckDB(t, []json.RawMessage{ev}, []partition{{"111122223333", "us-east-1", "2024/06/01"}}, query)
	_, got := ingestRows(t, csvPath)
	raw := filepath.Join(t.TempDir(), "raw.json")
	writeRecords(t, raw, []json.RawMessage{ev})
	_, want := ingestRows(t, raw)
	if len(got) != 1 || len(want) != 1 {
		t.Fatalf("rows: query %d, ingest %d; want one each", len(got), len(want))
	}
	all := map[string]bool{}
	for k, v := range nested {
		all["a."+k+"="+v.(string)] = true
	}
	for k, v := range params {
		if s, ok := v.(string); ok {
			all[k+"="+s] = true
		}
	}
	for name, r := range map[string]store.Row{"query": got[0], "ingest": want[0]} {
		if len(r.Params) != 64 {
			t.Errorf("%s keeps %d parameters, want 64", name, len(r.Params))
		}
		for _, p := range r.Params {
			if !all[p.Name+"="+p.Value] {
				t.Errorf("%s keeps %s=%s, which the event does not have", name, p.Name, p.Value)
			}
		}
	}
	g, w := got[0], want[0]
	g.Params, w.Params = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("beyond the parameters the rows differ:\n got  %+v\n want %+v", g, w)
	}
}

// fmtName numbers a name before its last word: k3Name.
func fmtName(word string, i int) string { return "k" + strconv.Itoa(i) + word }

// TestQueryWindow runs the query with a time window, accounts and regions,
// over the project's trail in its real partitions (files delivered after
// midnight hold the previous day's events), for each partitioning, and
// requires the rows `ingest` makes with the same filter.
func TestQueryWindow(t *testing.T) {
	root := repoRoot(t)
	var files []string
	filepath.WalkDir(filepath.Join(root, "testdata", "logs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(filepath.ToSlash(p), "/CloudTrail/") {
			files = append(files, p)
		}
		return err
	})
	fx := loadFixture(t, files...)
	for _, tc := range []struct {
		name   string
		filter ingest.Filter
	}{
		{"one day", ingest.Filter{Since: day("2024-06-01"), Until: day("2024-06-02")}},
		{"from a time", ingest.Filter{Since: time.Date(2024, 6, 1, 14, 0, 0, 0, time.UTC)}},
		{"until a time", ingest.Filter{Until: time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)}},
		{"account", ingest.Filter{Accounts: []string{"444455556666"}}},
		{"region and day", ingest.Filter{Since: day("2024-05-31"), Until: day("2024-06-01"), Regions: []string{"us-east-1"}}},
		{"accounts, regions, window", ingest.Filter{Since: day("2024-06-01"), Until: day("2024-06-03"),
			Accounts: []string{"111122223333", "777788889999"}, Regions: []string{"us-east-1", "us-gov-west-1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := filteredIngest(t, files, tc.filter)
			if len(want) == 0 {
				t.Fatal("the filter selects nothing: the case tests nothing")
			}
			for _, parts := range Partitionings {
				query, err := Query(QueryOptions{Table: "cloudtrail_logs_pp", Since: tc.filter.Since, Until: tc.filter.Until,
					Accounts: tc.filter.Accounts, Regions: tc.filter.Regions, Partitions: parts})
				if err != nil {
					t.Fatal(err)
				}
				csvPath, _ := runDuckDB(t, fx.events, fx.partitions, query)
				_, got := ingestRows(t, csvPath)
				if d := diffRows(got, want); d != "" {
					t.Errorf("partitions %s: usage differs:\n%s", parts, d)
				}
			}
		})
	}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// filteredIngest is `ingest` over the files with a filter, and without the
// table's blind spots (athenaVisible), which this trail does not have.
func filteredIngest(t *testing.T, files []string, f ingest.Filter) []store.Row {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "usage"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := ingest.NewLocalSource(filepath.Join(repoRoot(t), "testdata", "logs"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, ingest.Options{Sources: []ingest.Source{src}, Store: st, Filter: f}); err != nil {
		t.Fatal(err)
	}
	var rows []store.Row
	st.Rows(ctx, func(r *store.Row) error {
		rows = append(rows, *r)
		return nil
	})
	return rows
}

// TestQueryGolden keeps the printed SQL under review.
func TestQueryGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    QueryOptions
	}{
		{"default", QueryOptions{Table: "cloudtrail_logs_pp"}},
		{"org_window", QueryOptions{Table: `awsdatacatalog.security."org-trail"`, Since: day("2024-06-01"), Until: day("2024-07-01"),
			Accounts: []string{"111122223333"}, Regions: []string{"eu-west-1", "us-east-1"}, Partitions: PartitionAccountRegionDate}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Query(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "TestQueryGolden_"+tc.name+".golden")
			if *update {
				os.WriteFile(golden, []byte(q), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if q != string(want) {
				t.Errorf("query differs from %s (run with -update if the change is intended)", golden)
			}
		})
	}
}

// TestQueryOptions refuses what cannot make a valid query.
func TestQueryOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    QueryOptions
		err  string
	}{
		{"no table", QueryOptions{}, "want name"},
		{"injection", QueryOptions{Table: "t; DROP TABLE x"}, "neither a plain name"},
		{"four parts", QueryOptions{Table: "a.b.c.d"}, "want name"},
		{"bad account", QueryOptions{Table: "t", Accounts: []string{"1234"}}, "want 12 digits"},
		{"bad region", QueryOptions{Table: "t", Regions: []string{"us-east-1'"}}, "region"},
		{"empty window", QueryOptions{Table: "t", Since: day("2024-06-02"), Until: day("2024-06-01")}, "not before"},
		{"partitions", QueryOptions{Table: "t", Partitions: "year"}, "want one of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Query(tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("err = %v, want one saying %q", err, tc.err)
			}
		})
	}
}

// TestRuleListsMatchIngest reads the word lists of the request-parameter
// rule from ingest's source (params.go) and requires the query's to be the
// same, so that a change to the rule cannot leave the SQL behind unnoticed
// even for words no fixture uses.
func TestRuleListsMatchIngest(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "ingest", "params.go"))
	if err != nil {
		t.Fatal(err)
	}
	list := func(name string) []string {
		m := regexp.MustCompile(`(?s)var ` + name + ` = \[\]string\{(.*?)\n\}`).FindSubmatch(src)
		if m == nil {
			t.Fatalf("params.go has no var %s = []string{…}: update this test and the query together", name)
		}
		var words []string
		for _, w := range regexp.MustCompile(`"([^"]*)"`).FindAllSubmatch(m[1], -1) {
			words = append(words, string(w[1]))
		}
		return words
	}
	for name, ours := range map[string][]string{"denyWords": denyWords, "keepSuffixes": keepSuffixes} {
		if theirs := list(name); !slices.Equal(theirs, ours) {
			t.Errorf("%s: ingest has %q, the query %q", name, theirs, ours)
		}
	}
	for _, c := range []struct {
		name string
		want int
	}{{"maxParams", maxParams}, {"maxParamKeys", maxKeys}, {"maxParamContainers", maxContainers}, {"maxParamValue", 1024},
		{"maxParamKeyLen", 128}, {"maxPresenceValue", maxPresenceValue}, {"maxStatementWord", maxStatementWord}} {
		m := regexp.MustCompile(`\b` + c.name + `\s*=\s*([0-9]+)`).FindSubmatch(src)
		if m == nil || string(m[1]) != strconv.Itoa(c.want) {
			t.Errorf("params.go's %s is %q, the query uses %d", c.name, m, c.want)
		}
	}
	if !bytes.Contains(src, []byte(`"secretids", "secretid", "secretarns", "secretarn", "secretnames", "secretname"`)) {
		t.Error("params.go's secretIdentifiers changed: update the query's secret rule")
	}
}
