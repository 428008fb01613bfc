package athena

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/s3source"
	"github.com/iamtailor/iamtailor/ingest/s3source/s3test"
	"github.com/iamtailor/iamtailor/ingest/store"
)

const header = `"day","identity_type","identity_arn","identity_account","principal_id","user_name","issuer_type","issuer_arn","issuer_account","invoked_by","identity_provider","on_behalf_of_user_id","on_behalf_of_store_arn","account","region","event_source","event_name","event_type","event_category","read_only","error_code","error_message","shared","resources","params","count","first_seen","last_seen"`

// goodFields is one row; null marks a NULL, which Athena writes as an
// empty unquoted field.
const null = "\x00"

var goodFields = []string{"2024-06-01", "AssumedRole", "arn:aws:sts::111122223333:assumed-role/app", "111122223333", "AROAEXAMPLE", "",
	"Role", "arn:aws:iam::111122223333:role/app", "111122223333", null, "", "", "", "111122223333", "us-east-1",
	"s3.amazonaws.com", "GetObject", "AwsApiCall", "Data", "true", "AccessDenied", "User: \"x\" is not\nauthorized", "false",
	`[["arn:aws:s3:::b/k","111122223333","AWS::S3::Object"]]`, `[["bucketName","b"],["key","k"]]`, "3", "1717200000000", "1717210000000"}

// csvLine writes fields as Athena does: every field quoted, quotes
// doubled, NULL as an empty field.
func csvLine(fields []string, field int, value string) string {
	var out []string
	for i, f := range fields {
		if i == field {
			f = value
		}
		if f == null {
			out = append(out, "")
			continue
		}
		out = append(out, `"`+strings.ReplaceAll(f, `"`, `""`)+`"`)
	}
	return strings.Join(out, ",")
}

var goodLine = csvLine(goodFields, -1, "")

