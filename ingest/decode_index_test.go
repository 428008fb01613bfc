package ingest

import (
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// TestIndexMatchesBytewise checks the indexer in use (assembly on amd64)
// against a byte-at-a-time definition of the masks, on JSON-ish random
// input and on the corpora, split into chunks so that state crosses calls.
func TestIndexMatchesBytewise(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte(`"\{}[]:, ab` + "\x00\x1f\x7f\x80\xff")
	var inputs [][]byte
	for i := 0; i < 300; i++ {
		b := make([]byte, 64*(1+rng.Intn(20)))
		for k := range b {
			b[k] = alphabet[rng.Intn(len(alphabet))]
		}
		inputs = append(inputs, b)
	}
	files, _ := filepath.Glob(filepath.Join(decodeSharedDir(t), "cloudtrail", "invictus-aws_dataset", "*.json"))
	for _, f := range files[:5] {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, append(b, make([]byte, 64-len(b)%64)...))
	}
	indexers := map[string]func([]byte, []block, *indexState){"portable": indexBlocksGo, "selected": indexBlocks}

	for name, index := range indexers {
		for n, in := range inputs {
			blocks := len(in) / 64
			got := make([]block, blocks)
			var st indexState
			for at := 0; at < blocks; {
				step := min(blocks-at, 1+rng.Intn(7))
				index(in[64*at:], got[at:at+step], &st)
				at += step
			}
			want := bytewiseIndex(in)
			for j := range want {
				if got[j] != want[j] {
					t.Fatalf("%s indexer, input %d block %d:\n got %+v\nwant %+v", name, n, j, got[j], want[j])
				}
			}
		}
	}
}

// bytewiseIndex is the index defined one byte at a time. As in the
// assembly, a backslash escapes the next byte wherever it is, and a string's
// opening quote counts as inside it, its closing quote as outside.
func bytewiseIndex(in []byte) []block {
	out := make([]block, len(in)/64)
	inStr, escapeNext := false, false
	for i, c := range in[:64*len(out)] {
		j, bit := i/64, uint64(1)<<(i%64)
		escaped := escapeNext
		escapeNext = c == '\\' && !escaped
		if c == '"' && !escaped {
			out[j].quote |= bit
			inStr = !inStr
		}
		switch {
		case inStr:
			if c == '\\' || c < 0x20 || c >= 0x80 {
				out[j].special |= bit
			}
		case c == '{' || c == '[':
			out[j].open |= bit
		case c == '}' || c == ']':
			out[j].close |= bit
		}
	}
	return out
}
