"""Sending by file: the queued revisions in one signed, encrypted bundle, and its receipt.

For laptops that may never join a network (issue 16). `FileTransport` is one more
`Transport`: it takes the push the online client would send and answers, for each revision,
"sent by file, awaiting receipt", so `export_bundle` runs the online client's own steps
(`next_batch`, `Transport.post`, `apply_answer`) and the outbox keeps its states, quarantine
and exactly-once as online. The rows stay on the laptop, waiting; an online sync may still
send them (the gateway keeps each revision once). `import_receipt` reads the gateway's
receipt and records its answers with `apply_answer` too, as an online answer would be.
The signed PDFs of the bundle's revisions (and of those acknowledged already) travel with them,
and their answers come back in the receipt. Imports no Qt.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_private_key

from assessor_app.core import reference_data
from assessor_app.core.errors import AssessorError
from assessor_app.core.storage import document_outbox
from assessor_app.core.storage import enrolment as enrolment_store
from assessor_app.core.storage.documents import DocumentIntegrityError, DocumentRepository
from assessor_app.core.storage.outbox import SENT_BY_FILE
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import (
    Batch,
    DocumentUpload,
    NotEnrolledError,
    _revisions,
    apply_answer,
    apply_document_answer,
    next_batch,
    upload_of,
)
from assessor_app.core.sync_client.governance import Withdrawal, obey
from assessor_app.core.sync_client.lease import note_receipt
from assessor_app.core.sync_client.pull import stored_cursor
from assessor_app.core.sync_client.transport import TransportError
from sync.bundle import (
    AuthorityKey,
    BundleError,
    BundleHeader,
    new_bundle_id,
    open_receipt,
    parse_authority_key,
    seal_bundle,
    write_atomic,
)
from sync.protocol import (
    CURRENT,
    MAX_BATCH,
    AckStatus,
    DeviceOrder,
    DocumentAnswer,
    DocumentOffer,
    ItemAck,
    ProtocolError,
    PushRequest,
    PushResponse,
    closing_digest,
)

__all__ = [
    "SENT_BY_FILE",
    "BundleFileError",
    "ExportReport",
    "FileTransport",
    "ReceiptReport",
    "export_bundle",
    "import_receipt",
]

BUNDLE_LIFETIME = dt.timedelta(days=30)
"""How long the gateway takes a bundle after it was written."""
MAX_REVISIONS = 100 * MAX_BATCH
"""The most revisions in one bundle (the gateway reads at most 200 batches)."""
_HORIZON = dt.timedelta(days=36500)
"""Everything waiting goes in a bundle, whatever its retry time (a stick may be lost)."""


class BundleFileError(AssessorError):
    """A bundle could not be written, or a receipt could not be used; nothing was changed."""


@dataclass(frozen=True)
class ExportReport:
    """What one export wrote."""

    revisions: int
    """Revisions in the bundle (0: nothing was waiting, and no file was written)."""
    sequence: int
    """The bundle's number (each is one more than the last this laptop wrote)."""
    documents: int = 0
    """Signed PDFs in the bundle."""


@dataclass(frozen=True)
class ReceiptReport:
    """What one receipt changed."""

    acknowledged: int
    """Revisions marked acknowledged now."""
    waiting: int
    """Revisions the gateway could not take yet: they stay queued."""
    held: int
    """Revisions the gateway refused for good: held with its reason."""
    documents: int = 0
    """Signed PDFs marked acknowledged now."""
    withdrawn: Withdrawal | None = None
    """The receipt carried IT's order (the laptop was revoked or ordered wiped): the profile
    has been deleted and the vault is closed."""


