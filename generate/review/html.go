package review

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/iamtailor/iamtailor/analyze"
)

// WriteHTML writes report.html: one self-contained page for the periodic
// least-privilege report. It holds its CSS and script inline, references
// no URL, and forbids the browser any request with a Content-Security-
// Policy that only admits its own inline style and script (by hash). It
// shows, per principal, granted vs used actions, % unused, denied
// attempts, wildcard risks and last activity in a table that sorts on
// any column header, a bar chart (inline SVG) of % unused by principal,
// and each principal's findings in a collapsed block.
func (r *Report) WriteHTML(w io.Writer) error {
	return htmlTemplate.Execute(w, r.htmlData())
}

type htmlRow struct {
	Index                                               int
	ID                                                  string
	ARN, Account, Kind, Name, Label                     string
	Granted, Used, Unused, NotObservable, WildcardRisks int
	UnusedPercent                                       string
	UnusedPercentValue                                  float64
	DeniedAttempts, Events                              int64
	EventsText                                          string
	LastActivity, LastActivityValue                     string
	HasFindings                                         bool
	Notes                                               []string
	Groups                                              []htmlGroup
	DiffPath                                            string
}

// htmlGroup is one list of findings in a principal's block.
type htmlGroup struct {
	Title string
	Items []htmlItem
}

type htmlItem struct {
	Head, Detail string
}

type htmlBar struct {
	Y, TextY, Width int
	Label, Value    string
}

type htmlView struct {
	CSP            string
	Style          template.CSS
	Script         template.JS
	CatalogVersion string
	Window         string
	Accounts       []string
	Total          int
	WithFindings   int
	Rows           []htmlRow
	Bars           []htmlBar
	ChartHeight    int
}

const (
	chartBarHeight = 22
	chartLabelW    = 260
	chartBarW      = 400
)

func (r *Report) htmlData() htmlView {
	v := htmlView{
		Style: template.CSS(reportCSS), Script: template.JS(reportJS),
		CSP: "default-src 'none'; style-src '" + cspHash(reportCSS) + "'; script-src '" + cspHash(reportJS) + "'; " +
			"img-src data:; base-uri 'none'; form-action 'none'",
		CatalogVersion: r.CatalogVersion,
		Window:         windowText(r.WindowStart, r.WindowEnd),
		Total:          len(r.Principals),
		WithFindings:   r.WithFindings(),
	}
	for _, a := range r.Coverage {
		v.Accounts = append(v.Accounts, fmt.Sprintf("%s: %s, %s", a.Account, plural64(a.Events, "event"), dataEventsText(a)))
	}
	for i := range r.Principals {
		p := &r.Principals[i]
		pf := &p.Findings
		c := pf.Counts
		row := htmlRow{
			Index: i, ID: fmt.Sprintf("p%d", i+1),
			ARN: pf.Principal.ARN, Account: pf.Principal.Account, Kind: string(pf.Principal.Kind), Name: pf.Principal.Name,
			Label:   displayName(pf.Principal),
			Granted: c.Granted, Used: c.Used, Unused: c.Unused, NotObservable: c.NotObservable, WildcardRisks: c.WildcardRisks,
			UnusedPercent: percent(c.UnusedPercent), UnusedPercentValue: c.UnusedPercent,
			DeniedAttempts: c.DeniedAttempts, Events: pf.Events, EventsText: plural64(pf.Events, "event"),
			LastActivity: formatTime(pf.LastSeen), LastActivityValue: formatTime(pf.LastSeen),
			HasFindings: pf.HasFindings(), DiffPath: p.DiffPath(),
		}
		if row.LastActivity == "" {
			row.LastActivity = "none in the window"
		}
		for _, n := range []string{pf.NoPolicyReason, pf.CurrentMissing, p.SuggestedNote} {
			if n != "" {
				row.Notes = append(row.Notes, capitalize(n))
			}
		}
		if pf.HasBoundary {
			row.Notes = append(row.Notes, "Has a permission boundary: the findings apply it.")
		}
		if pf.IAMLastUsed != 0 {
			row.Notes = append(row.Notes, "IAM last saw the role used on "+formatTime(pf.IAMLastUsed)+".")
		}
		row.Groups = htmlGroups(pf.Findings)
		v.Rows = append(v.Rows, row)

		y := i * chartBarHeight
		v.Bars = append(v.Bars, htmlBar{
			Y: y + 3, TextY: y + chartBarHeight/2 + 5,
			Width: int(c.UnusedPercent*chartBarW/100 + 0.5),
			Label: displayName(pf.Principal) + " (" + pf.Principal.Account + ")",
			Value: percent(c.UnusedPercent) + "%",
		})
	}
	v.ChartHeight = max(len(v.Bars)*chartBarHeight, chartBarHeight)
	return v
}

