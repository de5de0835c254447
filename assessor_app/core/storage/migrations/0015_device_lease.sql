-- Schema 15: governing devices (issue 15). The lease the gateway sets: its key (which IT's
-- unlock codes are checked by, offline) and length in days, both given at enrolment (NULL for
-- a laptop enrolled before leases: it has no lease and never locks for one); the last
-- successful contact with the gateway; the largest time this laptop's clock has shown
-- (decision 0009: a clock set back never buys more days); until when an unlock code opened
-- it; and the wrong codes typed in a row, for the lockout.
CREATE TABLE sync_lease (
    one               INTEGER PRIMARY KEY CHECK (one = 1),
    lease_key         BLOB,
    lease_days        INTEGER,
    last_contact_at   TEXT,
    highest_seen_at   TEXT,
    unlocked_until    TEXT,
    wrong_codes       INTEGER NOT NULL DEFAULT 0,
    last_wrong_at     TEXT
);
