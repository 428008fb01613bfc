package policy

import (
	"bytes"
	"sort"
	"strings"
	"unicode/utf8"
)

// Canonical returns the document as canonical JSON, the one form iamtailor
// writes and diffs: the same document always gives the same bytes.
//
//   - Elements in a fixed order, the order AWS documentation writes them:
//     Version, Id, Statement; in a statement Sid, Effect, Principal,
//     NotPrincipal, Action, NotAction, Resource, NotResource, Condition.
//     Absent elements are left out; Statement is always an array.
//   - Statements keep their order (it carries no meaning, but reviewers
//     recognise their own policy).
//   - Action and NotAction are sorted and de-duplicated case-insensitively
//     (IAM matches actions without regard to case) and printed as written;
//     of spellings that differ only in case the byte-wise smallest is kept.
//     Resource, NotResource, principal identifiers and condition values are
//     sorted and de-duplicated exactly. Condition operators and keys are
//     sorted.
//   - A list of one value is printed as a string, any other list (including
//     an empty one) as an array; condition values are printed as strings.
//   - Two-space indent, no HTML escaping, a trailing newline.
func (d *Document) Canonical() []byte {
	var w canonWriter
	w.document(d)
	return w.buf.Bytes()
}

type canonWriter struct {
	buf   bytes.Buffer
	depth int
	first []bool // per open container: no member written yet
}

func (w *canonWriter) newline() {
	w.buf.WriteByte('\n')
	for i := 0; i < w.depth; i++ {
		w.buf.WriteString("  ")
	}
}

func (w *canonWriter) open(c byte) {
	w.buf.WriteByte(c)
	w.depth++
	w.first = append(w.first, true)
}

func (w *canonWriter) close(c byte) {
	w.depth--
	empty := w.first[len(w.first)-1]
	w.first = w.first[:len(w.first)-1]
	if !empty {
		w.newline()
	}
	w.buf.WriteByte(c)
}

// member starts the next member of the open container.
func (w *canonWriter) member() {
	if !w.first[len(w.first)-1] {
		w.buf.WriteByte(',')
	}
	w.first[len(w.first)-1] = false
	w.newline()
}

func (w *canonWriter) key(k string) {
	w.member()
	writeJSONString(&w.buf, k)
	w.buf.WriteString(": ")
}

func (w *canonWriter) list(values []string) {
	if len(values) == 1 {
		writeJSONString(&w.buf, values[0])
		return
	}
	w.open('[')
	for _, v := range values {
		w.member()
		writeJSONString(&w.buf, v)
	}
	w.close(']')
}

func (w *canonWriter) document(d *Document) {
	w.open('{')
	if d.Version != "" {
		w.key("Version")
		writeJSONString(&w.buf, d.Version)
	}
	if d.ID != "" {
		w.key("Id")
		writeJSONString(&w.buf, d.ID)
	}
	w.key("Statement")
	w.open('[')
	for i := range d.Statements {
		w.member()
		w.statement(&d.Statements[i])
	}
	w.close(']')
	w.close('}')
	w.buf.WriteByte('\n')
}

func (w *canonWriter) statement(s *Statement) {
	w.open('{')
	if s.Sid != "" {
		w.key("Sid")
		writeJSONString(&w.buf, s.Sid)
	}
	w.key("Effect")
	writeJSONString(&w.buf, string(s.Effect))
	w.principal("Principal", s.Principal)
	w.principal("NotPrincipal", s.NotPrincipal)
	for _, el := range []struct {
		name   string
		values []string
		fold   bool
	}{
		{"Action", s.Action, true},
		{"NotAction", s.NotAction, true},
		{"Resource", s.Resource, false},
		{"NotResource", s.NotResource, false},
	} {
		if el.values == nil {
			continue
		}
		w.key(el.name)
		if el.fold {
			w.list(sortedFold(el.values))
		} else {
			w.list(sortedUnique(el.values))
		}
	}
	if s.Condition != nil {
		w.key("Condition")
		w.open('{')
		for _, op := range sortedKeys(s.Condition) {
			w.key(op)
			w.open('{')
			keys := s.Condition[op]
			for _, k := range sortedKeys(keys) {
				w.key(k)
				w.list(sortedUnique(keys[k]))
			}
			w.close('}')
		}
		w.close('}')
	}
	w.close('}')
}

