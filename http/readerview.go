package http

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"

	"masthead"
	"masthead/http/web"
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
// shared between readers. It is built on every signed-in page view, so
// with appends rather than fmt: the slug, then every field that can
// change what the page shows, each quoted or numeric so no two views
// can spell the same key.
func (s *Server) viewKey(v *articlePage, ads bool) string {
	if s.cache == nil || v.Flash != "" || v.NoIndex || v.Wall.Email != "" || v.Wall.Error != "" || v.Wall.Status != 0 {
		return ""
	}
	d := v.Access
	var buf [192]byte
	k := append(buf[:0], viewKeyPrefix...)
	k = append(k, v.Article.Slug...)
	for _, b := range []bool{d.Full, v.Gated, ads, v.AdSide != "", v.CanGift, v.Reader.SignedIn, v.Reader.Staff, v.Reader.Access} {
		k = append(k, ' ')
		k = strconv.AppendBool(k, b)
	}
	k = append(k, ' ')
	k = strconv.AppendQuote(k, string(d.Reason))
	k = append(k, ' ')
	k = strconv.AppendQuote(k, string(d.Offer))
	k = append(k, v.Curate.articleKey(v.Article)...)
	k = append(k, ' ')
	k = strconv.AppendQuote(k, v.Wall.Period)
	// The wall's price and offer (pricing.go).
	k = append(k, ' ')
	k = strconv.AppendQuote(k, v.Wall.Price)
	if o := v.Wall.Offer; o != nil {
		k = append(k, ' ')
		k = strconv.AppendQuote(k, o.Slug+" "+o.Headline)
	}
	k = append(k, ' ')
	k = append(k, v.Beacon...)
	for _, n := range []int{d.CreditsLeft, v.Wall.Credits, v.Site.Year} {
		k = append(k, ' ')
		k = strconv.AppendInt(k, int64(n), 10)
	}
	return string(k)
}

// renderView renders v through the view cache when it has a key, else
// directly. ads says whether v's body holds the in-body ad slot: bodies
// with ads are part of the view, so the cached bytes are exactly what this
// reader would have got. complete fills in what only a render needs (the
// body, the structured data), so a view served from the cache skips it.
func (s *Server) renderView(w http.ResponseWriter, r *http.Request, v *articlePage, ads bool, complete func(*articlePage)) error {
	key := s.viewKey(v, ads)
	if key == "" {
		complete(v)
		return s.render(w, "article", v)
	}
	name := v.Reader.Name
	e, err := s.cache.Fill(key, func() (*entry, bool, error) {
		shared := *v
		shared.Reader.Name = string(s.nameMarker)
		complete(&shared)
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
		e := b.response()
		e.Keys = []string{masthead.KeySite, masthead.ArticleKey(v.Article.ID)}
		ok := bytes.Count(e.Body, s.nameMarker) == want
		if ok {
			// Found once here, so not searched for on every view;
			// compressed once around it, so not on every view either.
			at := bytes.Index(e.Body, s.nameMarker)
			e.nameMark = at + 1
			if want == 0 {
				e.nameMark = -1
			}
			e.viewGz = newViewGzip(e.Header.Get("Content-Type"), e.Body, at, len(s.nameMarker))
		}
		return e, ok, nil
	})
	if err != nil {
		return err
	}
	var i int
	switch {
	case e.nameMark > 0:
		i = e.nameMark - 1
	case e.nameMark < 0:
		i = len(e.Body)
	default:
		// Not checked (a render that was not kept, shared with the
		// requests that waited for it): look.
		i = bytes.Index(e.Body, s.nameMarker)
		if i < 0 || bytes.Count(e.Body, s.nameMarker) != 1 {
			if v.Reader.SignedIn || i >= 0 {
				complete(v)
				return s.render(w, "article", v)
			}
			i = len(e.Body)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	bw, buffered := w.(*bufWriter)
	if buffered {
		bw.body.Grow(len(e.Body) + len(name)*6)
	}
	var escaped []byte
	w.Write(e.Body[:i])
	if i < len(e.Body) {
		escaped = []byte(template.HTMLEscapeString(name))
		w.Write(escaped)
		w.Write(e.Body[i+len(s.nameMarker):])
	}
	if buffered && e.viewGz != nil && e.nameMark != 0 && web.AcceptsGzip(r) {
		// Last, as any later Write drops it.
		bw.gzBuf = e.viewGz.appendGzip(bw.gzBuf[:0], escaped)
		bw.gz = bw.gzBuf
	}
	return nil
}
