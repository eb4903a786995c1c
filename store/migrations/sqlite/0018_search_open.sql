-- What everyone may read of each article, in an index of its own: title,
-- dek and teaser, and the body only when the article is free. A reader
-- who may not read the whole library is matched against it (and against
-- search_fts for the articles they unlocked), so that a phrase or a
-- prefix never confirms text past the wall (store/search.go). The same
-- columns and weights as search_fts, so that its ranks read alike.
CREATE VIRTUAL TABLE search_open USING fts5(
    title, dek, teaser, body,
    tokenize = 'porter unicode61 remove_diacritics 2',
    content = '', contentless_delete = 1
);

-- Titles and deks are plain text and can be indexed here; teasers and
-- free bodies are HTML, which only a reindex turns into text, so a
-- database that has indexed articles is marked as needing one (serve
-- warns until then). Meanwhile readers without the library find articles
-- by title and dek.
INSERT INTO search_open (rowid, title, dek, teaser, body)
    SELECT a.id, a.title, a.dek, '', '' FROM articles a JOIN search_docs d ON d.article_id = a.id;
UPDATE search_state SET built = 0 WHERE EXISTS (SELECT 1 FROM search_docs);
