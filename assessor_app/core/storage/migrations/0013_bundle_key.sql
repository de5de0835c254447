-- schema 13: sync by file (issue 16). The authority's bundle key, given at enrolment (NULL for
-- a laptop enrolled before gateways had one: it enrols again to send by file), and the
-- sequence number of the last bundle this laptop wrote (each bundle's is one more, so the
-- gateway can refuse an older one).
ALTER TABLE sync_enrolment ADD COLUMN bundle_public_key TEXT;
ALTER TABLE sync_enrolment ADD COLUMN bundle_sequence INTEGER NOT NULL DEFAULT 0;
