// Package store owns the usage store: the Parquet files that hold one row per
// distinct usage tuple, the manifest of ingested objects, atomic commits,
// and merging stores.
//
// It holds observations, never conclusions: rows say what was seen, not
// which IAM actions it implies. It must not import analyze, generate or cmd,
// nor any AWS SDK package.
package store
