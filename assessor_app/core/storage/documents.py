"""Signed PDFs kept in the vault, exporting them, and the authorities trusted to sign them.

A signed PDF is stored once, exactly as signed, and never changed or deleted: a new revision
of a record gets a new document. Each has its SHA-256 beside it, checked on every read.
Exports are written atomically and never over an existing file. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from assessor_app.core.errors import (
    NotFoundError,
    StorageWriteError,
    ValidationError,
    VaultCorruptError,
)
from assessor_app.core.records import AssessmentId, DocumentId
from assessor_app.core.storage import history
from assessor_app.core.storage.atomic import write_atomic
from assessor_app.core.storage.vault import Vault

__all__ = [
    "VARIANTS",
    "DocumentIntegrityError",
    "DocumentRepository",
    "StoredDocument",
    "add_trusted_root",
    "export_document",
    "trusted_roots",
]

VARIANTS = ("standard", "easy_read", "large_print")
"""The versions of a document a person can be given."""
_KIND = re.compile(r"^(record|letter:[A-Za-z0-9_.-]{1,64})$")
# Characters Windows forbids in file names, and control characters.
_UNSAFE_IN_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


class DocumentIntegrityError(VaultCorruptError):
    """A stored PDF no longer matches the SHA-256 recorded when it was signed."""


@dataclass(frozen=True)
class StoredDocument:
    """One signed PDF in the vault (without its bytes; see `DocumentRepository.data`)."""

    id: DocumentId
    """Random id of this document."""
    assessment_id: AssessmentId
    """The record it was made from."""
    revision: int
    """The record's revision that was signed."""
    revision_hash: str
    """That revision's hash, tying the PDF to the exact content in the history."""
    kind: str
    """'record' for the record itself, or 'letter:<name>' for a letter about it."""
    variant: str
    """'standard', 'easy_read' or 'large_print'."""
    filename: str
    """The suggested file name when exported."""
    created_at: dt.datetime
    """When it was stored (UTC)."""
    signer: str
    """Who signed it (the certificate's common name)."""
    size: int
    """Size of the PDF in bytes."""
    sha256: str
    """SHA-256 of the PDF, lowercase hex."""


_COLUMNS = (
    "id, assessment_id, revision, revision_hash, kind, variant, filename, created_at, signer, "
    "size, sha256"
)


class DocumentRepository:
    """Stores and reads the signed PDFs of one vault. Append-only."""

    def __init__(self, vault: Vault):
        self.vault = vault

    def add(
        self,
        assessment_id: str,
        revision: int,
        revision_hash: str,
        kind: str,
        variant: str,
        filename: str,
        pdf: bytes,
        signer: str,
    ) -> StoredDocument:
        """Store a signed PDF made from one revision of a record.

        Raises:
            NotFoundError: no such record, or it has no such revision.
            ValidationError: the kind, variant or file name is not allowed, or the bytes are
                not a PDF.
        """
        _check_fields(kind, variant, filename, pdf)
        doc = StoredDocument(
            id=DocumentId(secrets.token_hex(8)),
            assessment_id=AssessmentId(assessment_id),
            revision=revision,
            revision_hash=revision_hash,
            kind=kind,
            variant=variant,
            filename=filename,
            created_at=history.now_utc(),
            signer=signer,
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
        with self.vault.transaction() as conn:
            found = conn.execute(
                "SELECT 1 FROM revision WHERE entity_type = 'assessment' AND entity_id = ? "
                "AND seq = ? AND hash = ?",
                (assessment_id, revision, revision_hash),
            ).fetchone()
            if found is None:
                raise NotFoundError(
                    f"Record {assessment_id} has no revision {revision} with that hash.",
                    "Sign the record again from its current revision. Nothing was stored.",
                )
            conn.execute(
                f"INSERT INTO signed_document ({_COLUMNS}, pdf) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.id,
                    doc.assessment_id,
                    doc.revision,
                    doc.revision_hash,
                    doc.kind,
                    doc.variant,
                    doc.filename,
                    doc.created_at.isoformat(),
                    doc.signer,
                    doc.size,
                    doc.sha256,
                    bytes(pdf),
                ),
            )
            history.append_audit(conn, self.vault.profile.id, "document.sign", "document", doc.id)
        return doc

    def list_for_assessment(self, assessment_id: str) -> list[StoredDocument]:
        """The record's signed PDFs, newest first."""
        rows = self.vault.conn.execute(
            f"SELECT {_COLUMNS} FROM signed_document WHERE assessment_id = ? "
            "ORDER BY created_at DESC, rowid DESC",
            (assessment_id,),
        ).fetchall()
        return [_row_to_document(r) for r in rows]

    def get(self, document_id: str) -> StoredDocument:
        """One document's details.

        Raises:
            NotFoundError: no such document in this profile.
        """
        row = self.vault.conn.execute(
            f"SELECT {_COLUMNS} FROM signed_document WHERE id = ?", (document_id,)
        ).fetchone()
        if row is None:
            raise _not_found(document_id)
        return _row_to_document(row)

    def data(self, document_id: str) -> bytes:
        """The PDF's bytes, checked against the SHA-256 stored when it was signed.

        Raises:
            NotFoundError: no such document in this profile.
            DocumentIntegrityError: the stored bytes were changed after they were stored.
        """
        row = self.vault.conn.execute(
            "SELECT sha256, pdf FROM signed_document WHERE id = ?", (document_id,)
        ).fetchone()
        if row is None:
            raise _not_found(document_id)
        pdf = bytes(row[1])
        if hashlib.sha256(pdf).hexdigest() != row[0]:
            raise DocumentIntegrityError(
                f"The stored copy of signed document {document_id} has been changed since it "
                "was signed.",
                "Do not send it. Keep this laptop as it is and tell IT; sign the record again "
                "if a copy is needed now.",
                work_is_safe=False,
            )
        return pdf


