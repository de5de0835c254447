"""The way down by file (issue 16, decision 0011): inbound bundles, and enrolment by file.

For a laptop that never connects. An inbound bundle, encrypted to this laptop's X25519 key
and signed by the authority's bundle key, carries what an online sync would bring: the
contact answer (the gateway's time, the lease, any revocation or wipe order) and the
caseload pages `POST /v1/pull` would give, and the reference-data packages `POST /v1/reference`
would (each still checked against the publishing key). `import_inbound` checks all of it (signature,
authority, device, freshness, sequence, every page) before it changes anything, then keeps
the pages with the online code (`pull.apply_pull`), renews the lease as a receipt does, or
obeys the order as a contact would. An older or replayed bundle changes nothing and says so.

Enrolment by file: `write_enrolment_request` writes the online enrolment request to a file;
IT's gateway answers with a file sealed to this laptop and signed by the authority, and
`finish_enrolment_by_file` takes it once the CA inside it matches the fingerprint IT read out
and that CA vouches for the key that signed it; then the online `finish_enrolment` keeps it.
`import_file` tells a receipt from an inbound bundle, for the one "Import from file…".
Imports no Qt.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from assessor_app.core import reference_data
from assessor_app.core.storage import enrolment as enrolment_store
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrolment_request, finish_enrolment
from assessor_app.core.sync_client.file_transport import (
    BundleFileError,
    ReceiptReport,
    _bundle_enrolment,
    import_receipt,
)
from assessor_app.core.sync_client.first_contact import check_fingerprint
from assessor_app.core.sync_client.governance import Withdrawal, obey
from assessor_app.core.sync_client.lease import note_file_contact
from assessor_app.core.sync_client.pull import PullResult, apply_pull, stored_cursor
from assessor_app.core.sync_client.reference import ReferenceResult, apply_reference
from assessor_app.core.sync_client.transport import TransportError
from sync.bundle import (
    CONTRIBUTION_KIND,
    ENROLMENT_REQUEST_FORMAT,
    BundleError,
    check_authority_signature,
    endorsement_message,
    kind_of,
    open_from_authority,
    parse_authority_key,
    write_atomic,
)
from sync.protocol import (
    ContactAnswer,
    ProtocolError,
    PullRequest,
    PullResponse,
    ReferenceResponse,
    ca_fingerprint,
)
from sync.reference import package_summary

__all__ = [
    "InboundReport",
    "StaleBundleError",
    "finish_enrolment_by_file",
    "import_file",
    "import_inbound",
    "inbound_text",
    "write_enrolment_request",
]

MAX_PAGES = 200
"""The most caseload pages one inbound bundle may carry (as the gateway writes them)."""


class StaleBundleError(BundleFileError):
    """An inbound bundle older than, or the same as, one taken already: nothing changed."""


@dataclass(frozen=True)
class InboundReport:
    """What one inbound bundle changed."""

    sequence: int
    pulled: PullResult
    lease_days: int | None
    """The lease the gateway set (None: none)."""
    withdrawn: Withdrawal | None = None
    """The bundle carried IT's order: the profile has been deleted and the vault is closed."""
    skipped: bool = False
    """The caseload in it was older than what an online sync had brought already."""
    reference: ReferenceResult = ReferenceResult()
    """The reference-data packages it carried: those taken, and any refused with why."""


def inbound_text(report: InboundReport) -> str:
    """What an inbound bundle brought, in words (the window and the command line)."""
    pulled = report.pulled
    parts = [
        f"{pulled.people:,} new person(s) on your caseload",
        f"{pulled.received:,} change(s) from the council",
    ]
    if pulled.leaving:
        parts.append(f"{pulled.leaving:,} person(s) moving to another caseload")
    if pulled.other_versions:
        parts.append(f"{pulled.other_versions:,} other version(s) to choose between")
    lease = (
        f" The lease was renewed: {report.lease_days} days from the council's time in the file."
        if report.lease_days
        else ""
    )
    older = (
        " Its caseload was older than what a sync had brought already, so that part was not used."
        if report.skipped
        else ""
    )
    if report.reference.accepted:
        parts.append(", ".join(report.reference.accepted))
    refused = (
        f" A package of reference data was not used ({report.reference.problem}); the app goes "
        "on with what it had."
        if report.reference.problem
        else ""
    )
    return (
        f"File {report.sequence} from the council brought "
        + ", ".join(parts)
        + "."
        + (lease + older + refused)
    )


def _refused(message: str) -> BundleFileError:
    return BundleFileError(message, "Your records are unchanged.")


