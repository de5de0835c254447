"""Enrolling this laptop with the gateway, and sending what the outbox holds.

`enrol` spends a one-time code: it sends a certificate request for the laptop's own key
(made inside the vault) and keeps the certificate the gateway's CA issues, and the CA to pin;
and one for the profile's PDF signing key, whose issued certificate replaces the self-signed
one, its CA becoming a trusted root.
`sync_now` drains the outbox in batches: each batch's answers are checked (one per revision
sent, and a closing digest over what was acknowledged) before anything is marked sent, and
then every revision is moved in one transaction: acknowledged, retrying (a failure that
passes), or quarantined (refused for good, with the gateway's reason). A failure never
deletes anything and never holds back other records. Then each signed PDF whose revision is
acknowledged goes (`next_document`, `send_document`, `apply_document_answer` or
`apply_document_failure`): offered, then sent in chunks from the byte count the gateway says
it holds, so an upload cut off goes on where it stopped. When the gateway reports that it
holds another version of a record, the client fetches that version (`versions_request`,
`apply_versions`) and keeps it in the vault, so the choice can be made later, offline.
After pushing, the caseload is pulled (`pull.pull_all`): what changed at the gateway on this
assessor's caseload since the cursor kept, page by page.
Each sync begins with the contact (`governance`): the lease starts again, or IT's order to a
revoked or wiped laptop is obeyed (the profile deleted, after sending if the policy allows).
Last, the authority's reference data newer than this laptop holds is fetched and checked
(`reference.fetch_reference`). Imports no Qt.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from cryptography.x509.oid import NameOID

from assessor_app.core import settings
from assessor_app.core.errors import AssessorError, ValidationError
from assessor_app.core.keys import public_key_b64
from assessor_app.core.storage import document_outbox, history, other_versions, outbox
from assessor_app.core.storage import enrolment as enrolment_store
from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.device_keys import contribution_signing_key
from assessor_app.core.storage.documents import (
    DocumentIntegrityError,
    DocumentRepository,
    StoredDocument,
)
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client import dst, governance, pull
from assessor_app.core.sync_client import lease as lease_terms
from assessor_app.core.sync_client.first_contact import (
    check_fingerprint,
    fetch_ca_by_fingerprint,
)
from assessor_app.core.sync_client.reference import fetch_reference
from assessor_app.core.sync_client.transport import (
    DeviceIdentity,
    HttpsTransport,
    Transport,
    TransportError,
)

if TYPE_CHECKING:
    from assessor_app.core.form_engine.definition import FormDefinition
from sync.bundle import parse_authority_key
from sync.protocol import (
    CHUNK_SIZE,
    CURRENT,
    MAX_BATCH,
    MAX_HELD_REPORTED,
    AckStatus,
    DeviceOrder,
    DocumentAnswer,
    DocumentOffer,
    DocumentOffers,
    DocumentStatus,
    HeldItem,
    ProtocolError,
    PushItem,
    PushRequest,
    PushResponse,
    QueueReport,
    VersionsRequest,
    VersionsResponse,
    document_answers,
)

log = logging.getLogger("assessor.sync")

__all__ = [
    "Batch",
    "BatchResult",
    "DocumentResult",
    "DocumentUpload",
    "NotEnrolledError",
    "OfflineError",
    "SyncReport",
    "apply_answer",
    "apply_document_answer",
    "apply_document_answers",
    "apply_document_failure",
    "apply_failure",
    "apply_versions",
    "fetch_other_versions",
    "enrol",
    "enrolment_request",
    "finish_enrolment",
    "form_title",
    "next_batch",
    "held_to_report",
    "queue_report",
    "tell_queue",
    "upload_of",
    "next_document",
    "next_documents",
    "isolated",
    "pending_documents_text",
    "send_document",
    "send_documents",
    "smaller",
    "send_enrolment",
    "sync_now",
    "transport_for",
    "versions_request",
]


class NotEnrolledError(AssessorError):
    """Sync was asked for before this laptop was enrolled with the gateway."""


class OfflineError(AssessorError):
    """Sync was asked for while offline mode is on: nothing touches the network."""


@dataclass(frozen=True)
class SyncReport:
    """What one sync did, for the status line and `assessor-cli sync now`."""

    sent: int
    """Revisions the gateway acknowledged in this sync."""
    held: int
    """Revisions the gateway refused for good (quarantined, with its reasons)."""
    waiting: int
    """Revisions still queued afterwards (retrying ones included)."""
    problem: str
    """Why the sync stopped early, in words; "" when it finished."""
    other_versions: int = 0
    """Records with another version kept here, waiting for the assessor's choice."""
    documents_sent: int = 0
    """Signed PDFs the gateway acknowledged whole in this sync."""
    documents_held: int = 0
    """Signed PDFs the gateway refused for good in this sync (held, with its reasons)."""
    documents_waiting: int = 0
    """Signed PDFs still to send afterwards (held ones, and those waiting for their record)."""
    received: int = 0
    """Revisions of people on this caseload pulled from the gateway in this sync."""
    people_received: int = 0
    """People new to this laptop, pulled in this sync."""
    moving: int = 0
    """People moved to another caseload, kept here until this laptop's work on them is sent."""
    released: int = 0
    """People removed from this laptop in this sync (moved away, nothing of theirs unsent)."""
    dst_received: int = 0
    """MDT members' contributions (or newer revisions of them) merged into shared DSTs."""
    dst_new: int = 0
    """DSTs this laptop was newly invited to, now held here to contribute to."""
    dst_refused: tuple[str, ...] = ()
    """Why any DST contribution sent or received was not taken, in words."""
    withdrawn: governance.Withdrawal | None = None
    """IT had revoked this laptop or ordered it wiped: the profile has been deleted (after
    sending what the policy allowed), and the vault is closed."""
    reference: tuple[str, ...] = ()
    """Reference-data packages taken in this sync ("rates package version 3")."""

    @property
    def finished(self) -> bool:
        """Everything due was sent and nothing went wrong."""
        return not self.problem


