package masthead

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MediaPrefix is where the site serves stored images. A stored image's
// key is its path under this prefix.
const MediaPrefix = "/media/"

// VariantWidths are the widths, in pixels, at which an uploaded image is
// stored besides its own (capped) width; widths at or above the image's
// own are skipped, so nothing is ever upscaled.
var VariantWidths = []int{480, 960, 1600}

// MaxImageWidth caps the widest file kept of an upload: larger images are
// scaled down to it, and that scaled copy is the "original" readers get.
const MaxImageWidth = 2400

// ImageRef names an uploaded image by its content: the hash of the bytes
// uploaded, the stored width and height and the fallback format. It is
// carried in the image's URL (/media/i/HASH-WxH.EXT), so a page can write
// srcset, width and height from the URL alone, and a URL never changes
// what it points to: a new upload is a new hash.
type ImageRef struct {
	Hash   string
	Width  int
	Height int
	// Ext is the fallback format's extension: "jpg" or "png".
	Ext string
}

// ImageVariant is one width of an image, in WebP and in the fallback
// format.
type ImageVariant struct {
	Width, Height int
	WebP          string // key of the WebP file
	Fallback      string // key of the JPEG or PNG file
}

var imageRefRE = regexp.MustCompile(`^i/([0-9a-f]{24})-([1-9][0-9]{0,4})x([1-9][0-9]{0,4})\.(jpg|png)$`)

// ParseImageRef reads an ImageRef from a stored image's URL, absolute or
// site-relative (/media/i/…); ok is false for any other URL.
func ParseImageRef(u string) (ImageRef, bool) {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return ImageRef{}, false
		}
		u = rest[j:]
	}
	key, ok := strings.CutPrefix(u, MediaPrefix)
	if !ok {
		return ImageRef{}, false
	}
	m := imageRefRE.FindStringSubmatch(key)
	if m == nil {
		return ImageRef{}, false
	}
	w, _ := strconv.Atoi(m[2])
	h, _ := strconv.Atoi(m[3])
	return ImageRef{Hash: m[1], Width: w, Height: h, Ext: m[4]}, true
}

// Key is the stored name of the fallback file at full width.
func (r ImageRef) Key() string {
	return fmt.Sprintf("i/%s-%dx%d.%s", r.Hash, r.Width, r.Height, r.Ext)
}

// URL is the site-relative address of the fallback file at full width:
// what Markdown bodies and featured images carry.
func (r ImageRef) URL() string { return MediaPrefix + r.Key() }

// Variants lists every stored width, narrowest first; the last is the
// full width, whose fallback is Key.
func (r ImageRef) Variants() []ImageVariant {
	base := fmt.Sprintf("i/%s-%dx%d", r.Hash, r.Width, r.Height)
	var out []ImageVariant
	for _, w := range VariantWidths {
		if w >= r.Width {
			break
		}
		h := max(1, (r.Height*w+r.Width/2)/r.Width)
		s := base + "-" + strconv.Itoa(w)
		out = append(out, ImageVariant{Width: w, Height: h, WebP: s + ".webp", Fallback: s + "." + r.Ext})
	}
	return append(out, ImageVariant{Width: r.Width, Height: r.Height, WebP: base + ".webp", Fallback: r.Key()})
}

// Srcset is the srcset attribute of the WebP files (webp true) or of the
// fallback files, with site-relative URLs.
func (r ImageRef) Srcset(webp bool) string {
	var b strings.Builder
	for i, v := range r.Variants() {
		if i > 0 {
			b.WriteString(", ")
		}
		k := v.Fallback
		if webp {
			k = v.WebP
		}
		b.WriteString(MediaPrefix + k + " " + strconv.Itoa(v.Width) + "w")
	}
	return b.String()
}

// OpenGraph is the variant to name in og:image and JSON-LD: the widest
// fallback file no wider than 1600 pixels, which every link preview
// reads.
func (r ImageRef) OpenGraph() ImageVariant {
	vs := r.Variants()
	best := vs[0]
	for _, v := range vs {
		if v.Width <= 1600 {
			best = v
		}
	}
	return best
}

