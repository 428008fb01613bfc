package generate

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testAccount = "111122223333"

func role(name string) analyze.Principal {
	return analyze.Principal{
		Kind: analyze.KindRole, ARN: "arn:aws:iam::" + testAccount + ":role/" + name,
		Account: testAccount, Partition: "aws", Name: name, Path: "/",
	}
}

func user(name string) analyze.Principal {
	return analyze.Principal{
		Kind: analyze.KindUser, ARN: "arn:aws:iam::" + testAccount + ":user/" + name,
		Account: testAccount, Partition: "aws", Name: name, Path: "/",
	}
}

// obs is one successful access seen once, with a Via that names the action.
func obs(action, resource string) analyze.Observed {
	svc, name, _ := strings.Cut(action, ":")
	return analyze.Observed{
		Access: analyze.Access{Action: action, Resource: resource},
		Count:  1, FirstSeen: 1700000000000, LastSeen: 1700000000000,
		Via: []string{svc + ".amazonaws.com:" + name},
	}
}

// objects returns n S3 object ARNs "bucket/prefix<i>".
func objects(bucket, prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("arn:aws:s3:::%s/%s%03d.json", bucket, prefix, i)
	}
	return out
}

func obsAll(action string, resources []string) []analyze.Observed {
	out := make([]analyze.Observed, len(resources))
	for i, r := range resources {
		out[i] = obs(action, r)
	}
	return out
}

func usage(p analyze.Principal, observed ...[]analyze.Observed) analyze.PrincipalUsage {
	u := analyze.PrincipalUsage{Principal: p, FirstSeen: 1700000000000, LastSeen: 1700086400000}
	for _, o := range observed {
		u.Observed = append(u.Observed, o...)
	}
	u.Events = int64(len(u.Observed))
	return u
}

func one(o ...analyze.Observed) []analyze.Observed { return o }

// render concatenates every output file of a run, each under a header line
// with its path, as the golden form of a run.
func render(t *testing.T, run Run, format Format) []byte {
	t.Helper()
	files, err := run.Files(format)
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	var b bytes.Buffer
	for _, f := range files {
		fmt.Fprintf(&b, "=== %s\n", f.Path)
		b.Write(f.Data)
	}
	return b.Bytes()
}

// golden compares got with testdata/<test name>.golden, or rewrites it
// with -update.
func golden(t *testing.T, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", filepath.FromSlash(t.Name())+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run `go test ./generate -update` to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (rerun with -update and review the diff):\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant: %q\ngot:  %q", i+1, w, g)
		}
	}
	return "(lengths differ)"
}

func cat() *catalog.Catalog { return catalog.Default() }

// allActions lists the actions (and wildcards) of every document of a
// result.
func allActions(r Result) []string {
	var out []string
	for _, d := range r.Documents {
		for _, st := range d.Statements {
			out = append(out, st.Action...)
		}
	}
	return out
}

func allResources(r Result) []string {
	var out []string
	for _, d := range r.Documents {
		for _, st := range d.Statements {
			out = append(out, st.Resource...)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
