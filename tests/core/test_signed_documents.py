"""Signed PDFs kept in the vault: append-only storage, the checksum on every read, exports that
never overwrite, trusted roots, and the schema 3 -> 4 upgrade of a real golden vault."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from assessor_app.core.errors import AssessorError, NotFoundError, ValidationError
from assessor_app.core.pdf.verify import verify_pdf
from assessor_app.core.records import Assessment
from assessor_app.core.services.signing import install_certificate, profile_signing_identity
from assessor_app.core.storage import database, history
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.documents import (
    DocumentIntegrityError,
    DocumentRepository,
    StoredDocument,
    add_trusted_root,
    export_document,
    trusted_roots,
)
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.profiles import list_profiles
from assessor_app.core.storage.vault import Vault
from tests.core.test_pdf_signing import der, issue_certificate, make_ca, sign
from tests.support import community_person, session_for

GOLDEN_0003 = Path(__file__).resolve().parents[1] / "fixtures" / "db" / "schema-0003"
GOLDEN_PASSPHRASE = "golden fixture passphrase"


def _record(vault: Vault) -> Assessment:
    person = PeopleRepository(vault).add(community_person())
    return AssessmentRepository(vault).create(person.id, "sample", 2, {"notes": "Synthetic."})


def _add(vault: Vault, record: Assessment, pdf: bytes, **changes: str) -> StoredDocument:
    fields = {"kind": "record", "variant": "standard", "filename": "sample_rev1.pdf"} | changes
    return DocumentRepository(vault).add(
        record.id,
        record.revision,
        record.revision_hash,
        fields["kind"],
        fields["variant"],
        fields["filename"],
        pdf,
        signer="Robin Testcase",
    )


def test_add_list_and_read_back_a_signed_pdf(vault: Vault) -> None:
    record = _record(vault)
    signed = sign(profile_signing_identity(vault))
    repo = DocumentRepository(vault)
    first = repo.add(
        record.id,
        record.revision,
        record.revision_hash,
        "record",
        "standard",
        "sample_rev1.pdf",
        signed,
        signer="Robin Testcase",
    )
    second = repo.add(
        record.id,
        record.revision,
        record.revision_hash,
        "letter:outcome",
        "easy_read",
        "outcome_rev1.pdf",
        signed,
        signer="Robin Testcase",
    )
    assert (first.size, first.sha256) == (len(signed), hashlib.sha256(signed).hexdigest())
    assert [d.id for d in repo.list_for_assessment(record.id)] == [second.id, first.id]
    assert repo.get(first.id) == first
    assert repo.data(first.id) == signed
    assert verify_pdf(repo.data(second.id)).ok
    assert repo.list_for_assessment("no-such-record") == []
    # The audit log names the document by id only.
    [entry] = [e for e in history.list_audit(vault.conn) if e.entity_id == first.id]
    assert (entry.action, entry.entity_type) == ("document.sign", "document")
    assert history.verify_chains(vault.conn).ok


def test_a_pdf_for_a_revision_that_does_not_exist_is_refused(vault: Vault) -> None:
    record = _record(vault)
    signed = sign(profile_signing_identity(vault))
    repo = DocumentRepository(vault)
    with pytest.raises(NotFoundError, match="has no revision 2"):
        repo.add(record.id, 2, record.revision_hash, "record", "standard", "a.pdf", signed, "R")
    with pytest.raises(NotFoundError, match="no revision 1 with that hash"):
        repo.add(record.id, 1, "0" * 64, "record", "standard", "a.pdf", signed, "R")
    with pytest.raises(ValidationError, match="not a version"):
        _add(vault, record, signed, variant="braille")
    with pytest.raises(ValidationError, match="not a kind"):
        _add(vault, record, signed, kind="minutes")
    with pytest.raises(ValidationError, match="Only PDF files"):
        _add(vault, record, b"<html>not a pdf</html>")
    assert repo.list_for_assessment(record.id) == []
    with pytest.raises(NotFoundError, match="no signed document"):
        repo.data("0123456789abcdef")


def test_stored_pdfs_cannot_be_changed_and_a_changed_blob_is_caught(vault: Vault) -> None:
    record = _record(vault)
    signed = sign(profile_signing_identity(vault))
    doc_id = _add(vault, record, signed).id
    # By accident: the table refuses updates, deletes and a replacing insert, and says so.
    with (
        pytest.raises(AssessorError, match="signed PDFs are never changed"),
        vault.transaction() as conn,
    ):
        conn.execute("UPDATE signed_document SET pdf = ? WHERE id = ?", (b"%PDF-x", doc_id))
    with (
        pytest.raises(AssessorError, match="signed PDFs are never changed"),
        vault.transaction() as conn,
    ):
        conn.execute("DELETE FROM signed_document WHERE id = ?", (doc_id,))
    with (
        pytest.raises(AssessorError, match="signed PDFs are never changed"),
        vault.transaction() as conn,
    ):
        conn.execute(
            "INSERT OR REPLACE INTO signed_document SELECT id, assessment_id, revision, "
            "revision_hash, kind, variant, filename, created_at, signer, size, 'forged', usn, "
            "? FROM signed_document WHERE id = ?",
            (b"%PDF-forged", doc_id),
        )
    assert DocumentRepository(vault).data(doc_id) == signed
    # On purpose, past the trigger: the checksum catches it on the next read.
    tampered = signed.replace(b"Synthetic", b"Synthetiq", 1)
    with vault.transaction() as conn:
        conn.execute("DROP TRIGGER signed_document_append_only_update")
        conn.execute("UPDATE signed_document SET pdf = ? WHERE id = ?", (tampered, doc_id))
    with pytest.raises(DocumentIntegrityError, match="changed since it was signed") as caught:
        DocumentRepository(vault).data(doc_id)
    assert "tell IT" in caught.value.next_step and not caught.value.work_is_safe


def test_export_is_atomic_and_never_overwrites(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "sample_rev1.pdf").write_bytes(b"someone else's file")
    first = export_document(b"%PDF-1 first", folder, "sample_rev1.pdf")
    second = export_document(b"%PDF-1 second", folder, "sample_rev1.pdf")
    third = export_document(b"%PDF-1 third", folder, "sample_rev1")
    assert [first.name, second.name, third.name] == [
        "sample_rev1 (2).pdf",
        "sample_rev1 (3).pdf",
        "sample_rev1 (4).pdf",
    ]
    assert (folder / "sample_rev1.pdf").read_bytes() == b"someone else's file"
    assert first.read_bytes() == b"%PDF-1 first" and second.read_bytes() == b"%PDF-1 second"
    assert sorted(p.name for p in folder.iterdir()) == [
        "sample_rev1 (2).pdf",
        "sample_rev1 (3).pdf",
        "sample_rev1 (4).pdf",
        "sample_rev1.pdf",
    ]  # no temporary files left behind
    odd = export_document(b"%PDF-1", folder, 'a/b\\c:"d".pdf')
    assert odd.parent == folder and odd.name == "a_b_c__d_.pdf"


def test_export_to_a_missing_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist") as caught:
        export_document(b"%PDF-1", tmp_path / "unplugged-stick", "a.pdf")
    assert "Choose another folder" in caught.value.next_step
    assert not (tmp_path / "unplugged-stick").exists()


def test_trusted_roots_are_kept_once_each(vault: Vault) -> None:
    ca, other = der(make_ca()[1]), der(make_ca("Other CA")[1])
    assert trusted_roots(vault) == []
    add_trusted_root(vault, ca, "Exampleshire CA")
    add_trusted_root(vault, ca, "Exampleshire CA again")
    add_trusted_root(vault, other, "Other CA")
    assert trusted_roots(vault) == [ca, other]
    with pytest.raises(ValidationError, match="not an X.509 root certificate"):
        add_trusted_root(vault, b"nonsense", "Broken")
    actions = [e.action for e in history.list_audit(vault.conn)]
    assert actions.count("trust.add_root") == 2


def test_enrolment_leaves_stored_pdfs_exactly_as_they_were(vault: Vault) -> None:
    record = _record(vault)
    identity = profile_signing_identity(vault)
    before = sign(identity)
    doc_id = _add(vault, record, before).id
    ca = make_ca()
    add_trusted_root(vault, der(ca[1]), "Exampleshire Test CA")
    install_certificate(session_for(vault), issue_certificate(ca, identity), [der(ca[1])])
    assert DocumentRepository(vault).data(doc_id) == before
    [check] = verify_pdf(before, trusted_roots(vault)).signatures
    assert check.intact and not check.trusted and check.trust_note.startswith("self-signed")


def test_golden_schema_3_vault_upgrades_and_can_keep_signed_pdfs(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(GOLDEN_0003, data_dir)
    [profile] = list_profiles(data_dir)
    vault = Vault.open(data_dir, profile.id, GOLDEN_PASSPHRASE)
    try:
        assert database.user_version(vault.conn) == database.schema_max_version()
        [zoe] = PeopleRepository(vault).search("quillfeather")
        [record] = AssessmentRepository(vault).list_for_person(zoe.id)
        assert record.answers["notes"] == "Golden narrative kept across upgrades."
        assert record.revision == 3
        signed = sign(profile_signing_identity(vault))
        doc = DocumentRepository(vault).add(
            record.id,
            record.revision,
            record.revision_hash,
            "record",
            "standard",
            "golden.pdf",
            signed,
            signer="Golden Fixture",
        )
        assert DocumentRepository(vault).data(doc.id) == signed
        assert history.verify_chains(vault.conn).ok
    finally:
        vault.close()


def test_golden_schema_4_vault_keeps_its_signing_key_and_signed_pdf(tmp_path: Path) -> None:
    # Every later schema must open this and find the key and the PDF exactly as kept.
    data_dir = tmp_path / "data"
    shutil.copytree(GOLDEN_0003.parent / "schema-0004", data_dir)
    [profile] = list_profiles(data_dir)
    vault = Vault.open(data_dir, profile.id, GOLDEN_PASSPHRASE)
    try:
        [zoe] = PeopleRepository(vault).search("quillfeather")
        [record] = AssessmentRepository(vault).list_for_person(zoe.id)
        [doc] = DocumentRepository(vault).list_for_assessment(record.id)
        data = DocumentRepository(vault).data(doc.id)  # checks the stored SHA-256
        [check] = verify_pdf(data).signatures
        assert check.intact and check.valid
        assert check.certificate_fingerprint == profile_signing_identity(vault).fingerprint_sha256
    finally:
        vault.close()
