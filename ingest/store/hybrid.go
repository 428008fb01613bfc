package store

import "encoding/binary"

// hybrid encodes unsigned values of width bits with Parquet's RLE /
// bit-packing hybrid encoding, as data pages hold definition and
// repetition levels and dictionary indices: a value repeated 8 times or
// more becomes one run-length run, the others are bit-packed in groups of
// 8. It follows Arrow's RleEncoder, which every reader has met, with a
// shortcut for long runs: the usage rows come sorted, so the levels and
// indices of a column are mostly long runs, which cost the same however
// long they are.
type hybrid struct {
	out   []byte
	width uint
	cur   uint32 // the value being repeated
	// repeat counts how often cur was put in a row since the last group
	// of 8 that went out as literals; from 8 on, the values are one run.
	repeat   int
	buffered [8]uint32
	nbuf     int
	lit      []uint32 // the literal run being built, whole groups of 8
}

// maxLiteralGroups keeps a literal run's header within one byte, as
// Arrow does.
const maxLiteralGroups = 63

func (h *hybrid) reset(out []byte, width uint) {
	*h = hybrid{out: out, width: width, lit: h.lit[:0]}
}

func (h *hybrid) put(v uint32) {
	if v == h.cur {
		h.repeat++
		if h.repeat > 8 {
			return // the run goes on; it was taken out of the literals
		}
	} else {
		if h.repeat >= 8 {
			h.flushRun()
		}
		h.repeat = 1
		h.cur = v
	}
	h.buffered[h.nbuf] = v
	h.nbuf++
	if h.nbuf == 8 {
		h.flushBuffered()
	}
}

// putRun puts v n times.
func (h *hybrid) putRun(v uint32, n int) {
	for ; n > 0; n-- {
		if v == h.cur && h.repeat >= 8 {
			h.repeat += n
			return
		}
		h.put(v)
	}
}

// flushBuffered takes a full group of 8: out of the literals when it is
// the start of a run, else into them.
func (h *hybrid) flushBuffered() {
	h.nbuf = 0
	if h.repeat >= 8 {
		h.flushLiterals()
		return
	}
	h.lit = append(h.lit, h.buffered[:]...)
	if len(h.lit) >= 8*maxLiteralGroups {
		h.flushLiterals()
	}
	h.repeat = 0
}

func (h *hybrid) flushRun() {
	h.out = binary.AppendUvarint(h.out, uint64(h.repeat)<<1)
	for i := uint(0); i < h.width; i += 8 {
		h.out = append(h.out, byte(h.cur>>i))
	}
	h.repeat = 0
}

func (h *hybrid) flushLiterals() {
	if len(h.lit) == 0 {
		return
	}
	h.out = binary.AppendUvarint(h.out, uint64(len(h.lit)/8)<<1|1)
	var acc uint64
	var bits uint
	for _, v := range h.lit {
		acc |= uint64(v) << bits
		bits += h.width
		for bits >= 8 {
			h.out = append(h.out, byte(acc))
			acc >>= 8
			bits -= 8
		}
	}
	h.lit = h.lit[:0]
}

// finish ends the encoding and returns it. The last group of literals is
// padded with zeros; readers know how many values there are.
func (h *hybrid) finish() []byte {
	switch {
	case h.repeat >= 8:
		h.flushRun()
	case h.nbuf > 0 && len(h.lit) == 0 && h.repeat == h.nbuf:
		// A few equal values and nothing else: one short run.
		h.flushRun()
	case h.nbuf > 0:
		clear(h.buffered[h.nbuf:])
		h.lit = append(h.lit, h.buffered[:]...)
	}
	h.nbuf = 0
	h.flushLiterals()
	return h.out
}
