-- The content changes: each raise of content_version with the keys of
-- what it changed (masthead.ContentChange), so that every instance drops
-- from its page cache only the pages carrying those keys. The keys are
-- space-separated; "site" stands for everything. Only the newest
-- changes are kept (store.keptChanges): an instance further behind drops
-- everything.
CREATE TABLE content_changes (
    version    BIGINT PRIMARY KEY,
    keys       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
