// Package generate is pure: it turns analyzed usage into minimized
// least-privilege policy documents, splits them to fit IAM size limits, and
// renders policies, diffs and reports.
//
// It does no I/O beyond writing to the io.Writers it is given, and makes no
// AWS calls: same inputs, same bytes out. It must not import cmd nor any AWS
// SDK package.
package generate
