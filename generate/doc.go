// Package generate is pure: it turns analyzed usage into minimized
// least-privilege policy documents, splits them to fit IAM size limits, and
// renders policies, diffs and reports.
//
// It does no I/O beyond writing to the io.Writers it is given, and makes no
// AWS calls: same inputs, same bytes out. It must not import cmd nor any AWS
// SDK package.
//
// # What a generated policy is
//
// Policies turns one principal's analyze.PrincipalUsage into identity
// policy documents that are:
//
//   - Sound: every Observed access (companions such as iam:PassRole
//     included) is allowed. Policies proves it on its own output before
//     returning, and returns no document rather than one that misses an
//     access.
//   - Tight: nothing else is allowed, except by the widenings below, each
//     listed in the summary. Denied, unproven, permissionless and unmapped
//     calls never become grants.
//   - Valid: every action is a catalog action, every Resource fits one of
//     the action's resource type ARN templates (or is "*": for actions
//     without resource types, and for actions whose ARN the analyzer could
//     not build, with its reason in the summary), every document fits its
//     size limit. Validate checks a document; Policies runs it on all it
//     returns.
//
// # Rules
//
// Statements group actions of one service and one access level that share
// the same resource set, so a reviewer reads "who can write what" from the
// Sids. The Sid is Service + AccessLevel + resource types in PascalCase
// (S3ReadObject, DynamodbWriteTable), made unique with 2, 3, …; actions
// whose ARN could not be built get their own statement, Sid suffix
// AnyResource; actions that take no resource type share one statement,
// Sid ActionsWithoutResourceTypes, on "*". Actions and resources are sorted.
//
// Widenings, per action, in this order: with CollapseRegions or
// CollapseAccounts, ARNs equal but for the region (account) merge into one
// with "*" there; with CollapseThreshold N > 0, S3 objects, SSM parameters
// and log streams collapse bottom-up along their "/" path: a prefix holding
// more than N entries (observed resources, and deeper prefixes already
// collapsed, each counting once) becomes "prefix/*". A collapse never goes
// wider than the bucket, the log group, or the first level of a parameter
// path. Then resources that another resource of the same action covers are
// dropped (that changes nothing allowed).
//
// With ActionWildcards, "svc:Prefix*" (Prefix ending at a word boundary of
// an action name) replaces actions of a statement when, in the catalog
// version used, it matches at least two actions and only actions the
// statement already has.
//
// Documents: all statements in one document when they fit. Managed
// policies (6,144 characters) are otherwise packed by service, first fit,
// a statement too big for one document being cut along its resources (then
// actions) into Sid+"Part1", …; more than 10 documents fails the principal.
// Inline policies (role 10,240, user 2,048) are never split, because IAM
// counts all inline policies of an identity together.
package generate
