-- insight_daily_kind (kind, day, article_id, n), made by 0044 for the
-- dashboard's ranges, has been read by no query since the running totals
-- (0054): a range reads insight_totals and seeks insight_daily_running,
-- the funnel reads insight_site_daily, and a batch's own reads of
-- insight_daily use the primary key or insight_daily_running. Every
-- batch still paid for keeping it; it goes, and the table stays.
DROP INDEX IF EXISTS insight_daily_kind;
