package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Issue 6's targets.
const (
	targetPerCore     = 250_000 // events/s per core, end to end
	targetGunzipShare = 0.60    // of gunzip alone, same run
	targetScaling     = 1.8     // two cores over one
	targetRSSMiB      = 512
	targetGenerate    = 5 * time.Second
	targetCatalog     = 50 * time.Millisecond
)

// stage is one Go benchmark figure the report shows.
type stage struct {
	what  string
	pkg   string // import path below the module
	bench string // name as go test prints it, without the -N suffix
	unit  string
}

var stages = []stage{
	{"gunzip alone (klauspost/compress), the ceiling", "ingest", "BenchmarkDecodeGunzip", "events/s"},
	{"decode: gunzip + decode + FillRow", "ingest", "BenchmarkDecodeFillRow", "events/s"},
	{"aggregate: the usage rows of 100k perfgen events into a Table", "ingest", "BenchmarkAggregate", "ns/event"},
	{"aggregate: Table.Add of a key already held", "ingest/store", "BenchmarkTableAdd/existing_key", "ns/op"},
	{"aggregate: Table.Add of a new key", "ingest/store", "BenchmarkTableAdd/new_key", "ns/op"},
	{"map: a usage row to IAM actions and resources", "analyze", "BenchmarkMap", "rows/s"},
	{"write the store: Commit of 100k rows into an empty store", "ingest/store", "BenchmarkCommit/empty_store", "rows/s"},
	{"write the store: Commit of 100k rows into a month of 100k", "ingest/store", "BenchmarkCommit/existing_store", "rows/s"},
	{"generate: 1,000 principals, 100k observed accesses", "generate", "BenchmarkGenerate", "s/op"},
	{"catalog: load the embedded catalog", "analyze/catalog", "BenchmarkLoad", "ms/op"},
}

const module = "github.com/iamtailor/iamtailor/"

func reportMain(args []string) error {
	fl := flag.NewFlagSet("report", flag.ExitOnError)
	e2eFile := fl.String("e2e", "", "the output of benchtool e2e")
	goFile := fl.String("go", "", "go test -bench output")
	goVersion := fl.String("go-version", runtime.Version(), "the Go toolchain that built the binary")
	commit := fl.String("commit", "", "the commit measured")
	size := fl.String("size", "", "the perfgen tree's -size")
	profFile := fl.String("prof", "", "go tool pprof -top -cum of BenchmarkIngest, loadPerfgen ignored")
	profAllFile := fl.String("prof-all", "", "the same, nothing ignored")
	out := fl.String("o", "bench/results.md", "where to write the report")
	fl.Parse(args)

	var e2e e2eResult
	b, err := os.ReadFile(*e2eFile)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &e2e); err != nil {
		return fmt.Errorf("%s: %w", *e2eFile, err)
	}
	gb, err := readGoBench(*goFile)
	if err != nil {
		return err
	}
	var prof *profile
	if *profFile != "" {
		if prof, err = readProfile(*profFile, *profAllFile); err != nil {
			return err
		}
	}
	var w strings.Builder
	writeReport(&w, &e2e, gb, prof, *goVersion, *commit, *size)
	return os.WriteFile(*out, []byte(w.String()), 0o644)
}

// goBench holds every value of every metric of every benchmark, by
// package, name (without the GOMAXPROCS suffix) and unit.
type goBench map[string][]float64

func benchKey(pkg, name, unit string) string { return pkg + " " + name + " " + unit }

func readGoBench(path string) (goBench, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseGoBench(f)
}

func parseGoBench(r io.Reader) (goBench, error) {
	gb := goBench{}
	pkg := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(strings.TrimSpace(p), module)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			unit := f[i+1]
			switch unit {
			case "ns/op":
				gb[benchKey(pkg, name, "s/op")] = append(gb[benchKey(pkg, name, "s/op")], v/1e9)
				gb[benchKey(pkg, name, "ms/op")] = append(gb[benchKey(pkg, name, "ms/op")], v/1e6)
			}
			gb[benchKey(pkg, name, unit)] = append(gb[benchKey(pkg, name, unit)], v)
		}
	}
	return gb, sc.Err()
}

