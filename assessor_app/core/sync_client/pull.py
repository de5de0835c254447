"""The caseload flowing down: pulling what changed at the gateway into the vault (issue 15).

After a sync has pushed, the laptop asks the gateway what changed on its assessor's caseload
since the cursor it last kept (`pull_request`, ``POST /v1/pull``), a page at a time, and keeps
each page in one transaction with the next cursor (`apply_pull`): a pull cut off half-way goes
on from the last page kept. Each revision received is linked to this laptop's copy of its
chain as the history requires (its hash holds, it follows the newest revision held): a
revision held already counts once; one that carries a chain on from where this laptop is gets
appended, with its projection, an audit entry and an outbox row that is acknowledged already
(it is at the gateway); one that does not follow this laptop's own unsent work is another
version (`other_versions`), for the assessor to choose, as a fork reported by a push is.

A person the gateway says left this caseload (moved to another assessor) is marked leaving,
and shown as moving, until nothing of this laptop's own work on them is unsent (queued or
held revisions, signed PDFs, autosaved changes); then `release_departed` removes them and
their records from the vault. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assessor_app.core.errors import ValidationError
from assessor_app.core.records import Revision
from assessor_app.core.storage import history, other_versions
from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.leaving import leaving
from assessor_app.core.storage.people import details_from_body, person_search_text
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.transport import Transport, TransportError
from sync.protocol import MAX_PULL, SUPERSEDES, PulledPerson, PullRequest, PullResponse, PushItem

log = logging.getLogger("assessor.sync")

__all__ = [
    "PULL_PATH",
    "PullResult",
    "apply_pull",
    "leaving",
    "pull_all",
    "pull_request",
    "release_departed",
    "stored_cursor",
]

PULL_PATH = "/v1/pull"

_PAGES = 1000
"""The most pages one sync pulls (a guard: a gateway that never says "no more")."""


@dataclass(frozen=True)
class PullResult:
    """What pulled pages changed in the vault."""

    received: int = 0
    """Revisions new to this laptop, now kept."""
    already: int = 0
    """Revisions received that this laptop held already (counted once)."""
    other_versions: int = 0
    """Versions kept for a choice: they do not follow this laptop's own unsent work."""
    not_taken: int = 0
    """Revisions that could not be linked to this laptop's copy (kept out, logged)."""
    leaving: int = 0
    """People told to have left this caseload in these pages."""
    released: int = 0
    """People removed from this laptop (left the caseload, and nothing of theirs unsent)."""
    more: bool = False
    """The gateway has more pages after these."""
    people: int = 0
    """People new to this laptop."""

    def __add__(self, other: PullResult) -> PullResult:
        return PullResult(
            self.received + other.received,
            self.already + other.already,
            self.other_versions + other.other_versions,
            self.not_taken + other.not_taken,
            self.leaving + other.leaving,
            self.released + other.released,
            other.more,
            self.people + other.people,
        )

    @property
    def changed(self) -> bool:
        """Anything the caseload list shows changed (it should be read again)."""
        return bool(self.received or self.released or self.leaving or self.other_versions)


def stored_cursor(conn: Connection) -> int:
    """The cursor of the last pull page kept (0 before the first pull)."""
    row = conn.execute("SELECT cursor FROM pull_state WHERE one = 1").fetchone()
    return int(row[0]) if row else 0


def pull_request(vault: Vault, limit: int = MAX_PULL) -> PullRequest:
    """The next pull to send, from the cursor kept (runs on the vault's thread)."""
    return PullRequest(stored_cursor(vault.conn), limit)


def apply_pull(
    vault: Vault,
    request: PullRequest,
    answer: dict[str, object],
    now: dt.datetime,
    *,
    in_use: frozenset[str] = frozenset(),
) -> PullResult:
    """Keep one pull page and its cursor, in one transaction, then let go of departed people.

    Args:
        vault: The unlocked profile.
        request: The pull that was sent.
        answer: The gateway's answer to it.
        now: When.
        in_use: People open in the window just now: kept for now even if they may go (they go
            at a later sync, once closed).

    Raises:
        ProtocolError: The answer does not add up; nothing of it was kept.
    """
    response = PullResponse.from_json(answer, request)
    if (
        not response.people
        and not response.removed
        and response.cursor == request.cursor
        and not leaving(vault.conn)
    ):
        return PullResult(more=response.more)  # nothing changed: nothing to write
    with vault.transaction() as conn:
        result = _store(conn, vault.profile.id, response, now)
        conn.execute(
            "INSERT INTO pull_state (one, cursor, pulled_at) VALUES (1, ?, ?) "
            "ON CONFLICT (one) DO UPDATE SET cursor = excluded.cursor, "
            "pulled_at = excluded.pulled_at",
            (response.cursor, now.isoformat()),
        )
        released = release_departed(conn, vault.profile.id, now, in_use=in_use)
    return result + PullResult(released=released, more=response.more)


