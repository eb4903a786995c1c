-- PostgreSQL stores each article's word pairs for phrases in a column
-- here; SQLite has no pairs (0016).
SELECT 1;
