package http

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
)

// Rendered article pages for readers who are not anonymous. Such a page
// may never be shared with another reader, yet most of it is the same for
// every reader in the same position: two members with two credits left see
// the same wall under the same article, every subscriber the same full
// text without ads. So the page is rendered once per *view* — the article
// and everything the decision and the wall show — with the reader's name
// (the only personal text on it, in the header) replaced by a marker, kept
// in the page cache under a key no URL can produce, and served with the
// marker swapped for this reader's escaped name. The response itself stays
// private. Pages carrying anything typed or one-off (a flash, a refused
// form, a gift token) are rendered for the request alone.
//
// Whatever a template shows of the reader must therefore be part of
// viewKey, or be the name.

// viewKeyPrefix starts every view key; no request path can, so an
// anonymous lookup never finds a personal view.
const viewKeyPrefix = "\x00view "

// newNameMarker returns the stand-in for the reader's name: letters and
// digits only, so html/template leaves it as it is, and random, so no
// article can contain it.
func newNameMarker() []byte {
	b := make([]byte, 12)
	rand.Read(b)
	return []byte("mastheadReaderName" + hex.EncodeToString(b))
}

// viewKey names the view v of the article page, or "" when v must not be
// shared between readers.
func (s *Server) viewKey(v *articlePage, ads bool) string {
	if s.cache == nil || v.Flash != "" || v.NoIndex || v.Wall.Email != "" || v.Wall.Error != "" || v.Wall.Status != 0 {
		return ""
	}
	ri := v.Reader
	ri.Name = ""
	d := v.Access
	return viewKeyPrefix + v.Article.Slug + fmt.Sprintf(" %t %q %q %d %t %t %t %t %+v %d %s %d",
		d.Full, d.Reason, d.Offer, d.CreditsLeft, v.Gated, ads, v.AdSide != "", v.CanGift, ri,
		v.Wall.Credits, v.Wall.Period, v.Site.Year)
}

// renderView renders v through the view cache when it has a key, else
// directly. ads says whether v's body holds the in-body ad slot: bodies
// with ads are part of the view, so the cached bytes are exactly what this
// reader would have got.
func (s *Server) renderView(w http.ResponseWriter, v *articlePage, ads bool, body func() template.HTML) error {
	key := s.viewKey(v, ads)
	if key == "" {
		v.Body = body()
		return s.render(w, "article", v)
	}
	name := v.Reader.Name
	e, err := s.cache.fill(key, func() (*entry, bool, error) {
		shared := *v
		shared.Reader.Name = string(s.nameMarker)
		shared.Body = body()
		b := newBufWriter()
		b.body.Grow(len(shared.Body) + 32<<10)
		if err := s.render(b, "article", &shared); err != nil {
			return nil, false, err
		}
		// The marker must stand exactly where the name would: once
		// when signed in, nowhere otherwise. Anything else means a
		// template shows the name in a way this cache does not know,
		// so the view is not kept.
		want := 0
		if v.Reader.SignedIn {
			want = 1
		}
		return b.response(), bytes.Count(b.body.Bytes(), s.nameMarker) == want, nil
	})
	if err != nil {
		return err
	}
	i := bytes.Index(e.body, s.nameMarker)
	if i < 0 || bytes.Count(e.body, s.nameMarker) != 1 {
		if v.Reader.SignedIn || i >= 0 {
			v.Body = body()
			return s.render(w, "article", v)
		}
		i = len(e.body)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if bw, ok := w.(*bufWriter); ok {
		bw.body.Grow(len(e.body) + len(name)*6)
	}
	w.Write(e.body[:i])
	if i < len(e.body) {
		w.Write([]byte(template.HTMLEscapeString(name)))
		w.Write(e.body[i+len(s.nameMarker):])
	}
	return nil
}
