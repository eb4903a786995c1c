package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"path/filepath"
	"strings"

	"masthead"
	"masthead/media"
	"masthead/store"
)

// rowPictured is the free article again, with an uploaded featured image
// and three uploaded images in its body, each written as a <picture>
// with WebP and JPEG srcsets: what the media library adds to a page.
const rowPictured = "article, free, uploaded images"

// addPictured copies the free article at path free under a new slug,
// with images from the media library: a featured one and three in the
// body, uploaded through the same pipeline as the staff area's, into
// the media directory serve uses beside the database. It returns the
// copy's path. The store opens the database before any server does.
func addPictured(ctx context.Context, dsn, dir, free string) (string, error) {
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return "", err
	}
	defer db.Close()
	a, err := db.Article(ctx, strings.TrimPrefix(free, "/articles/"))
	if err != nil {
		return "", fmt.Errorf("free article: %w", err)
	}
	st, err := media.NewDir(filepath.Join(dir, "media"))
	if err != nil {
		return "", err
	}
	lib := media.NewLibrary(db, st, media.Limits{}, nil)
	var urls []string
	for i := range 4 {
		data, err := benchPhoto(i)
		if err != nil {
			return "", err
		}
		img, err := lib.Upload(ctx, data, 0)
		if err != nil {
			return "", fmt.Errorf("upload: %w", err)
		}
		urls = append(urls, img.URL())
	}
	// The images go between paragraphs, after the first, second and
	// third.
	paras := strings.Split(a.BodyMarkdown, "\n\n")
	var body []string
	for i, p := range paras {
		body = append(body, p)
		if i < 3 {
			body = append(body, fmt.Sprintf("![Photograph %d for the benchmark](%s)", i+1, urls[i+1]))
		}
	}
	in := a.Input()
	in.Slug, in.BodyMarkdown, in.Status = a.Slug+"-pictured", strings.Join(body, "\n\n"), masthead.StatusPublished
	in.Image = masthead.Image{URL: urls[0], Alt: "Photograph for the benchmark", Caption: "A generated photograph"}
	in.RegionSlugs = nil
	if _, err := db.CreateArticle(ctx, in); err != nil {
		return "", fmt.Errorf("pictured article: %w", err)
	}
	return "/articles/" + in.Slug, nil
}

// benchPhoto is a 2000×1125 JPEG, different for each i.
func benchPhoto(i int) ([]byte, error) {
	m := image.NewNRGBA(image.Rect(0, 0, 2000, 1125))
	for y := range 1125 {
		for x := range 2000 {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x/8 + i*40), uint8(y / 5), uint8((x + y + i*17) / 12), 255})
		}
	}
	var b bytes.Buffer
	err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 85})
	return b.Bytes(), err
}
