-- Billing: plans, Stripe customers and subscriptions, the webhook events
-- already applied, and gift subscriptions. A subscription's access is
-- materialised as its entitlements row (subscription_id), written in the
-- same transaction as its state, so the access decision reads
-- entitlements only.

-- An All-Access plan shown on the pricing page. amount is in the
-- currency's minor unit; stripe_price_id '' means checkout describes the
-- price inline.
CREATE TABLE plans (
    slug            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    bill_interval   TEXT NOT NULL CHECK (bill_interval IN ('month', 'year')),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    currency        TEXT NOT NULL,
    trial_days      INTEGER NOT NULL DEFAULT 0,
    stripe_price_id TEXT NOT NULL DEFAULT '',
    active          INTEGER NOT NULL DEFAULT 1,
    sort_order      INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL
);
INSERT INTO plans (slug, name, bill_interval, amount, currency, sort_order, updated_at) VALUES
    ('monthly', 'All-Access monthly', 'month', 900, 'usd', 1, 0),
    ('annual', 'All-Access annual', 'year', 9000, 'usd', 2, 0);

-- The Stripe customer of a member: created once, reused by every checkout.
CREATE TABLE billing_customers (
    member_id   INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

-- A Stripe subscription as last reported. version is Stripe's time of
-- that state (the event's created time, or when it was read back): an
-- older state never replaces a newer one, whatever order events arrive in.
CREATE TABLE subscriptions (
    id                   TEXT PRIMARY KEY,
    member_id            INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    customer_id          TEXT NOT NULL,
    price_id             TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL,
    started_at           INTEGER,
    period_start         INTEGER,
    period_end           INTEGER,
    cancel_at_period_end INTEGER NOT NULL DEFAULT 0,
    canceled_at          INTEGER,
    ended_at             INTEGER,
    payment_failed       INTEGER NOT NULL DEFAULT 0,
    last_invoice         TEXT NOT NULL DEFAULT '',
    version              INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX subscriptions_member ON subscriptions (member_id);

-- The entitlement a subscription grants; one per subscription.
ALTER TABLE entitlements ADD COLUMN subscription_id TEXT REFERENCES subscriptions(id) ON DELETE CASCADE;
CREATE UNIQUE INDEX entitlements_subscription ON entitlements (subscription_id);

-- Every webhook event applied, by Stripe's id: a replay finds its row and
-- changes nothing. Written in the transaction of the event's effect.
CREATE TABLE billing_events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    created     INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);

-- A gift of N months for an email address. Paid when its checkout
-- completes, which is when its redeem token (hash) is made and emailed;
-- redeemed once, by the member who follows the link.
CREATE TABLE gift_subscriptions (
    id              INTEGER PRIMARY KEY,
    purchaser_id    INTEGER REFERENCES members(id) ON DELETE SET NULL,
    recipient_email TEXT NOT NULL,
    months          INTEGER NOT NULL CHECK (months IN (1, 3, 6, 12)),
    token_hash      BLOB UNIQUE,
    session_id      TEXT UNIQUE,
    created_at      INTEGER NOT NULL,
    paid_at         INTEGER,
    redeemed_at     INTEGER,
    redeemed_by     INTEGER REFERENCES members(id) ON DELETE SET NULL,
    entitlement_id  INTEGER
);