def enrol(
    vault: Vault,
    gateway_url: str,
    code: str,
    *,
    first_contact_ca: bytes | None = None,
    fingerprint: str | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> enrolment_store.Enrolment:
    """Enrol this laptop with the gateway using a one-time code from IT.

    The first contact is vouched for by one of two things IT gives: the CA certificate file,
    or its fingerprint (`first_contact.fetch_ca_by_fingerprint`: the CA is fetched and
    checked before the code is sent). Afterwards only the CA the gateway names is trusted.

    Args:
        vault: The unlocked profile.
        gateway_url: ``https://…`` as IT gave it.
        code: The one-time code (spaces, dashes and case do not matter).
        first_contact_ca: The CA certificate (PEM) that vouches for the gateway's server.
        fingerprint: The SHA-256 fingerprint of that CA, as IT read it out.
        now: The clock (tests pass a fixed one).

    Raises:
        TransportError: The gateway could not be reached, is not the council's (its
            fingerprint differs; nothing was sent), or refused the code (the message says
            why: unknown, used, expired).
        FingerprintError: `fingerprint` is not one; nothing was sent.
        OfflineError: Offline mode is on.
    """
    if (first_contact_ca is None) == (fingerprint is None):
        raise ValueError("give the first-contact CA or its fingerprint, one of the two")
    if fingerprint is not None:
        check_fingerprint(fingerprint)
    request = enrolment_request(vault, code)
    answer = send_enrolment(
        gateway_url, request, first_contact_ca=first_contact_ca, fingerprint=fingerprint
    )
    return finish_enrolment(vault, gateway_url, answer, now=now())


def send_enrolment(
    gateway_url: str,
    request: dict[str, object],
    *,
    first_contact_ca: bytes | None = None,
    fingerprint: str | None = None,
) -> dict[str, Any]:
    """Send the enrolment request, trusting the CA given or the one the fingerprint vouches for.

    Touches only the network (the window runs it on its network lane). With a fingerprint the
    gateway's CA is fetched and checked first; when it does not match, nothing is sent.

    Raises:
        TransportError: As `enrol` says; FingerprintError for a fingerprint that is not one.
    """
    if fingerprint is not None:
        first_contact_ca = fetch_ca_by_fingerprint(gateway_url, fingerprint)
    if first_contact_ca is None:
        raise ValueError("give the first-contact CA or its fingerprint")
    return HttpsTransport(gateway_url, first_contact_ca).post("/v1/enrol", request)


def enrolment_request(vault: Vault, code: str, *, by_file: bool = False) -> dict[str, object]:
    """The enrolment request: the code, certificate requests, and the key for files down.

    Certificate requests for the device key (mutual TLS) and the profile's PDF signing key,
    and the public half of the laptop's X25519 key that the gateway encrypts files to it to
    (decision 0011). Each key is made inside the vault the first time (runs on the vault's
    thread).

    Args:
        vault: The unlocked profile.
        code: The one-time code from IT.
        by_file: The request goes in a file (`file_transport.write_enrolment_request`), so
            offline mode does not stop it.

    Raises:
        OfflineError: Offline mode is on (online only).
    """
    if settings.current().offline and not by_file:
        raise OfflineError(
            "Offline mode is on, so the laptop cannot enrol.",
            "Turn off the offline setting, then enrol.",
        )
    key = enrolment_store.device_key(vault)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, vault.profile.id)]))
        .sign(key, hashes.SHA256())
    )
    return {
        "protocol": CURRENT,
        "code": code,
        "csr": csr.public_bytes(Encoding.PEM).decode(),
        "signing_csr": _signing_request(vault),
        # So the gateway knows who signs DST contributions with which key (decision 0012).
        "contribution_key": public_key_b64(contribution_signing_key(vault)),
        "inbound_key": base64.b64encode(_inbound_public(vault)).decode("ascii"),
    }


def _inbound_public(vault: Vault) -> bytes:
    key = enrolment_store.inbound_key(vault)
    assert key is not None
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def finish_enrolment(
    vault: Vault, gateway_url: str, answer: dict[str, object], *, now: dt.datetime
) -> enrolment_store.Enrolment:
    """Keep what the gateway issued, after checking it is for this laptop's own key.

    Raises:
        TransportError: The answer cannot be read, or the certificate is for another key;
            nothing was changed.
    """
    key = enrolment_store.device_key(vault)
    try:
        certificate_der = base64.b64decode(str(answer["certificate"]), validate=True)
        issued = x509.load_der_x509_certificate(certificate_der)
        server_ca = str(answer.get("server_ca") or answer["ca"]).encode("ascii")
        device_id, assessor_id = str(answer["device_id"]), str(answer["assessor_id"])
    except (KeyError, ValueError) as e:
        raise TransportError(
            "The gateway's answer to the enrolment could not be read. Nothing was changed; "
            "try again, or tell IT.",
            temporary=False,
        ) from e
    if issued.public_key().public_numbers() != key.public_key().public_numbers():  # type: ignore[union-attr]
        raise TransportError(
            "The gateway issued a certificate for another key. Nothing was changed; tell IT.",
            temporary=False,
        )
    # Every part of the answer is checked before anything is kept: a signing certificate the
    # laptop cannot use must not leave a recovery slot behind, nor the other way round.
    recovery = _recovery_key(answer)
    bundle_key = _bundle_key(answer)
    publishing_key = _publishing_key(answer)
    _install_signing_certificate(vault, answer)
    if recovery is not None:
        vault.set_recovery_key(recovery)
    else:
        log.info("the gateway sent no recovery key: the profile's key slots are unchanged")
    enrolment_store.save_enrolment(
        vault,
        gateway_url=gateway_url,
        device_id=device_id,
        assessor_id=assessor_id,
        server_ca_pem=server_ca,
        certificate_der=certificate_der,
        now=now,
        bundle_public_key=bundle_key,
        publishing_public_key=publishing_key,
    )
    lease_key, lease_days = _lease(answer)
    lease_terms.start_lease(vault, lease_key, lease_days, now)
    enrolled = enrolment_store.load_enrolment(vault)
    assert enrolled is not None
    return enrolled


