package review

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
	"github.com/iamtailor/iamtailor/analyze/policy"
	"github.com/iamtailor/iamtailor/generate"
)

// TestRender: every file of the sample review against its golden.
func TestRender(t *testing.T) {
	rep, run, err := Build(sampleInput(t))
	if err != nil {
		t.Fatal(err)
	}
	if run.Failed() != 0 {
		t.Fatalf("generation failed for %d principals", run.Failed())
	}
	files, err := rep.Files()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
		checkGolden(t, "TestRender/"+f.Path, f.Data)
	}
	want := []string{
		"111122223333/role/deployer.diff", "111122223333/role/idle.diff", "111122223333/role/web-server.diff",
		"111122223333/user/alice.diff", FindingsFile, HTMLFile, MarkdownFile,
	}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("files %v, want %v", paths, want)
	}
}

// TestBuildDeterministic: the same review from usages in another order
// gives the same bytes.
func TestBuildDeterministic(t *testing.T) {
	render := func(in Input) map[string]string {
		rep, _, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		files, err := rep.Files()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, f := range files {
			out[f.Path] = string(f.Data)
		}
		return out
	}
	in := sampleInput(t)
	first := render(in)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 5; i++ {
		in := sampleInput(t)
		rng.Shuffle(len(in.Usages), func(a, b int) { in.Usages[a], in.Usages[b] = in.Usages[b], in.Usages[a] })
		again := render(in)
		for path, data := range first {
			if again[path] != data {
				t.Fatalf("shuffle %d: %s differs", i, path)
			}
		}
	}
}

// TestBuildFindings checks the sample review's conclusions one by one, so
// that a golden rewritten by mistake cannot hide a wrong answer.
func TestBuildFindings(t *testing.T) {
	rep, _, err := Build(sampleInput(t))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Principal{}
	for i := range rep.Principals {
		p := &rep.Principals[i]
		byName[string(p.Findings.Principal.Kind)+"/"+p.Findings.Principal.Name] = p
	}
	if _, ok := byName["role/AWSServiceRoleForSupport"]; ok {
		t.Error("an idle service-linked role is reviewed")
	}
	find := func(who, kind, action, resource string) *analyze.Finding {
		t.Helper()
		p := byName[who]
		if p == nil {
			t.Fatalf("%s not in the review", who)
		}
		for i := range p.Findings.Findings {
			f := &p.Findings.Findings[i]
			if string(f.Kind) == kind && f.Action == action && (resource == "" || f.Resource == resource) {
				return f
			}
		}
		return nil
	}
	tests := []struct {
		name, who, kind, action, resource string
		present                           bool
		reason                            string
	}{
		{"boundary caps iam:PassRole", "role/web-server", "not-observable", "iam:PassRole", "", false, ""},
		{"boundary caps iam:PassRole (no risk)", "role/web-server", "wildcard-risk", "iam:PassRole", "", false, ""},
		{"denied but granted: SCP", "role/web-server", "denied", "s3:GetObject", "arn:aws:s3:::app-data/restricted/feed.csv", true, "explicit deny elsewhere"},
		{"denied, not granted", "role/web-server", "denied", "s3:PutObject", "", true, "not granted today"},
		{"resource level: any bucket's tags", "role/web-server", "unused", "s3:GetBucketTagging", "arn:aws:s3:::*", true, "the suggested policy grants it on arn:aws:s3:::app-data"},
		{"data events logged: ListBucket unused", "role/web-server", "unused", "s3:ListBucket", "", true, ""},
		{"NotAction Deny takes ec2:Describe* back", "role/deployer", "unused", "ec2:DescribeInstances", "", false, ""},
		{"resource-scoped Deny on DeleteStack", "role/deployer", "unused", "cloudformation:DeleteStack", "", true, "denied by inline deploy"},
		{"condition: StartInstances", "role/deployer", "unused", "ec2:StartInstances", "", true, "only under the conditions"},
		{"group policy with condition used", "user/alice", "used", "sqs:ReceiveMessage", "", true, ""},
		{"group policy: SQS data events not logged", "user/alice", "not-observable", "sqs:DeleteMessage", "", true, "no sqs.amazonaws.com data events"},
		{"group managed policy unused", "user/alice", "unused", "s3:GetBucketTagging", "", true, ""},
		{"idle role: everything unused or not observable", "role/idle", "unused", "sqs:CreateQueue", "", true, ""},
		{"wildcard sqs:*", "role/idle", "wildcard-risk", "sqs:*", "*", true, "every action of sqs"},
		{"deleted role", "role/ghost", "used", "ec2:DescribeInstances", "", false, ""},
		{"root denied", "root/", "denied", "organizations:LeaveOrganization", "", true, "the current policies are not known"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := find(tc.who, tc.kind, tc.action, tc.resource)
			if (f != nil) != tc.present {
				t.Fatalf("%s %s %s present=%v, want %v", tc.who, tc.kind, tc.action, f != nil, tc.present)
			}
			if f != nil && !strings.Contains(f.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", f.Reason, tc.reason)
			}
		})
	}
	if m := byName["role/ghost"].Findings.CurrentMissing; !strings.Contains(m, "not in the authorization details") {
		t.Errorf("ghost: %q", m)
	}
}

