package http

import (
	"html"
	"html/template"

	"masthead"
)

// Sizes of featured images as the site's stylesheet draws them: the
// article's column, the home page's lead (two thirds of the page) and a
// card in a grid.
const (
	articleImageSizes = "(min-width: 48em) 44em, 100vw"
	leadImageSizes    = "(min-width: 72rem) 46rem, (min-width: 48em) 66vw, 100vw"
	cardImageSizes    = "(min-width: 72rem) 22rem, (min-width: 48em) 33vw, 100vw"
)

// picture is the markup of a featured image: an uploaded image with its
// WebP and fallback variants, width and height (masthead.ImageRef), or
// a plain <img> for an image given by URL.
func picture(url, alt, sizes string, lazy bool) template.HTML {
	if ref, ok := masthead.ParseImageRef(url); ok {
		// PictureHTML escapes every value it writes.
		return template.HTML(ref.PictureHTML(alt, sizes, lazy))
	}
	s := `<img src="` + html.EscapeString(url) + `" alt="` + html.EscapeString(alt) + `"`
	if lazy {
		s += ` loading="lazy"`
	}
	return template.HTML(s + ` decoding="async">`)
}

// imageSizes names the sizes attribute of each place for templates.
var imageSizes = map[string]string{"article": articleImageSizes, "lead": leadImageSizes, "card": cardImageSizes}
