-- Gateway schema 16: the files the web console's Bundles page writes for IT to take to a
-- laptop (issue 16): the receipt of a bundle imported there, and an inbound bundle written
-- there. Kept so the download link works from any gateway process and after the page that
-- made it; kept for 7 days, then deleted when the next file is written (a receipt lost after
-- that is written again by importing the same bundle again, which changes nothing else).
-- Nothing in one is readable without the laptop's own key, or it only acknowledges hashes.
-- Portable: BYTEA is PostgreSQL's bytes type; SQLite keeps a BLOB under any column type.
CREATE TABLE console_bundle_file (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    device_id   TEXT NOT NULL REFERENCES device (id),
    filename    TEXT NOT NULL,
    summary     TEXT NOT NULL,
    made_at     TEXT NOT NULL,
    made_by     TEXT NOT NULL,
    content     BYTEA NOT NULL
);
CREATE INDEX console_bundle_file_made ON console_bundle_file (made_at);
