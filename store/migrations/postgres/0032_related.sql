-- Related reading (docs/search.md, "Related reading"): each article's
-- most distinctive words with their weights, the neighbours computed from
-- them, the document frequencies of the last full build, and the articles
-- waiting to be computed again. Written by the related job, never by a
-- reader's request; a page reads related_articles by its primary key.

CREATE TABLE related_terms (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    term       TEXT NOT NULL,
    weight     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (article_id, term)
);
-- The neighbours of an article: every article sharing one of its terms,
-- read from this index alone.
CREATE INDEX related_terms_term ON related_terms (term, article_id, weight);

-- An article's neighbours, best first. Drafts, scheduled and unpublished
-- articles may be listed; the page's query keeps only the live ones.
CREATE TABLE related_articles (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    related_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    score      DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (article_id, position)
);
-- Deleting an article, and finding the lists that name a changed one.
CREATE INDEX related_articles_related ON related_articles (related_id);

-- In how many articles each word is, at the last full build (words in
-- one article only are left out).
CREATE TABLE related_df (
    term TEXT PRIMARY KEY,
    n    BIGINT NOT NULL
);

-- The last full build: how many articles it counted, and how many have
-- been computed one by one since.
CREATE TABLE related_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    docs     BIGINT NOT NULL DEFAULT 0,
    changed  BIGINT NOT NULL DEFAULT 0,
    built_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO related_state (id) VALUES (1);

-- Articles to compute again. A save writes its article with spread set:
-- the articles listing it or listed by it are computed again after it.
-- queued_at lets the job remove only the request it served, not a save
-- made while it worked.
CREATE TABLE related_pending (
    article_id BIGINT PRIMARY KEY,
    queued_at  BIGINT NOT NULL,
    spread     INTEGER NOT NULL DEFAULT 0
);
