"""The gateway's side of sync bundles: its bundle key, and importing a laptop's bundle.

A bundle (`sync.bundle`) is checked whole before anything is stored: made for this
authority, signed by a device certificate this gateway's CA issued, the device enrolled and
not revoked, not expired, newer than the last bundle taken from that device, and every
revision readable. A revoked or wiped laptop's bundle is not taken: its receipt carries IT's
order instead, which the laptop obeys when it reads it, as it would online. Its revisions
then go through `Store.push`, the online path's own checks and idempotency (hash chains,
caseload, each revision stored once), and the answers go back in a receipt signed by the
authority's receipt key.

The way down (decision 0011): `inbound_for_device` writes a device's inbound bundle, sealed
to the X25519 key it sent at enrolment and signed by the authority: the contact answer an
online sync would get (the gateway's time, the lease, any order) and, for a device not
withdrawn, the caseload pages `Store.pull` gives from the cursor the last such bundle ended
at (or, when the laptop's own latest bundle said it never took that one, from the cursor it
said it holds). Imports no FastAPI.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.bundle import (
    AuthorityKey,
    BundleError,
    BundleHeader,
    new_bundle_id,
    open_bundle,
    seal_receipt,
    seal_to_device,
)
from sync.gateway.ca import _write_private, serial_of
from sync.gateway.store import Store
from sync.protocol import (
    CHUNK_SIZE,
    CURRENT,
    MAX_BATCH,
    MAX_PULL,
    ContactAnswer,
    DeviceOrder,
    DocumentAnswer,
    DocumentOffer,
    DocumentStatus,
    ItemAck,
    ProtocolError,
    PullRequest,
    PushItem,
    PushRequest,
    ReferenceRequest,
    ReferenceResponse,
)
from sync.protocol import closing_digest as closing_of

__all__ = ["BundleImport", "BundleKey", "InboundWritten", "import_bundle", "inbound_for_device"]

_ENCRYPT_FILE = "bundle-x25519.key"
_SIGN_FILE = "bundle-ed25519.key"
MAX_PUSHES = 200
"""The most batches of revisions one bundle may carry (`MAX_BATCH` each)."""
RECEIPT_LIFETIME = dt.timedelta(days=365)
INBOUND_REFERENCE_BYTES = 64 * 1024 * 1024
"""About how much reference data one inbound bundle carries (online answers carry 8 MB, and
ask again; a file cannot, and the next one written before the laptop's own bundle has said
what it took would carry the same again)."""


def _load_or_make(path: Path, make: Any) -> Any:
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    key = make()
    _write_private(
        path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    return key


@dataclass(frozen=True)
class BundleKey:
    """The authority's bundle key pair: X25519 to read bundles, Ed25519 to sign receipts."""

    decrypt: X25519PrivateKey
    sign: Ed25519PrivateKey

    @classmethod
    def load_or_create(cls, folder: Path) -> BundleKey:
        """The folder's bundle keys (owner-only files beside the CAs), made on first start."""
        folder.mkdir(parents=True, exist_ok=True)
        decrypt = _load_or_make(folder / _ENCRYPT_FILE, X25519PrivateKey.generate)
        sign = _load_or_make(folder / _SIGN_FILE, Ed25519PrivateKey.generate)
        assert isinstance(decrypt, X25519PrivateKey) and isinstance(sign, Ed25519PrivateKey)
        return cls(decrypt, sign)

    @property
    def public(self) -> AuthorityKey:
        """The public half, which each laptop is given at enrolment."""
        return AuthorityKey(self.decrypt.public_key(), self.sign.public_key())


