-- Gateway schema 4: what each adapter has handed to the authority's case-management system.
-- A row is claimed in the same transaction as the delivery is written, so each revision is
-- delivered once by one process, however many serve the database.
CREATE TABLE delivery (
    adapter        TEXT NOT NULL,
    revision_hash  TEXT NOT NULL REFERENCES revision (hash),
    delivered_at   TEXT NOT NULL,
    PRIMARY KEY (adapter, revision_hash)
);
