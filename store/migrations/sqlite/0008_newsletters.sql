-- Newsletters: the lists, their issues, one delivery per (issue, member)
-- that is both the durable send queue and the send log, and the addresses
-- no newsletter goes to. Members' choices are the newest row per
-- (member, newsletter slug) in newsletter_consents (0003).

CREATE TABLE newsletters (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    audience     TEXT NOT NULL CHECK (audience IN ('subscribers', 'registered')),
    -- "mon-fri 06:00" in the publication's time zone.
    schedule     TEXT NOT NULL,
    -- An empty address sends as the site's configured sender.
    from_name    TEXT NOT NULL DEFAULT '',
    from_address TEXT NOT NULL DEFAULT '',
    reply_to     TEXT NOT NULL DEFAULT '',
    default_on   BOOLEAN NOT NULL DEFAULT FALSE,
    -- html/template source; empty is the built-in template.
    template     TEXT NOT NULL DEFAULT '',
    draft_lead_s INTEGER NOT NULL,
    cutoff_s     INTEGER NOT NULL,
    enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

INSERT INTO newsletters (slug, name, description, audience, schedule, from_name, default_on, draft_lead_s, cutoff_s, created_at, updated_at) VALUES
  ('daily', 'The Daily Review', 'Our take on the day''s most important news, the latest analysis, and what''s on our radar.',
   'subscribers', 'mon,tue,wed,thu,fri 06:00', '', TRUE, 7200, 10800, 0, 0),
  ('weekly', 'The Weekly Review', 'Quick summaries of the week''s most important coverage, and what''s to come.',
   'subscribers', 'fri 14:00', '', TRUE, 14400, 43200, 0, 0),
  ('free', 'The free newsletter', 'A weekly selection of our journalism, free for registered readers.',
   'registered', 'tue 10:00', '', FALSE, 14400, 43200, 0, 0);

CREATE TABLE newsletter_issues (
    id            INTEGER PRIMARY KEY,
    newsletter_id INTEGER NOT NULL REFERENCES newsletters(id) ON DELETE CASCADE,
    subject       TEXT NOT NULL,
    editors_note  TEXT NOT NULL DEFAULT '',
    radar         TEXT NOT NULL DEFAULT '',
    -- The article list as JSON (masthead.IssueArticle), as composed or
    -- edited: an issue keeps what it said even if an article changes.
    articles      TEXT NOT NULL DEFAULT '[]',
    window_start  INTEGER NOT NULL,
    window_end    INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled', 'skipped')),
    status_note   TEXT NOT NULL DEFAULT '',
    send_at       INTEGER,
    send_empty    BOOLEAN NOT NULL DEFAULT FALSE,
    -- Random per issue; part of every Message-ID, so a message resent
    -- after a crash carries the same Message-ID as the first copy.
    nonce         TEXT NOT NULL,
    -- The instance sending the issue holds it until lease_until and
    -- renews it; another takes over only after it expires.
    lease_owner   TEXT NOT NULL DEFAULT '',
    lease_until   INTEGER NOT NULL DEFAULT 0,
    -- Delivery counts, kept by the statements that change deliveries,
    -- so progress and lists never count a hundred thousand rows.
    n_total        INTEGER NOT NULL DEFAULT 0,
    n_queued       INTEGER NOT NULL DEFAULT 0,
    n_sent         INTEGER NOT NULL DEFAULT 0,
    n_failed       INTEGER NOT NULL DEFAULT 0,
    n_bounced      INTEGER NOT NULL DEFAULT 0,
    n_suppressed   INTEGER NOT NULL DEFAULT 0,
    n_unsubscribed INTEGER NOT NULL DEFAULT 0,
    started_at    INTEGER,
    finished_at   INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    -- The scheduler composes at most one issue per slot, however many
    -- instances run it.
    UNIQUE (newsletter_id, window_start)
);
CREATE INDEX newsletter_issues_status ON newsletter_issues (status, send_at);
CREATE INDEX newsletter_issues_list ON newsletter_issues (newsletter_id, send_at DESC);

CREATE TABLE newsletter_deliveries (
    issue_id        INTEGER NOT NULL REFERENCES newsletter_issues(id) ON DELETE CASCADE,
    member_id       INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    segment         TEXT NOT NULL CHECK (segment IN ('subscriber', 'registered')),
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'bounced', 'suppressed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    sent_at         INTEGER,
    unsubscribed_at INTEGER,
    PRIMARY KEY (issue_id, member_id)
);
-- The queue: only queued rows, so it shrinks as the send advances.
CREATE INDEX newsletter_deliveries_queued ON newsletter_deliveries (issue_id, member_id) WHERE status = 'queued';
-- A bounce names an address; its newest sent delivery is marked. (No
-- index holds status or sent_at: marking a delivery sent then touches
-- only the queue index, which is what keeps the send's checkpoint cheap.)
CREATE INDEX newsletter_deliveries_email ON newsletter_deliveries (email);

CREATE TABLE newsletter_suppressions (
    email      TEXT PRIMARY KEY,
    reason     TEXT NOT NULL CHECK (reason IN ('bounce', 'complaint', 'failure', 'manual')),
    detail     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX newsletter_suppressions_created ON newsletter_suppressions (created_at DESC);

-- The key of unsubscribe links' HMAC, made once by the first instance to
-- need it and shared by all, so a link works whichever instance answers.
CREATE TABLE newsletter_secret (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL
);
