package generate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/iamtailor/iamtailor/analyze/catalog"
)

// stmtClass orders and names the three kinds of statement.
type stmtClass uint8

const (
	// scoped statements name specific resources.
	scoped stmtClass = iota
	// unscoped statements hold actions that take a resource type but whose
	// ARN the analyzer could not build: "*" with a recorded reason. They are
	// kept apart (Sid suffix AnyResource) so a reviewer sees them at once.
	unscoped
	// noResourceType is the one statement of actions that IAM only allows
	// on "*".
	noResourceType
)

// noResourceTypeSid names the shared statement of actions that take no
// resource type.
const noResourceTypeSid = "ActionsWithoutResourceTypes"

// statement is the generator's working form of a policy statement, with
// what it needs to name, order and split it.
type statement struct {
	Sid       string
	Actions   []string // sorted catalog names, or wildcards once compressed
	Resources []string // sorted

	class   stmtClass
	service string              // "" for the shared noResourceType statement
	level   catalog.AccessLevel // 0 for the shared noResourceType statement
	types   []string            // resource type names the resources name, sorted
	base    string              // Sid before it was made unique
	origin  *statement          // the statement this one is a part of, when it was cut
}

// groupKey is what statements are grouped by: one service, one access level
// and one resource set. Splitting by access level costs repeated resource
// lists, but lets a reviewer read "who can write what" off the Sids, which
// is the question a least-privilege review asks first.
type groupKey struct {
	class     stmtClass
	service   string
	level     catalog.AccessLevel
	resources string
}

// buildStatements groups every action with its final resource set into
// statements, names them, and orders them: scoped statements by service,
// access level (least consequential first) and name; then the unscoped ones;
// then the shared "*" statement.
func buildStatements(actions map[string]*actionPlan) []*statement {
	groups := map[groupKey]*statement{}
	for _, name := range sortedKeysOf(actions) {
		p := actions[name]
		k := groupKey{class: p.class, service: p.action.Service.Prefix, level: p.action.Access}
		if p.class == noResourceType {
			k.service, k.level = "", 0
		} else {
			k.resources = strings.Join(p.resources, "\n")
		}
		st := groups[k]
		if st == nil {
			st = &statement{class: k.class, service: k.service, level: k.level, Resources: p.resources}
			groups[k] = st
		}
		st.Actions = append(st.Actions, name)
		st.types = mergeSorted(st.types, p.types)
	}
	stmts := make([]*statement, 0, len(groups))
	for _, st := range groups {
		sort.Strings(st.Actions)
		st.base = baseSid(st)
		stmts = append(stmts, st)
	}
	sort.Slice(stmts, func(i, j int) bool { return stmtLess(stmts[i], stmts[j]) })
	assignSids(stmts)
	return stmts
}

func stmtLess(a, b *statement) bool {
	if a.class != b.class {
		return a.class < b.class
	}
	if a.service != b.service {
		return a.service < b.service
	}
	if ra, rb := levelRank(a.level), levelRank(b.level); ra != rb {
		return ra < rb
	}
	if a.base != b.base {
		return a.base < b.base
	}
	if c := compareLists(a.Resources, b.Resources); c != 0 {
		return c < 0
	}
	return compareLists(a.Actions, b.Actions) < 0
}

func compareLists(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return strings.Compare(a[i], b[i])
		}
	}
	return len(a) - len(b)
}

func levelRank(l catalog.AccessLevel) int {
	for i, v := range catalog.AccessLevels {
		if v == l {
			return i
		}
	}
	return len(catalog.AccessLevels)
}

// baseSid is Service + AccessLevel + resource types, in PascalCase:
// S3ReadObject, DynamodbWriteIndexTable, Ec2WriteAnyResource. At most two
// resource type names are spelled out, then "Etc", to keep Sids short.
func baseSid(st *statement) string {
	if st.class == noResourceType {
		return noResourceTypeSid
	}
	var b strings.Builder
	b.WriteString(pascal(st.service))
	b.WriteString(pascal(st.level.String()))
	if st.class == unscoped {
		b.WriteString("AnyResource")
		return b.String()
	}
	for i, t := range st.types {
		if i == 2 {
			b.WriteString("Etc")
			break
		}
		b.WriteString(pascal(t))
	}
	return b.String()
}

