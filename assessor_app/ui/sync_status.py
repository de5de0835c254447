"""Sync in the window: the status line says what is queued and sent, and sending never blocks.

`SyncController` sends queued records in the background when the laptop is enrolled and not
offline: every few minutes, and when asked (Tools → Send queued records now). Each batch is
prepared and its answer recorded on the vault's worker (`BackgroundOps.run`); the network call
itself runs on the helper's network lane (`run_network`), so a slow or absent server never
delays a save. After the revisions, each signed PDF whose record is at the gateway is read on
the worker and uploaded on the network lane (offer, then chunks). The status line reads, for
example, "4 changes queued · not enrolled", "Sending 500 of 1,000…", "All sent · last 07:31",
"All changes sent · 2 signed PDFs still to send (Care and support needs assessment for …)",
or the reason sending stopped, in words.

Then the caseload is pulled, page by page (`pull.apply_pull` on the worker): the window reads
the caseload again when a sync brought people or changes (`finished` carries the report).
Then the shared DSTs are exchanged (`sync_client.dst`: the profile's own contributions signed
on the worker, sent and the others' fetched on the network lane, merged on the worker).
After a push that reported another version of a record, the other version is fetched (on
the network lane) and kept (on the worker) before the sync ends. What needs the assessor is
said beside the status line (`problems_changed`): "1 record has another version — choose",
"1 change held by the council's server"; the window opens the Sync problems dialog from it.

Last, the authority's reference data newer than the laptop holds is fetched and checked
(`sync_client.reference`): what was taken is said on the status line ("new from the council:
rates package version 2"), and a refused package's reason takes the line's place; the app
keeps what it had.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from assessor_app.core.services.session import Session
from assessor_app.core.storage import document_outbox, other_versions, outbox
from assessor_app.core.storage.enrolment import load_enrolment
from assessor_app.core.sync_client import client, dst, governance, pull, reference
from assessor_app.core.sync_client.transport import DeviceWithdrawnError, Transport, TransportError
from sync.protocol import (
    MAX_BATCH,
    DeviceOrder,
    DocumentAnswer,
    DstPullRequest,
    PullRequest,
    QueueReport,
    ReferenceRequest,
    VersionsRequest,
)

from assessor_app.ui.operations import BackgroundOps

Answered = tuple[client.DocumentUpload, DocumentAnswer]
"""A signed PDF and the gateway's last answer about it."""

__all__ = ["SyncController", "problems_text"]

AUTO_SYNC_MINUTES = 5.0
RECOUNT_MS = 10_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class _Status:
    enrolled: bool
    summary: outbox.OutboxSummary
    forked: int = 0
    """Records with another version waiting for the assessor's choice."""
    documents: str = ""
    """The signed PDFs still to send, in words ("" when none are)."""
    moving: int = 0
    """People moved to another caseload, kept here until this laptop's work on them is sent."""
    queue: QueueReport | None = None
    """What is left, as the gateway is told at the end of a sync (held items named)."""


def _status(session: Session) -> _Status:
    conn = session.vault.conn
    summary = outbox.summary(conn)
    documents = ""
    if summary.documents_waiting:
        pending = document_outbox.pending(conn)
        documents = client.pending_documents_text(pending, client.form_title(session.forms))
    # Read here, on the vault's worker: the held items, and the forms that title them.
    held = client.held_to_report(conn, summary)
    return _Status(
        load_enrolment(session.vault) is not None,
        summary,
        len(other_versions.open_chains(conn)),
        documents,
        len(pull.leaving(conn)),
        client.queue_report(summary, held, client.form_title(session.forms) if held else None),
    )


def _take_reference(session: Session, answer: dict) -> reference.ReferenceResult:  # type: ignore[type-arg]
    """Keep what checks of the packages the gateway sent, and use it (on the vault's worker)."""
    result = reference.apply_reference(session.vault, answer, _now())
    if result.accepted:
        session.load_reference()  # new forms are offered, new rates used, from now on
    return result


def problems_text(forked: int, held: int) -> str:
    """What needs the assessor, in words for the status bar; "" when nothing does."""
    parts = []
    if forked:
        has = "record has" if forked == 1 else "records have"
        parts.append(f"{forked:,} {has} another version — choose")
    if held:
        parts.append(f"{_changes(held)} held by the council's server")
    return " · ".join(parts)


def _changes(n: int) -> str:
    return f"{n:,} change{'s' if n != 1 else ''}" if n else "Nothing"


