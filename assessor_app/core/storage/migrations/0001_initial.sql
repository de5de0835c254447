-- Schema 1: profile, people, assessment records, hash-chained revisions and audit,
-- the autosave journal, and sync bookkeeping (usn counters, outbox, tombstones).

CREATE TABLE profile (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    authority   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Every save of a person or an assessment appends here; nothing is updated in place.
CREATE TABLE revision (
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    PRIMARY KEY (entity_type, entity_id, seq)
) WITHOUT ROWID;

CREATE TRIGGER revision_append_only_update BEFORE UPDATE ON revision
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER revision_append_only_delete BEFORE DELETE ON revision
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;

-- Current state of each person: a projection of their latest revision, for lists and search.
CREATE TABLE person (
    id           TEXT PRIMARY KEY,
    family_name  TEXT NOT NULL,
    given_name   TEXT NOT NULL,
    search_text  TEXT NOT NULL,
    body         TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    updated_at   TEXT NOT NULL,
    usn          INTEGER NOT NULL DEFAULT -1
);
CREATE INDEX person_by_name ON person (family_name COLLATE NOCASE, given_name COLLATE NOCASE);

-- Current state of each assessment record: a projection of its latest revision.
CREATE TABLE assessment (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES person (id),
    form_id        TEXT NOT NULL,
    form_version   INTEGER NOT NULL,
    status         TEXT NOT NULL,
    author         TEXT NOT NULL,
    answers        TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    revision_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    usn            INTEGER NOT NULL DEFAULT -1
);
CREATE INDEX assessment_by_person ON assessment (person_id);

-- Field-level autosave: each keystroke batch lands here at once, durably; a checkpoint
-- folds the batch into one revision, so a long narrative makes one revision, not thousands.
CREATE TABLE autosave_journal (
    id             INTEGER PRIMARY KEY,
    assessment_id  TEXT NOT NULL,
    path           TEXT NOT NULL,
    value          TEXT NOT NULL,
    saved_at       TEXT NOT NULL
);
CREATE INDEX autosave_by_assessment ON autosave_journal (assessment_id, id);

CREATE TABLE audit (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Sync fills these (issue: sync). Present from the first schema so no upgrade is needed.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    entity_type    TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    revision_hash  TEXT NOT NULL,
    queued_at      TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'queued',
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT
);
CREATE TABLE tombstone (
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    deleted_at   TEXT NOT NULL,
    usn          INTEGER NOT NULL DEFAULT -1,
    PRIMARY KEY (entity_type, entity_id)
);
