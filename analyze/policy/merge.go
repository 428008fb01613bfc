package policy

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
)

// Merge puts every statement of several policies into one document, for
// showing a principal's current effective identity policy as a single
// canonical document (what review diffs a suggestion against).
//
//   - Policies are taken in order of name (then of their canonical bytes),
//     so the result does not depend on the order they were listed in;
//     statements keep their order within a policy.
//   - Nothing is split or rewritten semantically; a statement identical to
//     an earlier one (everything but the Sid) is dropped.
//   - Every statement gets a Sid made of the policy name and its own Sid
//     (or "Statement<n>", counting from 1), reduced to the letters and
//     digits IAM allows in a Sid, with "2", "3", … appended when two would
//     otherwise be equal.
//   - The result has Version 2012-10-17. A statement from a document of
//     another version has "${" in its resources and condition values written
//     as "${$}{" so that text its own version read literally is not turned
//     into a policy variable.
//
// Nil documents are skipped.
func Merge(policies ...Named) *Document {
	type source struct {
		name  string
		doc   *Document
		canon []byte
	}
	var srcs []source
	for _, p := range policies {
		if p.Doc != nil {
			srcs = append(srcs, source{p.Name, p.Doc, p.Doc.Canonical()})
		}
	}
	sort.SliceStable(srcs, func(i, j int) bool {
		if srcs[i].name != srcs[j].name {
			return srcs[i].name < srcs[j].name
		}
		return bytes.Compare(srcs[i].canon, srcs[j].canon) < 0
	})

	out := &Document{Version: Version2012, Statements: []Statement{}}
	seenBody := map[string]bool{}
	usedSid := map[string]bool{}
	for _, src := range srcs {
		for i := range src.doc.Statements {
			st := src.doc.Statements[i].clone()
			if src.doc.Version != Version2012 {
				escapeVariables(&st)
			}
			own := st.Sid
			st.Sid = ""
			body := string((&Document{Statements: []Statement{st}}).Canonical())
			if seenBody[body] {
				continue
			}
			seenBody[body] = true
			if own == "" {
				own = "Statement" + strconv.Itoa(i+1)
			}
			st.Sid = uniqueSid(sidWord(src.name)+sidWord(own), usedSid)
			out.Statements = append(out.Statements, st)
		}
	}
	return out
}

// sidWord keeps the ASCII letters and digits of s, IAM's Sid alphabet.
func sidWord(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func uniqueSid(base string, used map[string]bool) string {
	if base == "" {
		base = "Statement"
	}
	sid := base
	for n := 2; used[sid]; n++ {
		sid = base + strconv.Itoa(n)
	}
	used[sid] = true
	return sid
}

func escapeVariables(st *Statement) {
	esc := func(l []string) {
		for i, v := range l {
			l[i] = strings.ReplaceAll(v, "${", "${$}{")
		}
	}
	esc(st.Resource)
	esc(st.NotResource)
	for _, keys := range st.Condition {
		for _, v := range keys {
			esc(v)
		}
	}
}