@dataclass(frozen=True)
class BundleImport:
    """What importing one bundle did."""

    receipt: bytes
    """The signed receipt to take back to the laptop."""
    stored: int
    """Revisions stored now for the first time."""
    duplicate: int
    """Revisions the gateway held already (by an online sync or an earlier bundle)."""
    waiting: int
    """Revisions not taken yet (an earlier revision of their record has not arrived)."""
    refused: int
    """Revisions refused for good (the receipt gives the reasons)."""
    again: bool
    """This very bundle had been imported before: nothing was changed."""
    documents: int = 0
    """Signed PDFs the gateway now holds whole (stored now or before)."""
    withdrawn: bool = False
    """The laptop was revoked or ordered wiped: nothing was taken, and the receipt carries
    the order (the laptop deletes its vault when it reads it)."""
    reasons: tuple[str, ...] = ()
    """Why the refused revisions were refused, in the gateway's words (each reason once)."""
    device_id: str = ""
    """The laptop the bundle came from (and the receipt is for)."""

    @property
    def summary(self) -> str:
        """What happened, in words, for the console."""
        if self.withdrawn:
            return (
                "This laptop's access was withdrawn, so nothing in its bundle was taken. The "
                "receipt tells the laptop to delete its vault: take it back to the laptop."
            )
        if self.again:
            return (
                "This bundle was imported before, so nothing was changed. A fresh receipt "
                "was written for the laptop."
            )
        return (
            f"Imported: {self.stored:,} revision(s) stored, {self.duplicate:,} already held, "
            f"{self.waiting:,} waiting for an earlier part of their record, {self.refused:,} "
            f"refused; {self.documents:,} signed PDF(s) held whole. Take the receipt back to "
            "the laptop."
        )


def _refuse(message: str) -> BundleError:
    return BundleError(message)


def _pushes(payload: dict[str, Any]) -> list[tuple[PushItem, ...]]:
    pushes = payload.get("pushes")
    if not isinstance(pushes, list) or len(pushes) > MAX_PUSHES:
        raise _refuse("This bundle's contents cannot be read. Nothing was changed.")
    try:
        return [PushRequest.from_json(p).items for p in pushes]
    except (ProtocolError, RecursionError, ValueError, TypeError) as e:
        raise _refuse(
            f"A revision in this bundle cannot be read ({e}), so none of it was taken. "
            "Nothing was changed; tell the assessor's IT support."
        ) from e


def _documents(payload: dict[str, Any]) -> list[tuple[DocumentOffer, bytes]]:
    """The bundle's signed PDFs, each whole and matching its offer, or the bundle is refused."""
    raw = payload.get("documents", [])
    if not isinstance(raw, list) or len(raw) > MAX_PUSHES * MAX_BATCH:
        raise _refuse("This bundle's signed PDFs cannot be read. Nothing was changed.")
    found = []
    try:
        for entry in raw:
            if not isinstance(entry, dict) or not isinstance(entry.get("data"), str):
                raise ValueError("document entry")
            offer = DocumentOffer.from_json(entry.get("offer"))
            data = base64.b64decode(entry["data"], validate=True)
            if len(data) != offer.size or hashlib.sha256(data).hexdigest() != offer.sha256:
                raise ValueError(f"signed PDF {offer.filename} does not match its checksum")
            found.append((offer, data))
    except (ProtocolError, ValueError, TypeError) as e:
        raise _refuse(
            f"A signed PDF in this bundle cannot be read ({e}), so none of the bundle was "
            "taken. Nothing was changed; export it again on the laptop."
        ) from e
    return found


def _store_document(
    store: Store, device: str, assessor: str, offer: DocumentOffer, data: bytes, now: dt.datetime
) -> DocumentAnswer:
    """Offer one PDF and hand over its chunks, as the online upload does; the last answer."""
    answer = store.offer_document(device, offer, now, assessor=assessor)
    while answer.status is DocumentStatus.RECEIVING:
        start = answer.received
        answer = store.put_chunk(
            offer.document_id, start, data[start : start + CHUNK_SIZE], now, assessor=assessor
        )
        if answer.status is DocumentStatus.RECEIVING and answer.received <= start:
            break  # taken by another import meanwhile: its own answer will say whole
    return answer


