package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/format"
)

// TestHybrid checks the RLE / bit-packing hybrid encoder against
// parquet-go's decoder: runs shorter and longer than 8, runs that start
// inside a group of 8, literal runs past the 63 groups one header byte
// holds, every width, values put one by one and as runs.
func TestHybrid(t *testing.T) {
	rep := func(v uint32, n int) []uint32 {
		out := make([]uint32, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	seq := func(n int, mod uint32) []uint32 {
		out := make([]uint32, n)
		for i := range out {
			out[i] = uint32(i*7+3) % mod
		}
		return out
	}
	cat := func(parts ...[]uint32) []uint32 { return slices.Concat(parts...) }
	rng := rand.New(rand.NewPCG(1, 2))
	var runs []uint32
	for range 300 {
		runs = append(runs, rep(rng.Uint32N(5), 1+rng.IntN(20))...)
	}
	tests := []struct {
		name   string
		width  uint
		values []uint32
	}{
		{"one value", 1, []uint32{1}},
		{"a zero", 1, []uint32{0}},
		{"seven equal", 3, rep(5, 7)},
		{"eight equal", 3, rep(5, 8)},
		{"nine equal", 3, rep(5, 9)},
		{"a long run", 2, rep(3, 100_000)},
		{"alternating", 1, cat(seq(1000, 2))},
		{"literals then a run", 4, cat(seq(10, 16), rep(3, 50))},
		{"a run then literals", 4, cat(rep(3, 50), seq(13, 16))},
		{"a run inside a group", 4, cat(seq(5, 16), rep(9, 30), seq(3, 16), rep(2, 8), seq(9, 16))},
		{"more literals than a header byte counts", 7, seq(1000, 128)},
		{"width 8", 8, cat(seq(777, 256), rep(255, 20))},
		{"width 13", 13, cat(seq(777, 1<<13), rep(1<<13-1, 20))},
		{"width 20", 20, cat(seq(500, 1<<20), rep(12345, 9))},
		{"width 32", 32, cat([]uint32{1<<32 - 1, 0, 1 << 31}, rep(1<<32-1, 12), seq(30, 1<<31))},
		{"random runs", 3, runs},
	}
	for _, tt := range tests {
		for _, byRuns := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/runs=%v", tt.name, byRuns), func(t *testing.T) {
				var h hybrid
				h.reset(nil, tt.width)
				if byRuns {
					for i := 0; i < len(tt.values); {
						j := i
						for j < len(tt.values) && tt.values[j] == tt.values[i] {
							j++
						}
						h.putRun(tt.values[i], j-i)
						i = j
					}
				} else {
					for _, v := range tt.values {
						h.put(v)
					}
				}
				enc := h.finish()
				got, err := (&rle.Encoding{BitWidth: int(tt.width)}).DecodeInt32(nil, enc)
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				// Only the last group of literals may be padded.
				if len(got) < len(tt.values) || len(got) > len(tt.values)+7 {
					t.Fatalf("decoded %d values, want %d", len(got), len(tt.values))
				}
				for i, v := range tt.values {
					if uint32(got[i]) != v {
						t.Fatalf("value %d is %d, want %d", i, uint32(got[i]), v)
					}
				}
			})
		}
	}
}

