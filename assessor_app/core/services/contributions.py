"""Sending and receiving one MDT member's DST contribution between vaults, by file.

The author exports their own contribution from their draft DST, signed with their profile's
key and sealed in the sync envelope to every member whose key this profile knows for that DST
and, for members not known yet, under the passphrase the MDT agreed; another member imports it
into their own DST of the same person, opening it with their own key when it was sealed to
them, or else with the passphrase. Importing merges by contribution id and revision
(`merge.merge_contributions`), so importing the same file twice, or files in any order,
gives the same DST, and nobody's contribution overwrites another's.

Who signed is checked against what this profile knows (`storage.member_keys`): a member's
first contribution needs the coordinator to confirm the key's fingerprint, which then binds
it to them; a contribution in their name under any other key, or a newer revision of a
contribution under a key other than its first one's, is refused. The whole import (checks,
merge, the new revision, the bindings and the audit entry) is one transaction. Imports no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from assessor_app.core.chc.exchange import (
    ContributionSignerError,
    ImportedContribution,
    PassphraseNeededError,
    UnconfirmedMemberKeyError,
    check_exchange_passphrase,
    check_signer_key,
    export_contribution,
    key_fingerprint,
    public_key_b64,
    read_contribution,
    sign_contribution,
)
from assessor_app.core.chc.merge import merge_contributions, validate_contribution
from assessor_app.core.chc.record_person import (
    DifferentPersonError,
    check_same_person,
    record_person_from,
)
from assessor_app.core.errors import NotFoundError, ValidationError
from assessor_app.core.keys import same_fingerprint
from assessor_app.core.records import Assessment, AssessmentId, RecordStatus
from assessor_app.core.services.session import Session
from assessor_app.core.storage import history, member_keys
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.device_keys import (
    contribution_signing_key,
    existing_contribution_signing_key,
)
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from sync.bundle import member_decryption_key

__all__ = [
    "GatewayMerge",
    "ImportResult",
    "PassphraseNeededError",
    "Received",
    "check_exchange_passphrase",
    "export_member_contribution",
    "import_member_contribution",
    "own_fingerprint",
    "own_signed_contributions",
    "rebind_member_key",
    "take_gateway_contributions",
]
_NOTHING_IMPORTED = "Nothing has been imported."

DST_FORM = "chc_dst"
_EDITABLE = {RecordStatus.DRAFT, RecordStatus.AMENDED}


@dataclass(frozen=True)
class ImportResult:
    """What importing a contribution file did."""

    outcome: str
    """"added", "updated" (a newer revision replaced an older one), "unchanged" (this very
    revision was here already: a file imported again counts once) or "older" (the DST holds
    a newer revision of it: a replayed older file changes nothing)."""

    contributor: str
    """Whose contribution it is."""

    record: Assessment
    """The DST as saved."""


def _dst(records: AssessmentRepository, record_id: str) -> Assessment:
    record = records.checkpoint(record_id)
    if record.form_id != DST_FORM:
        raise ValidationError(
            "This record is not a Decision Support Tool.",
            "Open the person's DST and try again.",
        )
    return record


def _items(record: Assessment) -> list[dict[str, Any]]:
    value = record.answers.get("contributions")
    return [dict(i) for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def _own_decryption_key(vault: Vault) -> X25519PrivateKey | None:
    """This profile's key to open files sealed to it; None before it has a contribution key."""
    key = existing_contribution_signing_key(vault)
    return None if key is None else member_decryption_key(key)


def own_fingerprint(session: Session) -> str:
    """The fingerprint of this profile's contribution key, for the member to read aloud."""
    return key_fingerprint(public_key_b64(contribution_signing_key(session.vault)))


