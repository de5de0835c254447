"""The shared DST at each sync: this member's contributions up, the others' down (issue 15).

After the caseload pull, the laptop sends its profile's own contributions to every DST it
holds (owned, or held by invitation), each signed by the profile's contribution key as a
contribution file is (``POST /v1/dst/contributions``); the gateway checks each against the key
it registered for this laptop at enrolment. Then it asks for every DST its assessor is a
member of (``POST /v1/dst/pull``), sending the cursor of the last page it kept: the gateway
answers a page at a time with only what changed since (decisions 0008, 0012). A DST it is
newly invited to arrives as the person's
identity and an empty DST record under the owner's ids, held by invitation
(`storage.shared_dst`); every member's contributions arrive signed, with the keys the gateway
registered for their authors, and are merged as a file's would be
(`services.contributions.take_gateway_contributions`). The merge is by contribution id and
revision and the same whatever the order, so every member who has synced since the last
contribution reached the gateway holds the same DST. A gateway from before shared DSTs
answers 404: nothing is exchanged, and nothing is wrong. Imports no Qt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessor_app.core.chc.exchange import ContributionFileError, verify_signed_contribution
from assessor_app.core.errors import AssessorError, ValidationError
from assessor_app.core.records import Assessment, AssessmentId, PersonId, RecordStatus
from assessor_app.core.services.contributions import (
    DST_FORM,
    Received,
    own_signed_contributions,
    take_gateway_contributions,
)
from assessor_app.core.storage import shared_dst
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository, details_from_body
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.transport import Transport, TransportError
from sync.protocol import CURRENT, MAX_PULL, DstPullPage, DstPullRequest, ProtocolError

log = logging.getLogger("assessor.sync")

__all__ = [
    "CONTRIBUTIONS_PATH",
    "PULL_PATH",
    "DstExchange",
    "Sent",
    "apply_dst_pull",
    "exchange_dsts",
    "own_contributions",
    "prepare_exchange",
    "send_and_fetch",
]

CONTRIBUTIONS_PATH = "/v1/dst/contributions"
PULL_PATH = "/v1/dst/pull"
_BATCH = 200
"""At most this many contributions a request (the gateway's limit)."""
MOST_PAGES = 50
"""At most this many DST pull pages one sync asks for (the rest come at the next)."""


@dataclass(frozen=True)
class DstExchange:
    """What one sync's DST exchange did."""

    sent: int = 0
    """Own contributions the gateway took (new to it)."""
    received: int = 0
    """Contributions, or newer revisions of them, merged into DSTs here."""
    new_dsts: int = 0
    """DSTs this laptop was newly invited to, now held here."""
    withdrawn: int = 0
    """DSTs held here by invitation whose invitation the gateway says was withdrawn."""
    refused: tuple[str, ...] = ()
    """Why anything sent or received was not taken, in words."""


def _dst_records(vault: Vault) -> list[str]:
    """Every DST this laptop holds, owned or by invitation, still being worked on."""
    rows = vault.conn.execute(
        "SELECT id FROM assessment WHERE form_id = ? AND status IN (?, ?) ORDER BY id",
        (DST_FORM, RecordStatus.DRAFT.value, RecordStatus.AMENDED.value),
    ).fetchall()
    return [str(r[0]) for r in rows]


def own_contributions(vault: Vault) -> tuple[list[dict[str, Any]], list[str]]:
    """The profile's own contributions to every DST held, signed, and any problems."""
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    for record_id in _dst_records(vault):
        try:
            signed, wrong = own_signed_contributions(vault, record_id)
        except ValidationError as e:
            problems.append(e.one_line())
            continue
        problems += wrong
        items += [{"record_id": record_id, "signed": s} for s in signed]
    return items, problems


def exchange_dsts(
    vault: Vault, transport: Transport, *, now: Callable[[], dt.datetime]
) -> DstExchange:
    """Send this member's contributions, then take what changed in the others': one sync's.

    Raises:
        TransportError: the gateway could not be reached (nothing here was changed by the
            step that failed; it goes on at the next sync).
        ProtocolError: the gateway's first DST pull page could not be read (nothing kept).
    """
    items, problems, asked = prepare_exchange(vault)
    sent = send_and_fetch(transport, items, asked)
    if sent.pages is None:
        return DstExchange(sent.sent, refused=tuple(problems) + sent.refused)
    result = apply_dst_pull(vault, sent.pages, now())
    return dataclasses.replace(
        result, sent=sent.sent, refused=tuple(problems) + sent.refused + result.refused
    )


def prepare_exchange(vault: Vault) -> tuple[list[dict[str, Any]], list[str], DstPullRequest]:
    """The exchange's vault half before the network (runs on the vault's thread).

    Returns:
        The own contributions signed, any problems signing them, and the DST pull to send
        from the cursor kept.
    """
    items, problems = own_contributions(vault)
    again = tuple(shared_dst.asked_again(vault.conn, MAX_PULL))
    return items, problems, DstPullRequest(shared_dst.pull_cursor(vault.conn), whole=again)


@dataclass(frozen=True)
class Sent:
    """What the network half of the exchange brought back (`send_and_fetch`)."""

    sent: int
    """Own contributions the gateway took (new to it)."""
    refused: tuple[str, ...]
    """The gateway's reasons for any it refused, and why the pages stopped early if they did."""
    pages: tuple[DstPullPage, ...] | None
    """The DST pull's pages, in order; None from a gateway from before shared DSTs."""


def send_and_fetch(
    transport: Transport,
    items: list[dict[str, Any]],
    asked: DstPullRequest | None = None,
    *,
    most_pages: int = MOST_PAGES,
) -> Sent:
    """The exchange's network half: post the signed contributions, then the DST pull's pages.

    Pages are asked for while the gateway says more wait (at most `most_pages`; the rest
    come at the next sync). A connection lost after the first page keeps the pages that
    came: each is kept with its cursor, so the next sync goes on from the last. Touches only
    the network (the window runs it on its network lane).

    Raises:
        TransportError: the gateway could not be reached or refused the request, before any
            page came.
        ProtocolError: the first page could not be read.
    """
    sent = 0
    refused: list[str] = []
    request = asked or DstPullRequest()
    try:
        for start in range(0, len(items), _BATCH):
            chunk = items[start : start + _BATCH]
            answer = transport.post(
                CONTRIBUTIONS_PATH, {"protocol": CURRENT, "contributions": chunk}
            )
            answers = answer.get("answers")
            for got in answers if isinstance(answers, list) else []:
                if isinstance(got, dict) and got.get("status") == "stored":
                    sent += 1
                elif isinstance(got, dict) and got.get("status") == "refused":
                    refused.append(str(got.get("reason", ""))[:500])
        pages = [_page(transport, request)]
    except TransportError as e:
        if e.status == 404:
            return Sent(sent, tuple(refused), None)  # a gateway from before shared DSTs
        raise
    while pages[-1].more and pages[-1].cursor is not None and len(pages) < most_pages:
        request = DstPullRequest(pages[-1].cursor, request.limit)  # `whole` came already
        try:
            pages.append(
                DstPullPage.from_json(transport.post(PULL_PATH, request.to_json()), request)
            )
        except (TransportError, ProtocolError) as e:
            log.warning("the DST pull stopped after %d page(s): %s", len(pages), e)
            refused.append(
                "Not every change to the shared DSTs arrived (the connection to the gateway "
                "was lost); what arrived is kept, and the rest comes at the next sync."
            )
            break
    return Sent(sent, tuple(refused), tuple(pages))


def _page(transport: Transport, request: DstPullRequest) -> DstPullPage:
    return DstPullPage.from_json(transport.post(PULL_PATH, request.to_json()), request)


def apply_dst_pull(vault: Vault, pages: Sequence[DstPullPage], now: dt.datetime) -> DstExchange:
    """Keep what the gateway's DST pull gave: new invitations, and members' contributions.

    Each page is kept in one transaction with its cursor, so a pull cut off goes on from the
    last page kept, and a page kept twice changes nothing the second time (the merge is by
    contribution id and revision). Each DST is taken apart from the others: one that cannot
    be taken is said why, and the rest are kept.
    """
    total = DstExchange()
    for page in pages:
        if page.reset:
            log.info("the gateway's DST changes started again from the beginning (a restore)")
        with vault.transaction() as conn:
            got = _apply_page(vault, page, now)
            if page.cursor is not None:
                shared_dst.keep_pull_cursor(conn, page.cursor, now)
        total = DstExchange(
            received=total.received + got.received,
            new_dsts=total.new_dsts + got.new_dsts,
            withdrawn=total.withdrawn + got.withdrawn,
            refused=total.refused + got.refused,
        )
    return total


def _apply_page(vault: Vault, page: DstPullPage, now: dt.datetime) -> DstExchange:
    """One page's DSTs, each in its own savepoint of the page's transaction."""
    received = new = 0
    refused: list[str] = []
    for dst in page.dsts:
        if not isinstance(dst, dict) or not isinstance(dst.get("record_id"), str):
            refused.append("A shared DST in the gateway's answer could not be read.")
            continue
        record_id = dst["record_id"]
        given = dst.get("contributions") or []
        if not isinstance(given, list):
            # One DST that does not read must not stop the page (the cursor moves past it).
            refused.append("A shared DST in the gateway's answer could not be read.")
            shared_dst.ask_again(vault.conn, record_id, now)
            continue
        checked = _received(dst)
        try:
            with vault.transaction():
                made = _hold_if_invited(vault, dst, now)
                merged = take_gateway_contributions(vault, record_id, checked)
        except _NotHere:
            # Owned, but not on this laptop (yet: a caseload pull may bring it later, or
            # another of the owner's laptops holds it): asked for whole again, as the cursor
            # moves past what this page said of it.
            shared_dst.ask_again(vault.conn, record_id, now)
            continue
        except AssessorError as e:
            refused.append(e.one_line())
            shared_dst.ask_again(vault.conn, record_id, now)  # the cursor moves past it
            continue
        except (TypeError, ValueError, KeyError, AttributeError):
            refused.append("A shared DST in the gateway's answer could not be read.")
            shared_dst.ask_again(vault.conn, record_id, now)
            continue
        if merged.refused or len(checked) < len(given):
            shared_dst.ask_again(vault.conn, record_id, now)
        elif dst.get("whole") is True:
            shared_dst.taken_whole(vault.conn, record_id)
        new += made
        received += merged.added
        refused += merged.refused
    held = set(shared_dst.held_records(vault.conn))
    withdrawn = tuple(r for r in page.withdrawn if r in held)
    for record_id in withdrawn:
        # Kept as it was (decision 0012): nothing more of it arrives, nor is taken from here.
        log.info("the invitation to shared DST %s was withdrawn", record_id)
    return DstExchange(
        received=received, new_dsts=new, withdrawn=len(withdrawn), refused=tuple(refused)
    )


class _NotHere(Exception):
    """A DST this assessor owns that this laptop does not hold."""


def _received(dst: Mapping[str, Any]) -> list[Received]:
    """The contributions of one DST, each signature checked, with its author's keys."""
    authors = dst.get("authors") if isinstance(dst.get("authors"), dict) else {}
    out: list[Received] = []
    for entry in dst.get("contributions") or []:
        if not isinstance(entry, dict) or not isinstance(authors, dict):
            continue
        author = authors.get(str(entry.get("author")))
        if not isinstance(author, dict):
            log.warning("a DST contribution came without its author's keys; not taken")
            continue
        try:
            imported = verify_signed_contribution(entry.get("signed"))
        except ContributionFileError as e:
            log.warning("a DST contribution from the gateway was not taken: %s", e)
            continue
        keys = tuple(str(k) for k in author.get("keys") or [] if isinstance(k, str))
        out.append(Received(imported, str(author.get("name", "")), keys))
    return out


def _hold_if_invited(vault: Vault, dst: Mapping[str, Any], now: dt.datetime) -> int:
    """Make the DST of a new invitation here (the person, and an empty DST); 1 if made."""
    record_id = str(dst["record_id"])
    records = AssessmentRepository(vault)
    if records.exists(record_id):
        return 0
    if dst.get("role") != "invited":
        raise _NotHere

    person_id = str(dst.get("person_id", ""))
    person = dst.get("person")
    if not person_id or not isinstance(person, dict):
        raise ValidationError(
            "A DST you were invited to came without the person's details.",
            "It is fetched again at the next sync; tell IT if this goes on.",
        )
    details = details_from_body({k: v for k, v in person.items() if v is not None})
    version = dst.get("form_version")
    people = PeopleRepository(vault)
    with vault.transaction() as conn:
        brought = not people.exists(person_id)
        shared_dst.hold(
            conn,
            record_id,
            person_id,
            owner_name=str(dst.get("owner", "")),
            brought_person=brought,
            now=now,
        )
        if brought:
            people.add(details, person_id=PersonId(person_id), today=now.date())
        records.import_new(
            Assessment(
                AssessmentId(record_id),
                PersonId(person_id),
                DST_FORM,
                version if isinstance(version, int) else 1,
                RecordStatus.DRAFT,
                vault.profile.name,
                {"contributions": []},
            )
        )
    return 1
