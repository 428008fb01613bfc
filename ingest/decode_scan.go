package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// The scanner works on a window of the input that is followed by scanPad
// zero bytes. The padding lets the indexer read whole 64-byte blocks and the
// string loops 8 bytes at a time without bounds arithmetic, and makes every
// loop stop at the end of the data on a NUL, which is never valid where a
// scanner meets it: a NUL at i == n means "need more input", anywhere else it
// is a syntax error.
const scanPad = 64

// errMore says the window ended inside the value being scanned. The driver
// reads more input and parses the item again from its start.
var errMore = errors.New("need more input")

// syntaxError is invalid JSON at an offset into the scanner's window.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// quoteOrEscape marks, in the high bit of each byte, the bytes of x that end
// a run of plain string content: '"', '\\' and control characters. Only the
// lowest marked byte is exact (borrows can mark bytes above it), which is
// all the callers use.
func quoteOrEscape(x uint64) uint64 {
	q := x ^ (lsb * '"')
	e := x ^ (lsb * '\\')
	return ((q-lsb)&^q | (e-lsb)&^e | (x-lsb*0x20)&^x) & msb
}

// scanner parses JSON in a window [0, n) of b (len(b) == n+scanPad).
type scanner struct {
	b   []byte
	n   int
	i   int
	eof bool // nothing follows b[:n]: the end of the window is the end of the input
	err error

	// arena holds strings that could not alias b (escapes, invalid UTF-8)
	// and parameter paths. Reset per item. Strings point into whichever
	// backing array was current when they were made; growth leaves earlier
	// arrays alive through those strings, so they stay valid for the item.
	arena []byte
	stack []byte // open containers while skipping

	// idx is the structural index of the window from offset o (see
	// decode_index.go); nil means scan byte by byte. It is built lazily, in
	// chunks, just ahead of the parser, so that the blocks being read are
	// still in the first-level cache: idx[:nidx] is built, ist continues it.
	idx  []block
	nidx int
	ist  indexState
	o    int

	// base is &b[0], for the few hot reads that skip bounds checks (see at).
	base unsafe.Pointer
}

// at returns s.b[i] without a bounds check. Callers only pass positions at
// most a few bytes past n, which the scanPad zero bytes after the window
// cover.
func (s *scanner) at(i int) byte { return *(*byte)(unsafe.Add(s.base, i)) }

// str returns s.b[i:j] as a string without bounds checks; i <= j <= n.
func (s *scanner) str(i, j int) string { return unsafe.String((*byte)(unsafe.Add(s.base, i)), j-i) }

// indexChunk is how many blocks are indexed at a time (8 KiB of input).
const indexChunk = 128

// startIndex prepares an index of blocks blocks from window offset o.
func (s *scanner) startIndex(idx []block, o int) {
	s.idx, s.o, s.nidx, s.ist = idx, o, 0, indexState{}
}

// indexed makes block j of the index available, reporting false when the
// window has no such block.
func (s *scanner) indexed(j int) bool {
	for j >= s.nidx {
		if s.nidx >= len(s.idx) {
			return false
		}
		end := min(len(s.idx), s.nidx+indexChunk)
		indexBlocks(s.b[s.o+s.nidx<<6:], s.idx[s.nidx:end], &s.ist)
		s.nidx = end
	}
	return true
}

func (s *scanner) reset(b []byte, n, i int, eof bool) {
	if n+scanPad > len(b) {
		panic("ingest: scanner window without its padding") // a bug, never input
	}
	s.b, s.n, s.i, s.eof, s.err = b, n, i, eof, nil
	s.base = unsafe.Pointer(unsafe.SliceData(b))
	s.arena = s.arena[:0]
}

// fail records the first error: errMore when the position is the end of a
// window that more input may extend, else a syntax error.
func (s *scanner) fail(i int, what string) bool {
	if s.err != nil {
		return false
	}
	if i >= s.n {
		if !s.eof {
			s.err = errMore
			return false
		}
		s.err = &syntaxError{off: s.n, msg: "unexpected end of input " + what}
		return false
	}
	s.err = &syntaxError{off: i, msg: fmt.Sprintf("invalid character %s %s", quoteChar(s.b[i]), what)}
	return false
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("0x%02x", c)
	}
	return "'" + string(c) + "'"
}

