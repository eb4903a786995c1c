package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"masthead"
	"masthead/demo"
	"masthead/media"
	"masthead/store"
)

// mediaSettings say where uploaded images are kept and how large they
// may be (docs/media.md).
type mediaSettings struct {
	Dir          string
	MaxMB        int
	MaxMegapixel int
	S3           media.S3Config
}

func (o *mediaSettings) mediaFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.Dir, "media-dir", "", "directory for uploaded images and their variants (default: media/ beside a SQLite database, ./media with PostgreSQL); unused with --media-s3-bucket")
	fs.IntVar(&o.MaxMB, "media-max-mb", media.DefaultMaxBytes>>20, "largest image file an upload may be, in MB")
	fs.IntVar(&o.MaxMegapixel, "media-max-megapixels", media.DefaultMaxPixels/1_000_000, "largest image an upload may be, in millions of pixels (width × height), checked before decoding")
	fs.StringVar(&o.S3.Endpoint, "media-s3-endpoint", "", "host[:port] of an S3-compatible service keeping the images, for instances that share no disk")
	fs.StringVar(&o.S3.Bucket, "media-s3-bucket", "", "bucket for the images; setting it stores them in S3 rather than --media-dir")
	fs.StringVar(&o.S3.Prefix, "media-s3-prefix", "", "prefix of the images' object names in the bucket, such as masthead/")
	fs.StringVar(&o.S3.Region, "media-s3-region", "", "the bucket's region, when the service needs one")
	fs.StringVar(&o.S3.AccessKey, "media-s3-access-key", "", "access key of the S3 service")
	fs.StringVar(&o.S3.SecretKey, "media-s3-secret-key", "", "secret key of the S3 service (or MASTHEAD_MEDIA_S3_SECRET_KEY_FILE)")
	fs.BoolVar(&o.S3.Insecure, "media-s3-insecure", false, "speak plain HTTP to the S3 service (one on loopback or a private network)")
	fs.BoolVar(&o.S3.PathStyle, "media-s3-path-style", false, "name the bucket in the path rather than the host name (most self-hosted S3 servers)")
}

func (o *mediaSettings) validate() error {
	if o.MaxMB < 1 || o.MaxMegapixel < 1 {
		return errors.New("--media-max-mb and --media-max-megapixels must be at least 1")
	}
	if (o.S3.Bucket == "") != (o.S3.Endpoint == "") {
		return errors.New("--media-s3-endpoint and --media-s3-bucket go together")
	}
	return nil
}

// limits are the upload limits in media's terms.
func (o *mediaSettings) limits() media.Limits {
	return media.Limits{MaxBytes: int64(o.MaxMB) << 20, MaxPixels: int64(o.MaxMegapixel) * 1_000_000}
}

// dir is where images go on local disk.
func (o *mediaSettings) dir(dbURL string) string {
	if o.Dir != "" {
		return o.Dir
	}
	if p, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		return filepath.Join(filepath.Dir(p), "media")
	}
	return "media"
}

// openStorage opens the configured storage: the bucket when one is
// named, else the directory.
func (o *mediaSettings) openStorage(ctx context.Context, dbURL string) (media.Storage, string, error) {
	if o.S3.Bucket != "" {
		s, err := media.NewS3(ctx, o.S3)
		if err != nil {
			return nil, "", err
		}
		return s, "s3://" + o.S3.Endpoint + "/" + o.S3.Bucket + "/" + o.S3.Prefix, nil
	}
	dir := o.dir(dbURL)
	d, err := media.NewDir(dir)
	if err != nil {
		return nil, "", err
	}
	return d, dir, nil
}

// openMedia opens the image storage and returns the library and the
// handler of /media/: uploaded files, and the demo's drawings under
// /media/demo/, which a database seeded once keeps pointing at.
func openMedia(ctx context.Context, cfg *Config, db *store.DB, log *slog.Logger) (*media.Library, http.Handler, error) {
	st, where, err := cfg.Media.openStorage(ctx, cfg.DB)
	if err != nil {
		return nil, nil, fmt.Errorf("media storage: %w", err)
	}
	log.Info("media storage", "at", where)
	mux := http.NewServeMux()
	mux.Handle(demo.ImagePrefix, http.StripPrefix(demo.ImagePrefix, demo.Images()))
	mux.Handle(masthead.MediaPrefix, http.StripPrefix(masthead.MediaPrefix, media.Handler(st, log)))
	return media.NewLibrary(db, st, cfg.Media.limits(), log), mux, nil
}