func (gb goBench) median(pkg, name, unit string) (float64, bool) {
	v := gb[benchKey(pkg, name, unit)]
	if len(v) == 0 {
		return 0, false
	}
	return median(v), true
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// coreFigures are the medians of the runs at one core count.
type coreFigures struct {
	procs                   int
	runs                    int
	eventsPerSec, mbPerSec  float64
	eventsPerCPUSec         float64
	gunzipMBPerSec          float64
	gunzipEventsPerSec      float64
	share                   float64 // ingest speed over gunzip's, per run, median
	wall, cpu               float64
	maxRSSMiB               float64
	events, uncompressed    int64
	compressed, usageRows   int64
	load1Min, load1Max      float64
	uncompressedDisagreeing bool
}

func figures(e *e2eResult) []coreFigures {
	byProcs := map[int][]e2eRun{}
	var order []int
	for _, r := range e.Runs {
		if _, ok := byProcs[r.Procs]; !ok {
			order = append(order, r.Procs)
		}
		byProcs[r.Procs] = append(byProcs[r.Procs], r)
	}
	slices.Sort(order)
	var out []coreFigures
	for _, p := range order {
		runs := byProcs[p]
		var eps, mbps, epc, gmb, gev, share, wall, cpu, loads []float64
		f := coreFigures{procs: p, runs: len(runs)}
		for _, r := range runs {
			ev := float64(r.Sum.EventsRead)
			eps = append(eps, ev/r.Ingest.Wall)
			mbps = append(mbps, float64(r.Sum.BytesUncompressed)/r.Ingest.Wall/1e6)
			epc = append(epc, ev/(r.Ingest.User+r.Ingest.Sys))
			gmb = append(gmb, float64(r.GzOut.Uncompressed)/r.Gunzip.Wall/1e6)
			// gunzip alone over the same bytes, as events/s.
			gev = append(gev, ev*float64(r.GzOut.Uncompressed)/float64(r.Sum.BytesUncompressed)/r.Gunzip.Wall)
			share = append(share, r.Gunzip.Wall/r.Ingest.Wall)
			wall = append(wall, r.Ingest.Wall)
			cpu = append(cpu, r.Ingest.User+r.Ingest.Sys)
			loads = append(loads, r.Load1)
			f.maxRSSMiB = max(f.maxRSSMiB, float64(r.Ingest.MaxRSSKB)/1024)
			f.events, f.uncompressed, f.compressed, f.usageRows = r.Sum.EventsRead, r.Sum.BytesUncompressed, r.Sum.BytesRead, r.Sum.UsageRows
			if r.GzOut.Uncompressed != r.Sum.BytesUncompressed {
				f.uncompressedDisagreeing = true
			}
		}
		f.eventsPerSec, f.mbPerSec, f.eventsPerCPUSec = median(eps), median(mbps), median(epc)
		f.gunzipMBPerSec, f.gunzipEventsPerSec, f.share = median(gmb), median(gev), median(share)
		f.wall, f.cpu = median(wall), median(cpu)
		f.load1Min, f.load1Max = slices.Min(loads), slices.Max(loads)
		out = append(out, f)
	}
	return out
}

func met(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**not met**"
}

func writeReport(w *strings.Builder, e *e2eResult, gb goBench, prof *profile, goVersion, commit, size string) {
	figs := figures(e)
	fmt.Fprintf(w, "# Benchmarks\n\n")
	fmt.Fprintf(w, "Written by `make bench` (scripts/bench.sh); do not edit, run it again. Figures are medians of %d runs.\n\n", figs[0].runs)

	fmt.Fprintf(w, "## Machine\n\n| | |\n|---|---|\n")
	fmt.Fprintf(w, "| date | %s |\n", e.Started.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "| CPU | %s |\n", cpuModel())
	fmt.Fprintf(w, "| cores | %d |\n", runtime.NumCPU())
	fmt.Fprintf(w, "| Go | %s |\n", goVersion)
	fmt.Fprintf(w, "| OS | %s/%s, kernel %s |\n", runtime.GOOS, runtime.GOARCH, kernel())
	if commit != "" {
		fmt.Fprintf(w, "| commit | %s |\n", commit)
	}
	fmt.Fprintf(w, "| load average (1, 5, 15 min) | %s before, %s after |\n\n", e.Load[0], e.Load[1])
	fmt.Fprintf(w, "The machine may be shared: a load average above 0 before a run means other work competed for the cores, and figures are then lower than the machine can do.\n\n")

	// Targets.
	fmt.Fprintf(w, "## Targets (issue 6)\n\n| target | measured | |\n|---|---|---|\n")
	perCoreOK := true
	var perCore []string
	for _, f := range figs {
		pc := f.eventsPerSec / float64(f.procs)
		perCoreOK = perCoreOK && pc >= targetPerCore
		perCore = append(perCore, fmt.Sprintf("%s events/s per core at %s", thousands(pc), cores(f.procs)))
	}
	fmt.Fprintf(w, "| end-to-end ingest ≥ 250k events/s per core | %s | %s |\n", strings.Join(perCore, "; "), met(perCoreOK))
	shareOK := true
	var shares []string
	for _, f := range figs {
		shareOK = shareOK && f.share >= targetGunzipShare
		shares = append(shares, fmt.Sprintf("%.0f%% at %s", 100*f.share, cores(f.procs)))
	}
	fmt.Fprintf(w, "| end-to-end ≥ 60%% of gunzip-alone speed, same run | %s | %s |\n", strings.Join(shares, "; "), met(shareOK))
	if one, two, ok := scaling(figs); ok {
		s := two.eventsPerSec / one.eventsPerSec
		fmt.Fprintf(w, "| 2 cores ≥ 1.8× one | %.2f× (%s → %s events/s) | %s |\n", s, thousands(one.eventsPerSec), thousands(two.eventsPerSec), met(s >= targetScaling))
	}
	var rss float64
	for _, f := range figs {
		rss = max(rss, f.maxRSSMiB)
	}
	fmt.Fprintf(w, "| peak RSS ≤ 512 MB | %.0f MiB (largest of every run) | %s |\n", rss, met(rss <= targetRSSMiB))
	if v, ok := gb.median("generate", "BenchmarkGenerate", "s/op"); ok {
		fmt.Fprintf(w, "| generation, 1,000 principals and 100k tuples < 5 s | %.2f s | %s |\n", v, met(v < targetGenerate.Seconds()))
	}
	if v, ok := gb.median("analyze/catalog", "BenchmarkLoad", "ms/op"); ok {
		fmt.Fprintf(w, "| catalog load < 50 ms | %.2f ms | %s |\n", v, met(v < float64(targetCatalog.Milliseconds())))
	}
	fmt.Fprintln(w)

	// End to end.
	f0 := figs[0]
	conc := "its default (2×cores, at least 4)"
	if e.Concurrency > 0 {
		conc = strconv.Itoa(e.Concurrency)
	}
	fmt.Fprintf(w, "## End to end: `iamtailor ingest` on a perfgen tree\n\n")
	fmt.Fprintf(w, "Tree: `../shared/perfgen -size %s -seed 1`, %d files, %s events, %.0f MB uncompressed (%.0f MB gzipped), giving %s usage rows. ",
		size, e.Files, thousands(float64(f0.events)), float64(f0.uncompressed)/1e6, float64(f0.compressed)/1e6, thousands(float64(f0.usageRows)))
	fmt.Fprintf(w, "Each run is a new process with GOMAXPROCS set to the cores and --concurrency %s, ingesting into a new store from files in the page cache; gunzip alone (`benchtool gunzip`: the same library and buffer sizes, as many goroutines as cores) runs just before it over the same files.\n\n", conc)
	fmt.Fprintf(w, "| cores | events/s | per core | MB/s | events per CPU-second | gunzip alone MB/s | gunzip alone events/s | ingest ÷ gunzip | wall s | CPU s | peak RSS MiB | load average |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range figs {
		fmt.Fprintf(w, "| %d | %s | %s | %.0f | %s | %.0f | %s | %.0f%% | %.2f | %.2f | %.0f | %.2f–%.2f |\n",
			f.procs, thousands(f.eventsPerSec), thousands(f.eventsPerSec/float64(f.procs)), f.mbPerSec, thousands(f.eventsPerCPUSec),
			f.gunzipMBPerSec, thousands(f.gunzipEventsPerSec), 100*f.share, f.wall, f.cpu, f.maxRSSMiB, f.load1Min, f.load1Max)
	}
	fmt.Fprintln(w)
	same := true
	for _, r := range e.Runs {
		same = same && r.StoreHash == e.Runs[0].StoreHash
	}
	if same {
		fmt.Fprintf(w, "Every run wrote the same store, byte for byte (SHA-256 %s…), whatever the number of cores.\n\n", e.Runs[0].StoreHash)
	} else {
		fmt.Fprintf(w, "**The runs wrote different stores**: see the hashes below. Output must not depend on scheduling.\n\n")
	}
	for _, f := range figs {
		if f.uncompressedDisagreeing {
			fmt.Fprintf(w, "**gunzip alone and ingest disagree on the uncompressed size at %s**.\n\n", cores(f.procs))
		}
	}
	fmt.Fprintf(w, "<details><summary>Every run</summary>\n\n| cores | run | ingest s | user s | sys s | peak RSS MiB | gunzip s | load | store |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range e.Runs {
		fmt.Fprintf(w, "| %d | %d | %.2f | %.2f | %.2f | %.0f | %.2f | %.2f | %s |\n", r.Procs, r.Rep, r.Ingest.Wall, r.Ingest.User, r.Ingest.Sys,
			float64(r.Ingest.MaxRSSKB)/1024, r.Gunzip.Wall, r.Load1, r.StoreHash)
	}
	fmt.Fprintf(w, "\n</details>\n\n")

	if prof != nil {
		writeProfile(w, prof, figs)
	}

	// Stages.
	fmt.Fprintf(w, "## Stages (Go benchmarks, one core, `go test -cpu 1`)\n\n| stage | benchmark | figure |\n|---|---|---|\n")
	for _, s := range stages {
		v, ok := gb.median(s.pkg, s.bench, s.unit)
		if !ok {
			fmt.Fprintf(w, "| %s | `%s` %s | not run |\n", s.what, s.pkg, s.bench)
			continue
		}
		extra := ""
		if s.unit == "events/s" {
			if mb, ok := gb.median(s.pkg, s.bench, "MB/s"); ok {
				extra = fmt.Sprintf(" (%.0f MB/s)", mb)
			}
		}
		fmt.Fprintf(w, "| %s | `%s` %s | %s %s%s |\n", s.what, s.pkg, s.bench, number(v), s.unit, extra)
	}
	fmt.Fprintf(w, "\nTo run again: `make bench` (BENCH_SIZE=bytes of the tree, default 1000000000; BENCH_RUNS=repetitions, default 3). The perfgen tree is made on first use and cached in `${XDG_CACHE_HOME:-~/.cache}/iamtailor/`.\n")
}

func cores(n int) string {
	if n == 1 {
		return "1 core"
	}
	return strconv.Itoa(n) + " cores"
}

func scaling(figs []coreFigures) (one, two coreFigures, ok bool) {
	var has1, has2 bool
	for _, f := range figs {
		switch f.procs {
		case 1:
			one, has1 = f, true
		case 2:
			two, has2 = f, true
		}
	}
	return one, two, has1 && has2
}

// thousands writes 123456.7 as "123,457".
func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func number(v float64) string {
	switch {
	case v >= 10_000:
		return thousands(v)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
