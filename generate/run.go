package generate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/catalog"
)

// Run is the outcome of generating for a set of principals.
type Run struct {
	CatalogVersion string
	Options        Options
	// Results are sorted by account, kind, name and ARN. Principals that
	// Options.Principals leaves out are absent; those under MinEvents are
	// present with Summary.Skipped set.
	Results []Result
}

// Failed counts the principals whose generation failed.
func (r *Run) Failed() int {
	n := 0
	for _, res := range r.Results {
		if res.Summary.Error != "" {
			n++
		}
	}
	return n
}

// Generate runs Policies for every selected principal. A principal that
// fails is recorded in its summary entry (Summary.Error) and the others go
// on; the error is only for options that make no run possible.
func Generate(usages []analyze.PrincipalUsage, cat *catalog.Catalog, opts Options) (Run, error) {
	if err := opts.validate(); err != nil {
		return Run{}, err
	}
	run := Run{CatalogVersion: cat.Version(), Options: opts}
	for _, u := range usages {
		if !selected(u.Principal, opts.Principals) {
			continue
		}
		if u.Events < opts.MinEvents {
			res := Result{Principal: u.Principal, Summary: baseSummary(u)}
			res.Summary.Skipped = fmt.Sprintf("%s, fewer than --min-events %d", plural(int(u.Events), "event"), opts.MinEvents)
			run.Results = append(run.Results, res)
			continue
		}
		res, _ := Policies(u, cat, opts) // a failure is in res.Summary.Error
		run.Results = append(run.Results, res)
	}
	sort.Slice(run.Results, func(i, j int) bool {
		a, b := run.Results[i].Principal, run.Results[j].Principal
		return lessStrings([]string{a.Account, string(a.Kind), a.Name, a.ARN}, []string{b.Account, string(b.Kind), b.Name, b.ARN})
	})
	run.renameCollisions()
	return run, nil
}

// selected says whether a principal's ARN or name matches one of the globs
// (all principals when there is none).
func selected(p analyze.Principal, globs []string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, g := range globs {
		if globMatch(g, p.ARN) || globMatch(g, p.Name) {
			return true
		}
	}
	return false
}

// documentName is the path, without extension, of document i of n:
// "<account>/<kind>/<name>", or "<name>-<i+1>" when there are several.
func documentName(p analyze.Principal, i, n int) string {
	return documentStem(p, "") + partSuffix(i, n)
}

func partSuffix(i, n int) string {
	if n <= 1 {
		return ""
	}
	return "-" + strconv.Itoa(i+1)
}

func documentStem(p analyze.Principal, disambiguate string) string {
	account := p.Account
	if account == "" {
		account = "unknown-account"
	}
	name := p.Name
	if name == "" {
		name = p.ARN
	}
	name = safeSegment(name)
	if disambiguate != "" {
		name += "-" + disambiguate
	}
	return safeSegment(account) + "/" + safeSegment(string(p.Kind)) + "/" + name
}

// safeSegment keeps the characters IAM allows in names ([A-Za-z0-9+=,.@_-])
// and replaces any other by "_"; a name that had to change, or that is "."
// or "..", gets a short hash of the original so that two names never meet
// in one file.
func safeSegment(s string) string {
	var b strings.Builder
	changed := s == "" || s == "." || s == ".."
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUpper(c) || isLower(c) || isDigit(c) || strings.IndexByte("+=,.@_-", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		changed = true
	}
	if changed {
		b.WriteString("-" + shortHash(s))
	}
	return b.String()
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// renameCollisions resolves the one way two principals can want the same
// file: role "deploy" split into deploy-1.json, deploy-2.json and a role
// named "deploy-1" in the same account. The split principal's files then
// carry a short hash of its ARN: deploy-1a2b3c4d-1.json.
func (r *Run) renameCollisions() {
	single := map[string]bool{}
	for _, res := range r.Results {
		if len(res.Documents) == 1 {
			single[documentName(res.Principal, 0, 1)] = true
		}
	}
	for i := range r.Results {
		res := &r.Results[i]
		n := len(res.Documents)
		if n < 2 {
			continue
		}
		clash := false
		for j := 0; j < n; j++ {
			if single[documentName(res.Principal, j, n)] {
				clash = true
			}
		}
		if !clash {
			continue
		}
		stem := documentStem(res.Principal, shortHash(res.Principal.ARN))
		for j := range res.Summary.Documents {
			res.Summary.Documents[j].Name = stem + partSuffix(j, n)
		}
	}
}

// Format is an output format for policy documents.
type Format string

const (
	FormatJSON      Format = "json"
	FormatTerraform Format = "terraform"
)

// ParseFormat accepts "json" and "terraform".
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case FormatJSON, FormatTerraform:
		return Format(s), nil
	}
	return "", fmt.Errorf("format %q: want json or terraform", s)
}