def _pages(payload: dict[str, Any]) -> list[tuple[PullRequest, dict[str, Any]]]:
    """The bundle's pull pages, each checked as the online answer is; refused whole if one fails."""
    raw = payload.get("pages")
    if not isinstance(raw, list) or len(raw) > MAX_PAGES:
        raise ValueError("pages")
    pages = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("answer"), dict):
            raise ValueError("page")
        request = PullRequest.from_json(entry.get("request"))
        PullResponse.from_json(entry["answer"], request)
        pages.append((request, entry["answer"]))
    for (_, before), (after, _) in zip(pages, pages[1:], strict=False):
        if int(before["cursor"]) != after.cursor:
            raise ValueError("pages do not follow one another")
    return pages


def _not_held(vault: Vault, answer: dict[str, Any]) -> dict[str, Any]:
    """The reference answer without the packages this laptop holds already (or newer)."""
    response = ReferenceResponse.from_json(answer)
    held = reference_data.kept_versions(vault.conn)
    fresh = []
    for data in response.packages:
        try:
            kind, version = package_summary(data)
        except reference_data.ReferenceError:
            fresh.append(data)  # not a package: refused, with why, by `apply_reference`
            continue
        if version > held.get(kind, 0):
            fresh.append(data)
    return ReferenceResponse(tuple(fresh), response.more).to_json()


def import_inbound(vault: Vault, data: bytes, now: dt.datetime) -> InboundReport:
    """Check an inbound bundle whole, then keep what it carries, as an online sync would.

    Raises:
        NotEnrolledError: Not enrolled.
        StaleBundleError: Older than, or the same as, one taken already; nothing changed.
        BundleFileError: Tampered, cut short, for another laptop or council, expired, or
            following a file that was never imported; nothing changed.
    """
    enrolled, authority = _bundle_enrolment(vault)
    private = enrolment_store.inbound_key(vault, make=False)
    if private is None:
        raise _refused(
            "This laptop was enrolled before the council's gateway could send it files, so "
            "this file cannot be read. Nothing was changed; enrol again to get files from IT."
        )
    try:
        opened = open_from_authority(data, private, "inbound", authority, enrolled.device_id)
    except BundleError as e:
        raise _refused(str(e)) from e
    header, payload = opened.header, opened.payload
    if now > header.expires:
        raise _refused(
            f"This file from the council expired on {header.expires:%d %B %Y}, so it was not "
            "used. Nothing was changed; ask IT for a new one."
        )
    if header.sequence <= enrolled.inbound_sequence:
        raise StaleBundleError(
            f"This file from the council (number {header.sequence}) is older than, or the same "
            f"as, one this laptop has already taken (number {enrolled.inbound_sequence}), so "
            "nothing was changed.",
            "Import the newest file IT gave you.",
        )
    try:
        contact = ContactAnswer.from_json(payload.get("contact"))
        pages = _pages(payload)
        start = payload.get("from_cursor")
        if not isinstance(start, int) or isinstance(start, bool) or start < 0:
            raise ValueError("from_cursor")
        reference = payload.get("reference")
        if reference is not None:
            ReferenceResponse.from_json(reference)  # read whole before anything is kept
    except (ProtocolError, ValueError, TypeError, KeyError, RecursionError) as e:
        raise _refused(
            "This file from the council holds something this app cannot read, so none of it "
            "was used. Nothing was changed; ask IT for it again."
        ) from e
    if contact.order is not None:
        # Signed by the authority and for this laptop (checked above): obeyed as at a contact.
        return InboundReport(
            header.sequence, PullResult(), None, withdrawn=obey(vault, contact.order)
        )
    mine = stored_cursor(vault.conn)
    if start > mine:
        raise _refused(
            f"This file from the council (number {header.sequence}) follows one this laptop "
            "never took, so using it would leave a gap in the caseload. Nothing was changed; "
            "import the earlier file first, or ask IT for a new one written from the start "
            "('bundle for-device --from-start')."
        )
    pulled = PullResult()
    skipped = False
    for request, answer in pages:
        if int(answer["cursor"]) <= mine and not answer.get("reset"):
            skipped = skipped or bool(answer.get("people") or answer.get("removed"))
            continue  # an online sync brought this part already (or newer)
        pulled = pulled + apply_pull(vault, request, answer, now)
    # Each package checked against the publishing key as online: one refused is named, and
    # the app goes on with what it had. One this laptop holds already is passed over: the
    # gateway sends what it last heard the laptop holds, which a file may not have told it.
    taken = ReferenceResult()
    if reference is not None:
        taken = apply_reference(vault, _not_held(vault, reference), now)
    # Last, so a file cut off half-way through its pages can be imported again.
    with vault.transaction() as conn:
        enrolment_store.note_inbound_sequence(conn, header.sequence)
    note_file_contact(vault, contact.now, contact.lease_days, now)
    return InboundReport(
        header.sequence, pulled, contact.lease_days, skipped=skipped, reference=taken
    )


