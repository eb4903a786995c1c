-- Relevance by how often an article uses the query's words (store/search.go).
-- FTS5's bm25 divides by the article's length; ranking undoes that with
-- the number of words of what each index holds of each article: all of
-- it (words), and what everyone may read (open_words: title, dek, teaser,
-- and the body of a free article), kept beside its facets. Filled from
-- the articles' word counts now (a locked article's teaser is about a
-- third of it); a reindex counts them from the text.
ALTER TABLE search_docs ADD COLUMN words BIGINT NOT NULL DEFAULT 0;
ALTER TABLE search_docs ADD COLUMN open_words BIGINT NOT NULL DEFAULT 0;
UPDATE search_docs SET words = COALESCE((SELECT word_count FROM articles WHERE id = search_docs.article_id), 0);
UPDATE search_docs SET open_words = CASE WHEN access = 'free' THEN words ELSE words / 3 END;
