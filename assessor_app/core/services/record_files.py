"""Moving records in and out as JSON: `record export` writes, `record import` reads the same shape.

An export (format ``assessor.record/2``) is the record, its person and its history's hashes,
signed with the exporting profile's Ed25519 key. Import believes nothing in the file until it
has checked it:

- the JSON itself (`untrusted.check_untrusted`: depth, valid Unicode);
- the history: revisions numbered 1..n, each linked to the one before, the record's hash
  recomputed from what the file says it holds, and (format 2) the signature over all of it,
  so an answer edited in the file is refused as changed after it was exported;
- who signed: the exporter's key must be the one their name is known by here (the same
  bindings as MDT contributions, `storage.member_keys`); the first file from someone new
  needs their fingerprint confirmed (`UnconfirmedExporterKeyError`), so an insider who edits
  a file, makes its hashes afresh and signs it with a key of their own in the author's name is
  refused; one exported by someone other than its author comes in only as a draft, since the
  signature vouches for who sent it, not for the author's work;
- the status: a record past draft is imported only with every signature its form needs;
- the person: when the file's person id is already here with other identifiers, import asks
  (`PersonDiffersError`) rather than attaching the record to someone else;
- the answers, against the form definition.

It then writes the person (if new), the record and where it came from (`record_provenance`:
the file's record id, revision and hash, and the exporting key's fingerprint) in one
transaction: a file that fails any check, or an import cut short, changes nothing. Files of
format ``assessor.record/1`` (unsigned: an older app, another system) are checked the same way
but for the signature, and come in only when asked (`allow_unsigned`), as a new draft marked
as unsigned.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from assessor_app.core.errors import AssessorError, ValidationError
from assessor_app.core.form_engine.answers import validate_answers
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.keys import key_fingerprint, public_key_b64, same_fingerprint
from assessor_app.core.records import (
    Assessment,
    AssessmentId,
    PersonDetails,
    PersonId,
    RecordStatus,
)
from assessor_app.core.services.session import Session
from assessor_app.core.storage import history, member_keys
from assessor_app.core.storage.assessments import EXPORT_FORMAT
from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.device_keys import contribution_signing_key
from assessor_app.core.storage.people import details_from_body
from assessor_app.core.storage.vault import Vault
from assessor_app.core.untrusted import UntrustedJsonError, check_untrusted

__all__ = [
    "SIGNED_EXPORT_FORMAT",
    "PersonDiffersError",
    "TamperedRecordFileError",
    "UnconfirmedExporterKeyError",
    "export_record",
    "import_record",
]

SIGNED_EXPORT_FORMAT = "assessor.record/2"
"""What `export_record` writes: format 1 plus a signature by the exporting profile's key."""

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NOTHING = "Nothing was imported."
_EDITABLE = (RecordStatus.DRAFT, RecordStatus.AMENDED)


class TamperedRecordFileError(ValidationError):
    """The file's history, hashes or signature do not match what it holds."""


class UnconfirmedExporterKeyError(ValidationError):
    """The first file from this exporter: their key's fingerprint must be confirmed first."""

    def __init__(self, name: str, fingerprint: str):
        super().__init__(
            f"This is the first record file from {name[:100]} on this laptop. Their key's "
            f"fingerprint is {fingerprint}.",
            f"Ask {name[:100]} to read you their fingerprint ('assessor-cli chc fingerprint' "
            "shows it), by phone or in person. If it is the same, import again confirming "
            f"it. {_NOTHING}",
        )
        self.name = name
        self.fingerprint = fingerprint


class PersonDiffersError(ValidationError):
    """The file's person id is here already, but with other identifiers: ask which to use."""

    def __init__(self, differ: list[str]):
        super().__init__(
            "The person in this file has the same id as someone already in this profile, but "
            f"their {' and '.join(differ)} {'is' if len(differ) == 1 else 'are'} different.",
            "Check who the record is about. Import it again choosing to attach it to the "
            "person already here, or to add the file's person as someone new. " + _NOTHING,
        )
        self.differ = differ


def export_record(session: Session, assessment_id: AssessmentId) -> dict[str, Any]:
    """The record, its person and history, signed by this profile's key (`record export`)."""
    vault = session.vault
    data = session.records.export(assessment_id)
    data["format"] = SIGNED_EXPORT_FORMAT
    data["exported_by"] = vault.profile.name
    key = contribution_signing_key(vault)
    data["signature"] = {
        "public_key": public_key_b64(key),
        "value": base64.b64encode(key.sign(_signed_bytes(data))).decode("ascii"),
    }
    return data


def _signed_bytes(data: dict[str, Any]) -> bytes:
    return history.canonical_json({k: v for k, v in data.items() if k != "signature"}).encode(
        "utf-8"
    )


