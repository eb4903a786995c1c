package media_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"masthead/media"
)

// fakeS3 starts an S3-protocol server in the test process, on loopback,
// with one bucket, and returns the configuration that reaches it.
func fakeS3(t testing.TB, bucket string) media.S3Config {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return media.S3Config{
		Endpoint: strings.TrimPrefix(srv.URL, "http://"), Bucket: bucket, Prefix: "site",
		Region: "us-east-1", AccessKey: "test", SecretKey: "test", Insecure: true, PathStyle: true,
	}
}

func TestS3Storage(t *testing.T) {
	s, err := media.NewS3(context.Background(), fakeS3(t, "media"))
	if err != nil {
		t.Fatal(err)
	}
	testStorage(t, s)
}

func TestS3MissingBucketRefusedAtStart(t *testing.T) {
	cfg := fakeS3(t, "media")
	cfg.Bucket = "other"
	if _, err := media.NewS3(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("got %v, want the missing bucket named", err)
	}
}
