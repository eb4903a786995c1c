-- Insights: the reader events the publisher's dashboard counts
-- (docs/insights.md), and their daily totals. Events arrive in batches
-- from each instance's buffer; older than the retention setting, they are
-- folded into insight_daily and deleted. No address, user agent or email
-- is kept; member_id only on checkouts, to attribute a subscription.

CREATE TABLE insight_events (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    article_id INTEGER,
    member_id  INTEGER,
    n          INTEGER NOT NULL DEFAULT 1,
    at         INTEGER NOT NULL
);
-- Dashboard ranges and the rollup both read by time.
CREATE INDEX insight_events_at ON insight_events (at, kind);
-- A subscription finds its member's checkout.
CREATE INDEX insight_events_member ON insight_events (member_id, at) WHERE member_id IS NOT NULL;

-- One row per UTC day (its first microsecond), kind and article (0: none).
CREATE TABLE insight_daily (
    day        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    article_id INTEGER NOT NULL DEFAULT 0,
    n          INTEGER NOT NULL,
    PRIMARY KEY (day, kind, article_id)
);

-- Attributed subscriptions, kept when their checkout events are rolled up:
-- a subscription's article, found once, stays.
CREATE TABLE insight_subscriptions (
    subscription_id TEXT PRIMARY KEY,
    article_id      INTEGER,
    started_at      INTEGER NOT NULL
);
