-- Search analytics (docs/insights.md, "What readers search for"): per
-- UTC day (its first microsecond), how often each normalised query was
-- searched and how often it found nothing, and how many results were
-- opened at each position. Nothing here tells who searched: no member,
-- address or cookie. Rows older than the insights retention are deleted.
CREATE TABLE search_daily (
    day      BIGINT NOT NULL,
    query    TEXT NOT NULL,
    searches BIGINT NOT NULL DEFAULT 0,
    zero     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, query)
);

CREATE TABLE search_clicks_daily (
    day      BIGINT NOT NULL,
    position INTEGER NOT NULL,
    n        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, position)
);