// TestStemMatchesGenerator: a diff is written next to the generator's policy.
func TestStemMatchesGenerator(t *testing.T) {
	cat := catalog.Default()
	for _, p := range []analyze.Principal{
		principal(analyze.KindRole, "/app/", "web-server"),
		principal(analyze.KindUser, "/", "a.b@c"),
		{Kind: analyze.KindRole, ARN: "arn:aws:iam::111122223333:role/x", Account: "111122223333", Name: "odd name/..", Path: "/"},
		{Kind: analyze.KindRole, ARN: "arn:aws:iam::111122223333:role/y", Name: "y", Path: "/"},
	} {
		u := analyze.PrincipalUsage{Principal: p, Events: 1, Observed: []analyze.Observed{seen("ec2:DescribeInstances", "*", 1, "2024-06-01T00:00:00Z")}}
		res, err := generate.Policies(u, cat, generate.DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Summary.Documents) != 1 {
			t.Fatalf("%s: %d documents", p.Name, len(res.Summary.Documents))
		}
		if got, want := Stem(p), res.Summary.Documents[0].Name; got != want {
			t.Errorf("stem %q, generator writes %q", got, want)
		}
	}
}

// TestUnifiedDiff: hunks, context, ranges, and `git apply` turning the
// first text into the second.
func TestUnifiedDiff(t *testing.T) {
	lines := func(n int, prefix string) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "%s%d\n", prefix, i)
		}
		return b.String()
	}
	base := lines(20, "line ")
	tests := []struct {
		name     string
		from, to string
	}{
		{"equal", base, base},
		{"change in the middle", base, strings.Replace(base, "line 10\n", "line ten\n", 1)},
		{"insert at start", base, "first\n" + base},
		{"append at end", base, base + "last\n"},
		{"delete at start", base, strings.TrimPrefix(base, "line 1\n")},
		{"two far changes, two hunks", base, strings.Replace(strings.Replace(base, "line 2\n", "two\n", 1), "line 19\n", "nineteen\n", 1)},
		{"two near changes, one hunk", base, strings.Replace(strings.Replace(base, "line 5\n", "five\n", 1), "line 11\n", "eleven\n", 1)},
		{"from empty", "", "a\nb\n"},
		{"to empty", "a\nb\n", ""},
		{"no newline at end", "a\nb", "a\nc"},
		{"newline added at end", "a\nb", "a\nb\n"},
	}
	var golden bytes.Buffer
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := UnifiedDiff("current/x.json", "suggested/x.json", []byte(tc.from), []byte(tc.to))
			fmt.Fprintf(&golden, "=== %s\n%s", tc.name, d)
			if tc.from == tc.to {
				if len(d) != 0 {
					t.Errorf("equal texts give %q", d)
				}
				return
			}
			if got := gitApply(t, tc.from, d); got != tc.to {
				t.Errorf("git apply gives %q, want %q\ndiff:\n%s", got, tc.to, d)
			}
		})
	}
	checkGolden(t, "TestUnifiedDiff", golden.Bytes())
}

