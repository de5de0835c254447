-- Schema 18: the shared DST (issue 15; decision 0012). A DST this laptop holds because its
-- assessor was invited to the MDT (an NHS nurse): the record and its person came from the
-- gateway's DST pull, carry the owner's ids, and are kept here only to contribute. Their
-- revisions are this laptop's own working copy and are never queued for the gateway (the
-- owner's laptop holds the record); the member's own contributions go to the gateway signed,
-- through the DST exchange. A DST this laptop owns is not listed here.
-- (`core.storage.shared_dst`)
CREATE TABLE shared_dst (
    record_id    TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL,
    owner_name   TEXT NOT NULL DEFAULT '',
    -- 1 when the person came with the DST (not on this laptop's own caseload): their
    -- revisions are not queued either.
    brought_person INTEGER NOT NULL DEFAULT 1,
    received_at  TEXT NOT NULL
);
CREATE INDEX shared_dst_person ON shared_dst (person_id);