// htmlGroups lays out a principal's findings by kind; unused actions are
// grouped by service.
func htmlGroups(fs []analyze.Finding) []htmlGroup {
	titles := []struct {
		kind  analyze.FindingKind
		level analyze.FindingLevel
		title string
	}{
		{analyze.FindingDenied, analyze.LevelAction, "Denied attempts"},
		{analyze.FindingWildcardRisk, "", "Wildcard risks"},
		{analyze.FindingUsedNotGranted, analyze.LevelAction, "Used, not granted by the identity policies"},
		{analyze.FindingUnused, analyze.LevelResource, "Unused resource grants"},
		{analyze.FindingUnused, analyze.LevelAction, "Unused actions"},
		{analyze.FindingNotObservable, analyze.LevelAction, "Not observable"},
		{analyze.FindingUsed, analyze.LevelAction, "Used"},
	}
	var out []htmlGroup
	for _, t := range titles {
		g := htmlGroup{Title: t.title}
		if t.kind == analyze.FindingUnused && t.level == analyze.LevelAction {
			g.Items = unusedByService(fs)
		} else {
			for _, f := range fs {
				if f.Kind != t.kind || (t.level != "" && f.Level != t.level) {
					continue
				}
				head := f.Action
				if f.Resource != "" {
					head += " on " + f.Resource
				}
				detail := f.Reason
				switch f.Kind {
				case analyze.FindingDenied:
					detail = fmt.Sprintf("%s × %s. %s", strconv.FormatInt(f.Count, 10), f.ErrorCode, f.Reason)
				case analyze.FindingUsed:
					detail = fmt.Sprintf("%s, last %s", plural64(f.Count, "call"), formatTime(f.LastSeen))
				}
				if len(f.Statements) > 0 && f.Kind != analyze.FindingDenied {
					detail += " (" + strings.Join(f.Statements, "; ") + ")"
				}
				g.Items = append(g.Items, htmlItem{Head: head, Detail: detail})
			}
		}
		if len(g.Items) > 0 {
			g.Title = fmt.Sprintf("%s (%d)", g.Title, countItems(fs, t.kind, t.level))
			out = append(out, g)
		}
	}
	return out
}

func countItems(fs []analyze.Finding, kind analyze.FindingKind, level analyze.FindingLevel) int {
	n := 0
	for _, f := range fs {
		if f.Kind == kind && (level == "" || f.Level == level) {
			n++
		}
	}
	return n
}

func unusedByService(fs []analyze.Finding) []htmlItem {
	by := map[string][]string{}
	for _, f := range fs {
		if f.Kind == analyze.FindingUnused && f.Level == analyze.LevelAction {
			svc, _, _ := strings.Cut(f.Action, ":")
			name := f.Action
			if f.Decision.String() == "depends-on-conditions" {
				name += " (conditional)"
			}
			by[svc] = append(by[svc], name)
		}
	}
	var svcs []string
	for s := range by {
		svcs = append(svcs, s)
	}
	sort.Strings(svcs)
	items := make([]htmlItem, 0, len(svcs))
	for _, s := range svcs {
		items = append(items, htmlItem{Head: s + ": " + plural(len(by[s]), "action"), Detail: strings.Join(by[s], ", ")})
	}
	return items
}

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

