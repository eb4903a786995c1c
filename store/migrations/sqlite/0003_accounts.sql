-- Accounts: rate limits, passwords, newsletter consent, gift links, and
-- the mark left by a deleted account.

-- A sliding-window counter per key (sign-in by IP, by address, …). The key
-- is stored hashed: addresses do not linger here in clear, and keys of any
-- length cost the same. prev_hits is the count of the window before
-- window_start, which the sliding estimate weighs down as time passes.
CREATE TABLE rate_limits (
    key_hash     BLOB PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL,
    prev_hits    INTEGER NOT NULL DEFAULT 0,
    expires_at   INTEGER NOT NULL
);
-- Cleanup walks expired rows only.
CREATE INDEX rate_limits_expires ON rate_limits (expires_at);

-- An empty hash means no password: the member signs in by email only.
ALTER TABLE members ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
-- Set when the member deleted their account: the row stays, emptied of
-- personal data, so anonymous counts (unlocks per article) keep their rows.
ALTER TABLE members ADD COLUMN deleted_at INTEGER;

-- Every consent given or withdrawn, with the wording the reader saw; the
-- newest row per (member, newsletter) is the current choice.
CREATE TABLE newsletter_consents (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    newsletter TEXT NOT NULL,
    consented  BOOLEAN NOT NULL,
    wording    TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX newsletter_consents_member ON newsletter_consents (member_id, newsletter, at DESC, id DESC);

-- A subscriber's link that opens one article for a few readers.
CREATE TABLE gift_links (
    id          INTEGER PRIMARY KEY,
    token_hash  BLOB NOT NULL UNIQUE,
    member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    max_readers INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
-- The monthly allowance counts a member's links since a date.
CREATE INDEX gift_links_member ON gift_links (member_id, created_at);

-- The distinct readers (a member or a device, hashed) who opened a link.
CREATE TABLE gift_link_readers (
    link_id    INTEGER NOT NULL REFERENCES gift_links(id) ON DELETE CASCADE,
    reader_key BLOB NOT NULL,
    first_at   INTEGER NOT NULL,
    PRIMARY KEY (link_id, reader_key)
);