func isSpace(c byte) bool { return c <= ' ' && (c == ' ' || c == '\n' || c == '\t' || c == '\r') }

// ws skips whitespace from i.
func (s *scanner) ws(i int) int {
	for c := s.at(i); c <= ' ' && isSpace(c); c = s.at(i) {
		i++
	}
	return i
}

// aliasString makes a string that shares b[i:j].
func aliasString(b []byte, i, j int) string {
	if j <= i {
		return ""
	}
	return unsafe.String(&b[i], j-i)
}

// readString parses the string at s.i (s.b[s.i] == '"') and returns it. The
// result aliases the window when the string has no escapes and is valid
// UTF-8; otherwise it is decoded into the arena exactly as encoding/json
// decodes it (invalid bytes and lone surrogates become U+FFFD).
func (s *scanner) readString() (string, bool) {
	p := s.i + 1
	if e := s.strEnd(p); e >= 0 {
		s.i = e + 1
		return s.str(p, e), true
	}
	return s.readStringIndexed()
}

// strEnd is the fast path of string scanning: for string content starting
// at p that ends within 64 bytes and holds nothing special, it returns the
// position of the closing quote; otherwise -1. It is small enough to be
// inlined.
func (s *scanner) strEnd(p int) int {
	k := uint(p - s.o)
	if j := k >> 6; j+1 < uint(s.nidx) {
		bl := (*[2]block)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(s.idx)), j*uint(unsafe.Sizeof(block{}))))
		sh := k & 63
		// The 64 index bits from p on, from p's block and the next.
		q := bl[0].quote>>sh | bl[1].quote<<1<<(63-sh)
		sp := bl[0].special>>sh | bl[1].special<<1<<(63-sh)
		if q != 0 && sp&(q^(q-1)) == 0 {
			return p + bits.TrailingZeros64(q)
		}
	}
	return -1
}

// readStringIndexed is readString for strings longer than strEnd looks at
// or holding something special.
func (s *scanner) readStringIndexed() (string, bool) {
	if s.idx == nil {
		return s.readStringBytes()
	}
	start := s.i + 1
	switch end := s.strEndLong(start); {
	case end >= 0:
		s.i = end + 1
		return s.str(start, end), true
	case end == -2:
		return "", s.fail(s.n, "in string literal")
	}
	return s.readStringBytes()
}

// strEndLong is strEnd for strings of any length: it returns the position
// of the closing quote, -1 when something special comes first, or -2 when
// the window ends before the string does.
func (s *scanner) strEndLong(p int) int {
	k := p - s.o
	j, sh := k>>6, uint(k&63)
	for ; j < s.nidx || s.indexed(j); j, sh = j+1, 0 {
		bl := &s.idx[j]
		q, sp := bl.quote>>sh, bl.special>>sh
		if q != 0 {
			if sp&(q^(q-1)) != 0 {
				return -1
			}
			return s.o + j<<6 + int(sh) + bits.TrailingZeros64(q)
		}
		if sp != 0 {
			return -1
		}
	}
	return -2
}

// readStringBytes is readString without the index.
func (s *scanner) readStringBytes() (string, bool) {
	b := s.b
	start := s.i + 1
	i := start
	high := false
	for {
		x := binary.LittleEndian.Uint64(b[i:])
		m := quoteOrEscape(x)
		if !high {
			m |= x & msb
		}
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) >> 3
		c := b[i]
		if c == '"' {
			s.i = i + 1
			if high && !utf8.Valid(b[start:i]) {
				return s.decodeString(start, i)
			}
			return aliasString(b, start, i), true
		}
		if c >= 0x80 {
			high = true
			i++
			continue
		}
		if c == '\\' {
			end, ok := s.stringEnd(i)
			if !ok {
				return "", false
			}
			s.i = end + 1
			return s.decodeString(start, end)
		}
		return "", s.fail(i, "in string literal")
	}
}

// stringEnd finds the closing quote of a string whose content is known to be
// plain up to i, validating escapes on the way.
func (s *scanner) stringEnd(i int) (int, bool) {
	b := s.b
	for {
		x := binary.LittleEndian.Uint64(b[i:])
		m := quoteOrEscape(x)
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) >> 3
		switch b[i] {
		case '"':
			return i, true
		case '\\':
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if !isHex(b[k]) {
						return 0, s.fail(k, "in \\u hexadecimal character escape")
					}
				}
				i += 6
			default:
				return 0, s.fail(i+1, "in string escape code")
			}
		default:
			return 0, s.fail(i, "in string literal")
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexVal(c byte) rune {
	switch {
	case c <= '9':
		return rune(c - '0')
	case c >= 'a':
		return rune(c - 'a' + 10)
	default:
		return rune(c - 'A' + 10)
	}
}