def export_document(data: bytes, folder: Path, filename: str) -> Path:
    """Write a PDF into a folder atomically, never over an existing file.

    If `filename` is taken, " (2)", " (3)"... is added before ".pdf".

    Returns:
        The path written.

    Raises:
        ValidationError: the folder is missing or cannot be written to, or the name is empty.
        StorageWriteError: the disk is full or failing.
    """
    if not folder.is_dir():
        raise ValidationError(
            f"The folder {folder} does not exist (a memory stick may have been removed).",
            "Choose another folder, or reconnect the drive and try again.",
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValidationError(
            f"This account cannot save files in {folder}.",
            "Choose a folder of your own, such as Documents.",
        )
    target = _free_name(folder, _safe_filename(filename))
    try:
        # The name was free a moment ago; write_atomic's rename could still replace a file
        # made in between by another program, which a folder chosen by the user makes rare.
        write_atomic(target, bytes(data))
    except PermissionError as e:
        raise ValidationError(
            f"This account cannot save files in {folder}.",
            "Choose a folder of your own, such as Documents.",
        ) from e
    except OSError as e:
        raise StorageWriteError(
            f"The PDF could not be saved in {folder}: the disk may be full or failing.",
            "Free some space or choose another folder. The signed copy in Assessor is safe.",
        ) from e
    return target


def trusted_roots(vault: Vault) -> list[bytes]:
    """DER root certificates of the authorities this profile trusts, oldest first."""
    rows = vault.conn.execute(
        "SELECT certificate FROM trusted_root ORDER BY added_at, fingerprint"
    ).fetchall()
    return [bytes(r[0]) for r in rows]


def add_trusted_root(vault: Vault, certificate_der: bytes, label: str) -> None:
    """Trust an authority's root certificate (DER). Adding one already trusted changes nothing.

    Raises:
        ValidationError: the bytes are not an X.509 certificate, or the label is empty.
    """
    try:
        x509.load_der_x509_certificate(bytes(certificate_der))
    except ValueError as e:
        raise ValidationError(
            "That is not an X.509 root certificate in DER form.",
            "Ask IT for the authority's root certificate (.cer or .der).",
        ) from e
    if not label.strip():
        raise ValidationError("Give the trusted authority a name.", "E.g. 'Exampleshire CA'.")
    fingerprint = hashlib.sha256(certificate_der).hexdigest()
    with vault.transaction() as conn:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO trusted_root (fingerprint, label, certificate, added_at) "
            "VALUES (?, ?, ?, ?)",
            (fingerprint, label.strip(), bytes(certificate_der), history.now_utc().isoformat()),
        )
        if cursor.rowcount:
            history.append_audit(
                conn, vault.profile.id, "trust.add_root", "trusted_root", fingerprint
            )


def _check_fields(kind: str, variant: str, filename: str, pdf: bytes) -> None:
    if not _KIND.match(kind):
        raise ValidationError(
            f"'{kind}' is not a kind of document.", "Use 'record' or 'letter:<name>'."
        )
    if variant not in VARIANTS:
        raise ValidationError(
            f"'{variant}' is not a version of a document.", f"Use one of {', '.join(VARIANTS)}."
        )
    if not filename.strip():
        raise ValidationError("The document needs a file name.", "Nothing was stored.")
    if not bytes(pdf[:1024]).lstrip().startswith(b"%PDF-"):
        raise ValidationError("Only PDF files can be stored as signed documents.")


def _safe_filename(filename: str) -> str:
    name = _UNSAFE_IN_FILENAME.sub("_", filename).strip().strip(".")
    if not name:
        raise ValidationError("The file name is empty.", "Give the PDF a name.")
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return name


def _free_name(folder: Path, filename: str) -> Path:
    stem = filename[: -len(".pdf")]
    suffix = filename[-len(".pdf") :]
    candidate = folder / filename
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem} ({n}){suffix}"
        n += 1
    return candidate


def _not_found(document_id: str) -> NotFoundError:
    return NotFoundError(
        f"There is no signed document {document_id} in this profile.",
        "Check the id, or sign the record again.",
    )


def _row_to_document(r: Sequence[Any]) -> StoredDocument:
    return StoredDocument(
        id=DocumentId(r[0]),
        assessment_id=AssessmentId(r[1]),
        revision=int(r[2]),
        revision_hash=r[3],
        kind=r[4],
        variant=r[5],
        filename=r[6],
        created_at=dt.datetime.fromisoformat(r[7]),
        signer=r[8],
        size=int(r[9]),
        sha256=r[10],
    )
