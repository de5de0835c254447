"""Signed PDFs for the sync tests: real PAdES signatures with the profile's key, made fast.

Finalising a record renders the whole form; these tests need only a signed PDF tied to a
revision the outbox queues, of a size chosen to take one chunk or several.
"""

from __future__ import annotations

import io
import random

from reportlab.pdfgen.canvas import Canvas

from assessor_app.core.pdf.signing import sign_pdf
from assessor_app.core.services.signing import profile_signing_identity
from assessor_app.core.storage.documents import DocumentRepository, StoredDocument
from assessor_app.core.storage.vault import Vault


def signed_pdf_bytes(vault: Vault, *, padding: int = 0, seed: int = 1) -> bytes:
    """A PDF signed with the profile's key; `padding` bytes of incompressible text added."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1, pageCompression=0)
    canvas.drawString(72, 720, "Synthetic signed record for the sync tests.")
    noise = random.Random(seed)
    written = 0
    while written < padding:
        for line in range(60):
            text = "".join(noise.choice("0123456789abcdef") for _ in range(90))
            canvas.drawString(36, 780 - line * 12, text)
            written += len(text)
        canvas.showPage()
    canvas.showPage()
    canvas.save()
    identity = profile_signing_identity(vault)
    return sign_pdf(
        buffer.getvalue(), identity, placement=None, reason="Sync test", location="Exampleshire"
    )


def keep_signed_pdf(
    vault: Vault, record_id: str, *, padding: int = 0, seed: int = 1
) -> StoredDocument:
    """Keep a signed PDF of the record's current revision, as finalising does."""
    row = vault.conn.execute(
        "SELECT revision, revision_hash FROM assessment WHERE id = ?", (record_id,)
    ).fetchone()
    data = signed_pdf_bytes(vault, padding=padding, seed=seed)
    return DocumentRepository(vault).add(
        record_id,
        int(row[0]),
        str(row[1]),
        "record",
        "standard",
        f"record-{record_id}.pdf",
        data,
        signer=vault.profile.name,
    )
