-- Reading history is written in batches, seconds after the page was
-- served (docs/curator.md). history_from is when the member last cleared
-- or resumed their history (microseconds): a read from before it, still
-- waiting in a batch, is not written.
ALTER TABLE curator_settings ADD COLUMN history_from BIGINT NOT NULL DEFAULT 0;