def import_record(
    session: Session,
    data: Any,
    *,
    person_differs: str | None = None,
    confirmed_fingerprint: str | None = None,
    allow_unsigned: bool = False,
) -> Assessment:
    """Import one exported record (and its person, if new to this profile), in one transaction.

    Args:
        session: The profile to import into (its forms check the answers, its clock dates).
        data: The parsed file.
        person_differs: When the file's person id is here with other identifiers: "attach"
            (the record is about the person already here) or "new" (add the file's person
            under a new id). None refuses with `PersonDiffersError`.
        confirmed_fingerprint: For the first file from someone whose key is not known here
            (their MDT member key, or a record file before): the fingerprint they read out.
        allow_unsigned: Take an unsigned file of format 1 (an older app, another system):
            it comes in as a new draft, whatever its status, marked as unsigned.

    Raises:
        ValidationError: the file is not an exported record, or its answers do not fit the form.
        TamperedRecordFileError: its history, hashes or signature do not match its content,
            or it is signed in someone's name with a key that is not theirs.
        UnconfirmedExporterKeyError: see `confirmed_fingerprint`.
        PersonDiffersError: see `person_differs`.
    """
    vault, registry, today = session.vault, session.forms, session.today()
    try:
        check_untrusted(data)
    except UntrustedJsonError as e:
        raise ValidationError(f"This file cannot be imported: {e.reason}.", _NOTHING) from e
    if not isinstance(data, dict) or data.get("format") not in (
        EXPORT_FORMAT,
        SIGNED_EXPORT_FORMAT,
    ):
        raise ValidationError(
            "This file is not a record exported by Assessor.",
            f'Expected a JSON object with "format": "{SIGNED_EXPORT_FORMAT}". {_NOTHING}',
        )
    person_part, record_part = data.get("person"), data.get("assessment")
    if not isinstance(person_part, dict) or not isinstance(record_part, dict):
        raise ValidationError("The file has no person or no assessment.", _NOTHING)
    person_id = str(person_part.get("id", ""))
    record_id = str(record_part.get("id", ""))
    if not _ID.match(person_id) or not _ID.match(record_id):
        raise ValidationError("The file's person or record id is missing or malformed.", _NOTHING)
    try:
        details = details_from_body({k: v for k, v in person_part.items() if k != "id"})
    except ValidationError as e:
        raise ValidationError(
            f"The person in the file cannot be imported: {e.user_message}",
            f"Correct the file or export it again. {_NOTHING}",
        ) from e
    try:
        form_id = str(record_part["form_id"])
        version = int(record_part["form_version"])
        status = RecordStatus(record_part.get("status", "draft"))
        answers = record_part["answers"]
    except (KeyError, TypeError, ValueError) as e:
        raise ValidationError(f"The record in the file is incomplete: {e}.", _NOTHING) from e
    if not isinstance(answers, dict):
        raise ValidationError("The record's answers are not a JSON object.", _NOTHING)
    author = _author(record_part.get("author"), vault.profile.name)
    signer_key = _check_integrity(data, record_id, record_part)
    exporter = data.get("exported_by") if signer_key else author
    if not isinstance(exporter, str) or not exporter.strip():
        raise _tampered("it does not say who exported it")
    if not signer_key:
        if not allow_unsigned:
            raise ValidationError(
                "This record file is not signed (it was made by an older version of the app "
                "or by another system), so where it came from cannot be checked.",
                "If you trust where it came from, import it as unsigned: it comes in as a new "
                f"draft, marked as unsigned. {_NOTHING}",
            )
        status = RecordStatus.DRAFT
    elif member_keys.member_identity(exporter) != member_keys.member_identity(author):
        # Forwarded by someone other than its author: the signature vouches for the sender,
        # not for the author's work, so it comes in as a draft to be checked.
        status = RecordStatus.DRAFT
    try:
        form = registry.get(form_id, version)
    except AssessorError as e:
        raise ValidationError(
            f"The record uses form '{form_id}' version {version}, which this app does not have.",
            f"Install the form definition first. {_NOTHING}",
        ) from e
    if status not in _EDITABLE:
        unsigned = [
            p
            for p in evaluate(form, answers, today=today, rates=session.rates).completion_problems()
            if p.message.startswith("Not signed by")
        ]
        if unsigned:
            raise ValidationError(
                f"The file says this record is {status.value}, but it lacks signatures: "
                f"{unsigned[0].message}",
                f"A finished record is imported only with its signatures. {_NOTHING}",
            )
    problems = validate_answers(form, answers, today=today)
    if status in _EDITABLE:
        # A draft may lack answers; what it does contain must still fit the form.
        problems = [p for p in problems if re.split(r"[.\[]", p.path)[0] in answers]
    if problems:
        listed = "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ValidationError(
            f"The answers do not fit form '{form_id}' version {version}: {listed}{more}",
            f"Correct the file and import it again. {_NOTHING}",
        )
    records, people = session.records, session.people
    with vault.transaction() as conn:
        # Made on first use inside the transaction: a refused import leaves no key behind.
        own_key = public_key_b64(contribution_signing_key(vault))
        fingerprint = ""
        if signer_key:
            fingerprint = _check_exporter(
                conn, vault, exporter, signer_key, own_key, confirmed_fingerprint
            )
        if records.exists(record_id):
            raise ValidationError(f"Record {record_id} is already in this profile.", _NOTHING)
        target = PersonId(person_id)
        if people.exists(person_id):
            differ = _differences(people.get(person_id).details, details)
            if differ and person_differs == "new":
                target = people.add(details, today=today).id
            elif differ and person_differs != "attach":
                raise PersonDiffersError(differ)
        else:
            try:
                people.add(details, today=today, person_id=target)
            except ValidationError as e:
                raise ValidationError(
                    f"The person in the file cannot be added: {e.user_message}",
                    f"Correct the file or export it again. {_NOTHING}",
                ) from e
        record = Assessment(
            AssessmentId(record_id), target, form_id, version, status, author, answers
        )
        saved = records.import_new(record)
        records.record_provenance(
            saved.id,
            record_id,
            int(record_part["revision"]),
            str(record_part["revision_hash"]),
            exporter,
            fingerprint,
        )
    return saved


