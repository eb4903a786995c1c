-- Counting live articles (every list page counts its matches; the front
-- page does so once per kind and per column) read the whole articles table,
-- bodies and all, because status is not in the published_at index: seconds
-- on a 50,000-article library whenever the page cache refills. With status
-- beside published_at the counts are answered from the index alone.
CREATE INDEX IF NOT EXISTS articles_live ON articles (published_at, status);
CREATE INDEX IF NOT EXISTS articles_kind_live ON articles (kind, published_at, status);