def pull_all(
    vault: Vault,
    transport: Transport,
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    limit: int = MAX_PULL,
) -> PullResult:
    """Pull page after page until the gateway has no more (for `sync_now` and the CLI).

    A gateway from before pulls (it answers 404) is no problem: nothing is pulled, and the
    people already released are still let go of.

    Raises:
        TransportError: The gateway could not be reached; the pages kept before stay kept.
        ProtocolError: An answer did not add up; nothing of that page was kept.
    """
    result = PullResult()
    for _ in range(_PAGES):
        request = pull_request(vault, limit)
        try:
            answer = transport.post(PULL_PATH, request.to_json())
        except TransportError as e:
            if e.status == 404:
                log.info("the gateway does not give caseloads yet: nothing was pulled")
                return result
            raise
        result = result + apply_pull(vault, request, answer, now())
        if not result.more:
            break
    return result


# -- keeping a page --------------------------------------------------------------------------


def _store(conn: Connection, actor: str, page: PullResponse, now: dt.datetime) -> PullResult:
    result = PullResult()
    for person in page.people:
        result = result + _store_person(conn, actor, person, now)
    if page.people:
        # On the caseload again (moved back before this laptop let them go): no longer moving.
        conn.executemany(
            "DELETE FROM caseload_leaving WHERE person_id = ?",
            [(p.person_id,) for p in page.people],
        )
    held_here = [p for p in page.removed if _has_person(conn, p)]
    conn.executemany(
        "INSERT INTO caseload_leaving (person_id, since) VALUES (?, ?) "
        "ON CONFLICT (person_id) DO NOTHING",
        [(p, now.isoformat()) for p in held_here],
    )
    return result + PullResult(leaving=len(held_here))


def _has_person(conn: Connection, person_id: str) -> bool:
    return conn.execute("SELECT 1 FROM person WHERE id = ?", (person_id,)).fetchone() is not None


def _store_person(
    conn: Connection, actor: str, person: PulledPerson, now: dt.datetime
) -> PullResult:
    chains: dict[tuple[str, str], list[PushItem]] = {}
    for item in person.revisions:
        chains.setdefault((item.entity_type, item.entity_id), []).append(item)
    known = _has_person(conn, person.person_id)
    result = PullResult()
    # The person's own chain first: their records' projections refer to them.
    for chain in sorted(chains, key=lambda c: (c[0] != "person", c)):
        if chain[0] == "assessment" and not _has_person(conn, person.person_id):
            result = result + PullResult(not_taken=len(chains[chain]))
            log.warning("record %s came without its person; not kept", chain[1])
            continue
        result = result + _store_chain(conn, actor, chain, chains[chain], now)
    if not known and _has_person(conn, person.person_id):
        result = result + PullResult(people=1)
    return result


def _store_chain(
    conn: Connection,
    actor: str,
    chain: tuple[str, str],
    given: Sequence[PushItem],
    now: dt.datetime,
) -> PullResult:
    """Link the gateway's revisions of one chain to this laptop's copy of it."""
    entity_type, entity_id = chain
    mine = history.list_revisions(conn, entity_type, entity_id)
    held = {r.hash for r in mine}
    already = sum(1 for g in given if g.hash in held)
    by_hash = {g.hash: g for g in given}
    followed = {g.prev_hash for g in given}
    settled = {str(g.body.get(SUPERSEDES)) for g in given}
    heads = sorted(
        (g for g in given if g.hash not in followed and g.hash not in settled),
        key=lambda g: (g.created_at, g.hash),
    )
    tip = mine[-1].hash if mine else history.GENESIS_HASH
    journal = entity_type == "assessment" and _has_journal(conn, entity_id)
    onward: list[list[PushItem]] = []
    apart: list[PushItem] = []
    for head in heads:
        if head.hash in held:
            continue  # this laptop has it (and perhaps its own work after it, to send)
        path = _path(head, tip, len(mine), by_hash, held)
        if path is None or journal:
            apart.append(head)  # it does not carry on from here: another version
        else:
            onward.append(path)
    received = 0
    if onward:
        # Of two versions that both carry on from here, the newest is taken and the other
        # kept for the assessor's choice, as a fork reported by a push is.
        onward.sort(key=lambda p: (p[-1].created_at, p[-1].hash))
        taken = onward.pop()
        apart += [p[-1] for p in onward]
        _append(conn, actor, taken, now)
        received = len(taken)
    mine = history.list_revisions(conn, entity_type, entity_id) if apart else []
    kept = len(keep_apart(conn, entity_type, entity_id, mine, apart, now))
    not_taken = len(apart) - kept
    if not_taken:
        log.warning("%s %s: %d version(s) from the gateway not kept", *chain, not_taken)
    return PullResult(received, already, kept, not_taken)