func (w *canonWriter) principal(name string, p *Principal) {
	if p == nil {
		return
	}
	w.key(name)
	if p.Wildcard {
		writeJSONString(&w.buf, "*")
		return
	}
	w.open('{')
	for _, k := range sortedKeys(p.Values) {
		w.key(k)
		w.list(sortedUnique(p.Values[k]))
	}
	w.close('}')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sortedUnique returns the values sorted byte-wise without duplicates; the
// result is non-nil so that an element written as [] stays present.
func sortedUnique(values []string) []string {
	out := append(make([]string, 0, len(values)), values...)
	sort.Strings(out)
	n := 0
	for i, v := range out {
		if i == 0 || v != out[n-1] {
			out[n] = v
			n++
		}
	}
	return out[:n]
}

// sortedFold sorts case-insensitively and drops values equal to an earlier
// one without regard to case, keeping the byte-wise smallest spelling.
func sortedFold(values []string) []string {
	type pair struct{ lower, orig string }
	ps := make([]pair, len(values))
	for i, v := range values {
		ps[i] = pair{strings.ToLower(v), v}
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].lower != ps[j].lower {
			return ps[i].lower < ps[j].lower
		}
		return ps[i].orig < ps[j].orig
	})
	out := make([]string, 0, len(ps))
	for i, p := range ps {
		if i > 0 && p.lower == ps[i-1].lower {
			continue
		}
		out = append(out, p.orig)
	}
	return out
}

const hexDigits = "0123456789abcdef"

// writeJSONString writes s as a JSON string. Only what JSON requires is
// escaped ('"', '\\', control characters); '<', '>' and '&' are kept as
// they are so that the size IAM counts is not inflated. Invalid UTF-8 is
// written as U+FFFD, as encoding/json does.
func writeJSONString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf.WriteByte('\\')
				buf.WriteByte(c)
			case c == '\n':
				buf.WriteString(`\n`)
			case c == '\r':
				buf.WriteString(`\r`)
			case c == '\t':
				buf.WriteString(`\t`)
			case c < 0x20:
				buf.WriteString(`\u00`)
				buf.WriteByte(hexDigits[c>>4])
				buf.WriteByte(hexDigits[c&0xf])
			default:
				buf.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf.WriteString(`\ufffd`)
		} else {
			buf.WriteString(s[i : i+size])
		}
		i += size
	}
	buf.WriteByte('"')
}

// NonWhitespaceLen is the size IAM's policy size quotas measure (managed
// policy 6,144; inline policies per role 10,240, per user 2,048, per group
// 5,120 — the inline limits apply to the sum over an entity's inline
// policies). The IAM quotas page says "IAM doesn't count white space when
// calculating the size of a policy against these quotas"; it does not say
// whether white space inside string values counts, nor whether a character
// means a byte. So this counts, on purpose, the larger reading:
//
//   - JSON white space (space, tab, CR, LF) between tokens is not counted;
//   - everything inside string literals is counted as written, white space
//     and escape sequences included;
//   - a non-ASCII character counts as its UTF-8 bytes (IAM's error message
//     speaks of bytes: "Maximum policy size of 10240 bytes exceeded").
//
// A document this function says fits therefore fits under any of those
// readings. It never fails: text that is not JSON is measured by the same
// rule.
func NonWhitespaceLen(doc []byte) int {
	n := 0
	inString, escaped := false, false
	for _, c := range doc {
		switch {
		case inString:
			n++
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			n++
			if c == '"' {
				inString = true
			}
		}
	}
	return n
}
