-- The lexemes of the search vectors and of the queries are made in Go
-- (store/search_postgres_lexemes.go) rather than by to_tsvector and
-- to_tsquery('english', …), and the vectors are written as literals. They
-- agree with PostgreSQL's on every text measured (docs/search.md), but a
-- word the two stemmers treat differently would no longer be found in
-- vectors made before, so a library indexed before is rebuilt once: the
-- index is marked incomplete (serve warns, and `masthead reindex` or the
-- reindex job clears the mark). Searches meanwhile work on the vectors
-- already there.
UPDATE search_state SET built = 0 WHERE EXISTS (SELECT 1 FROM search_docs);
