-- Schema 12: choosing what to send next reads only what it sends.
-- `outbox.due` walks the revisions not yet acknowledged in the order they were queued and
-- stops at the batch's size; before this it read every waiting row into Python, 3 s a batch at
-- 200,000 queued (a seeded caseload), holding the vault's one worker and every save behind it.
-- The index carries the state and retry time, so rows still waiting for a retry are skipped
-- without reading the table. The last acknowledgement's time (the status line) is read from
-- an index too, not by scanning every row.
CREATE INDEX outbox_waiting ON outbox (queued_at, entity_type, entity_id, seq, state, next_attempt_at)
WHERE state <> 'acknowledged';
CREATE INDEX outbox_acknowledged_at ON outbox (acknowledged_at);
