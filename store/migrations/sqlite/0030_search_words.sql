-- Relevance by how often an article uses the query's words (store/search.go).
-- FTS5's bm25 divides by the article's length; ranking undoes that with
-- the number of words each article has (title, dek and body), kept here
-- beside its facets. Filled from the articles' word counts now; a reindex
-- adds the titles' and deks' words.
ALTER TABLE search_docs ADD COLUMN words BIGINT NOT NULL DEFAULT 0;
UPDATE search_docs SET words = COALESCE((SELECT word_count FROM articles WHERE id = search_docs.article_id), 0);
