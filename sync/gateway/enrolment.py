"""Answering an enrolment: one code spent, the laptop's certificates issued, the terms given.

Shared by ``POST /v1/enrol`` (online) and ``assessor-gateway enrol-file`` (a laptop that has
never been online, decision 0011), so both check a code the same way and give the same
answer: the device certificate, the CAs, the PDF signing certificate, the lease key and days,
the recovery public key, the authority's bundle and publishing keys; the laptop's DST
contribution key is kept with the device (decision 0012). By file, the answer is sealed to the
X25519 key the laptop's request carries and signed by the authority's bundle key, and the
devices CA endorses that bundle key, so a laptop holding only the CA's fingerprint (read out
by IT) can check the answer came from the gateway the code came from. Imports no FastAPI.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from sync.bundle import (
    ENROLMENT_REQUEST_FORMAT,
    BundleHeader,
    endorsement_message,
    new_bundle_id,
    seal_to_device,
)
from sync.gateway.ca import GatewayCA
from sync.gateway.store import Device, Store
from sync.protocol import CURRENT, version_problem

__all__ = [
    "ENROLMENT_ANSWER_LIFETIME",
    "EnrolmentRequestError",
    "EnrolmentTerms",
    "answer_enrolment",
    "enrol_by_file",
    "inbound_public_key",
]

ENROLMENT_ANSWER_LIFETIME = dt.timedelta(days=14)
"""How long an enrolment answer file may wait before the laptop takes it."""
MAX_REQUEST_FILE = 256 * 1024


class EnrolmentRequestError(ValueError):
    """An enrolment request that cannot be read; the message says what to do."""


@dataclass(frozen=True)
class EnrolmentTerms:
    """What every enrolment answer gives besides the certificates."""

    server_ca: str
    """The CA the laptop pins for the gateway's server (PEM)."""
    lease_days: int | None = None
    recovery_public_key: str | None = None
    bundle_public_key: str | None = None
    publishing_public_key: str | None = None


def inbound_public_key(text: object) -> X25519PublicKey:
    """The laptop's X25519 key from its base64 text.

    Raises:
        EnrolmentRequestError: Not one.
    """
    try:
        if not isinstance(text, str):
            raise ValueError("not text")
        return X25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError as e:
        raise EnrolmentRequestError(
            "The laptop's key for files from the council cannot be read."
        ) from e


def answer_enrolment(
    store: Store, ca: GatewayCA, raw: dict[str, Any], now: dt.datetime, terms: EnrolmentTerms
) -> tuple[Device, dict[str, Any]]:
    """Spend the request's code and build the enrolment answer.

    Raises:
        EnrolmentRequestError: The request is malformed or of another protocol.
        EnrolmentRefused: The code is unknown, used, expired or from before a withdrawal.
        EnrolmentError: A certificate request cannot be signed (the code stays unspent).
    """
    problem = version_problem(str(raw.get("protocol", "")), we_are="the gateway")
    if problem:
        raise EnrolmentRequestError(problem)
    code, csr = raw.get("code"), raw.get("csr")
    if not isinstance(code, str) or not isinstance(csr, str):
        raise EnrolmentRequestError("An enrolment needs a code and a certificate request.")
    signing_csr = raw.get("signing_csr")
    if signing_csr is not None and not isinstance(signing_csr, str):
        raise EnrolmentRequestError("The signing certificate request must be PEM text.")
    inbound = raw.get("inbound_key")
    if inbound is not None:
        inbound_public_key(inbound)
    contribution_key = _contribution_key(raw.get("contribution_key"))
    issued: dict[str, Any] = {}

    def certificate(device_id: str, _assessor_id: str, name: str) -> bytes:
        cert = ca.issue_device(csr.encode("ascii", "replace"), device_id, name)
        if signing_csr is not None:
            # Issued inside the enrolment's transaction: a request that cannot be signed
            # leaves the code unspent, so the laptop can try again with it.
            issued.update(_signing_certificate(ca, signing_csr, name))
        return cert.public_bytes(serialization.Encoding.DER)

    device, der = store.enrol(
        code,
        now,
        certificate,
        contribution_key=contribution_key,
        inbound_key=inbound if isinstance(inbound, str) else None,
    )
    answer: dict[str, Any] = {
        "protocol": CURRENT,
        "device_id": device.id,
        "assessor_id": device.assessor_id,
        "certificate": base64.b64encode(der).decode("ascii"),
        "ca": ca.pem.decode("ascii"),
        "server_ca": terms.server_ca,
        **issued,
    }
    lease_key = store.lease_key(device.id)
    if lease_key is not None:
        answer["lease_key"] = base64.b64encode(lease_key).decode("ascii")
        answer["lease_days"] = terms.lease_days
    if terms.recovery_public_key is not None:
        answer["recovery_public_key"] = terms.recovery_public_key
    if terms.bundle_public_key is not None:
        answer["bundle_public_key"] = terms.bundle_public_key
    if terms.publishing_public_key is not None:
        answer["publishing_public_key"] = terms.publishing_public_key
    return device, answer