def _path(
    head: PushItem, tip: str, tip_seq: int, by_hash: dict[str, PushItem], held: set[str]
) -> list[PushItem] | None:
    """The revisions from `tip` (exclusive) to `head`, oldest first.

    None when `head` does not descend from `tip` (it branches off earlier, or the gateway
    sent too little to link it).
    """
    path: list[PushItem] = []
    current: PushItem | None = head
    while current is not None:
        if current.hash in held:
            return None  # branches off at an earlier revision of this laptop's
        path.append(current)
        if current.prev_hash == tip:
            path.reverse()
            if any(item.seq != tip_seq + n for n, item in enumerate(path, start=1)):
                return None  # numbered out of order: not a chain the history can hold
            return path
        current = by_hash.get(current.prev_hash)
    return None


def _has_journal(conn: Connection, record_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM autosave_journal WHERE assessment_id = ? LIMIT 1", (record_id,)
    ).fetchone()
    return row is not None


def keep_apart(
    conn: Connection,
    entity_type: str,
    entity_id: str,
    mine: Sequence[Revision],
    heads: Sequence[PushItem],
    now: dt.datetime,
) -> list[PushItem]:
    """Keep as other versions the `heads` not this laptop's own; those kept for a choice.

    `mine` is this laptop's copy of the record's or person's chain; inside the caller's
    transaction. A record's version about another person is never one (a record cannot move people).
    """
    if not mine:
        return []
    own = {r.hash for r in mine}
    person = mine[-1].body.get("person_id")
    offered = []
    for head in heads:
        if head.hash in own:
            continue
        if entity_type == "assessment" and head.body.get("person_id") != person:
            continue
        offered.append(head)
        other_versions.keep(
            conn,
            other_versions.OtherVersion(
                head.hash,
                entity_id,
                head.seq,
                head.created_at,
                head.author,
                dict(head.body),
                head.prev_hash,
                mine[-1].hash,
                now.isoformat(),
                entity_type,
            ),
        )
    return offered


def _append(conn: Connection, actor: str, items: Sequence[PushItem], now: dt.datetime) -> None:
    """Keep revisions from the gateway as this laptop's next of their chain, oldest first.

    Each revision exactly as hashed, with an audit entry naming it and an outbox row that is
    acknowledged already (it is at the gateway, so it is never sent back, and a gateway that
    loses it can be sent it again); then the chain's projection (what lists and the editor
    show), written once, from the newest. A few statements for the whole chain.
    """
    bodies = [item.canonical_body() for item in items]
    conn.executemany(
        "INSERT INTO revision (entity_type, entity_id, seq, created_at, author, body, "
        "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (i.entity_type, i.entity_id, i.seq, i.created_at, i.author, b, i.prev_hash, i.hash)
            for i, b in zip(items, bodies, strict=True)
        ],
    )
    seq, prev = history.audit_head(conn)
    at = history.now_utc().isoformat()
    audit = []
    for item in items:
        seq += 1
        action = f"{item.entity_type}.pull"
        digest = history.audit_entry_hash(
            seq, at, actor, action, item.entity_type, item.entity_id, prev, item.hash
        )
        audit.append(
            (seq, at, actor, action, item.entity_type, item.entity_id, prev, digest, item.hash)
        )
        prev = digest
    conn.executemany(
        "INSERT INTO audit (seq, at, actor, action, entity_type, entity_id, prev_hash, hash, "
        "revision_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        audit,
    )
    stamp = now.isoformat()
    conn.executemany(
        "INSERT INTO outbox (revision_hash, entity_type, entity_id, seq, queued_at, state, "
        "acknowledged_at) VALUES (?, ?, ?, ?, ?, 'acknowledged', ?)",
        [(i.hash, i.entity_type, i.entity_id, i.seq, i.created_at, stamp) for i in items],
    )
    newest = items[-1]
    if newest.entity_type == "person":
        _project_person(conn, newest, history.shown_body(bodies[-1]))
    else:
        _project_record(conn, newest)


