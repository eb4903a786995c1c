-- Titles and deks stemmed, in an index of their own: a query matching
-- much of the library ranks only its matches in title and dek
-- (store/search.go), and reading those from this small index costs a
-- fraction of filtering the columns of search_fts.
CREATE VIRTUAL TABLE search_heads USING fts5(
    title, dek,
    tokenize = 'porter unicode61 remove_diacritics 2',
    content = '', contentless_delete = 1
);
INSERT INTO search_heads (rowid, title, dek)
    SELECT a.id, a.title, a.dek FROM articles a JOIN search_docs d ON d.article_id = a.id;
