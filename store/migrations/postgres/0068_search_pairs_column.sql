-- The word pairs of phrases (0016) become a column of search_vectors and
-- of search_open, written by the code with the vector (store/
-- search_postgres_pairs.go), rather than an index over search_pairs(doc)
-- that the server computed for every vector written: that computation
-- (a row per position, a sort, a text and a hash per pair, an aggregate)
-- was four fifths of the cost of writing a vector. The query side still
-- makes a phrase's pairs with search_pairs, which the code's must equal.
DROP INDEX search_vectors_pairs;
DROP INDEX search_open_pairs;

-- Where lexemes share a position (at 16,383, the last a vector holds,
-- where every later word is put) their order was the sort's, which the
-- code cannot repeat; it is now by lexeme, in byte order.
CREATE OR REPLACE FUNCTION search_pairs(doc tsvector) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT h ORDER BY h), '{}') FROM (
        SELECT hashtextextended(lag(lexeme) OVER w || ' ' || lexeme || ' ' || (pos - lag(pos) OVER w), 0) AS h
        FROM unnest(doc) AS u, unnest(u.positions) AS pos
        WINDOW w AS (ORDER BY pos, lexeme COLLATE "C")
    ) p WHERE h IS NOT NULL
$$;

ALTER TABLE search_vectors ADD COLUMN pairs bigint[];
ALTER TABLE search_open ADD COLUMN pairs bigint[];
UPDATE search_vectors SET pairs = search_pairs(doc);
UPDATE search_open SET pairs = search_pairs(doc);
ALTER TABLE search_vectors ALTER COLUMN pairs SET NOT NULL;
ALTER TABLE search_open ALTER COLUMN pairs SET NOT NULL;

-- The condition, @>, is exact on GIN, so searches never read the
-- column; nor does ANALYZE (statistics 0), whose frequencies of random
-- hashes, thousands an article, would tell the planner nothing.
ALTER TABLE search_vectors ALTER COLUMN pairs SET STATISTICS 0;
ALTER TABLE search_open ALTER COLUMN pairs SET STATISTICS 0;
CREATE INDEX search_vectors_pairs ON search_vectors USING gin (pairs);
CREATE INDEX search_open_pairs ON search_open USING gin (pairs);

-- The functions of 0016 and 0018, reading the column.
CREATE OR REPLACE FUNCTION search_pair_ids(p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text, ',') FROM search_vectors WHERE pairs @> p
$$;
CREATE OR REPLACE FUNCTION search_phrase_ids(q tsquery, p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    WITH c AS MATERIALIZED (SELECT article_id, doc FROM search_vectors WHERE pairs @> p)
    SELECT string_agg(article_id::text, ',') FROM c WHERE doc @@ q
$$;
CREATE OR REPLACE FUNCTION search_phrase_rank(q tsquery, p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    WITH c AS MATERIALIZED (SELECT article_id, doc FROM search_vectors WHERE pairs @> p)
    SELECT string_agg(article_id::text || ':' || ts_rank(doc, q, 1)::text, ',') FROM c WHERE doc @@ q
$$;
CREATE OR REPLACE FUNCTION search_open_pair_ids(p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text, ',') FROM search_open WHERE pairs @> p
$$;
CREATE OR REPLACE FUNCTION search_open_phrase_ids(q tsquery, p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    WITH c AS MATERIALIZED (SELECT article_id, doc FROM search_open WHERE pairs @> p)
    SELECT string_agg(article_id::text, ',') FROM c WHERE doc @@ q
$$;
CREATE OR REPLACE FUNCTION search_open_phrase_rank(q tsquery, p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    WITH c AS MATERIALIZED (SELECT article_id, doc FROM search_open WHERE pairs @> p)
    SELECT string_agg(article_id::text || ':' || ts_rank(doc, q, 1)::text, ',') FROM c WHERE doc @@ q
$$;
