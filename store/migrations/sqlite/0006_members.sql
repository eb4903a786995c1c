-- Members: a member's history, complimentary grants with who gave them,
-- and institutions (networks and email domains that grant All-Access).

-- A member's history: grants, ends, refusals, subscription changes. The
-- actor is the staff member who acted, NULL when the system did.
CREATE TABLE member_events (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT '',
    actor_member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL
);
-- A member's page reads the newest events first.
CREATE INDEX member_events_member ON member_events (member_id, created_at DESC, id DESC);

-- An organisation whose readers get All-Access: everyone on its networks,
-- and members who verify an address at one of its domains, from starts_at
-- until ends_at (NULL: no end). seat_limit NULL means no limit; it bounds
-- the members granted through a domain, never the readers on a network.
-- seats_refused counts the grants refused because the limit was reached.
CREATE TABLE institutions (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    seat_limit      INTEGER,
    starts_at       INTEGER NOT NULL,
    ends_at         INTEGER,
    note            TEXT NOT NULL DEFAULT '',
    seats_refused   INTEGER NOT NULL DEFAULT 0,
    last_refused_at INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

-- One CIDR range, stored in canonical form (masked). Overlaps are refused
-- by the store, within and across institutions.
CREATE TABLE institution_ranges (
    id             INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES institutions(id) ON DELETE CASCADE,
    cidr           TEXT NOT NULL UNIQUE
);
CREATE INDEX institution_ranges_institution ON institution_ranges (institution_id);

-- One email domain, lower case; a domain belongs to one institution.
CREATE TABLE institution_domains (
    id             INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES institutions(id) ON DELETE CASCADE,
    domain         TEXT NOT NULL UNIQUE
);
CREATE INDEX institution_domains_institution ON institution_domains (institution_id);

-- Raised with every change to institutions: each instance polls it and
-- reloads its in-memory network table when it moves. On PostgreSQL the
-- row's lock also serialises institution writes, so two staff members
-- cannot add overlapping ranges at once.
CREATE TABLE institutions_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO institutions_version (id, version) VALUES (1, 0);

-- SQLite cannot change a CHECK constraint in place: the entitlements
-- table is rebuilt with 'institution' allowed, keeping every row (ids
-- included) and its index. Nothing references entitlements, so the drop
-- is safe with foreign keys on. New columns: the institution a grant came
-- through, the staff member who granted it, when it was recorded, and who
-- ended it early.
CREATE TABLE entitlements_new (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    source         TEXT NOT NULL CHECK (source IN ('stripe', 'complimentary', 'gift', 'demo', 'institution')),
    starts_at      INTEGER NOT NULL,
    ends_at        INTEGER,
    note           TEXT NOT NULL DEFAULT '',
    institution_id INTEGER REFERENCES institutions(id) ON DELETE CASCADE,
    granted_by     INTEGER REFERENCES members(id) ON DELETE SET NULL,
    ended_by       INTEGER REFERENCES members(id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO entitlements_new (id, member_id, source, starts_at, ends_at, note, created_at)
    SELECT id, member_id, source, starts_at, ends_at, note, starts_at FROM entitlements;
DROP TABLE entitlements;
ALTER TABLE entitlements_new RENAME TO entitlements;
CREATE INDEX entitlements_member ON entitlements (member_id, starts_at);
-- The staff member list filters by source among current grants.
CREATE INDEX entitlements_source ON entitlements (source, ends_at, member_id);
-- … and the lapsed, from the entitlements that ended.
CREATE INDEX entitlements_ended ON entitlements (ends_at, member_id);
-- Seats: the current grants of an institution; one grant per member.
CREATE UNIQUE INDEX entitlements_institution_member ON entitlements (institution_id, member_id);

-- The staff member search matches the start of an address or of a name,
-- case-insensitively. SQLite's LIKE folds ASCII case, and its LIKE
-- optimisation walks an index only when that index uses NOCASE.
CREATE INDEX members_email_prefix ON members (email COLLATE NOCASE);
CREATE INDEX members_name_prefix ON members (name COLLATE NOCASE);
