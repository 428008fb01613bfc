//go:build !race

package ingest

const decRaceEnabled = false
