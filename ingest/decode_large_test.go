package ingest

import (
	"io"
	"runtime"
	"strings"
	"testing"
)

// genReader streams parts, each repeated its count of times, without
// holding more than one part: large inputs without large test memory.
type genReader struct {
	parts  []genPart
	i, off int
	n      int64
}

type genPart struct {
	s     string
	times int
}

func (g *genReader) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		if g.i >= len(g.parts) {
			if total == 0 {
				return 0, io.EOF
			}
			break
		}
		part := &g.parts[g.i]
		if part.times == 0 {
			g.i++
			continue
		}
		n := copy(p, part.s[g.off:])
		p = p[n:]
		total += n
		g.off += n
		if g.off == len(part.s) {
			g.off = 0
			part.times--
		}
	}
	g.n += int64(total)
	return total, nil
}

func gen(parts ...any) *genReader {
	g := &genReader{}
	for i := 0; i < len(parts); i += 2 {
		g.parts = append(g.parts, genPart{s: parts[i].(string), times: parts[i+1].(int)})
	}
	return g
}

// heapWatch samples the live heap while a decode runs.
type heapWatch struct {
	n    int
	peak uint64
}

func (h *heapWatch) sample(every int) {
	h.n++
	if h.n > 100 && h.n%every != 0 {
		return
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	h.peak = max(h.peak, m.HeapInuse)
}

func heapNow() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestDecodeLargeInputsBoundedMemory: a 500 MB log file decodes with the
// heap bounded by the decoder's buffers, not by the file.
func TestDecodeLargeInputsBoundedMemory(t *testing.T) {
	const limit = 48 << 20 // live heap growth allowed while decoding
	ev := decEvent
	big := strings.Repeat("x", 50<<20)
	hugeArray := "[" + strings.Repeat("[1,{\"a\":\"b\"},\"c\"],", 1<<20) + "0]"
	for _, tc := range []struct {
		name    string
		in      func() *genReader
		events  int64
		skipped map[SkipReason]int64
		format  Format
	}{
		{"500 MB Records file", func() *genReader {
			return gen(`{"Records":[`, 1, ev+",", 1_600_000, ev+"]}", 1)
		}, 1_600_001, nil, FormatRecords},
		{"50 MB Records file on one line", func() *genReader {
			return gen(`{"Records":[`, 1, ev+",", 160_000, ev+"]}", 1)
		}, 160_001, nil, FormatRecords},
		{"50 MB NDJSON event among normal ones", func() *genReader {
			return gen(ev+"\n", 1, `{"eventSource":"s3.amazonaws.com","responseElements":{"blob":"`, 1, big, 1, `"}}`+"\n", 1, ev+"\n", 2)
		}, 3, skips(SkipEventTooLarge, 1), FormatNDJSON},
		{"large nested array inside an NDJSON event", func() *genReader {
			return gen(ev+"\n", 1, `{"eventSource":"s3.amazonaws.com","responseElements":`, 1, hugeArray, 1, "}\n", 1, ev+"\n", 1)
		}, 2, skips(SkipEventTooLarge, 1), FormatNDJSON},
		{"Records after a 50 MB key", func() *genReader {
			return gen(`{"padding":"`, 1, big, 1, `","Records":[`, 1, ev+",", 10, ev+"]}", 1)
		}, 11, nil, FormatRecords},
		{"too large Records item", func() *genReader {
			return gen(`{"Records":[`, 1, ev+",", 3, `{"eventName":"`, 1, big, 1, `"},`, 1, ev+"]}", 1)
		}, 4, skips(SkipEventTooLarge, 1), FormatRecords},
		{"too large array item", func() *genReader {
			return gen(`[`, 1, ev+",", 3, `{"userAgent":"`, 1, big, 1, `"},`, 1, ev+"]", 1)
		}, 4, skips(SkipEventTooLarge, 1), FormatArray},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := heapNow()
			var w heapWatch
			r := tc.in()
			res, err := Decode(r, func(*Event) error { w.sample(1000); return nil })
			if err != nil || res.Format != tc.format || res.Events != tc.events {
				t.Fatalf("%+v %v", res, err)
			}
			if !equalSkips(res.EventsSkipped, tc.skipped) {
				t.Errorf("skipped %v, want %v", res.EventsSkipped, tc.skipped)
			}
			if res.Bytes != r.n {
				t.Errorf("Bytes %d, read %d", res.Bytes, r.n)
			}
			after := heapNow()
			t.Logf("%d MB in: heap %d MB before, %d MB after, peak %d MB while decoding", r.n>>20, before>>20, after>>20, w.peak>>20)
			if w.peak > before+limit || after > before+limit {
				t.Errorf("heap grew from %d MB to %d MB (peak while decoding %d MB) for %d MB of input",
					before>>20, after>>20, w.peak>>20, r.n>>20)
			}
		})
	}
	_ = big
	_ = hugeArray
}

func equalSkips(a, b map[SkipReason]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestDecodeDigestAfterLargeKey: a digest key after a value too large to
// buffer is still recognised.
func TestDecodeDigestAfterLargeKey(t *testing.T) {
	r := gen(`{"junk":"`, 1, strings.Repeat("y", 1<<20), 5, `","digestStartTime":"2024-01-01T00:00:00Z"}`, 1)
	res, err := Decode(r, func(*Event) error { return nil })
	if reasonOf(err) != SkipDigest || res.Format != FormatDigest {
		t.Fatalf("%+v %v", res, err)
	}
}