def export_member_contribution(
    session: Session,
    record_id: AssessmentId,
    contribution_id: str,
    path: Path,
    *,
    passphrase: str | None,
) -> str:
    """Write one contribution of a DST to a signed, encrypted file (atomically).

    The file is sealed to every key a contribution to this DST is bound to here (its
    members known on this laptop, and this profile's own) and, when `passphrase` is given,
    under the MDT's exchange passphrase for members not known yet.

    Returns:
        This profile's key fingerprint, for the author to read to the coordinator.

    Raises:
        NotFoundError: no such record, or no contribution with that reference in it.
        ValidationError: the record is not a DST, or the contribution is not complete.
        ContributionSignerError: the contribution is another member's, known here by
            another key (only its author sends it; forward their file instead).
        ValidationError: no passphrase, and no other member's key known for this DST.
    """
    records = session.records
    record = _dst(records, record_id)
    item = next((i for i in _items(record) if i.get("contribution_id") == contribution_id), None)
    if item is None:
        raise NotFoundError(
            f"This DST has no contribution with the reference {contribution_id}.",
            "Check the reference shown on the 'Members' contributions' page.",
        )
    vault = records.vault
    signing_key = contribution_signing_key(vault)
    own = public_key_b64(signing_key)
    name = str(item.get("contributor_name", ""))
    with vault.transaction() as conn:
        bound = member_keys.contribution_key(conn, record.id, contribution_id)
        member = member_keys.member_key(conn, name)
        mine = member_keys.member_identity(name) == member_keys.member_identity(
            vault.profile.name
        ) or (member is not None and member.source == "own")
        if (
            (bound is not None and bound != own)
            or (member is not None and member.public_key != own)
            or not mine
        ):
            shown = name[:100]
            raise ContributionSignerError(
                f"This contribution is {shown}'s, not yours, so it cannot be sent from this "
                f"laptop in their name (it would carry your key, not {shown}'s).",
                f"Ask {shown} to send their own file, or forward the file they sent.",
            )
        members = [k for k in member_keys.contribution_keys_of(conn, record.id) if k != own]
    if passphrase is None and not members:
        raise ValidationError(
            "No other member's key is known on this laptop for this DST, so only you could "
            "open the file.",
            "Lock it with the passphrase your MDT agreed.",
        )
    person = PeopleRepository(vault).get(record.person_id)
    export_contribution(
        path,
        validate_contribution(item),
        record_person_from(person.details),
        record_id=record.id,
        passphrase=passphrase,
        signing_key=signing_key,
        recipients=[own, *members],
    )
    with vault.transaction() as conn:
        if member_keys.member_key(conn, name) is None:
            member_keys.bind_member(conn, name, own, key_fingerprint(own), "own")
        if member_keys.contribution_key(conn, record.id, contribution_id) is None:
            member_keys.bind_contribution(conn, record.id, contribution_id, own)
        history.append_audit(
            conn, vault.profile.id, "chc.contribution.export", "assessment", record.id
        )
    return key_fingerprint(own)


def import_member_contribution(
    session: Session,
    record_id: AssessmentId,
    path: Path,
    *,
    passphrase: str | None = None,
    confirmed_fingerprint: str | None = None,
    confirmed_name: str | None = None,
) -> ImportResult:
    """Merge a colleague's contribution file into this DST, as a new revision.

    Args:
        session: The coordinator's profile.
        record_id: The DST to import into.
        path: The contribution file.
        passphrase: The MDT's exchange passphrase; None to open it with this profile's key
            only (`PassphraseNeededError` when it was not sealed to it).
        confirmed_fingerprint: The fingerprint the coordinator confirmed with the member,
            for a member whose key is not yet known here (see `UnconfirmedMemberKeyError`).
        confirmed_name: The member it was confirmed for, when known (the app passes the
            name it showed): a file changed between the question and the import is refused.

    Raises:
        PassphraseNeededError: not sealed to this profile's key, and no passphrase given.
        ContributionFileError: the file is not a contribution, the passphrase is wrong, it
            was changed after it was signed, or it is out of date (nothing is imported).
        UnconfirmedMemberKeyError: the member's first contribution here, and
            `confirmed_fingerprint` is not their key's fingerprint.
        ContributionSignerError: signed with a key other than the one the member (or this
            contribution) is known by here.
        DifferentPersonError: the file is about someone else, or belongs to another DST
            on this laptop.
        ValidationError: the record is not a DST draft.
    """
    vault = session.vault
    # The slow KDF (when the file is not sealed to this profile): outside the transaction.
    imported = read_contribution(path, passphrase=passphrase, private=_own_decryption_key(vault))
    records = session.records
    with vault.transaction() as conn:
        # Made on first use inside the transaction: a refused import leaves no key behind.
        own = public_key_b64(contribution_signing_key(vault))
        record = _dst(records, record_id)
        if record.status not in _EDITABLE:
            raise ValidationError(
                f"This DST is {record.status.value}, so contributions cannot be added.",
                "Amend it first, then import the contribution.",
            )
        _check_same_record(records, record, imported)
        person = PeopleRepository(vault).get(record.person_id)
        check_same_person(record_person_from(person.details), imported.record_person)
        before = merge_contributions(_items(record))
        _check_signer(
            conn, vault, record.id, before, imported, own, confirmed_fingerprint, confirmed_name
        )
        after = merge_contributions(before, [imported.contribution])
        contributor = str(imported.contribution.get("contributor_name", ""))
        if after == before:
            return ImportResult(_why_unchanged(before, imported), contributor, record)
        known = {i["contribution_id"] for i in before}
        outcome = "updated" if imported.contribution["contribution_id"] in known else "added"
        records.save_field(record.id, "contributions", after)
        saved = records.checkpoint(record.id)
        history.append_audit(
            conn, vault.profile.id, "chc.contribution.import", "assessment", record.id
        )
    return ImportResult(outcome, contributor, saved)


