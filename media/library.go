package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"masthead"
)

// Library is the media library's use cases: an upload becomes stored
// files and then a row, a deletion removes the row and then the files.
type Library struct {
	Images  masthead.ImageService
	Storage Storage
	Limits  Limits
	Logger  *slog.Logger
	// sem bounds how many uploads decode at once: a 50-megapixel image
	// takes some 200 MB while it is worked on.
	sem chan struct{}
}

// NewLibrary returns a Library that processes at most two uploads at a
// time.
func NewLibrary(images masthead.ImageService, storage Storage, lim Limits, log *slog.Logger) *Library {
	if log == nil {
		log = slog.Default()
	}
	return &Library{Images: images, Storage: storage, Limits: lim.withDefaults(), Logger: log, sem: make(chan struct{}, 2)}
}

// Upload processes data, stores its files and records it, uploaded by
// the member of staff by (0 for an import). The same bytes uploaded
// twice are one image: the second upload returns the first's row. A file
// that is not a usable image is a masthead.Error with EINVALID and a
// message for the person uploading.
func (l *Library) Upload(ctx context.Context, data []byte, by int64) (*masthead.ImageAsset, error) {
	if _, _, _, err := Check(data, l.Limits); err != nil {
		return nil, err
	}
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p, err := Process(data, l.Limits)
	<-l.sem
	if err != nil {
		return nil, err
	}
	if a, err := l.Images.ImageByHash(ctx, p.Ref.Hash); err == nil {
		return a, nil
	} else if masthead.ErrorCode(err) != masthead.ENOTFOUND {
		return nil, fmt.Errorf("media: upload: %w", err)
	}
	// Files first, then the row: a row never names files that are not
	// there. A failure in between leaves files no row names, which a
	// new upload of the same bytes overwrites with the same bytes.
	for _, f := range p.Files {
		if err := l.Storage.Put(ctx, f.Key, f.ContentType, f.Data); err != nil {
			return nil, err
		}
	}
	a, err := l.Images.CreateImage(ctx, &masthead.ImageAsset{Ref: p.Ref, Format: p.Format, Bytes: int64(len(data)), UploadedBy: by})
	if err != nil {
		return nil, fmt.Errorf("media: upload: %w", err)
	}
	return a, nil
}

// Delete removes an image no article uses (ECONFLICT otherwise), then
// its files. A file that cannot be removed is logged and left: the row
// is gone, so nothing links to it.
func (l *Library) Delete(ctx context.Context, id int64) error {
	a, err := l.Images.ImageByID(ctx, id)
	if err != nil {
		return err
	}
	if err := l.Images.DeleteImage(ctx, id); err != nil {
		return err
	}
	var errs []error
	for _, v := range a.Ref.Variants() {
		errs = append(errs, l.Storage.Delete(ctx, v.WebP), l.Storage.Delete(ctx, v.Fallback))
	}
	if err := errors.Join(errs...); err != nil {
		l.Logger.WarnContext(ctx, "media: delete files", slog.Int64("image", id), slog.Any("err", err))
	}
	return nil
}
