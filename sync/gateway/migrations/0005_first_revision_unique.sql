-- Gateway schema 5: one first revision per record, enforced by the database itself, so two
-- gateway processes given different first revisions for one id cannot both keep theirs.
CREATE UNIQUE INDEX revision_first ON revision (entity_type, entity_id) WHERE seq = 1;
