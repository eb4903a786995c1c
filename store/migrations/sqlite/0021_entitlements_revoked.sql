-- An entitlement ended for good, by staff (a grant ended, a seat cut
-- when an institution's limit was lowered) or by the member deleting
-- their account. The institution's dates never reopen a revoked grant,
-- and the member at its domain is not granted again at the next sign-in.
ALTER TABLE entitlements ADD COLUMN revoked_at INTEGER;
