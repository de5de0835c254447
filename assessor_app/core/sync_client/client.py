"""Enrolling this laptop with the gateway, and sending what the outbox holds.

`enrol` spends a one-time code: it sends a certificate request for the laptop's own key
(made inside the vault) and keeps the certificate the gateway's CA issues, and the CA to pin.
`sync_now` drains the outbox in batches: each batch's answers are checked (one per revision
sent, and a closing digest over what was acknowledged) before anything is marked sent, and
then every revision is moved in one transaction: acknowledged, retrying (a failure that
passes), or quarantined (refused for good, with the gateway's reason). A failure never
deletes anything and never holds back other records. Imports no Qt.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID

from assessor_app.core.errors import AssessorError
from assessor_app.core.storage import enrolment as enrolment_store
from assessor_app.core.storage import history, outbox
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.transport import (
    DeviceIdentity,
    HttpsTransport,
    Transport,
    TransportError,
)
from sync.protocol import (
    CURRENT,
    MAX_BATCH,
    AckStatus,
    ProtocolError,
    PushItem,
    PushRequest,
    PushResponse,
)

__all__ = ["NotEnrolledError", "SyncReport", "enrol", "sync_now", "transport_for"]


class NotEnrolledError(AssessorError):
    """Sync was asked for before this laptop was enrolled with the gateway."""


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
    """Records the gateway holds another version of (the app asks which to keep)."""

    @property
    def finished(self) -> bool:
        """Everything due was sent and nothing went wrong."""
        return not self.problem


def enrol(
    vault: Vault,
    gateway_url: str,
    code: str,
    *,
    first_contact_ca: bytes,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> enrolment_store.Enrolment:
    """Enrol this laptop with the gateway using a one-time code from IT.

    Args:
        vault: The unlocked profile.
        gateway_url: ``https://…`` as IT gave it.
        code: The one-time code (spaces, dashes and case do not matter).
        first_contact_ca: The CA certificate (PEM) that vouches for the gateway's server the
            first time, as IT supplies it; afterwards only the CA the gateway names is trusted.
        now: The clock (tests pass a fixed one).

    Raises:
        TransportError: The gateway could not be reached, or refused the code (the message
            says why: unknown, used, expired).
    """
    key = enrolment_store.device_key(vault)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, vault.profile.id)]))
        .sign(key, hashes.SHA256())
    )
    answer = HttpsTransport(gateway_url, first_contact_ca).post(
        "/v1/enrol",
        {"protocol": CURRENT, "code": code, "csr": csr.public_bytes(Encoding.PEM).decode()},
    )
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
    enrolment_store.save_enrolment(
        vault,
        gateway_url=gateway_url,
        device_id=device_id,
        assessor_id=assessor_id,
        server_ca_pem=server_ca,
        certificate_der=certificate_der,
        now=now(),
    )
    enrolled = enrolment_store.load_enrolment(vault)
    assert enrolled is not None
    return enrolled


def transport_for(vault: Vault, *, timeout: float = 20.0) -> HttpsTransport:
    """The HTTPS way to this profile's gateway, with its pinned CA and device certificate.

    Raises:
        NotEnrolledError: The laptop is not enrolled yet.
    """
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
    chains: dict[tuple[str, str], dict[str, PushItem]] = {}
    found = []
    for row in due:
        chain = (row.entity_type, row.entity_id)
        if chain not in chains:
            chains[chain] = {
                r.hash: PushItem.from_revision(r)
                for r in history.list_revisions(vault.conn, *chain)
            }
        found.append(chains[chain][row.revision_hash])
    return found


def sync_now(
    vault: Vault,
    transport: Transport,
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    rng: random.Random | None = None,
    batch: int = MAX_BATCH,
) -> SyncReport:
    """Send everything due, batch by batch, until none is due or the gateway cannot be used."""
    sent = held = others = 0
    problem = ""
    while True:
        due = outbox.due(vault.conn, now(), limit=batch)
        if not due:
            break
        items = _items(vault, due)
        try:
            answer = transport.post("/v1/push", PushRequest(tuple(items)).to_json())
            response = PushResponse.from_json(answer, items)
        except TransportError as e:
            problem = str(e)
            if e.temporary:
                with vault.transaction() as conn:
                    outbox.mark_unsent(conn, [i.hash for i in items], problem, now(), rng)
            break  # a refusal of the device (401/403) holds nothing: fix it, then sync again
        except ProtocolError as e:
            problem = (
                f"The council's server gave an answer that does not add up ({e}). Your "
                "records are still queued and will be sent next time."
            )
            with vault.transaction() as conn:
                outbox.mark_unsent(conn, [i.hash for i in items], problem, now(), rng)
            break
        at = now()
        with vault.transaction() as conn:
            acked = [a.hash for a in response.acks if a.status.acknowledged]
            sent += outbox.mark_acknowledged(conn, acked, at)
            later = [a for a in response.acks if a.status is AckStatus.RETRY_LATER]
            for a in later:
                outbox.mark_unsent(conn, [a.hash], a.reason, at, rng)
            for a in response.acks:
                if a.status is AckStatus.REFUSED:
                    outbox.mark_refused(conn, a.hash, a.reason)
                    held += 1
            others += sum(1 for a in response.acks if a.other_versions)
        if not acked:
            break  # nothing moved: what is left waits for its retry time
    waiting = outbox.summary(vault.conn).waiting
    return SyncReport(sent, held, waiting, problem, others)
