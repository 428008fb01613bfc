package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// e2eResult is what `benchtool e2e` writes: every run, unaggregated.
type e2eResult struct {
	Tree        string    `json:"tree"`
	Files       int       `json:"files"`
	Concurrency int       `json:"concurrency"` // 0: ingest's default
	Started     time.Time `json:"started"`
	Load        [2]string `json:"load"` // /proc/loadavg before and after
	Runs        []e2eRun  `json:"runs"`
}

// e2eRun is one repetition at one number of cores: gunzip alone and then
// ingest, back to back, so that both see the same machine.
type e2eRun struct {
	Procs  int          `json:"procs"`
	Rep    int          `json:"rep"`
	Load1  float64      `json:"load1"` // one-minute load average before the pair
	Gunzip proc         `json:"gunzip"`
	Ingest proc         `json:"ingest"`
	Sum    summary      `json:"summary"`
	GzOut  gunzipResult `json:"gunzip_result"`
	// StoreHash is a SHA-256 over the store's file names and bytes: equal
	// hashes across runs and core counts show that the output does not
	// depend on scheduling.
	StoreHash string `json:"store_hash"`
}

// proc is one child process as the kernel accounted it.
type proc struct {
	Wall     float64 `json:"wall_s"`
	User     float64 `json:"user_s"`
	Sys      float64 `json:"sys_s"`
	MaxRSSKB int64   `json:"max_rss_kib"`
}

// summary is the part of `iamtailor ingest --json` that the report uses.
type summary struct {
	EventsRead        int64 `json:"events_read"`
	FilesRead         int64 `json:"files_read"`
	BytesRead         int64 `json:"bytes_read"`
	BytesUncompressed int64 `json:"bytes_uncompressed"`
	UsageRows         int64 `json:"usage_rows"`
}

func e2eMain(args []string) error {
	fl := flag.NewFlagSet("e2e", flag.ExitOnError)
	bin := fl.String("bin", "bin/iamtailor", "the iamtailor binary")
	tree := fl.String("tree", "", "perfgen tree to ingest")
	procsList := fl.String("procs", "1,2", "core counts (GOMAXPROCS) to run at, comma-separated")
	reps := fl.Int("runs", 3, "repetitions at each core count")
	conc := fl.Int("concurrency", 0, "ingest --concurrency (0: its default)")
	work := fl.String("work", "", "scratch directory for the stores (default: a temporary one)")
	out := fl.String("o", "", "write the JSON result here (default: stdout)")
	fl.Parse(args)
	if *tree == "" {
		return fmt.Errorf("e2e: -tree is required")
	}
	var procs []int
	for _, s := range strings.Split(*procsList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("e2e: bad -procs %q", *procsList)
		}
		procs = append(procs, n)
	}
	files, err := gzFiles(*tree)
	if err != nil {
		return err
	}
	if *work == "" {
		d, err := os.MkdirTemp("", "iamtailor-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*work = d
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	res := e2eResult{Tree: *tree, Files: len(files), Concurrency: *conc, Started: time.Now().UTC()}
	res.Load[0] = loadavg()

	// Warm the page cache: every measured run then reads from memory,
	// as a run over a bucket reads from the network at its own pace.
	if _, _, err := runChild(1, self, "gunzip", "-procs", "1", *tree); err != nil {
		return err
	}
	for rep := 1; rep <= *reps; rep++ {
		for _, p := range procs {
			r := e2eRun{Procs: p, Rep: rep, Load1: load1()}
			gz, stdout, err := runChild(p, self, "gunzip", "-procs", strconv.Itoa(p), *tree)
			if err != nil {
				return err
			}
			r.Gunzip = gz
			if err := json.Unmarshal(stdout, &r.GzOut); err != nil {
				return fmt.Errorf("gunzip output: %w", err)
			}
			dir := filepath.Join(*work, fmt.Sprintf("store-%d-%d", p, rep))
			cmd := []string{"ingest", *tree, "--usage", dir, "--quiet", "--json"}
			if *conc > 0 {
				cmd = append(cmd, "--concurrency", strconv.Itoa(*conc))
			}
			ing, stdout, err := runChild(p, *bin, cmd...)
			if err != nil {
				return err
			}
			r.Ingest = ing
			if err := json.Unmarshal(stdout, &r.Sum); err != nil {
				return fmt.Errorf("ingest output %q: %w", stdout, err)
			}
			if r.StoreHash, err = hashDir(dir); err != nil {
				return err
			}
			os.RemoveAll(dir)
			fmt.Fprintf(os.Stderr, "bench: %s, run %d: ingest %.0f events/s (%.2f s, %.0f MiB peak), gunzip alone %.0f MB/s, load %.2f\n",
				cores(p), rep, float64(r.Sum.EventsRead)/ing.Wall, ing.Wall, float64(ing.MaxRSSKB)/1024,
				float64(r.GzOut.Uncompressed)/gz.Wall/1e6, r.Load1)
			res.Runs = append(res.Runs, r)
		}
	}
	res.Load[1] = loadavg()
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if *out == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(*out, b, 0o644)
}

// runChild runs a command with GOMAXPROCS=procs and returns how long it
// took, its CPU time, its peak RSS and its standard output.
func runChild(procs int, name string, args ...string) (proc, []byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(procs))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start).Seconds()
	if err != nil {
		return proc{}, nil, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	p := proc{Wall: wall}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		p.User = time.Duration(ru.Utime.Nano()).Seconds()
		p.Sys = time.Duration(ru.Stime.Nano()).Seconds()
		p.MaxRSSKB = ru.Maxrss
		if runtime.GOOS == "darwin" {
			p.MaxRSSKB /= 1024 // bytes there, KiB on Linux
		}
	}
	return p, stdout.Bytes(), nil
}

// hashDir hashes the names and contents of the files in dir, in name
// order, leaving out the writers' lock file.
func hashDir(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && e.Name() != "LOCK" {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func load1() float64 {
	f := strings.Fields(loadavg())
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}
