-- Phrases. A GIN index of tsvectors cannot check positions: for a phrase
-- of two common words ("harder year") it returns every article holding
-- both, and each one's whole vector is read to find the phrase. So each
-- article also keeps the pairs of its neighbouring words with the number
-- of places between them (the stop words a phrase skips), hashed, in an
-- index of their own.
--
-- A pair is two consecutive lexemes of the vector and their distance.
-- An article matching the phrase 'settl' <2> 'question' has settl at p
-- and question at p+2; where the place between holds a stop word the two
-- are consecutive in its vector, and the pair (settl, question, 2) is in
-- both. (Where it holds another word, as in "settle big question", the
-- phrase is not matched: the reader's stop word must be a stop word in
-- the text too.) So a phrase of one pair matches exactly the articles
-- holding its pair, and the vectors need not be read; a longer phrase
-- matches among the articles holding all its pairs, whose vectors are
-- checked. The hashes are 64 bits: across a library of tens of millions
-- of pairs, a collision with a query's pair is about one chance in a
-- hundred thousand billion.
CREATE FUNCTION search_pairs(doc tsvector) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT h ORDER BY h), '{}') FROM (
        SELECT hashtextextended(lag(lexeme) OVER w || ' ' || lexeme || ' ' || (pos - lag(pos) OVER w), 0) AS h
        FROM unnest(doc) AS u, unnest(u.positions) AS pos
        WINDOW w AS (ORDER BY pos)
    ) p WHERE h IS NOT NULL
$$;

-- The pairs of the phrases a query must hold, from the phrases' words
-- as typed (the same stemming and stop words as the articles).
CREATE FUNCTION search_phrase_pairs(phrases text[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT h ORDER BY h), '{}')
    FROM unnest(phrases) AS t, unnest(search_pairs(to_tsvector('english', t))) AS h
$$;

-- An index of an expression, not a column: kept by every write of a
-- vector (an article saved, a reindex) in the same statement, it costs no
-- space in the table. Its condition, @>, is exact on GIN, so searches
-- never compute the pairs; nor does ANALYZE (statistics 0), which would
-- for a sample of thousands of articles.
CREATE INDEX search_vectors_pairs ON search_vectors USING gin (search_pairs(doc));
ALTER INDEX search_vectors_pairs ALTER COLUMN 1 SET STATISTICS 0;

-- The articles holding every pair of p: the matches of a query that is
-- one phrase of one pair, without reading a vector.
CREATE FUNCTION search_pair_ids(p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text, ',') FROM search_vectors WHERE search_pairs(doc) @> p
$$;

-- search_ids and search_rank for a query holding phrases: p holds the
-- pairs of every phrase the query must hold (search_phrase_pairs), never
-- empty. The pairs alone choose the rows (MATERIALIZED keeps the planner
-- from also asking the vectors' index, which for two common words returns
-- most of the library); only those rows' vectors are read.
CREATE FUNCTION search_phrase_ids(q tsquery, p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    WITH c AS MATERIALIZED (SELECT article_id, doc FROM search_vectors WHERE search_pairs(doc) @> p)
    SELECT string_agg(article_id::text, ',') FROM c WHERE doc @@ q
$$;
CREATE FUNCTION search_phrase_rank(q tsquery, p bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    WITH c AS MATERIALIZED (SELECT article_id, doc FROM search_vectors WHERE search_pairs(doc) @> p)
    SELECT string_agg(article_id::text || ':' || ts_rank(doc, q, 1)::text, ',') FROM c WHERE doc @@ q
$$;
