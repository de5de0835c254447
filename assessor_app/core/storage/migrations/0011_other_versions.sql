-- Schema 11: other versions of this laptop's records, as the gateway holds them.
--
-- When another laptop of the same assessor (or a restored copy of this one) carried a record
-- on from the same point, the gateway keeps both versions (decision 0004). This laptop fetches
-- the other version's newest revision after the sync that reported it, and keeps it here, so
-- the assessor can compare and choose later, offline. A row is the other version's newest
-- revision, whole, exactly as the gateway sent it (its hash was checked against its fields).
-- `mine_hash` is this laptop's newest revision of the record when it was fetched. Rows are
-- never removed: a choice sets `settled_at` and `settled_by` (the revision that made it).
CREATE TABLE other_version (
    revision_hash TEXT PRIMARY KEY,
    record_id     TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    author        TEXT NOT NULL,
    body          TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    mine_hash     TEXT NOT NULL,
    fetched_at    TEXT NOT NULL,
    settled_at    TEXT,
    settled_by    TEXT
);
CREATE INDEX other_version_open ON other_version (record_id) WHERE settled_at IS NULL;

-- Records the gateway said it holds another version of, whose versions are still to be
-- fetched: written with the push's answer, removed once the gateway has answered for them,
-- so a fetch that fails (the network went) is tried again at the next sync.
CREATE TABLE other_version_due (
    record_id   TEXT PRIMARY KEY,
    reported_at TEXT NOT NULL
);
