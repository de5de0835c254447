-- Gateway schema 17: each held change and signed PDF a laptop lists in its queue report, with
-- the reason (issue 15): JSON, the report's `held_items` as it came, replaced with the rest of
-- the row at each report. '[]' for a report made before this schema, or by an app that lists
-- none (it still says how many are held).
ALTER TABLE device_queue ADD COLUMN held_items TEXT NOT NULL DEFAULT '[]';
