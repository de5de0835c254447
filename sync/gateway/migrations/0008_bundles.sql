-- Gateway schema 8: the newest sync bundle imported from each device (sync bundles, issue 16).
-- A bundle whose sequence is not above the one kept here was imported already, or is older
-- than one that was, and changes nothing.
CREATE TABLE bundle_import (
    device_id    TEXT PRIMARY KEY REFERENCES device (id),
    sequence     INTEGER NOT NULL,
    bundle_id    TEXT NOT NULL,
    imported_at  TEXT NOT NULL
);
