package generate

import "github.com/iamtailor/iamtailor/analyze"

// SelectsPrincipal reports whether p passes the selection of
// Options.Principals: its ARN or its name matches one of the globs ("*"
// any run of characters, "/" included; "?" one character), or there is no
// glob. Generate selects with it; commands that pick principals for other
// outputs use it too, so that a --principal glob means the same everywhere.
func SelectsPrincipal(p analyze.Principal, globs []string) bool {
	return selected(p, globs)
}
