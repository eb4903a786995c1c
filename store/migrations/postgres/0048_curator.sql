-- The personal curator (docs/curator.md): what a reader follows, the
-- articles they saved and read, the index that lists a follow's
-- articles newest first, and the alerts' queue and per-reader matches.

-- A follow of a topic, region, column or author (target_id is that row's
-- id), with its alert: none, an email when an article goes live
-- (instant), or the daily digest.
CREATE TABLE follows (
    member_id  BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('topic', 'region', 'column', 'author')),
    target_id  BIGINT NOT NULL,
    alert      TEXT NOT NULL DEFAULT 'off' CHECK (alert IN ('off', 'instant', 'daily')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, kind, target_id)
);
-- An alert finds the followers of an article's topics, regions, column
-- and authors through this index.
CREATE INDEX follows_target ON follows (kind, target_id, alert, member_id);

-- Which topic, region, column and author each article that is not a
-- draft belongs to, with its publication time: the For-you page reads
-- each follow's newest articles from one range of this index and stops
-- at its LIMIT, whatever the size of the library. Kept by the store with
-- every write of an article or of its taxonomy.
CREATE TABLE article_memberships (
    kind         TEXT NOT NULL,
    target_id    BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    article_id   BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (kind, target_id, published_at, article_id)
);
CREATE INDEX article_memberships_article ON article_memberships (article_id);

INSERT INTO article_memberships (kind, target_id, published_at, article_id)
SELECT 'topic', x.topic_id, a.published_at, a.id FROM article_topics x JOIN articles a ON a.id = x.article_id
WHERE a.status <> 'draft' AND a.published_at IS NOT NULL
UNION SELECT 'region', x.region_id, a.published_at, a.id FROM article_regions x JOIN articles a ON a.id = x.article_id
WHERE a.status <> 'draft' AND a.published_at IS NOT NULL
UNION SELECT 'author', x.author_id, a.published_at, a.id FROM article_authors x JOIN articles a ON a.id = x.article_id
WHERE a.status <> 'draft' AND a.published_at IS NOT NULL
UNION SELECT 'column', a.column_id, a.published_at, a.id FROM articles a
WHERE a.column_id IS NOT NULL AND a.status <> 'draft' AND a.published_at IS NOT NULL;

-- Articles a reader saved for later. Saving unlocks nothing.
CREATE TABLE saved_articles (
    member_id  BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    saved_at   BIGINT NOT NULL,
    PRIMARY KEY (member_id, article_id)
);
CREATE INDEX saved_articles_recent ON saved_articles (member_id, saved_at DESC);

-- What a signed-in reader opened, newest first; one row an article.
CREATE TABLE reading_history (
    member_id  BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    read_at    BIGINT NOT NULL,
    PRIMARY KEY (member_id, article_id)
);
CREATE INDEX reading_history_recent ON reading_history (member_id, read_at DESC);

-- A reader's curator settings: history paused, and when the topic picker
-- was offered (once, after registering).
CREATE TABLE curator_settings (
    member_id       BIGINT PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    history_paused  BOOLEAN NOT NULL DEFAULT FALSE,
    picker_shown_at BIGINT
);

-- Articles gone live that alerts have still to tell: the instant alert
-- and the daily digest each take them once (their issue's id).
CREATE TABLE alert_queue (
    article_id    BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    live_at       BIGINT NOT NULL,
    instant_issue BIGINT,
    daily_issue   BIGINT
);

-- What an alert issue tells each reader (which of its articles, through
-- which follows), written when the issue is composed and copied to the
-- reader's delivery when the send starts.
CREATE TABLE alert_matches (
    issue_id  BIGINT NOT NULL REFERENCES newsletter_issues(id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    matches   TEXT NOT NULL,
    PRIMARY KEY (issue_id, member_id)
);
ALTER TABLE newsletter_deliveries ADD COLUMN matches TEXT NOT NULL DEFAULT '';

-- The alerts go through the newsletter engine as issues of their own
-- newsletter, which is never composed on a schedule (enabled is false),
-- listed in the archive or offered among the newsletters: a reader
-- chooses alerts per follow, and unsubscribes from all of them here.
INSERT INTO newsletters (slug, name, description, audience, schedule, from_name, default_on, draft_lead_s, cutoff_s, enabled, created_at, updated_at) VALUES
  ('alerts', 'Alerts', 'New articles in what you follow.', 'registered', 'mon 00:00', '', FALSE, 0, 86400, FALSE, 0, 0);
