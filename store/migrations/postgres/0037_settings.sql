-- Settings staff change at /admin/settings, read by every instance: one
-- row a key, the value a JSON document (masthead.SiteSettings under
-- "site", masthead.HomeLayout under "home"). A key without a row is not
-- set, and the flag or environment value applies (docs/operations.md).
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT REFERENCES members(id) ON DELETE SET NULL
);
