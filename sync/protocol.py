"""The sync protocol: what a laptop and the authority's gateway say to each other.

Imported by both sides (the desktop app's sync client and `assessor-gateway`); it imports
neither FastAPI nor Qt. Every message is a JSON object with a ``protocol`` name. A push is a
batch of revisions, each named by its chain hash (decision 0004), which the gateway
recomputes from the fields sent: a repeated batch is acknowledged again and stores nothing
twice. Each push ends with a closing check: both sides compute the same digest over what was
acknowledged, or the laptop keeps everything queued.

A signed PDF follows its record's revisions: the laptop offers it (`DocumentOffer`: the
document and record ids, the revision hash it was signed for, its size and SHA-256), then
sends it in chunks of `CHUNK_SIZE` bytes, each naming the offset it starts at. Every answer
(`DocumentAnswer`) says how many bytes the gateway holds, so an upload cut off half-way goes
on from there; the last chunk makes the gateway check the whole against the size and SHA-256
offered, and it refuses a PDF that does not match. An upload repeated after it finished stores
nothing and is answered "duplicate".

A laptop told of other versions asks for them (`VersionsRequest`, ``POST /v1/versions``):
the gateway answers with every version of each record it holds that no choice has settled,
for records on the device's assessor's caseload only (`VersionsResponse`).

The caseload flows down (`PullRequest`, ``POST /v1/pull``, from assessor-sync/2; decision
0008): the laptop sends the cursor of the last page it kept, and the gateway answers one page
of what changed on the device's assessor's caseload since (`PullResponse`): people with their
revisions and their records' (whole chains, each hash checked here), the people who left, the
next cursor, and whether more pages wait.

The shared DST pull (``POST /v1/dst/pull``, decision 0012) may carry the cursor of the last
page kept (`DstPullRequest`, optional in /2): it is answered a page at a time with only what
changed in the assessor's shared DSTs since (`DstPullPage`). One without a cursor is answered
every shared DST whole, as /1 and /2 laptops from before expect.

Each sync begins with a contact (``POST /v1/contact``, `ContactAnswer`): the gateway's time,
the lease it sets (days a laptop may go without reaching it), and, for a laptop IT revoked or
ordered wiped, the order (`DeviceOrder`), with whether queued work may first be sent. Any
other request from such a laptop is refused (403) with the same order in the answer.

A laptop enrolling without the CA file reads the server CA from ``GET /v1/ca`` before it
trusts it, and checks it against the fingerprint IT read out (`ca_fingerprint`,
`fingerprint_digits`): the SHA-256 of the CA certificate, in groups of four hex digits.

Messages from the other side are untrusted: each ``from_json`` refuses anything malformed
with a `ProtocolError` that says what.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from assessor_app.core.records import Revision
from assessor_app.core.storage.history import GENESIS_HASH, SUPERSEDES, canonical_json, chain_hash

__all__ = [
    "CHUNK_SIZE",
    "CONTACT_PATH",
    "CURRENT",
    "MAX_BATCH",
    "MAX_DOCUMENT",
    "PROTOCOLS",
    "AckStatus",
    "ContactAnswer",
    "DeviceOrder",
    "OrderKind",
    "DocumentAnswer",
    "DocumentOffer",
    "DocumentOffers",
    "MAX_OFFERS",
    "MAX_PULL",
    "DstPullPage",
    "DstPullRequest",
    "PullRequest",
    "PullResponse",
    "PulledPerson",
    "DocumentStatus",
    "ItemAck",
    "ProtocolError",
    "ProtocolVersion",
    "PushItem",
    "PushRequest",
    "PushResponse",
    "HeldItem",
    "MAX_HELD_REPORTED",
    "QueueReport",
    "REFERENCE_KINDS",
    "MAX_REFERENCE_ANSWER",
    "ReferenceRequest",
    "ReferenceResponse",
    "RecordVersions",
    "SUPERSEDES",
    "VersionsRequest",
    "VersionsResponse",
    "FINGERPRINT_MIN_DIGITS",
    "ca_fingerprint",
    "closing_digest",
    "document_answers",
    "document_answers_json",
    "fingerprint_digits",
    "version_problem",
]


@dataclass(frozen=True)
class ProtocolVersion:
    """One named version of the protocol: when it came, and what changed."""

    name: str
    released: dt.date
    changes: str


# Signed PDFs extend assessor-sync/1 rather than start /2: /1 has not been released (issue 14
# is still being built; no laptop or gateway in use speaks it), so a second version would only
# add negotiation that no deployed peer needs. Once /1 ships, a change gets a new version.
PROTOCOLS: tuple[ProtocolVersion, ...] = (
    ProtocolVersion(
        "assessor-sync/1",
        dt.date(2026, 12, 3),
        "First version: push batches of person and record revisions named by their hashes; "
        "acknowledgements per revision; a closing digest over what was acknowledged. Signed "
        "PDFs: offered by id, record, revision hash, size and SHA-256, then uploaded in chunks "
        "from the byte count the gateway holds, and checked whole before they are kept; a PDF that "
        "fits in one chunk may come with its offer (`content`), in one request, and several "
        "offers may go in one request (`POST /v1/documents/batch`, answered in order). Other "
        "versions of a record read back for the device's caseload; a revision the gateway "
        "cannot take names the chain it lacks, for a laptop to send again. Devices governed: "
        "each sync begins with a contact (the gateway's time, the lease in days, and any "
        "order to a revoked or wiped laptop); a refused request from such a laptop carries "
        "the same order.",
    ),
    ProtocolVersion(
        "assessor-sync/2",
        dt.date(2026, 12, 4),
        "Pull (`PullRequest`, ``POST /v1/pull``): the caseload flows down. The laptop sends the "
        "cursor it last saw; the gateway answers, a page at a time, with what changed on the "
        "device's assessor's caseload since: each person's revisions and those of their open "
        "records (and the newest finished record of each form, which a review builds on), the "
        "people who left the caseload, and the cursor to send next. Reference data "
        "(`POST /v1/reference`): the laptop names the newest package version it holds of each "
        "kind (forms, rates, branding, leaflets) and the gateway answers with the signed "
        "packages newer than those, a few at a time (`more`), or none. Every /1 message is "
        "unchanged and still accepted. Added later, optional on both sides: a request for "
        "versions may name people (`person_ids`: a person's details forked as a record's can), "
        "answered under `people`, and a laptop whose gateway answers without them asks again "
        "at its next sync; a queue report may list its held items, each with its reason "
        "(`held_items`, so /1 and /2 reports without it stand); a DST pull may send the "
        "cursor it last kept (`DstPullRequest`) and is then answered a page at a time with "
        "only what changed since (`DstPullPage`: contributions, invitations, withdrawals), "
        "while one without a cursor still gets every shared DST whole.",
    ),
)
"""Every version this code speaks, oldest first."""

CURRENT = PROTOCOLS[-1].name
"""The version this code sends."""

MAX_BATCH = 500
"""The most revisions one push may carry (the laptop splits a longer queue)."""

CHUNK_SIZE = 256 * 1024
"""The most bytes of a PDF one chunk carries (a cut upload loses at most this much)."""

MAX_DOCUMENT = 64 * 1024 * 1024
"""The largest signed PDF the gateway takes (a record's PDF is well under 1 MB)."""

MAX_PULL = 200
"""The most caseload changes one pull answer covers (the laptop asks again while `more`)."""

_HASH = re.compile(r"[0-9a-f]{64}\Z")
_ID = re.compile(r"[0-9a-zA-Z_-]{1,64}\Z")
_ENTITY_TYPES = frozenset({"person", "assessment"})


class ProtocolError(ValueError):
    """A message that does not follow the protocol; the text says what is wrong."""


def version_problem(theirs: str, *, we_are: str) -> str | None:
    """Why we cannot talk to a peer speaking `theirs`, in words that say who should update.

    Args:
        theirs: The protocol name the other side sent.
        we_are: "the app" or "the gateway", for the message.

    Returns:
        None when we speak it; else a sentence naming which side to update.
    """
    known = [p.name for p in PROTOCOLS]
    if theirs in known:
        return None
    number = _number(theirs)
    ours = _number(CURRENT)
    other = "the gateway" if we_are == "the app" else "the app"
    if number is not None and ours is not None and number > ours:
        return (
            f"{other.capitalize()} speaks a newer sync protocol ({theirs}) than {we_are} "
            f"({CURRENT}): update {we_are}."
        )
    return (
        f"{other.capitalize()} speaks an older or unknown sync protocol ({theirs or 'none'}) "
        f"that {we_are} ({CURRENT}) no longer accepts: update {other}."
    )


def _message(raw: Any, what: str, *, we_are: str) -> None:
    """Refuse what is not a JSON object in a protocol this side speaks.

    Raises:
        ProtocolError: Not an object, or a protocol this side does not speak (saying which
            side to update).
    """
    if not isinstance(raw, dict):
        raise ProtocolError(f"{what} must be a JSON object")
    protocol = raw.get("protocol")
    problem = version_problem(protocol if isinstance(protocol, str) else "", we_are=we_are)
    if problem:
        raise ProtocolError(problem)


def _number(name: str) -> int | None:
    head, _, tail = name.partition("/")
    return int(tail) if head == "assessor-sync" and tail.isdigit() else None


@dataclass(frozen=True)
class PushItem:
    """One revision as it travels: every field its chain hash is computed from."""

    entity_type: str
    entity_id: str
    seq: int
    created_at: str
    """Exactly as the laptop stamped it (ISO 8601, UTC): part of the hash."""
    author: str
    body: Mapping[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def from_revision(cls, revision: Revision, *, stamp: str | None = None) -> PushItem:
        """The revision as it is sent.

        Args:
            stamp: Its time exactly as stored (`history.stored_stamps`), which its hash covers;
                by default `created_at` written back as `isoformat`.
        """
        return cls(
            revision.entity_type,
            revision.entity_id,
            revision.seq,
            stamp if stamp is not None else revision.created_at.isoformat(),
            revision.author,
            revision.body,
            revision.prev_hash,
            revision.hash,
        )

    def canonical_body(self) -> str:
        """The body in the canonical JSON its hash is computed over (and the gateway keeps)."""
        return canonical_json(dict(self.body))

    def hash_holds(self, canonical_body: str | None = None) -> bool:
        """Whether the hash is the one these fields give (a changed field never passes)."""
        body = canonical_body if canonical_body is not None else self.canonical_body()
        expected = chain_hash(
            self.entity_type,
            self.entity_id,
            self.seq,
            self.created_at,
            self.author,
            body,
            self.prev_hash,
        )
        return expected == self.hash

    @property
    def first(self) -> bool:
        """The first revision of its chain."""
        return self.seq == 1 and self.prev_hash == GENESIS_HASH

    def to_json(self) -> dict[str, Any]:
        """The item as a JSON object."""
        return {
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "seq": self.seq,
            "created_at": self.created_at,
            "author": self.author,
            "body": dict(self.body),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    @classmethod
    def from_json(cls, raw: Any, where: str) -> PushItem:
        """An item from untrusted JSON.

        Raises:
            ProtocolError: A field is missing or of the wrong kind (the message says which).
        """
        if not isinstance(raw, dict):
            raise ProtocolError(f"{where} must be an object")
        entity_type = _text(raw, "entity_type", where)
        if entity_type not in _ENTITY_TYPES:
            raise ProtocolError(f"{where}.entity_type must be one of {sorted(_ENTITY_TYPES)}")
        entity_id = _text(raw, "entity_id", where)
        if not _ID.match(entity_id):
            raise ProtocolError(f"{where}.entity_id is not an id")
        seq = raw.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise ProtocolError(f"{where}.seq must be a whole number from 1")
        body = raw.get("body")
        if not isinstance(body, dict):
            raise ProtocolError(f"{where}.body must be an object")
        prev, digest = _text(raw, "prev_hash", where), _text(raw, "hash", where)
        for name, value in (("prev_hash", prev), ("hash", digest)):
            if not _HASH.match(value):
                raise ProtocolError(f"{where}.{name} must be 64 lowercase hex digits")
        created_at = _text(raw, "created_at", where)
        try:
            dt.datetime.fromisoformat(created_at)
        except ValueError as e:
            raise ProtocolError(f"{where}.created_at is not a date and time") from e
        return cls(
            entity_type,
            entity_id,
            seq,
            created_at,
            _text(raw, "author", where),
            body,
            prev,
            digest,
        )


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        raise ProtocolError(f"{where}.{key} must be text")
    return value


@dataclass(frozen=True)
class PushRequest:
    """A batch of revisions from one laptop."""

    items: tuple[PushItem, ...]
    protocol: str = CURRENT

    def to_json(self) -> dict[str, Any]:
        """The request as a JSON object."""
        return {"protocol": self.protocol, "items": [i.to_json() for i in self.items]}

    @classmethod
    def from_json(cls, raw: Any) -> PushRequest:
        """A push from untrusted JSON.

        Raises:
            ProtocolError: Malformed, too long, or a protocol this side does not speak.
        """
        _message(raw, "a push", we_are="the gateway")
        items = raw.get("items")
        if not isinstance(items, list):
            raise ProtocolError("a push must carry a list of items")
        if len(items) > MAX_BATCH:
            raise ProtocolError(f"a push carries at most {MAX_BATCH} items, not {len(items)}")
        return cls(tuple(PushItem.from_json(r, f"items[{i}]") for i, r in enumerate(items)))


class AckStatus(StrEnum):
    """What the gateway did with one revision."""

    STORED = "stored"
    """New to the gateway, and now kept."""
    DUPLICATE = "duplicate"
    """Already held: a resend. Nothing was stored twice."""
    RETRY_LATER = "retry_later"
    """Not taken for now (an earlier revision of its record has not arrived): send it again."""
    REFUSED = "refused"
    """Not taken for good (its content, or the device's rights): the reason says why."""

    @property
    def acknowledged(self) -> bool:
        """The gateway holds the revision: the laptop may mark it sent."""
        return self in (AckStatus.STORED, AckStatus.DUPLICATE)


@dataclass(frozen=True)
class ItemAck:
    """The gateway's answer about one revision."""

    hash: str
    status: AckStatus
    reason: str = ""
    other_versions: int = 0
    """How many other versions of this revision's place in its record the gateway holds
    (another device carried the record on from the same point): the app asks which to keep."""
    missing: tuple[str, str] | None = None
    """With `RETRY_LATER`: the chain (entity type, id) the gateway lacks a revision of that
    this one needs: the record's own (an earlier revision) or its person's. A laptop that
    holds those as acknowledged sends them again: the gateway lost them (say, restored from
    an older backup), and otherwise the record would wait for ever."""

    def to_json(self) -> dict[str, Any]:
        """The acknowledgement as a JSON object."""
        out: dict[str, Any] = {"hash": self.hash, "status": self.status.value}
        if self.reason:
            out["reason"] = self.reason
        if self.other_versions:
            out["other_versions"] = self.other_versions
        if self.missing:
            out["missing"] = {"entity_type": self.missing[0], "entity_id": self.missing[1]}
        return out


@dataclass(frozen=True)
class PushResponse:
    """The gateway's answers to a push, and the closing digest over what it holds of it."""

    acks: tuple[ItemAck, ...]
    closing: str
    protocol: str = CURRENT
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The response as a JSON object."""
        return {
            "protocol": self.protocol,
            "acks": [a.to_json() for a in self.acks],
            "closing": self.closing,
            **dict(self.extra),
        }

    @classmethod
    def from_json(cls, raw: Any, sent: Sequence[PushItem]) -> PushResponse:
        """The gateway's answer from untrusted JSON, checked against what was sent.

        Raises:
            ProtocolError: Malformed, not one answer per revision sent, or a closing digest
                that does not match the acknowledgements (then nothing is marked sent).
        """
        _message(raw, "the gateway's answer", we_are="the app")
        acks_raw = raw.get("acks")
        if not isinstance(acks_raw, list) or len(acks_raw) != len(sent):
            raise ProtocolError("the gateway's answer does not name every revision sent")
        acks = []
        for i, (item, a) in enumerate(zip(sent, acks_raw, strict=True)):
            if not isinstance(a, dict) or a.get("hash") != item.hash:
                raise ProtocolError(f"answer {i} is not about revision {item.hash[:12]}")
            try:
                status = AckStatus(str(a.get("status")))
            except ValueError as e:
                raise ProtocolError(f"answer {i} has an unknown status") from e
            reason = a.get("reason", "")
            others = a.get("other_versions", 0)
            if not isinstance(reason, str) or not isinstance(others, int):
                raise ProtocolError(f"answer {i} is malformed")
            acks.append(ItemAck(item.hash, status, reason, others, _missing(a, i)))
        closing = raw.get("closing")
        if closing != closing_digest(a.hash for a in acks if a.status.acknowledged):
            raise ProtocolError(
                "the closing check failed: the gateway's count of what it holds does not match "
                "its answers"
            )
        return cls(tuple(acks), str(closing))


def _missing(answer: Mapping[str, Any], i: int) -> tuple[str, str] | None:
    raw = answer.get("missing")
    if raw is None:
        return None
    if (
        not isinstance(raw, dict)
        or raw.get("entity_type") not in _ENTITY_TYPES
        or not isinstance(raw.get("entity_id"), str)
        or not _ID.match(raw["entity_id"])
    ):
        raise ProtocolError(f"answer {i} names a missing record malformed")
    return str(raw["entity_type"]), str(raw["entity_id"])


def closing_digest(acknowledged: Iterable[str]) -> str:
    """The closing check both sides compute: the count and hashes of what was acknowledged.

    Order does not matter; a revision acknowledged twice in one push counts once.
    """
    hashes = sorted(set(acknowledged))
    material = f"{len(hashes)}:" + ",".join(hashes)
    return hashlib.sha256(material.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class VersionsRequest:
    """A laptop asking for the versions the gateway holds of some records and people.

    `person_ids` (a person's details forked as a record can) is optional in the JSON: a
    gateway that predates it answers for the records alone, and the laptop asks again later.
    """

    record_ids: tuple[str, ...]
    protocol: str = CURRENT
    person_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The request as a JSON object."""
        out: dict[str, Any] = {"protocol": self.protocol, "record_ids": list(self.record_ids)}
        if self.person_ids:
            out["person_ids"] = list(self.person_ids)
        return out

    @classmethod
    def from_json(cls, raw: Any) -> VersionsRequest:
        """A request from untrusted JSON.

        Raises:
            ProtocolError: Malformed, too long, or a protocol this side does not speak.
        """
        _message(raw, "a request for versions", we_are="the gateway")
        ids = _ids(raw.get("record_ids"), "record_ids", "records")
        people = _ids(raw.get("person_ids", []), "person_ids", "people")
        if len(ids) + len(people) > MAX_BATCH:
            raise ProtocolError(
                f"a request names at most {MAX_BATCH} records and people, not "
                f"{len(ids) + len(people)}"
            )
        return cls(ids, person_ids=people)


def _ids(raw: Any, name: str, what: str) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ProtocolError(f"a request for versions must carry a list of {name}")
    if len(raw) > MAX_BATCH:
        raise ProtocolError(f"a request names at most {MAX_BATCH} {what}, not {len(raw)}")
    for i, entity_id in enumerate(raw):
        if not isinstance(entity_id, str) or not _ID.match(entity_id):
            raise ProtocolError(f"{name}[{i}] is not an id")
    return tuple(dict.fromkeys(raw))


@dataclass(frozen=True)
class RecordVersions:
    """What the gateway holds of one record (or person) asked for: its unsettled versions, or
    a refusal."""

    record_id: str
    """The chain's id: a record's, or a person's when `entity_type` is 'person'."""
    heads: tuple[PushItem, ...] = ()
    """The newest revision of each version no choice has settled (one when not forked)."""
    refused: str = ""
    """Why nothing of the record is given, in words; "" when it is given."""
    entity_type: str = "assessment"

    def to_json(self) -> dict[str, Any]:
        """The record's part of the answer as a JSON object."""
        key = "person_id" if self.entity_type == "person" else "record_id"
        if self.refused:
            return {key: self.record_id, "refused": self.refused}
        return {key: self.record_id, "heads": [h.to_json() for h in self.heads]}


@dataclass(frozen=True)
class VersionsResponse:
    """The gateway's answer to a `VersionsRequest`: one entry per record and person asked for."""

    records: tuple[RecordVersions, ...]
    protocol: str = CURRENT
    people: tuple[RecordVersions, ...] | None = None
    """None when the gateway did not answer for people (it predates them, or none were asked)."""

    def to_json(self) -> dict[str, Any]:
        """The response as a JSON object."""
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "records": [r.to_json() for r in self.records],
        }
        if self.people is not None:
            out["people"] = [p.to_json() for p in self.people]
        return out

    @classmethod
    def from_json(
        cls, raw: Any, asked: Sequence[str], asked_people: Sequence[str] = ()
    ) -> VersionsResponse:
        """The gateway's answer from untrusted JSON, checked against what was asked.

        Every revision must be a revision of the record (or person) it is given for, and its
        hash must be the one its fields give: a changed answer, or one about another record,
        is refused whole, so nothing from it is kept. An answer without people, to a request
        that named some, is from a gateway that predates them: `people` is None.

        Raises:
            ProtocolError: Malformed, not one entry per record asked for, or a revision that
                is not what it says it is.
        """
        _message(raw, "the gateway's answer", we_are="the app")
        records = _versions(raw.get("records"), asked, "assessment")
        people = None
        if asked_people and "people" in raw:
            people = _versions(raw.get("people"), asked_people, "person")
        return cls(records, people=people)


def _versions(entries: Any, asked: Sequence[str], entity_type: str) -> tuple[RecordVersions, ...]:
    person = entity_type == "person"
    part, key, what = (
        ("people", "person_id", "person") if person else ("records", "record_id", "record")
    )
    if not isinstance(entries, list) or len(entries) != len(asked):
        raise ProtocolError(f"the gateway's answer does not name every {what} asked for")
    found = []
    for i, (entity_id, entry) in enumerate(zip(asked, entries, strict=True)):
        where = f"{part}[{i}]"
        if not isinstance(entry, dict) or entry.get(key) != entity_id:
            raise ProtocolError(f"{where} is not about {what} {entity_id}")
        refused = entry.get("refused", "")
        if not isinstance(refused, str):
            raise ProtocolError(f"{where}.refused must be text")
        heads_raw = entry.get("heads", [])
        if not isinstance(heads_raw, list) or len(heads_raw) > MAX_BATCH:
            raise ProtocolError(f"{where}.heads must be a list")
        heads = tuple(PushItem.from_json(h, f"{where}.heads[{j}]") for j, h in enumerate(heads_raw))
        for j, head in enumerate(heads):
            if (head.entity_type, head.entity_id) != (entity_type, entity_id):
                raise ProtocolError(f"{where}.heads[{j}] is a revision of another {what}")
            if not head.hash_holds():
                raise ProtocolError(f"{where}.heads[{j}] does not match its hash: it was changed")
        found.append(RecordVersions(entity_id, heads, refused, entity_type))
    return tuple(found)


@dataclass(frozen=True)
class DocumentOffer:
    """A signed PDF the laptop is about to upload: what it is, and how to check it whole."""

    document_id: str
    record_id: str
    """The record (assessment) it was made from."""
    revision_hash: str
    """The hash of the record's revision it was signed for (the gateway must hold it)."""
    kind: str
    """'record', or 'letter:<name>'."""
    variant: str
    """'standard', 'easy_read' or 'large_print'."""
    filename: str
    """The file name it was kept under on the laptop."""
    size: int
    sha256: str
    protocol: str = CURRENT
    content: bytes | None = field(default=None, repr=False, compare=False)
    """The whole PDF, for one that fits in one chunk (`CHUNK_SIZE`), sent with the offer so
    that it takes one request; None to send it in chunks after the offer. A gateway that
    does not read it answers "receiving from byte 0", and the chunks follow as before."""

    def to_json(self) -> dict[str, Any]:
        """The offer as a JSON object."""
        content = {} if self.content is None else {"content": _b64(self.content)}
        return {
            **content,
            "protocol": self.protocol,
            "document_id": self.document_id,
            "record_id": self.record_id,
            "revision_hash": self.revision_hash,
            "kind": self.kind,
            "variant": self.variant,
            "filename": self.filename,
            "size": self.size,
            "sha256": self.sha256,
        }

    @classmethod
    def from_json(cls, raw: Any) -> DocumentOffer:
        """An offer from untrusted JSON.

        Raises:
            ProtocolError: Malformed, too big, or a protocol this side does not speak.
        """
        _message(raw, "a document offer", we_are="the gateway")
        ids = {k: _text(raw, k, "offer") for k in ("document_id", "record_id")}
        for key, value in ids.items():
            if not _ID.match(value):
                raise ProtocolError(f"offer.{key} is not an id")
        digests = {k: _text(raw, k, "offer") for k in ("revision_hash", "sha256")}
        for key, value in digests.items():
            if not _HASH.match(value):
                raise ProtocolError(f"offer.{key} must be 64 lowercase hex digits")
        size = raw.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_DOCUMENT:
            raise ProtocolError(f"offer.size must be a whole number from 1 to {MAX_DOCUMENT}")
        filename = _text(raw, "filename", "offer")
        if not 0 < len(filename) <= 255:
            raise ProtocolError("offer.filename must be 1 to 255 characters")
        content = _offer_content(raw, size)
        return cls(
            ids["document_id"],
            ids["record_id"],
            digests["revision_hash"],
            _text(raw, "kind", "offer")[:80],
            _text(raw, "variant", "offer")[:40],
            filename,
            size,
            digests["sha256"],
            content=content,
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _offer_content(raw: dict[str, Any], size: int) -> bytes | None:
    """The PDF sent with an offer (`DocumentOffer.content`), checked against the size offered.

    Raises:
        ProtocolError: Not base64, more than one chunk, or not the size offered.
    """
    text = raw.get("content")
    if text is None:
        return None
    if not isinstance(text, str) or len(text) > (CHUNK_SIZE + 2) // 3 * 4:
        raise ProtocolError(f"offer.content must be base64 of at most {CHUNK_SIZE} bytes")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ProtocolError("offer.content must be base64") from e
    if len(data) != size:
        raise ProtocolError("offer.content must be the whole PDF, of the size offered")
    return data


class DocumentStatus(StrEnum):
    """Where an uploaded PDF is at the gateway."""

    RECEIVING = "receiving"
    """Offered and not yet whole: send the bytes from `received` on."""
    STORED = "stored"
    """Whole, checked against its size and SHA-256, and kept (by this request)."""
    DUPLICATE = "duplicate"
    """Already whole and kept: nothing was stored twice."""
    RETRY_LATER = "retry_later"
    """Not taken for now (the revision it was signed for has not arrived): offer it again."""
    REFUSED = "refused"
    """Not taken for good (it did not match its SHA-256, or the device's rights)."""

    @property
    def acknowledged(self) -> bool:
        """The gateway holds the whole PDF: the laptop may mark it sent."""
        return self in (DocumentStatus.STORED, DocumentStatus.DUPLICATE)


@dataclass(frozen=True)
class DocumentAnswer:
    """The gateway's answer to an offer or a chunk: what it holds of the PDF now."""

    document_id: str
    status: DocumentStatus
    received: int
    """How many bytes of the PDF the gateway holds: where the next chunk starts."""
    reason: str = ""
    sha256: str = ""
    """Once whole: the SHA-256 of what the gateway keeps (the laptop checks it)."""
    protocol: str = CURRENT

    def to_json(self) -> dict[str, Any]:
        """The answer as a JSON object."""
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "document_id": self.document_id,
            "status": self.status.value,
            "received": self.received,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.sha256:
            out["sha256"] = self.sha256
        return out

    @classmethod
    def from_json(cls, raw: Any, offer: DocumentOffer) -> DocumentAnswer:
        """The gateway's answer from untrusted JSON, checked against the offer.

        Raises:
            ProtocolError: Malformed, about another document, a byte count outside the PDF,
                or "whole" with a SHA-256 other than the one offered (nothing is marked sent).
        """
        _message(raw, "the gateway's answer", we_are="the app")
        if raw.get("document_id") != offer.document_id:
            raise ProtocolError(f"the answer is not about document {offer.document_id}")
        try:
            status = DocumentStatus(str(raw.get("status")))
        except ValueError as e:
            raise ProtocolError("the answer about a document has an unknown status") from e
        received = raw.get("received")
        if not isinstance(received, int) or isinstance(received, bool):
            raise ProtocolError("the answer about a document does not say how much it holds")
        if not 0 <= received <= offer.size:
            raise ProtocolError("the gateway holds more of the document than was offered")
        reason, digest = raw.get("reason", ""), raw.get("sha256", "")
        if not isinstance(reason, str) or not isinstance(digest, str):
            raise ProtocolError("the answer about a document is malformed")
        if status.acknowledged and (received != offer.size or digest != offer.sha256):
            raise ProtocolError(
                "the closing check failed: the gateway's copy of the PDF is not the one sent"
            )
        return cls(offer.document_id, status, received, reason, digest)


MAX_OFFERS = 64
"""The most signed PDFs one `DocumentOffers` request may offer."""


@dataclass(frozen=True)
class DocumentOffers:
    """Several signed PDFs offered in one request (`POST /v1/documents/batch`).

    Small PDFs come whole with their offers (`DocumentOffer.content`): the gateway keeps the
    lot in one transaction, one commit rather than one each. A PDF too big for one chunk is
    offered here too, and its chunks follow one request at a time as before.
    """

    offers: tuple[DocumentOffer, ...]
    protocol: str = CURRENT

    def to_json(self) -> dict[str, Any]:
        """The request as a JSON object."""
        return {"protocol": self.protocol, "offers": [o.to_json() for o in self.offers]}

    @classmethod
    def from_json(cls, raw: Any) -> DocumentOffers:
        """Offers from untrusted JSON.

        Raises:
            ProtocolError: Malformed, too many, the same PDF twice, or a protocol this side
                does not speak.
        """
        _message(raw, "a batch of document offers", we_are="the gateway")
        offers = raw.get("offers")
        if not isinstance(offers, list) or not offers:
            raise ProtocolError("a batch of document offers must carry a list of offers")
        if len(offers) > MAX_OFFERS:
            raise ProtocolError(f"a batch carries at most {MAX_OFFERS} offers, not {len(offers)}")
        parsed = tuple(DocumentOffer.from_json(o) for o in offers)
        if len({o.document_id for o in parsed}) != len(parsed):
            raise ProtocolError("a batch of document offers names one PDF twice")
        return cls(parsed)


def document_answers_json(answers: Sequence[DocumentAnswer]) -> dict[str, Any]:
    """The gateway's answer to `DocumentOffers`: one answer per offer, in the same order."""
    return {"protocol": CURRENT, "answers": [a.to_json() for a in answers]}


def document_answers(raw: Any, offers: Sequence[DocumentOffer]) -> tuple[DocumentAnswer, ...]:
    """The gateway's answers to `offers` from untrusted JSON, each checked against its offer.

    Raises:
        ProtocolError: Malformed, a count other than the offers', or an answer that does not
            add up (`DocumentAnswer.from_json`).
    """
    _message(raw, "the gateway's answer", we_are="the app")
    answers = raw.get("answers")
    if not isinstance(answers, list) or len(answers) != len(offers):
        raise ProtocolError("the gateway did not answer each signed PDF offered")
    return tuple(DocumentAnswer.from_json(a, o) for a, o in zip(answers, offers, strict=True))


_MOST_QUEUED = 100_000_000
"""No laptop holds more than this: a bigger count is a malformed report."""

MAX_HELD_REPORTED = 50
"""The most held items one queue report lists (the counts still say how many in all)."""
_HELD_KINDS = ("person", "record", "pdf")


@dataclass(frozen=True)
class HeldItem:
    """One change or signed PDF the gateway refused for good, as a queue report lists it.

    For IT: what it is, whose record, and why, so a refusal can be put right at the gateway
    (a person allocated, a laptop enrolled again). Names no one: a person by their id only,
    which is what allocation takes; the console shows names only beside records it holds.
    """

    kind: str
    """"person" (a person's details), "record" (a record's revision) or "pdf" (a signed PDF)."""
    item_id: str
    """The person's, the record's or the signed PDF's id."""
    seq: int
    """The revision's number (0 for a signed PDF)."""
    person_id: str
    record_id: str
    """The record it belongs to ('' for a person's details)."""
    form: str
    """The record's form, by its title on the laptop ('' for a person's details)."""
    reason: str
    """The refusal, as the laptop keeps it."""

    def to_json(self) -> dict[str, Any]:
        """The item as a JSON object."""
        return {
            "kind": self.kind,
            "id": self.item_id,
            "seq": self.seq,
            "person": self.person_id,
            "record": self.record_id,
            "form": self.form,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, raw: Any) -> HeldItem:
        """An item from untrusted JSON.

        Raises:
            ProtocolError: Malformed.
        """
        if not isinstance(raw, dict) or raw.get("kind") not in _HELD_KINDS:
            raise ProtocolError("report.held_items[].kind must be person, record or pdf")
        where = "report.held_items[]"
        ids = [_text(raw, key, where) for key in ("id", "person", "record")]
        if not all(_ID.match(v) for v in ids[:2]) or not (ids[2] == "" or _ID.match(ids[2])):
            raise ProtocolError(f"{where} ids must be 1 to 64 letters, digits, - or _")
        seq = raw.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= _MOST_QUEUED:
            raise ProtocolError(f"{where}.seq must be a whole number from 0")
        form, reason = _text(raw, "form", where), _text(raw, "reason", where)
        if len(form) > 200 or len(reason) > 1000:
            raise ProtocolError(f"{where}: form is at most 200 characters, reason 1000")
        return cls(str(raw["kind"]), ids[0], seq, ids[1], ids[2], form, reason)


@dataclass(frozen=True)
class QueueReport:
    """What a laptop still holds to send, told to the gateway at the end of a sync.

    For IT's device list ("queue state"): the gateway keeps the latest per device. Nothing in
    it is needed for correctness, so a laptop that never reports loses nothing.
    """

    waiting: int
    """Revisions not yet acknowledged (held ones included)."""
    held: int
    """Revisions the gateway refused for good, kept on the laptop with the reason."""
    documents_waiting: int
    """Signed PDFs not yet acknowledged (held ones included)."""
    documents_held: int
    """Signed PDFs refused for good."""
    app_version: str
    """The app's version, so IT can see which laptops need an update."""
    held_items: tuple[HeldItem, ...] = ()
    """The held changes and PDFs themselves, oldest first, at most `MAX_HELD_REPORTED`.

    Optional within assessor-sync/1 and /2 (added 4 December 2026): a report without it is
    read as before, and a gateway that predates it ignores the key. Left out when empty, so a
    laptop with nothing held sends what it always sent."""
    protocol: str = CURRENT

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON object."""
        answer: dict[str, Any] = {
            "protocol": self.protocol,
            "waiting": self.waiting,
            "held": self.held,
            "documents_waiting": self.documents_waiting,
            "documents_held": self.documents_held,
            "app_version": self.app_version,
        }
        if self.held_items:
            answer["held_items"] = [i.to_json() for i in self.held_items]
        return answer

    @classmethod
    def from_json(cls, raw: Any) -> QueueReport:
        """A report from untrusted JSON.

        Raises:
            ProtocolError: Malformed, or a protocol this side does not speak.
        """
        _message(raw, "a queue report", we_are="the gateway")
        counts = []
        for key in ("waiting", "held", "documents_waiting", "documents_held"):
            value = raw.get(key)
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not 0 <= value <= _MOST_QUEUED
            ):
                raise ProtocolError(f"report.{key} must be a whole number from 0")
            counts.append(value)
        version = _text(raw, "app_version", "report")
        if not 0 < len(version) <= 40:
            raise ProtocolError("report.app_version must be 1 to 40 characters")
        if counts[1] > counts[0] or counts[3] > counts[2]:
            raise ProtocolError("a report cannot hold more than it has waiting")
        listed = raw.get("held_items", [])
        if not isinstance(listed, list) or len(listed) > min(
            MAX_HELD_REPORTED, counts[1] + counts[3]
        ):
            raise ProtocolError(
                f"report.held_items lists at most {MAX_HELD_REPORTED} of the items held"
            )
        items = tuple(HeldItem.from_json(i) for i in listed)
        return cls(counts[0], counts[1], counts[2], counts[3], version, items)


REFERENCE_KINDS = ("forms", "rates", "branding", "leaflets")
"""The kinds of reference data (`sync.reference.KINDS`), each with its own version numbers."""

MAX_REFERENCE_ANSWER = 8 * 1024 * 1024
"""About the most package bytes one reference answer carries (the first package always goes)."""


@dataclass(frozen=True)
class ReferenceRequest:
    """A laptop naming the newest reference-data package version it holds of each kind."""

    have: Mapping[str, int]
    """Kind to version; a kind left out (or 0) means none yet."""
    protocol: str = CURRENT

    def to_json(self) -> dict[str, Any]:
        """The request as a JSON object."""
        return {"protocol": self.protocol, "have": dict(sorted(self.have.items()))}

    @classmethod
    def from_json(cls, raw: Any) -> ReferenceRequest:
        """A request from untrusted JSON.

        Raises:
            ProtocolError: Malformed, or a protocol this side does not speak.
        """
        _message(raw, "a request for reference data", we_are="the gateway")
        have = raw.get("have")
        if not isinstance(have, dict):
            raise ProtocolError("a request for reference data must carry what the laptop has")
        for kind, version in have.items():
            if kind not in REFERENCE_KINDS:
                raise ProtocolError(f"'{kind}' is not a kind of reference data")
            if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version:
                raise ProtocolError(f"have.{kind} must be a whole number from 0")
        return cls(dict(have))


@dataclass(frozen=True)
class ReferenceResponse:
    """The gateway's answer: the packages newer than the laptop has, oldest first per kind."""

    packages: tuple[bytes, ...]
    """Each signed package exactly as published (canonical ASCII JSON, `sync.reference`)."""
    more: bool = False
    """More are waiting: the laptop asks again once it has taken these."""
    protocol: str = CURRENT

    def to_json(self) -> dict[str, Any]:
        """The answer as a JSON object (each package as its text, byte for byte)."""
        return {
            "protocol": self.protocol,
            "packages": [p.decode("ascii") for p in self.packages],
            "more": self.more,
        }

    @classmethod
    def from_json(cls, raw: Any) -> ReferenceResponse:
        """The answer from untrusted JSON; the packages themselves are checked by the laptop.

        Raises:
            ProtocolError: Malformed.
        """
        _message(raw, "the gateway's answer", we_are="the app")
        packages, more = raw.get("packages"), raw.get("more", False)
        if not isinstance(packages, list) or not isinstance(more, bool):
            raise ProtocolError("the gateway's answer must carry a list of packages")
        if not all(isinstance(p, str) and p.isascii() for p in packages):
            raise ProtocolError("each package must be text")
        return cls(tuple(p.encode("ascii") for p in packages), more)


FINGERPRINT_MIN_DIGITS = 32
"""The fewest hex digits of a CA fingerprint a laptop takes: the first 8 groups, 128 bits.

Making another CA whose SHA-256 starts with the same 128 bits is a second preimage: out of
reach, as the whole 256 are. The gateway prints all 16 groups, for IT tools to compare."""


def ca_fingerprint(ca_pem: bytes) -> str:
    """The SHA-256 fingerprint of the (first) certificate in `ca_pem`, to read out or type.

    Sixteen groups of four upper-case hex digits, ``"3F2A 9C01 …"``: the same digits
    ``openssl x509 -noout -fingerprint -sha256`` shows (there in pairs, with colons).

    Raises:
        ValueError: `ca_pem` holds no PEM certificate.
    """
    text = ca_pem.decode("ascii", "replace")
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    start = text.find(begin)
    stop = text.find(end, start)
    if start < 0 or stop < 0:
        raise ValueError("no PEM certificate")
    der = ssl.PEM_cert_to_DER_cert(text[start : stop + len(end)])
    digits = hashlib.sha256(der).hexdigest().upper()
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def fingerprint_digits(typed: str) -> str | None:
    """The hex digits of a fingerprint as typed (spaces, dashes, colons and case ignored).

    None when it is not one: a character that is not a hex digit, fewer than
    `FINGERPRINT_MIN_DIGITS` digits, or more than 64.
    """
    digits = re.sub(r"[\s:\-]", "", typed).upper()
    if not re.fullmatch(r"[0-9A-F]+", digits):
        return None
    if not FINGERPRINT_MIN_DIGITS <= len(digits) <= 64:
        return None
    return digits


def _cursor_and_limit(raw: Mapping[str, Any], what: str) -> tuple[int, int]:
    """A pull request's cursor and limit, checked (`what` names the request in the error)."""
    cursor, limit = raw.get("cursor", 0), raw.get("limit", MAX_PULL)
    if not isinstance(cursor, int) or isinstance(cursor, bool) or cursor < 0:
        raise ProtocolError(f"{what}.cursor must be a whole number from 0")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_PULL:
        raise ProtocolError(f"{what}.limit must be a whole number from 1 to {MAX_PULL}")
    return cursor, limit


def _page_frame(raw: Mapping[str, Any], asked: int, whose: str) -> tuple[int, bool, bool]:
    """A pull answer's cursor, `more` and `reset`, checked against the cursor asked from."""
    cursor, more, reset = raw.get("cursor"), raw.get("more"), raw.get("reset", False)
    if not isinstance(cursor, int) or isinstance(cursor, bool) or cursor < 0:
        raise ProtocolError(f"{whose} cursor must be a whole number from 0")
    if not isinstance(more, bool) or not isinstance(reset, bool):
        raise ProtocolError(f"{whose} answer is malformed")
    if cursor < asked and not reset:
        raise ProtocolError(f"{whose} cursor went back")
    return cursor, more, reset


@dataclass(frozen=True)
class PullRequest:
    """A laptop asking what changed on its assessor's caseload since `cursor`."""

    cursor: int = 0
    """The cursor the last answer this laptop kept gave; 0 for everything."""
    limit: int = MAX_PULL
    """The most caseload changes to cover in the answer (at most `MAX_PULL`)."""
    protocol: str = CURRENT

    def to_json(self) -> dict[str, Any]:
        """The request as a JSON object."""
        return {"protocol": self.protocol, "cursor": self.cursor, "limit": self.limit}

    @classmethod
    def from_json(cls, raw: Any) -> PullRequest:
        """A pull from untrusted JSON.

        Raises:
            ProtocolError: Malformed, or a protocol this side does not speak.
        """
        _message(raw, "a pull", we_are="the gateway")
        return cls(*_cursor_and_limit(raw, "pull"))


@dataclass(frozen=True)
class PulledPerson:
    """One person on the caseload as a pull gives them: their revisions and their records'."""

    person_id: str
    revisions: tuple[PushItem, ...]
    """The person's own chain, then each record's whole chain, each oldest first: every
    revision the gateway holds of them (forks included), so the laptop can link each to the
    one before it, as its history requires."""

    def to_json(self) -> dict[str, Any]:
        """The person's part of the answer as a JSON object."""
        return {"person_id": self.person_id, "revisions": [r.to_json() for r in self.revisions]}


@dataclass(frozen=True)
class PullResponse:
    """The gateway's answer to a pull: one page of what changed on the caseload."""

    people: tuple[PulledPerson, ...]
    removed: tuple[str, ...]
    """People no longer on this caseload (moved to another assessor's)."""
    cursor: int
    """What to send as the next pull's cursor (and to keep once this page is stored)."""
    more: bool
    """More changes wait after this page: pull again with `cursor`."""
    reset: bool = False
    """The gateway holds no change as new as the cursor sent (its database was restored from
    an older backup): this answer starts again from the beginning."""
    protocol: str = CURRENT

    def to_json(self) -> dict[str, Any]:
        """The response as a JSON object."""
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "cursor": self.cursor,
            "more": self.more,
            "people": [p.to_json() for p in self.people],
            "removed": list(self.removed),
        }
        if self.reset:
            out["reset"] = True
        return out

    @classmethod
    def from_json(cls, raw: Any, asked: PullRequest) -> PullResponse:
        """The gateway's answer from untrusted JSON, checked against what was asked.

        Every revision must match its hash and be about the person it is given under (their
        own chain, or a record whose body names them); the cursor may not go back unless the
        gateway says it started again. A changed answer is refused whole, so nothing of it is
        kept.

        Raises:
            ProtocolError: Malformed, or a revision that is not what it says it is.
        """
        _message(raw, "the gateway's answer", we_are="the app")
        cursor, more, reset = _page_frame(raw, asked.cursor, "the pull's")
        people_raw, removed_raw = raw.get("people"), raw.get("removed")
        if not isinstance(people_raw, list) or not isinstance(removed_raw, list):
            raise ProtocolError("the pull's answer must carry lists of people and removed")
        removed = []
        for i, person_id in enumerate(removed_raw):
            if not isinstance(person_id, str) or not _ID.match(person_id):
                raise ProtocolError(f"removed[{i}] is not an id")
            removed.append(person_id)
        people = []
        for i, entry in enumerate(people_raw):
            where = f"people[{i}]"
            if not isinstance(entry, dict):
                raise ProtocolError(f"{where} must be an object")
            person_id = _text(entry, "person_id", where)
            if not _ID.match(person_id):
                raise ProtocolError(f"{where}.person_id is not an id")
            revisions_raw = entry.get("revisions")
            if not isinstance(revisions_raw, list):
                raise ProtocolError(f"{where}.revisions must be a list")
            revisions = tuple(
                PushItem.from_json(r, f"{where}.revisions[{j}]")
                for j, r in enumerate(revisions_raw)
            )
            for j, item in enumerate(revisions):
                about = (
                    item.entity_id if item.entity_type == "person" else item.body.get("person_id")
                )
                if about != person_id:
                    raise ProtocolError(f"{where}.revisions[{j}] is about someone else")
                if not item.hash_holds():
                    raise ProtocolError(
                        f"{where}.revisions[{j}] does not match its hash: it was changed"
                    )
            people.append(PulledPerson(person_id, revisions))
        return cls(tuple(people), tuple(removed), cursor, more, reset)


@dataclass(frozen=True)
class DstPullRequest:
    """A laptop asking what changed in the shared DSTs its assessor is a member of.

    From assessor-sync/2, optional: a request without `cursor` (an older laptop's, /1 or /2)
    is answered with every shared DST whole, as before (decision 0012).
    """

    cursor: int = 0
    """The cursor of the last DST pull page this laptop kept; 0 for everything."""
    limit: int = MAX_PULL
    """The most DST changes to cover in the answer (at most `MAX_PULL`)."""
    whole: tuple[str, ...] = ()
    """DSTs (record ids, at most `MAX_PULL`) to give whole in this answer whatever changed:
    the laptop could not take all of what came of them before."""
    protocol: str = CURRENT

    def to_json(self) -> dict[str, Any]:
        """The request as a JSON object."""
        out: dict[str, Any] = {"protocol": self.protocol, "cursor": self.cursor}
        out["limit"] = self.limit
        if self.whole:
            out["whole"] = list(self.whole)
        return out

    @classmethod
    def from_json(cls, raw: Any) -> DstPullRequest:
        """A DST pull with a cursor from untrusted JSON.

        Raises:
            ProtocolError: Malformed, or a protocol this side does not speak.
        """
        _message(raw, "a DST pull", we_are="the gateway")
        cursor, limit = _cursor_and_limit(raw, "dst pull")
        whole = raw.get("whole", [])
        if (
            not isinstance(whole, list)
            or len(whole) > MAX_PULL
            or not all(isinstance(r, str) and _ID.match(r) for r in whole)
        ):
            raise ProtocolError(f"dst pull.whole must be a list of at most {MAX_PULL} record ids")
        return cls(cursor, limit, tuple(whole))


@dataclass(frozen=True)
class DstPullPage:
    """One page of a DST pull's answer: what changed, the next cursor, and whether more wait.

    `dsts` are the changed DSTs in the shape a pull without a cursor gives every one (each
    contribution checked on arrival by the laptop, `sync_client.dst`); those the laptop
    was invited to before and is given whole again carry their person as then.
    """

    dsts: tuple[dict[str, Any], ...]
    withdrawn: tuple[str, ...]
    """Record ids of DSTs whose invitation to this assessor was withdrawn."""
    cursor: int | None
    """What to send as the next DST pull's cursor once this page is kept; None from a
    gateway that answered every DST whole (it knows no cursor)."""
    more: bool = False
    """More changes wait after this page: pull again with `cursor`."""
    reset: bool = False
    """The gateway holds no DST change as new as the cursor sent (restored from an older
    backup): this answer starts again from the beginning."""
    protocol: str = CURRENT

    def to_json(self) -> dict[str, Any]:
        """The page as a JSON object."""
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "dsts": list(self.dsts),
            "withdrawn": list(self.withdrawn),
            "cursor": self.cursor,
            "more": self.more,
        }
        if self.reset:
            out["reset"] = True
        return out

    @classmethod
    def from_json(cls, raw: Any, asked: DstPullRequest) -> DstPullPage:
        """The gateway's answer from untrusted JSON, checked against what was asked.

        Each DST in it is checked when it is kept; here only the page's frame.

        Raises:
            ProtocolError: Malformed, or a cursor that went back without a reset.
        """
        _message(raw, "the gateway's answer about shared DSTs", we_are="the app")
        dsts = raw.get("dsts")
        if not isinstance(dsts, list):
            raise ProtocolError("the DST pull's answer must carry a list of DSTs")
        if "cursor" not in raw:  # a gateway from before incremental DST pulls: all of them
            return cls(tuple(dsts), (), None)
        cursor, more, reset = _page_frame(raw, asked.cursor, "the DST pull's")
        withdrawn = raw.get("withdrawn", [])
        if not isinstance(withdrawn, list) or not all(
            isinstance(r, str) and _ID.match(r) for r in withdrawn
        ):
            raise ProtocolError("the DST pull's withdrawn must be a list of record ids")
        return cls(tuple(dsts), tuple(withdrawn), cursor, more, reset)


CONTACT_PATH = "/v1/contact"
"""Where each sync begins: the gateway's time, the lease, and any order to the device."""

_MOST_LEASE_DAYS = 3650


class OrderKind(StrEnum):
    """What IT ordered for a device."""

    REVOKED = "revoked"
    """Its access withdrawn (`assessor-gateway revoke`)."""
    WIPE = "wipe"
    """A lost laptop (`assessor-gateway wipe`): withdrawn, and nothing more is taken from it."""


@dataclass(frozen=True)
class DeviceOrder:
    """IT's order to a revoked or wiped laptop: delete its vault, after sending if allowed."""

    kind: OrderKind
    ordered_at: str
    """When IT gave the order (ISO 8601, the gateway's clock)."""
    send_first: bool
    """The authority's policy lets the laptop send its queued work before it deletes it."""
    message: str
    """What the gateway says, in words (the app shows its own, plainer ones)."""

    def to_json(self) -> dict[str, Any]:
        """The order as a JSON object."""
        return {
            "kind": self.kind.value,
            "ordered_at": self.ordered_at,
            "send_first": self.send_first,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, raw: Any) -> DeviceOrder:
        """An order from untrusted JSON.

        Raises:
            ProtocolError: Malformed.
        """
        if not isinstance(raw, dict):
            raise ProtocolError("the order must be an object")
        try:
            kind = OrderKind(str(raw.get("kind")))
        except ValueError as e:
            raise ProtocolError("the order is of an unknown kind") from e
        ordered_at = _text(raw, "ordered_at", "order")
        try:
            dt.datetime.fromisoformat(ordered_at)
        except ValueError as e:
            raise ProtocolError("order.ordered_at is not a date and time") from e
        send_first = raw.get("send_first")
        if not isinstance(send_first, bool):
            raise ProtocolError("order.send_first must be true or false")
        # A wipe order is for a lost laptop: nothing is taken from it, whatever was sent.
        return cls(
            kind,
            ordered_at,
            send_first and kind is OrderKind.REVOKED,
            _text(raw, "message", "order")[:500],
        )


@dataclass(frozen=True)
class ContactAnswer:
    """The gateway's answer to a contact: its time, the lease, and any order to the device."""

    now: dt.datetime
    """The gateway's clock (aware, UTC): the laptop counts its lease from it, not its own."""
    lease_days: int | None
    """Days the laptop may go without reaching the gateway before it locks; None: no lease."""
    order: DeviceOrder | None = None
    protocol: str = CURRENT

    def to_json(self) -> dict[str, Any]:
        """The answer as a JSON object."""
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "now": self.now.isoformat(),
            "lease_days": self.lease_days,
        }
        if self.order is not None:
            out["order"] = self.order.to_json()
        return out

    @classmethod
    def from_json(cls, raw: Any) -> ContactAnswer:
        """The gateway's answer from untrusted JSON.

        Raises:
            ProtocolError: Malformed, or a protocol this side does not speak.
        """
        _message(raw, "the gateway's answer", we_are="the app")
        try:
            now = dt.datetime.fromisoformat(_text(raw, "now", "contact"))
        except ValueError as e:
            raise ProtocolError("contact.now is not a date and time") from e
        if now.tzinfo is None:
            raise ProtocolError("contact.now must say its time zone")
        days = raw.get("lease_days")
        if days is not None and (
            not isinstance(days, int) or isinstance(days, bool) or not 0 < days <= _MOST_LEASE_DAYS
        ):
            raise ProtocolError(
                f"contact.lease_days must be a whole number from 1 to {_MOST_LEASE_DAYS}"
            )
        order = raw.get("order")
        return cls(
            now.astimezone(dt.UTC), days, None if order is None else DeviceOrder.from_json(order)
        )
