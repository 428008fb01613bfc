package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// errInputSkipped marks a run that completed but skipped some input beyond
// what --max-skipped tolerates.
var errInputSkipped = errors.New("some input was skipped")

// errFindings marks a review that found unused or denied permissions.
var errFindings = errors.New("findings reported")

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "iamtailor",
		Short:         "Least-privilege IAM policies from what principals actually did (CloudTrail)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{msg: err.Error()}
	})
	root.AddCommand(
		newVersionCommand(),
		newIngestCommand(),
		newGenerateCommand(),
		newMergeCommand(),
		newCoverageCommand(),
		newReviewCommand(),
		newSQLCommand(),
	)
	return root
}
