// Package media turns uploaded images into the files readers get: it
// decodes JPEG, PNG, WebP, GIF (the first frame) and AVIF, turns the
// picture upright by its EXIF orientation, and encodes resized variants
// in WebP and in a JPEG or PNG fallback. Re-encoding keeps pixels only,
// so no EXIF, GPS or other metadata reaches a reader. Files are named by
// the upload's hash and kept in a Storage: a local directory, or an
// S3-compatible bucket that several instances share.
package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // GIF in; the first frame is kept
	"image/jpeg"
	"image/png"
	"strconv"
	"sync"

	"github.com/disintegration/imaging"
	_ "github.com/gen2brain/avif" // AVIF in (WebAssembly, no cgo)
	"github.com/gen2brain/webp"

	"masthead"
)

// Limits bound what an upload may be. Pixels are checked from the
// header before anything is decoded, so a small file that claims to be
// enormous costs no memory.
type Limits struct {
	// MaxBytes is the largest file accepted (DefaultMaxBytes when 0).
	MaxBytes int64
	// MaxPixels is the largest width × height accepted
	// (DefaultMaxPixels when 0).
	MaxPixels int64
}

// DefaultMaxBytes and DefaultMaxPixels are the limits when none are set:
// room for a camera's full-size JPEG, and about 12 kB of memory per
// thousand pixels decoded.
const (
	DefaultMaxBytes  = 20 << 20
	DefaultMaxPixels = 50_000_000
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	return l
}

// Quality of the encoded files: WebP at 80 and JPEG at 85 look like the
// source at the sizes a page shows them.
const (
	webpQuality = 80
	jpegQuality = 85
)

// File is one encoded file of an image.
type File struct {
	Key         string
	ContentType string
	Data        []byte
}

// Processed is an upload turned into its files.
type Processed struct {
	Ref masthead.ImageRef
	// Format is what was uploaded: jpeg, png, gif, webp or avif.
	Format string
	Files  []File
}

// formats are the decoders this package accepts, by the name
// image.DecodeConfig reports.
var formats = map[string]bool{"jpeg": true, "png": true, "gif": true, "webp": true, "avif": true}

// errNotImage is what a person is told about a file that is not one of
// the formats.
func errNotImage() error {
	return masthead.Errorf(masthead.EINVALID, "This file is not an image we can read. Upload a JPEG, PNG, WebP, GIF or AVIF file.")
}

// Check reads only the header of data and refuses, with a message for
// the person uploading, a file over the limits or in no accepted format.
// It returns the format and the stored size before orientation.
func Check(data []byte, lim Limits) (format string, w, h int, err error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxBytes {
		return "", 0, 0, masthead.Errorf(masthead.EINVALID, "The file is %s; the largest image accepted is %s.", sizeLabel(int64(len(data))), sizeLabel(lim.MaxBytes))
	}
	if len(data) == 0 {
		return "", 0, 0, masthead.Errorf(masthead.EINVALID, "The file is empty. Choose an image to upload.")
	}
	cfg, format, err := decodeConfig(data)
	if err != nil || !formats[format] {
		return "", 0, 0, errNotImage()
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return "", 0, 0, errNotImage()
	}
	if int64(cfg.Width)*int64(cfg.Height) > lim.MaxPixels {
		return "", 0, 0, masthead.Errorf(masthead.EINVALID, "The image is %d × %d pixels; the largest accepted is %s megapixels.",
			cfg.Width, cfg.Height, strconv.FormatFloat(float64(lim.MaxPixels)/1e6, 'f', -1, 64))
	}
	return format, cfg.Width, cfg.Height, nil
}

// decodeConfig reads the header, turning a decoder's panic on a hostile
// file into an error.
func decodeConfig(data []byte) (cfg image.Config, format string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("media: decoder panic: %v", p)
		}
	}()
	return image.DecodeConfig(bytes.NewReader(data))
}

// decode decodes data upright, turning a decoder's panic into an error.
func decode(data []byte) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("media: decoder panic: %v", p)
		}
	}()
	return imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
}

// Process checks data against lim, decodes it upright and encodes every
// variant of masthead.ImageRef.Variants in WebP and the fallback format.
// A file it cannot use comes back as a masthead.Error with a message for
// the person uploading.
func Process(data []byte, lim Limits) (*Processed, error) {
	format, _, _, err := Check(data, lim)
	if err != nil {
		return nil, err
	}
	img, err := decode(data)
	if err != nil {
		return nil, masthead.Errorf(masthead.EINVALID, "The image could not be read: the file is damaged or incomplete.")
	}
	src := toNRGBA(img)
	b := src.Bounds()
	if b.Dx() > masthead.MaxImageWidth {
		src = imaging.Resize(src, masthead.MaxImageWidth, 0, imaging.Lanczos)
		b = src.Bounds()
	}
	sum := sha256.Sum256(data)
	ref := masthead.ImageRef{Hash: hex.EncodeToString(sum[:12]), Width: b.Dx(), Height: b.Dy(), Ext: "jpg"}
	if format == "png" || format == "gif" || !src.Opaque() {
		// Lossless sources and anything with transparency fall back to
		// PNG; photographs to JPEG.
		ref.Ext = "png"
	}

	variants := ref.Variants()
	// Each width is scaled from the next wider one, not from the full
	// image: the same look for a fraction of the work.
	scaled := make([]*image.NRGBA, len(variants))
	scaled[len(variants)-1] = src
	for i := len(variants) - 2; i >= 0; i-- {
		scaled[i] = imaging.Resize(scaled[i+1], variants[i].Width, variants[i].Height, imaging.Lanczos)
	}
	files := make([]File, 2*len(variants))
	errs := make([]error, len(variants))
	var wg sync.WaitGroup
	for i, v := range variants {
		wg.Go(func() {
			m := scaled[i]
			var wb, fb bytes.Buffer
			if err := webp.Encode(&wb, m, webp.Options{Quality: webpQuality}); err != nil {
				errs[i] = fmt.Errorf("media: encode webp %d: %w", v.Width, err)
				return
			}
			var err error
			if ref.Ext == "png" {
				err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&fb, m)
			} else {
				err = jpeg.Encode(&fb, m, &jpeg.Options{Quality: jpegQuality})
			}
			if err != nil {
				errs[i] = fmt.Errorf("media: encode %s %d: %w", ref.Ext, v.Width, err)
				return
			}
			files[2*i] = File{Key: v.WebP, ContentType: "image/webp", Data: wb.Bytes()}
			files[2*i+1] = File{Key: v.Fallback, ContentType: masthead.ImageContentType(v.Fallback), Data: fb.Bytes()}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return &Processed{Ref: ref, Format: format, Files: files}, nil
}

// toNRGBA copies img into a fresh NRGBA image at the origin: the one
// pixel layout the encoders and the resizer share.
func toNRGBA(img image.Image) *image.NRGBA {
	if n, ok := img.(*image.NRGBA); ok && n.Bounds().Min == (image.Point{}) {
		return n
	}
	b := img.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	return dst
}

// sizeLabel writes a byte count the way a person would say it.
func sizeLabel(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
