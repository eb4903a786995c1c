-- Licensed access for AI crawlers (docs/licensing.md). A licence is a
-- content key (api_keys, kind 'content') carrying the 'licence' scope:
-- contact is the licensee's, terms the articles it opens in full (empty:
-- every article; else words such as "topic:energy column:the-long-view"),
-- rate_minute and rate_hour its request limits (0: none), expires_at its
-- end (NULL: none) and family the AI crawler it is bound to ('' for any).
ALTER TABLE api_keys ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN terms TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN rate_minute INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN rate_hour INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
ALTER TABLE api_keys ADD COLUMN family TEXT NOT NULL DEFAULT '';

-- Every request made with a licence, for billing: the article asked for
-- (0: not found), when, what was sent (full, teaser, or rate-limited,
-- which sent nothing) and the bytes of article text sent. Pruned after
-- the retention documented in docs/licensing.md. The rate limits count
-- the rows of the last minute and hour through the same index.
CREATE TABLE licence_requests (
    id         INTEGER PRIMARY KEY,
    key_id     INTEGER NOT NULL REFERENCES api_keys(id),
    at         INTEGER NOT NULL,
    article_id INTEGER NOT NULL DEFAULT 0,
    decision   TEXT NOT NULL,
    bytes      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX licence_requests_key_at ON licence_requests (key_id, at);
CREATE INDEX licence_requests_at ON licence_requests (at);

-- AI crawler traffic for the dashboard, counted as it arrives: one row
-- per UTC hour (its first microsecond), crawler family and decision
-- (full, teaser, refused, price, licensed, spoofed).
CREATE TABLE crawler_hours (
    hour     INTEGER NOT NULL,
    family   TEXT NOT NULL,
    decision TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (hour, family, decision)
);
