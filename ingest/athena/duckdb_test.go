package athena

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// The query is tested in DuckDB: the CloudTrail events are loaded into a
// DuckDB table shaped like the Athena table AWS documents, the query text
// Query prints is run after the mechanical substitutions below, with the
// macros below standing in for Trino functions DuckDB lacks, and its result
// (CSV and Parquet) is ingested and compared with `ingest` on the raw
// events.

// trinoToDuckDB are the textual substitutions, in order. They rename
// functions DuckDB has under another name or with other semantics, and
// Trino type syntax. Nothing else in the query is touched.
var trinoToDuckDB = []struct {
	from *regexp.Regexp
	to   string
	why  string
}{
	{regexp.MustCompile(`\btransform\(`), "list_transform(", "Trino's transform; a DuckDB macro cannot take a lambda"},
	{regexp.MustCompile(`\bregexp_replace\(`), "t_regexp_replace(", "Trino replaces every match and writes groups $1; DuckDB's replaces the first unless 'g', and writes \\1 (macro)"},
	{regexp.MustCompile(`\bcardinality\(`), "len(", "DuckDB's cardinality is for maps"},
	{regexp.MustCompile(`\blength\(to_utf8\(`), "octet_length(to_utf8(", "the byte length: DuckDB's length takes no BLOB"},
	{regexp.MustCompile(`\bARRAY\((JSON|VARCHAR)\)`), "$1[]", "array type syntax"},
	{regexp.MustCompile(`\bAS ROW\(`), "AS STRUCT(", "row type syntax"},
}

// duckdbMacros stand in for Trino functions under their Trino names.
const duckdbMacros = `
SET TimeZone = 'UTC';
CREATE MACRO json_parse(s) AS CAST(s AS JSON);
CREATE MACRO json_format(j) AS CAST(j AS VARCHAR);
CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p);
CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ);
CREATE MACRO regexp_like(s, p) AS regexp_matches(s, p);
CREATE MACRO sequence(a, b) AS generate_series(a, b);
CREATE MACRO array_join(l, sep) AS array_to_string(l, sep);
CREATE MACRO slice(l, s, n) AS list_slice(l, s, s + n - 1);
CREATE MACRO to_utf8(s) AS encode(s);
CREATE MACRO t_regexp_replace(s, p) AS regexp_replace(s, p, '', 'g'),
  (s, p, r) AS regexp_replace(s, p, regexp_replace(r, '\$([0-9])', '\\\1', 'g'), 'g');
`

func toDuckDB(query string) string {
	for _, s := range trinoToDuckDB {
		query = s.from.ReplaceAllString(query, s.to)
	}
	return query
}

// hiveType is a column type of the Athena table.
type hiveType struct {
	kind   string // string, struct, array, map
	fields []hiveField
	elem   *hiveType
}

type hiveField struct {
	name string
	typ  hiveType
}

var str = hiveType{kind: "string"}

func f(name string, t hiveType) hiveField { return hiveField{name, t} }

// fields takes field names (string columns) and hiveFields.
func fields(parts ...any) []hiveField {
	var out []hiveField
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, f(v, str))
		case hiveField:
			out = append(out, v)
		}
	}
	return out
}

func st(parts ...any) hiveType { return hiveType{kind: "struct", fields: fields(parts...)} }

// cloudTrailTable is the columns of cloudtrail_logs_pp as AWS documents it
// ("Create the table for CloudTrail logs in Athena using partition
// projection"), and its partition "timestamp".
var cloudTrailTable = fields(
	"eventversion",
	f("useridentity", st("type", "principalid", "arn", "accountid", "invokedby", "accesskeyid", "username",
		f("onbehalfof", st("userid", "identitystorearn")),
		f("sessioncontext", st(
			f("attributes", st("mfaauthenticated", "creationdate")),
			f("sessionissuer", st("type", "principalid", "arn", "accountid", "username")),
			"ec2roledelivery",
			f("webidfederationdata", st("federatedprovider", f("attributes", hiveType{kind: "map"}))))))),
	"eventtime", "eventsource", "eventname", "awsregion", "sourceipaddress", "useragent",
	"errorcode", "errormessage", "requestparameters", "responseelements", "additionaleventdata",
	"requestid", "eventid", "readonly",
	f("resources", hiveType{kind: "array", elem: &hiveType{kind: "struct", fields: fields("arn", "accountid", "type")}}),
	"eventtype", "apiversion", "recipientaccountid", "serviceeventdetails", "sharedeventid",
	"vpcendpointid", "vpcendpointaccountid", "eventcategory",
	f("addendum", st("reason", "updatedfields", "originalrequestid", "originaleventid")),
	"sessioncredentialfromconsole", "edgedevicedetails",
	f("tlsdetails", st("tlsversion", "ciphersuite", "clientprovidedhostheader")),
	// Partitions: "timestamp" in the documented table; account, region and
	// "date" in the organization-trail form, here too so that one table
	// serves every Partitioning.
	"timestamp", "account", "region", "date",
)

