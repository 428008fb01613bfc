package store

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"
)

// repoRoot walks up from the package directory to go.mod.
func repoRoot(t *testing.T) string {
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

// duckdb runs testdata/duckdb_check.cjs over a store with the Node
// packages `make test` installs.
func duckdb(t *testing.T, dir string, filters ...string) []byte {
	t.Helper()
	modules := filepath.Join(repoRoot(t), "testdata", "node", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "@duckdb", "node-api")); err != nil {
		t.Fatalf("@duckdb/node-api is not installed in %s: `make test` (or `make tools`) installs it", modules)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: install Node.js, then `make test` installs the packages it needs")
	}
	preds, err := json.Marshal(filters)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join("testdata", "duckdb_check.cjs"), dir, string(preds))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node duckdb_check.cjs: %v", err)
	}
	return out
}

type duckResult struct {
	Totals  struct{ Rows, Events string }
	Exact   struct{ Rows, Events string }
	ByEvent []struct {
		EventName string  `json:"event_name"`
		ErrorCode *string `json:"error_code"`
		Events    string
		Rows      string
	} `json:"by_event"`
	Types []struct {
		Column string `json:"column_name"`
		Type   string `json:"column_type"`
	}
	Rows []struct {
		Day                string
		IdentityType       *string `json:"identity_type"`
		IdentityARN        *string `json:"identity_arn"`
		IdentityAccount    *string `json:"identity_account"`
		PrincipalID        *string `json:"principal_id"`
		UserName           *string `json:"user_name"`
		IssuerType         *string `json:"issuer_type"`
		IssuerARN          *string `json:"issuer_arn"`
		IssuerAccount      *string `json:"issuer_account"`
		InvokedBy          *string `json:"invoked_by"`
		IdentityProvider   *string `json:"identity_provider"`
		OnBehalfOfUserID   *string `json:"on_behalf_of_user_id"`
		OnBehalfOfStoreARN *string `json:"on_behalf_of_store_arn"`
		Account            *string
		Region             *string
		EventSource        *string `json:"event_source"`
		EventName          *string `json:"event_name"`
		EventType          *string `json:"event_type"`
		EventCategory      *string `json:"event_category"`
		ReadOnly           *string `json:"read_only"`
		ErrorCode          *string `json:"error_code"`
		ErrorMessage       *string `json:"error_message"`
		Shared             bool
		Coarsened          int8
		Count              string
		FirstSeen          string `json:"first_seen"`
		LastSeen           string `json:"last_seen"`
		Resources          []struct {
			ARN       *string `json:"arn"`
			AccountID *string `json:"account_id"`
			Type      *string `json:"type"`
		}
		Params []struct {
			Name  *string
			Value *string
		}
		NResources   string   `json:"n_resources"`
		ResourceARNs []string `json:"resource_arns"`
	}
	Manifest      struct{ Objects, Events string }
	ManifestTypes []struct {
		Column string `json:"column_name"`
		Type   string `json:"column_type"`
	} `json:"manifest_types"`
	Scopes []struct {
		Object string
		Scopes []struct {
			Since, Until      *string
			Accounts, Regions []string
		}
	}
	Filters []struct {
		Pred string
		Rows string
	}
}

