package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/iamtailor/iamtailor/analyze/catalog"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the tool, Go and IAM catalog versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "iamtailor %s\n", version)
			fmt.Fprintf(w, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
			pkg, pkgVersion := catalog.Default().Source()
			fmt.Fprintf(w, "iam catalog %s %s\n", pkg, pkgVersion)
			return nil
		},
	}
}
