// Package s3source reads CloudTrail logs from Amazon S3 (or any S3-protocol
// server): it is the ingest.Tree of a bucket, listing with ListObjectsV2 and
// streaming objects with GetObject.
//
// It owns the S3 side of ingest: URIs, pagination, the mapping of S3 errors
// to what the pipeline does with them (skip, retry, fail), and the client
// settings that make retries survive throttling. It knows nothing of the
// CloudTrail layout or of decoding (package ingest does both for every
// source). It must not import analyze, generate or cmd.
package s3source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamtailor/iamtailor/ingest"
)

// API is the part of the S3 client a Bucket uses; *s3.Client has it.
type API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// ClientOptions are how the S3 client reaches the server.
type ClientOptions struct {
	// Endpoint overrides the S3 endpoint (an S3-compatible server, a VPC
	// endpoint). Empty keeps what aws.Config says (AWS_ENDPOINT_URL…).
	Endpoint string
	// PathStyle addresses buckets as https://host/bucket, which S3-compatible
	// servers need.
	PathStyle bool
	// MaxAttempts per request, the first included; 0: 10.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts; 0: 20 s.
	MaxBackoff time.Duration
}

// NewClient makes the S3 client ingest uses. Its retryer retries throttling
// (503 SlowDown), 5xx and connection errors with exponential backoff, and
// has no retry quota: a long run that meets a burst of throttling keeps
// retrying instead of failing every request once the quota is spent.
func NewClient(cfg aws.Config, o ClientOptions) *s3.Client {
	attempts := o.MaxAttempts
	if attempts <= 0 {
		attempts = 10
	}
	backoff := o.MaxBackoff
	if backoff <= 0 {
		backoff = 20 * time.Second
	}
	return s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
		so.UsePathStyle = o.PathStyle
		so.Retryer = retry.NewStandard(func(ro *retry.StandardOptions) {
			ro.MaxAttempts = attempts
			ro.MaxBackoff = backoff
			ro.RateLimiter = ratelimit.None
		})
		// Checksums are validated where the server sends them; say nothing
		// about objects that have none (most CloudTrail objects).
		so.DisableLogOutputChecksumValidationSkipped = true
	})
}

// ParseURI splits s3://bucket[/prefix] into bucket and prefix.
func ParseURI(uri string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an s3:// URI", uri)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q names no bucket", uri)
	}
	return bucket, prefix, nil
}

// IsURI reports whether a SOURCE argument names S3.
func IsURI(s string) bool { return strings.HasPrefix(s, "s3://") }

// NewSource makes the ingest.Source of an s3://bucket[/prefix] argument. A
// prefix that does not end in "/" is a single object if one has exactly
// that key, else a directory.
func NewSource(api API, uri string) (ingest.Source, error) {
	bucket, prefix, err := ParseURI(uri)
	if err != nil {
		return ingest.Source{}, err
	}
	return ingest.Source{Tree: &Bucket{api: api, name: bucket}, Prefix: prefix, Display: uri}, nil
}

// Bucket is an S3 bucket seen as an ingest.Tree.
type Bucket struct {
	api  API
	name string
}

// New returns the Tree of a bucket.
func New(api API, bucket string) *Bucket { return &Bucket{api: api, name: bucket} }

// URI implements ingest.Tree.
func (b *Bucket) URI(key string) string { return "s3://" + b.name + "/" + key }

func (b *Bucket) object(o types.Object) ingest.Object {
	key := aws.ToString(o.Key)
	return ingest.Object{
		URI:  b.URI(key),
		Key:  key,
		Size: aws.ToInt64(o.Size),
		ETag: strings.Trim(aws.ToString(o.ETag), `"`),
	}
}

// ListDir implements ingest.Tree with a delimiter listing.
func (b *Bucket) ListDir(ctx context.Context, prefix string, onPrefix func(string) error, onObject func(ingest.Object) error) error {
	return b.list(ctx, prefix, "/", onPrefix, onObject)
}

// ListAll implements ingest.Tree.
func (b *Bucket) ListAll(ctx context.Context, prefix string, fn func(ingest.Object) error) error {
	return b.list(ctx, prefix, "", nil, fn)
}

