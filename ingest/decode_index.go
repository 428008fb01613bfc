package ingest

// The structural index: for every 64-byte block of a window, bit masks of
// where strings end and containers open and close. The scanner finds the end
// of a string by looking up the next quote bit, and skips a whole object or
// array by counting bracket bits, instead of examining every byte; that is
// what makes skipping responseElements and friends cheap.
//
// On amd64 with AVX2 and PCLMULQDQ the index is built by assembly (about 10
// bytes per cycle); elsewhere by the portable code below, which computes the
// same masks.

// block is the index of 64 input bytes; bit k stands for byte k.
type block struct {
	quote   uint64 // '"' that opens or closes a string (not escaped)
	open    uint64 // '{' or '[' outside strings
	close   uint64 // '}' or ']' outside strings
	special uint64 // inside strings: '\\', control characters, bytes >= 0x80
}

// indexState carries what a block needs from the one before it.
type indexState struct {
	nextEscaped uint64 // 1 when the block starts with an escaped character
	inString    uint64 // all ones when the block starts inside a string
}

const oddBits = 0xAAAAAAAAAAAAAAAA

// indexBlocksGo indexes len(dst) blocks of src, which must hold 64 bytes per
// block.
func indexBlocksGo(src []byte, dst []block, st *indexState) {
	src = src[:64*len(dst)]
	for j := range dst {
		var quote, bs, open, closing, ctl, high uint64
		b := src[64*j : 64*j+64]
		for k := 63; k >= 0; k-- {
			c := b[k]
			quote <<= 1
			bs <<= 1
			open <<= 1
			closing <<= 1
			ctl <<= 1
			high <<= 1
			switch {
			case c == '"':
				quote |= 1
			case c == '\\':
				bs |= 1
			case c == '{' || c == '[':
				open |= 1
			case c == '}' || c == ']':
				closing |= 1
			case c < 0x20:
				ctl |= 1
			case c >= 0x80:
				high |= 1
			}
		}
		// Escaped characters: those after an odd-length run of backslashes
		// (the carry-free subtraction trick from simdjson).
		pe := bs &^ st.nextEscaped
		code := ((pe<<1 | oddBits) - pe) ^ oddBits
		escaped := code ^ (bs | st.nextEscaped)
		st.nextEscaped = (code & bs) >> 63
		quote &^= escaped
		str := prefixXor(quote) ^ st.inString
		st.inString = uint64(int64(str) >> 63)
		dst[j] = block{quote: quote, open: open &^ str, close: closing &^ str, special: (bs | ctl | high) & str}
	}
}

// prefixXor sets bit k to the parity of bits 0..k: 1 inside strings.
func prefixXor(x uint64) uint64 {
	x ^= x << 1
	x ^= x << 2
	x ^= x << 4
	x ^= x << 8
	x ^= x << 16
	x ^= x << 32
	return x
}
