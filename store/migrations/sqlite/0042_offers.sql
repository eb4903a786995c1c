-- Offers: a promotion on one plan with its own address (/offers/{slug}):
-- a percentage or an amount off for some months (a Stripe coupon), or a
-- free trial of some days. redemptions counts the completed checkouts
-- made with the offer; offer_redemptions keeps one row a checkout
-- session, so a session is counted once however often Stripe reports it.
CREATE TABLE offers (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    plan_slug       TEXT NOT NULL REFERENCES plans(slug),
    kind            TEXT NOT NULL CHECK (kind IN ('percent', 'amount', 'trial')),
    percent_off     INTEGER NOT NULL DEFAULT 0,
    amount_off      INTEGER NOT NULL DEFAULT 0,
    months          INTEGER NOT NULL DEFAULT 0,
    trial_days      INTEGER NOT NULL DEFAULT 0,
    ends_at         INTEGER,
    max_redemptions INTEGER NOT NULL DEFAULT 0,
    redemptions     INTEGER NOT NULL DEFAULT 0,
    active          INTEGER NOT NULL DEFAULT 1,
    featured        INTEGER NOT NULL DEFAULT 0,
    coupon_id       TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
-- One featured offer at most.
CREATE UNIQUE INDEX offers_featured ON offers (featured) WHERE featured = 1;

CREATE TABLE offer_redemptions (
    session_id  TEXT PRIMARY KEY,
    offer_id    INTEGER NOT NULL REFERENCES offers(id) ON DELETE CASCADE,
    member_id   INTEGER REFERENCES members(id) ON DELETE SET NULL,
    redeemed_at INTEGER NOT NULL
);
CREATE INDEX offer_redemptions_offer ON offer_redemptions (offer_id);