// checkDuckRows rebuilds the rows DuckDB returned and compares them with
// want, field by field.
func checkDuckRows(t *testing.T, got *duckResult, want []Row) {
	t.Helper()
	var rows []Row
	for _, d := range got.Rows {
		day, err := time.Parse("2006-01-02", d.Day)
		if err != nil {
			t.Fatalf("day %q: %v", d.Day, err)
		}
		r := Row{
			Day:                DayOf(day.UnixMilli()),
			IdentityType:       str(d.IdentityType),
			IdentityARN:        str(d.IdentityARN),
			IdentityAccount:    str(d.IdentityAccount),
			PrincipalID:        str(d.PrincipalID),
			UserName:           str(d.UserName),
			IssuerType:         str(d.IssuerType),
			IssuerARN:          str(d.IssuerARN),
			IssuerAccount:      str(d.IssuerAccount),
			InvokedBy:          str(d.InvokedBy),
			IdentityProvider:   str(d.IdentityProvider),
			OnBehalfOfUserID:   str(d.OnBehalfOfUserID),
			OnBehalfOfStoreARN: str(d.OnBehalfOfStoreARN),
			Account:            str(d.Account),
			Region:             str(d.Region),
			EventSource:        str(d.EventSource),
			EventName:          str(d.EventName),
			EventType:          str(d.EventType),
			EventCategory:      str(d.EventCategory),
			ReadOnly:           str(d.ReadOnly),
			ErrorCode:          str(d.ErrorCode),
			ErrorMessage:       str(d.ErrorMessage),
			Shared:             d.Shared,
			Coarsened:          d.Coarsened,
			Count:              atoi(t, d.Count),
			FirstSeen:          atoi(t, d.FirstSeen),
			LastSeen:           atoi(t, d.LastSeen),
		}
		for i, x := range d.Resources {
			r.Resources = append(r.Resources, Resource{ARN: str(x.ARN), AccountID: str(x.AccountID), Type: str(x.Type)})
			if d.ResourceARNs[i] != str(x.ARN) {
				t.Errorf("list comprehension over resources gives %v, resources %v", d.ResourceARNs, d.Resources)
			}
		}
		if atoi(t, d.NResources) != int64(len(d.Resources)) {
			t.Errorf("len(resources) = %s, %d elements returned", d.NResources, len(d.Resources))
		}
		for _, x := range d.Params {
			r.Params = append(r.Params, Param{Name: str(x.Name), Value: str(x.Value)})
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b Row) int { return cmpRow(&a, &b) })
	if !reflect.DeepEqual(rows, want) {
		for i := range min(len(rows), len(want)) {
			if !reflect.DeepEqual(rows[i], want[i]) {
				t.Fatalf("row %d read by DuckDB:\n%+v\nwant:\n%+v", i, rows[i], want[i])
			}
		}
		t.Fatalf("DuckDB read %d rows, want %d", len(rows), len(want))
	}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("DuckDB gave %q where a number was expected", s)
	}
	return n
}