def _tampered(why: str) -> TamperedRecordFileError:
    return TamperedRecordFileError(
        f"This record file was changed after it was exported: {why}.",
        f"Do not use it. Ask whoever sent it to export the record again. {_NOTHING}",
    )


def _check_exporter(
    conn: Connection, vault: Vault, name: str, key: str, own: str, confirmed: str | None
) -> str:
    """Accept a signed file only under the key its exporter is known by here; its fingerprint.

    The same bindings as MDT contributions (`storage.member_keys`): a colleague's first file
    needs their fingerprint confirmed, which then binds their key to their name.
    """
    fingerprint = key_fingerprint(key)
    if key == own:
        return fingerprint
    shown = name[:100]
    bound = member_keys.member_key(conn, name)
    if bound is not None and bound.public_key != key:
        raise TamperedRecordFileError(
            f"This record file is signed in the name of {shown} with a different key from the "
            f"one {shown} uses (fingerprint {bound.fingerprint}), so it is not from them.",
            f"Do not use it; tell IT. {_NOTHING}",
        )
    if bound is None and member_keys.member_identity(name) == member_keys.member_identity(
        vault.profile.name
    ):
        raise TamperedRecordFileError(
            f"This record file is signed in your name ({shown}) with a key that is not this "
            "profile's, so you did not export it.",
            f"Do not use it; tell IT. {_NOTHING}",
        )
    if bound is None:
        if not same_fingerprint(confirmed, fingerprint):
            raise UnconfirmedExporterKeyError(name, fingerprint)
        member_keys.bind_member(conn, name, key, fingerprint, "confirmed")
    return fingerprint


def _check_integrity(data: dict[str, Any], record_id: str, record_part: dict[str, Any]) -> str:
    """Check the history's links, the head's hash and the signature; the signing key (base64).

    Returns "" for an unsigned file of format 1.
    """
    entries = data.get("history")
    if not isinstance(entries, list) or not entries:
        raise _tampered("its history is missing")
    prev = history.GENESIS_HASH
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or entry.get("seq") != number:
            raise _tampered(f"revision {number} of its history is missing")
        if entry.get("prev_hash") != prev or not isinstance(entry.get("hash"), str):
            raise _tampered(f"revision {number} does not follow the one before it")
        prev = entry["hash"]
    head = entries[-1]
    if record_part.get("revision") != len(entries) or record_part.get("revision_hash") != prev:
        raise _tampered("the record is not the newest revision of its history")
    body = {
        key: record_part.get(key)
        for key in ("person_id", "form_id", "form_version", "status", "author", "answers")
    }
    if history.SUPERSEDES in record_part:
        # The head settled a fork between two versions (decision 0004): its hash covers that.
        body[history.SUPERSEDES] = record_part[history.SUPERSEDES]
    try:
        digest = history.revision_hash(
            "assessment",
            record_id,
            len(entries),
            str(head.get("created_at")),
            str(head.get("author")),
            body,
            str(head.get("prev_hash")),
        )
    except (TypeError, ValueError) as e:
        raise _tampered("its content cannot be hashed") from e
    if digest != prev:
        raise _tampered("what it holds is not what was saved in that revision")
    if data.get("format") == EXPORT_FORMAT:
        return ""
    signature = data.get("signature")
    if not isinstance(signature, dict):
        raise _tampered("its signature is missing")
    try:
        raw = base64.b64decode(str(signature.get("public_key")), validate=True)
        value = base64.b64decode(str(signature.get("value")), validate=True)
        Ed25519PublicKey.from_public_bytes(raw).verify(value, _signed_bytes(data))
    except (binascii.Error, ValueError, InvalidSignature) as e:
        raise _tampered("its signature does not match its content") from e
    return str(signature["public_key"])


def _differences(here: PersonDetails, there: PersonDetails) -> list[str]:
    names = {
        "family_name": "family name",
        "given_name": "first name",
        "date_of_birth": "date of birth",
        "nhs_number": "NHS number",
    }
    return [
        label
        for attr, label in names.items()
        if _fold(getattr(here, attr)) != _fold(getattr(there, attr))
    ]


def _fold(value: Any) -> str:
    text = "" if value is None else str(value)
    return " ".join(text.split()).casefold().replace(" ", "") if text else ""


def _author(value: Any, default: str) -> str:
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise ValidationError("The record's author must be text.", _NOTHING)
    return value
