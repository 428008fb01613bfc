package review

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// chromiumPath is where Debian's chromium package puts the browser;
// `make tools` installs it.
const chromiumPath = "/usr/bin/chromium"

// TestReportInChromium opens the sample report.html in headless Chromium:
// it must load without console errors or any request beyond the file
// itself, sort when a header is clicked, and show the numbers
// findings.json holds.
func TestReportInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium not found at %s (%v): `make test` installs it (`make tools` runs apt-get install chromium)", chromiumPath, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found on PATH: the report check drives Chromium from Node.js; `make test` installs the test tools (`make tools`)")
	}
	modules := filepath.Join(repoRoot(t), "testdata", "node")
	if _, err := os.Stat(filepath.Join(modules, "node_modules", "playwright-core", "package.json")); err != nil {
		t.Fatalf("playwright-core is not installed (%v): `make test` installs it (`make tools`)", err)
	}

	rep, _, err := Build(sampleInput(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := rep.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == HTMLFile || f.Path == FindingsFile {
			if err := os.WriteFile(filepath.Join(dir, f.Path), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command(node, filepath.Join("testdata", "check_report.js"), modules, chromiumPath, filepath.Join(dir, HTMLFile))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("check_report.js: %v\n%s", err, stderr.String())
	}
	var page struct {
		PageURL        string   `json:"pageURL"`
		Console        []string `json:"console"`
		PageErrors     []string `json:"pageErrors"`
		FailedRequests []string `json:"failedRequests"`
		Requests       []string `json:"requests"`
		Rows           []struct {
			ARN   string            `json:"arn"`
			Cells map[string]string `json:"cells"`
		} `json:"rows"`
		Meta struct {
			Total, WithFindings, Catalog, Window string
		} `json:"meta"`
		Bars []struct {
			Title string  `json:"title"`
			Width float64 `json:"width"`
		} `json:"bars"`
		Sorts []struct {
			Col      string   `json:"col"`
			AriaSort string   `json:"ariaSort"`
			Values   []string `json:"values"`
			ARNs     []string `json:"arns"`
		} `json:"sorts"`
	}
	if err := json.Unmarshal(out, &page); err != nil {
		t.Fatalf("check_report.js output: %v: %s", err, out)
	}

	if len(page.Console) > 0 || len(page.PageErrors) > 0 {
		t.Errorf("console errors: %v; page errors: %v", page.Console, page.PageErrors)
	}
	if len(page.FailedRequests) > 0 {
		t.Errorf("failed requests: %v", page.FailedRequests)
	}
	for _, r := range page.Requests {
		if r != page.PageURL {
			t.Errorf("the page made a request for %s", r)
		}
	}

	// The numbers on the page are those of findings.json.
	data, err := os.ReadFile(filepath.Join(dir, FindingsFile))
	if err != nil {
		t.Fatal(err)
	}
	var findings struct {
		CatalogVersion string `json:"catalog_version"`
		LogWindow      struct {
			Start string `json:"start"`
			End   string `json:"end"`
		} `json:"log_window"`
		Summary struct {
			Principals   int `json:"principals"`
			WithFindings int `json:"with_findings"`
		} `json:"summary"`
		Principals []struct {
			ARN      string             `json:"arn"`
			Account  string             `json:"account"`
			Kind     string             `json:"kind"`
			Name     string             `json:"name"`
			LastSeen string             `json:"last_seen"`
			Counts   map[string]float64 `json:"counts"`
		} `json:"principals"`
	}
	if err := json.Unmarshal(data, &findings); err != nil {
		t.Fatal(err)
	}
	if page.Meta.Total != strconv.Itoa(findings.Summary.Principals) || page.Meta.WithFindings != strconv.Itoa(findings.Summary.WithFindings) ||
		page.Meta.Catalog != findings.CatalogVersion || page.Meta.Window != findings.LogWindow.Start+" to "+findings.LogWindow.End {
		t.Errorf("page header %+v does not match findings.json", page.Meta)
	}
	if len(page.Rows) != len(findings.Principals) || len(page.Bars) != len(findings.Principals) {
		t.Fatalf("%d rows and %d bars on the page, %d principals in findings.json", len(page.Rows), len(page.Bars), len(findings.Principals))
	}
	number := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Errorf("%q on the page is not a number", s)
		}
		return f
	}
	for i, p := range findings.Principals {
		row := page.Rows[i]
		if row.ARN != p.ARN {
			t.Errorf("row %d is %s, findings.json has %s", i, row.ARN, p.ARN)
			continue
		}
		for col, key := range map[string]string{
			"granted": "granted", "used": "used", "unused": "unused", "unused_percent": "unused_percent",
			"not_observable": "not_observable", "denied_attempts": "denied_attempts", "wildcard_risks": "wildcard_risks",
		} {
			if got, want := number(row.Cells[col]), p.Counts[key]; got != want {
				t.Errorf("%s: %s is %v on the page, %v in findings.json", p.ARN, col, got, want)
			}
		}
		wantLast := p.LastSeen
		if wantLast == "" {
			wantLast = "none in the window"
		}
		if row.Cells["last_activity"] != wantLast || row.Cells["account"] != p.Account || row.Cells["kind"] != p.Kind {
			t.Errorf("%s: page shows %v", p.ARN, row.Cells)
		}
		pct := strconv.FormatFloat(p.Counts["unused_percent"], 'f', 1, 64) + "%"
		if !strings.Contains(page.Bars[i].Title, pct) || page.Bars[i].Width != float64(int(p.Counts["unused_percent"]*chartBarW/100+0.5)) {
			t.Errorf("%s: chart bar %+v does not show %s", p.ARN, page.Bars[i], pct)
		}
	}

	// Sorting.
	if len(page.Sorts) != 4 {
		t.Fatalf("%d sorts recorded", len(page.Sorts))
	}
	checkSorted := func(i int, wantAria string, numeric, descending bool) {
		s := page.Sorts[i]
		if s.AriaSort != wantAria {
			t.Errorf("click %d on %s: aria-sort %q, want %q", i+1, s.Col, s.AriaSort, wantAria)
		}
		ok := sort.SliceIsSorted(s.Values, func(a, b int) bool {
			x, y := s.Values[a], s.Values[b]
			if descending {
				x, y = y, x
			}
			if numeric {
				return number(x) < number(y)
			}
			return x < y
		})
		if !ok {
			t.Errorf("click %d on %s: column not sorted %s: %v", i+1, s.Col, wantAria, s.Values)
		}
	}
	checkSorted(0, "ascending", true, false)
	checkSorted(1, "descending", true, true)
	checkSorted(2, "ascending", false, false)
	checkSorted(3, "ascending", true, false)
	if strings.Join(page.Sorts[0].ARNs, " ") == strings.Join(page.Sorts[1].ARNs, " ") {
		t.Error("clicking the % unused header twice did not reverse the order")
	}
}
