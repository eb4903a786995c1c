-- An article's history: one row per write that changed what readers or
-- staff rely on (status, access, bylines, title, slug …), appended in the
-- transaction of the write and never changed. changes is a JSON list of
-- {"field","from","to"}. The actor is the staff member who acted, NULL
-- when none did (an import, the scheduler); via says through what.
CREATE TABLE article_history (
    id              INTEGER PRIMARY KEY,
    article_id      INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    actor_member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    via             TEXT NOT NULL DEFAULT '',
    changes         TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
-- The editor reads an article's newest entries first.
CREATE INDEX article_history_article ON article_history (article_id, id DESC);