// TestDuckDBReadsStore checks that DuckDB reads the files as written:
// counts, sums, a group-by, column types, and list-of-struct columns that
// come back as lists of structs with the right values.
func TestDuckDBReadsStore(t *testing.T) {
	dir := t.TempDir()
	opts := TableOptions{MaxResourceSets: 4}
	a, b := makeFixture(11, 500, 6), makeFixture(12, 300, 4)
	for i := range 6 { // one group cut to a single set
		a.rows = append(a.rows, s3Row(19_820, "cut", "GetObject", fmt.Sprintf("bk/d/%d", i)))
	}
	// Objects read under a window, accounts and regions, and under two scopes.
	a.objects[0].Scopes = Coverage{{Since: 1717200000000, Until: 1717286400000, Accounts: []string{"111122223333", "444455556666"}, Regions: []string{"us-east-1"}}}
	a.objects[1].Scopes = Coverage{{Until: 1717200000000}, {Since: 1717286400000, Regions: []string{"eu-west-1"}}}
	commit(t, dir, opts, a)
	commit(t, dir, opts, b)
	want := tableOf(opts, a.rows, b.rows).Rows()
	var events int64
	type eventKey struct{ name, errorCode string }
	byEvent := map[eventKey][2]int64{}
	levels := map[int8]bool{}
	for _, r := range want {
		events += r.Count
		k := eventKey{r.EventName, r.ErrorCode}
		v := byEvent[k]
		byEvent[k] = [2]int64{v[0] + r.Count, v[1] + 1}
		levels[r.Coarsened] = true
	}
	if len(levels) != 3 {
		t.Fatalf("fixture has coarsening levels %v: want all three so DuckDB sees each", levels)
	}

	var got duckResult
	if err := json.Unmarshal(duckdb(t, dir), &got); err != nil {
		t.Fatalf("DuckDB output: %v", err)
	}

	for name, tot := range map[string]struct{ Rows, Events string }{"glob": got.Totals, "files named by store.json": got.Exact} {
		if atoi(t, tot.Rows) != int64(len(want)) || atoi(t, tot.Events) != events {
			t.Errorf("%s: count(*) = %s, sum(count) = %s; want %d and %d", name, tot.Rows, tot.Events, len(want), events)
		}
	}

	gotByEvent := map[eventKey][2]int64{}
	for _, e := range got.ByEvent {
		gotByEvent[eventKey{e.EventName, str(e.ErrorCode)}] = [2]int64{atoi(t, e.Events), atoi(t, e.Rows)}
	}
	if !reflect.DeepEqual(gotByEvent, byEvent) {
		t.Errorf("group by event_name, error_code:\n got %v\nwant %v", gotByEvent, byEvent)
	}

	wantTypes := map[string]string{
		"day":          "DATE",
		"identity_arn": "VARCHAR",
		"shared":       "BOOLEAN",
		"resources":    `STRUCT(arn VARCHAR, account_id VARCHAR, "type" VARCHAR)[]`,
		"params":       `STRUCT("name" VARCHAR, "value" VARCHAR)[]`,
		"coarsened":    "TINYINT",
		"count":        "BIGINT",
		"first_seen":   "TIMESTAMP WITH TIME ZONE",
		"last_seen":    "TIMESTAMP WITH TIME ZONE",
	}
	gotTypes := map[string]string{}
	for _, c := range got.Types {
		if _, ok := wantTypes[c.Column]; ok {
			gotTypes[c.Column] = c.Type
		}
	}
	if !reflect.DeepEqual(gotTypes, wantTypes) {
		t.Errorf("column types:\n got %v\nwant %v", gotTypes, wantTypes)
	}

	// Every row, rebuilt from what DuckDB returned.
	checkDuckRows(t, &got, want)

	var objects int64
	for _, e := range append(a.objects, b.objects...) {
		objects += e.Events
	}
	if got.Manifest.Objects != "10" || got.Manifest.Events != fmt.Sprint(objects) {
		t.Errorf("manifest: %+v, want 10 objects and %d events", got.Manifest, objects)
	}
	for _, c := range got.ManifestTypes {
		if c.Column == "scopes" && c.Type != "STRUCT(since TIMESTAMP WITH TIME ZONE, \"until\" TIMESTAMP WITH TIME ZONE, accounts VARCHAR[], regions VARCHAR[])[]" {
			t.Errorf("manifest column scopes has type %s", c.Type)
		}
	}
	wantScopes := map[string]Coverage{}
	for _, e := range sortedEntries(a.objects, b.objects) {
		wantScopes[e.Object] = Union(e.Scopes)
	}
	gotScopes := map[string]Coverage{}
	for _, e := range got.Scopes {
		var c Coverage
		for _, s := range e.Scopes {
			sc := Scope{Accounts: s.Accounts, Regions: s.Regions}
			if s.Since != nil {
				sc.Since = atoi(t, *s.Since)
			}
			if s.Until != nil {
				sc.Until = atoi(t, *s.Until)
			}
			if len(sc.Accounts) == 0 {
				sc.Accounts = nil
			}
			if len(sc.Regions) == 0 {
				sc.Regions = nil
			}
			c = append(c, sc)
		}
		gotScopes[e.Object] = c
	}
	if !reflect.DeepEqual(gotScopes, wantScopes) {
		t.Errorf("manifest scopes read by DuckDB:\n got %v\nwant %v", gotScopes, wantScopes)
	}
}
