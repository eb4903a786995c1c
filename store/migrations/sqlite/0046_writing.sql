-- The writing desk. Every save an editor or the Admin API makes keeps a
-- revision of what was saved, in the transaction of the save: the title,
-- slug, dek and Markdown as columns, the rest (kind, access, column,
-- bylines, labels, image) as a JSON document. kind is save, autosave or
-- restore; restored_from names the revision a restore brought back (no
-- reference: an autosave it names may be folded into a later one).
-- Autosaves collapse: a member's autosave or save replaces their own
-- autosave when it is the newest revision, so typing keeps one row.
CREATE TABLE article_revisions (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    member_id     INTEGER REFERENCES members(id) ON DELETE SET NULL,
    via           TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    restored_from INTEGER,
    title         TEXT NOT NULL,
    slug          TEXT NOT NULL,
    dek           TEXT NOT NULL,
    body_md       TEXT NOT NULL,
    fields        TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
-- The editor reads an article's newest revisions first, and a save
-- compares the revision it was based on with the newest.
CREATE INDEX article_revisions_article ON article_revisions (article_id, id DESC);

-- Corrections and updates readers see under an article, dated by when
-- they were added.
CREATE TABLE article_notes (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('correction', 'update')),
    body       TEXT NOT NULL,
    member_id  INTEGER REFERENCES members(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX article_notes_article ON article_notes (article_id, id);

-- Review: '' (none), 'review' (an author asked for it) or 'returned'
-- (an editor sent it back with review_note). Beside the status, never
-- in it: readers' queries only ever look at the status.
ALTER TABLE articles ADD COLUMN review TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN review_note TEXT NOT NULL DEFAULT '';
