-- Schema 10: the document outbox: every signed PDF, queued for the authority's gateway.
--
-- A row is one signed PDF (signed_document), in the same states as the revision outbox
-- (schema 6) and for the same reasons: queued, retrying (a failure that passes, with
-- back-off from next_attempt_at), quarantined (refused for good, kept with the reason, never
-- holding back anything else) and acknowledged (the gateway holds it whole and checked). A
-- PDF is sent only once the revision it was signed for is acknowledged. How far an upload
-- got is not kept here: the gateway says how many bytes it holds whenever the PDF is offered.
CREATE TABLE document_outbox (
    document_id     TEXT PRIMARY KEY REFERENCES signed_document (id),
    assessment_id   TEXT NOT NULL,
    revision_hash   TEXT NOT NULL,
    queued_at       TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'retrying', 'quarantined', 'acknowledged')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    reason          TEXT NOT NULL DEFAULT '',
    acknowledged_at TEXT
);
CREATE INDEX document_outbox_by_revision ON document_outbox (revision_hash);

CREATE TRIGGER document_outbox_acknowledged_stays BEFORE UPDATE OF state ON document_outbox
WHEN OLD.state = 'acknowledged' AND NEW.state <> 'acknowledged'
BEGIN SELECT RAISE(ABORT, 'an acknowledged document stays acknowledged'); END;

-- Queued by the database itself, in the statement that keeps the PDF: whatever stores a
-- signed PDF (signing, a salvage copying a vault's PDFs) queues it in the same transaction,
-- and a PDF rolled back is never queued.
CREATE TRIGGER signed_document_queued AFTER INSERT ON signed_document
BEGIN
    INSERT INTO document_outbox (document_id, assessment_id, revision_hash, queued_at)
    VALUES (NEW.id, NEW.assessment_id, NEW.revision_hash, NEW.created_at);
END;

-- Every PDF signed before this schema is queued once, so it reaches the authority too.
INSERT INTO document_outbox (document_id, assessment_id, revision_hash, queued_at)
SELECT id, assessment_id, revision_hash, created_at FROM signed_document
ORDER BY created_at, id;
