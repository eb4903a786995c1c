-- Addresses of the site a publication moved from (Ghost, WordPress), kept
-- so old links and search results land on the new pages with a 301. An
-- article redirect names the article, so it follows later slug changes;
-- others name a site path. The key is masthead.LegacyPath's form.
CREATE TABLE legacy_redirects (
    path       TEXT PRIMARY KEY,
    article_id INTEGER REFERENCES articles(id) ON DELETE CASCADE,
    target     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX legacy_redirects_article ON legacy_redirects (article_id);
