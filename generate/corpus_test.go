package generate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/analyze/policy"
	"github.com/iamtailor/iamtailor/generate"
	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// corpusSet is one corpus of ../shared/cloudtrail as files to ingest.
type corpusSet struct {
	name string
	// globs below ../shared/cloudtrail select the corpus's log files (not
	// its LICENSE, nor the policies trailscraper keeps beside its logs).
	globs []string
	// placeholders: schema-robustness fixtures with invented values; they
	// only have to go through without a crash or a failed principal.
	placeholders bool
}

var corpusSets = []corpusSet{
	{name: "invictus", globs: []string{"invictus-aws_dataset/*.json"}},
	{name: "otrf", globs: []string{"otrf-security-datasets/*.json"}},
	{name: "trailscraper", globs: []string{"trailscraper-fixtures/*.json.gz", "trailscraper-fixtures/events-for-smoke-test.json"}},
	{name: "security-lake", globs: []string{"aws-security-lake-ocsf-samples/*/input/*.test.gz"}},
	{name: "processing-library", globs: []string{"aws-cloudtrail-processing-library-fixtures/Serializer*", "aws-cloudtrail-processing-library-fixtures/SQSMessageBody*"}, placeholders: true},
}

// corpusOptions are the option sets every corpus is generated with: the
// defaults (first: the inline set compares with them), and the widenings,
// so that each rule meets real data.
var corpusOptions = []struct {
	name string
	opts generate.Options
}{
	{"default", generate.DefaultOptions()},
	{"no-collapse", generate.Options{}},
	{"widest", generate.Options{CollapseThreshold: 1, CollapseRegions: true, CollapseAccounts: true, ActionWildcards: true}},
	{"inline", func() generate.Options { o := generate.DefaultOptions(); o.Inline = true; return o }()},
}

// corpusExample is the principal of the Invictus corpus whose policy the
// golden file shows in full (issue 4's closing note explains it).
const corpusExample = "arn:aws:iam::123837392027:role/stratus-red-team-ec2-steal-credentials-role"

// corpusFigures are what the golden file keeps of one corpus and option set.
type corpusFigures struct {
	Corpus          string `json:"corpus"`
	Options         string `json:"options"`
	Principals      int    `json:"principals"`
	WithPolicy      int    `json:"with_policy"`
	Documents       int    `json:"documents"`
	Statements      int    `json:"statements"`
	ObservedChecked int    `json:"observed_checked"`
	DeniedChecked   int    `json:"denied_checked"`
	Widened         int    `json:"widened_notes"`
	Wildcards       int    `json:"wildcards"`
	TooBigForInline int    `json:"too_big_for_inline,omitempty"`
}

func inlineLimit(p analyze.Principal) int {
	if p.Kind == analyze.KindUser {
		return generate.LimitInlineUser
	}
	return generate.LimitInlineRole
}

// TestCorpusGenerate is issue 4's acceptance on real data: every corpus is
// ingested (the real pipeline, into a usage store), analyzed and generated
// with each option set, and then
//   - no principal fails (but for one too big for a single inline policy,
//     with --inline, which must fail);
//   - every document passes Validate and fits its size limit;
//   - the evaluator allows every observed access (a coarsened resource is
//     tried with several values of its wildcards);
//   - every granted action is an observed one (wildcards expanded);
//   - no denied access is allowed unless the same access was also seen to
//     succeed;
//   - a second run gives the same bytes.
func TestCorpusGenerate(t *testing.T) {
	cat := catalog.Default()
	base := filepath.Join(repoRoot(t), "..", "shared", "cloudtrail")
	if _, err := os.Stat(base); err != nil {
		t.Fatalf("shared corpora not found at %s (CI clones the repo with shared/ beside it): %v", base, err)
	}
	var figures []corpusFigures
	var example bytes.Buffer
	for _, c := range corpusSets {
		usages := corpusUsages(t, base, c, cat)
		if !c.placeholders && len(usages) == 0 {
			t.Fatalf("%s: no principal", c.name)
		}
		// managedSize is each principal's size under the default options,
		// all its documents together.
		managedSize := map[analyze.Principal]int{}
		for _, oc := range corpusOptions {
			run, err := generate.Generate(usages, cat, oc.opts)
			if err != nil {
				t.Fatalf("%s/%s: %v", c.name, oc.name, err)
			}
			f := corpusFigures{Corpus: c.name, Options: oc.name}
			for i := range run.Results {
				res := &run.Results[i]
				if oc.opts.Inline && res.Summary.Error != "" && managedSize[res.Principal] > inlineLimit(res.Principal) {
					// Inline policies are never split (IAM counts all of an
					// identity's inline policies together): failing is the
					// contract for a principal that needs more.
					f.TooBigForInline++
					continue
				}
				checkCorpusResult(t, c.name+"/"+oc.name, res, usageOf(usages, res.Principal), cat, oc.opts, &f)
				if oc.name == "default" {
					for _, d := range res.Summary.Documents {
						managedSize[res.Principal] += d.Characters
					}
				}
			}
			f.Principals = len(run.Results)
			figures = append(figures, f)

			files, err := run.Files(generate.FormatJSON)
			if err != nil {
				t.Fatalf("%s/%s: %v", c.name, oc.name, err)
			}
			again, _ := generate.Generate(usages, cat, oc.opts)
			files2, err := again.Files(generate.FormatJSON)
			if err != nil || !slices.EqualFunc(files, files2, func(a, b generate.File) bool { return a.Path == b.Path && bytes.Equal(a.Data, b.Data) }) {
				t.Errorf("%s/%s: a second run gives other files (%v)", c.name, oc.name, err)
			}
			if c.name == "invictus" && oc.name == "default" {
				writeExample(t, &example, run, files)
			}
		}
	}
	if example.Len() == 0 {
		t.Errorf("no policy for the example principal %s", corpusExample)
	}
	b, err := json.MarshalIndent(figures, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got := append(append(b, '\n'), example.Bytes()...)
	path := filepath.Join("testdata", t.Name()+".golden")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (rerun with -update and review the diff); got:\n%s", path, got)
	}
}

