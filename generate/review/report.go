package review

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/analyze/policy"
	"github.com/iamtailor/iamtailor/generate"
)

// Output file names, relative to the output directory.
const (
	FindingsFile = "findings.json"
	MarkdownFile = "review.md"
	HTMLFile     = "report.html"
)

// Principal is one principal's part of a review.
type Principal struct {
	Findings analyze.PrincipalFindings
	// Current is the current effective identity policy (CurrentDocument);
	// nil when the current policies are unknown.
	Current *policy.Document
	// Suggested is the suggested policy merged the same way
	// (SuggestedDocument); nil when there is no suggestion to compare with
	// (a principal that must never get one, or generation failed: see
	// SuggestedNote).
	Suggested     *policy.Document
	SuggestedNote string
}

// Report is a whole review.
type Report struct {
	CatalogVersion string
	// Window is the time the logs cover: from the first to the last event
	// read (Unix ms), or the --since/--until bounds when given.
	WindowStart, WindowEnd int64
	Coverage               []*analyze.AccountCoverage
	// Principals in the order to print them (see Sort).
	Principals []Principal
}

// Sort orders principals by account, kind, name and ARN, the generator's
// order.
func (r *Report) Sort() {
	sort.SliceStable(r.Principals, func(i, j int) bool {
		a, b := r.Principals[i].Findings.Principal, r.Principals[j].Findings.Principal
		ka := []string{a.Account, string(a.Kind), a.Name, a.ARN}
		kb := []string{b.Account, string(b.Kind), b.Name, b.ARN}
		for k := range ka {
			if ka[k] != kb[k] {
				return ka[k] < kb[k]
			}
		}
		return false
	})
}

// WithFindings counts the principals that have unused or denied findings.
func (r *Report) WithFindings() int {
	n := 0
	for i := range r.Principals {
		if r.Principals[i].Findings.HasFindings() {
			n++
		}
	}
	return n
}

// CurrentDocument is the current effective identity policy: every
// identity policy (attached managed, inline, and a user's groups'),
// merged into one canonical document. The boundary is not part of it:
// it only caps, and the findings apply it.
func CurrentDocument(set *policy.PolicySet) *policy.Document {
	return policy.Merge(set.Identity...)
}

// SuggestedDocument merges the generator's documents into one, the same
// way, keeping their Sids (they are unique across a split).
func SuggestedDocument(docs []policy.Document) *policy.Document {
	named := make([]policy.Named, len(docs))
	for i := range docs {
		named[i] = policy.Named{Doc: &docs[i]}
	}
	return policy.Merge(named...)
}

// Stem is a principal's output path without extension,
// "<account>/<kind>/<name>", spelled as the generator spells its policy
// files, so that name.diff sits next to name.json.
func Stem(p analyze.Principal) string {
	account := p.Account
	if account == "" {
		account = "unknown-account"
	}
	name := p.Name
	if name == "" {
		name = p.ARN
	}
	return safeSegment(account) + "/" + safeSegment(string(p.Kind)) + "/" + safeSegment(name)
}

// safeSegment is the generator's rule: keep IAM name characters, replace
// others by "_" and then append a short hash of the original.
func safeSegment(s string) string {
	var b strings.Builder
	changed := s == "" || s == "." || s == ".."
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("+=,.@_-", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		changed = true
	}
	if changed {
		sum := sha256.Sum256([]byte(s))
		b.WriteString("-" + hex.EncodeToString(sum[:4]))
	}
	return b.String()
}

// DiffPath is where a principal's diff goes, or "" when it has none.
func (p *Principal) DiffPath() string {
	if p.Current == nil || p.Suggested == nil {
		return ""
	}
	return Stem(p.Findings.Principal) + ".diff"
}

// Diff is the unified diff from the current to the suggested policy; nil
// when they are equal or either is missing.
func (p *Principal) Diff() []byte {
	if p.DiffPath() == "" {
		return nil
	}
	stem := Stem(p.Findings.Principal)
	return UnifiedDiff("current/"+stem+".json", "suggested/"+stem+".json", p.Current.Canonical(), p.Suggested.Canonical())
}

