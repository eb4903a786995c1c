-- PostgreSQL's search lexemes are made in Go from here on, and a
-- library indexed before is rebuilt once; SQLite's FTS5 makes its own.
SELECT 1;