// TestUnifiedDiffRandom: random edits of policy-like texts always apply.
func TestUnifiedDiffRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	words := []string{`  "s3:GetObject",`, `  "s3:PutObject",`, `{`, `}`, `  ],`, `"Resource": "*"`, `"Effect": "Allow",`, ``}
	text := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = words[rng.Intn(len(words))]
		}
		return out
	}
	for i := 0; i < 40; i++ {
		a := text(5 + rng.Intn(60))
		b := append([]string(nil), a...)
		for e := rng.Intn(8); e >= 0; e-- {
			switch k := rng.Intn(3); {
			case k == 0 && len(b) > 0:
				j := rng.Intn(len(b))
				b = append(b[:j], b[j+1:]...)
			case k == 1:
				j := rng.Intn(len(b) + 1)
				b = append(b[:j], append([]string{words[rng.Intn(len(words))]}, b[j:]...)...)
			case len(b) > 0:
				b[rng.Intn(len(b))] = fmt.Sprintf("changed %d", rng.Intn(100))
			}
		}
		from, to := strings.Join(a, "\n")+"\n", strings.Join(b, "\n")+"\n"
		d := UnifiedDiff("current/x.json", "suggested/x.json", []byte(from), []byte(to))
		if from == to {
			continue
		}
		if got := gitApply(t, from, d); got != to {
			t.Fatalf("case %d: git apply gives\n%s\nwant\n%s\ndiff:\n%s", i, got, to, d)
		}
	}
}

// gitApply applies a diff of x.json with git (a real patch tool, not our
// own reading of the format) and returns the result.
func gitApply(t *testing.T, from string, diff []byte) string {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatalf("git not found: the diff test applies patches with it; install git: %v", err)
	}
	// The file is the --- header's path without its first component.
	header, _, _ := strings.Cut(string(diff), "\n")
	_, name, _ := strings.Cut(strings.TrimPrefix(header, "--- "), "/")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(from), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p.diff"), diff, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(git, "apply", "-p1", "p.diff")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v: %s\ndiff:\n%s", err, out, diff)
	}
	got, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

// TestDiffIsCurrentToSuggested: the sample diffs turn the canonical merged
// current policy into the canonical merged suggestion.
func TestDiffIsCurrentToSuggested(t *testing.T) {
	rep, _, err := Build(sampleInput(t))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range rep.Principals {
		p := &rep.Principals[i]
		if p.DiffPath() == "" {
			continue
		}
		n++
		d := p.Diff()
		if got := gitApply(t, string(p.Current.Canonical()), d); got != string(p.Suggested.Canonical()) {
			t.Errorf("%s: applying the diff gives\n%s", p.DiffPath(), got)
		}
	}
	if n != 4 {
		t.Errorf("%d diffs, want 4", n)
	}
}

