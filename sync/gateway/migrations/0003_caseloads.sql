-- Gateway schema 3: whose caseload each person is on. A laptop may submit only for people on
-- its assessor's caseload; a person first sent by an assessor (made on their laptop) joins
-- that assessor's caseload; IT moves a person with `assessor-gateway allocate`.
CREATE TABLE allocation (
    person_id     TEXT PRIMARY KEY,
    assessor_id   TEXT NOT NULL REFERENCES assessor (id),
    allocated_at  TEXT NOT NULL
);