def _lease(answer: dict[str, object]) -> tuple[bytes | None, int | None]:
    """The lease key and days the gateway gave; (None, None) from a gateway without leases."""
    text, days = answer.get("lease_key"), answer.get("lease_days")
    if text is None:
        return None, None
    try:
        key = base64.b64decode(str(text), validate=True)
        if len(key) < 16 or not (days is None or (isinstance(days, int) and days > 0)):
            raise ValueError("not a lease")
    except ValueError as e:
        raise TransportError(
            "The gateway's lease could not be read, so the laptop was not enrolled. Nothing "
            "was changed; tell IT.",
            temporary=False,
        ) from e
    return key, days if isinstance(days, int) else None


def _answer_key(
    answer: dict[str, object], field: str, parse: Callable[[Any], object], what: str
) -> str | None:
    """The key the gateway sent under `field`, checked by `parse`; None when it sent none.

    Raises:
        TransportError: The key in the answer cannot be read (`what` names it); nothing was
            changed.
    """
    text = answer.get(field)
    if text is None:
        return None
    try:
        parse(text)
    except ValueError as e:
        raise TransportError(
            f"The gateway's {what} could not be read, so the laptop was not enrolled. "
            "Nothing was changed; tell IT.",
            temporary=False,
        ) from e
    return str(text)


def _recovery_key(answer: dict[str, object]) -> str | None:
    """The authority's recovery public key the gateway sent, checked; None when it sent none.

    Its slot replaces any earlier one (a re-enrolment). A gateway that sends none (one set up
    before recovery keys, or without one) leaves the profile as it was, an earlier slot
    included: dropping it would quietly take away IT's way back in.
    """
    from assessor_app.core.storage.recovery_key import parse_public_key

    return _answer_key(answer, "recovery_public_key", parse_public_key, "recovery key")


def _bundle_key(answer: dict[str, object]) -> str | None:
    """The authority's bundle key the gateway sent, checked; None from a gateway without one."""
    return _answer_key(answer, "bundle_public_key", parse_authority_key, "key for sending by file")


def _publishing_key(answer: dict[str, object]) -> str | None:
    """The authority's publishing key the gateway sent, checked; None from one without it."""
    from sync.reference import parse_publishing_key

    return _answer_key(
        answer,
        "publishing_public_key",
        parse_publishing_key,
        "key for the council's forms and rates",
    )


def _signing_request(vault: Vault) -> str:
    """A certificate request for the profile's PDF signing key (made on first use)."""
    # Imported here: the signing code loads pyHanko, which syncing alone never needs.
    from assessor_app.core.services.signing import signing_request

    return signing_request(vault).decode("ascii")


def _install_signing_certificate(vault: Vault, answer: dict[str, object]) -> None:
    """Install the PDF signing certificate the gateway's CA issued, and trust that CA.

    An older gateway sends none: the profile keeps signing with its self-signed certificate.

    Raises:
        TransportError: The certificate cannot be read or fails a check (another key, not
            valid now, not for signing, not from the chain sent); nothing was changed.
    """
    if answer.get("signing_certificate") is None:
        return
    from assessor_app.core.services.signing import install_enrolled_certificate

    try:
        certificate = base64.b64decode(str(answer["signing_certificate"]), validate=True)
        chain_field = answer.get("signing_chain") or []
        if not isinstance(chain_field, list):
            raise ValueError("signing_chain is not a list")
        chain = [base64.b64decode(str(c), validate=True) for c in chain_field]
    except ValueError as e:
        raise TransportError(
            "The gateway's answer to the enrolment could not be read. Nothing was changed; "
            "try again, or tell IT.",
            temporary=False,
        ) from e
    try:
        install_enrolled_certificate(vault, certificate, chain)
    except ValidationError as e:
        raise TransportError(
            "The council's gateway sent a PDF signing certificate this laptop cannot use: "
            f"{e.user_message} Nothing was changed and the laptop is not enrolled; tell IT.",
            temporary=False,
        ) from e


def transport_for(vault: Vault, *, timeout: float = 20.0) -> HttpsTransport:
    """The HTTPS way to this profile's gateway, with its pinned CA and device certificate.

    Raises:
        NotEnrolledError: The laptop is not enrolled yet.
        OfflineError: Offline mode is on (the `offline` setting).
    """
    if settings.current().offline:
        raise OfflineError(
            "Offline mode is on, so nothing was sent. Your records are queued.",
            "Turn off the offline setting when you may use the network.",
        )
    enrolled = enrolment_store.load_enrolment(vault)
    if enrolled is None:
        raise NotEnrolledError(
            "This laptop is not enrolled with the council's gateway, so nothing can be sent.",
            "Ask IT for an enrolment code, then enrol (Tools → Sync, or 'assessor-cli sync "
            "enrol'). Your records stay queued meanwhile.",
        )
    cert_pem = x509.load_der_x509_certificate(enrolled.certificate_der).public_bytes(Encoding.PEM)
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    key = load_der_private_key(enrolled.key_der, password=None)
    key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    return HttpsTransport(
        enrolled.gateway_url,
        enrolled.server_ca_pem,
        DeviceIdentity(cert_pem, key_pem),
        timeout=timeout,
    )


def _items(vault: Vault, due: list[outbox.OutboxItem]) -> list[PushItem]:
    """The full revisions the outbox rows name, in the rows' order."""
    return _revisions(vault, [((r.entity_type, r.entity_id), r.revision_hash) for r in due])


def _revisions(vault: Vault, wanted: list[tuple[tuple[str, str], str]]) -> list[PushItem]:
    """The full revisions named by (chain, hash), in that order.

    Read by their hashes in a few queries: reading each chain they are in whole read every
    earlier revision again (and a record saved often has many).
    """
    held = history.revisions_by_hash(vault.conn, [digest for _, digest in wanted])
    found = []
    for chain, digest in wanted:
        revision, stamp = held[digest]
        # The outbox names each revision by its chain and hash; both must agree.
        assert (revision.entity_type, revision.entity_id) == chain, digest
        found.append(PushItem.from_revision(revision, stamp=stamp))
    return found


