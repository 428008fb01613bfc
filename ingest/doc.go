// Package ingest reads CloudTrail logs and turns them into usage observations.
//
// It owns: finding log objects (local directories and files here; S3 in the
// s3source subpackage; Security Lake Parquet in the securitylake subpackage),
// recognising their format, decoding events as a stream, keeping only the
// fields later stages need, and aggregating events into usage rows that the
// store subpackage persists.
//
// It records observations, never conclusions: it does not know IAM actions,
// services or what a principal may do. Per-service knowledge lives in
// analyze. Request parameters are kept by one generic, bounded rule (see
// params.go), not by a per-service table.
//
// It must not import analyze, generate or cmd. Only the s3source and
// authz/iamapi subpackages import aws-sdk-go-v2.
package ingest
