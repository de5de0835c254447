-- Schema 6: the outbox, written in the same transaction as every revision it queues.
--
-- Schema 1 made an outbox table that nothing ever wrote (every vault's is empty), so it is
-- replaced rather than altered. A row is one revision of a person or a record, named by its
-- revision hash: the revision's identity on every device and at the gateway (decision 0004).
-- The row's state says where it is and why:
--   queued        waiting to be sent;
--   retrying      a send failed for a reason that passes (no network, a time-out, the
--                 gateway answered 5xx): tried again from next_attempt_at, with back-off;
--   quarantined   the gateway refused it for a reason that will not pass by itself (the
--                 content, or the device's rights): kept with the reason, sent again only
--                 when someone retries it, and never holding back other records;
--   acknowledged  the gateway has stored it (acknowledged_at says when).
-- Nothing is deleted because a send failed. Rows are never removed by the app itself.
DROP TABLE outbox;
CREATE TABLE outbox (
    revision_hash   TEXT PRIMARY KEY,
    entity_type     TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    queued_at       TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'retrying', 'quarantined', 'acknowledged')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    reason          TEXT NOT NULL DEFAULT '',
    acknowledged_at TEXT,
    UNIQUE (entity_type, entity_id, seq)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

-- An acknowledged revision is at the gateway: it never goes back to being unsent.
CREATE TRIGGER outbox_acknowledged_stays BEFORE UPDATE OF state ON outbox
WHEN OLD.state = 'acknowledged' AND NEW.state <> 'acknowledged'
BEGIN SELECT RAISE(ABORT, 'an acknowledged revision stays acknowledged'); END;

-- Every revision written before this schema is queued once, in the order it was written, so
-- the work done before sync existed reaches the authority too.
INSERT INTO outbox (revision_hash, entity_type, entity_id, seq, queued_at)
SELECT hash, entity_type, entity_id, seq, created_at FROM revision
WHERE entity_type IN ('person', 'assessment')
ORDER BY created_at, entity_type, entity_id, seq;
