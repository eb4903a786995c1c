-- PostgreSQL adds an index of neighbouring words for phrases here; FTS5
-- checks phrases from its own positional index.
SELECT 1;
