package ingest

import (
	"os"
	"reflect"
	"testing"
)

// FuzzDecode: no input makes Decode panic or hang; when encoding/json
// accepts the input, Decode agrees with the reference decoder exactly; and
// the gzip path gives what the plain path gives. Seeded with every corpus
// file and fixture.
func FuzzDecode(f *testing.F) {
	for _, p := range decCorpusFiles(f) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) > 64<<10 {
			data = data[:16<<10]
		}
		f.Add(data)
	}
	for _, s := range []string{"", " ", "[]", "{}", `{"Records":[]}`, `{"Records":[` + decEvent + `]}`, decEvent + "\n" + decEvent,
		"2024-01-01T00:00:00Z " + decEvent, `{"CloudTrailEvent":"{}"}`, `{"detail-type":"x","detail":` + decEvent + `}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		res, evs, err := decDecode(in)
		if res.Events != int64(len(evs)) {
			t.Fatalf("%d events reported, %d delivered", res.Events, len(evs))
		}
		decCompare(t, in, res, evs, err)
		if len(in) >= 2 && in[0] == 0x1f && in[1] == 0x8b {
			return // gzip inside gzip is not unwrapped twice
		}
		gres, gevs, gerr := decDecode(decGzip(t, in))
		if reasonOf(gerr) != reasonOf(err) || gres.Format != res.Format || gres.Events != res.Events ||
			!reflect.DeepEqual(gres.EventsSkipped, res.EventsSkipped) || (err == nil && !reflect.DeepEqual(gevs, evs)) {
			t.Fatalf("gzip differs: %+v %v / plain %+v %v", gres, gerr, res, err)
		}
	})
}
