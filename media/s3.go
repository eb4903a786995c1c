package media

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config reaches an S3-compatible bucket.
type S3Config struct {
	// Endpoint is host[:port] of the service, without a scheme.
	Endpoint string
	Bucket   string
	// Prefix is put before every key, such as "masthead/"; may be empty.
	Prefix    string
	Region    string
	AccessKey string
	SecretKey string
	// Insecure speaks plain HTTP to the endpoint (a gateway on
	// loopback or a private network).
	Insecure bool
	// PathStyle addresses the bucket in the path rather than the host
	// name, as most self-hosted servers want.
	PathStyle bool
	// Transport replaces the HTTP transport (tests); nil uses the
	// client's own.
	Transport http.RoundTripper
}

// S3 keeps files as objects in a bucket, so that every instance of the
// site reads what any instance uploaded.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
}

// NewS3 connects to the bucket of cfg and checks that it exists.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, fmt.Errorf("media: s3: an endpoint and a bucket are required")
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       !cfg.Insecure,
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("media: s3 client: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("media: s3 bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("media: s3 bucket %s does not exist", cfg.Bucket)
	}
	prefix := strings.TrimLeft(cfg.Prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &S3{client: c, bucket: cfg.Bucket, prefix: prefix}, nil
}

// Put uploads data with its type and the same long caching the site
// serves it with, in case the bucket is ever put behind a CDN directly.
func (s *S3) Put(ctx context.Context, key, contentType string, data []byte) error {
	if !ValidKey(key) {
		return fmt.Errorf("media: invalid key %q", key)
	}
	_, err := s.client.PutObject(ctx, s.bucket, s.prefix+key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType:  contentType,
		CacheControl: cacheControl,
	})
	if err != nil {
		return fmt.Errorf("media: s3 put %s: %w", key, err)
	}
	return nil
}

// Open asks for the object's size first, so that a missing key is
// ENOTFOUND before a byte is written to the reader.
func (s *S3) Open(ctx context.Context, key string) (Object, error) {
	if !ValidKey(key) {
		return nil, errNoFile()
	}
	o, err := s.client.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("media: s3 get %s: %w", key, err)
	}
	st, err := o.Stat()
	if err != nil {
		o.Close()
		if r := minio.ToErrorResponse(err); r.StatusCode == http.StatusNotFound || r.Code == "NoSuchKey" {
			return nil, errNoFile()
		}
		return nil, fmt.Errorf("media: s3 stat %s: %w", key, err)
	}
	return &s3Object{Object: o, size: st.Size, mod: st.LastModified}, nil
}

// Delete removes the object; S3 answers a missing key with success.
func (s *S3) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return fmt.Errorf("media: invalid key %q", key)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("media: s3 delete %s: %w", key, err)
	}
	return nil
}

type s3Object struct {
	*minio.Object
	size int64
	mod  time.Time
}

func (o *s3Object) Size() int64        { return o.size }
func (o *s3Object) ModTime() time.Time { return o.mod }
