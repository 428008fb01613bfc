package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// oracleRequest and oracleResponse are the JSON exchanged with testdata/oracle.js.
type oracleRequest struct {
	Patterns  []string    `json:"patterns"`
	Resources [][2]string `json:"resources"` // resource string, ARN template
}

type oracleResponse struct {
	Patterns []struct {
		Pattern  string   `json:"pattern"`
		Expanded []string `json:"expanded"` // nil when the service part has wildcards
		Scanned  []string `json:"scanned"`
	} `json:"patterns"`
	Resources []bool `json:"resources"`
}

// runOracle runs node once with the iam-expand and iam-utils packages that
// `make tools` installs into testdata/node.
func runOracle(t *testing.T, req oracleRequest) oracleResponse {
	t.Helper()
	nodeModules := filepath.Join(repoRoot(t), "testdata", "node", "node_modules")
	for _, pkg := range []string{"iam-expand", "iam-utils", "iam-data"} {
		if _, err := os.Stat(filepath.Join(nodeModules, "@cloud-copilot", pkg)); err != nil {
			t.Fatalf("@cloud-copilot/%s is not installed in %s: `make test` (or `make tools`) installs it", pkg, nodeModules)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: install Node.js (`make test` needs it for the test oracles)")
	}
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join("testdata", "oracle.js"), nodeModules)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node testdata/oracle.js: %v\n%s", err, stderr.String())
	}
	var resp oracleResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("decode oracle output: %v", err)
	}
	if len(resp.Patterns) != len(req.Patterns) || len(resp.Resources) != len(req.Resources) {
		t.Fatalf("oracle answered %d patterns and %d resources, asked %d and %d",
			len(resp.Patterns), len(resp.Resources), len(req.Patterns), len(req.Resources))
	}
	return resp
}

// fixedPatterns are hand-picked; matchPatterns adds random ones built from
// real action names.
var fixedPatterns = []string{
	"s3:Get*", "*:Describe*", "iam:*Role*", "*", "**", "*:*", "s3:*", "S3:GET*", "s3:GetObject",
	"s3:getobject", "s3:NoSuch*", "nosuchservice:*", "nosuchservice:Get*", "ec2:Describe?nstances",
	"*Object", "s3*", "s3:*Object*", "sts:GetCallerIdentity", "iam:Pass*", "kms:ReEncrypt*",
	"lambda:*Function*", "???:*", "s3:????Object", "*:List*Tags*", "dynamodb:*Item", "*3:Get*",
	"s3?:*", "s3express:*", "ec2-instance-connect:*", "*-*:Get*", "ec2*:Describe*", "*:*:*",
	"s3:", ":", "s3:Get*Object*Tagging", "*e*e*e*e*e*e*", "a*", "?*", "*?", "iam:?",
}

func matchPatterns(c *Catalog) []string {
	rng := rand.New(rand.NewPCG(20260926, 1))
	var all []*Action
	for _, s := range c.Services() {
		all = append(all, s.Actions...)
	}
	randomCase := func(s string) string {
		b := []byte(s)
		for i := range b {
			if rng.IntN(3) == 0 {
				if 'a' <= b[i] && b[i] <= 'z' {
					b[i] -= 'a' - 'A'
				} else if 'A' <= b[i] && b[i] <= 'Z' {
					b[i] += 'a' - 'A'
				}
			}
		}
		return string(b)
	}
	patterns := slices.Clone(fixedPatterns)
	for len(patterns) < 450 {
		a := all[rng.IntN(len(all))]
		p, n := a.Service.Prefix, a.Name
		cut := func(s string) int { return rng.IntN(len(s) + 1) }
		var pat string
		switch rng.IntN(8) {
		case 0: // prefix of the name
			pat = p + ":" + n[:cut(n)] + "*"
		case 1: // one character unknown
			i := rng.IntN(len(n))
			pat = p + ":" + n[:i] + "?" + n[i+1:]
		case 2: // a run replaced by *
			i := cut(n)
			j := i + rng.IntN(len(n)-i+1)
			pat = p + ":" + n[:i] + "*" + n[j:]
		case 3: // suffix in every service
			pat = "*:*" + n[cut(n):]
		case 4: // any casing, wildcard somewhere
			i := cut(n)
			pat = randomCase(p + ":" + n[:i] + "*" + n[i:])
		case 5: // wildcard in the service part
			pat = p[:cut(p)] + "*:" + n[:cut(n)] + "*"
		case 6: // exact name, any casing
			pat = randomCase(p + ":" + n)
		case 7: // a run across the ":"
			full := p + ":" + n
			i := rng.IntN(len(p) + 1)
			j := len(p) + 1 + rng.IntN(len(n)+1)
			pat = "*" + full[i:j] + "*"
		}
		patterns = append(patterns, pat)
	}
	return patterns
}

