-- Outgoing webhooks. An endpoint subscribes to event types; events is
-- stored as ",type,type," so one LIKE finds the endpoints of a type.
CREATE TABLE webhook_endpoints (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    events      TEXT NOT NULL,
    secret      TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL
);

-- The outbox: one row per event, written in the transaction of the change
-- that caused it, and only while some active endpoint subscribes to it.
CREATE TABLE webhook_events (
    id         INTEGER PRIMARY KEY,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One delivery per (event, endpoint). A pending delivery is due at next_at;
-- claiming it pushes next_at ahead by a lease, so a worker that dies
-- mid-send leaves it to be tried again. tries counts the attempts since it
-- was created or redelivered (the backoff step); attempts counts them all.
CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY,
    event_id    BIGINT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status      TEXT NOT NULL DEFAULT 'pending',
    tries       INTEGER NOT NULL DEFAULT 0,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     BIGINT NOT NULL,
    last_code   INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (event_id, endpoint_id)
);
-- The worker's claim: due pending deliveries, oldest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_at);
-- The delivery log of an endpoint, newest first.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

-- Every attempt of a delivery, kept for the log.
CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    code        INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    duration_us BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
