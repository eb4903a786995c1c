-- The media library: one row per uploaded image, named by the hash of the
-- bytes uploaded (its files are i/HASH-WxH… in the media storage, see
-- docs/media.md). width and height are the stored full size, upright; ext
-- the fallback format (jpg or png); format what was uploaded. Alt text may
-- be empty until the image is used: the editor and the API refuse to
-- insert or feature an image without it.
CREATE TABLE images (
    id          INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    ext         TEXT NOT NULL CHECK (ext IN ('jpg', 'png')),
    format      TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    alt         TEXT NOT NULL DEFAULT '',
    caption     TEXT NOT NULL DEFAULT '',
    credit      TEXT NOT NULL DEFAULT '',
    uploaded_by INTEGER REFERENCES members(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL
);
-- The library page lists the newest first.
CREATE INDEX images_created ON images (created_at DESC, id DESC);

-- An article's featured image from the library. image_url, image_alt and
-- image_caption still carry what readers get (the library's URL and
-- words are copied there when it is chosen), so reading an article joins
-- nothing; image_id says which library image it was, so that image is
-- not deleted while in use.
ALTER TABLE articles ADD COLUMN image_id INTEGER REFERENCES images(id);
CREATE INDEX articles_image ON articles (image_id) WHERE image_id IS NOT NULL;