// TestMarkdownRendersOnGitHub runs the structural checker on the sample
// review.md, on hostile names and texts, and on reviews too big for a pull
// request body.
func TestMarkdownRendersOnGitHub(t *testing.T) {
	rep, _, err := Build(sampleInput(t))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if errs := checkMarkdown(b.String()); len(errs) > 0 {
		t.Errorf("sample review.md:\n%s", strings.Join(errs, "\n"))
	}
	if !strings.Contains(b.String(), "<details>") || !strings.Contains(b.String(), "```diff") {
		t.Error("sample review.md has no diff block")
	}

	hostile := Report{CatalogVersion: "cat|a`log", WindowStart: 1, WindowEnd: 2}
	hostile.Principals = append(hostile.Principals, Principal{
		Findings: analyze.PrincipalFindings{
			Principal: analyze.Principal{Kind: analyze.KindRole, ARN: "arn:aws:iam::1:role/a|b", Account: "1", Name: "a|b`c*d_e<f>"},
			Findings: []analyze.Finding{{Kind: analyze.FindingDenied, Level: analyze.LevelAction, Action: "s3:Get|Object", Resource: "arn:aws:s3:::b/``x``|y",
				Reason: "pipes | and <details> and **bold** and\nnewlines", Count: 1, ErrorCode: "Access|Denied"}},
			Counts: analyze.Counts{Denied: 1, DeniedAttempts: 1},
		},
		Current:   mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/`+"```"+`</details>"}]}`),
		Suggested: mustParse(t, `{"Version":"2012-10-17","Statement":[]}`),
	})
	b.Reset()
	if err := hostile.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if errs := checkMarkdown(b.String()); len(errs) > 0 {
		t.Errorf("hostile review.md:\n%s\n%s", strings.Join(errs, "\n"), b.String())
	}

	// Many principals with big diffs: every level must stay well formed
	// and under the limit.
	for _, n := range []int{40, 400, 3000} {
		big := Report{CatalogVersion: "c"}
		for i := 0; i < n; i++ {
			var stmts []string
			for j := 0; j < 30; j++ {
				stmts = append(stmts, fmt.Sprintf(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-%d-%d/*"}`, i, j))
			}
			big.Principals = append(big.Principals, Principal{
				Findings: analyze.PrincipalFindings{
					Principal: analyze.Principal{Kind: analyze.KindRole, ARN: fmt.Sprintf("arn:aws:iam::1:role/r%04d", i), Account: "1", Name: fmt.Sprintf("r%04d", i)},
					Findings:  []analyze.Finding{{Kind: analyze.FindingUnused, Level: analyze.LevelAction, Action: "s3:GetObject", GrantedOn: []string{"*"}, Reason: "granted, not used"}},
					Counts:    analyze.Counts{Granted: 1, Unused: 1, UnusedPercent: 100},
				},
				Current:   mustParse(t, `{"Version":"2012-10-17","Statement":[`+strings.Join(stmts, ",")+`]}`),
				Suggested: mustParse(t, `{"Version":"2012-10-17","Statement":[]}`),
			})
		}
		b.Reset()
		if err := big.WriteMarkdown(&b); err != nil {
			t.Fatal(err)
		}
		if b.Len() > MarkdownLimit {
			t.Errorf("%d principals: %d bytes, over %d", n, b.Len(), MarkdownLimit)
		}
		if errs := checkMarkdown(b.String()); len(errs) > 0 {
			t.Errorf("%d principals:\n%s", n, strings.Join(errs, "\n"))
		}
		if n == 3000 && !strings.Contains(b.String(), "not shown here") {
			t.Errorf("%d principals: no note about principals left out", n)
		}
	}
}

// TestMarkdownChecker: the checker itself catches what GitHub renders
// badly.
func TestMarkdownChecker(t *testing.T) {
	bad := map[string]string{
		"ragged table":           "| a | b |\n| --- | --- |\n| 1 | 2 | 3 |\n",
		"unescaped pipe":         "| a | b |\n| --- | --- |\n| 1 | x|y |\n",
		"no delimiter row":       "| a | b |\n| 1 | 2 |\n",
		"table glued to text":    "text\n| a |\n| --- |\n",
		"unclosed details":       "<details>\n<summary>x</summary>\n\ntext\n",
		"summary missing":        "<details>\n\ntext\n\n</details>\n",
		"no blank after summary": "<details>\n<summary>x</summary>\n```diff\n-a\n```\n\n</details>\n",
		"unclosed fence":         "```diff\n-a\n",
		"heading without space":  "#Title\n",
		"heading glued":          "text\n## Title\n",
		"stray html":             "a <b>bold</b> text\n",
		"details without code":   "<details>\n<summary>x</summary>\n\ntext\n\n</details>\n",
	}
	for name, md := range bad {
		if errs := checkMarkdown(md); len(errs) == 0 {
			t.Errorf("%s: the checker accepts\n%s", name, md)
		}
	}
	good := "# T\n\n| a | b |\n| --- | ---: |\n| `x\\|y` | 2 |\n\n<details>\n<summary>d <code>p</code></summary>\n\n```diff\n-a\n| not | a | table |\n```\n\n</details>\n"
	if errs := checkMarkdown(good); len(errs) > 0 {
		t.Errorf("the checker rejects good Markdown: %v", errs)
	}
}

