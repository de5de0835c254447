"""The shared DST at the gateway: MDT members' signed contributions, and who may see them.

A DST is shared with the assessor whose caseload its person is on (its owner) and with the
assessors IT invites (`invite`; an NHS nurse is an assessor account of another organisation).
Each member's laptop sends its own contributions, signed by its contribution key
(`chc.exchange.sign_contribution`, the payload a contribution file holds), and the gateway
takes one only when its signature holds, it is signed by a key registered at enrolment for
one of the sending assessor's own laptops, it is in that assessor's name, the assessor is a
member of that DST, it is about that DST's person, and nobody else has sent a contribution
with that id (`take_contributions`). A member's pull of DSTs (`shared_with`) gives every DST
they are a member of: for an invited member the person's identity (the minimum, decision
0012), and for all members every contribution received with its author's registered keys, so
the laptop checks "who wrote this" again on arrival. Each received revision is kept once,
named by the digest of its signed payload. Each contribution taken, invitation and
withdrawal is numbered in `dst_change` as caseload changes are (decision 0008), so a pull with
a cursor (`changes_for`) gives only what changed since. Imports no Qt, and of the app only
the DST's own checks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessor_app.core.chc.exchange import (
    ContributionFileError,
    signed_digest,
    verify_signed_contribution,
)
from assessor_app.core.chc.merge import merge_contributions
from assessor_app.core.chc.record_person import (
    DifferentPersonError,
    check_same_person,
)
from assessor_app.core.errors import ValidationError
from assessor_app.core.storage.member_keys import member_identity
from sync.gateway.store import Device, Store, _Tx
from sync.protocol import DstPullPage

__all__ = [
    "CONTRIBUTIONS_PATH",
    "MAX_CONTRIBUTIONS",
    "PULL_PATH",
    "PERSON_FIELDS",
    "Answer",
    "InvitationError",
    "SharedDsts",
]

CONTRIBUTIONS_PATH = "/v1/dst/contributions"
PULL_PATH = "/v1/dst/pull"
MAX_CONTRIBUTIONS = 200
"""The most signed contributions one request may carry."""
PERSON_FIELDS = ("given_name", "family_name", "date_of_birth", "nhs_number", "authority_person_id")
"""What an invited member is given of the person: enough to know who, and to match
contributions to them (decision 0012). Nothing of their address, custody or other records."""
_ID = re.compile(r"[0-9a-zA-Z_-]{1,64}\Z")


class InvitationError(ValueError):
    """An invitation that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Answer:
    """What became of one signed contribution sent."""

    digest: str
    status: str
    """"stored", "duplicate", "refused" (for good; the reason says why) or "retry_later"
    (the DST's record has not reached the gateway yet)."""
    reason: str = ""
    record_id: str = ""
    """The DST it was taken for (stored or duplicate only); not sent back."""

    @property
    def stored(self) -> bool:
        """Kept now, new to the gateway."""
        return self.status == "stored"

    def to_json(self) -> dict[str, str]:
        return {"digest": self.digest, "status": self.status, "reason": self.reason}