def _project_person(conn: Connection, item: PushItem, body: str) -> None:
    try:
        details = details_from_body(dict(item.body))
    except ValidationError as e:
        # Kept in the history all the same (it is the council's record); the list shows the
        # names as they are.
        log.warning("person %s's details from the gateway do not read: %s", item.entity_id, e)
        family, given = str(item.body.get("family_name", "")), str(item.body.get("given_name", ""))
        search = f"{family} {given}".lower()
    else:
        family, given, search = details.family_name, details.given_name, person_search_text(details)
    conn.execute(
        "INSERT INTO person (id, family_name, given_name, search_text, body, revision, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
        "family_name = excluded.family_name, given_name = excluded.given_name, "
        "search_text = excluded.search_text, body = excluded.body, "
        "revision = excluded.revision, updated_at = excluded.updated_at",
        (item.entity_id, family, given, search, body, item.seq, item.created_at),
    )


def _project_record(conn: Connection, item: PushItem) -> None:
    body = item.body
    answers = history.canonical_json(body.get("answers", {}))
    conn.execute(
        "INSERT INTO assessment (id, person_id, form_id, form_version, status, author, answers, "
        "revision, revision_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status, author = excluded.author, "
        "form_version = excluded.form_version, answers = excluded.answers, "
        "revision = excluded.revision, revision_hash = excluded.revision_hash, "
        "updated_at = excluded.updated_at",
        (
            item.entity_id,
            str(body.get("person_id")),
            str(body.get("form_id")),
            int(body.get("form_version", 0)),
            str(body.get("status")),
            str(body.get("author")),
            answers,
            item.seq,
            item.hash,
            item.created_at,
            item.created_at,
        ),
    )


# -- letting go of people who left the caseload -------------------------------------------------


def _unsent(conn: Connection, person_id: str, records: Sequence[str]) -> bool:
    """Whether any of this laptop's own work on the person is not at the gateway yet."""
    marks = ", ".join("?" * len(records)) or "NULL"
    row = conn.execute(
        "SELECT 1 FROM outbox WHERE state <> 'acknowledged' AND ((entity_type = 'person' AND "
        f"entity_id = ?) OR (entity_type = 'assessment' AND entity_id IN ({marks}))) LIMIT 1",
        (person_id, *records),
    ).fetchone()
    if row is not None or not records:
        return row is not None
    for table in ("document_outbox", "autosave_journal"):
        state = "state <> 'acknowledged' AND " if table == "document_outbox" else ""
        found = conn.execute(
            f"SELECT 1 FROM {table} WHERE {state}assessment_id IN ({marks}) LIMIT 1", records
        ).fetchone()
        if found is not None:
            return True
    return False


def release_departed(
    conn: Connection, actor: str, now: dt.datetime, *, in_use: frozenset[str] = frozenset()
) -> int:
    """Remove the people who left this caseload and have nothing unsent; how many.

    Inside the caller's transaction. People in `in_use` (open in the window) are kept for
    now. Their records, revisions, signed PDFs and outbox rows go;
    the audit log keeps its entries (ids only) and gains one saying the person was released,
    and `caseload_released` names what went, so the history still checks whole.
    """
    released = 0
    for person_id in sorted(leaving(conn) - in_use):
        records = [
            str(r[0])
            for r in conn.execute("SELECT id FROM assessment WHERE person_id = ?", (person_id,))
        ]
        if _unsent(conn, person_id, records):
            continue
        stamp = now.isoformat()
        conn.executemany(
            "INSERT INTO caseload_released (entity_type, entity_id, released_at) "
            "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [("person", person_id, stamp)] + [("assessment", r, stamp) for r in records],
        )
        for record_id in records:
            for sql in (
                "DELETE FROM document_outbox WHERE assessment_id = ?",
                "DELETE FROM signed_document WHERE assessment_id = ?",
                "DELETE FROM contribution_signer WHERE assessment_id = ?",
                "DELETE FROM record_provenance WHERE assessment_id = ?",
                "DELETE FROM other_version WHERE record_id = ?",
                "DELETE FROM other_version_due WHERE record_id = ?",
                "DELETE FROM outbox WHERE entity_type = 'assessment' AND entity_id = ?",
                "DELETE FROM assessment WHERE id = ?",
                "DELETE FROM revision WHERE entity_type = 'assessment' AND entity_id = ?",
            ):
                conn.execute(sql, (record_id,))
        for sql in (
            "DELETE FROM outbox WHERE entity_type = 'person' AND entity_id = ?",
            "DELETE FROM person WHERE id = ?",
            "DELETE FROM revision WHERE entity_type = 'person' AND entity_id = ?",
            "DELETE FROM caseload_leaving WHERE person_id = ?",
        ):
            conn.execute(sql, (person_id,))
        history.append_audit(conn, actor, "person.released", "person", person_id)
        released += 1
    return released
