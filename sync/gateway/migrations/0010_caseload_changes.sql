-- Gateway schema 10: the caseload change log that pulls read (decision 0008).
-- One row per change to what an assessor's laptops should hold: a chain (a person's, or one
-- of their records') that a push carried on, a person allocated to the assessor ('added'),
-- or moved away from them ('removed'). `seq` is handed out under a lock held until the
-- writing transaction commits (a PostgreSQL advisory lock; SQLite's write lock), so numbers
-- become visible in order: a laptop that has read up to n never misses a change numbered
-- below n that commits later. `device` is the device whose push made a 'revision' change
-- (its own pull leaves it out: it holds those revisions already).
CREATE TABLE caseload_change (
    seq          BIGINT PRIMARY KEY,
    assessor_id  TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('added', 'removed', 'revision')),
    entity_type  TEXT NOT NULL DEFAULT '',
    entity_id    TEXT NOT NULL DEFAULT '',
    device       TEXT NOT NULL DEFAULT '',
    changed_at   TEXT NOT NULL
);
CREATE INDEX caseload_change_by_assessor ON caseload_change (assessor_id, seq);

-- Each record's person, as its first revision names it: a pull gives a person's records
-- without reading every record the gateway holds. Filled by each push; the records held
-- before this schema are filled in by the gateway when it applies it.
CREATE TABLE record_person (
    record_id  TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL
);
CREATE INDEX record_person_by_person ON record_person (person_id);

-- Whoever is on a caseload already is on it from the first change: a laptop's first pull
-- brings them all.
INSERT INTO caseload_change (seq, assessor_id, person_id, kind, changed_at)
SELECT ROW_NUMBER() OVER (ORDER BY allocated_at, person_id), assessor_id, person_id, 'added',
       allocated_at
FROM allocation;
