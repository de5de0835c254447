-- Gateway schema 11: governing devices (issue 15). Each laptop's lease key (base64; NULL for a
-- laptop enrolled before leases: it keeps working without one), made at enrolment and given
-- to the laptop, which checks IT's unlock codes by it offline; a wipe order for a lost laptop
-- (which also withdraws its access); and when the laptop was last told of its order.
ALTER TABLE device ADD COLUMN lease_key TEXT;
ALTER TABLE device ADD COLUMN wipe_ordered_at TEXT;
ALTER TABLE device ADD COLUMN order_told_at TEXT;
