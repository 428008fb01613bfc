//go:build race

package ingest

const decRaceEnabled = true
