-- Schema 4: certificate signatures on PDFs (PAdES), the signed PDFs themselves, and the
-- certificate authorities this profile trusts when checking a signature.

-- The PDF signing key ('pdf_signing', ECDSA P-256) keeps its X.509 certificate beside it:
-- self-signed until the authority's CA issues one for the same key (enrolment), then that
-- one plus the issuing CA certificates (PEM, issuer first). NULL/'' for the other keys.
ALTER TABLE device_key ADD COLUMN certificate BLOB;
ALTER TABLE device_key ADD COLUMN chain_pem TEXT NOT NULL DEFAULT '';

-- Every signed PDF made from a record, exactly as signed. Append-only: a PDF is never
-- changed or re-signed; a new revision of the record gets a new row. `pdf` is last so
-- listing metadata does not read the blobs. `usn` is for sync, as on person and assessment.
CREATE TABLE signed_document (
    id             TEXT PRIMARY KEY,
    assessment_id  TEXT NOT NULL REFERENCES assessment (id),
    revision       INTEGER NOT NULL,
    revision_hash  TEXT NOT NULL,
    kind           TEXT NOT NULL,
    variant        TEXT NOT NULL CHECK (variant IN ('standard', 'easy_read', 'large_print')),
    filename       TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    signer         TEXT NOT NULL,
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    usn            INTEGER NOT NULL DEFAULT -1,
    pdf            BLOB NOT NULL
);
CREATE INDEX signed_document_by_assessment ON signed_document (assessment_id, created_at);

-- Only the sync counter may change; the stored sha256 catches a deliberate edit.
CREATE TRIGGER signed_document_append_only_update
BEFORE UPDATE OF id, assessment_id, revision, revision_hash, kind, variant, filename,
    created_at, signer, size, sha256, pdf ON signed_document
BEGIN SELECT RAISE(ABORT, 'signed documents are append-only'); END;
CREATE TRIGGER signed_document_append_only_delete BEFORE DELETE ON signed_document
BEGIN SELECT RAISE(ABORT, 'signed documents are append-only'); END;
-- INSERT OR REPLACE deletes the old row without firing delete triggers: refuse a second
-- row with an id that is already kept, before conflict resolution can replace it.
CREATE TRIGGER signed_document_append_only_replace BEFORE INSERT ON signed_document
WHEN EXISTS (SELECT 1 FROM signed_document WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'signed documents are append-only'); END;

-- Root certificates of the authorities whose signatures count as trusted here; filled by
-- enrolment (issue: sync). Keyed by the SHA-256 fingerprint of the DER certificate.
CREATE TABLE trusted_root (
    fingerprint  TEXT PRIMARY KEY,
    label        TEXT NOT NULL,
    certificate  BLOB NOT NULL,
    added_at     TEXT NOT NULL
);
