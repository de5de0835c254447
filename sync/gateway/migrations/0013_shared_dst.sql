-- Gateway schema 13: the shared DST (issue 15; decision 0012). Each laptop's contribution-
-- signing public key (Ed25519, raw, base64), sent in its enrolment request and kept with the
-- device, so the gateway knows who signs with which key; NULL for a laptop enrolled before
-- this schema (its contributions are refused until it enrols again). An assessor's
-- organisation (an NHS nurse's trust), shown beside their name. Who is invited to which DST
-- (a record id), and the signed contributions received: one row per revision of a
-- contribution, named by the digest of the signed payload, so one sent twice is kept once.
ALTER TABLE device ADD COLUMN contribution_key TEXT;
ALTER TABLE assessor ADD COLUMN organisation TEXT NOT NULL DEFAULT '';
CREATE TABLE dst_invitation (
    record_id    TEXT NOT NULL,
    assessor_id  TEXT NOT NULL REFERENCES assessor (id),
    invited_at   TEXT NOT NULL,
    PRIMARY KEY (record_id, assessor_id)
);
CREATE INDEX dst_invitation_assessor ON dst_invitation (assessor_id);
CREATE TABLE dst_contribution (
    digest           TEXT PRIMARY KEY,
    record_id        TEXT NOT NULL,
    contribution_id  TEXT NOT NULL,
    revision         INTEGER NOT NULL,
    assessor_id      TEXT NOT NULL REFERENCES assessor (id),
    device_id        TEXT NOT NULL,
    payload          TEXT NOT NULL,
    received_at      TEXT NOT NULL
);
CREATE INDEX dst_contribution_record ON dst_contribution (record_id, contribution_id);