// richRows are rows that use every column: every group field, empty or
// not, identifiers with empty fields, zero bytes, non-ASCII text, values
// longer than a page, over two months.
func richRows(rng *rand.Rand, n int) []Row {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	long := strings.Repeat("segment/", 200)
	out := make([]Row, n)
	for i := range out {
		day := int32(19_800 + rng.IntN(40))
		r := Row{
			Day:                day,
			IdentityType:       pick("AssumedRole", "IAMUser", "AWSService", ""),
			IdentityARN:        pick("arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:user/b", "arn:aws-cn:iam::444455556666:role/c/d", ""),
			IdentityAccount:    pick("111122223333", "444455556666", ""),
			PrincipalID:        pick("AROAEXAMPLE", "AIDAEXAMPLE", ""),
			UserName:           pick("", "", "bob", "zoë"),
			IssuerType:         pick("", "Role"),
			IssuerARN:          pick("", "arn:aws:iam::111122223333:role/a"),
			IssuerAccount:      pick("", "111122223333"),
			InvokedBy:          pick("", "", "lambda.amazonaws.com"),
			IdentityProvider:   pick("", "", "", "arn:aws:iam::1:saml-provider/x"),
			OnBehalfOfUserID:   pick("", "", "", "user-\x00-id"),
			OnBehalfOfStoreARN: "",
			Account:            pick("111122223333", "444455556666"),
			Region:             pick("us-east-1", "eu-west-1", "cn-north-1"),
			EventSource:        pick("s3.amazonaws.com", "kms.amazonaws.com", "sts.amazonaws.com"),
			EventName:          pick("GetObject", "PutObject", "Decrypt", "AssumeRole"),
			EventType:          pick("AwsApiCall", "AwsServiceEvent"),
			EventCategory:      pick("Management", "Data", ""),
			ReadOnly:           pick("true", "false", ""),
			ErrorCode:          pick("", "", "", "AccessDenied", "NoSuchKey"),
			Shared:             rng.IntN(5) == 0,
			Count:              1 + rng.Int64N(1000),
		}
		if r.ErrorCode != "" {
			r.ErrorMessage = pick("denied", "no such key: \x00", "très long "+long)
		}
		r.FirstSeen = int64(day)*86_400_000 + rng.Int64N(86_400_000/2)
		r.LastSeen = r.FirstSeen + rng.Int64N(86_400_000/2)
		for range rng.IntN(4) {
			r.Resources = append(r.Resources, Resource{
				ARN:       pick("", "arn:aws:s3:::b1/"+fmt.Sprint(rng.IntN(500)), "arn:aws:s3:::b2/"+long+fmt.Sprint(rng.IntN(3)), "arn:aws:kms:us-east-1:111122223333:key/ü"),
				AccountID: pick("", "111122223333", "444455556666"),
				Type:      pick("", "AWS::S3::Object", "AWS::KMS::Key"),
			})
		}
		for range rng.IntN(4) {
			r.Params = append(r.Params, Param{
				Name:  pick("key", "bucketName", "keyId", ""),
				Value: pick("", "logs/"+fmt.Sprint(rng.IntN(800)), "x\x00y", long),
			})
		}
		out[i] = r
	}
	return out
}

// smallLayout lowers row groups, pages and dictionaries so that a few
// thousand rows make many of each, and dictionaries that overflow.
func smallLayout(t *testing.T) {
	rows, page, dict := usageRowGroupRows, pageTargetBytes, dictionaryMaxBytes
	t.Cleanup(func() { usageRowGroupRows, pageTargetBytes, dictionaryMaxBytes = rows, page, dict })
	usageRowGroupRows, pageTargetBytes, dictionaryMaxBytes = 37, 700, 400
}