@dataclass(frozen=True)
class Batch:
    """One push, prepared on the vault's thread and sent from any other."""

    items: tuple[PushItem, ...]

    @property
    def body(self) -> dict[str, object]:
        """The request as JSON."""
        return PushRequest(self.items).to_json()


@dataclass(frozen=True)
class BatchResult:
    """What one answered push changed in the outbox."""

    sent: int
    held: int
    other_versions: int
    moved: bool
    """Something was acknowledged: the next batch may have more to send."""
    resend: frozenset[tuple[str, str]] = frozenset()
    """Chains (entity type, id) the gateway has lost revisions of that it once acknowledged:
    the next batch sends them again (`next_batch(resend=...)`), once per sync."""

    forked: tuple[str, ...] = ()
    """The records the gateway said it holds another version of."""

    @property
    def go_on(self) -> bool:
        """Another batch is worth sending now."""
        return self.moved or bool(self.resend)


LOST_AT_GATEWAY = (
    "The council's server no longer holds an earlier part of this record (it may have been "
    "restored from a backup), so the laptop is sending it again."
)


def next_batch(
    vault: Vault,
    now: dt.datetime,
    *,
    limit: int = MAX_BATCH,
    resend: frozenset[tuple[str, str]] = frozenset(),
) -> Batch | None:
    """The next revisions to send, or None when nothing is due (runs on the vault's thread).

    Args:
        vault: The unlocked profile.
        now: What "due" is measured against.
        limit: The most revisions in one batch.
        resend: Chains the gateway said it lacks though it once acknowledged them
            (`BatchResult.resend`): all their revisions go first, people before records, and
            the gateway, which keeps each revision once, stores only what it had lost. A
            record's person is sent with it.
    """
    chains = set(resend)
    for chain in resend:
        # A record's person goes with it: a gateway that lost the record may have lost them too
        # (they are few revisions, and the gateway stores only what it lacks).
        first = outbox.acknowledged_in(vault.conn, *chain)[:1]
        if chain[0] == "assessment" and first:
            person = _revisions(vault, [(chain, first[0])])[0].body.get("person_id")
            if isinstance(person, str) and person:
                chains.add(("person", person))
    again: list[tuple[tuple[str, str], str]] = []
    for chain in sorted(chains, key=lambda c: (c[0] != "person", c)):
        again += [(chain, h) for h in outbox.acknowledged_in(vault.conn, *chain)]
    again = again[:limit]
    due = outbox.due(vault.conn, now, limit=limit - len(again)) if len(again) < limit else []
    items = _revisions(vault, again) + _items(vault, due)
    return Batch(tuple(items)) if items else None


def apply_answer(
    vault: Vault,
    batch: Batch,
    answer: dict[str, object],
    now: dt.datetime,
    rng: random.Random | None = None,
    *,
    resent: frozenset[tuple[str, str]] = frozenset(),
) -> BatchResult:
    """Record the gateway's answer to `batch` in one transaction.

    A revision the gateway cannot take yet because it lacks one this laptop holds as
    acknowledged (the gateway lost it) is due again at once, and its chain is named in
    `BatchResult.resend`, unless that chain is in `resent` (sent again already this sync:
    then it waits its back-off like any other).

    Raises:
        ProtocolError: The answer does not add up (one per revision, the closing digest);
            nothing has been marked then: call `apply_failure`.
    """
    response = PushResponse.from_json(answer, batch.items)
    held = others = 0
    resend: set[tuple[str, str]] = set()
    sent_items = {i.hash: i for i in batch.items}
    with vault.transaction() as conn:
        acked = [a.hash for a in response.acks if a.status.acknowledged]
        sent = outbox.mark_acknowledged(conn, acked, now)
        later: dict[str, list[str]] = {}  # by reason: a bundle's 1,000 are marked at once
        for a in response.acks:
            if a.status is AckStatus.RETRY_LATER:
                lost = a.missing is not None and _lost_at_gateway(
                    conn, sent_items[a.hash], a.missing
                )
                if lost and a.missing not in resent:
                    assert a.missing is not None
                    resend.add(a.missing)
                    outbox.mark_unsent(conn, [a.hash], LOST_AT_GATEWAY, now, rng, at_once=True)
                else:
                    later.setdefault(a.reason, []).append(a.hash)
            elif a.status is AckStatus.REFUSED:
                outbox.mark_refused(conn, a.hash, a.reason)
                held += 1
        for reason, hashes in later.items():
            outbox.mark_unsent(conn, hashes, reason, now, rng)
        others = sum(1 for a in response.acks if a.other_versions)
        reported = {
            (sent_items[a.hash].entity_type, sent_items[a.hash].entity_id): None
            for a in response.acks
            if a.other_versions
        }
        forked = tuple(i for kind, i in reported if kind == "assessment")
        # Kept with the answer: if fetching them fails now, the next sync fetches them.
        other_versions.mark_due(conn, forked, now)
        other_versions.mark_due(
            conn, [i for kind, i in reported if kind == "person"], now, "person"
        )
    return BatchResult(sent, held, others, bool(acked), frozenset(resend), forked)


def _versions_due(conn: Connection) -> bool:
    """Some record's or person's other versions are still to be fetched."""
    return bool(other_versions.due_record_ids(conn) or other_versions.due_ids(conn, "person"))


def _lost_at_gateway(conn: Connection, item: PushItem, missing: tuple[str, str]) -> bool:
    """The gateway lacks what `item` needs, though this laptop holds it as acknowledged."""
    if missing == (item.entity_type, item.entity_id):
        return bool(outbox.sent_before(conn, *missing, item.seq))
    return bool(outbox.acknowledged_in(conn, *missing))


VERSIONS_PATH = "/v1/versions"