func (f Format) extension() string {
	if f == FormatTerraform {
		return ".tf"
	}
	return ".json"
}

// File is one output file: a path relative to the output directory, with
// "/" separators, and its bytes.
type File struct {
	Path string
	Data []byte
}

// SummaryFile is the name of the summary in the output directory.
const SummaryFile = "summary.json"

// Files renders every document and the summary, sorted by path. The caller
// writes them; nothing here touches the file system.
func (r *Run) Files(format Format) ([]File, error) {
	var files []File
	for _, res := range r.Results {
		for i := range res.Documents {
			name := res.Summary.Documents[i].Name
			var data []byte
			switch format {
			case FormatJSON:
				data = res.Documents[i].Canonical()
			case FormatTerraform:
				data = Terraform(&res.Documents[i], terraformName(res.Principal, i, len(res.Documents)), res.Principal, r.CatalogVersion)
			default:
				return nil, fmt.Errorf("format %q: want json or terraform", format)
			}
			files = append(files, File{Path: name + format.extension(), Data: data})
		}
	}
	summary, err := r.Summary(format)
	if err != nil {
		return nil, err
	}
	files = append(files, File{Path: SummaryFile, Data: summary})
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for i := 1; i < len(files); i++ {
		if files[i].Path == files[i-1].Path {
			return nil, fmt.Errorf("two outputs want the same file %s", files[i].Path)
		}
	}
	return files, nil
}

// summaryDoc is the layout of summary.json.
type summaryDoc struct {
	CatalogVersion string         `json:"catalog_version"`
	Format         Format         `json:"format"`
	Options        Options        `json:"options"`
	Totals         summaryTotals  `json:"totals"`
	Principals     []summaryEntry `json:"principals"`
}

type summaryTotals struct {
	Principals int `json:"principals"`
	WithPolicy int `json:"with_policy"`
	NoPolicy   int `json:"no_policy"`
	Skipped    int `json:"skipped"`
	Failed     int `json:"failed"`
	Documents  int `json:"documents"`
}

// summaryEntry is a PrincipalSummary with the file names of its documents.
type summaryEntry struct {
	PrincipalSummary
	Files []string `json:"files,omitempty"`
}

// Summary renders summary.json: canonical JSON (keys sorted, two-space
// indent, trailing newline), principals in the order of Results.
func (r *Run) Summary(format Format) ([]byte, error) {
	doc := summaryDoc{CatalogVersion: r.CatalogVersion, Format: format, Options: r.Options, Principals: []summaryEntry{}}
	for _, res := range r.Results {
		e := summaryEntry{PrincipalSummary: res.Summary}
		for _, d := range res.Summary.Documents {
			e.Files = append(e.Files, d.Name+format.extension())
		}
		doc.Principals = append(doc.Principals, e)
		doc.Totals.Principals++
		doc.Totals.Documents += len(res.Documents)
		switch {
		case res.Summary.Error != "":
			doc.Totals.Failed++
		case res.Summary.Skipped != "":
			doc.Totals.Skipped++
		case len(res.Documents) == 0:
			doc.Totals.NoPolicy++
		default:
			doc.Totals.WithPolicy++
		}
	}
	return canonicalJSON(doc)
}

// canonicalJSON writes v with object keys sorted at every level, two-space
// indent, no HTML escaping and a trailing newline. Going through a generic
// value sorts struct fields too, so the bytes depend on the data alone.
func canonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode summary: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, fmt.Errorf("encode summary: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(generic); err != nil {
		return nil, fmt.Errorf("encode summary: %w", err)
	}
	return buf.Bytes(), nil
}
