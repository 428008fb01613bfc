package main

import (
	"math"
	"os"
	"runtime/debug"
)

// ingestMemoryLimit is the Go runtime's soft memory limit while logs are
// read (unless GOMEMLIMIT sets one): the garbage collector then works
// harder rather than let the heap double past what the aggregation holds,
// which keeps a run's peak RSS under 512 MB whatever it reads. What the
// aggregation holds is bounded by ingest.DefaultCheckpointRows.
const ingestMemoryLimit = 384 << 20

// limitIngestMemory sets ingestMemoryLimit and returns what restores the
// limit before it, for the analysis that follows in generate and review.
func limitIngestMemory() (restore func()) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return func() {}
	}
	prev := debug.SetMemoryLimit(ingestMemoryLimit)
	if prev != math.MaxInt64 {
		// Someone chose a limit already: keep theirs.
		debug.SetMemoryLimit(prev)
		return func() {}
	}
	return func() { debug.SetMemoryLimit(prev) }
}
