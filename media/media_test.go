package media_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/gen2brain/avif"
	"github.com/gen2brain/webp"

	"masthead"
	"masthead/media"
)

// findFixture reads an image of ../shared/fixtures/images from the
// project's root, or returns nil where the folder is absent.
func findFixture(rel string) []byte {
	dir, _ := os.Getwd()
	for range 6 {
		p := filepath.Join(dir, "..", "shared", "fixtures", "images", rel)
		if b, err := os.ReadFile(p); err == nil {
			return b
		}
		dir = filepath.Dir(dir)
	}
	return nil
}

// fixture is findFixture, skipping the test without the fixtures.
func fixture(t testing.TB, rel string) []byte {
	t.Helper()
	b := findFixture(rel)
	if b == nil {
		t.Skipf("fixture images/%s not found in ../shared/fixtures", rel)
	}
	return b
}

// drawing is a w×h picture: the left half red, the right half blue, so
// that a turned or mirrored copy is told apart.
func drawing(w, h int, alpha uint8) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{R: 220, G: 30, B: 30, A: alpha}
			if x >= w/2 {
				c = color.NRGBA{R: 30, G: 30, B: 220, A: alpha}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

func encode(t testing.TB, format string, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch format {
	case "jpeg":
		err = jpeg.Encode(&b, m, nil)
	case "png":
		err = png.Encode(&b, m)
	case "gif":
		err = gif.Encode(&b, m, nil)
	case "webp":
		err = webp.Encode(&b, m)
	case "avif":
		err = avif.Encode(&b, m, avif.Options{Speed: 10})
	}
	if err != nil {
		t.Fatalf("encode %s: %v", format, err)
	}
	return b.Bytes()
}

// decodeFile decodes one produced file and checks it is what its key says.
func decodeFile(t testing.TB, f media.File) image.Image {
	t.Helper()
	m, format, err := image.Decode(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatalf("decode %s: %v", f.Key, err)
	}
	want := map[string]string{"image/webp": "webp", "image/jpeg": "jpeg", "image/png": "png"}[f.ContentType]
	if format != want || masthead.ImageContentType(f.Key) != f.ContentType {
		t.Fatalf("%s: decoded as %s, content type %s", f.Key, format, f.ContentType)
	}
	return m
}

func TestProcessFormats(t *testing.T) {
	for _, tc := range []struct {
		format  string
		alpha   uint8
		wantExt string
	}{
		{"jpeg", 255, "jpg"},
		{"png", 255, "png"},
		{"gif", 255, "png"},
		{"webp", 255, "jpg"},
		{"webp", 128, "png"},
		{"avif", 255, "jpg"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			data := encode(t, tc.format, drawing(1000, 500, tc.alpha))
			p, err := media.Process(data, media.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Format != tc.format || p.Ref.Ext != tc.wantExt || p.Ref.Width != 1000 || p.Ref.Height != 500 {
				t.Fatalf("got %s %+v, want %s 1000×500 .%s", p.Format, p.Ref, tc.format, tc.wantExt)
			}
			// 480, 960 and the full 1000: never upscaled to 1600.
			if len(p.Files) != 6 {
				t.Fatalf("got %d files, want 6", len(p.Files))
			}
			for i, v := range p.Ref.Variants() {
				for _, f := range p.Files[2*i : 2*i+2] {
					m := decodeFile(t, f)
					if b := m.Bounds(); b.Dx() != v.Width || b.Dy() != v.Height {
						t.Errorf("%s is %v, want %d×%d", f.Key, b, v.Width, v.Height)
					}
				}
			}
			if p.Files[len(p.Files)-1].Key != p.Ref.Key() {
				t.Errorf("the last file is %s, want the full-width fallback %s", p.Files[len(p.Files)-1].Key, p.Ref.Key())
			}
		})
	}
}

func TestProcessScalesDownTheWidest(t *testing.T) {
	p, err := media.Process(encode(t, "png", drawing(3000, 1000, 255)), media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Ref.Width != masthead.MaxImageWidth || p.Ref.Height != 800 {
		t.Fatalf("stored %d×%d, want 2400×800", p.Ref.Width, p.Ref.Height)
	}
	var widths []int
	for _, v := range p.Ref.Variants() {
		widths = append(widths, v.Width)
	}
	if got := len(widths); got != 4 || widths[0] != 480 || widths[3] != 2400 {
		t.Fatalf("variant widths %v, want 480 960 1600 2400", widths)
	}
}

func TestProcessRefusesWithAMessage(t *testing.T) {
	big := encode(t, "png", drawing(400, 300, 255))
	for _, tc := range []struct {
		name string
		data []byte
		lim  media.Limits
		want string
	}{
		{"empty", nil, media.Limits{}, "The file is empty"},
		{"text", []byte("<html>not an image</html>"), media.Limits{}, "not an image we can read"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), media.Limits{}, "not an image we can read"},
		{"too many bytes", big, media.Limits{MaxBytes: 100}, "the largest image accepted is 100 bytes"},
		{"too many pixels", big, media.Limits{MaxPixels: 100_000}, "400 × 300 pixels; the largest accepted is 0.1 megapixels"},
		{"truncated", big[:len(big)/2], media.Limits{}, "damaged or incomplete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := media.Process(tc.data, tc.lim)
			if masthead.ErrorCode(err) != masthead.EINVALID || !strings.Contains(masthead.ErrorMessage(err), tc.want) {
				t.Fatalf("got %v, want invalid with %q", err, tc.want)
			}
		})
	}
}