class FileTransport:
    """A `Transport` that keeps pushes for a file instead of sending them."""

    def __init__(self) -> None:
        self.pushes: list[dict[str, Any]] = []

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Keep a push; answer "sent by file, awaiting receipt" for each revision."""
        if path != "/v1/push":
            raise TransportError("Only records can be sent by file.", temporary=False)
        request = PushRequest.from_json(body)
        self.pushes.append(body)
        acks = [ItemAck(i.hash, AckStatus.RETRY_LATER, SENT_BY_FILE) for i in request.items]
        return PushResponse(tuple(acks), closing_digest(())).to_json()

    def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:  # noqa: ARG002 - the Protocol's
        """Not used: a bundle carries each signed PDF whole (`export_bundle`), not in chunks."""
        raise TransportError("Signed PDFs go in the bundle whole.", temporary=False)


def _bundle_enrolment(vault: Vault) -> tuple[enrolment_store.Enrolment, AuthorityKey]:
    enrolled = enrolment_store.load_enrolment(vault)
    if enrolled is None:
        raise NotEnrolledError(
            "This laptop is not enrolled with the council's gateway, so nothing can be sent.",
            "Ask IT for an enrolment code, then enrol. Your records stay queued meanwhile.",
        )
    if enrolled.bundle_public_key is None:
        raise BundleFileError(
            "This laptop was enrolled before the council's gateway could take files, so it "
            "cannot send by file. Nothing was changed.",
            "Enrol again to send by file (ask IT for an enrolment code).",
        )
    return enrolled, parse_authority_key(enrolled.bundle_public_key)


def export_bundle(
    vault: Vault, path: Path, now: dt.datetime, rng: random.Random | None = None
) -> ExportReport:
    """Write every revision waiting to be sent into one bundle at `path`, for the gateway.

    The file is written whole before any row changes; then the rows show `SENT_BY_FILE`.

    Raises:
        NotEnrolledError: Not enrolled.
        BundleFileError: Enrolled before bundles, or the file could not be written.
    """
    enrolled, authority = _bundle_enrolment(vault)
    batch = next_batch(vault, now + _HORIZON, limit=MAX_REVISIONS)
    if batch is None:
        return ExportReport(0, enrolled.bundle_sequence)
    transport = FileTransport()
    answers = [
        (part, transport.post("/v1/push", part.body))
        for part in (
            Batch(batch.items[i : i + MAX_BATCH]) for i in range(0, len(batch.items), MAX_BATCH)
        )
    ]
    documents = _documents(vault, {i.hash for i in batch.items})
    key = load_der_private_key(enrolled.key_der, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    with vault.transaction() as conn:
        # A number taken for a file that then fails to be written leaves a gap: harmless, the
        # gateway asks only that each bundle's number be above the last it took.
        sequence = enrolment_store.next_bundle_sequence(conn)
    header = BundleHeader(
        "outbound",
        authority.id,
        enrolled.device_id,
        new_bundle_id(),
        sequence,
        now,
        now + BUNDLE_LIFETIME,
    )
    payload = {
        "protocol": CURRENT,
        # What this laptop has taken of the files down (decision 0011): the gateway starts the
        # next from here when one was lost on the way.
        "inbound": {"sequence": enrolled.inbound_sequence, "cursor": stored_cursor(vault.conn)},
        # What reference data it holds (as its online request says): the next inbound bundle
        # carries only what is newer.
        "reference_held": dict(reference_data.kept_versions(vault.conn)),
        "pushes": transport.pushes,
        "documents": [
            {"offer": d.offer.to_json(), "data": base64.b64encode(d.data).decode("ascii")}
            for d in documents
        ],
    }
    data = seal_bundle(header, payload, authority, key, enrolled.certificate_der)
    try:
        write_atomic(path, data)
    except OSError as e:
        raise BundleFileError(
            f"The bundle could not be written to {path} ({e.strerror}). Nothing was changed: "
            "your records are still queued.",
            "Check the memory stick is in and has room, then try again.",
        ) from e
    for part, answer in answers:
        apply_answer(vault, part, answer, now, rng)
    with vault.transaction() as conn:
        for d in documents:
            document_outbox.mark_unsent(conn, d.offer.document_id, SENT_BY_FILE, now, rng)
    return ExportReport(len(batch.items), sequence, len(documents))


def _documents(vault: Vault, sent: set[str]) -> list[DocumentUpload]:
    """The signed PDFs to go with `sent`, read and checked (one that fails its check stays)."""
    repository = DocumentRepository(vault)
    found = []
    for queued in document_outbox.for_bundle(vault.conn, sent):
        try:
            data = repository.data(queued.document_id)
        except DocumentIntegrityError:
            continue  # the online path holds it with the reason; it never travels
        found.append(upload_of(repository.get(queued.document_id), data))
    return found


def _refused(message: str) -> BundleFileError:
    return BundleFileError(message, "Your records are still queued.")


def import_receipt(vault: Vault, data: bytes, now: dt.datetime) -> ReceiptReport:
    """Record what the gateway's receipt says it holds, as an online answer would be.

    Raises:
        NotEnrolledError: Not enrolled.
        BundleFileError: The receipt is for another laptop or council, changed, or does not
            add up; nothing was changed.
    """
    enrolled, authority = _bundle_enrolment(vault)
    try:
        opened = open_receipt(data, authority, enrolled.device_id)
    except BundleError as e:
        raise _refused(str(e)) from e
    payload = opened.payload
    if "order" in payload:
        # Signed by the authority's key and for this device (checked above): obeyed as the
        # same order would be at an online contact.
        try:
            order = DeviceOrder.from_json(payload["order"])
        except ProtocolError as e:
            raise _refused(
                "This receipt carries an order from IT that cannot be read, so it was not "
                "used. Nothing was changed; tell IT."
            ) from e
        return ReceiptReport(0, 0, 0, 0, withdrawn=obey(vault, order))
    try:
        named = payload["items"]
        if not isinstance(named, list) or len(named) > MAX_REVISIONS:
            raise ValueError("items")
        wanted = [((str(t), str(i)), str(h)) for t, i, h in named]
        batch = Batch(tuple(_revisions(vault, wanted)))
        response = PushResponse.from_json(payload, batch.items)
        documents = _document_answers(payload.get("documents", []))
    except (KeyError, ValueError, TypeError, ProtocolError) as e:
        raise _refused(
            "This receipt names records this laptop does not hold, or does not add up, so it "
            "was not used. Nothing was changed."
        ) from e
    result = apply_answer(vault, batch, payload, now)
    # A receipt is a contact made by hand: the lease starts again from its signed time.
    note_receipt(vault, opened.header.created, now)
    sent = 0
    for offer, answer in documents:
        done = apply_document_answer(vault, DocumentUpload(offer, b""), answer, now)
        sent += done.sent
    waiting = sum(1 for a in response.acks if a.status is AckStatus.RETRY_LATER)
    return ReceiptReport(result.sent, waiting, result.held, sent)


def _document_answers(raw: object) -> list[tuple[DocumentOffer, DocumentAnswer]]:
    """The receipt's answers about signed PDFs, each checked against its offer."""
    if not isinstance(raw, list) or len(raw) > MAX_REVISIONS:
        raise ValueError("documents")
    found = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise ValueError("document entry")
        offer = DocumentOffer.from_json(entry["offer"])
        found.append((offer, DocumentAnswer.from_json(entry["answer"], offer)))
    return found
