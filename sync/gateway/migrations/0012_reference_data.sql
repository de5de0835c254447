-- Gateway schema 12: reference data the authority publishes (issue 15): forms, rates tables,
-- branding and leaflets. Each package is kept whole, exactly as signed (`sync.reference`), by
-- its kind and version; versions count up per kind and a published one is never changed.
-- Portable: BYTEA is PostgreSQL's bytes type; SQLite keeps a BLOB under any column type.
CREATE TABLE reference_package (
    kind          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    published_at  TEXT NOT NULL,
    description   TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    content       BYTEA NOT NULL,
    PRIMARY KEY (kind, version)
);
-- The newest version of each kind each device said it holds, at its last reference request:
-- which laptops have picked a change up.
CREATE TABLE reference_device (
    device_id  TEXT NOT NULL REFERENCES device (id),
    kind       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    seen_at    TEXT NOT NULL,
    PRIMARY KEY (device_id, kind)
);
