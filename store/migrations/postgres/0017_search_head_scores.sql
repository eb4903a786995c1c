-- What the bounded ranking (store/search.go, relevance) reads of a
-- query's matches in title and dek. search_head_matches visits them once
-- and tells those that match in the title too (qa, the query with every
-- lexeme of weight A): "id" or "id:t", comma-separated. Only then is it
-- known whether either set is small enough to rank, and
-- search_head_rank_ids ranks the chosen ids, found by their key rather
-- than by the vectors' index again.
CREATE FUNCTION search_head_matches(q tsquery, qa tsquery) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text || CASE WHEN head @@ qa THEN ':t' ELSE '' END, ',')
    FROM search_heads WHERE head @@ q
$$;
CREATE FUNCTION search_head_rank_ids(q tsquery, ids bigint[]) RETURNS text
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT string_agg(article_id::text || ':' || ts_rank(head, q)::text, ',')
    FROM search_heads WHERE article_id = ANY(ids)
$$;