def _check_same_record(
    records: AssessmentRepository, record: Assessment, imported: ImportedContribution
) -> None:
    """Refuse a file written from another DST this laptop holds (a shared DST keeps its ids).

    A file from a member's own DST of the person names a record this laptop does not have;
    the person check decides that one.
    """
    there = imported.record_id
    if there and there != record.id and records.exists(there):
        raise DifferentPersonError(
            "This contribution belongs to another Decision Support Tool on this laptop, not "
            "to the one open.",
            f"Open the DST it was written for (the person's other DST) and import it there. "
            f"{_NOTHING_IMPORTED}",
        )


def _why_unchanged(items: list[dict[str, Any]], imported: ImportedContribution) -> str:
    """Why a file changed nothing: "older" (a later revision is held) or "unchanged"."""
    cid = imported.contribution["contribution_id"]
    held = next((i for i in items if i.get("contribution_id") == cid), None)
    newer = held is not None and held.get("revision", 0) > imported.contribution["revision"]
    return "older" if newer else "unchanged"


def _check_signer(
    conn: Connection,
    vault: Vault,
    record_id: str,
    items: list[dict[str, Any]],
    imported: ImportedContribution,
    own: str,
    confirmed: str | None,
    confirmed_name: str | None = None,
    source: str = "confirmed",
) -> None:
    """Refuse a contribution not signed by the key its member and its id are known by here.

    Binds the member's key (once confirmed: by the coordinator, or with `source` "gateway"
    by the gateway, which registered the author's key at enrolment) and the contribution's
    key on first sight, in the caller's transaction, so a refusal later in the import binds
    nothing.
    """
    key, name = imported.signer_key_b64, imported.signer_name
    cid = str(imported.contribution["contribution_id"])
    shown = name[:100]
    bound = member_keys.member_key(conn, name)
    is_own_name = member_keys.member_identity(name) == member_keys.member_identity(
        vault.profile.name
    )
    if bound is not None and bound.public_key != key:
        raise ContributionSignerError(
            f"This contribution is signed in the name of {shown} with a different key from "
            f"the one {shown} uses (fingerprint {bound.fingerprint}), so it is not theirs.",
            f"Do not use it. If {shown} has changed laptops, ask IT; otherwise tell the "
            f"coordinator someone may be sending files in {shown}'s name. {_NOTHING_IMPORTED}",
        )
    if bound is None and is_own_name and key != own:
        raise ContributionSignerError(
            f"This contribution is signed in your name ({shown}) with a key that is not "
            "this profile's, so you did not write it.",
            f"Do not use it, and tell the coordinator. {_NOTHING_IMPORTED}",
        )
    first_key = member_keys.contribution_key(conn, record_id, cid)
    if first_key is not None and first_key != key:
        raise ContributionSignerError(
            f"This file changes a contribution to this DST that was signed with another key, "
            f"so it may not be from {shown}.",
            f"Ask {shown} whether they sent it. {_NOTHING_IMPORTED}",
        )
    existing = next((i for i in items if i.get("contribution_id") == cid), None)
    if (
        first_key is None
        and existing is not None
        and member_keys.member_identity(str(existing.get("contributor_name", "")))
        != member_keys.member_identity(name)
    ):
        was = str(existing.get("contributor_name", ""))[:100]
        raise ContributionSignerError(
            f"This file would replace {was}'s contribution with one signed by {shown}.",
            f"Only {was} can change their contribution: ask them to send it. {_NOTHING_IMPORTED}",
        )
    if bound is None and key != own:
        fingerprint = key_fingerprint(key)
        others = [
            n
            for n in member_keys.members_of_key(conn, key)
            if member_keys.member_identity(n) != member_keys.member_identity(name)
        ]
        if others:
            raise ContributionSignerError(
                f"This contribution is signed in the name of {shown} with the key of "
                f"{others[0][:100]}, so it is not {shown}'s.",
                f"Each member signs with their own key. {_NOTHING_IMPORTED}",
            )
        same_member = confirmed_name is None or member_keys.member_identity(
            confirmed_name
        ) == member_keys.member_identity(name)
        if not same_fingerprint(confirmed, fingerprint) or not same_member:
            raise UnconfirmedMemberKeyError(name, fingerprint)
        member_keys.bind_member(conn, name, key, fingerprint, source)
    # This profile's own key binds no other member's name (a file of ours from before
    # schema 5 still merges, by its contribution id).
    if first_key is None:
        member_keys.bind_contribution(conn, record_id, cid, key)


