package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// profile is the cumulative CPU time of the functions that mark the
// pipeline's stages, from `go tool pprof -top -cum` of BenchmarkIngest.
type profile struct {
	total float64 // seconds of the pipeline (the benchmark's set-up left out)
	cum   map[string]float64
}

// The functions whose cumulative time is a stage.
const (
	fnDecode   = "github.com/iamtailor/iamtailor/ingest.Decode"
	fnGunzip   = "github.com/klauspost/compress/gzip.(*Reader).Read"
	fnFillRow  = "github.com/iamtailor/iamtailor/ingest.FillRow"
	fnAdd      = "github.com/iamtailor/iamtailor/ingest/store.(*Table).Add"
	fnCommit   = "github.com/iamtailor/iamtailor/ingest/store.(*Store).CommitTables"
	fnSHA256   = "crypto/internal/fips140/sha256.(*Digest).Write"
	fnGC       = "runtime.gcBgMarkWorker"
	fnSetup    = "github.com/iamtailor/iamtailor/ingest.loadPerfgen"
	fnParquet  = "github.com/parquet-go/parquet-go.(*GenericWriter"
	fnZstdEnc  = "github.com/klauspost/compress/zstd.(*Encoder).EncodeAll"
	fnSortView = "github.com/iamtailor/iamtailor/ingest/store.(*Table).sortedView"
)

func readProfile(path, allPath string) (*profile, error) {
	cum, total, err := readTop(path)
	if err != nil {
		return nil, err
	}
	p := &profile{total: total, cum: cum}
	if allPath != "" {
		all, _, err := readTop(allPath)
		if err != nil {
			return nil, err
		}
		// The ignored set-up's samples are still in the header's total.
		p.total -= all[fnSetup]
	}
	return p, nil
}

// readTop reads the cum column of `go tool pprof -top -cum` by function
// name (a prefix for generic functions), and the total samples.
func readTop(path string) (map[string]float64, float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	cum := map[string]float64{}
	var total float64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if _, rest, ok := strings.Cut(line, "Total samples = "); ok {
			total = seconds(strings.Fields(rest)[0])
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 6 || !strings.HasSuffix(fields[1], "%") {
			continue
		}
		name := strings.Join(fields[5:], " ")
		if strings.HasPrefix(name, fnParquet) && strings.HasSuffix(name, ").Write") {
			name = fnParquet
		}
		cum[name] = max(cum[name], seconds(fields[3]))
	}
	return cum, total, sc.Err()
}

// seconds parses pprof's durations: 12.5s, 340ms, 0.
func seconds(s string) float64 {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "ms"):
		s, mult = strings.TrimSuffix(s, "ms"), 1e-3
	case strings.HasSuffix(s, "us"):
		s, mult = strings.TrimSuffix(s, "us"), 1e-6
	case strings.HasSuffix(s, "s"):
		s = strings.TrimSuffix(s, "s")
	}
	v, _ := strconv.ParseFloat(s, 64)
	return v * mult
}

// writeProfile says where the CPU time of an ingest goes, stage by stage,
// as shares and as time per event at the one-core speed measured above.
func writeProfile(w *strings.Builder, p *profile, figs []coreFigures) {
	if p.total <= 0 {
		return
	}
	perEvent := 0.0 // CPU nanoseconds per event, one core
	for _, f := range figs {
		if f.procs == 1 {
			perEvent = 1e9 / f.eventsPerCPUSec
		}
	}
	c := p.cum
	gunzip := c[fnGunzip]
	parse := c[fnDecode] - gunzip - c[fnAdd] - c[fnFillRow]
	rows := []struct {
		what string
		s    float64
	}{
		{"gunzip (klauspost/compress)", gunzip},
		{"decode: parse the JSON, filters (ingest.Decode less gunzip and the row)", parse},
		{"FillRow: the event's usage row", c[fnFillRow]},
		{"aggregate: Table.Add into the worker's accumulator", c[fnAdd]},
		{"commit: sort, merge and write the store (CommitTables)", c[fnCommit]},
		{"… of which Parquet encoding (parquet-go)", c[fnParquet]},
		{"… of which zstd", c[fnZstdEnc]},
		{"… of which sorting the tables", c[fnSortView]},
		{"local ETags: SHA-256 of the compressed files", c[fnSHA256]},
		{"garbage collector (background marking)", c[fnGC]},
	}
	accounted := gunzip + parse + c[fnFillRow] + c[fnAdd] + c[fnCommit] + c[fnSHA256] + c[fnGC]
	fmt.Fprintf(w, "## Where the time goes (pprof, one core)\n\n")
	fmt.Fprintf(w, "CPU profile of `BenchmarkIngest` (the same pipeline in process, `go test -cpu 1`), by stage; per event at the one-core speed above. The end-to-end ceiling is gunzip alone: every other line is what the targets leave room for (a 60%% share of gunzip's speed means everything else in at most two thirds of gunzip's time).\n\n")
	fmt.Fprintf(w, "| stage | share of CPU | per event |\n|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %.1f%% | %s |\n", r.what, 100*r.s/p.total, nanos(perEvent*r.s/p.total))
	}
	other := p.total - accounted
	fmt.Fprintf(w, "| other: reading files, listing, scheduling | %.1f%% | %s |\n\n", 100*other/p.total, nanos(perEvent*other/p.total))
}

func nanos(ns float64) string {
	if ns <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f ns", ns)
}