func fullNames(actions []*Action) []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = a.FullName()
	}
	return out
}

// deliberateMatchDifferences are patterns where Match and iam-expand differ
// on purpose. iam-expand builds a regular expression from the pattern
// without escaping it, so "." and other metacharacters act as regular
// expression operators; IAM and Match treat them as themselves.
var deliberateMatchDifferences = []struct {
	pattern string
	ours    []string
	oracle  []string // what iam-expand says
}{
	{"s3:Get.bject", nil, []string{"s3:GetObject"}},
	{"s3:GetObjec.", nil, []string{"s3:GetObject"}},
}

// resourcePairs fills every ARN template with sample values and pairs the
// result, and a wildcard form of it, with its own template and with up to
// otherTemplates other templates of the same service (all of them in small
// services), where look-alike templates are. Templates holding a literal
// "*" are left out: see TestAgainstNodeOracle.
func resourcePairs(c *Catalog) [][2]string {
	const otherTemplates = 24
	rng := rand.New(rand.NewPCG(20260926, 2))
	var pairs [][2]string
	for _, s := range c.Services() {
		var templates []string
		for _, rt := range s.ResourceTypes {
			for _, arn := range rt.ARNs {
				if !strings.Contains(arn, "*") {
					templates = append(templates, arn)
				}
			}
		}
		for i, tmpl := range templates {
			others := templates
			if len(templates) > otherTemplates+1 {
				others = []string{tmpl}
				for _, j := range rng.Perm(len(templates))[:otherTemplates] {
					if j != i {
						others = append(others, templates[j])
					}
				}
			}
			arn := fillTemplate(tmpl)
			wild := wildcardLast(arn)
			for _, other := range others {
				pairs = append(pairs, [2]string{arn, other})
				if wild != arn {
					pairs = append(pairs, [2]string{wild, other})
				}
			}
		}
	}
	return pairs
}

var templateVar = regexp.MustCompile(`\$\{[^}]+\}`)

// fillTemplate puts plausible values into a template: a partition, a
// region, a 12-digit account and a distinct short name for every other
// variable.
func fillTemplate(tmpl string) string {
	parts, _ := splitARN(tmpl)
	fill := func(s string, value func(int) string) string {
		n := 0
		return templateVar.ReplaceAllStringFunc(s, func(string) string { n++; return value(n) })
	}
	parts[0] = fill(parts[0], func(int) string { return "aws" })
	parts[1] = fill(parts[1], func(n int) string { return fmt.Sprintf("svc%d", n) })
	parts[2] = fill(parts[2], func(int) string { return "us-east-1" })
	parts[3] = fill(parts[3], func(int) string { return "123456789012" })
	parts[4] = fill(parts[4], func(n int) string { return fmt.Sprintf("n%dx", n) })
	return "arn:" + strings.Join(parts[:], ":")
}

// wildcardLast replaces the last filled name with "*", as generated
// policies do for "everything under".
func wildcardLast(arn string) string {
	i := strings.LastIndex(arn, "n")
	for i >= 0 && !(i+2 < len(arn) && arn[i+1] >= '0' && arn[i+1] <= '9') {
		i = strings.LastIndex(arn[:i], "n")
	}
	if i < 0 {
		return arn
	}
	j := i + 1
	for j < len(arn) && arn[j] >= '0' && arn[j] <= '9' {
		j++
	}
	if j < len(arn) && arn[j] == 'x' {
		return arn[:i] + "*" + arn[j+1:]
	}
	return arn
}

