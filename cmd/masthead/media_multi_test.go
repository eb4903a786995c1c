package main

import (
	"bytes"
	"context"
	"image/color"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"masthead"
	"masthead/admin"
	"masthead/store"
	"masthead/store/storetest"
)

// TestManyInstancesShareImages runs three `masthead serve` processes on
// one PostgreSQL database with images in an S3-protocol server (in this
// test process, on loopback) and no disk in common: an image uploaded
// through one is in the library and served, byte for byte, by the other
// two; deleted through another, it is gone from all three.
func TestManyInstancesShareImages(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) == "" {
		t.Skipf("set %s to run several instances on PostgreSQL", storetest.EnvPostgres)
	}
	if testing.Short() {
		t.Skip("builds the binary and starts three servers")
	}
	ctx := context.Background()
	backend := s3mem.New()
	if err := backend.CreateBucket("images"); err != nil {
		t.Fatal(err)
	}
	s3 := httptest.NewServer(gofakes3.New(backend).Server())
	defer s3.Close()

	dsn := freshPostgres(t)
	bin := buildMasthead(t)
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	editor, err := db.EnsureMember(ctx, "desk@example.com", masthead.RoleEditor)
	if err != nil {
		t.Fatal(err)
	}
	token, hash := masthead.NewToken()
	if err := db.CreateSession(ctx, editor.ID, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	cookie := &http.Cookie{Name: admin.SessionCookie, Value: token}

	var insts []*proc
	for _, name := range []string{"a", "b", "c"} {
		insts = append(insts, startProc(t, name, bin, "--db", dsn, "--media-dir", t.TempDir(),
			"--media-s3-endpoint", strings.TrimPrefix(s3.URL, "http://"), "--media-s3-bucket", "images", "--media-s3-prefix", "site",
			"--media-s3-access-key", "k", "--media-s3-secret-key", "s", "--media-s3-region", "us-east-1",
			"--media-s3-insecure", "--media-s3-path-style"))
	}

	// Uploaded through a.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("alt", "A blue card")
	fw, _ := mw.CreateFormFile("image", "card.png")
	fw.Write(testPNG(t, 1000, 500, color.NRGBA{30, 60, 200, 255}))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, insts[0].URL+"/admin/media/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(cookie)
	res := do(t, req)
	mustStatus(t, "upload on a", res, http.StatusSeeOther)
	list, err := db.ListImages(ctx, masthead.ImageFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("library after the upload: %v, %d images", err, len(list))
	}
	img := list[0]

	// Every variant, from every instance, the same bytes.
	for _, v := range img.Ref.Variants() {
		for _, key := range []string{v.WebP, v.Fallback} {
			var first string
			for _, in := range insts {
				r := get(t, in.URL+masthead.MediaPrefix+key)
				mustStatus(t, in.name+" "+key, r, http.StatusOK)
				if first == "" {
					first = r.body
				} else if r.body != first {
					t.Errorf("%s serves other bytes for %s", in.name, key)
				}
			}
		}
	}
	for _, in := range insts[1:] {
		r := get(t, in.URL+"/admin/media", cookie)
		if !strings.Contains(r.body, "A blue card") {
			t.Errorf("%s: the library page does not show the image uploaded on a", in.name)
		}
	}

	// Deleted through c: gone everywhere.
	r := postFormCookie(t, insts[2].URL+"/admin/media/"+strconv.FormatInt(img.ID, 10)+"/delete", url.Values{}, cookie)
	mustStatus(t, "delete on c", r, http.StatusSeeOther)
	for _, in := range insts {
		mustStatus(t, in.name+" after delete", get(t, in.URL+img.URL()), http.StatusNotFound)
	}
}
