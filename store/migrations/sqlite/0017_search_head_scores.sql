-- PostgreSQL reads the matches in title and dek with their ranks in one
-- pass here; SQLite ranks them only when relevance asks (store/search.go).
SELECT 1;