func (t hiveType) duckdb() string {
	switch t.kind {
	case "struct":
		var parts []string
		for _, f := range t.fields {
			parts = append(parts, `"`+f.name+`" `+f.typ.duckdb())
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	case "array":
		return t.elem.duckdb() + "[]"
	case "map":
		return "MAP(VARCHAR, VARCHAR)"
	}
	return "VARCHAR"
}

// hiveValue is what the Hive JSON SerDe Athena uses makes of a JSON value
// for a column of type t: a string column takes a JSON string's text and
// any other value's JSON (requestparameters keeps its JSON text, readonly
// becomes "true"); struct fields are matched to keys ignoring case.
func hiveValue(raw json.RawMessage, t hiveType) any {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	switch t.kind {
	case "string":
		var s string
		if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
			return s
		}
		var b bytes.Buffer
		json.Compact(&b, raw)
		return b.String()
	case "struct":
		var m map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
			return nil
		}
		out := map[string]any{}
		for _, f := range t.fields {
			for k, v := range m {
				if strings.EqualFold(k, f.name) {
					out[f.name] = hiveValue(v, f.typ)
					break
				}
			}
		}
		return out
	case "array":
		var list []json.RawMessage
		if raw[0] != '[' || json.Unmarshal(raw, &list) != nil {
			return nil
		}
		out := []any{}
		for _, e := range list {
			out = append(out, hiveValue(e, *t.elem))
		}
		return out
	case "map":
		var m map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
			return nil
		}
		out := map[string]any{}
		for k, v := range m {
			out[k] = hiveValue(v, str)
		}
		return out
	}
	return nil
}

// partition is where an event's file sits: its account, region and
// delivery day (yyyy/MM/dd).
type partition struct{ account, region, day string }

// athenaRow is one event as a row of the table, partitions included.
func athenaRow(event json.RawMessage, p partition) map[string]any {
	row := hiveValue(event, hiveType{kind: "struct", fields: cloudTrailTable}).(map[string]any)
	row["timestamp"], row["date"], row["account"], row["region"] = p.day, p.day, p.account, p.region
	return row
}

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

// runDuckDB loads the events into cloudtrail_logs_pp and runs the query
// there, returning the CSV and Parquet results.
func runDuckDB(t testing.TB, events []json.RawMessage, partitions []partition, query string) (csvPath, parquetPath string) {
	t.Helper()
	modules := filepath.Join(repoRoot(t), "testdata", "node", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "@duckdb", "node-api")); err != nil {
		t.Fatalf("@duckdb/node-api is not installed in %s: `make test` (or `make tools`) installs it", modules)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: install Node.js, then `make test` installs the packages it needs")
	}
	dir := t.TempDir()
	var nd bytes.Buffer
	enc := json.NewEncoder(&nd)
	enc.SetEscapeHTML(false)
	for i, e := range events {
		if err := enc.Encode(athenaRow(e, partitions[i])); err != nil {
			t.Fatal(err)
		}
	}
	eventsPath := filepath.Join(dir, "events.ndjson")
	if err := os.WriteFile(eventsPath, nd.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, f := range cloudTrailTable {
		cols = append(cols, "'"+f.name+"': '"+strings.ReplaceAll(f.typ.duckdb(), "'", "''")+"'")
	}
	setup := duckdbMacros + "CREATE TABLE cloudtrail_logs_pp AS SELECT * FROM read_json('" + eventsPath +
		"', format = 'newline_delimited', columns = {" + strings.Join(cols, ", ") + "});\n"
	setupPath, queryPath := filepath.Join(dir, "setup.sql"), filepath.Join(dir, "query.sql")
	os.WriteFile(setupPath, []byte(setup), 0o644)
	os.WriteFile(queryPath, []byte(toDuckDB(query)), 0o644)
	csvPath, parquetPath = filepath.Join(dir, "result.csv"), filepath.Join(dir, "result.parquet")
	cmd := exec.Command(node, filepath.Join("testdata", "run_query.cjs"), setupPath, queryPath, csvPath, parquetPath)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("DuckDB: %v\n%s", err, stderr.String())
	}
	return csvPath, parquetPath
}

// ingestRows runs the pipeline over paths into a new store and returns the
// summary and rows.
func ingestRows(t testing.TB, paths ...string) (ingest.Summary, []store.Row) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "usage"))
	if err != nil {
		t.Fatal(err)
	}
	var srcs []ingest.Source
	for _, p := range paths {
		src, err := ingest.NewLocalSource(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, src)
	}
	sum, err := ingest.Run(ctx, ingest.Options{Sources: srcs, Store: st, Formats: []ingest.ObjectFormat{ResultFormat{}}})
	if err != nil {
		t.Fatal(err)
	}
	var rows []store.Row
	st.Rows(ctx, func(r *store.Row) error {
		rows = append(rows, *r)
		return nil
	})
	return sum, rows
}

// readRecords reads the records of a CloudTrail log (gzipped or not).
func readRecords(t testing.TB, path string) []json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	var doc struct{ Records []json.RawMessage }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc.Records
}
