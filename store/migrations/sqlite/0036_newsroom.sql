-- What editors keep by hand about the taxonomy (admin: columns, authors,
-- topics, regions): a column's columnist, its place among the columns
-- and its image; an author's photo and links (one address a line); a
-- description of each topic and region. Images are addresses or keys of
-- the media library, kept as text.
ALTER TABLE columns ADD COLUMN columnist_id INTEGER REFERENCES authors(id) ON DELETE SET NULL;
ALTER TABLE columns ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE columns ADD COLUMN image_url TEXT NOT NULL DEFAULT '';
ALTER TABLE authors ADD COLUMN photo_url TEXT NOT NULL DEFAULT '';
ALTER TABLE authors ADD COLUMN links TEXT NOT NULL DEFAULT '';
ALTER TABLE topics ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE regions ADD COLUMN description TEXT NOT NULL DEFAULT '';
