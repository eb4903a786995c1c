-- A checkout recorded before the reader pays (masthead.Checkout): what
-- was chosen, the signed-in member who started it or the address an
-- anonymous reader gave, and the hash of the nonce the starting browser
-- holds in a cookie. The payment completes it once (completed_at); the
-- member it ends with is set then, new_member when the completion made
-- them, and signed_in_at when the starting browser was signed in by it
-- (once). docs/billing.md, "Subscribing without an account".
CREATE TABLE checkouts (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    plan         TEXT NOT NULL DEFAULT '',
    gift_id      INTEGER REFERENCES gift_subscriptions(id) ON DELETE SET NULL,
    email        TEXT NOT NULL DEFAULT '',
    member_id    INTEGER REFERENCES members(id) ON DELETE SET NULL,
    anonymous    INTEGER NOT NULL DEFAULT 0,
    nonce_hash   BLOB,
    session_id   TEXT NOT NULL DEFAULT '',
    next         TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    completed_at INTEGER,
    new_member   INTEGER NOT NULL DEFAULT 0,
    signed_in_at INTEGER,
    receipt_url  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX checkouts_member ON checkouts (member_id);
