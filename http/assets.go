package http

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"masthead/http/web"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file, served under a URL that contains a
// hash of its content, so it can be cached for a year: a new version of
// the file is a new URL.
type asset struct {
	entry *entry
	url   string
}

// assets maps logical names ("site.css") to their hashed URLs, and hashed
// file names back to the prepared response.
type assets struct {
	byName   map[string]*asset
	byHashed map[string]*asset
}

func mustLoadAssets() *assets {
	a, err := loadAssets(staticFS)
	if err != nil {
		panic(err)
	}
	return a
}

func loadAssets(fsys fs.FS) (*assets, error) {
	out := &assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		hdr := http.Header{"Content-Type": {ctype}}
		e := newEntry(http.StatusOK, hdr, body)
		e.Prepare()
		e.CacheControl = web.CacheImmutable
		as := &asset{entry: e, url: "/static/" + hashed}
		out.byName[name] = as
		out.byHashed[hashed] = as
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("http: load assets: %w", err)
	}
	return out, nil
}

// url returns the hashed URL of a named asset; templates call it, and a
// wrong name fails the template test rather than shipping a broken link.
func (a *assets) url(name string) (string, error) {
	as, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("http: no asset %q", name)
	}
	return as.url, nil
}

// handleStatic serves a hashed asset. An old hash is a 404 rather than the
// current file: the URL promised those exact bytes forever.
func (s *Server) handleStatic() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		as, ok := s.assets.byHashed[r.PathValue("name")]
		if !ok {
			s.serveError(w, r, errNotFound)
			return
		}
		web.Serve(w, r, &as.entry.Entry)
	})
}

// handleFavicon sends browsers that ask for /favicon.ico regardless to the
// SVG icon. Temporarily, since the target changes with the icon.
func (s *Server) handleFavicon(w http.ResponseWriter, r *http.Request) error {
	u, err := s.assets.url("favicon.svg")
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.Redirect(w, r, u, http.StatusFound)
	return nil
}
