-- SQLite adds a stemmed index of titles and deks here; PostgreSQL already
-- ranks large result sets on its small title-and-dek vector (0004).
SELECT 1;
