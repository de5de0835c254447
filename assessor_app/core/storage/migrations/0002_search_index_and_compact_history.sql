-- Schema 2, measured on a 20,000-person, 200,000-revision caseload (bench/):
-- 1. Search-as-you-type scanned the wide person table in name order (p95 154 ms). An index
--    holding the sort keys and the search text lets SQLite filter on the index alone.
-- 2. WITHOUT ROWID revision rows of about 1 KB spilled into mostly-empty overflow pages
--    (4.4 MiB per 1,000 revisions). An ordinary rowid table stores them densely.

DROP INDEX person_by_name;
CREATE INDEX person_search ON person (
    family_name COLLATE NOCASE, given_name COLLATE NOCASE, search_text
);

CREATE TABLE revision_compact (
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    UNIQUE (entity_type, entity_id, seq)
);
INSERT INTO revision_compact
    SELECT entity_type, entity_id, seq, created_at, author, body, prev_hash, hash
    FROM revision ORDER BY entity_type, entity_id, seq;
DROP TRIGGER revision_append_only_update;
DROP TRIGGER revision_append_only_delete;
DROP TABLE revision;
ALTER TABLE revision_compact RENAME TO revision;
CREATE TRIGGER revision_append_only_update BEFORE UPDATE ON revision
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER revision_append_only_delete BEFORE DELETE ON revision
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