// pascal keeps letters and digits and upper-cases the first of each run:
// "execute-api" → "ExecuteApi", "Permissions management" →
// "PermissionsManagement", "log-stream" → "LogStream".
func pascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// assignSids makes Sids unique in statement order: the first statement of a
// base keeps it, the next ones get 2, 3, … (skipping any Sid already taken).
func assignSids(stmts []*statement) {
	taken := map[string]bool{}
	for _, st := range stmts {
		taken[st.base] = true
	}
	used := map[string]bool{}
	for _, st := range stmts {
		sid := st.base
		if used[sid] {
			for n := 2; ; n++ {
				cand := st.base + strconv.Itoa(n)
				if !used[cand] && !taken[cand] {
					sid = cand
					break
				}
			}
		}
		used[sid] = true
		st.Sid = sid
	}
}

func mergeSorted(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := append(append([]string(nil), a...), b...)
	sort.Strings(out)
	n := 0
	for i, s := range out {
		if i == 0 || s != out[n-1] {
			out[n] = s
			n++
		}
	}
	return out[:n]
}

// WildcardNote records an action wildcard the generator used.
type WildcardNote struct {
	Sid     string   `json:"sid"`
	Pattern string   `json:"pattern"`
	Covers  []string `json:"covers"`
	Warning string   `json:"warning"`
}

const wildcardWarning = "matches exactly these actions in the catalog version used; actions AWS adds later whose names match the pattern will be allowed too"

// compressActions replaces actions by "svc:Prefix*" where, in this catalog,
// the pattern matches at least two actions and only actions the statement
// already grants, so the policy allows exactly the same as before. Prefixes
// end at a word boundary of the action name (Get*, GetObject*), shortest
// first, so one pattern covers as much as it can.
func compressActions(st *statement, cat *catalog.Catalog) []WildcardNote {
	in := map[string]bool{}
	for _, a := range st.Actions {
		in[strings.ToLower(a)] = true
	}
	chosen := map[string][]string{}
	covered := map[string]bool{}
	for _, full := range st.Actions {
		if covered[full] {
			continue
		}
		prefix, name, _ := strings.Cut(full, ":")
		for _, cut := range wordBoundaries(name) {
			pattern := prefix + ":" + name[:cut] + "*"
			matched := cat.Match(pattern)
			if len(matched) < 2 || !allIn(matched, in) {
				continue
			}
			names := make([]string, len(matched))
			for i, m := range matched {
				names[i] = m.FullName()
				covered[m.FullName()] = true
			}
			chosen[pattern] = names
			break
		}
	}
	if len(chosen) == 0 {
		return nil
	}
	// A pattern may be covered by a shorter one chosen for another action.
	patterns := sortedKeysOf(chosen)
	var keep []string
	for _, p := range patterns {
		redundant := false
		for _, q := range patterns {
			if q != p && covers(strings.ToLower(q), strings.ToLower(p)) {
				redundant = true
				break
			}
		}
		if !redundant {
			keep = append(keep, p)
		}
	}
	var actions []string
	var notes []WildcardNote
	for _, a := range st.Actions {
		if !covered[a] {
			actions = append(actions, a)
		}
	}
	for _, p := range keep {
		actions = append(actions, p)
		notes = append(notes, WildcardNote{Pattern: p, Covers: chosen[p], Warning: wildcardWarning})
	}
	sort.Strings(actions)
	st.Actions = actions
	return notes
}

func allIn(matched []*catalog.Action, in map[string]bool) bool {
	for _, m := range matched {
		if !in[strings.ToLower(m.FullName())] {
			return false
		}
	}
	return true
}

// wordBoundaries returns the byte offsets in a CamelCase action name where a
// new word starts, in increasing order: "GetObjectACL" → [3, 9];
// "GetSAMLProvider" → [3, 7]. Offset 0 is never a boundary: "s3:*" is not a
// wildcard the generator would write.
func wordBoundaries(name string) []int {
	var cuts []int
	for i := 1; i < len(name); i++ {
		c, prev := name[i], name[i-1]
		if !isUpper(c) {
			continue
		}
		if isLower(prev) || isDigit(prev) || (isUpper(prev) && i+1 < len(name) && isLower(name[i+1])) {
			cuts = append(cuts, i)
		}
	}
	return cuts
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (st *statement) String() string {
	return fmt.Sprintf("%s %v %v", st.Sid, st.Actions, st.Resources)
}
