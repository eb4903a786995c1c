-- One registration unlock per mailbox and meter period, across deletion
-- (docs/accounts.md, "Mailboxes"): when the account that used it is
-- deleted, the time of that unlock is kept with the mailbox's spent
-- credits and handed to the next account of the mailbox. 0: none.
ALTER TABLE erased_mailboxes ADD COLUMN registration_unlock_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN carried_registration_at INTEGER NOT NULL DEFAULT 0;
