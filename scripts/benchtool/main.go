// Command benchtool is the measuring half of scripts/bench.sh (make bench):
//
//	benchtool gunzip -procs N DIR        gunzip alone over every *.gz under DIR
//	benchtool e2e -bin B -tree DIR ...   iamtailor ingest and gunzip alone, in turns
//	benchtool report ...                 bench/results.md from what the others wrote
//
// It times child processes and reads their CPU time and peak RSS from the
// kernel (wait4's rusage), so it needs neither GNU time nor /proc polling.
// It measures the built binary from outside and imports no iamtailor
// package; its gunzip is the library the binary uses (klauspost/compress)
// with the same buffer sizes, so that the ratio of the two is the share of
// the machine's time that decompression alone would need.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "gunzip":
		err = gunzipMain(os.Args[2:])
	case "e2e":
		err = e2eMain(os.Args[2:])
	case "report":
		err = reportMain(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchtool gunzip|e2e|report [flags] (see scripts/bench.sh)")
	os.Exit(2)
}
