-- Gateway schema 14: the way down by file (issue 16, decision 0011). Each laptop's own X25519
-- public key (base64), sent in its enrolment request, which inbound bundles and enrolment
-- answers are encrypted to (NULL for a laptop enrolled before: it enrols again to get files);
-- and, per laptop, the number of the last inbound bundle written for it and the caseload
-- cursor that bundle ended at (the next starts there), and what the laptop's own latest
-- outbound bundle said it had taken: the newest inbound number and its cursor (so a lost
-- inbound bundle is made good by the next without IT doing anything; NULL: not told yet).
ALTER TABLE device ADD COLUMN inbound_key TEXT;
CREATE TABLE inbound_bundle (
    device_id          TEXT PRIMARY KEY REFERENCES device (id),
    sequence           INTEGER NOT NULL,
    cursor             INTEGER NOT NULL,
    written_at         TEXT,
    confirmed_sequence INTEGER,
    confirmed_cursor   INTEGER
);
