-- Readers: entitlements (who is a subscriber), the meter's unlocks, and
-- the registration unlocks that open one article to a browser the moment
-- it registers.

-- An All-Access grant. Billing will add Stripe rows; an open end is NULL.
CREATE TABLE entitlements (
    id        INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    source    TEXT NOT NULL CHECK (source IN ('stripe', 'complimentary', 'gift', 'demo')),
    starts_at INTEGER NOT NULL,
    ends_at   INTEGER,
    note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX entitlements_member ON entitlements (member_id, starts_at);

-- A metered article a member opened with a credit: open for good, so one
-- row per member and article, which is also what makes a second click
-- spend nothing.
CREATE TABLE unlocks (
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    UNIQUE (member_id, article_id)
);
-- Counting a period's unlocks walks this index from the period's start.
CREATE INDEX unlocks_member_time ON unlocks (member_id, created_at);

-- A browser, known by the hash of its long-lived device cookie. Its row
-- is what concurrent registrations from one browser lock, so the
-- one-unlock-per-period rule holds under races on both engines.
CREATE TABLE devices (
    hash       BLOB PRIMARY KEY,
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
);

-- The article a browser opened by registering on its wall.
CREATE TABLE registration_unlocks (
    device_hash BLOB NOT NULL REFERENCES devices(hash) ON DELETE CASCADE,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    member_id   INTEGER REFERENCES members(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (device_hash, article_id)
);
CREATE INDEX registration_unlocks_time ON registration_unlocks (device_hash, created_at);
CREATE INDEX registration_unlocks_member ON registration_unlocks (member_id);