// TestInvalidFixtures feeds the two files of the fixtures' "invalid"
// folder. Their metadata is what is broken (an XMP packet padded past
// its end, binary data inside it); their pixels decode. The pipeline
// neither hangs nor crashes on them, keeps the picture and drops the
// broken metadata. The same files cut short or without their start marker
// are refused with a message.
func TestInvalidFixtures(t *testing.T) {
	for _, name := range []string{"image01137.jpg", "image01551.jpg"} {
		src := fixture(t, "invalid/"+name)
		p, err := media.Process(src, media.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range p.Files {
			if bytes.Contains(f.Data, []byte("adobe")) || bytes.Contains(f.Data, []byte("xpacket")) {
				t.Errorf("%s: %s keeps the XMP packet", name, f.Key)
			}
		}
		sos := bytes.Index(src, []byte{0xff, 0xda})
		for what, data := range map[string][]byte{
			"cut in the scan":   src[:sos+200],
			"cut in the header": src[:sos-100],
			"no start marker":   src[2:],
		} {
			_, err := media.Process(data, media.Limits{})
			if masthead.ErrorCode(err) != masthead.EINVALID || masthead.ErrorMessage(err) == "" {
				t.Errorf("%s %s: got %v, want a refusal with a message", name, what, err)
			}
		}
	}
}

// TestOrientationFixturesComeOutUpright processes the eight EXIF
// orientations of one photograph: every result is landscape and looks
// like orientation 1 pixel for pixel, near enough for JPEG.
func TestOrientationFixturesComeOutUpright(t *testing.T) {
	var ref *image.NRGBA
	for i := 1; i <= 8; i++ {
		name := "orientation/landscape_" + string(rune('0'+i)) + ".jpg"
		p, err := media.Process(fixture(t, name), media.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Ref.Width <= p.Ref.Height {
			t.Fatalf("%s: stored %d×%d, not landscape", name, p.Ref.Width, p.Ref.Height)
		}
		m := toNRGBA(decodeFile(t, p.Files[1])) // the narrowest fallback
		if ref == nil {
			ref = m
			continue
		}
		if m.Bounds() != ref.Bounds() {
			t.Fatalf("%s: %v, orientation 1 gave %v", name, m.Bounds(), ref.Bounds())
		}
		// The fixtures are separate JPEG encodings, so even upright they
		// differ a little (about 15 per channel here); a mirrored copy
		// differs by some 40 or more.
		same := meanDiff(ref, m)
		flipped := min(meanDiff(imaging.FlipH(ref), m), meanDiff(imaging.FlipV(ref), m))
		if same > flipped/2 {
			t.Errorf("%s: differs from orientation 1 by %.1f per channel, from its mirror images by %.1f: not upright", name, same, flipped)
		}
	}
}

// TestGPSGoneFromEveryVariant processes a camera photograph carrying GPS
// coordinates: no produced file holds EXIF, XMP or the camera's name.
func TestGPSGoneFromEveryVariant(t *testing.T) {
	src := fixture(t, "gps/DSCN0010.jpg")
	if !bytes.Contains(src, []byte("Exif")) || !bytes.Contains(src, []byte("NIKON")) {
		t.Fatal("the fixture carries no EXIF; the test would prove nothing")
	}
	p, err := media.Process(src, media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Files {
		for _, mark := range []string{"Exif", "EXIF", "XMP", "NIKON", "GPS"} {
			if bytes.Contains(f.Data, []byte(mark)) {
				t.Errorf("%s still holds %q", f.Key, mark)
			}
		}
	}
}

func toNRGBA(m image.Image) *image.NRGBA {
	b := m.Bounds()
	n := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			n.Set(x, y, m.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return n
}

func meanDiff(a, b *image.NRGBA) float64 {
	var sum, n float64
	for i := range a.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(a.Pix[i]) - float64(b.Pix[i])
		if d < 0 {
			d = -d
		}
		sum += d
		n++
	}
	return sum / n
}

func TestDirStorage(t *testing.T) {
	d, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testStorage(t, d)
}

// testStorage runs what every Storage must do.
func testStorage(t *testing.T, s media.Storage) {
	t.Helper()
	ctx := context.Background()
	key := "i/0123456789abcdef01234567-10x5.jpg"
	if _, err := s.Open(ctx, key); masthead.ErrorCode(err) != masthead.ENOTFOUND {
		t.Fatalf("open before put: got %v, want not found", err)
	}
	if err := s.Put(ctx, key, "image/jpeg", []byte("bytes")); err != nil {
		t.Fatal(err)
	}
	o, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(o)
	o.Close()
	if b.String() != "bytes" || o.Size() != 5 {
		t.Fatalf("read %q (size %d), want %q", b.String(), o.Size(), "bytes")
	}
	if err := s.Put(ctx, "../escape.jpg", "image/jpeg", []byte("x")); err == nil {
		t.Fatal("a key outside the pipeline's names was stored")
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := s.Open(ctx, key); masthead.ErrorCode(err) != masthead.ENOTFOUND {
		t.Fatalf("open after delete: got %v, want not found", err)
	}
}
