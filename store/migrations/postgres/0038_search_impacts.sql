-- Per-word impact lists for the bounded ranking of common words
-- (store/search_impact.go): for each article, its words (lightly stemmed,
-- stop words left out) with their weighted occurrences, 50 a time in the
-- title, 10 in the dek, 1 in the body, as the ranking weighs them. Only
-- words an article uses at least twice (or once in title or dek) are
-- kept, at most 48 an article. open_impact is the same over what everyone
-- may read (the body of free articles only). A query matching more
-- articles than are ranked reads each word's best few hundred from the
-- index, by impact, rather than ranking every match.
CREATE TABLE search_impacts (
    article_id  BIGINT NOT NULL,
    term        TEXT NOT NULL,
    impact      INTEGER NOT NULL,
    open_impact INTEGER NOT NULL,
    PRIMARY KEY (article_id, term)
);
-- A word's best articles, read in order of impact; the key above finds
-- an article's impact for a word, and its rows when it is written.
CREATE INDEX search_impacts_term ON search_impacts (term, impact DESC, article_id);
CREATE INDEX search_impacts_open ON search_impacts (term, open_impact DESC, article_id) WHERE open_impact > 0;
-- The lists are made from the articles' text, which only Go reads: a
-- library indexed before needs a reindex (serve warns until then), and
-- meanwhile ranks common words as before.
UPDATE search_state SET built = 0 WHERE EXISTS (SELECT 1 FROM search_docs);