@dataclass(frozen=True)
class Received:
    """A contribution the gateway gave, and the keys it registered for its author."""

    imported: ImportedContribution
    """Its signature checked (`exchange.verify_signed_contribution`)."""
    author_name: str
    """The author's name as their gateway account has it."""
    author_keys: tuple[str, ...]
    """The contribution keys registered at enrolment for the author's laptops."""


@dataclass(frozen=True)
class GatewayMerge:
    """What merging the gateway's contributions into one DST did."""

    added: int = 0
    """Contributions, or newer revisions of them, new to this DST."""
    refused: tuple[str, ...] = ()
    """Why any were not taken, in words (the rest were)."""


def take_gateway_contributions(
    vault: Vault, record_id: str, received: list[Received]
) -> GatewayMerge:
    """Merge the MDT's contributions received through the gateway into this DST.

    Each is checked as a file's would be, with the gateway's keys for its author as the
    store of authors' keys (`check_signer_key`): its signer must be the author the gateway
    names, with a key the gateway registered for them, the person must be this DST's, and
    the keys this laptop already binds (from files, or earlier syncs) must agree; a member
    first seen through the gateway is bound with source "gateway" (no fingerprint to read
    out: the gateway vouches). One refused is left out and said why; the rest merge, in one
    transaction and one new revision. A contribution held already (it came by file too)
    changes nothing: the merge is by contribution id and revision.
    """
    records = AssessmentRepository(vault)
    refused: list[str] = []
    with vault.transaction() as conn:
        own = public_key_b64(contribution_signing_key(vault))
        record = _dst(records, record_id)
        before = merge_contributions(_items(record))
        if record.status not in _EDITABLE:
            taken = merge_contributions(before, [r.imported.contribution for r in received])
            if taken != before:
                refused.append(
                    f"This DST is {record.status.value}, so the contributions received since "
                    "were not added. Amend it to take them."
                )
            return GatewayMerge(0, tuple(refused))
        here = record_person_from(PeopleRepository(vault).get(record.person_id).details)
        after = before
        for got in received:
            imported = got.imported
            try:
                if member_keys.member_identity(imported.signer_name) != (
                    member_keys.member_identity(got.author_name)
                ):
                    raise ContributionSignerError(
                        f"A contribution in the name of {imported.signer_name[:100]} came from "
                        f"{got.author_name[:100]}'s account, so it is not theirs.",
                        "Tell the coordinator; it was not added.",
                    )
                check_signer_key(imported, got.author_keys)
                check_same_person(here, imported.record_person)
                _check_signer(
                    conn,
                    vault,
                    record.id,
                    after,
                    imported,
                    own,
                    key_fingerprint(imported.signer_key_b64),
                    imported.signer_name,
                    source="gateway",
                )
            except (ContributionSignerError, DifferentPersonError) as e:
                refused.append(e.one_line())
                continue
            after = merge_contributions(after, [imported.contribution])
        added = sum(1 for item in after if item not in before)
        if after != before:
            records.save_field(record.id, "contributions", after)
            records.checkpoint(record.id)
            history.append_audit(
                conn, vault.profile.id, "chc.contribution.gateway", "assessment", record.id
            )
    return GatewayMerge(added, tuple(refused))