def _contribution_key(value: Any) -> str | None:
    """The enrolment's DST contribution-signing public key, checked; None when none was sent.

    Raises:
        EnrolmentRequestError: Not an Ed25519 public key in base64.
    """
    if value is None:
        return None
    try:
        raw = base64.b64decode(str(value).encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as e:
        raise EnrolmentRequestError("The contribution key must be base64.") from e
    if len(raw) != 32:
        raise EnrolmentRequestError("The contribution key must be an Ed25519 public key.")
    return base64.b64encode(raw).decode("ascii")


def enrol_by_file(
    store: Store,
    ca: GatewayCA,
    key: Any,
    request: bytes,
    now: dt.datetime,
    terms: EnrolmentTerms,
) -> tuple[Device, bytes]:
    """Spend an enrolment request file's code; the device and the sealed, signed answer.

    Args:
        store: The gateway's store.
        ca: The gateway's CAs (the devices CA endorses the bundle key).
        key: The authority's `sync.gateway.bundles.BundleKey`, which signs the answer.
        request: The request file's bytes, as the laptop wrote them.
        now: When.
        terms: As online; the bundle key is always given (the laptop has no other way down).

    Raises:
        EnrolmentRequestError: The file is not an enrolment request, or carries no key for
            the answer to be encrypted to.
        EnrolmentRefused: As online.
        EnrolmentError: As online.
    """
    try:
        if len(request) > MAX_REQUEST_FILE:
            raise ValueError("too big")
        raw = json.loads(request.decode("utf-8"))
        if not isinstance(raw, dict) or raw.get("format") != ENROLMENT_REQUEST_FORMAT:
            raise ValueError("not a request")
    except (ValueError, RecursionError) as e:
        raise EnrolmentRequestError(
            "This file is not an enrolment request from the Assessor app (or it was cut short "
            "while being copied). Nothing was changed; write it again on the laptop with "
            "'assessor-cli sync enrol --request-file'."
        ) from e
    if raw.get("inbound_key") is None:
        raise EnrolmentRequestError(
            "This enrolment request carries no key for the answer to be encrypted to (it was "
            "written by an older app). Nothing was changed; update the app on the laptop."
        )
    recipient = inbound_public_key(raw.get("inbound_key"))
    bundle_text = key.public.text
    full = replace(terms, bundle_public_key=bundle_text)
    device, answer = answer_enrolment(store, ca, raw, now, full)
    answer["bundle_key_endorsement"] = base64.b64encode(
        ca.key.sign(endorsement_message(bundle_text), ec.ECDSA(hashes.SHA256()))
    ).decode("ascii")
    header = BundleHeader(
        "enrolment",
        key.public.id,
        device.id,
        new_bundle_id(),
        1,
        now,
        now + ENROLMENT_ANSWER_LIFETIME,
    )
    return device, seal_to_device(header, answer, recipient, key.sign)


def _signing_certificate(ca: GatewayCA, csr_pem: str, name: str) -> dict[str, Any]:
    """The enrol answer's PDF signing fields: the certificate and its chain (issuer first).

    Raises:
        EnrolmentError: The request cannot be signed.
    """
    cert = ca.documents.issue_signer(csr_pem.encode("ascii", "replace"), name)
    return {
        "signing_certificate": base64.b64encode(
            cert.public_bytes(serialization.Encoding.DER)
        ).decode("ascii"),
        "signing_chain": [base64.b64encode(ca.documents.der).decode("ascii")],
    }
