package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/iamtailor/iamtailor/analyze"
	"github.com/iamtailor/iamtailor/generate"
)

// The subcommands that write something per principal (generate, review)
// choose the principals with --principal and --min-events, registered and
// checked here. The flags fill generate.Options, whose selection the
// generator applies itself: principals under --min-events then appear in
// summary.json with the reason instead of vanishing.

// addPrincipalFlags registers --principal (repeatable) and --min-events
// into o.
func addPrincipalFlags(fs *pflag.FlagSet, o *generate.Options) {
	fs.StringArrayVar(&o.Principals, "principal", nil, `only principals whose ARN or name matches this glob (repeatable; "*" matches any characters, "/" included, "?" one): 'deploy-*', 'arn:aws:iam::111122223333:role/app/*'`)
	fs.Int64Var(&o.MinEvents, "min-events", 0, "leave out principals with fewer events (they are listed in summary.json as skipped)")
}

// checkPrincipalFlags reports a selection that cannot be meant.
func checkPrincipalFlags(command string, o *generate.Options) error {
	if o.MinEvents < 0 {
		return usageErrorf("%s: --min-events must not be negative", command)
	}
	for _, g := range o.Principals {
		if g == "" {
			return usageErrorf("%s: --principal needs a glob (an ARN, a name, or a pattern such as 'deploy-*')", command)
		}
	}
	return nil
}

// unmatchedPrincipals lists the globs that select none of the principals
// seen, in the order given: most often a typo, or a principal that did
// nothing in the window.
func unmatchedPrincipals(globs []string, usages []analyze.PrincipalUsage) []string {
	var none []string
	for _, g := range globs {
		matched := false
		for i := range usages {
			if generate.SelectsPrincipal(usages[i].Principal, []string{g}) {
				matched = true
				break
			}
		}
		if !matched {
			none = append(none, g)
		}
	}
	return none
}

// warnUnmatchedPrincipals prints one stderr line per glob that selects no
// principal. It is a warning, not an error: a role with no activity in the
// window has nothing to generate from.
func warnUnmatchedPrincipals(w io.Writer, command string, globs []string, usages []analyze.PrincipalUsage) {
	for _, g := range unmatchedPrincipals(globs, usages) {
		fmt.Fprintf(w, "%s: --principal %q matches no principal seen in the usage read\n", command, g)
	}
}