def _inbound_taken(payload: dict[str, Any]) -> tuple[int, int] | None:
    """What the laptop says it took of the inbound bundles: (newest number, its cursor).

    None from a laptop that does not say (an older app), or says it malformed: it is a hint
    for where the next inbound bundle starts, never a reason to refuse the bundle.
    """
    raw = payload.get("inbound")
    if not isinstance(raw, dict):
        return None
    sequence, cursor = raw.get("sequence"), raw.get("cursor")
    for value in (sequence, cursor):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**62:
            return None
    assert isinstance(sequence, int) and isinstance(cursor, int)
    return sequence, cursor


def _reference_held(payload: dict[str, Any]) -> dict[str, int] | None:
    """What the laptop says it holds of each kind of reference data (as its online request).

    None from a laptop that does not say (an older app), or says it malformed: a hint for what
    the next inbound bundle carries, never a reason to refuse the bundle.
    """
    raw = payload.get("reference_held")
    if not isinstance(raw, dict):
        return None
    try:
        return dict(ReferenceRequest.from_json({"protocol": CURRENT, "have": raw}).have)
    except ProtocolError:
        return None


def _order_receipt(
    key: BundleKey, device_id: str, header: BundleHeader, order: DeviceOrder, now: dt.datetime
) -> BundleImport:
    """A receipt that acknowledges nothing and carries IT's order to the laptop."""
    receipt_header = BundleHeader(
        "receipt",
        key.public.id,
        device_id,
        header.bundle_id,
        header.sequence,
        now,
        now + RECEIPT_LIFETIME,
    )
    payload = {
        "protocol": CURRENT,
        "items": [],
        "acks": [],
        "closing": closing_of(set()),
        "documents": [],
        "order": replace(order, send_first=False).to_json(),
    }
    receipt = seal_receipt(receipt_header, payload, key.sign)
    return BundleImport(receipt, 0, 0, 0, 0, False, 0, withdrawn=True, device_id=device_id)


