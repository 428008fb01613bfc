package generate

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Widening is one place where the policy allows more than the observed
// resources, and why. Every widening the generator makes is listed.
type Widening struct {
	Actions  []string `json:"actions"`
	Resource string   `json:"resource"`
	// Replaced is how many distinct observed resources the Resource stands
	// for.
	Replaced int    `json:"replaced"`
	Reason   string `json:"reason"`
}

// compressResources applies, to one action's resource set, the widenings the
// options allow, in a fixed order: regions and accounts first (so that
// path-like resources of several regions share one prefix tree), then
// prefixes, then removal of resources another one already covers (which
// changes nothing a policy allows). The input is sorted and distinct.
func compressResources(action string, res []string, opts Options) ([]string, []Widening) {
	var wid []Widening
	if opts.CollapseRegions || opts.CollapseAccounts {
		res, wid = collapseRegionsAccounts(action, res, opts.CollapseRegions, opts.CollapseAccounts)
	}
	if opts.CollapseThreshold > 0 {
		var more []Widening
		res, more = collapsePrefixes(action, res, opts.CollapseThreshold)
		wid = append(wid, more...)
	}
	res = dropCovered(res)
	// A widening whose result was itself absorbed by a wider one (a table
	// collapsed across regions, then covered by a prefix) is reported once,
	// by the wider one.
	kept := wid[:0]
	for _, w := range wid {
		if _, ok := slices.BinarySearch(res, w.Resource); ok {
			kept = append(kept, w)
		}
	}
	return res, kept
}

// collapseRegionsAccounts merges ARNs that are equal except for a non-empty
// region (and/or account) field into one ARN with "*" in the fields that
// differ. ARNs with an empty field (S3, IAM) never merge with others.
func collapseRegionsAccounts(action string, res []string, regions, accounts bool) ([]string, []Widening) {
	type group struct {
		members           []string
		regions, accounts map[string]bool
		first             arnParts
	}
	groups := map[string]*group{}
	var order []string
	var out []string
	for _, r := range res {
		a, ok := parseARN(r)
		if !ok {
			out = append(out, r)
			continue
		}
		k := a
		if regions && a.region != "" && a.region != "*" {
			k.region = "\x00"
		}
		if accounts && a.account != "" && a.account != "*" {
			k.account = "\x00"
		}
		key := k.String()
		g := groups[key]
		if g == nil {
			g = &group{regions: map[string]bool{}, accounts: map[string]bool{}, first: a}
			groups[key] = g
			order = append(order, key)
		}
		g.members = append(g.members, r)
		g.regions[a.region] = true
		g.accounts[a.account] = true
	}
	var wid []Widening
	for _, key := range order {
		g := groups[key]
		if len(g.members) == 1 {
			out = append(out, g.members[0])
			continue
		}
		merged := g.first
		var fields []string
		if len(g.regions) > 1 {
			merged.region = "*"
			fields = append(fields, fmt.Sprintf("%d regions (%s)", len(g.regions), strings.Join(sortedKeys(g.regions), ", ")))
		}
		if len(g.accounts) > 1 {
			merged.account = "*"
			fields = append(fields, fmt.Sprintf("%d accounts (%s)", len(g.accounts), strings.Join(sortedKeys(g.accounts), ", ")))
		}
		flag := map[bool]string{true: "--collapse-regions", false: "--collapse-accounts"}[len(g.regions) > 1]
		if len(g.regions) > 1 && len(g.accounts) > 1 {
			flag = "--collapse-regions and --collapse-accounts"
		}
		out = append(out, merged.String())
		wid = append(wid, Widening{
			Actions:  []string{action},
			Resource: merged.String(),
			Replaced: len(g.members),
			Reason:   fmt.Sprintf("the same resource in %s, merged by %s; it now also matches the other %s", strings.Join(fields, " and "), flag, widenedFieldNames(len(g.regions) > 1, len(g.accounts) > 1)),
		})
	}
	sort.Strings(out)
	out = slices.Compact(out)
	return out, wid
}