// runMedia runs `media fetch`: images that imported articles show from
// their old site are fetched into the library, and the articles are
// pointed at the library's copies.
func runMedia(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs := dbFlags("media", stderr)
	cfg.Media.mediaFlags(fs)
	timeout := fs.Duration("fetch-timeout", 30*time.Second, "how long one image's download may take, redirects included")
	if len(args) > 0 && args[0] == "fetch" {
		args = args[1:]
	} else if len(args) == 0 || (args[0] != "-h" && args[0] != "--help" && args[0] != "-help") {
		usage(fs)
		return errors.New(`media: want "media fetch"`)
	}
	db, err := cfg.open(ctx, fs, args, stderr, cfg.Media.validate, func() error {
		if *timeout <= 0 {
			return errors.New("--fetch-timeout must be positive")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	log := cfg.logger(stderr)
	st, where, err := cfg.Media.openStorage(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("media storage: %w", err)
	}
	f := &media.Fetcher{Library: media.NewLibrary(db, st, cfg.Media.limits(), log), Timeout: *timeout}
	res, err := fetchImages(ctx, db, f, func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Fetched %d images into %s; %d articles now show them from the library; %d images could not be fetched.\n",
		res.fetched, where, res.articles, res.failed)
	if res.failed > 0 {
		return exitCode(1)
	}
	return nil
}

// fetchResult counts what fetchImages did.
type fetchResult struct{ fetched, articles, failed int }

// fetchImages fetches every image the articles show from elsewhere (in
// their bodies and as featured images), once per address, and rewrites
// each article that showed one. An image that cannot be fetched is
// reported and left pointing where it was.
func fetchImages(ctx context.Context, db *store.DB, f *media.Fetcher, report func(string, ...any)) (fetchResult, error) {
	var res fetchResult
	var ids []int64
	for offset := 0; ; offset += 1000 {
		page, _, err := db.Articles(ctx, masthead.ArticleFilter{Limit: 1000, Offset: offset, Bare: true})
		if err != nil {
			return res, err
		}
		for _, a := range page {
			ids = append(ids, a.ID)
		}
		if len(page) < 1000 {
			break
		}
	}
	done := map[string]*masthead.ImageAsset{} // by old address
	failed := map[string]bool{}
	get := func(img media.ExternalImage) *masthead.ImageAsset {
		if a, ok := done[img.URL]; ok || failed[img.URL] {
			return a
		}
		a, err := f.Fetch(ctx, img.URL)
		if err != nil {
			report("%s: %s", img.URL, errorText(err))
			failed[img.URL] = true
			res.failed++
			return nil
		}
		if a.Alt == "" && img.Alt != "" {
			if updated, err := db.UpdateImage(ctx, a.ID, masthead.ImageDetails{Alt: img.Alt}); err == nil {
				a = updated
			}
		}
		done[img.URL] = a
		res.fetched++
		return a
	}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		a, err := db.ArticleByID(ctx, id)
		if err != nil {
			return res, err
		}
		news := map[string]string{}
		for _, img := range media.ExternalImages(a.BodyMarkdown) {
			if lib := get(img); lib != nil {
				news[img.URL] = lib.URL()
			}
		}
		in := a.Input()
		changed := len(news) > 0
		in.BodyMarkdown = media.RewriteBody(a.BodyMarkdown, news)
		if u := a.Image.URL; a.Image.ID == 0 && (strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) {
			if lib := get(media.ExternalImage{URL: u, Alt: a.Image.Alt}); lib != nil {
				in.Image.ID, in.Image.URL = lib.ID, lib.URL()
				changed = true
			}
		}
		if !changed {
			continue
		}
		in.By = masthead.ArticleActor{Via: masthead.ChangeViaImport}
		if _, err := db.UpdateArticle(ctx, a.ID, in); err != nil {
			report("article %s: %s", a.Slug, errorText(err))
			continue
		}
		res.articles++
	}
	return res, nil
}

// errorText is an error as the operator reads it: a domain error's
// message, or the error.
func errorText(err error) string {
	var me *masthead.Error
	if errors.As(err, &me) {
		return me.Message
	}
	return err.Error()
}
