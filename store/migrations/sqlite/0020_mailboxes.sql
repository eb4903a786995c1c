-- One mailbox, one account and one meter: the spellings of an address
-- that reach the same inbox count as one reader, and deleting an account
-- does not refill the meter (docs/accounts.md, "Mailboxes").

-- Keys the server makes once, by name, shared by every instance.
CREATE TABLE server_secrets (
    name   TEXT PRIMARY KEY,
    secret BLOB NOT NULL
);

-- The mailbox the address reaches (masthead.MailboxKey). NULL until the
-- server computes it for members older than this migration (at start);
-- '' once the account is deleted. Not unique: accounts that shared a
-- mailbox before it was counted keep their rows, and the oldest answers
-- for the mailbox.
ALTER TABLE members ADD COLUMN mailbox_key TEXT;
CREATE INDEX members_mailbox_key ON members (mailbox_key, id);

-- Credits that an earlier account of the same mailbox spent in the meter
-- period starting at carried_since, before it was deleted.
ALTER TABLE members ADD COLUMN carried_credits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN carried_since INTEGER NOT NULL DEFAULT 0;

-- What is kept of a deleted account until its meter period ends: an HMAC
-- of its mailbox key under server_secrets 'mailbox', and the credits it
-- spent in the period. Nothing else: no address, no articles.
CREATE TABLE erased_mailboxes (
    key_hash     BLOB PRIMARY KEY,
    period_start INTEGER NOT NULL,
    credits      INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX erased_mailboxes_expires ON erased_mailboxes (expires_at);
