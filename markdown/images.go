package markdown

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/net/html"

	"masthead"
)

// BodyImageSizes is the sizes attribute of images in an article's body:
// the text column's width on a wide screen, the screen's below it.
const BodyImageSizes = "(min-width: 48em) 44em, 100vw"

// pictures turns each <img> of sanitised HTML whose src is an uploaded
// image (masthead.ParseImageRef) into a <picture> with its WebP and
// fallback variants, width and height, and lazy loading. It runs after
// the policy, on what the policy let through, and writes only what it
// derives from the URL and the alt text; every other byte is kept as it
// was.
func pictures(s string) string {
	if !strings.Contains(s, masthead.MediaPrefix+"i/") {
		return s
	}
	var out bytes.Buffer
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() == io.EOF {
				return out.String()
			}
			return s // not reachable for the policy's output; keep it as it was
		}
		// Token may reuse the bytes Raw returns: keep a copy.
		raw := bytes.Clone(z.Raw())
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(raw)
			continue
		}
		tok := z.Token()
		if tok.Data != "img" {
			out.Write(raw)
			continue
		}
		var src, alt string
		for _, a := range tok.Attr {
			switch a.Key {
			case "src":
				src = a.Val
			case "alt":
				alt = a.Val
			}
		}
		ref, ok := masthead.ParseImageRef(src)
		if !ok {
			out.Write(raw)
			continue
		}
		out.WriteString(ref.PictureHTML(alt, BodyImageSizes, true))
	}
}
