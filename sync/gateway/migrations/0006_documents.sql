-- Gateway schema 6: signed PDFs, uploaded in chunks after the record revision they were
-- signed for. A document row is made by the offer; its chunks arrive in order, each at the
-- offset `received` says, and `received` moves on in the same transaction as the chunk is
-- kept (compare-and-set: a chunk two processes take at once is kept by one of them). The
-- last chunk is checked with the others against `size` and `sha256`; `completed_at` is set
-- only when the whole matches. Everything is in the database, so any gateway process can
-- take the next chunk of an upload another one started.
-- Portable: BYTEA is PostgreSQL's bytes type; SQLite keeps a BLOB under any column type.
CREATE TABLE document (
    id             TEXT PRIMARY KEY,
    record_id      TEXT NOT NULL,
    revision_hash  TEXT NOT NULL REFERENCES revision (hash),
    kind           TEXT NOT NULL,
    variant        TEXT NOT NULL,
    filename       TEXT NOT NULL,
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    assessor_id    TEXT NOT NULL REFERENCES assessor (id),
    device         TEXT NOT NULL,
    offered_at     TEXT NOT NULL,
    received       INTEGER NOT NULL DEFAULT 0,
    completed_at   TEXT
);
CREATE INDEX document_by_record ON document (record_id);
CREATE TABLE document_chunk (
    document_id  TEXT NOT NULL REFERENCES document (id),
    at_offset    INTEGER NOT NULL,
    data         BYTEA NOT NULL,
    PRIMARY KEY (document_id, at_offset)
);
-- What each adapter has handed on of the documents, as `delivery` is for revisions.
CREATE TABLE document_delivery (
    adapter       TEXT NOT NULL,
    document_id   TEXT NOT NULL REFERENCES document (id),
    delivered_at  TEXT NOT NULL,
    PRIMARY KEY (adapter, document_id)
);
