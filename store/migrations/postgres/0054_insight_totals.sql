-- A dashboard range costs a few rows per article instead of one per
-- article and day (docs/insights.md, "Reading a range"):
--
-- * insight_daily.total is the running count of its kind and article up
--   to and including its day, so the count over any range of days is the
--   difference of two totals, each one index seek;
-- * insight_totals holds, per kind and article, the count of all days and
--   the first and last day counted: the articles a range can hold, and
--   the end of a range that reaches today without a seek;
-- * insight_site_daily holds the day's count per kind over all articles,
--   a few rows a day, for the funnel.
--
-- All three are written with the daily counts, in the batch's
-- transaction, and filled here from the counts kept so far.

ALTER TABLE insight_daily ADD COLUMN total BIGINT NOT NULL DEFAULT 0;
UPDATE insight_daily SET total = r.total
    FROM (SELECT day, kind, article_id,
            SUM(n) OVER (PARTITION BY kind, article_id ORDER BY day) AS total
          FROM insight_daily) r
    WHERE r.day = insight_daily.day AND r.kind = insight_daily.kind AND r.article_id = insight_daily.article_id;
-- The total before a day is the last row's below it: a seek from the end
-- of the (kind, article_id) prefix, answered from the index alone.
CREATE INDEX insight_daily_running ON insight_daily (kind, article_id, day, total);

CREATE TABLE insight_totals (
    kind       TEXT NOT NULL,
    article_id BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    first_day  BIGINT NOT NULL,
    last_day   BIGINT NOT NULL,
    PRIMARY KEY (kind, article_id)
);
INSERT INTO insight_totals (kind, article_id, n, first_day, last_day)
    SELECT kind, article_id, SUM(n), MIN(day), MAX(day) FROM insight_daily GROUP BY kind, article_id;

CREATE TABLE insight_site_daily (
    day  BIGINT NOT NULL,
    kind TEXT NOT NULL,
    n    BIGINT NOT NULL,
    PRIMARY KEY (day, kind)
);
INSERT INTO insight_site_daily (day, kind, n)
    SELECT day, kind, SUM(n) FROM insight_daily GROUP BY day, kind;
