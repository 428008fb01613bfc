package main

import (
	"os"
	"testing"
)

// runAsCLI, set in a child's environment, makes the test binary run as the
// iamtailor command with the child's arguments: tests that must kill the
// command mid-run (kill_test.go) start it this way, without building it.
const runAsCLI = "IAMTAILOR_TEST_RUN_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(runAsCLI) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}