func (b *Bucket) list(ctx context.Context, prefix, delimiter string, onPrefix func(string) error, onObject func(ingest.Object) error) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(b.name)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	if delimiter != "" {
		in.Delimiter = aws.String(delimiter)
	}
	pages := s3.NewListObjectsV2Paginator(b.api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return listError(b.URI(prefix), err)
		}
		for _, cp := range page.CommonPrefixes {
			if err := onPrefix(aws.ToString(cp.Prefix)); err != nil {
				return err
			}
		}
		for _, o := range page.Contents {
			if strings.HasSuffix(aws.ToString(o.Key), "/") {
				continue // a "folder" placeholder made by the console
			}
			if err := onObject(b.object(o)); err != nil {
				return err
			}
		}
	}
	return nil
}

func listError(uri string, err error) error {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if region := re.Response.Header.Get("X-Amz-Bucket-Region"); region != "" && re.HTTPStatusCode() == http.StatusMovedPermanently {
			return fmt.Errorf("list %s: the bucket is in region %s: pass --aws-region %s: %w", uri, region, region, err)
		}
	}
	return fmt.Errorf("list %s: %w", uri, err)
}

// Stat implements ingest.Tree. It lists rather than heads the key, so that
// s3:ListBucket is enough, and the ETag is the same as a listing gives.
func (b *Bucket) Stat(ctx context.Context, key string) (ingest.Object, error) {
	out, err := b.api.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket:  aws.String(b.name),
		Prefix:  aws.String(key),
		MaxKeys: aws.Int32(1),
	})
	if err != nil {
		return ingest.Object{}, listError(b.URI(key), err)
	}
	if len(out.Contents) == 1 && aws.ToString(out.Contents[0].Key) == key {
		return b.object(out.Contents[0]), nil
	}
	return ingest.Object{}, fmt.Errorf("%s: %w", b.URI(key), ingest.ErrNotFound)
}

// ETag implements ingest.Tree: listings always carry it.
func (b *Bucket) ETag(ctx context.Context, o ingest.Object) (string, error) {
	if o.ETag == "" {
		return "", &ingest.FileError{Reason: "no_etag", Err: fmt.Errorf("%s: the listing gave no ETag", o.URI)}
	}
	return o.ETag, nil
}

// Open implements ingest.Tree. It asks for the version listed (If-Match on
// the ETag), so that the rows and the manifest entry describe the same
// bytes, also on a retry.
func (b *Bucket) Open(ctx context.Context, o ingest.Object) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(o.Key)}
	if o.ETag != "" {
		in.IfMatch = aws.String(`"` + o.ETag + `"`)
	}
	out, err := b.api.GetObject(ctx, in)
	if err != nil {
		return nil, getError(o.URI, err)
	}
	return out.Body, nil
}

// getError sorts a GetObject failure: *ingest.FileError for what a retry
// cannot fix, anything else is retried by the pipeline.
func getError(uri string, err error) error {
	wrapped := fmt.Errorf("get %s: %w", uri, err)
	var (
		noKey    *types.NoSuchKey
		archived *types.InvalidObjectState
		apiErr   smithy.APIError
	)
	switch {
	case errors.As(err, &noKey):
		return &ingest.FileError{Reason: ingest.SkipObjectVanished, Err: wrapped}
	case errors.As(err, &archived):
		return &ingest.FileError{Reason: "object_archived", Err: fmt.Errorf("%w (restore it from Glacier first)", wrapped)}
	case errors.As(err, &apiErr):
		switch apiErr.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return &ingest.FileError{Reason: ingest.SkipObjectVanished, Err: wrapped}
		case "PreconditionFailed":
			return &ingest.FileError{Reason: ingest.SkipObjectChanged, Err: wrapped}
		case "AccessDenied", "Forbidden", "KMS.AccessDeniedException", "KMS.DisabledException":
			return &ingest.FileError{Reason: ingest.SkipAccessDenied,
				Err: fmt.Errorf("%w (reading needs s3:GetObject, and kms:Decrypt on the trail's key for SSE-KMS)", wrapped)}
		}
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound:
			return &ingest.FileError{Reason: ingest.SkipObjectVanished, Err: wrapped}
		case http.StatusPreconditionFailed:
			return &ingest.FileError{Reason: ingest.SkipObjectChanged, Err: wrapped}
		case http.StatusForbidden:
			return &ingest.FileError{Reason: ingest.SkipAccessDenied, Err: wrapped}
		}
	}
	return wrapped
}
