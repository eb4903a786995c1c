-- Insights counted as they arrive (docs/insights.md): every batch of
-- reader events adds its counts to insight_hours (one row per UTC hour,
-- kind and article) and to insight_daily (per UTC day) in the same
-- transaction, so the dashboard reads a few rows a day and article
-- instead of one row per event. Hours are kept for the retention, days
-- for good. Individual rows stay in insight_events only for the kinds
-- whose attribution needs one (checkouts, which carry the member, and
-- registrations).

-- One row per UTC hour (its first microsecond), kind and article (0: none).
CREATE TABLE insight_hours (
    hour       BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    article_id BIGINT NOT NULL DEFAULT 0,
    n          BIGINT NOT NULL,
    PRIMARY KEY (hour, kind, article_id)
);

-- The events recorded so far become counts: the hours, and the days
-- added to what the rollups already folded in.
INSERT INTO insight_hours (hour, kind, article_id, n)
    SELECT (at / 3600000000) * 3600000000, kind, COALESCE(article_id, 0), SUM(n)
    FROM insight_events WHERE kind NOT LIKE 'search%'
    GROUP BY (at / 3600000000) * 3600000000, kind, COALESCE(article_id, 0);
INSERT INTO insight_daily (day, kind, article_id, n)
    SELECT (at / 86400000000) * 86400000000, kind, COALESCE(article_id, 0), SUM(n)
    FROM insight_events WHERE kind NOT LIKE 'search%'
    GROUP BY (at / 86400000000) * 86400000000, kind, COALESCE(article_id, 0)
    ON CONFLICT (day, kind, article_id) DO UPDATE SET n = insight_daily.n + excluded.n;
DELETE FROM insight_events WHERE kind NOT IN ('checkout', 'registration');

-- The dashboard's ranges read the days by time and kind; with the count
-- in the index they never visit the table.
CREATE INDEX insight_daily_kind ON insight_daily (kind, day, article_id, n);
