-- How the stored teasers were cut: the cut's version (markdown.TeaserVersion)
-- and the word budget. When either differs from the running binary's,
-- opening the database cuts every teaser again from the article's source
-- (store/teasers.go). Version 0 is the cut of whole opening blocks, which
-- gave away articles whose first block held the rest.
CREATE TABLE teaser_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    words   INTEGER NOT NULL
);
INSERT INTO teaser_state (id, version, words) VALUES (1, 0, 0);
