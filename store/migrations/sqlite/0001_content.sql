-- Times are integers: microseconds since the Unix epoch, UTC, on both
-- engines, so every comparison and ORDER BY is written once
-- (docs/decisions/0002-time-as-integers.md).

CREATE TABLE authors (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    bio  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE columns (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE topics (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE regions (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    dek           TEXT NOT NULL DEFAULT '',
    body_md       TEXT NOT NULL DEFAULT '',
    body_html     TEXT NOT NULL DEFAULT '',
    teaser_html   TEXT NOT NULL DEFAULT '',
    column_id     INTEGER REFERENCES columns(id) ON DELETE SET NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('daily', 'in-depth', 'briefing')),
    access        TEXT NOT NULL DEFAULT 'metered' CHECK (access IN ('free', 'metered', 'subscribers')),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published')),
    image_url     TEXT NOT NULL DEFAULT '',
    image_alt     TEXT NOT NULL DEFAULT '',
    image_caption TEXT NOT NULL DEFAULT '',
    word_count    INTEGER NOT NULL DEFAULT 0,
    published_at  INTEGER,
    updated_at    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);
-- Reader lists walk this index newest first and stop at LIMIT.
CREATE INDEX articles_published ON articles (published_at DESC, id DESC);
CREATE INDEX articles_column ON articles (column_id, published_at DESC);
CREATE INDEX articles_status ON articles (status, published_at);

CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES authors(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author ON article_authors (author_id, article_id);

CREATE TABLE article_topics (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    topic_id   INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, topic_id)
);
CREATE INDEX article_topics_topic ON article_topics (topic_id, article_id);

CREATE TABLE article_regions (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    region_id  INTEGER NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, region_id)
);
CREATE INDEX article_regions_region ON article_regions (region_id, article_id);

-- Retired slugs: a row with an article answers 301 to its current slug, a
-- row without one answers 410 Gone.
CREATE TABLE slug_redirects (
    slug       TEXT PRIMARY KEY,
    article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL
);

CREATE TABLE members (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL DEFAULT '' CHECK (role IN ('', 'author', 'editor', 'admin')),
    author_slug TEXT NOT NULL DEFAULT '',
    verified_at INTEGER,
    created_at  INTEGER NOT NULL
);

CREATE TABLE signin_tokens (
    hash       BLOB PRIMARY KEY,
    email      TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

CREATE TABLE sessions (
    hash       BLOB PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_member ON sessions (member_id);

-- One row whose number every content write raises; page caches on every
-- instance poll it to know when to forget.
CREATE TABLE content_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 1);