func TestAgainstNodeOracle(t *testing.T) {
	c := Default()
	patterns := matchPatterns(c)
	for _, d := range deliberateMatchDifferences {
		patterns = append(patterns, d.pattern)
	}
	pairs := resourcePairs(c)
	resp := runOracle(t, oracleRequest{Patterns: patterns, Resources: pairs})

	t.Run("Match", func(t *testing.T) {
		deliberate := map[string]int{}
		for i, d := range deliberateMatchDifferences {
			deliberate[d.pattern] = i
		}
		nonEmpty := 0
		for _, r := range resp.Patterns {
			got := fullNames(c.Match(r.Pattern))
			if i, ok := deliberate[r.Pattern]; ok {
				d := deliberateMatchDifferences[i]
				if !slices.Equal(got, d.ours) || !slices.Equal(r.Scanned, d.oracle) {
					t.Errorf("deliberate difference %q: Match %q (want %q), iam-expand %q (want %q)",
						r.Pattern, got, d.ours, r.Scanned, d.oracle)
				}
				continue
			}
			if len(got) > 0 {
				nonEmpty++
			}
			if !slices.Equal(got, r.Scanned) {
				t.Errorf("Match(%q) = %d actions, iam-expand actionMatchesPattern %d; only ours %q, only theirs %q",
					r.Pattern, len(got), len(r.Scanned), minus(got, r.Scanned), minus(r.Scanned, got))
			}
			if r.Expanded != nil && !slices.Equal(got, r.Expanded) {
				t.Errorf("Match(%q) = %d actions, iam-expand expandIamActions %d; only ours %q, only theirs %q",
					r.Pattern, len(got), len(r.Expanded), minus(got, r.Expanded), minus(r.Expanded, got))
			}
		}
		// A cross-check where both sides always say "nothing" proves nothing.
		if nonEmpty < len(resp.Patterns)*3/4 {
			t.Errorf("only %d of %d patterns matched anything", nonEmpty, len(resp.Patterns))
		}
		t.Logf("%d patterns agree with iam-expand (%d non-empty)", len(resp.Patterns)-len(deliberateMatchDifferences), nonEmpty)
	})

	t.Run("ResourceTypes", func(t *testing.T) {
		matched, caseOnly, account := 0, 0, 0
		for i, pair := range pairs {
			resource, tmpl := pair[0], pair[1]
			tt, err := parseTemplate(tmpl)
			if err != nil {
				t.Fatal(err)
			}
			parts, ok := splitARN(resource)
			ours := ok && tt.matches(parts)
			if ours {
				matched++
			}
			theirs := resp.Resources[i]
			switch {
			case ours == theirs:
			case caseOnlyDifference(resource, tmpl):
				caseOnly++
			case accountDifference(resource, tmpl):
				account++
			default:
				t.Errorf("%s against %s: ours %v, iam-utils %v", resource, tmpl, ours, theirs)
			}
		}
		if matched < len(pairs)/50 {
			t.Errorf("only %d of %d pairs matched", matched, len(pairs))
		}
		t.Logf("%d resource/template pairs checked with iam-utils (%d match); deliberate differences: %d letter case, %d account shape",
			len(pairs), matched, caseOnly, account)
	})
}

// caseOnlyDifference reports pairs where ARN literal text differs from the
// template only in letter case. iam-utils compares literals ignoring case;
// IAM compares ARNs case-sensitively, and so does ResourceType.Matches.
func caseOnlyDifference(resource, tmpl string) bool {
	parts, ok := splitARN(resource)
	if !ok {
		return false
	}
	tt, err := parseTemplate(strings.ToLower(tmpl))
	if err != nil {
		return false
	}
	for i := range parts {
		parts[i] = strings.ToLower(parts[i])
	}
	return tt.matches(parts)
}

// accountDifference reports pairs that differ only because iam-utils lets
// an ${Account} variable match any text, while ResourceType.Matches wants
// 12 digits or "aws" (MediaConnect's "offering" ARNs have no account).
func accountDifference(resource, tmpl string) bool {
	parts, ok := splitARN(resource)
	if !ok {
		return false
	}
	tparts, _ := splitARN(tmpl)
	if !isWholeVariable(tparts[accountComponent]) || (accountMatcher{}).match(parts[accountComponent]) {
		return false
	}
	tt, err := parseTemplate(tmpl)
	if err != nil {
		return false
	}
	parts[accountComponent] = "123456789012"
	return tt.matches(parts)
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	if len(out) > 5 {
		out = append(out[:5], "…")
	}
	return out
}