// PictureHTML is the markup that shows an uploaded image: a <picture>
// offering the WebP variants, with an <img> of the fallback variants, its
// width and height (so the page does not move as it loads), and lazy
// loading unless the image is at the top of the page. sizes tells the
// browser how wide the image is drawn.
func (r ImageRef) PictureHTML(alt, sizes string, lazy bool) string {
	var b strings.Builder
	b.WriteString(`<picture><source type="image/webp" srcset="`)
	b.WriteString(html.EscapeString(r.Srcset(true)))
	b.WriteString(`" sizes="`)
	b.WriteString(html.EscapeString(sizes))
	b.WriteString(`"><img src="`)
	b.WriteString(html.EscapeString(r.URL()))
	b.WriteString(`" srcset="`)
	b.WriteString(html.EscapeString(r.Srcset(false)))
	b.WriteString(`" sizes="`)
	b.WriteString(html.EscapeString(sizes))
	fmt.Fprintf(&b, `" width="%d" height="%d" alt="%s"`, r.Width, r.Height, html.EscapeString(alt))
	if lazy {
		b.WriteString(` loading="lazy"`)
	}
	b.WriteString(` decoding="async"></picture>`)
	return b.String()
}

// ImageContentType is the Content-Type of a stored key, by its extension;
// "" for an extension the site does not store.
func ImageContentType(key string) string {
	switch {
	case strings.HasSuffix(key, ".webp"):
		return "image/webp"
	case strings.HasSuffix(key, ".jpg"):
		return "image/jpeg"
	case strings.HasSuffix(key, ".png"):
		return "image/png"
	}
	return ""
}

// ImageAsset is an image in the media library: what was uploaded, once
// decoded, turned upright, stripped of its metadata and stored in
// variants (Ref), and what staff say about it.
type ImageAsset struct {
	ID  int64
	Ref ImageRef
	// Format is what was uploaded: jpeg, png, gif, webp or avif.
	Format string
	// Bytes is the size of the upload as sent.
	Bytes   int64
	Alt     string
	Caption string
	Credit  string
	// UploadedBy is the member of staff who uploaded it (0 for an
	// import or the demo); UploaderName their name or email.
	UploadedBy   int64
	UploaderName string
	CreatedAt    time.Time
	// Uses counts the articles that show it, as featured image or in
	// their body; filled by ImageByID and ListImages.
	Uses int
}

// URL is where readers get the image at full width.
func (a *ImageAsset) URL() string { return a.Ref.URL() }

// CaptionLine is the caption with the credit after it, as a featured
// image chosen from the library shows them.
func (a *ImageAsset) CaptionLine() string {
	switch {
	case a.Credit == "":
		return a.Caption
	case a.Caption == "":
		return "Credit: " + a.Credit
	}
	return a.Caption + " (Credit: " + a.Credit + ")"
}

// ImageDetails is what staff edit about an image.
type ImageDetails struct {
	Alt     string
	Caption string
	Credit  string
}

// Normalize trims the fields.
func (d *ImageDetails) Normalize() {
	d.Alt = strings.TrimSpace(d.Alt)
	d.Caption = strings.TrimSpace(d.Caption)
	d.Credit = strings.TrimSpace(d.Credit)
}

// Validate bounds the fields' lengths; alt text may be empty until the
// image is used.
func (d ImageDetails) Validate() error {
	v := Invalid{}
	if len(d.Alt) > 500 {
		v.Add("alt", "Keep the alt text under 500 characters.")
	}
	if len(d.Caption) > 1000 {
		v.Add("caption", "Keep the caption under 1,000 characters.")
	}
	if len(d.Credit) > 200 {
		v.Add("credit", "Keep the credit under 200 characters.")
	}
	return v.Err()
}

// ImageFilter selects library images, newest first. Zero fields do not
// filter.
type ImageFilter struct {
	// UploadedBy keeps one member's uploads.
	UploadedBy int64
	Limit      int
	Offset     int
}

// ImageService keeps the media library's rows. Files are kept by package
// media; a row exists only once its files do.
type ImageService interface {
	// CreateImage records an uploaded image. An image whose Ref is
	// already in the library is not added twice: the existing row is
	// returned.
	CreateImage(ctx context.Context, a *ImageAsset) (*ImageAsset, error)
	ImageByID(ctx context.Context, id int64) (*ImageAsset, error)
	// ImageByHash finds the image with that content hash.
	ImageByHash(ctx context.Context, hash string) (*ImageAsset, error)
	ListImages(ctx context.Context, f ImageFilter) ([]ImageAsset, error)
	UpdateImage(ctx context.Context, id int64, d ImageDetails) (*ImageAsset, error)
	// DeleteImage removes an image that no article uses; ECONFLICT when
	// one does.
	DeleteImage(ctx context.Context, id int64) error
}