// TestUsageFilesIndependentOfCores checks that the data files are a
// function of the rows alone: one table or several, any number of cores
// (workers encoding columns, parts merged at once), one commit or two
// (the second merging into the month files, row by row), give the same
// bytes, which read back as the rows.
func TestUsageFilesIndependentOfCores(t *testing.T) {
	smallLayout(t)
	ctx := context.Background()
	opts := TableOptions{MaxResourceSets: 6}
	rows := richRows(rand.New(rand.NewPCG(7, 7)), 4000)
	want := tableOf(opts, rows).Rows()
	ways := []struct {
		name            string
		procs, tables   int
		commits, splits int
	}{
		{"one core, one table", 1, 1, 1, 1},
		{"four cores, one table", 4, 1, 1, 1},
		{"one core, three tables", 1, 3, 1, 1},
		{"four cores, three tables", 4, 3, 1, 1},
		{"two cores, two tables, two commits", 2, 2, 2, 1},
	}
	var first map[string]string
	var firstName string
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(w.procs))
			dir := t.TempDir()
			for c := range w.commits {
				part := rows[c*len(rows)/w.commits : (c+1)*len(rows)/w.commits]
				tables := make([]*Table, w.tables)
				for i := range tables {
					tables[i] = NewTable(opts)
				}
				for i := range part {
					tables[(i*7)%w.tables].Add(&part[i])
				}
				s, err := Open(ctx, dir)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.CommitTables(ctx, tables, nil); err != nil {
					t.Fatal(err)
				}
			}
			got := readRows(t, dir, ReadOptions{})
			if !reflect.DeepEqual(got, want) {
				for i := range min(len(got), len(want)) {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("row %d read back:\n%+v\nwant:\n%+v", i, got[i], want[i])
					}
				}
				t.Fatalf("read %d rows back, want %d", len(got), len(want))
			}
			files := storeFiles(t, dir)
			if first == nil {
				first, firstName = files, w.name
				checkLayout(t, dir)
			} else if !reflect.DeepEqual(files, first) {
				t.Errorf("files %v differ from %s's %v", slices.Sorted(mapKeys(files)), firstName, slices.Sorted(mapKeys(first)))
			}
		})
	}
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// checkLayout checks that the store's first data file holds what the
// test means to exercise: many row groups, column chunks of several data
// pages, dictionary columns written with a dictionary and without one
// (when it overflows), and statistics that hold the column's values.
func checkLayout(t *testing.T, dir string) {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "usage-*.parquet"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no data file in %s (%v)", dir, err)
	}
	f, err := os.Open(names[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	md := pf.Metadata()
	var withDict, withoutDict, multiPage int
	for _, rg := range md.RowGroups {
		for i, c := range rg.Columns {
			m := c.MetaData
			if usageLeaves[i].dict {
				if m.DictionaryPageOffset > 0 {
					withDict++
				} else {
					withoutDict++
				}
			}
			for _, es := range m.EncodingStats {
				if es.PageType == format.DataPageV2 && es.Count > 1 {
					multiPage++
				}
			}
		}
	}
	if len(md.RowGroups) < 10 || withDict == 0 || withoutDict == 0 || multiPage == 0 {
		t.Errorf("%d row groups, %d dictionary chunks, %d dictionary columns written plain, %d chunks of several pages: the test exercises too little",
			len(md.RowGroups), withDict, withoutDict, multiPage)
	}
	if md.CreatedBy != "iamtailor version usage-store-1(build -)" {
		t.Errorf("created_by %q", md.CreatedBy)
	}
}

// TestDuckDBReadsEveryColumn checks that DuckDB reads every column of
// files of many row groups, pages, dictionary and plain chunks back as
// the rows written, and that filters it answers by skipping row groups on
// their statistics count the rows they should.
func TestDuckDBReadsEveryColumn(t *testing.T) {
	smallLayout(t)
	dir := t.TempDir()
	opts := TableOptions{MaxResourceSets: 6}
	rows := richRows(rand.New(rand.NewPCG(8, 8)), 3000)
	for i := range 12 { // one group cut, one dropped
		rows = append(rows, s3Row(19_810, "cut", "GetObject", fmt.Sprintf("bk/d/%d", i)))
		rows = append(rows, s3Row(19_811, "dropped", "GetObject", fmt.Sprintf("bk%d", i)))
	}
	// The script reads the manifest too.
	commit(t, dir, opts, fixture{rows: rows, objects: makeFixture(9, 0, 2).objects})
	checkLayout(t, dir)
	want := tableOf(opts, rows).Rows()

	date := func(d int32) string { return "DATE '" + DayTime(d).Format("2006-01-02") + "'" }
	ts := int64(19_820)*msPerDay + 3_600_000
	filters := []struct {
		sql  string
		keep func(r *Row) bool
	}{
		{"day = " + date(19_805), func(r *Row) bool { return r.Day == 19_805 }},
		{"day >= " + date(19_812) + " and day < " + date(19_815), func(r *Row) bool { return r.Day >= 19_812 && r.Day < 19_815 }},
		{"identity_arn = 'arn:aws:iam::111122223333:user/b'", func(r *Row) bool { return r.IdentityARN == "arn:aws:iam::111122223333:user/b" }},
		{"identity_arn is null", func(r *Row) bool { return r.IdentityARN == "" }},
		{"user_name = 'zoë'", func(r *Row) bool { return r.UserName == "zoë" }},
		{"event_name = 'Decrypt'", func(r *Row) bool { return r.EventName == "Decrypt" }},
		{"region = 'cn-north-1'", func(r *Row) bool { return r.Region == "cn-north-1" }},
		{"error_code is null", func(r *Row) bool { return r.ErrorCode == "" }},
		{"error_message = 'denied'", func(r *Row) bool { return r.ErrorMessage == "denied" }},
		{"read_only = 'false'", func(r *Row) bool { return r.ReadOnly == "false" }},
		{"shared", func(r *Row) bool { return r.Shared }},
		{"coarsened = 2", func(r *Row) bool { return r.Coarsened == 2 }},
		{"count > 990", func(r *Row) bool { return r.Count > 990 }},
		{"first_seen >= to_timestamp(" + fmt.Sprint(ts/1000) + ")", func(r *Row) bool { return r.FirstSeen >= ts }},
	}
	var preds []string
	for _, f := range filters {
		preds = append(preds, f.sql)
	}
	var got duckResult
	if err := json.Unmarshal(duckdb(t, dir, preds...), &got); err != nil {
		t.Fatalf("DuckDB output: %v", err)
	}
	checkDuckRows(t, &got, want)
	if len(got.Filters) != len(filters) {
		t.Fatalf("DuckDB answered %d filters of %d", len(got.Filters), len(filters))
	}
	for i, f := range filters {
		n := 0
		for j := range want {
			if f.keep(&want[j]) {
				n++
			}
		}
		if got.Filters[i].Rows != fmt.Sprint(n) {
			t.Errorf("where %s: DuckDB counts %s rows, want %d", f.sql, got.Filters[i].Rows, n)
		}
	}
}
