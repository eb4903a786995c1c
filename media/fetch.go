package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"masthead"
)

// Fetcher brings images that imported articles link to on their old site
// into the library. Only http and https are fetched, each within a time
// limit and the library's size limit.
type Fetcher struct {
	Library *Library
	// Timeout bounds one image's fetch, redirects included (30 s when 0).
	Timeout time.Duration
	// Client replaces the HTTP client (nil: the standard transport).
	Client *http.Client
}

// maxRedirects bounds the redirects followed for one image.
const maxRedirects = 5

// errScheme refuses a URL that is not http or https.
func errScheme(u string) error {
	return masthead.Errorf(masthead.EINVALID, "%s: only http and https addresses are fetched", u)
}

func (f *Fetcher) client() *http.Client {
	c := http.Client{Timeout: f.Timeout}
	if f.Client != nil {
		c = *f.Client
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return errScheme(req.URL.String())
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		return nil
	}
	return &c
}

// Fetch downloads the image at rawURL and adds it to the library, as the
// upload of no one. The same bytes fetched twice are one image.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*masthead.ImageAsset, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errScheme(rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("media: fetch %s: %w", rawURL, err)
	}
	req.Header.Set("Accept", "image/avif,image/webp,image/png,image/jpeg,image/gif")
	res, err := f.client().Do(req)
	if err != nil {
		var me *masthead.Error
		if errors.As(err, &me) {
			return nil, me
		}
		return nil, fmt.Errorf("media: fetch %s: %w", rawURL, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("media: fetch %s: %s", rawURL, res.Status)
	}
	limit := f.Library.Limits.MaxBytes
	data, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("media: fetch %s: %w", rawURL, err)
	}
	if int64(len(data)) > limit {
		return nil, masthead.Errorf(masthead.EINVALID, "%s: larger than the %s an image may be", rawURL, sizeLabel(limit))
	}
	return f.Library.Upload(ctx, data, 0)
}

// ExternalImage is an image an article shows from another site.
type ExternalImage struct {
	URL string
	Alt string
}

var (
	markdownImageRE = regexp.MustCompile(`!\[((?:[^\]\\]|\\.)*)\]\(\s*<?(https?://[^\s)>]+)>?(?:\s+"[^"]*")?\s*\)`)
	htmlImageRE     = regexp.MustCompile(`(?i)<img\b[^>]*?\bsrc\s*=\s*["'](https?://[^"']+)["'][^>]*>`)
	htmlAltRE       = regexp.MustCompile(`(?i)\balt\s*=\s*["']([^"']*)["']`)
)

// ExternalImages lists the images of a body, Markdown or HTML, that are
// fetched from elsewhere, each once, in order.
func ExternalImages(body string) []ExternalImage {
	var out []ExternalImage
	seen := map[string]bool{}
	add := func(u, alt string) {
		if !seen[u] && !strings.Contains(u, masthead.MediaPrefix+"i/") {
			seen[u] = true
			out = append(out, ExternalImage{URL: u, Alt: strings.TrimSpace(alt)})
		}
	}
	for _, m := range markdownImageRE.FindAllStringSubmatch(body, -1) {
		add(m[2], strings.ReplaceAll(m[1], `\`, ""))
	}
	for _, m := range htmlImageRE.FindAllStringSubmatch(body, -1) {
		alt := ""
		if a := htmlAltRE.FindStringSubmatch(m[0]); a != nil {
			alt = a[1]
		}
		add(m[1], alt)
	}
	return out
}

// RewriteBody points every use of an old address in body at its image
// in the library: new maps old URLs to library URLs. An HTML <img> also
// loses a srcset that names the old site's sizes.
func RewriteBody(body string, new map[string]string) string {
	if len(new) == 0 {
		return body
	}
	body = htmlImageRE.ReplaceAllStringFunc(body, func(tag string) string {
		m := htmlImageRE.FindStringSubmatch(tag)
		if _, ok := new[m[1]]; !ok {
			return tag
		}
		return srcsetRE.ReplaceAllString(tag, "")
	})
	pairs := make([]string, 0, 2*len(new))
	for old, lib := range new {
		pairs = append(pairs, old, lib)
	}
	return strings.NewReplacer(pairs...).Replace(body)
}

var srcsetRE = regexp.MustCompile(`(?i)\s(?:srcset|sizes)\s*=\s*("[^"]*"|'[^']*')`)
