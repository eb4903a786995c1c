package media_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"masthead"
	"masthead/media"
)

// TestHandlerServesVariants uploads through the library into each
// storage and reads every variant back over HTTP.
func TestHandlerServesVariants(t *testing.T) {
	dir, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s3, err := media.NewS3(context.Background(), fakeS3(t, "media"))
	if err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]media.Storage{"dir": dir, "s3": s3} {
		t.Run(name, func(t *testing.T) {
			p, err := media.Process(encode(t, "jpeg", drawing(1200, 600, 255)), media.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range p.Files {
				if err := st.Put(context.Background(), f.Key, f.ContentType, f.Data); err != nil {
					t.Fatal(err)
				}
			}
			srv := httptest.NewServer(http.StripPrefix(masthead.MediaPrefix, media.Handler(st, nil)))
			defer srv.Close()
			for _, f := range p.Files {
				res, err := http.Get(srv.URL + masthead.MediaPrefix + f.Key)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || string(body) != string(f.Data) {
					t.Fatalf("%s: %d, %d bytes; want 200 and %d bytes", f.Key, res.StatusCode, len(body), len(f.Data))
				}
				for h, want := range map[string]string{
					"Content-Type":           f.ContentType,
					"Cache-Control":          "public, max-age=31536000, immutable",
					"X-Content-Type-Options": "nosniff",
				} {
					if got := res.Header.Get(h); got != want {
						t.Errorf("%s: %s %q, want %q", f.Key, h, got, want)
					}
				}
			}
			for _, path := range []string{
				"i/0123456789abcdef01234567-10x5.jpg", // well formed, not stored
				"../../etc/passwd",
				"i/" + p.Ref.Hash + "-1200x600.svg",
				"demo/x.svg",
			} {
				res, err := http.Get(srv.URL + masthead.MediaPrefix + path)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != 404 {
					t.Errorf("%s: %d, want 404", path, res.StatusCode)
				}
			}
		})
	}
}