// corpusUsages runs the corpus through ingest into a fresh usage store and
// analyzes every row of it.
func corpusUsages(t *testing.T, base string, c corpusSet, cat *catalog.Catalog) []analyze.PrincipalUsage {
	t.Helper()
	ctx := context.Background()
	var sources []ingest.Source
	for _, g := range c.globs {
		paths, err := filepath.Glob(filepath.Join(base, g))
		if err != nil || len(paths) == 0 {
			t.Fatalf("%s: no file matches %s", c.name, g)
		}
		sort.Strings(paths)
		for _, p := range paths {
			src, err := ingest.NewLocalSource(p)
			if err != nil {
				t.Fatal(err)
			}
			sources = append(sources, src)
		}
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "usage"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ingest.Run(ctx, ingest.Options{Sources: sources, Store: st})
	if err != nil {
		t.Fatalf("%s: ingest: %v", c.name, err)
	}
	if !c.placeholders && (sum.FilesRead != int64(len(sources)) || sum.Skipped() != 0) {
		t.Errorf("%s: %d of %d files read, %d files and %d events skipped: %v %v", c.name, sum.FilesRead, len(sources),
			sum.SkippedFiles(), sum.SkippedEvents(), sum.FilesSkipped, sum.EventsSkipped)
	}
	a := analyze.NewAnalyzer(cat, analyze.Options{})
	if err := st.Read(ctx, store.ReadOptions{}, func(r *store.Row) error {
		a.Add(r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return a.Result().Principals
}

func usageOf(usages []analyze.PrincipalUsage, p analyze.Principal) *analyze.PrincipalUsage {
	for i := range usages {
		if usages[i].Principal == p {
			return &usages[i]
		}
	}
	return nil
}

// checkCorpusResult checks one principal's documents against its usage.
func checkCorpusResult(t *testing.T, where string, res *generate.Result, u *analyze.PrincipalUsage, cat *catalog.Catalog, opts generate.Options, f *corpusFigures) {
	t.Helper()
	who := where + " " + res.Principal.ARN
	if u == nil {
		t.Errorf("%s: a result for a principal the analyzer did not report", who)
		return
	}
	if res.Summary.Error != "" {
		t.Errorf("%s: failed: %s", who, res.Summary.Error)
		return
	}
	if len(res.Documents) == 0 {
		if res.Summary.NoPolicyReason == "" && res.Summary.Skipped == "" {
			t.Errorf("%s: no document and no reason", who)
		}
		if hasGrantable(u) && res.Summary.Skipped == "" && (u.Principal.Kind == analyze.KindRole || u.Principal.Kind == analyze.KindUser) && u.NoPolicyReason == "" {
			t.Errorf("%s: observed accesses but no policy: %s", who, res.Summary.NoPolicyReason)
		}
		return
	}
	f.WithPolicy++
	f.Documents += len(res.Documents)
	f.Widened += len(res.Summary.Notes.Widened)
	f.Wildcards += len(res.Summary.Notes.Wildcards)

	limit := generate.LimitManaged
	if opts.Inline {
		limit = inlineLimit(res.Principal)
	}
	var set policy.PolicySet
	granted := map[string]bool{}
	for i := range res.Documents {
		d := &res.Documents[i]
		f.Statements += len(d.Statements)
		if err := generate.Validate(*d, cat); err != nil {
			t.Errorf("%s: document %d: %v", who, i+1, err)
		}
		if n := policy.NonWhitespaceLen(d.Canonical()); n > limit {
			t.Errorf("%s: document %d has %d characters, over %d", who, i+1, n, limit)
		}
		set.Identity = append(set.Identity, policy.Named{Name: fmt.Sprint("document ", i+1), Doc: d})
		for _, st := range d.Statements {
			for _, a := range st.Action {
				if strings.ContainsAny(a, "*?") {
					for _, m := range cat.Match(a) {
						granted[strings.ToLower(m.FullName())] = true
					}
					continue
				}
				granted[strings.ToLower(a)] = true
			}
		}
	}
	eval := policy.Compile(set)

	observedActions := map[string]bool{}
	for _, o := range u.Observed {
		observedActions[strings.ToLower(o.Action)] = true
		a, ok := cat.Action(o.Action)
		if !ok {
			t.Errorf("%s: observed action %s is not in the catalog", who, o.Action)
			continue
		}
		for _, r := range requestResources(a, o.Resource) {
			f.ObservedChecked++
			if d := eval.Decide(policy.Request{Action: o.Action, Resource: r}); d != policy.Allowed {
				t.Errorf("%s: observed %s on %s (as %s) is %v", who, o.Action, o.Resource, r, d)
			}
		}
	}
	for a := range granted {
		if !observedActions[a] {
			t.Errorf("%s: grants %s, which was not observed", who, a)
		}
	}
	for _, d := range u.Denied {
		if d.Action == "" {
			continue
		}
		resource := d.Resource
		if a, ok := cat.Action(d.Action); resource == "" || ok && !a.TakesResources() {
			resource = "*"
		}
		f.DeniedChecked++
		if eval.Decide(policy.Request{Action: d.Action, Resource: resource}) != policy.Allowed {
			continue
		}
		if !alsoObserved(u.Observed, d.Action, resource) {
			t.Errorf("%s: denied %s on %s (%s %s, %s) is allowed by the policy and was never seen to succeed", who, d.Action, resource, d.EventSource, d.EventName, d.ErrorCode)
		}
	}
}

// hasGrantable says whether the usage holds an access a policy must allow.
func hasGrantable(u *analyze.PrincipalUsage) bool { return len(u.Observed) > 0 }

// requestResources is what to ask the evaluator for an observed resource:
// "*" for an action without resource types or an unknown resource; the
// ARN itself; for a pattern the store coarsened, the pattern with its
// wildcards replaced by several values, each of which it stands for.
func requestResources(a *catalog.Action, resource string) []string {
	if resource == "" || resource == "*" || !a.TakesResources() {
		return []string{"*"}
	}
	if !strings.ContainsAny(resource, "*?") {
		return []string{resource}
	}
	var out []string
	for _, fill := range []string{"", "x", "probe-1/probe-2"} {
		r := strings.ReplaceAll(resource, "*", fill)
		out = append(out, strings.ReplaceAll(r, "?", "q"))
	}
	return out
}

// alsoObserved says whether the principal was seen to succeed at the
// access: the same action on the same resource, or on a pattern that
// covers it.
func alsoObserved(observed []analyze.Observed, action, resource string) bool {
	for _, o := range observed {
		if !strings.EqualFold(o.Action, action) {
			continue
		}
		if o.Resource == resource {
			return true
		}
		if strings.ContainsAny(o.Resource, "*?") {
			doc := policy.Document{Version: policy.Version2012, Statements: []policy.Statement{{Effect: policy.Allow, Action: []string{action}, Resource: []string{o.Resource}}}}
			if policy.Evaluate(policy.PolicySet{Identity: []policy.Named{{Name: "observed", Doc: &doc}}}, policy.Request{Action: action, Resource: resource}).Decision == policy.Allowed {
				return true
			}
		}
	}
	return false
}

// writeExample writes the example principal's documents and summary entry.
func writeExample(t *testing.T, w *bytes.Buffer, run generate.Run, files []generate.File) {
	t.Helper()
	for _, res := range run.Results {
		if res.Principal.ARN != corpusExample || len(res.Documents) == 0 {
			continue
		}
		for _, d := range res.Summary.Documents {
			for _, f := range files {
				if f.Path == d.Name+".json" {
					fmt.Fprintf(w, "=== %s\n%s", f.Path, f.Data)
				}
			}
		}
		b, err := json.MarshalIndent(res.Summary, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "=== summary of %s\n%s\n", res.Principal.ARN, b)
	}
}

// repoRoot walks up from this file to go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above " + file)
		}
		dir = parent
	}
}
