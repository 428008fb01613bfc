// Package review renders what `iamtailor review` writes: the unified diff of
// a principal's current effective identity policy against the suggested
// one, findings.json, the Markdown body of a pull request (review.md) and
// the self-contained HTML least-privilege report (report.html).
//
// The findings themselves are analyze's (analyze.Review); this package only
// lays them out. It is pure: it writes to the io.Writers it is given, and
// the same report always gives the same bytes (no clock, no map order).
// It must not import cmd nor any AWS SDK package.
package review
