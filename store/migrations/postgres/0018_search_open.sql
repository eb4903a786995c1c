-- What everyone may read of each article: title A, dek B, teaser C, and
-- the body D only when the article is free. A reader who may not read
-- the whole library is matched against it (and against search_vectors
-- for the articles they unlocked), so that a phrase or a prefix never
-- confirms text past the wall (store/search.go). Weighted as
-- search_vectors, so that its ranks read alike.
CREATE TABLE search_open (
    article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    doc        tsvector NOT NULL
);

-- Titles and deks are already vectors (search_heads); teasers and free
-- bodies are HTML, which only a reindex turns into text, so a database
-- that has indexed articles is marked as needing one (serve warns until
-- then). Meanwhile readers without the library find articles by title
-- and dek.
INSERT INTO search_open (article_id, doc) SELECT article_id, head FROM search_heads;
UPDATE search_state SET built = 0 WHERE EXISTS (SELECT 1 FROM search_docs);

CREATE INDEX search_open_doc ON search_open USING gin (doc);
-- Phrases, as for search_vectors (0016): the free articles' bodies make
-- a phrase of two common words match thousands of vectors otherwise.
CREATE INDEX search_open_pairs ON search_open USING gin (search_pairs(doc));
ALTER INDEX search_open_pairs ALTER COLUMN 1 SET STATISTICS 0;

-- The functions of 0004 and 0016, over search_open.
CREATE FUNCTION search_open_ids(q tsquery) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text, ',') FROM search_open WHERE doc @@ q
$$;
CREATE FUNCTION search_open_rank(q tsquery) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text || ':' || ts_rank(doc, q, 1)::text, ',') FROM search_open WHERE doc @@ q
$$;
CREATE FUNCTION search_open_pair_ids(p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text, ',') FROM search_open WHERE search_pairs(doc) @> p
$$;
CREATE FUNCTION search_open_phrase_ids(q tsquery, p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    WITH c AS MATERIALIZED (SELECT article_id, doc FROM search_open WHERE search_pairs(doc) @> p)
    SELECT string_agg(article_id::text, ',') FROM c WHERE doc @@ q
$$;
CREATE FUNCTION search_open_phrase_rank(q tsquery, p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    WITH c AS MATERIALIZED (SELECT article_id, doc FROM search_open WHERE search_pairs(doc) @> p)
    SELECT string_agg(article_id::text || ':' || ts_rank(doc, q, 1)::text, ',') FROM c WHERE doc @@ q
$$;
