package securitylake

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/iamtailor/iamtailor/ingest"
)

// samplePath is one of the Security Lake v1 samples.
func samplePath(t testing.TB, rel string) string {
	return filepath.Join(samplesDir(t), filepath.FromSlash(rel))
}

func decodeBytes(data []byte) (ingest.FileResult, int, error) {
	n := 0
	res, err := Decode(bytes.NewReader(data), int64(len(data)), func(*ingest.Event) error {
		n++
		return nil
	})
	return res, n, err
}

// TestBadParquet covers objects that are Parquet by their first bytes but
// not Security Lake CloudTrail: each is refused with a reason, naming the
// object, and the run goes on.
func TestBadParquet(t *testing.T) {
	sample, err := os.ReadFile(samplePath(t, "authentication/AssumeRole.test.gz.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	// A Parquet file of something else entirely.
	type kv struct {
		Name  string `parquet:"name"`
		Value int64  `parquet:"value"`
	}
	var other bytes.Buffer
	if err := parquet.Write(&other, []kv{{"a", 1}, {"b", 2}}); err != nil {
		t.Fatal(err)
	}
	// OCSF API activity, but from EKS, not CloudTrail.
	eks := toOCSF11(map[string]any{
		"eventTime": "2024-06-01T00:00:00Z", "eventSource": "eks.amazonaws.com", "eventName": "get",
		"userIdentity": map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/x"},
	})
	eks.Metadata.Product.Name = "Amazon EKS"
	eksPath := filepath.Join(dir, "eks.parquet")
	writeOCSF11(t, eksPath, []ocsf11Row{eks})
	eksData, _ := os.ReadFile(eksPath)

	for _, tc := range []struct {
		name   string
		data   []byte
		reason ingest.SkipReason // "" for ErrNotThisFormat
		detail string
	}{
		{"truncated to half", sample[:len(sample)/2], ingest.SkipInvalidParquet, "Parquet"},
		{"magic only", sample[:4], ingest.SkipInvalidParquet, "Parquet"},
		{"last byte missing", sample[:len(sample)-1], ingest.SkipInvalidParquet, "Parquet"},
		{"footer length corrupt", corrupt(sample, len(sample)-8, 0xff), ingest.SkipInvalidParquet, "Parquet"},
		{"not OCSF", other.Bytes(), "", "not OCSF API activity: no column metadata.product.name, api.service.name, api.operation, time (top-level columns: name, value)"},
		{"OCSF from another product", eksData, ingest.SkipNotCloudTrail, `not CloudTrail: Security Lake OCSF from "Amazon EKS" (class "API Activity")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeBytes(tc.data)
			if tc.reason == "" {
				if !errors.Is(err, ingest.ErrNotThisFormat) {
					t.Fatalf("err = %v, want one wrapping ErrNotThisFormat", err)
				}
			} else {
				var fe *ingest.FileError
				if !errors.As(err, &fe) || fe.Reason != tc.reason {
					t.Fatalf("err = %v, want a FileError with reason %s", err, tc.reason)
				}
			}
			if !strings.Contains(err.Error(), tc.detail) {
				t.Errorf("err = %q, want it to say %q", err, tc.detail)
			}
		})
	}

	// Through the pipeline: each is skipped with its reason, and the good
	// sample beside them is read.
	files := map[string][]byte{
		"truncated.parquet": sample[:len(sample)/2],
		"other.parquet":     other.Bytes(),
		"eks.parquet":       eksData,
		"good.parquet":      sample,
	}
	for name, data := range files {
		p := filepath.Join(dir, "run", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum, rows := ingestFiles(t, filepath.Join(dir, "run"))
	want := map[ingest.SkipReason]int64{ingest.SkipInvalidParquet: 1, ingest.SkipNotCloudTrail: 2}
	if sum.FilesRead != 1 || len(sum.FilesSkipped) != len(want) || sum.FilesSkipped[ingest.SkipInvalidParquet] != 1 || sum.FilesSkipped[ingest.SkipNotCloudTrail] != 2 {
		t.Errorf("files read %d, skipped %v; want 1 read, skipped %v", sum.FilesRead, sum.FilesSkipped, want)
	}
	if len(rows) != 1 || rows[0].EventName != "AssumeRole" {
		t.Errorf("rows %+v, want the one AssumeRole of the good file", rows)
	}
}

func corrupt(b []byte, at int, v byte) []byte {
	c := bytes.Clone(b)
	c[at] = v
	return c
}

// TestCorruptParquetNeverPanics truncates and corrupts every sample at
// many places. Any outcome but a panic is acceptable: a malformed object
// must be reported, never crash the run.
func TestCorruptParquetNeverPanics(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(samplesDir(t), "*", "*.parquet"))
	cases := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < 24; i++ {
			at := len(data) * i / 24
			for _, d := range [][]byte{data[:at], corrupt(data, at, data[at]^0x5a), corrupt(data, at, 0)} {
				cases++
				_, _, err := decodeBytes(d)
				var fe *ingest.FileError
				if err != nil && !errors.As(err, &fe) && !errors.Is(err, ingest.ErrNotThisFormat) {
					t.Errorf("%s at %d: %v is neither a FileError nor ErrNotThisFormat", filepath.Base(f), at, err)
				}
			}
		}
	}
	if cases < 1000 {
		t.Fatalf("only %d cases", cases)
	}
}

// TestMutatedParquetBounded decodes thousands of randomly mutated samples
// (bytes overwritten, huge lengths written into headers) and requires that
// none panics and none makes the decoder allocate more than 64 MiB: a
// corrupt length in a footer or page header must be refused before the
// Parquet library allocates what it declares.
func TestMutatedParquetBounded(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(samplesDir(t), "*", "*.parquet"))
	var samples [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, data)
	}
	r := rand.New(rand.NewPCG(1, 2))
	const limit = 64 << 20
	for i := range 3000 {
		data := bytes.Clone(samples[r.IntN(len(samples))])
		for range 1 + r.IntN(3) {
			at := r.IntN(len(data) - 8)
			switch r.IntN(4) {
			case 0:
				data[at] = byte(r.IntN(256))
			case 1:
				binary.LittleEndian.PutUint32(data[at:], uint32(r.IntN(1<<31)))
			case 2:
				data[at] ^= 1 << r.IntN(8)
			case 3:
				copy(data[at:], []byte{0xfe, 0xff, 0xff, 0xff, 0x0f}) // a huge varint
			}
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, err := decodeBytes(data)
		runtime.ReadMemStats(&after)
		var fe *ingest.FileError
		if err != nil && !errors.As(err, &fe) && !errors.Is(err, ingest.ErrNotThisFormat) {
			t.Errorf("case %d: %v is neither a FileError nor ErrNotThisFormat", i, err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > limit {
			t.Fatalf("case %d allocated %d MiB (err %v)", i, n>>20, err)
		}
	}
}

// FuzzDecode feeds arbitrary bytes, seeded with the samples, to Decode.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(samplesDir(f), "*", "*.parquet"))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeBytes(data)
	})
}
