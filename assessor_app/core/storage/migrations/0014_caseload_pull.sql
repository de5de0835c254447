-- Schema 14: the caseload flows down from the gateway (issue 15; decision 0008).
--
-- `pull_state` keeps the cursor of the last pull answer stored (at most one row): the next
-- pull asks for what changed after it. It moves on in the same transaction as the answer's
-- people and revisions are kept, so a pull cut off half-way goes on from the last page kept.
CREATE TABLE pull_state (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    cursor     INTEGER NOT NULL DEFAULT 0,
    pulled_at  TEXT
);

-- People the gateway says are no longer on this caseload (moved to another assessor). They
-- stay, shown as moving, while any of this laptop's own work on them is unsent (a queued or
-- held revision, a signed PDF, autosaved changes); then they are removed from the laptop.
CREATE TABLE caseload_leaving (
    person_id  TEXT PRIMARY KEY,
    since      TEXT NOT NULL
);

-- What was removed that way (ids only): the only rows the append-only tables below let go
-- of, and the audit entries naming their revisions are not a broken history.
CREATE TABLE caseload_released (
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    released_at  TEXT NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
);

DROP TRIGGER revision_append_only_delete;
CREATE TRIGGER revision_append_only_delete BEFORE DELETE ON revision
WHEN NOT EXISTS (
    SELECT 1 FROM caseload_released r
    WHERE r.entity_type = OLD.entity_type AND r.entity_id = OLD.entity_id
)
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;

DROP TRIGGER signed_document_append_only_delete;
CREATE TRIGGER signed_document_append_only_delete BEFORE DELETE ON signed_document
WHEN NOT EXISTS (
    SELECT 1 FROM caseload_released r
    WHERE r.entity_type = 'assessment' AND r.entity_id = OLD.assessment_id
)
BEGIN SELECT RAISE(ABORT, 'signed documents are append-only'); END;

DROP TRIGGER contribution_signer_append_only_delete;
CREATE TRIGGER contribution_signer_append_only_delete BEFORE DELETE ON contribution_signer
WHEN NOT EXISTS (
    SELECT 1 FROM caseload_released r
    WHERE r.entity_type = 'assessment' AND r.entity_id = OLD.assessment_id
)
BEGIN SELECT RAISE(ABORT, 'contribution signers are append-only'); END;

DROP TRIGGER record_provenance_append_only_delete;
CREATE TRIGGER record_provenance_append_only_delete BEFORE DELETE ON record_provenance
WHEN NOT EXISTS (
    SELECT 1 FROM caseload_released r
    WHERE r.entity_type = 'assessment' AND r.entity_id = OLD.assessment_id
)
BEGIN SELECT RAISE(ABORT, 'provenance is append-only'); END;
