-- Pruning walks expired sessions and sign-in tokens by these indexes.
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX signin_tokens_expires ON signin_tokens (expires_at);