var (
	headingRe   = regexp.MustCompile(`^(#{1,6})( +)(\S.*)$`)
	delimiterRe = regexp.MustCompile(`^\|( *:?-{3,}:? *\|)+$`)
	fenceRe     = regexp.MustCompile("^(`{3,}|~{3,})(.*)$")
	tagRe       = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>`)
)

// checkMarkdown is a structural checker for what GitHub needs to render a
// document as intended: ATX headings with a space and blank lines around
// them; tables preceded by a blank line, with a delimiter row and the same
// number of cells in every row (a pipe inside a cell escaped); balanced
// fenced code blocks; <details> blocks with a <summary> line first, blank
// lines after the summary and before </details>, and a fenced block inside;
// no HTML but details, summary and code.
func checkMarkdown(md string) []string {
	var errs []string
	fail := func(n int, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("line %d: %s", n+1, fmt.Sprintf(format, args...)))
	}
	lines := strings.Split(strings.TrimSuffix(md, "\n"), "\n")
	blank := func(i int) bool { return i < 0 || i >= len(lines) || strings.TrimSpace(lines[i]) == "" }
	var fence string
	var details []int // line numbers of open <details>
	var fenceInDetails []bool
	tableCols := -1
	for i, l := range lines {
		if fence != "" {
			if strings.HasPrefix(l, fence) && strings.Trim(l, fence[:1]) == "" && len(l) >= len(fence) {
				fence = ""
			}
			continue
		}
		if m := fenceRe.FindStringSubmatch(l); m != nil {
			fence = m[1]
			if len(fenceInDetails) > 0 {
				fenceInDetails[len(fenceInDetails)-1] = true
			}
			continue
		}
		switch {
		case strings.HasPrefix(l, "|"):
			cells := countCells(l)
			if tableCols < 0 {
				if !blank(i - 1) {
					fail(i, "a table needs a blank line before it")
				}
				if i+1 >= len(lines) || !delimiterRe.MatchString(lines[i+1]) {
					fail(i, "a table header must be followed by a delimiter row")
				}
				tableCols = cells
			} else if cells != tableCols {
				fail(i, "%d cells, the header has %d", cells, tableCols)
			}
			if !strings.HasSuffix(l, "|") || strings.HasSuffix(l, `\|`) {
				fail(i, "a table row must end with an unescaped pipe")
			}
			continue
		default:
			tableCols = -1
		}
		if strings.HasPrefix(l, "#") {
			if !headingRe.MatchString(l) {
				fail(i, "malformed heading %q", l)
			}
			if !blank(i-1) || !blank(i+1) {
				fail(i, "a heading needs blank lines around it")
			}
			continue
		}
		switch l {
		case "<details>":
			details = append(details, i)
			fenceInDetails = append(fenceInDetails, false)
			if i+1 >= len(lines) || !regexp.MustCompile(`^<summary>.*</summary>$`).MatchString(lines[i+1]) {
				fail(i, "<details> must be followed by a one-line <summary>")
			} else if !blank(i + 2) {
				fail(i+1, "a blank line must follow </summary> for Markdown inside to render")
			}
			continue
		case "</details>":
			if len(details) == 0 {
				fail(i, "</details> without <details>")
				continue
			}
			if !blank(i - 1) {
				fail(i, "a blank line must precede </details>")
			}
			if !fenceInDetails[len(fenceInDetails)-1] {
				fail(i, "the <details> block holds no fenced code")
			}
			details = details[:len(details)-1]
			fenceInDetails = fenceInDetails[:len(fenceInDetails)-1]
			continue
		}
		// Inline HTML: only the tags we use, outside code spans.
		text := stripCodeSpans(l)
		for _, m := range tagRe.FindAllStringSubmatch(text, -1) {
			switch m[2] {
			case "summary", "code":
			default:
				fail(i, "unexpected HTML tag <%s%s>", m[1], m[2])
			}
		}
	}
	if fence != "" {
		errs = append(errs, "unclosed fenced code block")
	}
	for _, d := range details {
		errs = append(errs, fmt.Sprintf("line %d: <details> never closed", d+1))
	}
	return errs
}

// countCells counts a table row's cells: unescaped pipes, minus one.
func countCells(l string) int {
	n := 0
	for i := 0; i < len(l); i++ {
		if l[i] == '\\' {
			i++
			continue
		}
		if l[i] == '|' {
			n++
		}
	}
	return n - 1
}

// stripCodeSpans removes `code` spans (any fence length) from a line.
func stripCodeSpans(l string) string {
	var b strings.Builder
	for i := 0; i < len(l); {
		if l[i] == '\\' && i+1 < len(l) {
			i += 2
			continue
		}
		if l[i] != '`' {
			b.WriteByte(l[i])
			i++
			continue
		}
		j := i
		for j < len(l) && l[j] == '`' {
			j++
		}
		fence := l[i:j]
		end := strings.Index(l[j:], fence)
		if end < 0 {
			b.WriteString(l[i:])
			break
		}
		i = j + end + len(fence)
	}
	return b.String()
}