// decodeString decodes the validated string content b[i:j] into the arena,
// mirroring encoding/json's unquote.
func (s *scanner) decodeString(i, j int) (string, bool) {
	b := s.b
	a := s.arena
	off := len(a)
	for i < j {
		c := b[i]
		switch {
		case c == '\\':
			switch b[i+1] {
			case 'b':
				a = append(a, '\b')
			case 'f':
				a = append(a, '\f')
			case 'n':
				a = append(a, '\n')
			case 'r':
				a = append(a, '\r')
			case 't':
				a = append(a, '\t')
			case 'u':
				r := u4(b[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= j && b[i] == '\\' && b[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, u4(b[i+2:])); dec != utf8.RuneError {
							a = utf8.AppendRune(a, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				a = utf8.AppendRune(a, r)
				continue
			default: // '"', '\\', '/'
				a = append(a, b[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			a = append(a, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:j])
			if r == utf8.RuneError && size == 1 {
				a = utf8.AppendRune(a, utf8.RuneError)
			} else {
				a = append(a, b[i:i+size]...)
			}
			i += size
		}
	}
	s.arena = a
	return aliasString(a, off, len(a)), true
}

func u4(b []byte) rune {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// skipString skips the string at i (b[i] == '"') and returns the index after
// its closing quote.
func (s *scanner) skipString(i int) (int, bool) {
	if e := s.strEnd(i + 1); e >= 0 {
		return e + 1, true
	}
	return s.skipStringIndexed(i)
}

func (s *scanner) skipStringIndexed(i int) (int, bool) {
	if s.idx == nil {
		return s.skipStringBytes(i)
	}
	switch end := s.strEndLong(i + 1); {
	case end >= 0:
		return end + 1, true
	case end == -2:
		return 0, s.fail(s.n, "in string literal")
	}
	return s.skipStringBytes(i)
}

// skipStringBytes is skipString without the index; it validates escapes.
func (s *scanner) skipStringBytes(i int) (int, bool) {
	b := s.b
	i++
	for {
		x := binary.LittleEndian.Uint64(b[i:])
		m := quoteOrEscape(x)
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) >> 3
		if b[i] == '"' {
			return i + 1, true
		}
		end, ok := s.stringEnd(i)
		return end + 1, ok
	}
}

// skipNumber validates the number at i and returns the index after it.
func (s *scanner) skipNumber(i int) (int, bool) {
	b := s.b
	if b[i] == '-' {
		i++
	}
	switch c := b[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i++
		for isDigit(b[i]) {
			i++
		}
	default:
		return 0, s.fail(i, "in numeric literal")
	}
	if b[i] == '.' {
		i++
		if !isDigit(b[i]) {
			return 0, s.fail(i, "after decimal point in numeric literal")
		}
		for isDigit(b[i]) {
			i++
		}
	}
	if b[i] == 'e' || b[i] == 'E' {
		i++
		if b[i] == '+' || b[i] == '-' {
			i++
		}
		if !isDigit(b[i]) {
			return 0, s.fail(i, "in exponent of numeric literal")
		}
		for isDigit(b[i]) {
			i++
		}
	}
	// A number that reaches the end of the window may go on in the next read.
	if i >= s.n && !s.eof {
		s.err = errMore
		return 0, false
	}
	return i, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// skipLiteral validates true, false or null at i.
func (s *scanner) skipLiteral(i int) (int, bool) {
	b := s.b
	var lit string
	switch b[i] {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	case 'n':
		lit = "null"
	default:
		return 0, s.fail(i, "looking for beginning of value")
	}
	for k := 1; k < len(lit); k++ {
		if b[i+k] != lit[k] {
			return 0, s.fail(i+k, "in literal "+lit)
		}
	}
	return i + len(lit), true
}

// skipValue skips the value at s.i (after whitespace). With the index, an
// object or array is skipped by counting brackets: its strings are checked
// for control characters, not its grammar. Otherwise, and for scalars, the
// value is validated fully.
func (s *scanner) skipValue() bool {
	if s.idx != nil {
		switch s.b[s.i] {
		case '{', '[':
			end, ok := s.skipContainer(s.i)
			s.i = end
			return ok
		case '"':
			if e := s.strEnd(s.i + 1); e >= 0 {
				s.i = e + 1
				return true
			}
			end, ok := s.skipStringIndexed(s.i)
			s.i = end
			return ok
		}
	}
	return s.skipValueBytes()
}

// skipValueBytes skips and validates the value at s.i byte by byte.
func (s *scanner) skipValueBytes() bool {
	b := s.b
	i := s.i
	st := s.stack[:0]
	var ok bool
	var c byte
value:
	c = b[i]
	switch {
	case c == '"':
		if i, ok = s.skipString(i); !ok {
			return false
		}
	case c == '{':
		i++
		for isSpace(b[i]) {
			i++
		}
		if b[i] == '}' {
			i++
			break
		}
		st = append(st, '{')
		goto key
	case c == '[':
		i++
		for isSpace(b[i]) {
			i++
		}
		if b[i] == ']' {
			i++
			break
		}
		st = append(st, '[')
		goto value
	case c == '-' || isDigit(c):
		if i, ok = s.skipNumber(i); !ok {
			return false
		}
	case isSpace(c):
		i++
		goto value
	default:
		if i, ok = s.skipLiteral(i); !ok {
			return false
		}
	}
after:
	if len(st) == 0 {
		s.i = i
		s.stack = st
		return true
	}
	for isSpace(b[i]) {
		i++
	}
	c = b[i]
	switch {
	case c == ',':
		i++
		for isSpace(b[i]) {
			i++
		}
		if st[len(st)-1] == '{' {
			goto key
		}
		goto value
	case c == '}' && st[len(st)-1] == '{', c == ']' && st[len(st)-1] == '[':
		st = st[:len(st)-1]
		i++
		goto after
	}
	s.stack = st
	if st[len(st)-1] == '{' {
		return s.fail(i, "after object key:value pair")
	}
	return s.fail(i, "after array element")
key:
	if b[i] != '"' {
		s.stack = st
		return s.fail(i, "looking for beginning of object key string")
	}
	if i, ok = s.skipString(i); !ok {
		return false
	}
	for isSpace(b[i]) {
		i++
	}
	if b[i] != ':' {
		s.stack = st
		return s.fail(i, "after object key")
	}
	i++
	for isSpace(b[i]) {
		i++
	}
	goto value
}

// skipContainer skips the object or array at i by counting the index's
// bracket bits, and returns the position after it.
func (s *scanner) skipContainer(i int) (int, bool) {
	k := i - s.o
	depth := 0
	for j, lo := k>>6, ^uint64(0)<<uint(k&63); j < s.nidx || s.indexed(j); j, lo = j+1, ^uint64(0) {
		bl := &s.idx[j]
		open, closing := bl.open&lo, bl.close&lo
		if bits.OnesCount64(closing) < depth {
			depth += bits.OnesCount64(open) - bits.OnesCount64(closing)
			if sp := bl.special & lo; sp != 0 && !s.noControl(j, sp) {
				return 0, false
			}
			continue
		}
		for m := open | closing; m != 0; m &= m - 1 {
			bit := m & -m
			if open&bit != 0 {
				depth++
				continue
			}
			if depth--; depth == 0 {
				p := bits.TrailingZeros64(bit)
				if sp := bl.special & lo & (bit - 1); sp != 0 && !s.noControl(j, sp) {
					return 0, false
				}
				return s.o + j<<6 + p + 1, true
			}
		}
		if sp := bl.special & lo; sp != 0 && !s.noControl(j, sp) {
			return 0, false
		}
	}
	return 0, s.fail(s.n, "in object or array")
}

// noControl checks that the special bytes sp of block j are not control
// characters, which JSON forbids in strings.
func (s *scanner) noControl(j int, sp uint64) bool {
	base := s.o + j<<6
	for ; sp != 0; sp &= sp - 1 {
		p := base + bits.TrailingZeros64(sp)
		if p >= s.n {
			return s.fail(s.n, "in string literal")
		}
		if s.b[p] < 0x20 {
			return s.fail(p, "in string literal")
		}
	}
	return true
}
