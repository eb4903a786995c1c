package http

import (
	"bytes"
	"html/template"
	"io"
	"strings"

	"golang.org/x/net/html"

	"masthead/access"
)

// Ads: two slots on article pages, one inside the body after a chosen
// paragraph and one beside the article. By default they hold house ads
// (the publication's own subscription offer, plain HTML and CSS); a
// publisher may supply their own markup instead. That markup is trusted —
// it comes from the operator, not from readers — but it is served under
// the site's Content-Security-Policy: scripts (inline or from other
// origins), frames and images from other origins will not load, so ads
// must be self-contained HTML with images on this site or as data: URLs.
// Readers entitled to ad-free reading (subscribers, institutions, staff)
// see no slot at all.

// AdConfig places the ad slots. The zero value shows house ads after the
// third paragraph and beside the article.
type AdConfig struct {
	// Off turns every slot off.
	Off bool
	// AfterParagraph is the paragraph of the body the in-body slot
	// follows. Zero means 3; a negative number turns the slot off.
	AfterParagraph int
	// NoSidebar turns the slot beside the article off.
	NoSidebar bool
	// HTML is the publisher's markup for both slots; empty means house
	// ads.
	HTML template.HTML
}

// ads is AdConfig ready to render.
type ads struct {
	after   int // 0: no in-body slot
	sidebar bool
	body    template.HTML
	side    template.HTML
}

// House ads point at the subscription page: the only advertiser a
// reader-revenue publication needs by default.
const (
	houseAdBody = `<aside class="ad ad--inline" aria-label="Advertisement">` +
		`<p class="ad__label">Advertisement</p>` +
		`<p class="ad__title">Subscribe for All-Access</p>` +
		`<p class="ad__text">Every article and the whole searchable library, the Daily and Weekly Review, and no ads.</p>` +
		`<a class="button ad__button" href="/pricing">See the plans</a></aside>`
	houseAdSide = `<p class="ad__label">Advertisement</p>` +
		`<p class="ad__title">Read without limits</p>` +
		`<p class="ad__text">All-Access: every article, no ads, the newsletters that explain the week.</p>` +
		`<a class="button button--small ad__button" href="/pricing">Subscribe</a>`
)

func newAds(c AdConfig) ads {
	if c.Off {
		return ads{}
	}
	a := ads{after: c.AfterParagraph, sidebar: !c.NoSidebar, body: houseAdBody, side: houseAdSide}
	if a.after == 0 {
		a.after = 3
	}
	if a.after < 0 {
		a.after = 0
	}
	if strings.TrimSpace(string(c.HTML)) != "" {
		a.body = `<aside class="ad ad--inline" aria-label="Advertisement">` + c.HTML + `</aside>`
		a.side = c.HTML
	}
	return a
}

// adFree reports whether the reader is entitled to reading without ads.
func adFree(rd access.Reader) bool {
	return rd.Subscriber || rd.Institution != "" || (rd.Member != nil && rd.Member.Role.Staff())
}

// intoBody places the in-body slot into body after the n-th top-level
// paragraph, between two top-level blocks, so the markup stays well formed
// whatever the paragraph holds. A body with no block after that paragraph
// gets no slot: an ad is not the last thing in an article.
func (a ads) intoBody(body string) string {
	if a.after <= 0 || a.body == "" {
		return body
	}
	at := afterParagraph(body, a.after)
	if at < 0 || strings.TrimSpace(body[at:]) == "" {
		return body
	}
	return body[:at] + "\n" + string(a.body) + "\n" + body[at:]
}

// afterParagraph returns the byte offset just past the n-th top-level
// </p> of body, or -1 when there are fewer.
func afterParagraph(body string, n int) int {
	z := html.NewTokenizer(strings.NewReader(body))
	offset, depth, count := 0, 0, 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() == io.EOF {
				return -1
			}
			return -1
		}
		offset += len(z.Raw())
		switch tt {
		case html.StartTagToken:
			name, _ := z.TagName()
			if !voidElement(name) {
				depth++
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if depth > 0 {
				depth--
			}
			if depth == 0 && bytes.Equal(name, []byte("p")) {
				count++
				if count == n {
					return offset
				}
			}
		}
	}
}

// voidElement reports whether an element never has an end tag.
func voidElement(name []byte) bool {
	switch string(name) {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr":
		return true
	}
	return false
}
