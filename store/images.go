package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"masthead"
)

// imageCols are an image row's columns, with the uploader's name.
const imageCols = `i.id, i.hash, i.width, i.height, i.ext, i.format, i.bytes, i.alt, i.caption, i.credit,
	i.uploaded_by, COALESCE(NULLIF(m.name, ''), m.email, ''), i.created_at`

const imageFrom = ` FROM images i LEFT JOIN members m ON m.id = i.uploaded_by`

func scanImage(sc interface{ Scan(...any) error }) (*masthead.ImageAsset, error) {
	var (
		a       masthead.ImageAsset
		by      sql.NullInt64
		created int64
	)
	if err := sc.Scan(&a.ID, &a.Ref.Hash, &a.Ref.Width, &a.Ref.Height, &a.Ref.Ext, &a.Format, &a.Bytes,
		&a.Alt, &a.Caption, &a.Credit, &by, &a.UploaderName, &created); err != nil {
		return nil, err
	}
	a.UploadedBy = by.Int64
	a.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
	return &a, nil
}

// CreateImage records an uploaded image; the same hash twice returns the
// first row.
func (db *DB) CreateImage(ctx context.Context, in *masthead.ImageAsset) (*masthead.ImageAsset, error) {
	var id int64
	err := db.write(ctx, func(t *tx) error {
		// ON CONFLICT DO NOTHING writes nothing for a hash already
		// there; the row is then found by its hash below.
		if _, err := t.exec(ctx, `INSERT INTO images (hash, width, height, ext, format, bytes, alt, caption, credit, uploaded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
			in.Ref.Hash, in.Ref.Width, in.Ref.Height, in.Ref.Ext, in.Format, in.Bytes, in.Alt, in.Caption, in.Credit,
			nullID(in.UploadedBy), micros(db.clock.Now())); err != nil {
			return err
		}
		return t.row(ctx, `SELECT id FROM images WHERE hash = ?`, in.Ref.Hash).Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("store: create image: %w", translate(err))
	}
	return db.ImageByID(ctx, id)
}

// ImageByID finds an image and counts the articles that use it.
func (db *DB) ImageByID(ctx context.Context, id int64) (*masthead.ImageAsset, error) {
	a, err := scanImage(db.r.row(ctx, `SELECT `+imageCols+imageFrom+` WHERE i.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: image %d: %w", id, noImage(err))
	}
	if err := db.r.row(ctx, imageUsesQuery, a.ID, "%"+a.Ref.Hash+"%", "%"+a.Ref.Hash+"%").Scan(&a.Uses); err != nil {
		return nil, fmt.Errorf("store: image %d uses: %w", id, translate(err))
	}
	return a, nil
}

// imageUsesQuery counts the articles showing an image: chosen from the
// library as featured image, or named by URL as featured image or in the
// body. Hashes are hex, so they hold no LIKE wildcard. It reads every
// body, which is acceptable for the one image an editor opens or
// deletes, and why lists do not count.
const imageUsesQuery = `SELECT COUNT(*) FROM articles WHERE image_id = ? OR image_url LIKE ? OR body_md LIKE ?`

// ImageByHash finds the image with that content hash.
func (db *DB) ImageByHash(ctx context.Context, hash string) (*masthead.ImageAsset, error) {
	a, err := scanImage(db.r.row(ctx, `SELECT `+imageCols+imageFrom+` WHERE i.hash = ?`, hash))
	if err != nil {
		return nil, fmt.Errorf("store: image %s: %w", hash, noImage(err))
	}
	return a, nil
}

// ListImages lists images newest first, without their uses.
func (db *DB) ListImages(ctx context.Context, f masthead.ImageFilter) ([]masthead.ImageAsset, error) {
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 48
	}
	q := `SELECT ` + imageCols + imageFrom
	var args []any
	if f.UploadedBy != 0 {
		q += ` WHERE i.uploaded_by = ?`
		args = append(args, f.UploadedBy)
	}
	q += ` ORDER BY i.created_at DESC, i.id DESC LIMIT ? OFFSET ?`
	args = append(args, limit, max(f.Offset, 0))
	rows, err := db.r.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list images: %w", translate(err))
	}
	defer rows.Close()
	var out []masthead.ImageAsset
	for rows.Next() {
		a, err := scanImage(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list images: %w", err)
		}
		out = append(out, *a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list images: %w", translate(err))
	}
	return out, nil
}

// UpdateImage changes what staff say about an image. Articles that show
// it as featured image keep the words they copied when it was chosen.
func (db *DB) UpdateImage(ctx context.Context, id int64, d masthead.ImageDetails) (*masthead.ImageAsset, error) {
	d.Normalize()
	if err := d.Validate(); err != nil {
		return nil, err
	}
	err := db.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE images SET alt = ?, caption = ?, credit = ? WHERE id = ?`, d.Alt, d.Caption, d.Credit, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return masthead.Errorf(masthead.ENOTFOUND, "There is no such image.")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: update image %d: %w", id, translate(err))
	}
	return db.ImageByID(ctx, id)
}

// DeleteImage removes an image no article uses. The check and the
// delete are one transaction, so an article saved with the image at the
// same moment either counts or fails on the foreign key.
func (db *DB) DeleteImage(ctx context.Context, id int64) error {
	err := db.write(ctx, func(t *tx) error {
		var hash string
		if err := t.row(ctx, `SELECT hash FROM images WHERE id = ?`, id).Scan(&hash); err != nil {
			return noImage(err)
		}
		var uses int
		if err := t.row(ctx, imageUsesQuery, id, "%"+hash+"%", "%"+hash+"%").Scan(&uses); err != nil {
			return err
		}
		if uses > 0 {
			return masthead.Errorf(masthead.ECONFLICT, "This image is used by %d article(s); remove it from them first.", uses)
		}
		_, err := t.exec(ctx, `DELETE FROM images WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete image %d: %w", id, translate(err))
	}
	return nil
}

// libraryImage fills a featured image chosen from the library (img.ID)
// with the library's URL, and with its alt text and caption where the
// article gives none. An image without alt text cannot be featured: the
// field error says where to give it.
func (t *tx) libraryImage(ctx context.Context, img *masthead.Image) error {
	if img.ID == 0 {
		return nil
	}
	a, err := scanImage(t.row(ctx, `SELECT `+imageCols+imageFrom+` WHERE i.id = ?`, img.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return &masthead.Error{Code: masthead.EINVALID, Message: "The featured image is not in the media library.",
			Fields: map[string]string{"image_id": "There is no such image in the media library."}}
	}
	if err != nil {
		return fmt.Errorf("store: featured image %d: %w", img.ID, translate(err))
	}
	img.URL = a.URL()
	img.Alt = cmp.Or(strings.TrimSpace(img.Alt), a.Alt)
	if img.Alt == "" {
		return &masthead.Error{Code: masthead.EINVALID, Message: "The featured image has no alt text.",
			Fields: map[string]string{"image_alt": "Describe the image for readers who cannot see it, here or in the media library, before featuring it."}}
	}
	if strings.TrimSpace(img.Caption) == "" {
		img.Caption = a.CaptionLine()
	}
	return nil
}

// noImage says "no such image" for a missing row.
func noImage(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return masthead.Errorf(masthead.ENOTFOUND, "There is no such image.")
	}
	return translate(err)
}

var _ masthead.ImageService = (*DB)(nil)
