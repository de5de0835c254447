-- Gateway schema 2: assessors, their laptops, and the one-time codes that enrol a laptop.
CREATE TABLE assessor (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
-- A code is shown to IT once and kept only as its SHA-256: a copy of this table enrols nobody.
CREATE TABLE enrolment_code (
    code_hash    TEXT PRIMARY KEY,
    assessor_id  TEXT NOT NULL REFERENCES assessor (id),
    issued_at    TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    device_id    TEXT
);
CREATE TABLE device (
    id            TEXT PRIMARY KEY,
    assessor_id   TEXT NOT NULL REFERENCES assessor (id),
    cert_serial   TEXT NOT NULL UNIQUE,
    enrolled_at   TEXT NOT NULL,
    last_seen_at  TEXT,
    revoked_at    TEXT
);