def own_signed_contributions(
    vault: Vault, record_id: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """This profile's own contributions to a DST, signed to send through the gateway.

    Only the author's own (their name, and not bound here to another key), and only those
    the tool's rules accept: one that breaks them is named in the problems returned, and
    goes once corrected. The person must have the details a contribution needs
    (`record_person_from`).

    Returns:
        The signed contributions, and what is wrong with any left out, in words.

    Raises:
        ValidationError: the person's details lack what a contribution needs.
    """
    record = _dst(AssessmentRepository(vault), record_id)
    key = contribution_signing_key(vault)
    own = public_key_b64(key)
    me = member_keys.member_identity(vault.profile.name)
    mine: list[dict[str, Any]] = []
    problems: list[str] = []
    with vault.transaction() as conn:
        for item in _items(record):
            cid = str(item.get("contribution_id", ""))
            if member_keys.member_identity(str(item.get("contributor_name", ""))) != me:
                continue
            bound = member_keys.contribution_key(conn, record.id, cid) if cid else None
            if bound is not None and bound != own:
                continue
            try:
                mine.append(validate_contribution(item))
            except ValidationError as e:
                problems.append(
                    f"Your contribution to a DST was not sent: {e.user_message} Correct it on "
                    "the 'Members' contributions' page; it goes at the next sync."
                )
    if not mine:
        return [], problems
    person = record_person_from(PeopleRepository(vault).get(record.person_id).details)
    return [sign_contribution(item, person, key) for item in mine], problems


def rebind_member_key(
    session: Session, path: Path, *, passphrase: str | None, confirmed_fingerprint: str
) -> member_keys.MemberKey:
    """IT: bind a member who changed laptops to the key their new file is signed with.

    The fingerprint must be the one the member read out for the new key; the old binding is
    kept, and the change audited. Nothing is imported from the file.

    Raises:
        ContributionFileError: the file cannot be read (as for an import).
        UnconfirmedMemberKeyError: `confirmed_fingerprint` is not the new key's.
        ValidationError: the member is not known here (their first file binds them), or is
            already bound to this key.
    """
    vault = session.vault
    imported = read_contribution(path, passphrase=passphrase, private=_own_decryption_key(vault))
    name, key = imported.signer_name, imported.signer_key_b64
    fingerprint = key_fingerprint(key)
    if not same_fingerprint(confirmed_fingerprint, fingerprint):
        raise UnconfirmedMemberKeyError(name, fingerprint)
    with vault.transaction() as conn:
        current = member_keys.member_key(conn, name)
        if current is None:
            raise ValidationError(
                f"{name[:100]} is not bound to a key on this laptop yet.",
                "Import their contribution: the first one asks you to confirm their key.",
            )
        if current.public_key == key:
            raise ValidationError(
                f"{name[:100]} is already bound to this key.", "Nothing has been changed."
            )
        others = [
            n
            for n in member_keys.members_of_key(conn, key)
            if member_keys.member_identity(n) != member_keys.member_identity(name)
        ]
        if others or key == public_key_b64(contribution_signing_key(vault)):
            raise ValidationError(
                f"That key belongs to {(others or [vault.profile.name])[0][:100]}, not to "
                f"{name[:100]}.",
                "Each member signs with their own key. Nothing has been changed.",
            )
        bound = member_keys.bind_member(conn, name, key, fingerprint, "rebound")
        history.append_audit(conn, vault.profile.id, "chc.member.rebind", "member", "")
    return bound