def versions_request(vault: Vault, forked: Sequence[str] = ()) -> VersionsRequest | None:
    """What to ask the gateway: the records and people reported forked, and those open here.

    Reported means just now or at an earlier sync whose fetch failed. Asking about the open
    ones again notices a version that moved on at the gateway (a later save on the other
    laptop). None when there is nothing to ask (runs on the vault's thread).
    """
    conn = vault.conn
    open_chains = other_versions.open_chains(conn)
    ids = list(
        dict.fromkeys(
            [
                *forked,
                *other_versions.due_record_ids(conn),
                *(i for kind, i in open_chains if kind == "assessment"),
            ]
        )
    )[:MAX_BATCH]
    people = list(
        dict.fromkeys(
            [
                *other_versions.due_ids(conn, "person"),
                *(i for kind, i in open_chains if kind == "person"),
            ]
        )
    )[: MAX_BATCH - len(ids)]
    if not ids and not people:
        return None
    return VersionsRequest(tuple(ids), person_ids=tuple(people))


def apply_versions(
    vault: Vault, request: VersionsRequest, answer: dict[str, object], now: dt.datetime
) -> int:
    """Keep the other versions the gateway sent, in one transaction; how many now have one.

    Each version's newest revision must be of the record (or person) asked for, match its
    hash, and (a record's) be about the same person as this laptop's copy; one that is not is
    not kept. A version this laptop holds already (its own revisions) is not another version.
    A version kept before that the gateway no longer offers (it moved on, or a choice settled
    it) is marked settled. People asked about of a gateway that does not answer for them stay
    due, for a later sync.

    Raises:
        ProtocolError: The answer does not add up; nothing was kept.
    """
    response = VersionsResponse.from_json(answer, request.record_ids, request.person_ids)
    entries = list(response.records)
    if response.people is not None:
        entries += response.people
    with vault.transaction() as conn:
        other_versions.fetched(conn, [e.record_id for e in entries])
        for entry in entries:
            if entry.refused:
                continue  # nothing of it is given: what this laptop holds stays as it is
            mine = history.list_revisions(conn, entry.entity_type, entry.record_id)
            if not mine:
                continue
            offered = {
                head.hash
                for head in pull.keep_apart(
                    conn, entry.entity_type, entry.record_id, mine, entry.heads, now
                )
            }
            for version in other_versions.open_versions(conn, entry.record_id):
                if version.revision_hash not in offered:
                    other_versions.settle(
                        conn, entry.record_id, "", now, only=version.revision_hash
                    )
        return len(other_versions.open_chains(conn))


