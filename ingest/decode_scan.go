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
// zero bytes. The padding lets the string loops read 8 bytes at a time
// without bounds arithmetic, and makes every loop stop at the end of the data
// on a NUL, which is never valid where a scanner meets it: a NUL at i == n
// means "need more input", anywhere else it is a syntax error.
const scanPad = 16

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
}

func (s *scanner) reset(b []byte, n, i int, eof bool) {
	s.b, s.n, s.i, s.eof, s.err = b, n, i, eof, nil
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

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// ws skips whitespace from i.
func (s *scanner) ws(i int) int {
	b := s.b
	for isSpace(b[i]) {
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

// skipValue skips the value at s.i (after whitespace), validating it.
func (s *scanner) skipValue() bool {
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