def import_file(vault: Vault, data: bytes, now: dt.datetime) -> ReceiptReport | InboundReport:
    """A receipt or an inbound bundle, whichever the file is (the one "Import from file…").

    Raises:
        As `import_receipt` and `import_inbound`.
    """
    kind = kind_of(data)
    if kind == "inbound":
        return import_inbound(vault, data, now)
    if kind == "enrolment":
        raise _refused(
            "This file is an enrolment answer, which finishes enrolling a laptop; it is not "
            "used here. Nothing was changed; to enrol, run 'assessor-cli sync enrol "
            "--answer-file FILE --fingerprint …'."
        )
    if kind == CONTRIBUTION_KIND:
        raise _refused(
            "This file is an MDT member's DST contribution, not a file from the council. "
            "Nothing was changed; open the person's Decision Support Tool and use 'Import a "
            "contribution…' there."
        )
    return import_receipt(vault, data, now)


# -- enrolment by file -------------------------------------------------------------------------


def write_enrolment_request(vault: Vault, code: str, path: Path) -> None:
    """Write the enrolment request (as online, with the code) to `path` for IT's gateway.

    Raises:
        BundleFileError: The file could not be written (nothing else changed but the keys,
            made inside the vault, which a later request uses again).
    """
    request = {"format": ENROLMENT_REQUEST_FORMAT, **enrolment_request(vault, code, by_file=True)}
    data = json.dumps(request, sort_keys=True, separators=(",", ":")).encode("ascii")
    try:
        write_atomic(path, data)
    except OSError as e:
        raise BundleFileError(
            f"The enrolment request could not be written to {path} ({e.strerror}).",
            "Check the memory stick is in and has room, then try again.",
        ) from e


def _answer_refused(message: str) -> BundleFileError:
    return BundleFileError(message, "The laptop is not enrolled; nothing on it was changed.")


def finish_enrolment_by_file(
    vault: Vault, data: bytes, fingerprint: str, now: dt.datetime, *, gateway_url: str = ""
) -> enrolment_store.Enrolment:
    """Enrol from the gateway's answer file, once it proves it comes from IT's gateway.

    Args:
        vault: The unlocked profile that wrote the request.
        data: The answer file.
        fingerprint: The gateway's fingerprint as IT read it out (of its devices CA).
        now: When.
        gateway_url: Where the gateway is, if the laptop may one day go online ("" if not).

    Raises:
        FingerprintError: `fingerprint` is not one.
        BundleFileError: Not an answer for this laptop, tampered, expired, or not from the
            gateway whose fingerprint was given; nothing was changed.
    """
    wanted = check_fingerprint(fingerprint)
    private = enrolment_store.inbound_key(vault, make=False)
    if private is None:
        raise _answer_refused(
            "This laptop has not written an enrolment request, so no answer can be for it."
        )
    try:
        opened = open_from_authority(data, private, "enrolment", None, None)
    except BundleError as e:
        raise _answer_refused(str(e)) from e
    if now > opened.header.expires:
        raise _answer_refused(
            f"This enrolment answer expired on {opened.header.expires:%d %B %Y}. Ask IT for "
            "a new enrolment code and write a new request."
        )
    answer = opened.payload
    try:
        ca_pem = str(answer["ca"]).encode("ascii")
        theirs = ca_fingerprint(ca_pem)
        ca = x509.load_pem_x509_certificate(ca_pem)
        bundle_text = str(answer["bundle_public_key"])
        authority = parse_authority_key(bundle_text)
        endorsement = base64.b64decode(str(answer["bundle_key_endorsement"]), validate=True)
    except (KeyError, ValueError, TypeError) as e:
        raise _answer_refused(
            "This enrolment answer cannot be read. Ask IT to write it again."
        ) from e
    if not theirs.replace(" ", "").startswith(wanted):
        raise _answer_refused(
            f"This enrolment answer is not from the council's gateway: its fingerprint is "
            f"{theirs[:39]}, not the one you typed. Check the fingerprint with IT."
        )
    public = ca.public_key()
    try:
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise InvalidSignature
        public.verify(endorsement, endorsement_message(bundle_text), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as e:
        raise _answer_refused(
            "This enrolment answer's key is not vouched for by the council's gateway, so it "
            "was not used. Ask IT to write it again."
        ) from e
    try:
        check_authority_signature(data, authority)
        issued = x509.load_der_x509_certificate(base64.b64decode(str(answer["certificate"])))
        issued.verify_directly_issued_by(ca)
    except BundleError as e:
        raise _answer_refused(str(e)) from e
    except (KeyError, ValueError, TypeError, InvalidSignature) as e:
        raise _answer_refused(
            "This enrolment answer's certificate was not issued by the council's gateway. "
            "Ask IT to write it again."
        ) from e
    try:
        return finish_enrolment(vault, gateway_url, answer, now=now)
    except TransportError as e:
        raise _answer_refused(str(e)) from e