def fetch_other_versions(
    vault: Vault,
    transport: Transport,
    forked: Sequence[str] = (),
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> int:
    """Fetch and keep the other versions of `forked` and of those still open; how many now.

    Raises:
        TransportError: The gateway could not be reached; nothing was changed.
        ProtocolError: Its answer did not add up; nothing was kept.
    """
    request = versions_request(vault, forked)
    if request is None:
        return 0
    answer = transport.post(VERSIONS_PATH, request.to_json())
    return apply_versions(vault, request, answer, now())


def apply_failure(
    vault: Vault,
    batch: Batch,
    error: Exception,
    now: dt.datetime,
    rng: random.Random | None = None,
) -> str:
    """Record a push that failed; the problem in words.

    A failure that passes (no network, a time-out, a 5xx, an answer that does not add up)
    sets the batch to retry after a back-off. A refusal of the device itself (not enrolled,
    revoked) changes nothing: every revision stays queued for when it is put right.
    """
    if isinstance(error, ProtocolError):
        problem = (
            f"The council's server gave an answer that does not add up ({error}). Your "
            "records are still queued and will be sent next time."
        )
    else:
        problem = str(error)
    if isinstance(error, ProtocolError) or (isinstance(error, TransportError) and error.temporary):
        with vault.transaction() as conn:
            hashes = [i.hash for i in batch.items]
            outbox.mark_unsent(conn, hashes, problem, now, rng, answered=False)
    elif isolated(batch, error):
        # The gateway would not read this one revision at all: hold it with the reason, so
        # it does not stop every other record being sent.
        with vault.transaction() as conn:
            outbox.mark_refused(conn, batch.items[0].hash, problem)
    return problem


_WHOLE_BATCH_REFUSED = (400, 413)
"""The gateway (or a proxy before it) would not take the request at all: too big, unreadable."""


def smaller(batch: Batch, error: Exception) -> int | None:
    """A smaller batch to try, when the whole batch was refused (400, 413); else None."""
    if (
        isinstance(error, TransportError)
        and error.status in _WHOLE_BATCH_REFUSED
        and len(batch.items) > 1
    ):
        return max(1, len(batch.items) // 2)
    return None


def isolated(batch: Batch, error: Exception) -> bool:
    """A single revision the gateway would not take at all (it is then held, not retried)."""
    return (
        isinstance(error, TransportError)
        and error.status in _WHOLE_BATCH_REFUSED
        and len(batch.items) == 1
    )


def sync_now(
    vault: Vault,
    transport: Transport,
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    rng: random.Random | None = None,
    batch: int = MAX_BATCH,
    form_title: Callable[[str, int], str] | None = None,
) -> SyncReport:
    """Send everything due, batch by batch, until none is due or the gateway cannot be used.

    For the command line and tests: one thread does everything. The desktop app runs the same
    steps (`next_batch`, `Transport.post`, `apply_answer` or `apply_failure`) with the network
    call off the vault's thread, so saving never waits for the network.

    It begins with the contact (`governance.ask_contact`): a successful one starts the lease
    again. When IT has revoked the laptop or ordered it wiped (said at the contact or in any
    refusal), the profile is deleted from the laptop, after sending what is queued if the
    policy allows; the report then names the withdrawal, and the vault is closed.
    `form_title` names the forms of held items in the queue report at the end (their ids
    without it).
    """
    watching = governance.WatchingTransport(transport)
    order: DeviceOrder | None = None
    try:
        order = governance.apply_contact(vault, governance.ask_contact(watching), now())
    except (TransportError, ProtocolError) as e:
        # Not reached (or an older answer): the pushes below meet the same and say so.
        log.info("the contact with the gateway failed: %s", e)
    if order is not None and not order.send_first:
        report = SyncReport(0, 0, outbox.summary(vault.conn).waiting, "")
    else:
        report = _send_all(vault, watching, now=now, rng=rng, batch=batch, form_title=form_title)
    order = order or watching.order
    if order is None:
        return report
    withdrawal = governance.obey(vault, order)
    return replace(report, withdrawn=withdrawal, problem=governance.withdrawal_text(withdrawal)[1])


def _send_all(
    vault: Vault,
    transport: Transport,
    *,
    now: Callable[[], dt.datetime],
    rng: random.Random | None,
    batch: int,
    form_title: Callable[[str, int], str] | None,
) -> SyncReport:
    """`sync_now`'s sending, after the contact."""
    sent = held = others = 0
    forked: list[str] = []
    problem = ""
    limit = batch
    resent: frozenset[tuple[str, str]] = frozenset()
    again: frozenset[tuple[str, str]] = frozenset()
    while (pending := next_batch(vault, now(), limit=limit, resend=again)) is not None:
        again = frozenset()
        try:
            answer = transport.post("/v1/push", pending.body)
            result = apply_answer(vault, pending, answer, now(), rng, resent=resent)
        except (TransportError, ProtocolError) as e:
            if (fewer := smaller(pending, e)) is not None:
                limit = fewer  # the gateway would not take so many at once: halve, go on
                continue
            problem = apply_failure(vault, pending, e, now(), rng)
            if isolated(pending, e):
                held, problem, limit = held + 1, "", batch
                continue  # that one is held; the rest go
            break
        sent, held, others = sent + result.sent, held + result.held, others + result.other_versions
        forked += result.forked
        again, resent = result.resend, resent | result.resend
        if not result.go_on:
            break  # nothing moved: what is left waits for its retry time
    documents_sent, documents_held, problem = _send_documents(vault, transport, now, rng, problem)
    pulled = pull.PullResult()
    if not problem:
        # After pushing: the caseload flows down (what others carried on, people allocated).
        try:
            pulled = pull.pull_all(vault, transport, now=now)
        except (TransportError, ProtocolError) as e:
            problem = (
                f"Your caseload could not be brought up to date from the council's server ({e}). "
                "Everything kept here is unchanged; it goes on at the next sync."
            )
    shared = dst.DstExchange()
    if not problem:
        # The shared DST: this member's contributions up, the others' down (decision 0012).
        try:
            shared = dst.exchange_dsts(vault, transport, now=now)
        except (TransportError, ProtocolError) as e:
            problem = (
                f"The shared DSTs could not be brought up to date ({e}). Everything kept here "
                "is unchanged; it goes on at the next sync."
            )
        for why in shared.refused:
            log.warning("shared DST: %s", why)
    # What the assessor is told is the records waiting for a choice here: those just reported
    # are fetched (with those still open, to notice any that moved on at the gateway).
    others = len(other_versions.open_chains(vault.conn))
    if not problem and (forked or others or _versions_due(vault.conn)):
        try:
            others = fetch_other_versions(vault, transport, forked, now=now)
        except (TransportError, ProtocolError) as e:
            others = max(others, len(set(forked)))
            problem = (
                f"The other versions of {len(set(forked)) or 'some'} record(s) could not be "
                f"fetched ({e}). They will be fetched at the next sync."
            )
    reference: tuple[str, ...] = ()
    if not problem:
        try:
            fetched = fetch_reference(vault, transport, now=now)
        except (TransportError, ProtocolError) as e:
            problem = (
                f"The council's forms and rates could not be fetched ({e}). The app keeps "
                "what it had; they will be fetched at the next sync."
            )
        else:
            reference, problem = fetched.accepted, fetched.problem
    summary = outbox.summary(vault.conn)
    if not problem:
        held_rows = held_to_report(vault.conn, summary)
        tell_queue(transport, queue_report(summary, held_rows, form_title))
    return SyncReport(
        sent,
        held,
        summary.waiting,
        problem,
        others,
        documents_sent,
        documents_held,
        summary.documents_waiting,
        pulled.received,
        pulled.people,
        len(pull.leaving(vault.conn)),
        pulled.released,
        reference=reference,
        dst_received=shared.received,
        dst_new=shared.new_dsts,
        dst_refused=shared.refused,
    )


STATUS_PATH = "/v1/status"


def queue_report(
    summary: outbox.OutboxSummary,
    held: Sequence[outbox.HeldRow] = (),
    title: Callable[[str, int], str] | None = None,
) -> QueueReport:
    """What this laptop still holds to send, as the gateway's device list shows it.

    Args:
        summary: `outbox.summary`.
        held: `held_to_report`: each held change and PDF with its reason (none: counts only).
        title: A form's title from its id and version (`form_title`); without it (the
            command line, which loads no forms to sync) a form is named by its id.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        app_version = version("assessor")
    except PackageNotFoundError:
        app_version = "unknown"
    items = tuple(
        HeldItem(
            h.kind,
            h.item_id,
            h.seq,
            h.person_id,
            h.record_id,
            (title(h.form_id, h.form_version) if title and h.form_id else h.form_id)[:200],
            h.reason[:1000],  # the laptop keeps its reason whole; the gateway reads 1000
        )
        for h in held[:MAX_HELD_REPORTED]
    )
    return QueueReport(
        summary.waiting,
        summary.quarantined,
        summary.documents_waiting,
        summary.documents_held,
        app_version[:40],
        items,
    )


def held_to_report(conn: Connection, summary: outbox.OutboxSummary) -> list[outbox.HeldRow]:
    """The held changes and PDFs a queue report lists (read only when some are held)."""
    if not summary.quarantined and not summary.documents_held:
        return []
    return outbox.held(conn, limit=MAX_HELD_REPORTED)


def tell_queue(transport: Transport, report: QueueReport) -> None:
    """Tell the gateway what is left to send, at the end of a sync that reached it.

    For IT's list of devices only: a failure here is logged and changes nothing (the next sync
    tells it again), and a gateway too old to know the call is no problem.
    """
    try:
        transport.post(STATUS_PATH, report.to_json())
    except TransportError as e:
        log.info("the gateway was not told the queue's state: %s", e)


def _send_documents(
    vault: Vault,
    transport: Transport,
    now: Callable[[], dt.datetime],
    rng: random.Random | None,
    problem: str,
) -> tuple[int, int, str]:
    """`sync_now`'s signed PDFs: (sent, held, the problem that stopped it, or "").

    They go after the revisions they were signed for (only those acknowledged are due), read
    a few at a time (offered in one request, `send_documents`) and their answers kept in one
    transaction per few; answers already had are kept before a failure is recorded.
    """
    sent = held = 0
    while not problem and (uploads := next_documents(vault, now())):
        answered, failure = send_documents(transport, uploads)
        done = apply_document_answers(vault, answered, now(), rng)
        sent, held = sent + done.sent, held + done.held
        if failure is not None:
            problem, go_on = apply_document_failure(vault, *failure, now(), rng)
            if go_on:
                held, problem = held + 1, ""  # that one is held; the rest go
    return sent, held, problem


# -- signed PDFs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentUpload:
    """One signed PDF to send, read (and checked) on the vault's thread."""

    offer: DocumentOffer
    data: bytes


@dataclass(frozen=True)
class DocumentResult:
    """What one answered upload changed in the document outbox."""

    sent: int
    held: int


_STALLS = 3
"""Answers in a row that take no bytes before an upload is given up for this sync."""


DOCUMENT_BATCH = 32
"""The most signed PDFs `sync_now` reads, sends and marks as one step."""
DOCUMENT_BATCH_BYTES = 8 * 1024 * 1024
"""About the most bytes of signed PDFs held in memory for one such step (at least one PDF)."""


def upload_of(kept: StoredDocument, data: bytes) -> DocumentUpload:
    """A kept signed PDF as it travels (online or in a bundle): its offer and its bytes."""
    offer = DocumentOffer(
        kept.id,
        kept.assessment_id,
        kept.revision_hash,
        kept.kind,
        kept.variant,
        kept.filename,
        kept.size,
        kept.sha256,
    )
    return DocumentUpload(offer, data)


def next_document(vault: Vault, now: dt.datetime) -> DocumentUpload | None:
    """The next signed PDF to send, or None (runs on the vault's thread).

    A PDF whose stored bytes no longer match the SHA-256 kept when it was signed is never
    sent: it is held with that reason, and the next one is taken.
    """
    uploads = next_documents(vault, now, limit=1)
    return uploads[0] if uploads else None


def next_documents(
    vault: Vault,
    now: dt.datetime,
    *,
    limit: int = DOCUMENT_BATCH,
    budget: int = DOCUMENT_BATCH_BYTES,
) -> list[DocumentUpload]:
    """The next signed PDFs to send, oldest first: at most `limit`, and about `budget` bytes.

    Read with one look at the document outbox; each PDF is checked as `next_document` does
    (one that no longer matches its SHA-256 is held with that reason and not sent). Empty
    when none is due (runs on the vault's thread).
    """
    repository = DocumentRepository(vault)
    while True:
        due = document_outbox.due(vault.conn, now, limit=limit)
        if not due:
            return []
        uploads: list[DocumentUpload] = []
        size = 0
        for queued in due:
            kept = repository.get(queued.document_id)
            if uploads and size + kept.size > budget:
                break
            try:
                data = repository.data(queued.document_id)
            except DocumentIntegrityError as e:
                with vault.transaction() as conn:
                    document_outbox.mark_refused(conn, queued.document_id, e.user_message)
                continue
            uploads.append(upload_of(kept, data))
            size += kept.size
        if uploads:
            return uploads
        # Every one read was held for not matching: the next due ones are looked at.


def send_document(transport: Transport, upload: DocumentUpload) -> DocumentAnswer:
    """Offer the PDF (with its bytes, when they fit in one chunk), then send it in chunks.

    The chunks go from wherever the gateway says it got to.

    Runs off the vault's thread: it touches only the network. Every answer is checked
    against the offer (a "whole" answer must name the SHA-256 offered).

    Raises:
        TransportError: The gateway could not be reached or refused a request.
        ProtocolError: An answer does not add up, or the gateway stopped taking bytes.
    """
    answer = DocumentAnswer.from_json(
        transport.post("/v1/documents", _with_content(upload).to_json()), upload.offer
    )
    return _send_chunks(transport, upload, answer)


def _with_content(upload: DocumentUpload) -> DocumentOffer:
    """The offer, carrying the PDF when it fits in one chunk: one request, not two.

    A gateway that already holds part of it answers from which byte to go on.
    """
    if len(upload.data) <= CHUNK_SIZE:
        return replace(upload.offer, content=upload.data)
    return upload.offer


DocumentFailure = tuple[DocumentUpload, Exception]
"""The PDF whose sending failed, and how (for `apply_document_failure`)."""


def send_documents(
    transport: Transport, uploads: Sequence[DocumentUpload]
) -> tuple[list[tuple[DocumentUpload, DocumentAnswer]], DocumentFailure | None]:
    """Offer several PDFs in one request, then send in chunks any the gateway wants so.

    Runs off the vault's thread. Small PDFs travel whole with their offers, so a batch of
    them takes one request and one commit at the gateway rather than one each. Returns the
    answers had and the first failure (the PDFs still to go in chunks after it are not sent:
    they stay queued). A batch the gateway will not take as a whole (a 4xx: one PDF it refuses, or a
    request over its size limit) is sent again one PDF at a time, so that only the one at
    fault is held.
    """
    if len(uploads) == 1:
        return _one_by_one(transport, uploads)
    request = DocumentOffers(tuple(_with_content(u) for u in uploads))
    try:
        raw = transport.post(DOCUMENTS_BATCH_PATH, request.to_json())
        answers = document_answers(raw, [u.offer for u in uploads])
    except (TransportError, ProtocolError) as e:
        if isinstance(e, TransportError) and e.status in _DOCUMENT_REFUSED:
            return _one_by_one(transport, uploads)
        return [], (uploads[0], e)
    # Those answered for good are kept first, so a failure in a big one's chunks loses none.
    answered = [(u, a) for u, a in zip(uploads, answers, strict=True) if not _receiving(a)]
    for upload, answer in zip(uploads, answers, strict=True):
        if _receiving(answer):
            try:
                answered.append((upload, _send_chunks(transport, upload, answer)))
            except (TransportError, ProtocolError) as e:
                return answered, (upload, e)
    return answered, None


def _receiving(answer: DocumentAnswer) -> bool:
    return answer.status is DocumentStatus.RECEIVING


def _one_by_one(
    transport: Transport, uploads: Sequence[DocumentUpload]
) -> tuple[list[tuple[DocumentUpload, DocumentAnswer]], DocumentFailure | None]:
    answered: list[tuple[DocumentUpload, DocumentAnswer]] = []
    for upload in uploads:
        try:
            answered.append((upload, send_document(transport, upload)))
        except (TransportError, ProtocolError) as e:
            return answered, (upload, e)
    return answered, None


DOCUMENTS_BATCH_PATH = "/v1/documents/batch"


def _send_chunks(
    transport: Transport, upload: DocumentUpload, answer: DocumentAnswer
) -> DocumentAnswer:
    """Send the PDF's chunks from where `answer` says the gateway got to, until it is whole.

    Raises:
        TransportError: The gateway could not be reached or refused a request.
        ProtocolError: An answer does not add up, or the gateway stopped taking bytes.
    """
    offer = upload.offer
    stalls = 0
    while answer.status is DocumentStatus.RECEIVING:
        start = answer.received
        chunk = upload.data[start : start + CHUNK_SIZE]
        raw = transport.put_bytes(
            f"/v1/documents/{offer.document_id}/content?offset={start}", chunk
        )
        answer = DocumentAnswer.from_json(raw, offer)
        stalls = stalls + 1 if answer.received <= start else 0
        if stalls >= _STALLS:
            raise ProtocolError("the gateway stopped taking the signed PDF's bytes")
    return answer


def apply_document_answer(
    vault: Vault,
    upload: DocumentUpload,
    answer: DocumentAnswer,
    now: dt.datetime,
    rng: random.Random | None = None,
) -> DocumentResult:
    """Record the gateway's last answer about one PDF, in one transaction."""
    return apply_document_answers(vault, [(upload, answer)], now, rng)


def apply_document_answers(
    vault: Vault,
    answered: Sequence[tuple[DocumentUpload, DocumentAnswer]],
    now: dt.datetime,
    rng: random.Random | None = None,
) -> DocumentResult:
    """Record the gateway's last answers about several PDFs, in one transaction.

    One commit for the lot, not one each. Should the laptop stop before it, nothing is lost:
    those PDFs are still queued, and sent again they are answered "already held".
    """
    sent = held = 0
    if not answered:
        return DocumentResult(0, 0)
    with vault.transaction() as conn:
        for upload, answer in answered:
            document_id = upload.offer.document_id
            if answer.status.acknowledged:
                sent += document_outbox.mark_acknowledged(conn, document_id, now)
            elif answer.status is DocumentStatus.REFUSED:
                document_outbox.mark_refused(conn, document_id, answer.reason)
                held += 1
            else:
                document_outbox.mark_unsent(conn, document_id, answer.reason, now, rng)
    return DocumentResult(sent, held)


_DOCUMENT_REFUSED = (400, 404, 409, 413)
"""The gateway would not take this one PDF's request at all (it is held, the rest go)."""


def apply_document_failure(
    vault: Vault,
    upload: DocumentUpload,
    error: Exception,
    now: dt.datetime,
    rng: random.Random | None = None,
) -> tuple[str, bool]:
    """Record an upload that failed; the problem in words, and whether the rest may go on.

    A failure that passes (no network, a cut upload, a time-out, a 5xx, an answer that does
    not add up) has the PDF retried after a back-off, from the bytes the gateway holds, and
    stops this sync. A request the gateway would not take for this one PDF holds it with the
    reason and lets the others go. A refusal of the device itself changes nothing.
    """
    document_id = upload.offer.document_id
    if isinstance(error, ProtocolError):
        problem = (
            f"The council's server gave an answer that does not add up ({error}). Your signed "
            "PDFs are still queued and will be sent next time."
        )
    else:
        problem = str(error)
    temporary = isinstance(error, TransportError) and error.temporary
    if isinstance(error, ProtocolError) or temporary:
        with vault.transaction() as conn:
            document_outbox.mark_unsent(conn, document_id, problem, now, rng, answered=False)
        return problem, False
    if isinstance(error, TransportError) and error.status in _DOCUMENT_REFUSED:
        with vault.transaction() as conn:
            document_outbox.mark_refused(conn, document_id, problem)
        return problem, True
    return problem, False


class _Forms(Protocol):
    def get(self, form_id: str, version: int) -> FormDefinition: ...


def form_title(forms: _Forms) -> Callable[[str, int], str]:
    """A form's title from its id and version, for `pending_documents_text` (the id if unknown)."""

    def title(form_id: str, version: int) -> str:
        try:
            return forms.get(form_id, version).title
        except AssessorError:
            return form_id

    return title


def pending_documents_text(
    pending: Sequence[document_outbox.PendingDocument],
    title: Callable[[str, int], str],
    *,
    named: int = 2,
) -> str:
    """What is still to send of the signed PDFs, in words; "" when nothing is.

    For example "2 signed PDFs still to send (Care and support needs assessment for Zoe
    Quillfeather; Carer's assessment for Sam Brindlewood)".

    Args:
        pending: `document_outbox.pending`.
        title: A form's title from its id and version.
        named: How many to name before "and N more".
    """
    if not pending:
        return ""
    count = len(pending)
    names = [f"{title(p.form_id, p.form_version)} for {p.person_name}" for p in pending[:named]]
    more = f"; and {count - named:,} more" if count > named else ""
    noun = "signed PDF" if count == 1 else "signed PDFs"
    return f"{count:,} {noun} still to send ({'; '.join(names)}{more})"
