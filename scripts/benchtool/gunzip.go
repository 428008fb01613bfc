package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
)

// gunzipResult is what `benchtool gunzip` prints.
type gunzipResult struct {
	Procs        int     `json:"procs"`
	Files        int     `json:"files"`
	Compressed   int64   `json:"compressed_bytes"`
	Uncompressed int64   `json:"uncompressed_bytes"`
	Seconds      float64 `json:"seconds"`
}

// gunzipMain decompresses every *.gz file under a directory with procs
// goroutines, as ingest reads them: the file through a 64 KiB buffer
// (ingest's rawBuffer) into klauspost's gzip reader, whose output is
// discarded.
func gunzipMain(args []string) error {
	fl := flag.NewFlagSet("gunzip", flag.ExitOnError)
	procs := fl.Int("procs", runtime.GOMAXPROCS(0), "goroutines decompressing at once")
	fl.Parse(args)
	if fl.NArg() != 1 {
		return fmt.Errorf("gunzip: one directory expected")
	}
	files, err := gzFiles(fl.Arg(0))
	if err != nil {
		return err
	}
	start := time.Now()
	next := make(chan string)
	var compressed, uncompressed atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, *procs)
	for range *procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var zr *gzip.Reader
			br := bufio.NewReaderSize(nil, 64<<10)
			for p := range next {
				f, err := os.Open(p)
				if err != nil {
					errs <- err
					return
				}
				br.Reset(f)
				if zr == nil {
					zr, err = gzip.NewReader(br)
				} else {
					err = zr.Reset(br)
				}
				var n int64
				if err == nil {
					n, err = io.Copy(io.Discard, zr)
				}
				st, _ := f.Stat()
				f.Close()
				if err != nil {
					errs <- fmt.Errorf("gunzip %s: %w", p, err)
					return
				}
				uncompressed.Add(n)
				if st != nil {
					compressed.Add(st.Size())
				}
			}
		}()
	}
	for _, p := range files {
		next <- p
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	res := gunzipResult{
		Procs:        *procs,
		Files:        len(files),
		Compressed:   compressed.Load(),
		Uncompressed: uncompressed.Load(),
		Seconds:      time.Since(start).Seconds(),
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// gzFiles lists the *.gz files under dir in a fixed order.
func gzFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".gz") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .gz file under %s", dir)
	}
	slices.Sort(files)
	return files, nil
}
