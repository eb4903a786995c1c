-- A number every change of what a reader follows, saved or read raises,
-- in the transaction of the change (docs/curator.md). The session's
-- one-query lookup reads it with the member, so a For-you page kept by
-- an instance is served until the reader's own state changes, on any
-- instance, rather than rendered again every few seconds.
ALTER TABLE members ADD COLUMN curator_version BIGINT NOT NULL DEFAULT 0;
