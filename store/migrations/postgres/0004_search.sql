-- Search (store/search.go). Only articles readers may see at some time
-- (not drafts) are indexed; searches apply the live condition at query
-- time, as lists do.

-- The facet values of each indexed article, narrow so that every search
-- process can keep a copy in memory and count facets over tens of
-- thousands of matches without touching the wide articles table. seq
-- orders index writes (search_state's row lock serialises them until
-- commit), so a copy is brought up to date by reading the rows with a
-- larger seq than it has seen.
CREATE TABLE search_docs (
    article_id   BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    status       TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    access       TEXT NOT NULL,
    column_id    BIGINT,
    authors      TEXT NOT NULL DEFAULT '', -- ids, comma-separated
    topics       TEXT NOT NULL DEFAULT '',
    regions      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX search_docs_seq ON search_docs (seq);

-- seq is the last index write; built is 0 until the index holds every
-- article (a database migrated with articles in it needs a reindex).
CREATE TABLE search_state (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    built BIGINT NOT NULL
);
INSERT INTO search_state (id, seq, built)
    SELECT 1, 0, CASE WHEN EXISTS (SELECT 1 FROM articles WHERE status <> 'draft') THEN 0 ELSE 1 END;

-- The full vector: title A, dek B, teaser C, body D. In a table of its
-- own so that the heap a bitmap scan visits holds little besides the
-- (toasted) vector.
CREATE TABLE search_vectors (
    article_id BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    doc        tsvector NOT NULL
);
CREATE INDEX search_vectors_doc ON search_vectors USING gin (doc);

-- The head: title A and dek B, small enough to be ranked for queries that
-- match much of the library; and the unstemmed title for suggestions,
-- with the time so that the newest matching titles come first.
CREATE TABLE search_heads (
    article_id   BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    published_at BIGINT NOT NULL,
    head         tsvector NOT NULL,
    title        tsvector NOT NULL,
    vocab        TEXT NOT NULL -- the distinct words of title and dek, for search_words
);
CREATE INDEX search_heads_head ON search_heads USING gin (head);
CREATE INDEX search_heads_title ON search_heads USING gin (title);
CREATE INDEX search_heads_published ON search_heads (published_at DESC);

-- The unstemmed words of titles and deks with the number of articles
-- holding each: the vocabulary "did you mean" corrects against. Every
-- index write adds its new words; a reindex recounts them all (exact
-- counts on every write would rewrite a score of hot rows each time).
CREATE TABLE search_words (
    word TEXT COLLATE "C" PRIMARY KEY,
    ndoc BIGINT NOT NULL
);

-- The ids of the articles matching q, as text: one row for any number
-- of matches. The planner would scan the whole table for a very common
-- word and evaluate every vector; the index answers without reading a
-- vector unless a phrase needs positions, so sequential scans are off
-- inside these functions (a SET on a function applies to its queries
-- only).
CREATE FUNCTION search_ids(q tsquery) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text, ',') FROM search_vectors WHERE doc @@ q
$$;
CREATE FUNCTION search_head_ids(q tsquery) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text, ',') FROM search_heads WHERE head @@ q
$$;

-- The matches of q with their rank, "id:rank" comma-separated, higher
-- is better. Only run on bounded sets (store/search.go).
CREATE FUNCTION search_rank(q tsquery) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text || ':' || ts_rank(doc, q, 1)::text, ',') FROM search_vectors WHERE doc @@ q
$$;
CREATE FUNCTION search_head_rank(q tsquery) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text || ':' || ts_rank(head, q)::text, ',') FROM search_heads WHERE head @@ q
$$;
