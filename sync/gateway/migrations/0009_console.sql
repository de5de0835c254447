-- Gateway schema 9: the web console's accounts, their sessions, and the audit log.
-- A password is kept only as its Argon2id hash. Five wrong passwords in a row lock the account
-- for 15 minutes (locked_until); the count goes back to 0 at a right one.
CREATE TABLE console_account (
    username         TEXT PRIMARY KEY,
    role             TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT,
    created_at       TEXT NOT NULL,
    password_set_at  TEXT NOT NULL
);
-- A session is kept only as the SHA-256 of its random token (the cookie holds the token): a
-- copy of this table signs nobody in. Several gateway processes share it.
CREATE TABLE console_session (
    token_hash  TEXT PRIMARY KEY,
    username    TEXT NOT NULL REFERENCES console_account (username),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX console_session_user ON console_session (username);
-- Who did what, from the console and the command line; never changed or deleted by either.
CREATE TABLE audit_log (
    id        TEXT PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