def _when(stamp: str | None) -> str:
    if not stamp:
        return "never"
    at = dt.datetime.fromisoformat(stamp).astimezone()
    return at.strftime("%H:%M") if at.date() == dt.date.today() else at.strftime("%d/%m/%Y %H:%M")


class SyncController(QObject):
    """Sends queued records in the background and keeps the status line true."""

    status_changed = Signal(str)
    problems_changed = Signal(str)
    """Emitted with `problems_text` whenever it is worked out ("" when nothing needs doing)."""
    progress = Signal(int, int)
    """(sent so far, to send) while a sync runs; (0, 0) when it ends (the bar hides)."""
    finished = Signal(object)
    """Emitted with the `client.SyncReport` when a sync ends (tests wait for it)."""
    device_withdrawn = Signal(object)
    """Emitted with the `DeviceOrder` when the gateway says IT revoked or wiped this laptop
    (after sending what the policy allowed): the window locks and deletes the profile."""

    def __init__(
        self,
        ops: BackgroundOps,
        session: Session,
        parent: QObject | None = None,
        *,
        auto_minutes: float = AUTO_SYNC_MINUTES,
        now: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(parent)
        self._clock = now
        """The wall clock the lease is counted by (the contact notes it)."""
        self._ops = ops
        self._session = session
        self._running = False
        self._total = 0
        self._sent = self._held = 0
        self.text = ""
        self.problems = ""
        """What needs the assessor (`problems_text`), beside the status line."""
        self._forked: list[str] = []
        self.detail = ""
        """The whole message behind the status line's words, for its tooltip."""
        self.disposed = False
        self.in_use: Callable[[], set[str]] = set
        """The people open in the window (the window sets it): a person moved to another
        caseload is not removed from the laptop while their page is open."""
        # New saves queue new changes: the line is read again every few seconds (a count).
        self._recount = QTimer(self)
        self._recount.setInterval(RECOUNT_MS)
        self._recount.timeout.connect(self._refresh_when_idle)
        self._recount.start()
        self._timer = QTimer(self)
        self._timer.setInterval(int(auto_minutes * 60_000))
        self._timer.timeout.connect(self.sync_now)
        self._timer.start()

    # -- status -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the queue's state (on the worker) and say it."""
        # Counting a large queue takes a while: a search typed meanwhile goes first.
        self._ops.run(
            _status, self._session, on_success=self._show_status, owner=self, when_free=True
        )

    def _refresh_when_idle(self) -> None:
        if not self._running and not self.disposed:
            self._ops.run(
                _status,
                self._session,
                on_success=lambda status: self._show_status(status, self.detail),
                owner=self,
            )

    def _show_status(self, status: _Status, problem: str = "") -> None:
        s = status.summary
        self.detail = problem
        if problem:
            # The first sentence on the line ("Can't reach the council's server."); the whole
            # message, with what happens next, in the tooltip.
            first = problem.split(". ")[0].rstrip(".")
            if s.waiting == 0 and status.documents:
                text = f"All changes sent · {status.documents} · {first}"
            else:
                text = f"{_changes(s.waiting)} queued · {first}"
        elif not status.enrolled:
            text = f"{_changes(s.waiting)} queued · not enrolled with the council's gateway"
        elif s.waiting == 0 and status.documents:
            held = f" ({s.documents_held} held: see assessor-cli sync status)"
            text = f"All changes sent · {status.documents}{held if s.documents_held else ''}"
        elif s.waiting == 0:
            text = f"All sent · last {_when(s.last_acknowledged_at)}"
        else:
            text = f"{_changes(s.waiting)} queued · last sent {_when(s.last_acknowledged_at)}"
        self._say(text)
        self.problems = problems_text(status.forked, s.quarantined)
        self.problems_changed.emit(self.problems)

    def _say(self, text: str) -> None:
        self.text = text
        self.status_changed.emit(text)

    # -- sending ------------------------------------------------------------------------------

    def sync_now(self) -> None:
        """Send what is queued, unless a sync is already running."""
        if self._running or self.disposed:
            return
        self._running = True
        self._sent = self._held = 0
        self._pulled = pull.PullResult()
        self._dst = dst.DstExchange()
        self._dst_problems: tuple[str, ...] = ()
        self._forked = []
        self._reference: tuple[str, ...] = ()
        self._limit = MAX_BATCH
        self._resent: frozenset[tuple[str, str]] = frozenset()
        self._again: frozenset[tuple[str, str]] = frozenset()
        self._ops.run(
            self._prepare, on_success=self._prepared, on_failure=self._stopped, owner=self
        )

    def _prepare(self) -> tuple[governance.WatchingTransport, int]:
        transport = client.transport_for(self._session.vault)  # enrolled? offline?
        # Watched: a refusal carrying IT's order, at any step, is obeyed when the sync ends.
        watching = governance.WatchingTransport(transport)
        return watching, outbox.summary(self._session.vault.conn).waiting

    def _prepared(self, ready: tuple[governance.WatchingTransport, int]) -> None:
        transport, self._total = ready
        self._transport: governance.WatchingTransport | None = transport
        self._order: DeviceOrder | None = None
        # The contact first: the gateway's time and lease, or IT's order to this laptop.
        self._ops.run_network(
            governance.ask_contact,
            transport,
            on_success=lambda answer: self._ops.run(
                governance.apply_contact,
                self._session.vault,
                answer,
                self._clock(),
                on_success=lambda order: self._contacted(transport, order),
                on_failure=self._stopped,
                owner=self,
            ),
            on_failure=lambda error: self._contact_failed(transport, error),
            owner=self,
        )

    def _contacted(self, transport: Transport, order: DeviceOrder | None) -> None:
        self._order = order
        if order is not None and not order.send_first:
            self._done("")  # nothing may be sent first: straight to the order
        else:
            self._next(transport)

    def _contact_failed(self, transport: Transport, error: BaseException) -> None:
        if not isinstance(error, Exception):
            raise error
        if isinstance(error, DeviceWithdrawnError):
            self._done("")
        else:
            # Not reached: the pushes meet the same, and keep the queue's retry times.
            self._next(transport)

    def _next(self, transport: Transport) -> None:
        again, self._again = self._again, frozenset()
        self._ops.run(
            client.next_batch,
            self._session.vault,
            _now(),
            limit=self._limit,
            resend=again,
            on_success=lambda batch: self._send(transport, batch),
            on_failure=self._stopped,
            owner=self,
        )

    def _send(self, transport: Transport, batch: client.Batch | None) -> None:
        if batch is None:
            self._next_document(transport)  # the revisions are in: now their signed PDFs
            return
        self._say(f"Sending {self._sent + len(batch.items):,} of {self._total:,}…")
        self.progress.emit(min(self._sent, self._total), max(self._total, 1))
        self._ops.run_network(
            transport.post,
            "/v1/push",
            batch.body,
            on_success=lambda answer: self._answered(transport, batch, answer),
            on_failure=lambda error: self._failed(transport, batch, error),
            owner=self,
        )

    def _answered(self, transport: Transport, batch: client.Batch, answer: dict) -> None:  # type: ignore[type-arg]
        def record() -> client.BatchResult:
            return client.apply_answer(
                self._session.vault, batch, answer, _now(), resent=self._resent
            )

        def recorded(result: client.BatchResult) -> None:
            self._sent += result.sent
            self._held += result.held
            self._forked += result.forked
            self._again, self._resent = result.resend, self._resent | result.resend
            if result.go_on:
                self._next(transport)
            else:
                self._next_document(transport)  # what is due has gone: now the signed PDFs

        self._ops.run(
            record,
            on_success=recorded,
            on_failure=lambda e: self._failed(transport, batch, e),
            owner=self,
        )

    def _pull(self, transport: Transport) -> None:
        """Pull what changed on the caseload, page by page, then fetch other versions."""

        def asked(request: PullRequest) -> None:
            self._ops.run_network(
                transport.post,
                pull.PULL_PATH,
                request.to_json(),
                on_success=lambda answer: self._ops.run(
                    pull.apply_pull,
                    self._session.vault,
                    request,
                    answer,
                    _now(),
                    in_use=frozenset(self.in_use()),
                    on_success=kept,
                    on_failure=not_pulled,
                    owner=self,
                ),
                on_failure=not_pulled,
                owner=self,
            )

        def kept(result: pull.PullResult) -> None:
            self._pulled = self._pulled + result
            if result.more:
                self._pull(transport)
            else:
                self._share_dsts(transport)

        def not_pulled(error: BaseException) -> None:
            if not isinstance(error, Exception):
                raise error
            if isinstance(error, TransportError) and error.status == 404:
                self._fetch_versions(transport)  # a gateway from before pulls
                return
            self._done(
                "Your caseload could not be brought up to date from the council's server "
                f"({getattr(error, 'user_message', None) or error}). Everything kept here is "
                "unchanged; it goes on at the next sync."
            )

        self._say("Bringing the caseload up to date…")
        self._ops.run(
            pull.pull_request,
            self._session.vault,
            on_success=asked,
            on_failure=not_pulled,
            owner=self,
        )

    def _share_dsts(self, transport: Transport) -> None:
        """The shared DSTs: own contributions up, the others' down (decision 0012)."""
        problems: list[str] = []

        def signed(found: tuple[list[dict[str, Any]], list[str], DstPullRequest]) -> None:
            items, wrong, asked = found
            problems.extend(wrong)
            self._ops.run_network(
                dst.send_and_fetch,
                transport,
                items,
                asked,
                on_success=fetched,
                on_failure=not_shared,
                owner=self,
            )

        def fetched(sent: dst.Sent) -> None:
            problems.extend(sent.refused)
            if sent.pages is None:
                self._fetch_versions(transport)  # a gateway from before shared DSTs
                return
            self._ops.run(
                dst.apply_dst_pull,
                self._session.vault,
                sent.pages,
                _now(),
                on_success=merged,
                on_failure=not_shared,
                owner=self,
            )

        def merged(result: dst.DstExchange) -> None:
            self._dst = result
            self._dst_problems = (*problems, *result.refused)
            self._fetch_versions(transport)

        def not_shared(error: BaseException) -> None:
            if not isinstance(error, Exception):
                raise error
            self._done(
                "The shared DSTs could not be brought up to date "
                f"({getattr(error, 'user_message', None) or error}). Everything kept here is "
                "unchanged; it goes on at the next sync."
            )

        self._say("Bringing shared DSTs up to date…")
        self._ops.run(
            dst.prepare_exchange,
            self._session.vault,
            on_success=signed,
            on_failure=not_shared,
            owner=self,
        )

    def _fetch_versions(self, transport: Transport) -> None:
        """Fetch the other versions the pushes reported (and those still open), then finish."""
        forked = tuple(self._forked)

        def asked(request: VersionsRequest | None) -> None:
            if request is None:
                self._fetch_reference(transport)
                return
            self._ops.run_network(
                transport.post,
                client.VERSIONS_PATH,
                request.to_json(),
                on_success=lambda answer: self._ops.run(
                    client.apply_versions,
                    self._session.vault,
                    request,
                    answer,
                    _now(),
                    on_success=lambda _: self._fetch_reference(transport),
                    on_failure=not_fetched,
                    owner=self,
                ),
                on_failure=not_fetched,
                owner=self,
            )

        def not_fetched(error: BaseException) -> None:
            if not isinstance(error, Exception):
                raise error
            self._done(
                "The other versions of some records could not be fetched "
                f"({getattr(error, 'user_message', None) or error}). They will be fetched at "
                "the next sync."
            )

        self._ops.run(
            client.versions_request,
            self._session.vault,
            forked,
            on_success=asked,
            on_failure=not_fetched,
            owner=self,
        )

    def _fetch_reference(self, transport: Transport, rounds: int = 0) -> None:
        """The last step: the authority's reference data newer than this laptop has."""

        def asked(request: ReferenceRequest) -> None:
            self._ops.run_network(
                transport.post,
                reference.REFERENCE_PATH,
                request.to_json(),
                on_success=lambda answer: self._ops.run(
                    _take_reference,
                    self._session,
                    answer,
                    on_success=taken,
                    on_failure=not_fetched,
                    owner=self,
                ),
                on_failure=not_fetched,
                owner=self,
            )

        def taken(result: reference.ReferenceResult) -> None:
            self._reference += result.accepted
            if result.more and result.accepted and not result.problem and rounds < 20:
                self._fetch_reference(transport, rounds + 1)
            else:
                self._done(result.problem)

        def not_fetched(error: BaseException) -> None:
            if not isinstance(error, Exception):
                raise error
            self._done(
                "The council's forms and rates could not be fetched "
                f"({getattr(error, 'user_message', None) or error}). The app keeps what it "
                "had; they will be fetched at the next sync."
            )

        self._ops.run(
            reference.reference_request,
            self._session.vault,
            on_success=asked,
            on_failure=not_fetched,
            owner=self,
        )

    def _failed(self, transport: Transport, batch: client.Batch, error: BaseException) -> None:
        if not isinstance(error, Exception):
            raise error
        if (fewer := client.smaller(batch, error)) is not None:
            self._limit = fewer  # the gateway would not take so many at once
            self._next(transport)
            return

        def recorded(problem: str) -> None:
            if client.isolated(batch, error):
                self._held += 1
                self._limit = MAX_BATCH
                self._next(transport)  # that one is held; the rest go
            else:
                self._done(problem)

        self._ops.run(
            client.apply_failure,
            self._session.vault,
            batch,
            error,
            _now(),
            on_success=recorded,
            on_failure=self._stopped,
            owner=self,
        )

    # -- signed PDFs, after their records ----------------------------------------------------

    def _next_document(self, transport: Transport) -> None:
        self._ops.run(
            client.next_documents,
            self._session.vault,
            _now(),
            on_success=lambda uploads: self._upload(transport, uploads),
            on_failure=self._stopped,
            owner=self,
        )

    def _upload(self, transport: Transport, uploads: list[client.DocumentUpload]) -> None:
        if not uploads:
            self._pull(transport)  # then the caseload flows down
            return
        if len(uploads) == 1:
            self._say(f"Sending signed PDF {uploads[0].offer.filename}…")
        else:
            self._say(f"Sending {len(uploads)} signed PDFs…")

        def record(outcome: tuple[list[Answered], client.DocumentFailure | None]) -> None:
            answered, failure = outcome
            self._ops.run(
                client.apply_document_answers,
                self._session.vault,
                answered,
                _now(),
                on_success=lambda _: (
                    self._next_document(transport) if failure is None else failed(failure)
                ),
                on_failure=self._stopped,
                owner=self,
            )

        def failed(failure: client.DocumentFailure) -> None:
            upload, error = failure

            def recorded(outcome: tuple[str, bool]) -> None:
                problem, go_on = outcome
                if go_on:
                    self._next_document(transport)  # that one is held; the rest go
                else:
                    self._done(problem)

            self._ops.run(
                client.apply_document_failure,
                self._session.vault,
                upload,
                error,
                _now(),
                on_success=recorded,
                on_failure=self._stopped,
                owner=self,
            )

        self._ops.run_network(
            client.send_documents,
            transport,
            uploads,
            on_success=record,
            on_failure=self._stopped,
            owner=self,
        )

    def _stopped(self, error: BaseException) -> None:
        """Sending could not start or go on (not enrolled, offline, an unexpected error)."""
        if isinstance(error, client.NotEnrolledError):
            self._done("")  # the status line says "not enrolled" itself
        elif isinstance(error, client.OfflineError):
            self._done("offline mode is on: nothing is sent")
        else:
            self._done(str(getattr(error, "user_message", None) or error))

    def _done(self, problem: str) -> None:
        self._running = False
        self.progress.emit(0, 0)
        transport, self._transport = getattr(self, "_transport", None), None
        order = getattr(self, "_order", None) or getattr(transport, "order", None)
        if order is not None:
            if transport is not None:
                transport.close()
            self.stop()
            self.device_withdrawn.emit(order)
            return

        def close() -> None:
            # Nothing is in flight now: the connection kept for this sync is closed.
            shut = getattr(transport, "close", None)
            if shut is not None:
                shut()

        def show(status: _Status) -> None:
            self._show_status(status, problem)
            if self._reference and not problem:
                self._say(f"{self.text} · new from the council: {', '.join(self._reference)}")
            report = client.SyncReport(
                self._sent,
                self._held,
                status.summary.waiting,
                problem,
                status.forked,
                documents_waiting=status.summary.documents_waiting,
                received=self._pulled.received,
                people_received=self._pulled.people,
                moving=status.moving,
                released=self._pulled.released,
                reference=self._reference,
                dst_received=self._dst.received,
                dst_new=self._dst.new_dsts,
                dst_refused=tuple(self._dst_problems),
            )

            def finish(_: object = None) -> None:
                close()
                self.finished.emit(report)

            if problem or transport is None:
                finish()
                return
            # The gateway reached: tell it what is left, for IT's list of devices.
            self._ops.run_network(
                client.tell_queue,
                transport,
                status.queue or client.queue_report(status.summary),
                on_success=finish,
                on_failure=finish,
                owner=self,
            )

        self._ops.run(_status, self._session, on_success=show, owner=self)

    def stop(self) -> None:
        """Stop sending (the profile is locking); what is queued stays queued."""
        self.disposed = True
        self._timer.stop()
        self._recount.stop()
