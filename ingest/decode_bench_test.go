package ingest

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"

	"github.com/iamtailor/iamtailor/ingest/store"
	"github.com/klauspost/compress/gzip"
)

// The decode benchmarks run over a perfgen tree (../shared/perfgen), made on
// first use in the user's cache directory. IAMTAILOR_PERFGEN_SIZE sets its
// uncompressed size in bytes (default 200 MB). Compare BenchmarkDecodeGunzip
// (gunzip alone) with BenchmarkDecodeGzip and BenchmarkDecodeFillRow over the
// same files: their events/s ratio is the decoder's share of the hot path.
//
//	go test ./ingest -run '^$' -bench 'BenchmarkDecode' -cpu 1 -benchtime 3x

type perfgenFile struct {
	gz   []byte
	size int // uncompressed
}

var perfgen struct {
	once   sync.Once
	files  []perfgenFile
	bytes  int64
	events int64
	err    error
}

func perfgenSize() int64 {
	if v := os.Getenv("IAMTAILOR_PERFGEN_SIZE"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return 200_000_000
}

// perfgenTree returns the directory of the cached tree, generating it if
// needed.
func perfgenTree(tb testing.TB) string {
	tb.Helper()
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			tb.Fatalf("no cache directory: %v", err)
		}
		cache = filepath.Join(home, ".cache")
	}
	size := perfgenSize()
	// Named as scripts/bench.sh names it, so that both share one tree.
	dir := filepath.Join(cache, "iamtailor", "perfgen-"+strconv.FormatInt(size, 10)+"-seed1")
	if _, err := os.Stat(dir); err == nil {
		return dir
	}
	gen := filepath.Join(decodeSharedDir(tb), "perfgen")
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	cmd := exec.Command("go", "run", ".", "-out", tmp, "-size", strconv.FormatInt(size, 10), "-seed", "1")
	cmd.Dir = gen
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("generate perfgen tree in %s: %v", gen, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func loadPerfgen(b testing.TB) {
	b.Helper()
	perfgen.once.Do(func() {
		dir := perfgenTree(b)
		var paths []string
		perfgen.err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && filepath.Ext(p) == ".gz" {
				paths = append(paths, p)
			}
			return err
		})
		sort.Strings(paths)
		for _, p := range paths {
			gz, err := os.ReadFile(p)
			if err != nil {
				perfgen.err = err
				return
			}
			var n int64
			res, err := Decode(bytes.NewReader(gz), func(*Event) error { n++; return nil })
			if err != nil {
				perfgen.err = err
				return
			}
			perfgen.files = append(perfgen.files, perfgenFile{gz: gz, size: int(res.Bytes)})
			perfgen.bytes += res.Bytes
			perfgen.events += n
		}
	})
	if perfgen.err != nil {
		b.Fatal(perfgen.err)
	}
	if len(perfgen.files) == 0 {
		b.Fatal("perfgen tree has no files")
	}
}

func reportRates(b *testing.B, events, bytes int64) {
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)*float64(b.N)/s, "events/s")
	b.ReportMetric(float64(bytes)*float64(b.N)/s/1e6, "MB/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkDecodeGunzip is gunzip alone (klauspost/compress), the ceiling.
func BenchmarkDecodeGunzip(b *testing.B) {
	loadPerfgen(b)
	buf := make([]byte, 256<<10)
	var zr *gzip.Reader
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range perfgen.files {
			var err error
			if zr == nil {
				zr, err = gzip.NewReader(bytes.NewReader(f.gz))
			} else {
				err = zr.Reset(bytes.NewReader(f.gz))
			}
			if err != nil {
				b.Fatal(err)
			}
			for {
				_, err := zr.Read(buf)
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	reportRates(b, perfgen.events, perfgen.bytes)
}

// BenchmarkDecodeGzip is gunzip + Decode.
func BenchmarkDecodeGzip(b *testing.B) {
	loadPerfgen(b)
	var n int64
	var rd bytes.Reader
	fn := func(*Event) error { n++; return nil }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range perfgen.files {
			rd.Reset(f.gz)
			if _, err := Decode(&rd, fn); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRates(b, perfgen.events, perfgen.bytes)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
}

// BenchmarkDecodeFillRow is gunzip + Decode + FillRow, the decoder's whole
// share of the ingest hot path.
func BenchmarkDecodeFillRow(b *testing.B) {
	loadPerfgen(b)
	b.ReportAllocs()
	var row store.Row
	var n int64
	fn := func(ev *Event) error { FillRow(ev, &row); n += row.Count; return nil }
	var rd bytes.Reader
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range perfgen.files {
			rd.Reset(f.gz)
			if _, err := Decode(&rd, fn); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRates(b, perfgen.events, perfgen.bytes)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
}

// BenchmarkDecodePlain is Decode alone over already decompressed files (the
// first 64 MB of the tree).
func BenchmarkDecodePlain(b *testing.B) {
	loadPerfgen(b)
	var plain [][]byte
	var total, events int64
	for _, f := range perfgen.files {
		if total > 64<<20 {
			break
		}
		zr, err := gzip.NewReader(bytes.NewReader(f.gz))
		if err != nil {
			b.Fatal(err)
		}
		p, err := io.ReadAll(zr)
		if err != nil {
			b.Fatal(err)
		}
		plain = append(plain, p)
		total += int64(len(p))
		Decode(bytes.NewReader(p), func(*Event) error { events++; return nil })
	}
	var rd bytes.Reader
	fn := func(*Event) error { return nil }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range plain {
			rd.Reset(p)
			if _, err := Decode(&rd, fn); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportRates(b, events, total)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events*int64(b.N)), "ns/event")
}

// BenchmarkDecodeOneFile decodes one decompressed perfgen file over and
// over; it is small enough to run under valgrind --tool=callgrind, whose
// instruction counts do not depend on how loaded the machine is.
func BenchmarkDecodeOneFile(b *testing.B) {
	dir := perfgenTree(b)
	var first string
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && first == "" && filepath.Ext(p) == ".gz" {
			first = p
		}
		return err
	})
	gz, err := os.ReadFile(first)
	if err != nil {
		b.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		b.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	var events int64
	var rd bytes.Reader
	fn := func(*Event) error { events++; return nil }
	var row store.Row
	fill := func(ev *Event) error { FillRow(ev, &row); events++; return nil }
	if os.Getenv("IAMTAILOR_BENCH_FILLROW") != "" {
		fn = fill
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rd.Reset(plain)
		if _, err := Decode(&rd, fn); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(events, 1)), "ns/event")
}
