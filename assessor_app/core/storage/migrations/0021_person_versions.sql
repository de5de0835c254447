-- Schema 21: other versions of a person's details too (issue 14, decision 0004). Two laptops
-- of the same assessor that both changed a person's details from the same point fork the
-- person's chain as they fork a record's; the gateway keeps both, and this laptop now keeps
-- the other version for the assessor's choice as it does a record's. `record_id` holds the
-- chain's id (a person id when `entity_type` is 'person'); ids are never shared between the
-- two kinds. Rows written before this schema are all records' ('assessment').
ALTER TABLE other_version ADD COLUMN entity_type TEXT NOT NULL DEFAULT 'assessment';
ALTER TABLE other_version_due ADD COLUMN entity_type TEXT NOT NULL DEFAULT 'assessment';
