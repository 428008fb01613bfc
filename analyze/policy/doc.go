// Package policy owns the IAM policy document model, its canonical JSON, the
// size IAM's quotas measure, merging a principal's policies into one
// document, and the evaluator that decides what a principal's identity
// policies and permission boundary allow.
//
// It is pure: no I/O, no AWS SDK. It does not import the catalog: the
// evaluator works on action and ARN strings, and knowing which actions exist
// or which resource types an action takes is the caller's business.
//
// # How the evaluator decides
//
// The evaluator answers, for one request (action, resource ARN), what the
// identity policies (attached managed, inline, and a user's groups' policies)
// and the permission boundary say. It does not look at resource-based
// policies, SCPs, RCPs, session policies or KMS key policies.
//
// Each statement is matched against the request:
//
//   - Action/NotAction: case-insensitive; "*" and "?" are wildcards;
//     "*" alone matches every action.
//   - Resource/NotResource: "*" matches everything; otherwise the ARN's first
//     five parts (arn, partition, service, region, account) are compared
//     case-insensitively part by part, and the resource part after the fifth
//     colon case-sensitively, where '*' also spans '/' and ':'. A pattern
//     with fewer than six parts is padded with "*" parts. A statement with
//     neither element applies to every resource (IAM rejects such identity
//     policies; see CheckIdentityPolicy).
//   - Policy variables (Version 2012-10-17 only): "${…}" is an unknown value;
//     "${*}", "${?}", "${$}" are a literal '*', '?', '$'. A pattern that can
//     match only through a variable makes the statement apply "maybe".
//   - Condition: never evaluated. A statement with at least one condition
//     applies "maybe" when its action and resource match.
//
// A statement thus applies (certain), applies maybe (uncertain), or not.
// With "identity" the identity policies' statements and "boundary" the
// boundary's, the decision is, first row that holds wins:
//
//  1. a certain Deny applies (identity or boundary)        → ExplicitDeny
//  2. no Allow applies, certain or uncertain, in identity  → ImplicitDeny
//  3. a boundary is set and no Allow of it applies         → ImplicitDeny
//  4. a certain Allow applies in identity, and in the
//     boundary when one is set, and no uncertain Deny
//     applies anywhere                                     → Allowed
//  5. otherwise                                            → DependsOnConditions
//
// So an unconditional Deny beats everything; an unconditional Allow makes a
// conditional Allow irrelevant; a conditional Deny that applies turns an
// Allow into DependsOnConditions; and a request that no condition values
// could allow is denied: ExplicitDeny only when an unconditional Deny
// applies, ImplicitDeny otherwise (conditional Denies are then listed in
// Result.Matches). DependsOnConditions therefore means exactly "allowed for
// some values of the unknowns, denied for others", as long as distinct
// statements' conditions are independent; when they are not (one statement
// allows when aws:SecureTransport is true and another when it is false) the
// answer stays DependsOnConditions although IAM would always allow.
//
// # Cross-checked against iam-simulate
//
// oracle_test.go compares the evaluator with @cloud-copilot/iam-simulate on
// generated cases; the deliberate differences are listed there with their
// reasons.
package policy