// Files renders every output of the review, sorted by path: one diff per
// principal that has both documents, findings.json, review.md and
// report.html. The caller writes them.
func (r *Report) Files() ([]generate.File, error) {
	var files []generate.File
	for i := range r.Principals {
		p := &r.Principals[i]
		if path := p.DiffPath(); path != "" {
			files = append(files, generate.File{Path: path, Data: p.Diff()})
		}
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{{FindingsFile, r.WriteFindingsJSON}, {MarkdownFile, r.WriteMarkdown}, {HTMLFile, r.WriteHTML}} {
		var buf bytes.Buffer
		if err := out.write(&buf); err != nil {
			return nil, fmt.Errorf("render %s: %w", out.path, err)
		}
		files = append(files, generate.File{Path: out.path, Data: buf.Bytes()})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

func formatTime(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}

// The findings.json schema. Field names are snake_case; empty optional
// fields are left out; keys are sorted in the file.

type jsonReport struct {
	CatalogVersion string          `json:"catalog_version"`
	LogWindow      jsonWindow      `json:"log_window"`
	Accounts       []jsonAccount   `json:"accounts"`
	Summary        jsonSummary     `json:"summary"`
	Principals     []jsonPrincipal `json:"principals"`
}

type jsonWindow struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type jsonAccount struct {
	Account     string           `json:"account"`
	Events      int64            `json:"events"`
	FirstEvent  string           `json:"first_event,omitempty"`
	LastEvent   string           `json:"last_event,omitempty"`
	Regions     map[string]int64 `json:"regions"`
	DataSources map[string]int64 `json:"data_event_sources"`
}

type jsonSummary struct {
	Principals     int   `json:"principals"`
	WithFindings   int   `json:"with_findings"`
	Unused         int   `json:"unused"`
	DeniedAttempts int64 `json:"denied_attempts"`
}

type jsonPrincipal struct {
	ARN            string        `json:"arn"`
	Account        string        `json:"account"`
	Kind           string        `json:"kind"`
	Name           string        `json:"name"`
	NoPolicyReason string        `json:"no_policy_reason,omitempty"`
	CurrentMissing string        `json:"current_missing,omitempty"`
	SuggestedNote  string        `json:"suggested_note,omitempty"`
	HasBoundary    bool          `json:"has_boundary"`
	Events         int64         `json:"events"`
	FirstSeen      string        `json:"first_seen,omitempty"`
	LastSeen       string        `json:"last_seen,omitempty"`
	IAMLastUsed    string        `json:"iam_last_used,omitempty"`
	Diff           string        `json:"diff,omitempty"`
	HasFindings    bool          `json:"has_findings"`
	Counts         jsonCounts    `json:"counts"`
	Findings       []jsonFinding `json:"findings"`
}

type jsonCounts struct {
	Granted           int     `json:"granted"`
	Used              int     `json:"used"`
	Unused            int     `json:"unused"`
	UnusedConditional int     `json:"unused_conditional"`
	UnusedPercent     float64 `json:"unused_percent"`
	NotObservable     int     `json:"not_observable"`
	UnusedResources   int     `json:"unused_resources"`
	Ineffective       int     `json:"ineffective"`
	Denied            int     `json:"denied"`
	DeniedAttempts    int64   `json:"denied_attempts"`
	UsedNotGranted    int     `json:"used_not_granted"`
	WildcardRisks     int     `json:"wildcard_risks"`
}

type jsonFinding struct {
	Kind          string          `json:"kind"`
	Level         string          `json:"level"`
	Action        string          `json:"action"`
	Resource      string          `json:"resource,omitempty"`
	Decision      policy.Decision `json:"decision"`
	Statements    []string        `json:"statements,omitempty"`
	DependsOn     []string        `json:"depends_on,omitempty"`
	GrantedOn     []string        `json:"granted_on,omitempty"`
	Except        []string        `json:"except,omitempty"`
	UsedOn        []string        `json:"used_on,omitempty"`
	UsedOnCount   int             `json:"used_on_count,omitempty"`
	SuggestedOn   []string        `json:"suggested_on,omitempty"`
	Observability string          `json:"observability,omitempty"`
	Reason        string          `json:"reason,omitempty"`
	Count         int64           `json:"count,omitempty"`
	FirstSeen     string          `json:"first_seen,omitempty"`
	LastSeen      string          `json:"last_seen,omitempty"`
	Via           []string        `json:"via,omitempty"`
	ErrorCode     string          `json:"error_code,omitempty"`
	Message       string          `json:"message,omitempty"`
}

func (r *Report) jsonReport() jsonReport {
	out := jsonReport{
		CatalogVersion: r.CatalogVersion,
		LogWindow:      jsonWindow{Start: formatTime(r.WindowStart), End: formatTime(r.WindowEnd)},
		Accounts:       []jsonAccount{},
		Principals:     []jsonPrincipal{},
	}
	for _, a := range r.Coverage {
		out.Accounts = append(out.Accounts, jsonAccount{
			Account: a.Account, Events: a.Events, FirstEvent: formatTime(a.FirstEvent), LastEvent: formatTime(a.LastEvent),
			Regions: nonNilMap(a.Regions), DataSources: nonNilMap(a.DataSources),
		})
	}
	for i := range r.Principals {
		p := &r.Principals[i]
		pf := &p.Findings
		c := pf.Counts
		jp := jsonPrincipal{
			ARN: pf.Principal.ARN, Account: pf.Principal.Account, Kind: string(pf.Principal.Kind), Name: pf.Principal.Name,
			NoPolicyReason: pf.NoPolicyReason, CurrentMissing: pf.CurrentMissing, SuggestedNote: p.SuggestedNote,
			HasBoundary: pf.HasBoundary, Events: pf.Events, FirstSeen: formatTime(pf.FirstSeen), LastSeen: formatTime(pf.LastSeen),
			IAMLastUsed: formatTime(pf.IAMLastUsed), Diff: p.DiffPath(), HasFindings: pf.HasFindings(),
			Counts: jsonCounts{
				Granted: c.Granted, Used: c.Used, Unused: c.Unused, UnusedConditional: c.UnusedConditional, UnusedPercent: c.UnusedPercent,
				NotObservable: c.NotObservable, UnusedResources: c.UnusedResources, Ineffective: c.Ineffective,
				Denied: c.Denied, DeniedAttempts: c.DeniedAttempts, UsedNotGranted: c.UsedNotGranted, WildcardRisks: c.WildcardRisks,
			},
			Findings: []jsonFinding{},
		}
		for _, f := range pf.Findings {
			jp.Findings = append(jp.Findings, jsonFinding{
				Kind: string(f.Kind), Level: string(f.Level), Action: f.Action, Resource: f.Resource, Decision: f.Decision,
				Statements: f.Statements, DependsOn: f.DependsOn, GrantedOn: f.GrantedOn, Except: f.Except,
				UsedOn: f.UsedOn, UsedOnCount: f.UsedOnCount, SuggestedOn: f.SuggestedOn, Observability: string(f.Observability),
				Reason: f.Reason, Count: f.Count, FirstSeen: formatTime(f.FirstSeen), LastSeen: formatTime(f.LastSeen),
				Via: f.Via, ErrorCode: f.ErrorCode, Message: f.Message,
			})
		}
		out.Principals = append(out.Principals, jp)
		out.Summary.Principals++
		if pf.HasFindings() {
			out.Summary.WithFindings++
		}
		out.Summary.Unused += c.Unused
		out.Summary.DeniedAttempts += c.DeniedAttempts
	}
	return out
}

func nonNilMap(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// WriteFindingsJSON writes findings.json: canonical JSON (keys sorted,
// two-space indent, no HTML escaping, trailing newline), principals in
// report order and findings in analyze's order.
func (r *Report) WriteFindingsJSON(w io.Writer) error {
	raw, err := json.Marshal(r.jsonReport())
	if err != nil {
		return fmt.Errorf("encode findings: %w", err)
	}
	// Through a generic value so that every object's keys come out sorted,
	// whatever the struct field order.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return fmt.Errorf("encode findings: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(generic)
}
