-- The durable queue. A job is written in the transaction of the change
-- that causes it. A worker's claim sets state 'running' and pushes run_at
-- to the end of its lease (locked_until), so one index finds both the
-- pending jobs that are due and the running ones whose worker died.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    dedupe_key   TEXT NOT NULL DEFAULT '',
    payload      TEXT NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       BIGINT NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    locked_by    TEXT NOT NULL DEFAULT '',
    locked_until BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
-- The claim: due jobs, oldest first.
CREATE INDEX jobs_due ON jobs (state, run_at);
-- A key is unique among the jobs of its kind still to run.
CREATE UNIQUE INDEX jobs_dedupe ON jobs (kind, dedupe_key)
    WHERE dedupe_key <> '' AND state IN ('pending', 'running');
