package demo

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// The demo's featured images are drawn here, from their names, rather than
// fetched or shipped: the demo makes no third-party request and adds no
// binary files, and an image's alt text can say truthfully what it shows.

var imageName = regexp.MustCompile(`^[a-z0-9-]{1,80}$`)

// illustration is what an image name draws: a background and two accent
// colours (indexes into palette) and a motif.
type illustration struct {
	bg, c1, c2 int
	motif      int
	rng        *rand.Rand
}

var motifs = []string{"overlapping circles", "diagonal bands", "stacked blocks", "concentric arcs"}

func illustrate(name string) illustration {
	h := fnv.New64a()
	h.Write([]byte(name))
	rng := rand.New(rand.NewPCG(h.Sum64(), 0x696d616765)) // "image"
	p := rng.Perm(len(palette))
	return illustration{bg: p[0], c1: p[1], c2: p[2], motif: rng.IntN(len(motifs)), rng: rng}
}

// imageAlt describes the image that Image draws for name.
func imageAlt(name string) string {
	il := illustrate(name)
	return fmt.Sprintf("Abstract illustration: %s in %s and %s on a %s background",
		motifs[il.motif], palette[il.c1].name, palette[il.c2].name, palette[il.bg].name)
}

// Image returns the SVG drawing for name (without the .svg suffix), the
// same every time; ok is false for a name that is not a slug.
func Image(name string) (svg []byte, ok bool) {
	if !imageName.MatchString(name) {
		return nil, false
	}
	il := illustrate(name)
	r := il.rng
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1200 675" width="1200" height="675">`)
	fmt.Fprintf(&b, `<rect width="1200" height="675" fill="%s"/>`, palette[il.bg].hex)
	colour := func(i int) string {
		if i%2 == 0 {
			return palette[il.c1].hex
		}
		return palette[il.c2].hex
	}
	opacity := func() string { return strconv.FormatFloat(0.55+r.Float64()*0.4, 'f', 2, 64) }
	switch il.motif {
	case 0:
		for i := range 5 + r.IntN(4) {
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="%d" fill="%s" fill-opacity="%s"/>`,
				r.IntN(1200), r.IntN(675), 60+r.IntN(220), colour(i), opacity())
		}
	case 1:
		for i := range 4 + r.IntN(4) {
			x := -400 + i*260 + r.IntN(80)
			w := 60 + r.IntN(140)
			fmt.Fprintf(&b, `<polygon points="%d,675 %d,675 %d,0 %d,0" fill="%s" fill-opacity="%s"/>`,
				x, x+w, x+w+400, x+400, colour(i), opacity())
		}
	case 2:
		for i := range 6 + r.IntN(6) {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" fill-opacity="%s"/>`,
				r.IntN(1100), r.IntN(600), 80+r.IntN(300), 40+r.IntN(200), colour(i), opacity())
		}
	default:
		cx, cy := 200+r.IntN(800), 200+r.IntN(300)
		for i := range 6 {
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="%d" fill="none" stroke="%s" stroke-width="%d" stroke-opacity="%s"/>`,
				cx, cy, 80+i*90, colour(i), 20+r.IntN(30), opacity())
		}
	}
	b.WriteString(`</svg>`)
	return []byte(b.String()), true
}

// Images serves Image at NAME.svg. Mount it under ImagePrefix with
// http.StripPrefix. The drawings never change, so they are cached for a
// year.
func Images() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, found := strings.CutSuffix(r.URL.Path, ".svg")
		svg, ok := Image(name)
		if !found || !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "image/svg+xml")
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("X-Content-Type-Options", "nosniff")
		// An SVG opened on its own is a document; this one has no script,
		// and the policy keeps it that way.
		h.Set("Content-Security-Policy", "default-src 'none'")
		w.Write(svg)
	})
}
