package securitylake

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamtailor/iamtailor/ingest"
	"github.com/iamtailor/iamtailor/ingest/s3source"
	"github.com/iamtailor/iamtailor/ingest/s3source/s3test"
	"github.com/iamtailor/iamtailor/ingest/store"
)

// TestS3SameUsageAsLocal reads the samples from an S3 bucket in Security
// Lake's key layout (served by gofakes3): the objects arrive as streams,
// are spooled for random access, and give the rows the local files give.
func TestS3SameUsageAsLocal(t *testing.T) {
	ctx := context.Background()
	srv := s3test.StartGofakes3(t)
	client := s3test.Client(srv.URL)
	const bucket = "aws-security-data-lake-us-east-1-o1a2b3c4d5e6f7a8b9c0"
	s3test.Fill(t, srv.URL, bucket, t.TempDir()) // creates the bucket
	parquets, _ := filepath.Glob(filepath.Join(samplesDir(t), "*", "*.parquet"))
	for i, p := range parquets {
		key := "aws/CLOUD_TRAIL_MGMT/1.0/region=us-east-1/accountId=111122223333/eventDay=2023031" + string(rune('0'+i%10)) + "/" +
			strings.ReplaceAll(filepath.Base(p), ".test", "")
		if err := s3test.Put(ctx, client, bucket, key, p); err != nil {
			t.Fatal(err)
		}
	}
	src, err := s3source.NewSource(client, "s3://"+bucket+"/aws/CLOUD_TRAIL_MGMT/")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "usage"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ingest.Run(ctx, ingest.Options{Sources: []ingest.Source{src}, Store: st, Formats: []ingest.ObjectFormat{Format{}}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.FilesRead != 21 || sum.Skipped() != 0 {
		t.Fatalf("from S3: %d files read, skipped %v / %v", sum.FilesRead, sum.FilesSkipped, sum.EventsSkipped)
	}
	var got []store.Row
	st.Rows(ctx, func(r *store.Row) error {
		got = append(got, *r)
		return nil
	})
	_, want := ingestFiles(t, parquets...)
	if d := diffRows(got, want); d != "" {
		t.Errorf("rows from S3 differ from the local files':\n%s", d)
	}
}
