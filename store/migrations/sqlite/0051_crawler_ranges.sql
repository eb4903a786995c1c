-- The address ranges AI crawlers' operators publish, loaded from their
-- files by `masthead crawlers load FAMILY FILE`: a request that claims a
-- family's user agent is verified when its address lies in one of them
-- (masthead.AICrawler). One row a range.
CREATE TABLE crawler_ranges (
    family     TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    loaded_at  INTEGER NOT NULL,
    PRIMARY KEY (family, prefix)
);
