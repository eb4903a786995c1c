-- Search (store/search.go). Only articles readers may see at some time
-- (not drafts) are indexed; searches apply the live condition at query
-- time, as lists do.

-- The facet values of each indexed article, narrow so that every search
-- process can keep a copy in memory and count facets over tens of
-- thousands of matches without touching the wide articles table. seq
-- orders index writes, so a copy is brought up to date by reading the
-- rows with a larger seq than it has seen.
CREATE TABLE search_docs (
    article_id   INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    status       TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    access       TEXT NOT NULL,
    column_id    INTEGER,
    authors      TEXT NOT NULL DEFAULT '', -- ids, comma-separated
    topics       TEXT NOT NULL DEFAULT '',
    regions      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX search_docs_seq ON search_docs (seq);

-- seq is the last index write; built is 0 until the index holds every
-- article (a database migrated with articles in it needs a reindex).
CREATE TABLE search_state (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    built INTEGER NOT NULL
);
INSERT INTO search_state (id, seq, built)
    SELECT 1, 0, CASE WHEN EXISTS (SELECT 1 FROM articles WHERE status <> 'draft') THEN 0 ELSE 1 END;

-- The stemmed full-text index. Contentless: snippets are cut in Go from
-- the text the reader may see, for the page of results shown only, so
-- the text is not stored a second time. The teaser is a column of its
-- own (the opening paragraphs, ranked above the rest of the body).
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, dek, teaser, body,
    tokenize = 'porter unicode61 remove_diacritics 2',
    content = '', contentless_delete = 1
);

-- Titles and deks unstemmed, with prefix indexes: suggestions as the
-- reader types, and through search_vocab the vocabulary that "did you
-- mean" corrects against.
CREATE VIRTUAL TABLE search_titles USING fts5(
    title, dek,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3',
    content = '', contentless_delete = 1
);
CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_titles, row);
