-- Relevance by how often an article uses the query's words
-- (store/search.go): cover density (ts_rank_cd) over the whole article,
-- without dividing by its length, title A 1.0, dek B 0.2, body D 0.02.
-- The teaser (C) is the start of the body and already counted there, so
-- it weighs nothing of its own. On the Reuters-21578 check this ranks
-- far better than ts_rank divided by the length's logarithm, which put
-- one-line stories first (docs/search.md). Queries holding a phrase keep
-- ts_rank (search_phrase_rank, 0016): cover density counts the covers of
-- the phrase's words wherever they stand, and an article quoting a title
-- in its body outranked the article of that title.
--
-- search_docs.words and open_words are the numbers of words of each
-- article in the full and the open index, which SQLite needs to undo
-- bm25's division by length (sqlite/0030); kept on both engines alike.
ALTER TABLE search_docs ADD COLUMN words BIGINT NOT NULL DEFAULT 0;
ALTER TABLE search_docs ADD COLUMN open_words BIGINT NOT NULL DEFAULT 0;
UPDATE search_docs SET words = COALESCE((SELECT word_count FROM articles WHERE id = search_docs.article_id), 0);
UPDATE search_docs SET open_words = CASE WHEN access = 'free' THEN words ELSE words / 3 END;

CREATE OR REPLACE FUNCTION search_rank(q tsquery) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text || ':' || ts_rank_cd('{0.02, 0, 0.2, 1}', doc, q)::text, ',') FROM search_vectors WHERE doc @@ q
$$;
CREATE OR REPLACE FUNCTION search_open_rank(q tsquery) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text || ':' || ts_rank_cd('{0.02, 0, 0.2, 1}', doc, q)::text, ',') FROM search_open WHERE doc @@ q
$$;