def import_bundle(
    store: Store, key: BundleKey, ca_certificate: x509.Certificate, data: bytes, now: dt.datetime
) -> BundleImport:
    """Check a laptop's bundle whole, store its revisions once each, and make its receipt.

    Raises:
        BundleError: The bundle was refused; the message says why and what to do, and the
            gateway's database is unchanged.
    """
    authority = key.public
    opened = open_bundle(data, key.decrypt, authority)
    header = opened.header
    try:
        certificate = x509.load_der_x509_certificate(opened.certificate_der)
        certificate.verify_directly_issued_by(ca_certificate)
    except (ValueError, TypeError, InvalidSignature) as e:
        raise _refuse(
            "This bundle was signed by a laptop this gateway did not enrol. Nothing was "
            "changed; enrol the laptop with this gateway, then export again."
        ) from e
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise _refuse(
            "This bundle was signed with a laptop certificate that has expired (or is not yet "
            "valid), so it was not taken. Nothing was changed; enrol the laptop again, then "
            "export again (its records are still on it)."
        )
    device = store.device_by_serial(serial_of(opened.certificate_der))
    if device is None or device.id != header.device_id:
        raise _refuse(
            "This bundle does not come from the laptop it names (its certificate belongs to "
            "another device, or to none this gateway knows). Nothing was changed; enrol the "
            "laptop again, then export again."
        )
    order = device.order()
    if order is not None:
        # Told by file, as it would be at its next contact online (issue 15). Nothing is
        # taken: whether a revoked laptop may send first is the online gateway's policy.
        store.note_order_told(device.id, now)
        return _order_receipt(key, device.id, header, order, now)
    if now > header.expires:
        raise _refuse(
            f"This bundle expired on {header.expires:%d %B %Y}, so it was not taken. Nothing "
            "was changed; export a new one on the laptop (its records are still there)."
        )
    pushes = _pushes(opened.payload)
    documents = _documents(opened.payload)
    last = store.last_bundle(device.id)
    again = last is not None and last == (header.sequence, header.bundle_id)
    # The bundle's number is claimed before anything of it is stored, in one conditional
    # statement: of two imports racing (an older and a newer bundle, on two gateway
    # processes), the older never gets in after the newer, so nothing is rolled back quietly.
    # A bundle imported again (a lost receipt, or an import cut short) stores what is missing.
    if not again and not store.note_bundle(device.id, header.sequence, header.bundle_id, now):
        newest = store.last_bundle(device.id)
        number = newest[0] if newest else header.sequence
        raise _refuse(
            f"This bundle (number {header.sequence}) is older than one already imported from "
            f"this laptop (number {number}), so nothing was changed. Import the newest bundle "
            "the laptop wrote."
        )
    items: list[PushItem] = []
    acks: list[ItemAck] = []
    for push in pushes:
        for start in range(0, len(push), MAX_BATCH):
            part = push[start : start + MAX_BATCH]
            items += part
            acks += store.push(device.id, part, now, assessor=device.assessor_id)
    # After the revisions, as online: a PDF is taken only once its revision is held.
    answers = [
        (offer, _store_document(store, device.id, device.assessor_id, offer, data, now))
        for offer, data in documents
    ]
    held = store.held([a.hash for a in acks if a.status.acknowledged])
    taken = _inbound_taken(opened.payload)
    if taken is not None:
        store.note_inbound_taken(device.id, *taken)
    held_reference = _reference_held(opened.payload)
    if held_reference is not None:
        # As the laptop's `POST /v1/reference` says it online: the next inbound bundle then
        # carries only what is newer (and the console shows what it holds).
        store.note_reference(device.id, held_reference, now)
    receipt_header = BundleHeader(
        "receipt",
        authority.id,
        device.id,
        header.bundle_id,
        header.sequence,
        now,
        now + RECEIPT_LIFETIME,
    )
    payload = {
        "protocol": CURRENT,
        "items": [[i.entity_type, i.entity_id, i.hash] for i in items],
        "acks": [a.to_json() for a in acks],
        "closing": closing_of(held),
        "documents": [{"offer": o.to_json(), "answer": a.to_json()} for o, a in answers],
    }
    stored = sum(1 for a in acks if a.status.value == "stored")
    duplicate = sum(1 for a in acks if a.status.value == "duplicate")
    waiting = sum(1 for a in acks if a.status.value == "retry_later")
    return BundleImport(
        seal_receipt(receipt_header, payload, key.sign),
        stored,
        duplicate,
        waiting,
        len(acks) - stored - duplicate - waiting,
        again,
        sum(1 for _, a in answers if a.status.acknowledged),
        reasons=tuple(dict.fromkeys(a.reason for a in acks if a.status.value == "refused")),
        device_id=device.id,
    )


INBOUND_LIFETIME = dt.timedelta(days=30)
"""How long a laptop takes an inbound bundle after it was written."""
MAX_INBOUND_PAGES = 200
"""The most caseload pages one inbound bundle carries (the rest go in the next)."""


@dataclass(frozen=True)
class InboundWritten:
    """What one inbound bundle carries, for IT."""

    data: bytes
    sequence: int
    people: int
    """People given (new to the caseload, or with new revisions)."""
    removed: int
    """People named as moved to another caseload."""
    withdrawn: bool
    """The bundle carries IT's order (revoked or wiped) and nothing else."""
    more: bool
    """The caseload (or the reference data) had more than one bundle carries: write another."""
    reference: int = 0
    """Reference-data packages (forms, rates, branding, leaflets) it carries."""

    @property
    def summary(self) -> str:
        """What the bundle carries, in words."""
        if self.withdrawn:
            return (
                f"Inbound bundle {self.sequence}: it carries IT's order to delete the vault, "
                "and nothing else. Take it to the laptop."
            )
        more = (
            " The caseload had more changes: write another bundle after this one."
            if (self.more)
            else ""
        )
        packages = (
            f", {self.reference:,} reference-data package(s) (forms, rates, branding or leaflets)"
            if self.reference
            else ""
        )
        return (
            f"Inbound bundle {self.sequence}: {self.people:,} person(s) with changes, "
            f"{self.removed:,} moved to another caseload{packages}, and the lease renewed. "
            f"Take it to the laptop.{more}"
        )


