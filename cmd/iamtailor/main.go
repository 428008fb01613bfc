// Command iamtailor turns what AWS principals did (CloudTrail) into
// least-privilege IAM policies and reviews them against what is attached.
//
// This package is wiring and presentation only: one file per subcommand, and
// the only place that loads AWS configuration and builds clients.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set by the Makefile through -ldflags.
var version = "dev"

// Exit codes. Scripts and CI gate on them, so they never change meaning.
const (
	exitOK       = 0
	exitFailure  = 1
	exitUsage    = 2
	exitSkipped  = 3 // the run completed but some input was skipped
	exitFindings = 4 // review: some principal has unused or denied findings
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

func exitCode(err error) int {
	var usage *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "iamtailor:", err)
		return exitUsage
	case errors.Is(err, errInputSkipped):
		fmt.Fprintln(os.Stderr, "iamtailor:", err)
		return exitSkipped
	case errors.Is(err, errFindings):
		return exitFindings
	default:
		fmt.Fprintln(os.Stderr, "iamtailor:", err)
		return exitFailure
	}
}