// TestHTMLSelfContained: no URL, no external resource, and a CSP that
// forbids any request.
func TestHTMLSelfContained(t *testing.T) {
	rep, _, err := Build(sampleInput(t))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)https?:`), regexp.MustCompile(`(?i)\bsrc\s*=`), regexp.MustCompile(`(?i)url\(`),
		regexp.MustCompile(`(?i)@import`), regexp.MustCompile(`(?i)<link\b`), regexp.MustCompile(`(?i)href\s*=\s*"(?:[^#"]|$)`),
		regexp.MustCompile(`(?i)//[a-z0-9.-]+\.[a-z]{2,}`), regexp.MustCompile(`(?i)<(iframe|img|object|embed|video|audio)\b`),
	} {
		if m := bad.FindString(page); m != "" {
			t.Errorf("report.html refers to something outside itself: %q", m)
		}
	}
	if !strings.Contains(page, `http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`) &&
		!strings.Contains(page, `http-equiv="Content-Security-Policy" content="default-src 'none'`) {
		t.Error("report.html has no Content-Security-Policy forbidding requests")
	}
	if !strings.Contains(page, "<script>"+reportJS+"</script>") || !strings.Contains(page, "<style>"+reportCSS+"</style>") {
		t.Error("the inline script or style is not written verbatim: its CSP hash would not match")
	}
}

// TestFindingsJSON: canonical (keys sorted, stable), carries the catalog
// version and window, and its counts add up.
func TestFindingsJSON(t *testing.T) {
	rep, _, err := Build(sampleInput(t))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteFindingsJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		CatalogVersion string                      `json:"catalog_version"`
		LogWindow      struct{ Start, End string } `json:"log_window"`
		Principals     []struct {
			ARN    string
			Counts map[string]float64
		}
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.CatalogVersion != catalog.Default().Version() || doc.LogWindow.Start != "2024-06-01T00:00:00Z" || doc.LogWindow.End != "2024-06-30T23:59:59Z" {
		t.Errorf("metadata: %q %+v", doc.CatalogVersion, doc.LogWindow)
	}
	for _, p := range doc.Principals {
		c := p.Counts
		if c["granted"] != c["used"]+c["unused"]+c["not_observable"] {
			t.Errorf("%s: granted %v ≠ used + unused + not observable: %v", p.ARN, c["granted"], c)
		}
	}
	var generic any
	if err := json.Unmarshal(b.Bytes(), &generic); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	enc := json.NewEncoder(&again)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(generic); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), b.Bytes()) {
		t.Error("findings.json is not canonical (sorted keys, two-space indent)")
	}
}

func mustParse(t *testing.T, s string) *policy.Document {
	t.Helper()
	d, err := policy.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestIdentityCenterRoleNote: a role IAM Identity Center provisions cannot be
// changed in IAM, so its review says to apply the suggestion to the
// permission set instead.
func TestIdentityCenterRoleNote(t *testing.T) {
	in := sampleInput(t)
	sso := principal(analyze.KindRole, "/aws-reserved/sso.amazonaws.com/", "AWSReservedSSO_DataReaders_0123456789abcdef")
	in.Usages = append(in.Usages, analyze.PrincipalUsage{
		Principal: sso, Events: 2, FirstSeen: ms("2024-06-02T08:00:00Z"), LastSeen: ms("2024-06-03T08:00:00Z"),
		Observed: []analyze.Observed{seen("s3:GetObject", "arn:aws:s3:::app-data/reports/2024-06.json", 2, "2024-06-03T08:00:00Z")},
	})
	rep, _, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Principals {
		if p.Findings.Principal.ARN != sso.ARN {
			continue
		}
		if !strings.Contains(p.SuggestedNote, `permission set "DataReaders"`) {
			t.Errorf("note %q does not name the permission set", p.SuggestedNote)
		}
		var md bytes.Buffer
		if err := rep.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(md.String(), `permission set "DataReaders"`) {
			t.Error("review.md does not say to apply the policy to the permission set")
		}
		return
	}
	t.Fatal("the Identity Center role is not in the review")
}
