-- A lease names a piece of work that one instance at a time may do (the
-- periodic jobs' leader). The holder renews it before held_until; once that
-- passes, or the holder releases it (held_until = 0), any instance may take
-- it. token rises each time the lease changes hands, so work stamped with an
-- older token can be recognised as coming from a deposed holder.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    held_until BIGINT NOT NULL,
    token      BIGINT NOT NULL
);