func widenedFieldNames(region, account bool) string {
	switch {
	case region && account:
		return "regions and accounts"
	case region:
		return "regions"
	default:
		return "accounts"
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pathFamily recognises the resources whose identifier is a "/"-separated
// path inside a container that bounds any collapse: S3 objects (never wider
// than their bucket), SSM parameters (never wider than the first path
// segment: "parameter/*" would be every parameter of the region), and log
// streams (never wider than their log group).
func pathFamily(arn string) (container, rest string, floor int, noun string, ok bool) {
	a, ok := parseARN(arn)
	if !ok {
		return "", "", 0, "", false
	}
	switch a.service {
	case "s3":
		if a.region != "" || a.account != "" {
			return "", "", 0, "", false
		}
		slash := strings.IndexByte(a.resource, '/')
		if slash <= 0 || strings.ContainsAny(a.resource[:slash], "*?") {
			return "", "", 0, "", false
		}
		prefix := "arn:" + a.partition + ":s3:::" + a.resource[:slash+1]
		return prefix, a.resource[slash+1:], 0, "objects", true
	case "ssm":
		const p = "parameter/"
		if !strings.HasPrefix(a.resource, p) || strings.ContainsAny(a.region+a.account, "*?") {
			return "", "", 0, "", false
		}
		return arn[:len(arn)-len(a.resource)+len(p)], a.resource[len(p):], 1, "parameters", true
	case "logs":
		const g, s = "log-group:", ":log-stream:"
		if !strings.HasPrefix(a.resource, g) {
			return "", "", 0, "", false
		}
		i := strings.Index(a.resource, s)
		if i < 0 || strings.ContainsAny(a.resource[:i], "*?") {
			return "", "", 0, "", false
		}
		cut := len(arn) - len(a.resource) + i + len(s)
		return arn[:cut], arn[cut:], 0, "log streams", true
	}
	return "", "", 0, "", false
}

type trieNode struct {
	children map[string]*trieNode
	leaves   []string // full rests of the entries that end in this directory
}

func (n *trieNode) insert(rest string) {
	cur := n
	start := 0
	for {
		slash := strings.IndexByte(rest[start:], '/')
		if slash < 0 {
			cur.leaves = append(cur.leaves, rest)
			return
		}
		seg := rest[start : start+slash]
		if cur.children == nil {
			cur.children = map[string]*trieNode{}
		}
		next := cur.children[seg]
		if next == nil {
			next = &trieNode{}
			cur.children[seg] = next
		}
		cur = next
		start += slash + 1
	}
}

// prefixEntry is one resource left after collapsing: an observed rest, or
// "prefix*" standing for several.
type prefixEntry struct {
	rest      string
	originals int // observed resources it stands for
	// For a collapsed directory: its own objects and its sub-directories
	// (both 0 if not collapsed).
	leaves, dirs int
}

// collapse gives the resources that stand for this directory's subtree. A
// directory collapses to one "prefix*" entry when it holds more than
// threshold direct entries (its own objects, and its sub-directories each
// counting once however much they hold), unless it is shallower than
// floor. Otherwise it keeps its objects and what its sub-directories give.
//
// Counting direct entries, not everything below, is what makes the
// threshold monotonic: whether a directory collapses does not depend on
// what happened to its sub-directories, so the directories that collapse
// under a threshold are a subset of those that collapse under any lower
// one, and raising the threshold can only narrow the grant. (Counting a
// sub-directory's objects when it did not collapse made a higher threshold
// keep a deep prefix open, then count all its objects against its parent
// and widen that to the whole bucket.)
func (n *trieNode) collapse(prefix string, depth, floor, threshold int) []prefixEntry {
	if direct := len(n.leaves) + len(n.children); depth >= floor && direct > threshold {
		return []prefixEntry{{rest: prefix + "*", originals: n.objects(), leaves: len(n.leaves), dirs: len(n.children)}}
	}
	var entries []prefixEntry
	segs := make([]string, 0, len(n.children))
	for s := range n.children {
		segs = append(segs, s)
	}
	sort.Strings(segs)
	for _, s := range segs {
		entries = append(entries, n.children[s].collapse(prefix+s+"/", depth+1, floor, threshold)...)
	}
	for _, l := range n.leaves {
		entries = append(entries, prefixEntry{rest: l, originals: 1})
	}
	return entries
}

// objects counts the observed resources in the subtree.
func (n *trieNode) objects() int {
	total := len(n.leaves)
	for _, c := range n.children {
		total += c.objects()
	}
	return total
}

func collapsePrefixes(action string, res []string, threshold int) ([]string, []Widening) {
	type family struct {
		root  *trieNode
		floor int
		noun  string
	}
	fams := map[string]*family{}
	var out []string
	for _, r := range res {
		container, rest, floor, noun, ok := pathFamily(r)
		if !ok {
			out = append(out, r)
			continue
		}
		f := fams[container]
		if f == nil {
			f = &family{root: &trieNode{}, floor: floor, noun: noun}
			fams[container] = f
		}
		f.root.insert(rest)
	}
	var wid []Widening
	for _, container := range sortedKeysOf(fams) {
		f := fams[container]
		for _, e := range f.root.collapse("", 0, f.floor, threshold) {
			out = append(out, container+e.rest)
			if e.leaves+e.dirs == 0 {
				continue
			}
			reason := fmt.Sprintf("%d observed %s directly under this prefix, more than the collapse threshold %d", e.originals, f.noun, threshold)
			if e.dirs > 0 {
				reason = fmt.Sprintf("%d observed %s under this prefix, whose %d direct entries (%d %s and %d sub-prefixes) are more than the collapse threshold %d",
					e.originals, f.noun, e.leaves+e.dirs, e.leaves, f.noun, e.dirs, threshold)
			}
			if e.rest == "*" && f.floor == 0 {
				reason += "; this is " + containerNoun(f.noun) + ", never wider"
			}
			wid = append(wid, Widening{Actions: []string{action}, Resource: container + e.rest, Replaced: e.originals, Reason: reason})
		}
	}
	sort.Strings(out)
	out = slices.Compact(out)
	return out, wid
}

func containerNoun(noun string) string {
	if noun == "objects" {
		return "the whole bucket"
	}
	return "the whole log group"
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dropCovered removes every resource that another resource of the set
// already matches in full, so the policy lists each grant once. The set is
// sorted; the result is sorted.
func dropCovered(res []string) []string {
	if len(res) < 2 {
		return res
	}
	lits := map[string]bool{}
	var lens []int
	seen := map[int]bool{}
	for _, r := range res {
		if r == "*" {
			return []string{"*"}
		}
		if lit, ok := prefixPattern(r); ok {
			lits[lit] = true
			if !seen[len(lit)] {
				seen[len(lit)] = true
				lens = append(lens, len(lit))
			}
		}
	}
	if len(lits) == 0 {
		return res
	}
	out := res[:0:0]
	for _, r := range res {
		covered := false
		for _, l := range lens {
			if l <= len(r) && lits[r[:l]] && r != r[:l]+"*" {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, r)
		}
	}
	return out
}
