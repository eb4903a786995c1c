-- Keys of the Content API and tokens of the Admin API. Only the SHA-256
-- of a secret is kept (token_hash); hint is its first characters, shown
-- to staff so they can tell keys apart. role bounds an admin token
-- (editor or admin); scopes is a space-separated list for content keys.
-- A revoked key keeps its row, so the list shows who had access when.
CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('content', 'admin')),
    name       TEXT NOT NULL,
    hint       TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    role       TEXT NOT NULL DEFAULT '' CHECK (role IN ('', 'editor', 'admin')),
    scopes     TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES members(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