def inbound_for_device(
    store: Store,
    key: BundleKey,
    device_id: str,
    now: dt.datetime,
    *,
    lease_days: int | None = None,
    revoked_may_send: bool = False,
    from_start: bool = False,
) -> InboundWritten:
    """Write the next inbound bundle for `device_id`.

    Args:
        store: The gateway's store.
        key: The authority's bundle key, which signs it.
        device_id: The laptop it is for.
        now: When (the contact answer's time, which the lease counts from).
        lease_days: The lease the gateway sets (as ``serve --lease-days``); None: none.
        revoked_may_send: As online; a revoked laptop still sends nothing by file first.
        from_start: Give the whole caseload again (cursor 0), not only what changed since the
            last bundle: for a laptop that lost a bundle before importing it.

    Raises:
        BundleError: No such device, or one enrolled before files could go down to it.
    """
    device = store.device(device_id)
    if device is None:
        raise _refuse(
            f"There is no laptop {device_id!r} at this gateway. Nothing was written; see "
            "'assessor-gateway devices' for their ids."
        )
    inbound = store.inbound_key(device.id)
    if inbound is None:
        raise _refuse(
            "This laptop was enrolled before the gateway could send files to laptops, so no "
            "bundle can be written for it. Nothing was written; enrol it again (by file, with "
            "'assessor-gateway enrol-file'), then write the bundle."
        )
    from sync.gateway.enrolment import inbound_public_key

    recipient = inbound_public_key(inbound)
    order = device.order(revoked_may_send=revoked_may_send)
    cursor = 0 if from_start else store.inbound_start(device.id)
    start = cursor
    pages: list[dict[str, Any]] = []
    people: set[str] = set()
    removed: set[str] = set()
    more = False
    if order is None:
        for _ in range(MAX_INBOUND_PAGES):
            asked = PullRequest(cursor, MAX_PULL)
            page = store.pull(device.assessor_id, device.id, cursor, MAX_PULL)
            pages.append({"request": asked.to_json(), "answer": page.to_json()})
            people |= {p.person_id for p in page.people}
            removed |= set(page.removed)
            cursor, more = page.cursor, page.more
            if not more:
                break
    else:
        store.note_order_told(device.id, now)
    reference: tuple[bytes, ...] = ()
    reference_more = False
    if order is None:
        # The packages newer than the laptop last said it holds (online, or in its own last
        # bundle); a laptop that never said gets every one. Checked on the laptop against the
        # publishing key, as online.
        found, reference_more = store.reference_newer(
            store.reference_held(device.id), INBOUND_REFERENCE_BYTES
        )
        reference = tuple(found)
    sequence = store.note_inbound(device.id, cursor, now)
    header = BundleHeader(
        "inbound", key.public.id, device.id, new_bundle_id(), sequence, now, now + INBOUND_LIFETIME
    )
    payload = {
        "protocol": CURRENT,
        "contact": ContactAnswer(now, lease_days, order).to_json(),
        "from_cursor": start,
        "pages": pages,
    }
    if reference:
        payload["reference"] = ReferenceResponse(reference, reference_more).to_json()
    data = seal_to_device(header, payload, recipient, key.sign)
    return InboundWritten(
        data,
        sequence,
        len(people),
        len(removed),
        order is not None,
        more or reference_more,
        len(reference),
    )