class SharedDsts:
    """The shared DSTs held in one gateway `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- IT ------------------------------------------------------------------------------------

    def invite(self, record_id: str, assessor_id: str, now: dt.datetime) -> bool:
        """Invite an assessor to a DST; False when they were invited already.

        Raises:
            InvitationError: no such assessor, the record is not a DST the gateway holds, or
                the assessor owns it already.
        """
        with self.store.transaction() as tx:
            if not tx.execute("SELECT 1 FROM assessor WHERE id = ?", (assessor_id,)).fetchone():
                raise InvitationError(
                    f"There is no assessor {assessor_id}. Make their account first with "
                    "'assessor-gateway create-assessor NAME --organisation ORG'."
                )
            person = _record_person(tx, record_id)
            if person is None or not _is_dst(tx, record_id):
                raise InvitationError(
                    f"The gateway holds no DST {record_id}. Check the record id (the DST's "
                    "owner sees it on the record), and that the owner's laptop has synced."
                )
            if _holder(tx, person) == assessor_id:
                raise InvitationError(
                    "That assessor holds the person's caseload: they have the DST already."
                )
            # An invitation withdrawn before is made again; a standing one is left as it is.
            done = tx.execute(
                "INSERT INTO dst_invitation (record_id, assessor_id, invited_at) VALUES "
                "(?, ?, ?) ON CONFLICT (record_id, assessor_id) DO UPDATE SET "
                "invited_at = excluded.invited_at, withdrawn_at = NULL "
                "WHERE dst_invitation.withdrawn_at IS NOT NULL RETURNING record_id",
                (record_id, assessor_id, now.isoformat()),
            ).fetchall()
            if done:
                self.store.log_dst_changes(tx, [(record_id, "invited", assessor_id, "")], now)
        return bool(done)

    def withdraw(self, record_id: str, assessor_id: str, now: dt.datetime) -> bool:
        """Withdraw an assessor's invitation to a DST; False when they were not invited.

        From now on their laptop no longer receives the DST and the gateway takes no new
        contribution of theirs to it; those it has received stay part of the DST for every
        other member (they were signed and shared in good faith).
        """
        with self.store.transaction() as tx:
            done = tx.execute(
                "UPDATE dst_invitation SET withdrawn_at = ? WHERE record_id = ? AND "
                "assessor_id = ? AND withdrawn_at IS NULL",
                (now.isoformat(), record_id, assessor_id),
            )
            if done.rowcount != 1:
                return False
            self.store.log_dst_changes(tx, [(record_id, "withdrawn", assessor_id, "")], now)
            return True

    def invitations(self, record_id: str) -> list[tuple[str, str, str]]:
        """Who is invited to a DST, as (assessor id, name, organisation), by name."""
        with self.store.transaction() as tx:
            rows = tx.execute(
                "SELECT a.id, a.name, a.organisation FROM dst_invitation i JOIN assessor a "
                "ON a.id = i.assessor_id WHERE i.record_id = ? AND i.withdrawn_at IS NULL "
                "ORDER BY a.name, a.id",
                (record_id,),
            ).fetchall()
        return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]

    # -- laptops -------------------------------------------------------------------------------

    def take_contributions(
        self, device: Device, items: Sequence[Mapping[str, Any]], now: dt.datetime
    ) -> list[Answer]:
        """Check and keep signed contributions a member's laptop sent, in one transaction.

        Args:
            device: The sending laptop (its assessor is the one who must have signed).
            items: ``{"record_id", "signed"}`` each, `signed` as `sign_contribution` makes it.
            now: When.
        """
        answers: list[Answer] = []
        with self.store.transaction() as tx:
            name_row = tx.execute(
                "SELECT name FROM assessor WHERE id = ?", (device.assessor_id,)
            ).fetchone()
            assessor_name = str(name_row[0]) if name_row else ""
            keys = _keys_of(tx, {device.assessor_id}).get(device.assessor_id, [])
            for item in items:
                answers.append(self._take(tx, device, assessor_name, keys, item, now.isoformat()))
            # Last in the transaction: numbered under the change log's lock (decision 0008).
            self.store.log_dst_changes(
                tx,
                [
                    (a.record_id, "contribution", "", a.digest)
                    for a in answers
                    if a.status == "stored"
                ],
                now,
            )
        return answers

    @staticmethod
    def _take(
        tx: _Tx,
        device: Device,
        assessor_name: str,
        keys: Sequence[str],
        item: Mapping[str, Any],
        stamp: str,
    ) -> Answer:
        record_id, signed = item.get("record_id"), item.get("signed")
        if not isinstance(record_id, str) or not _ID.match(record_id):
            return Answer("", "refused", "A contribution came without its DST's record id.")
        if not isinstance(signed, Mapping):
            return Answer("", "refused", "A contribution came without its signed contents.")
        digest = signed_digest(signed)
        try:
            imported = verify_signed_contribution(dict(signed))
        except ContributionFileError as e:
            return Answer(digest, "refused", e.user_message)
        if imported.signer_key_b64 not in keys:
            return Answer(
                digest,
                "refused",
                "This contribution is signed with a key the gateway does not know for your "
                "account, so it cannot be shown as yours. Enrol this laptop again (IT gives a "
                "new code); your contribution is kept on the laptop.",
            )
        if member_identity(imported.signer_name) != member_identity(assessor_name):
            return Answer(
                digest,
                "refused",
                f"This contribution is in the name of {imported.signer_name[:100]}, but this "
                f"laptop is enrolled for {assessor_name[:100]}: a member sends only their "
                "own. Forward another member's contribution file instead.",
            )
        person = _record_person(tx, record_id)
        if person is None:
            return Answer(digest, "retry_later", "The DST has not reached the gateway yet.")
        invitation = tx.execute(
            "SELECT withdrawn_at FROM dst_invitation WHERE record_id = ? AND assessor_id = ?",
            (record_id, device.assessor_id),
        ).fetchone()
        if _holder(tx, person) != device.assessor_id and invitation is not None and invitation[0]:
            return Answer(
                digest,
                "refused",
                "Your invitation to this DST was withdrawn, so the gateway takes no more "
                "contributions from you to it; those it had before stay part of it. Your "
                "contribution is kept on the laptop. Ask the DST's coordinator if this is wrong.",
            )
        if _holder(tx, person) != device.assessor_id and invitation is None:
            return Answer(
                digest,
                "refused",
                "You are not a member of this DST at the gateway. Ask the DST's coordinator "
                "to have IT invite you; your contribution is kept on the laptop.",
            )
        try:
            here = {k: v for k, v in _person_minimum(tx, person).items() if v}
            here.pop("given_name", None)
            check_same_person(here, imported.record_person)
        except (DifferentPersonError, ValidationError) as e:
            return Answer(digest, "refused", e.user_message)
        cid = str(imported.contribution["contribution_id"])
        owner = tx.execute(
            "SELECT assessor_id FROM dst_contribution WHERE record_id = ? AND "
            "contribution_id = ? LIMIT 1",
            (record_id, cid),
        ).fetchone()
        if owner is not None and str(owner[0]) != device.assessor_id:
            return Answer(
                digest,
                "refused",
                "Another member sent a contribution with this reference first: only its "
                "author can change it.",
            )
        stored = tx.execute(
            "INSERT INTO dst_contribution (digest, record_id, contribution_id, revision, "
            "assessor_id, device_id, payload, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (digest) DO NOTHING RETURNING digest",
            (
                digest,
                record_id,
                cid,
                int(imported.contribution["revision"]),
                device.assessor_id,
                device.id,
                json.dumps(dict(signed), sort_keys=True),
                stamp,
            ),
        ).fetchall()
        return Answer(digest, "stored" if stored else "duplicate", record_id=record_id)

    def shared_with(self, assessor_id: str) -> list[dict[str, Any]]:
        """Every DST `assessor_id` is a member of, with its contributions, as the pull sends.

        Owned DSTs (the person on their caseload) are given once anything is shared: an
        invitation or a contribution. Each is ``{"record_id", "person_id", "role", "person"
        (invited only), "contributions": [signed payloads, one per contribution: the merge's
        choice], "authors": {assessor id: {"name", "organisation", "keys"}}}`` with each
        contribution's ``author`` beside it.
        """
        with self.store.transaction() as tx:
            invited = {
                str(r[0])
                for r in tx.execute(
                    "SELECT record_id FROM dst_invitation WHERE assessor_id = ? "
                    "AND withdrawn_at IS NULL",
                    (assessor_id,),
                ).fetchall()
            }
            owned = {
                str(r[0])
                for r in tx.execute(
                    "SELECT rp.record_id FROM record_person rp JOIN allocation a ON "
                    "a.person_id = rp.person_id WHERE a.assessor_id = ? AND (EXISTS (SELECT 1 "
                    "FROM dst_invitation i WHERE i.record_id = rp.record_id) OR EXISTS (SELECT "
                    "1 FROM dst_contribution c WHERE c.record_id = rp.record_id))",
                    (assessor_id,),
                ).fetchall()
            }
            out = []
            for record_id in sorted(invited | owned):
                person = _record_person(tx, record_id) or ""
                role = "owner" if _holder(tx, person) == assessor_id else "invited"
                if role == "invited" and record_id not in invited:
                    continue
                out.append(self._dst(tx, record_id, person, role))
        return out

    def changes_for(
        self, assessor_id: str, cursor: int, limit: int, whole: Sequence[str] = ()
    ) -> DstPullPage:
        """One page of what changed after `cursor` in the DSTs `assessor_id` is a member of.

        At most `limit` changes are read, in the order they were numbered (decision 0008).
        What is given is decided by membership now, as a caseload pull decides by who holds
        a person now: a DST newly shared with the assessor (invited, or its person moved to
        them) comes whole, one they were a member of already brings only the contributions
        received since, and a withdrawn invitation is named. A cursor past every change (the
        database was restored from an older backup) starts again from the beginning, and
        the page says so. Nothing changed is one indexed read and a page of no DSTs. The
        DSTs in `whole` the assessor is a member of are given whole in any case (the laptop
        could not take all of what came of them before). A DST given whole says so.
        """
        with self.store.transaction() as tx:
            # Read first: every change numbered up to it is committed (numbering waits for
            # the commit before), so a page that finds nothing more may move the cursor there.
            row = tx.execute("SELECT MAX(seq) FROM dst_change").fetchone()
            newest = int(row[0]) if row and row[0] is not None else 0
            reset = cursor > newest
            if reset:
                cursor = 0
            rows = tx.execute(
                "SELECT c.seq, c.record_id, c.kind, c.digest FROM dst_change c WHERE c.seq > ? "
                "AND (c.assessor_id = ? OR (c.kind = 'contribution' AND (EXISTS (SELECT 1 FROM "
                "dst_invitation i WHERE i.record_id = c.record_id AND i.assessor_id = ? AND "
                "i.withdrawn_at IS NULL) OR EXISTS (SELECT 1 FROM record_person rp JOIN "
                "allocation a ON a.person_id = rp.person_id WHERE rp.record_id = c.record_id "
                "AND a.assessor_id = ?)))) ORDER BY c.seq LIMIT ?",
                (cursor, assessor_id, assessor_id, assessor_id, limit + 1),
            ).fetchall()
            more = len(rows) > limit
            rows = rows[:limit]
            last = int(rows[-1][0]) if rows else cursor
            given: set[str] = set()
            new: dict[str, set[str]] = {}
            roles: dict[str, tuple[str, str]] = {}
            for record_id in whole:
                roles[record_id] = _role(tx, record_id, assessor_id)
                if roles[record_id][1]:
                    given.add(record_id)
            withdrawn: set[str] = set()
            for _, record_id, kind, digest in rows:
                record_id = str(record_id)
                if record_id not in roles:
                    roles[record_id] = _role(tx, record_id, assessor_id)
                person, role = roles[record_id]
                if kind == "withdrawn":
                    if not role:
                        withdrawn.add(record_id)
                elif role and kind in ("invited", "owner"):
                    given.add(record_id)
                elif role and kind == "contribution":
                    new.setdefault(record_id, set()).add(str(digest))
            dsts = [
                self._dst(
                    tx,
                    record_id,
                    *roles[record_id],
                    digests=None if record_id in given else new[record_id],
                )
                for record_id in sorted(given | set(new))
            ]
        return DstPullPage(
            tuple(dsts),
            tuple(sorted(withdrawn - given)),
            last if more else max(last, newest),
            more,
            reset,
        )

    @staticmethod
    def _dst(
        tx: _Tx, record_id: str, person: str, role: str, digests: set[str] | None = None
    ) -> dict[str, Any]:
        """One DST as a pull gives it.

        Whole (the merge's choice of each contribution), or, given `digests`, only those
        contributions received (each revision as it came: the laptop's merge chooses).
        """
        rows = tx.execute(
            "SELECT assessor_id, payload, digest FROM dst_contribution WHERE record_id = ? "
            "ORDER BY digest",
            (record_id,),
        ).fetchall()
        contributions: list[dict[str, Any]] = []
        if digests is not None:
            for author, payload, digest in rows:
                if str(digest) in digests:
                    contributions.append(
                        {"author": str(author), "signed": json.loads(str(payload))}
                    )
        else:
            by_item: dict[str, tuple[str, dict[str, Any]]] = {}
            for author, payload, _ in rows:
                signed = json.loads(str(payload))
                by_item[signed_digest(signed["contribution"])] = (str(author), signed)
            # The merge's choice for each contribution id, whatever order they arrived in.
            chosen = merge_contributions([s["contribution"] for _, s in by_item.values()])
            for item in chosen:
                found = by_item.get(signed_digest(item))
                if found is not None:
                    contributions.append({"author": found[0], "signed": found[1]})
        authors = _authors(tx, {str(c["author"]) for c in contributions})
        dst: dict[str, Any] = {
            "record_id": record_id,
            "person_id": person,
            "role": role,
            "contributions": contributions,
            "authors": authors,
            "whole": digests is None,
        }
        if role == "invited":
            dst["person"] = _person_minimum(tx, person)
            dst["form_version"] = _form_version(tx, record_id)
            holder = _holder(tx, person)
            row = tx.execute("SELECT name FROM assessor WHERE id = ?", (holder,)).fetchone()
            dst["owner"] = str(row[0]) if row else ""
        return dst

    def contributions(self, record_id: str) -> list[dict[str, Any]]:
        """The DST's contributions as the gateway holds them now (merged)."""
        with self.store.transaction() as tx:
            person = _record_person(tx, record_id) or ""
            return [
                c["signed"]["contribution"]
                for c in self._dst(tx, record_id, person, "")["contributions"]
            ]


def _record_person(tx: _Tx, record_id: str) -> str | None:
    row = tx.execute(
        "SELECT person_id FROM record_person WHERE record_id = ?", (record_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def _role(tx: _Tx, record_id: str, assessor_id: str) -> tuple[str, str]:
    """The DST's person, and the assessor's part in it now: "owner", "invited" or ""."""
    person = _record_person(tx, record_id) or ""
    if person and _holder(tx, person) == assessor_id:
        return person, "owner"
    row = tx.execute(
        "SELECT 1 FROM dst_invitation WHERE record_id = ? AND assessor_id = ? "
        "AND withdrawn_at IS NULL",
        (record_id, assessor_id),
    ).fetchone()
    return person, "invited" if row is not None and person else ""


def _is_dst(tx: _Tx, record_id: str) -> bool:
    row = tx.execute(
        "SELECT body FROM revision WHERE entity_type = 'assessment' AND entity_id = ? AND seq = 1",
        (record_id,),
    ).fetchone()
    try:
        return row is not None and json.loads(str(row[0])).get("form_id") == "chc_dst"
    except (ValueError, AttributeError):
        return False


def _form_version(tx: _Tx, record_id: str) -> int:
    row = tx.execute(
        "SELECT body FROM revision WHERE entity_type = 'assessment' AND entity_id = ? "
        "ORDER BY seq DESC LIMIT 1",
        (record_id,),
    ).fetchone()
    try:
        version = json.loads(str(row[0])).get("form_version") if row is not None else None
    except (ValueError, AttributeError):
        version = None
    return version if isinstance(version, int) and not isinstance(version, bool) else 1


def _holder(tx: _Tx, person_id: str) -> str | None:
    row = tx.execute(
        "SELECT assessor_id FROM allocation WHERE person_id = ?", (person_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def _keys_of(tx: _Tx, assessors: set[str]) -> dict[str, list[str]]:
    """The contribution keys registered for each assessor's laptops still enrolled."""
    keys: dict[str, list[str]] = {a: [] for a in assessors}
    for assessor in sorted(assessors):
        for row in tx.execute(
            "SELECT contribution_key FROM device WHERE assessor_id = ? AND revoked_at IS NULL "
            "AND contribution_key IS NOT NULL ORDER BY enrolled_at",
            (assessor,),
        ).fetchall():
            keys[assessor].append(str(row[0]))
    return keys


def _authors(tx: _Tx, assessors: set[str]) -> dict[str, dict[str, Any]]:
    keys = _keys_of(tx, assessors)
    out: dict[str, dict[str, Any]] = {}
    for assessor in sorted(assessors):
        row = tx.execute(
            "SELECT name, organisation FROM assessor WHERE id = ?", (assessor,)
        ).fetchone()
        if row is not None:
            out[assessor] = {
                "name": str(row[0]),
                "organisation": str(row[1]),
                "keys": keys[assessor],
            }
    return out


def _person_minimum(tx: _Tx, person_id: str) -> dict[str, Any]:
    row = tx.execute(
        "SELECT body FROM revision WHERE entity_type = 'person' AND entity_id = ? "
        "ORDER BY seq DESC LIMIT 1",
        (person_id,),
    ).fetchone()
    try:
        body = json.loads(str(row[0])) if row is not None else {}
    except ValueError:
        body = {}
    details = body.get("details", body) if isinstance(body, dict) else {}
    return {k: details.get(k) for k in PERSON_FIELDS if isinstance(details, dict)}
