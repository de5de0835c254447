-- Gateway schema 15 (issue 15). Each held change and signed PDF a laptop lists in its queue
-- report, with the reason: JSON, the report's `held_items` as it came, replaced with the rest
-- of the row at each report. '[]' for a report made before this schema, or by an app that
-- lists none (it still says how many are held).
ALTER TABLE device_queue ADD COLUMN held_items TEXT NOT NULL DEFAULT '[]';
-- An invitation to a shared DST that IT withdrew (`dst withdraw`): kept, with when, so the
-- member's laptop is told why a contribution is no longer taken; it no longer receives the
-- DST. Their contributions already received stay part of it. Inviting them again clears it.
ALTER TABLE dst_invitation ADD COLUMN withdrawn_at TEXT;
