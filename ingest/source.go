package ingest

import (
	"context"
	"errors"
	"io"
)

// Object is one log object found by listing a Tree.
type Object struct {
	// URI names the object canonically: s3://bucket/key or file:///abs/path.
	// The manifest identifies objects by it.
	URI string
	// Key is the object's slash-separated path inside its Tree. For an S3
	// bucket it is the object key; for a local directory it is the path
	// below the directory that holds AWSLogs/ (or below the source root when
	// there is no AWSLogs/ above it), so that the same files in a bucket
	// and on disk have the same keys.
	Key  string
	Size int64
	// ETag is the S3 ETag as listed. It is empty for local files until the
	// pipeline asks the Tree for it (Tree.ETag), because computing it costs
	// a read.
	ETag string
}

// Tree is a hierarchy of objects addressed by slash-separated keys: an S3
// bucket or a local directory. The layout-aware walk (layoutwalk.go) needs
// nothing more, so every source gets the same pruning and the same filters.
//
// Implementations must be safe for concurrent use.
type Tree interface {
	// ListDir lists the direct children of prefix ("" or ending in "/"), as
	// a delimiter listing does: it calls onPrefix for every sub-prefix (the
	// full prefix, ending in "/") and onObject for every object. It streams,
	// so a flat directory of a million objects is never held in memory.
	ListDir(ctx context.Context, prefix string, onPrefix func(string) error, onObject func(Object) error) error
	// ListAll calls fn for every object below prefix at any depth.
	ListAll(ctx context.Context, prefix string, fn func(Object) error) error
	// URI names a key (or a prefix) of the tree canonically.
	URI(key string) string
	// Stat returns the object with exactly this key, or an error wrapping
	// ErrNotFound when there is none.
	Stat(ctx context.Context, key string) (Object, error)
	// ETag returns o's ETag, computing it if the listing did not give one.
	ETag(ctx context.Context, o Object) (string, error)
	// Open streams o's content. An error a retry cannot fix is a
	// *FileError (object_vanished, object_changed, access_denied); any
	// other error is treated as transient and retried.
	Open(ctx context.Context, o Object) (io.ReadCloser, error)
}

// ErrNotFound is wrapped by Tree.Stat when there is no such object.
var ErrNotFound = errors.New("no such object")

// Source is one SOURCE argument: a tree and where in it to start.
type Source struct {
	Tree Tree
	// Prefix is "" for the whole tree, a prefix ending in "/" for a
	// directory, or the key of a single object.
	Prefix string
	// Display is how the source is named in messages: the argument as given.
	Display string
}

// Reasons for skipping a file that the sources and the pipeline decide;
// the decoder's (decode.go) cover what the content shows. Files under
// CloudTrail-Digest/ and CloudTrail-Insight/ are skipped by layout with the
// decoder's SkipDigest and SkipInsights, and a read that keeps failing
// after every retry with its SkipReadError: the same things, found sooner
// or later.
const (
	// SkipObjectVanished: listed, then gone when read (S3 NoSuchKey, a
	// deleted local file).
	SkipObjectVanished SkipReason = "object_vanished"
	// SkipObjectChanged: its ETag changed between list and read; the next
	// run reads the new version.
	SkipObjectChanged SkipReason = "object_changed"
	// SkipAccessDenied: the credentials may list but not read it
	// (s3:GetObject, or kms:Decrypt for SSE-KMS trails).
	SkipAccessDenied SkipReason = "access_denied"
	// SkipOtherServicePrefix: a prefix under AWSLogs/<account>/ that another
	// AWS service writes (Config, vpcflowlogs, elasticloadbalancing, …).
	SkipOtherServicePrefix SkipReason = "not_cloudtrail_prefix"
)
