-- Schema 5: history that cannot be rewritten quietly, and MDT members' keys.

-- Autosave is for drafts only. A row for a finished record would show in it and be folded
-- by the next checkpoint into a validly chained revision that is still "completed".
-- (A record that does not exist has no status: COALESCE refuses its rows too.)
CREATE TRIGGER autosave_journal_drafts_only BEFORE INSERT ON autosave_journal
WHEN COALESCE((SELECT status FROM assessment WHERE id = NEW.assessment_id), '')
    NOT IN ('draft', 'amended')
BEGIN SELECT RAISE(ABORT, 'autosave is only for drafts'); END;
CREATE TRIGGER autosave_journal_append_only_update BEFORE UPDATE ON autosave_journal
BEGIN SELECT RAISE(ABORT, 'autosave rows are never changed'); END;
-- A record is finished only once every autosaved row has been folded into a revision.
CREATE TRIGGER assessment_finish_needs_empty_journal
BEFORE UPDATE OF status ON assessment
WHEN NEW.status NOT IN ('draft', 'amended')
    AND EXISTS (SELECT 1 FROM autosave_journal WHERE assessment_id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'autosave is only for drafts'); END;

-- Each audit entry that records a new revision names that revision's hash, inside the
-- entry's own hash. The audit chain then commits to every revision, and its head, kept
-- outside this file under a MAC (head.json), commits to the whole history: dropping the
-- newest revisions, deleting a record or swapping in an older file no longer goes unseen.
-- '' on entries that record no revision, and on every entry written before schema 5.
ALTER TABLE audit ADD COLUMN revision_hash TEXT NOT NULL DEFAULT '';

-- The key each MDT member signs their DST contributions (and record files) with, bound to
-- the member the first time a file of theirs is imported (the coordinator confirms its
-- fingerprint), or to this profile's own key. A file in a member's name under any other key
-- is refused. A member who changes laptops is re-bound by IT ('rebound'): a new row, the old
-- ones kept; the newest row is the binding. `member` is the name folded (NFKC, case, spaces).
CREATE TABLE mdt_member_key (
    member         TEXT NOT NULL,
    name           TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('own', 'confirmed', 'gateway', 'rebound')),
    bound_at       TEXT NOT NULL,
    PRIMARY KEY (member, bound_at)
) WITHOUT ROWID;
CREATE TRIGGER mdt_member_key_append_only_update BEFORE UPDATE ON mdt_member_key
BEGIN SELECT RAISE(ABORT, 'member keys are append-only'); END;
CREATE TRIGGER mdt_member_key_append_only_delete BEFORE DELETE ON mdt_member_key
BEGIN SELECT RAISE(ABORT, 'member keys are append-only'); END;
CREATE TRIGGER mdt_member_key_append_only_replace BEFORE INSERT ON mdt_member_key
WHEN EXISTS (SELECT 1 FROM mdt_member_key WHERE member = NEW.member AND bound_at = NEW.bound_at)
BEGIN SELECT RAISE(ABORT, 'member keys are append-only'); END;

-- Which key each contribution of a DST was signed with: a newer revision of a contribution
-- is accepted only under the key its earlier ones came with, whatever name it carries.
CREATE TABLE contribution_signer (
    assessment_id    TEXT NOT NULL REFERENCES assessment (id),
    contribution_id  TEXT NOT NULL,
    public_key       TEXT NOT NULL,
    bound_at         TEXT NOT NULL,
    PRIMARY KEY (assessment_id, contribution_id)
) WITHOUT ROWID;
CREATE TRIGGER contribution_signer_append_only_update BEFORE UPDATE ON contribution_signer
BEGIN SELECT RAISE(ABORT, 'contribution signers are append-only'); END;
CREATE TRIGGER contribution_signer_append_only_delete BEFORE DELETE ON contribution_signer
BEGIN SELECT RAISE(ABORT, 'contribution signers are append-only'); END;

-- Where an imported record came from: the file's record id, revision and hash, and the key
-- that signed the export (its fingerprint; '' for an unsigned file from before schema 5).
CREATE TABLE record_provenance (
    assessment_id         TEXT PRIMARY KEY REFERENCES assessment (id),
    source_record_id      TEXT NOT NULL,
    source_revision       INTEGER NOT NULL,
    source_revision_hash  TEXT NOT NULL,
    exported_by           TEXT NOT NULL,
    exporter_fingerprint  TEXT NOT NULL,
    imported_at           TEXT NOT NULL
);
CREATE TRIGGER record_provenance_append_only_update BEFORE UPDATE ON record_provenance
BEGIN SELECT RAISE(ABORT, 'provenance is append-only'); END;
CREATE TRIGGER record_provenance_append_only_delete BEFORE DELETE ON record_provenance
BEGIN SELECT RAISE(ABORT, 'provenance is append-only'); END;

-- The caseload's alerts read every record of a few forms, newest first
-- (`list_for_forms`): without this each return to the caseload scanned the whole table.
CREATE INDEX assessment_by_form ON assessment (form_id, updated_at);
