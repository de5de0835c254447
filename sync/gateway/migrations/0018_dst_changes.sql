-- Gateway schema 18: the shared DST's change log, which incremental DST pulls read (issue 15;
-- decisions 0008 and 0012). One row per change to what a DST's members' laptops should hold:
-- a contribution revision received ('contribution', its digest in `digest`; for every member
-- of the DST), an assessor invited ('invited') or their invitation withdrawn ('withdrawn'),
-- and a person with shared DSTs moved to a new holder ('owner'), each of those three for the
-- assessor in `assessor_id`. `seq` is numbered as `caseload_change.seq` is, under the same
-- lock held until the writing transaction commits, so a laptop that has read up to n never
-- misses a change numbered below n that commits later.
CREATE TABLE dst_change (
    seq          BIGINT PRIMARY KEY,
    record_id    TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('contribution', 'invited', 'withdrawn', 'owner')),
    assessor_id  TEXT NOT NULL DEFAULT '',
    digest       TEXT NOT NULL DEFAULT '',
    changed_at   TEXT NOT NULL
);
CREATE INDEX dst_change_by_assessor ON dst_change (assessor_id, seq);
CREATE INDEX dst_change_by_record ON dst_change (record_id, seq);

-- What was shared before this schema is in the log from the start: a laptop's first pull
-- with a cursor (0) brings it all, as a pull without one does.
INSERT INTO dst_change (seq, record_id, kind, assessor_id, digest, changed_at)
SELECT ROW_NUMBER() OVER (ORDER BY stamp, kind, record_id, assessor_id, digest),
       record_id, kind, assessor_id, digest, stamp
FROM (
    SELECT record_id, 'contribution' AS kind, '' AS assessor_id, digest,
           received_at AS stamp
    FROM dst_contribution
    UNION ALL
    SELECT record_id, 'invited', assessor_id, '', invited_at
    FROM dst_invitation WHERE withdrawn_at IS NULL
    UNION ALL
    SELECT record_id, 'withdrawn', assessor_id, '', withdrawn_at
    FROM dst_invitation WHERE withdrawn_at IS NOT NULL
) AS shared;
