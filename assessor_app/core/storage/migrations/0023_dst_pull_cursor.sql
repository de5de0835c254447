-- Schema 23: the shared DST pull is incremental (issue 15; decisions 0008 and 0012).
--
-- `dst_pull_state` keeps the cursor of the last DST pull page kept (at most one row): the
-- next DST pull asks only for what changed after it. It moves on in the same transaction as
-- the page's invitations and contributions are kept, so a DST pull cut off half-way goes on
-- from the last page kept. No row: the first DST pull asks from the beginning.
CREATE TABLE dst_pull_state (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    cursor     INTEGER NOT NULL DEFAULT 0,
    pulled_at  TEXT
);

-- DSTs to ask for whole at the next DST pull: one the laptop could not take all of (it was
-- finished here, so what came was not added until it is amended; a contribution refused).
-- The cursor moved past what came, so it is asked for again, whole, until it is taken.
CREATE TABLE dst_pull_again (
    record_id  TEXT PRIMARY KEY,
    since      TEXT NOT NULL
);
