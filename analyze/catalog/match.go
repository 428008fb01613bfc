package catalog

import (
	"sort"
	"strings"
)

// Match returns every action that the IAM action pattern matches, sorted by
// FullName. As in IAM, the pattern is matched against the whole
// "prefix:Name" string, ignoring case, with "*" for any run of characters
// (it may span the ":", as in "*:Describe*") and "?" for one character.
// A pattern without wildcards returns the one action it names, if any.
// The slice is freshly allocated; the actions are shared.
func (c *Catalog) Match(pattern string) []*Action {
	if !hasWildcard(pattern) {
		if a, ok := c.Action(pattern); ok {
			return []*Action{a}
		}
		return nil
	}
	candidates := c.allSorted()
	if prefix, _, ok := strings.Cut(pattern, ":"); ok && !hasWildcard(prefix) {
		s, ok := c.Service(prefix)
		if !ok {
			return nil
		}
		candidates = s.Actions
	}
	var out []*Action
	for _, a := range candidates {
		if globMatchFold(pattern, a.fullName) {
			out = append(out, a)
		}
	}
	// A service's actions are in case-insensitive order; FullName order
	// differs where names differ only after a case change.
	sort.Slice(out, func(i, j int) bool { return out[i].fullName < out[j].fullName })
	return out
}

// allSorted returns every action ordered by FullName. The file is grouped
// by service, and "ec2-instance-connect:" sorts before "ec2:", so the order
// differs from service-then-action order.
func (c *Catalog) allSorted() []*Action {
	c.sortedOnce.Do(func() {
		all := make([]*Action, 0, c.NumActions())
		for _, s := range c.Services() {
			all = append(all, s.Actions...)
		}
		sort.Slice(all, func(i, j int) bool { return all[i].fullName < all[j].fullName })
		c.sorted = all
	})
	return c.sorted
}

// globMatchFold matches s against an IAM wildcard pattern, ASCII
// case-insensitively. It backtracks only to the last "*", so it runs in
// O(len(pattern)·len(s)) at worst.
func globMatchFold(pattern, s string) bool {
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			starP, starI = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || foldEqual(pattern[p], s[i])):
			p++
			i++
		case starP >= 0:
			p = starP + 1
			starI++
			i = starI
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func foldEqual(a, b byte) bool {
	if a == b {
		return true
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}
