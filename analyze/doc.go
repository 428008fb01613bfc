// Package analyze is pure: it turns usage observations into what they mean
// in IAM terms. It owns CloudTrail event → IAM action and resource ARN
// mapping, principal normalization, error classification (denied vs proven
// authorized), and the used/unused/denied findings.
//
// Subpackages: catalog (the embedded IAM catalog) and policy (the policy
// model and evaluator).
//
// It does no I/O and makes no AWS calls: same inputs, same outputs. It may
// import ingest/store for the row type; it must not import generate or cmd,
// nor any AWS SDK package.
package analyze
