-- schema 16: reference data from the authority (issue 15). The
-- authority's publishing key, given at enrolment (NULL for a laptop enrolled before gateways
-- had one: it refuses every package until it enrols again), and every package this profile
-- accepted, kept whole exactly as signed, so it can be checked again before each use. A
-- package is never replaced or deleted: a completed record keeps the rates table it used and
-- a draft the form version it is on.
ALTER TABLE sync_enrolment ADD COLUMN publishing_public_key TEXT;
CREATE TABLE reference_package (
    kind         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    published    TEXT NOT NULL,
    description  TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    accepted_at  TEXT NOT NULL,
    PRIMARY KEY (kind, version)
);
