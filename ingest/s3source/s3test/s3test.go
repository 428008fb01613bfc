// Package s3test starts real S3-protocol servers for tests: gofakes3 in
// process (bolt backend, plain HTTP on 127.0.0.1), versitygw as a child
// process (posix backend in a temporary directory), and a fault-injecting
// proxy to put in front of either. It also builds clients for them and
// fills buckets from local directories.
//
// It is imported by tests only. It must not import analyze, generate or cmd.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	bolt "go.etcd.io/bbolt"

	"github.com/iamtailor/iamtailor/ingest/s3source"
)

// Access key and secret of every test server.
const (
	AccessKey = "AKIDTESTTESTTEST"
	SecretKey = "test-secret-key-not-a-real-one"
	Region    = "us-east-1"
)

// Server is a running S3-protocol server.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:PORT.
	URL  string
	Name string
}

// StartGofakes3 starts gofakes3 in process with a bolt backend in a
// temporary directory.
func StartGofakes3(t testing.TB) *Server {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "s3.bolt"), 0o600, nil)
	if err != nil {
		t.Fatalf("gofakes3 bolt backend: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	faker := gofakes3.New(s3bolt.New(db), gofakes3.WithLogger(gofakes3.DiscardLog()))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(faker.Server())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, Name: "gofakes3"}
}

// RepoRoot is the directory holding go.mod, found by walking up from the
// working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// StartVersitygw starts <repo>/.tools/bin/versitygw on 127.0.0.1 with a
// posix backend in a temporary directory, and stops it when the test ends.
func StartVersitygw(t testing.TB) *Server {
	t.Helper()
	bin := filepath.Join(RepoRoot(t), ".tools", "bin", "versitygw")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("versitygw is not installed at %s: run make test (installs versitygw): %v", bin, err)
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var out bytes.Buffer
	cmd := exec.Command(bin, "--access", AccessKey, "--secret", SecretKey, "--region", Region,
		"--port", addr, "--quiet", "posix", dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("versitygw exited: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw did not listen on %s: %v\n%s", addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &Server{URL: "http://" + addr, Name: "versitygw"}
}

// Config is an aws.Config for the test servers: static test credentials,
// and an HTTP client built the way cmd builds it.
func Config() aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
		HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConnsPerHost = 64
		}),
	}
}

// Client is the s3source client for endpoint, path-style, with fast
// retries so that fault tests stay quick.
func Client(endpoint string) *s3.Client {
	cfg := Config()
	return s3source.NewClient(cfg, s3source.ClientOptions{Endpoint: endpoint, PathStyle: true, MaxBackoff: 20 * time.Millisecond})
}

// Fill creates bucket on the server and uploads every file below dir, with
// the slash-separated path below dir as its key.
func Fill(t testing.TB, endpoint, bucket, dir string) {
	t.Helper()
	ctx := context.Background()
	c := Client(endpoint)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		return Put(ctx, c, bucket, filepath.ToSlash(rel), path)
	})
	if err != nil {
		t.Fatalf("fill bucket %s from %s: %v", bucket, dir, err)
	}
}

// Put uploads one file.
func Put(ctx context.Context, c *s3.Client, bucket, key, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
