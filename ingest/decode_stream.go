package ingest

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// streamSkip reads past the value at pos without holding it: bytes are
// discarded as soon as they are validated. It is the path for values larger
// than MaxEventBytes, so it favours simplicity over speed except inside
// strings, where such values spend their bytes.
func (d *decoder) streamSkip() error {
	const (
		mValue = iota
		mAfter
		mKey
	)
	st := d.p.s.stack[:0]
	defer func() { d.p.s.stack = st[:0] }()
	mode := mValue
	for {
		c, ok, err := d.peek()
		if err != nil {
			return err
		}
		if !ok {
			if mode == mAfter && len(st) == 0 {
				return nil
			}
			return d.syntaxErr(d.n, "unexpected end of input")
		}
		switch mode {
		case mValue:
			switch {
			case c == '"':
				if err := d.streamString(); err != nil {
					return err
				}
			case c == '{' || c == '[':
				d.pos++
				close := byte('}')
				if c == '[' {
					close = ']'
				}
				n, ok, err := d.peek()
				if err != nil {
					return err
				}
				if ok && n == close {
					d.pos++
					break
				}
				st = append(st, c)
				if c == '{' {
					mode = mKey
				}
				continue
			case c == '-' || isDigit(c):
				if err := d.streamNumber(); err != nil {
					return err
				}
			default:
				if err := d.streamLiteral(); err != nil {
					return err
				}
			}
			mode = mAfter
		case mAfter:
			if len(st) == 0 {
				return nil
			}
			top := st[len(st)-1]
			switch {
			case c == ',':
				d.pos++
				mode = mValue
				if top == '{' {
					mode = mKey
				}
			case c == '}' && top == '{', c == ']' && top == '[':
				d.pos++
				st = st[:len(st)-1]
			case top == '{':
				return d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s after object key:value pair", quoteChar(c)))
			default:
				return d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s after array element", quoteChar(c)))
			}
		case mKey:
			if c != '"' {
				return d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s looking for beginning of object key string", quoteChar(c)))
			}
			if err := d.streamString(); err != nil {
				return err
			}
			c, ok, err := d.peek()
			if err != nil {
				return err
			}
			if !ok {
				return d.syntaxErr(d.n, "unexpected end of input after object key")
			}
			if c != ':' {
				return d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s after object key", quoteChar(c)))
			}
			d.pos++
			mode = mValue
		}
	}
}

// streamString reads past the string at pos.
func (d *decoder) streamString() error {
	d.pos++
	for {
		if d.pos >= d.n {
			if ok, err := d.avail(1); err != nil {
				return err
			} else if !ok {
				return d.syntaxErr(d.n, "unexpected end of input in string literal")
			}
		}
		b := d.buf
		i := d.pos
		// The padding stops this loop at n on a zero byte.
		for {
			m := quoteOrEscape(binary.LittleEndian.Uint64(b[i:]))
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		d.pos = i
		if i >= d.n {
			d.pos = d.n
			continue
		}
		switch c := b[i]; {
		case c == '"':
			d.pos++
			return nil
		case c == '\\':
			if ok, err := d.avail(6); err != nil {
				return err
			} else if !ok && d.n-d.pos < 2 {
				return d.syntaxErr(d.n, "unexpected end of input in string escape code")
			}
			b = d.buf
			switch b[d.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.pos += 2
			case 'u':
				for k := d.pos + 2; k < d.pos+6; k++ {
					if k >= d.n {
						return d.syntaxErr(d.n, "unexpected end of input in \\u hexadecimal character escape")
					}
					if !isHex(b[k]) {
						return d.syntaxErr(k, fmt.Sprintf("invalid character %s in \\u hexadecimal character escape", quoteChar(b[k])))
					}
				}
				d.pos += 6
			default:
				return d.syntaxErr(d.pos+1, fmt.Sprintf("invalid character %s in string escape code", quoteChar(b[d.pos+1])))
			}
		default:
			return d.syntaxErr(i, fmt.Sprintf("invalid character %s in string literal", quoteChar(c)))
		}
	}
}

// next returns the byte at pos without skipping whitespace; ok is false at
// the end of the input.
func (d *decoder) next() (byte, bool, error) {
	if d.pos >= d.n {
		if ok, err := d.avail(1); err != nil || !ok {
			return 0, false, err
		}
	}
	return d.buf[d.pos], true, nil
}

func (d *decoder) streamDigits() error {
	for {
		c, ok, err := d.next()
		if err != nil || !ok || !isDigit(c) {
			return err
		}
		d.pos++
	}
}

// streamNumber validates the number at pos.
func (d *decoder) streamNumber() error {
	bad := func(what string) error {
		c, ok, err := d.next()
		if err != nil {
			return err
		}
		if !ok {
			return d.syntaxErr(d.n, "unexpected end of input "+what)
		}
		return d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s %s", quoteChar(c), what))
	}
	c, _, _ := d.next()
	if c == '-' {
		d.pos++
	}
	c, ok, err := d.next()
	if err != nil {
		return err
	}
	switch {
	case ok && c == '0':
		d.pos++
	case ok && '1' <= c && c <= '9':
		if err := d.streamDigits(); err != nil {
			return err
		}
	default:
		return bad("in numeric literal")
	}
	if c, ok, err = d.next(); err != nil {
		return err
	}
	if ok && c == '.' {
		d.pos++
		if c, ok, err = d.next(); err != nil {
			return err
		}
		if !ok || !isDigit(c) {
			return bad("after decimal point in numeric literal")
		}
		if err := d.streamDigits(); err != nil {
			return err
		}
		if c, ok, err = d.next(); err != nil {
			return err
		}
	}
	if ok && (c == 'e' || c == 'E') {
		d.pos++
		if c, ok, err = d.next(); err != nil {
			return err
		}
		if ok && (c == '+' || c == '-') {
			d.pos++
			if c, ok, err = d.next(); err != nil {
				return err
			}
		}
		if !ok || !isDigit(c) {
			return bad("in exponent of numeric literal")
		}
		return d.streamDigits()
	}
	return nil
}

// streamLiteral validates true, false or null at pos.
func (d *decoder) streamLiteral() error {
	var lit string
	switch d.buf[d.pos] {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	case 'n':
		lit = "null"
	default:
		return d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s looking for beginning of value", quoteChar(d.buf[d.pos])))
	}
	for k := 0; k < len(lit); k++ {
		c, ok, err := d.next()
		if err != nil {
			return err
		}
		if !ok {
			return d.syntaxErr(d.n, "unexpected end of input in literal "+lit)
		}
		if c != lit[k] {
			return d.syntaxErr(d.pos, fmt.Sprintf("invalid character %s in literal %s", quoteChar(c), lit))
		}
		d.pos++
	}
	return nil
}