const reportCSS = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bar: #cf222e; --bg: #ffffff; --head: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bar: #f85149; --bg: #0d1117; --head: #151b23; } }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 2rem auto; max-width: 80rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); margin: 0 0 1rem; padding-left: 1.2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--head); }
th button { all: inherit; cursor: pointer; border: 0; padding: 0; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.findings td:first-child { border-left: 3px solid var(--bar); }
code, .arn { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.arn { color: var(--muted); display: block; }
svg text { fill: var(--fg); font-size: 12px; }
svg rect.bar { fill: var(--bar); }
svg rect.track { fill: var(--head); }
details { margin: .4rem 0; }
summary { cursor: pointer; font-weight: 600; }
li .detail { color: var(--muted); }
`

const reportJS = `
(function () {
  "use strict";
  var table = document.getElementById("principals");
  var body = table.tBodies[0];
  var headers = table.querySelectorAll("th[data-col]");
  headers.forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var col = th.getAttribute("data-col");
      var numeric = th.getAttribute("data-type") === "number";
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", dir);
      var rows = Array.prototype.slice.call(body.rows);
      var value = function (row) { return row.querySelector('td[data-col="' + col + '"]').getAttribute("data-value"); };
      rows.sort(function (a, b) {
        var x = value(a), y = value(b);
        var c = numeric ? Number(x) - Number(y) : (x < y ? -1 : x > y ? 1 : 0);
        if (c === 0) { c = Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index")); }
        return dir === "ascending" ? c : -c;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
`

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"chartWidth": func() int { return chartLabelW + chartBarW + 60 },
	"labelWidth": func() int { return chartLabelW },
	"barWidth":   func() int { return chartBarW },
	"valueX":     func() int { return chartLabelW + chartBarW + 8 },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iamtailor least-privilege report</title>
<style>{{.Style}}</style>
</head>
<body>
<h1>Least-privilege report</h1>
<ul class="meta">
<li>Principals: <strong id="total">{{.Total}}</strong>, with unused or denied permissions: <strong id="with-findings">{{.WithFindings}}</strong></li>
<li>IAM catalog: <code id="catalog">{{.CatalogVersion}}</code></li>
<li>Log window: <span id="window">{{.Window}}</span></li>
{{- range .Accounts}}
<li>Account {{.}}</li>
{{- end}}
</ul>

<h2>Principals</h2>
<p>Unused: granted today, not seen in the log window. Not observable: granted actions CloudTrail cannot show (iam:PassRole, data events the trail does not log, …), never counted as unused. Click a column header to sort.</p>
<table id="principals">
<thead>
<tr>
<th data-col="principal" data-type="text" aria-sort="none"><button type="button">Principal</button></th>
<th data-col="account" data-type="text" aria-sort="none"><button type="button">Account</button></th>
<th data-col="kind" data-type="text" aria-sort="none"><button type="button">Kind</button></th>
<th class="num" data-col="granted" data-type="number" aria-sort="none"><button type="button">Granted</button></th>
<th class="num" data-col="used" data-type="number" aria-sort="none"><button type="button">Used</button></th>
<th class="num" data-col="unused" data-type="number" aria-sort="none"><button type="button">Unused</button></th>
<th class="num" data-col="unused_percent" data-type="number" aria-sort="none"><button type="button">% unused</button></th>
<th class="num" data-col="not_observable" data-type="number" aria-sort="none"><button type="button">Not observable</button></th>
<th class="num" data-col="denied_attempts" data-type="number" aria-sort="none"><button type="button">Denied attempts</button></th>
<th class="num" data-col="wildcard_risks" data-type="number" aria-sort="none"><button type="button">Wildcard risks</button></th>
<th data-col="last_activity" data-type="text" aria-sort="none"><button type="button">Last activity</button></th>
</tr>
</thead>
<tbody>
{{- range .Rows}}
<tr data-index="{{.Index}}" data-arn="{{.ARN}}"{{if .HasFindings}} class="findings"{{end}}>
<td data-col="principal" data-value="{{.Label}}"><a href="#{{.ID}}">{{.Label}}</a><span class="arn">{{.ARN}}</span></td>
<td data-col="account" data-value="{{.Account}}">{{.Account}}</td>
<td data-col="kind" data-value="{{.Kind}}">{{.Kind}}</td>
<td class="num" data-col="granted" data-value="{{.Granted}}">{{.Granted}}</td>
<td class="num" data-col="used" data-value="{{.Used}}">{{.Used}}</td>
<td class="num" data-col="unused" data-value="{{.Unused}}">{{.Unused}}</td>
<td class="num" data-col="unused_percent" data-value="{{.UnusedPercentValue}}">{{.UnusedPercent}}</td>
<td class="num" data-col="not_observable" data-value="{{.NotObservable}}">{{.NotObservable}}</td>
<td class="num" data-col="denied_attempts" data-value="{{.DeniedAttempts}}">{{.DeniedAttempts}}</td>
<td class="num" data-col="wildcard_risks" data-value="{{.WildcardRisks}}">{{.WildcardRisks}}</td>
<td data-col="last_activity" data-value="{{.LastActivityValue}}">{{.LastActivity}}</td>
</tr>
{{- end}}
</tbody>
</table>

<h2>Unused permissions by principal</h2>
<svg id="chart" role="img" aria-label="Percentage of granted actions not used, by principal" width="{{chartWidth}}" height="{{.ChartHeight}}" viewBox="0 0 {{chartWidth}} {{.ChartHeight}}">
{{- range .Bars}}
<g><title>{{.Label}}: {{.Value}} unused</title>
<text x="0" y="{{.TextY}}">{{.Label}}</text>
<rect class="track" x="{{labelWidth}}" y="{{.Y}}" width="{{barWidth}}" height="16"></rect>
<rect class="bar" x="{{labelWidth}}" y="{{.Y}}" width="{{.Width}}" height="16"></rect>
<text x="{{valueX}}" y="{{.TextY}}">{{.Value}}</text></g>
{{- end}}
</svg>

<h2>Findings</h2>
{{- range .Rows}}
<section id="{{.ID}}">
<h3>{{.Label}} <small>({{.Account}})</small></h3>
<p><code>{{.ARN}}</code> · {{.EventsText}} · last activity {{.LastActivity}}{{if .DiffPath}} · diff: <code>{{.DiffPath}}</code>{{end}}</p>
{{- range .Notes}}
<p>{{.}}</p>
{{- end}}
{{- range .Groups}}
<details><summary>{{.Title}}</summary>
<ul>
{{- range .Items}}
<li><code>{{.Head}}</code>{{if .Detail}} <span class="detail">{{.Detail}}</span>{{end}}</li>
{{- end}}
</ul>
</details>
{{- end}}
</section>
{{- end}}
<script>{{.Script}}</script>
</body>
</html>
`))