// TestReadCSV reads Athena's CSV: rows with their counts, and a file with
// one malformed row refused as a whole, naming the line.
func TestReadCSV(t *testing.T) {
	with := func(field int, value string) string { return header + "\n" + csvLine(goodFields, field, value) + "\n" }
	// Quoted only where needed, as other engines write CSV.
	var plain []string
	for _, f := range goodFields {
		switch {
		case f == null:
			f = ""
		case strings.ContainsAny(f, "\",\n"):
			f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		plain = append(plain, f)
	}
	for _, tc := range []struct {
		name   string
		data   string
		rows   int
		events int64
		reason ingest.SkipReason
		detail string
	}{
		{"good", header + "\n" + goodLine + "\n", 1, 3, "", ""},
		{"no rows", header + "\n", 0, 0, "", ""},
		{"unquoted, CRLF, BOM", "\ufeff" + strings.ReplaceAll(header, `"`, "") + "\r\n" + strings.Join(plain, ",") + "\r\n", 1, 3, "", ""},
		{"bad count", with(25, "x"), 0, 0, SkipInvalidResult, "line 2: count"},
		{"zero count", with(25, "0"), 0, 0, SkipInvalidResult, "line 2: count 0"},
		{"time outside the day", with(26, "1"), 0, 0, SkipInvalidResult, "not in day 2024-06-01"},
		{"bad resources", with(23, "[1]"), 0, 0, SkipInvalidResult, "resources"},
		{"bad params", with(24, `[["a"]]`), 0, 0, SkipInvalidResult, "params"},
		{"bad shared", with(22, "maybe"), 0, 0, SkipInvalidResult, "shared"},
		{"bad read_only", with(19, "yes"), 0, 0, SkipInvalidResult, "read_only"},
		{"no event", with(16, ""), 0, 0, SkipInvalidResult, "no event_source"},
		{"short row", header + "\n\"2024-06-01\",\"x\"\n", 0, 0, SkipInvalidResult, "wrong number of fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rows []store.Row
			res, err := ReadCSV(strings.NewReader(tc.data), func(r *store.Row) error {
				c := *r
				c.Resources = append([]store.Resource(nil), r.Resources...)
				c.Params = append([]store.Param(nil), r.Params...)
				rows = append(rows, c)
				return nil
			})
			if tc.reason != "" {
				fe, ok := err.(*ingest.FileError)
				if !ok || fe.Reason != tc.reason || !strings.Contains(err.Error(), tc.detail) {
					t.Fatalf("err = %v, want %s saying %q", err, tc.reason, tc.detail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.rows || res.Events != tc.events {
				t.Fatalf("%d rows, %d events; want %d, %d", len(rows), res.Events, tc.rows, tc.events)
			}
			if tc.rows == 1 {
				r := rows[0]
				if r.Day != 19875 || r.Count != 3 || r.IdentityARN != "arn:aws:sts::111122223333:assumed-role/app" ||
					!strings.HasPrefix(r.ErrorMessage, "User:") || !strings.HasSuffix(r.ErrorMessage, "authorized") || len(r.Resources) != 1 || len(r.Params) != 2 ||
					r.ReadOnly != "true" || r.Shared || r.InvokedBy != "" || r.FirstSeen != 1717200000000 {
					t.Errorf("row %+v", r)
				}
			}
		})
	}
}

// TestResultNotRecognised: objects that look like a result by their first
// bytes but are not one go on to the decoder or are refused.
func TestResultNotRecognised(t *testing.T) {
	dir := t.TempDir()
	var other bytes.Buffer
	type kv struct {
		Day   string `parquet:"day"`
		Count int64  `parquet:"count"`
	}
	parquet.Write(&other, []kv{{"2024-06-01", 1}})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(header + "\n" + goodLine + "\n"))
	zw.Close()
	good := header + "\n" + goodLine + "\n"
	files := map[string][]byte{
		"other-columns.csv":   []byte(`"day","identity_type","identity_arn","x"` + "\n"),
		"other.parquet":       other.Bytes(),
		"truncated.parquet":   other.Bytes()[:other.Len()/2],
		"gzipped.csv.gz":      gz.Bytes(),
		"result.csv":          []byte(good),
		"result.csv.metadata": {0x0a, 0x0b, 0x08, 0x01},
	}
	for name, data := range files {
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	sum, rows := ingestRows(t, dir)
	want := map[ingest.SkipReason]int64{ingest.SkipNotCloudTrail: 4, ingest.SkipInvalidParquet: 1}
	if sum.FilesRead != 1 || len(rows) != 1 || sum.FilesSkipped[ingest.SkipNotCloudTrail] != 4 || sum.FilesSkipped[ingest.SkipInvalidParquet] != 1 {
		t.Errorf("read %d files (%d rows), skipped %v; want the result read and skipped %v", sum.FilesRead, len(rows), sum.FilesSkipped, want)
	}
}

// TestResultFromS3 reads a CSV result and a Parquet result from an S3
// bucket in Athena's output layout (served by gofakes3) and requires the
// rows the same files give locally.
func TestResultFromS3(t *testing.T) {
	ctx := context.Background()
	fx := loadFixture(t, filepath.Join("testdata", "edge-events.json"))
	query, err := Query(QueryOptions{Table: "cloudtrail_logs_pp"})
	if err != nil {
		t.Fatal(err)
	}
	csvPath, parquetPath := runDuckDB(t, fx.events, fx.partitions, query)
	_, want := ingestRows(t, csvPath)

	srv := s3test.StartGofakes3(t)
	client := s3test.Client(srv.URL)
	s3test.Fill(t, srv.URL, "athena-results", t.TempDir())
	for key, path := range map[string]string{
		"Unsaved/2024/06/30/0d7f4b7c-1b2e-4c3a-9f00-000000000001.csv": csvPath,
		"unload/iamtailor/20240630_000000_00001_abcde_1.parquet":      parquetPath,
	} {
		if err := s3test.Put(ctx, client, "athena-results", key, path); err != nil {
			t.Fatal(err)
		}
	}
	for _, prefix := range []string{"Unsaved/", "unload/"} {
		src, err := s3source.NewSource(client, "s3://athena-results/"+prefix)
		if err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(ctx, filepath.Join(t.TempDir(), "usage"))
		if err != nil {
			t.Fatal(err)
		}
		sum, err := ingest.Run(ctx, ingest.Options{Sources: []ingest.Source{src}, Store: st, Formats: []ingest.ObjectFormat{ResultFormat{}}})
		if err != nil || sum.FilesRead != 1 || sum.Skipped() != 0 {
			t.Fatalf("%s: %v, %d read, skipped %v", prefix, err, sum.FilesRead, sum.FilesSkipped)
		}
		var got []store.Row
		st.Rows(ctx, func(r *store.Row) error {
			got = append(got, *r)
			return nil
		})
		if d := diffRows(got, want); d != "" {
			t.Errorf("%s from S3:\n%s", prefix, d)
		}
	}
}
