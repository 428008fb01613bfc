package policy

import "unicode/utf8"

// glob is a compiled IAM wildcard pattern: '*' matches any run of characters
// (including '/' and ':'), '?' exactly one character. It is compiled once per
// statement so that matching a request never allocates or builds a regexp.
//
// The pattern is kept as star-separated chunks: chunk 0 is anchored at the
// start, the last chunk at the end, and every chunk in between is placed at
// its leftmost possible position, which is optimal for star-separated globs
// and keeps matching linear in practice.
type glob struct {
	chunks   []chunk
	anyStar  bool // at least one '*': the first and last chunks are not the same anchor
	foldCase bool // compare ASCII letters case-insensitively; the pattern is stored lower-case
}

// chunk is a run of literal bytes and single-character wildcards.
type chunk struct {
	lit []byte
	one []bool // one[i]: position i is '?', lit[i] is unused
}

// globElem is one element of a pattern before compilation.
type globElem struct {
	kind byte // 'l' literal byte, '*' any run, '?' one character
	b    byte
}

func compileGlob(elems []globElem, foldCase bool) glob {
	g := glob{foldCase: foldCase}
	cur := chunk{}
	for _, e := range elems {
		switch e.kind {
		case '*':
			g.chunks = append(g.chunks, cur)
			cur = chunk{}
			g.anyStar = true
		case '?':
			cur.lit = append(cur.lit, 0)
			cur.one = append(cur.one, true)
		default:
			b := e.b
			if foldCase {
				b = lowerASCII(b)
			}
			cur.lit = append(cur.lit, b)
			cur.one = append(cur.one, false)
		}
	}
	g.chunks = append(g.chunks, cur)
	return g
}

// plainGlob compiles a pattern in which '*' and '?' are wildcards and every
// other byte is literal (actions, and ARN segments of policies without
// policy-variable support).
func plainGlob(pattern string, foldCase bool) glob {
	elems := make([]globElem, 0, len(pattern))
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*', '?':
			elems = append(elems, globElem{kind: c})
		default:
			elems = append(elems, globElem{kind: 'l', b: c})
		}
	}
	return compileGlob(elems, foldCase)
}

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

// matchChunkAt reports whether c matches s starting at byte i, and the byte
// offset just past the match.
func (g *glob) matchChunkAt(c *chunk, s string, i int) (int, bool) {
	for k := range c.lit {
		if i >= len(s) {
			return 0, false
		}
		if c.one[k] {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			continue
		}
		b := s[i]
		if g.foldCase {
			b = lowerASCII(b)
		}
		if b != c.lit[k] {
			return 0, false
		}
		i++
	}
	return i, true
}

// match reports whether the whole of s matches the pattern.
func (g *glob) match(s string) bool {
	first := &g.chunks[0]
	end, ok := g.matchChunkAt(first, s, 0)
	if !ok {
		return false
	}
	if !g.anyStar {
		return end == len(s)
	}
	last := &g.chunks[len(g.chunks)-1]
	pos := end
	for ci := 1; ci < len(g.chunks)-1; ci++ {
		c := &g.chunks[ci]
		found := false
		for start := pos; start <= len(s); start++ {
			if start < len(s) && !utf8.RuneStart(s[start]) {
				continue // '?' must not match half a character
			}
			if e, ok := g.matchChunkAt(c, s, start); ok {
				pos, found = e, true
				break
			}
		}
		if !found {
			return false
		}
	}
	// The last chunk is anchored at the end; it has a fixed length in
	// characters, so try the positions from the right that leave it room.
	return g.matchSuffix(last, s, pos)
}

// matchSuffix reports whether c matches a suffix of s that starts at or after
// byte min.
func (g *glob) matchSuffix(c *chunk, s string, min int) bool {
	if len(c.lit) == 0 {
		return true
	}
	hasOne := false
	for _, o := range c.one {
		if o {
			hasOne = true
			break
		}
	}
	if !hasOne {
		start := len(s) - len(c.lit)
		if start < min {
			return false
		}
		e, ok := g.matchChunkAt(c, s, start)
		return ok && e == len(s)
	}
	// '?' may consume a multi-byte character, so the suffix length in bytes is
	// not fixed: try every start that leaves the chunk room.
	for start := min; start < len(s); start++ {
		if !utf8.RuneStart(s[start]) {
			continue
		}
		if e, ok := g.matchChunkAt(c, s, start); ok && e == len(s) {
			return true
		}
	}
	return false
}

// isAllStars reports whether p is made only of '*' (and is not empty): IAM
// reads "*", "**", … as "everything".
func isAllStars(p string) bool {
	if p == "" {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '*' {
			return false
		}
	}
	return true
}
