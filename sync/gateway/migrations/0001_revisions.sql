-- Gateway schema 1: the revisions laptops have pushed, each kept once, named by its hash.
-- Portable SQL: the same file runs on PostgreSQL and on SQLite (the embedded default).
CREATE TABLE revision (
    hash         TEXT PRIMARY KEY,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    prev_hash    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    author       TEXT NOT NULL,
    body         TEXT NOT NULL,
    device       TEXT NOT NULL,
    received_at  TEXT NOT NULL
);
-- A record's chain in order; more than one row at one seq is a fork (decision 0004).
CREATE INDEX revision_chain ON revision (entity_type, entity_id, seq);
