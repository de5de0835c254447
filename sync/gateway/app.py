"""The gateway's HTTP API (FastAPI): hello, enrol, push, pull, versions, PDFs, reference data; TLS.

Every connection is TLS (`server.py`); the gateway asks for a client certificate and trusts
only its own devices CA. Two calls are made without one (the laptop has none yet):
``GET /v1/ca`` hands out the server's CA, for a laptop to check against the fingerprint IT
gave before it trusts it; enrolment spends a one-time code and signs the laptop's certificate
request (and the request for its profile's PDF signing key when it sends one), and hands over
the authority's recovery public key when there is one, its bundle key and its publishing key
(which laptops check reference-data packages by, ``POST /v1/reference``). Every other call is
refused unless the connection carried a certificate this gateway issued to a device that is
not revoked.
Errors answer ``{"detail": "<what to do>"}`` in words the app shows as is. The same app serves
the web console for IT under ``/console/`` (`console.py`), signed in by password, not by a
device certificate.

Governing devices (issue 15): each sync begins with ``POST /v1/contact``, answered with the
gateway's time and the lease (`lease_days`), and, for a device IT revoked or ordered wiped,
the order (`sync.protocol.DeviceOrder`) that makes the laptop delete its vault. Any other
request from such a device is refused 403 with the same order beside the words. With
`revoked_may_send`, a revoked (not wiped) device may still push its queued revisions and
signed PDFs before it deletes them; it never reads anything back.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from fastapi import Body, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sync.gateway.accounts import IDLE_AFTER
from sync.gateway.adapters import Adapter, deliver_pending
from sync.gateway.bundles import BundleKey
from sync.gateway.ca import EnrolmentError, GatewayCA, serial_of
from sync.gateway.console import add_console
from sync.gateway.console_bundles import BundleDesk, add_bundle_pages
from sync.gateway.console_teams import add_team_pages
from sync.gateway.enrolment import EnrolmentRequestError, EnrolmentTerms, answer_enrolment
from sync.gateway.limits import MAX_REQUEST_BYTES, RequestSizeLimit
from sync.gateway.shared_dst import CONTRIBUTIONS_PATH as DST_CONTRIBUTIONS_PATH
from sync.gateway.shared_dst import MAX_CONTRIBUTIONS, SharedDsts
from sync.gateway.shared_dst import PULL_PATH as DST_PULL_PATH
from sync.gateway.store import Device, EnrolmentRefused, Store
from sync.protocol import (
    CHUNK_SIZE,
    CURRENT,
    MAX_REFERENCE_ANSWER,
    PROTOCOLS,
    ContactAnswer,
    DeviceOrder,
    DocumentOffer,
    DocumentOffers,
    DocumentStatus,
    DstPullRequest,
    ProtocolError,
    PullRequest,
    PushRequest,
    PushResponse,
    QueueReport,
    ReferenceRequest,
    ReferenceResponse,
    VersionsRequest,
    VersionsResponse,
    closing_digest,
    document_answers_json,
    version_problem,
)

__all__ = ["CLIENT_CERT", "create_app"]

log = logging.getLogger(__name__)

_DOCUMENT_ID = re.compile(r"[0-9a-zA-Z_-]{1,64}\Z")

CLIENT_CERT = "assessor.client_cert_der"
"""Where `server.py` puts the connection's verified client certificate (DER) in the scope."""


def create_app(
    store: Store,
    ca: GatewayCA,
    *,
    server_ca_pem: bytes | None = None,
    adapters: Sequence[Adapter] = (),
    recovery_public_key: str | None = None,
    bundle_public_key: str | None = None,
    bundle_key: BundleKey | None = None,
    publishing_public_key: str | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    max_request_bytes: int = MAX_REQUEST_BYTES,
    lease_days: int | None = None,
    revoked_may_send: bool = False,
    console_idle_after: dt.timedelta = IDLE_AFTER,
) -> FastAPI:
    """The gateway's API over `store`, trusting devices `ca` issued.

    Args:
        server_ca_pem: The CA that issued the gateway's server certificate, which enrolled
            laptops pin; by default the devices CA (which signs the development certificate).
        adapters: Where accepted revisions go on to (the folder drop); each is handed what it
            has not had after every push, and a failure there is retried after the next.
        max_request_bytes: The largest request body taken; a bigger one is answered 413
            (`limits.RequestSizeLimit`), which the laptop meets by sending less at once.
        recovery_public_key: The authority's recovery public key (``x25519:…``), which each
            enrolled laptop seals its vault's key to; None sends none (laptops then have no
            recovery slot).
        bundle_public_key: The authority's bundle key (`sync.bundle.AuthorityKey` text),
            which each enrolled laptop encrypts its bundles to and checks receipts by; None
            sends none (laptops then cannot send by file).
        bundle_key: The authority's bundle key itself, for the console's Bundles page (IT
            imports laptops' bundles and writes theirs there); by default its public half is
            what laptops are sent as `bundle_public_key`. None: the page says it is not set up.
        clock: The gateway's clock (tests pass a fixed one).
        lease_days: Days a laptop may go without reaching the gateway before it locks
            (told at enrolment and at every contact); None sets no lease.
        revoked_may_send: The authority's policy on revocation: a revoked laptop may send its
            queued work before it deletes its vault (never a laptop ordered wiped).
        publishing_public_key: The authority's publishing key (`sync.reference` text), which
            each enrolled laptop checks reference-data packages by; None sends none (laptops
            then refuse every package).
        console_idle_after: How long a web console session lasts without a request (it
            ends 8 hours after sign-in however busy).
    """
    server_ca = (server_ca_pem or ca.pem).decode("ascii")
    app = FastAPI(title="Assessor gateway", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(RequestSizeLimit, limit=max_request_bytes)
    # The web console for IT, managers and auditors, under /console/ (console.py).
    kit = add_console(
        app,
        store,
        server_ca_pem=server_ca.encode("ascii"),
        clock=clock,
        lease_days=lease_days,
        signing_ca_der=ca.documents.der,
        idle_after=console_idle_after,
        publishing_key_text=publishing_public_key,
    )
    desk = BundleDesk(bundle_key, ca.certificate, lease_days, revoked_may_send, max_request_bytes)
    add_bundle_pages(app, kit, store, desk)
    add_team_pages(app, kit, store)
    if bundle_key is not None and bundle_public_key is None:
        bundle_public_key = bundle_key.public.text

    def order_of(device: Device) -> DeviceOrder | None:
        return device.order(revoked_may_send=revoked_may_send)

    def known_device(request: Request) -> Device:
        der = request.scope.get("extensions", {}).get(CLIENT_CERT)
        if not der:
            raise HTTPException(
                401, "This laptop is not enrolled with the council's gateway: enrol it first."
            )
        device = store.device_by_serial(serial_of(der))
        if device is None:
            raise HTTPException(
                401, "This laptop's certificate is not known to the gateway: enrol it again."
            )
        return device

    def device_of(request: Request, *, sending: bool = False) -> Device:
        """The device behind the request, refusing a revoked one with its order.

        Args:
            request: The request, whose connection carried the device's certificate.
            sending: The request sends queued work, which a revoked device may still do
                when the policy allows it (`revoked_may_send`).
        """
        device = known_device(request)
        order = order_of(device)
        if order is not None and not (sending and order.send_first):
            store.note_order_told(device.id, clock())
            raise _Withdrawn(order)
        return device

    @app.exception_handler(_Withdrawn)
    def withdrawn(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, _Withdrawn)
        return JSONResponse(
            {
                "protocol": CURRENT,
                "detail": "This laptop's access to the council's gateway was withdrawn by IT, "
                "so nothing was sent or received.",
                "order": error.order.to_json(),
            },
            status_code=403,
        )

    @app.post("/v1/contact")
    def contact(request: Request, raw: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        """Where each sync begins: the gateway's time, the lease, and any order to the device."""
        problem = version_problem(str(raw.get("protocol", "")), we_are="the gateway")
        if problem:
            raise HTTPException(400, problem)
        device = known_device(request)
        now = clock()
        order = order_of(device)
        if order is not None:
            store.note_order_told(device.id, now)
        else:
            store.seen(device.id, now)
        return ContactAnswer(now, lease_days, order).to_json()

    @app.get("/v1/hello")
    def hello() -> dict[str, Any]:
        return {
            "protocol": CURRENT,
            "protocols": [
                {"name": p.name, "released": p.released.isoformat(), "changes": p.changes}
                for p in PROTOCOLS
            ],
        }

    @app.get("/v1/ca")
    def server_ca_certificate() -> dict[str, Any]:
        """The CA the server's certificate chains to, for a laptop enrolling by fingerprint.

        Public, and worth nothing on its own: the laptop trusts it only once its SHA-256
        matches the fingerprint IT gave (`sync.protocol.ca_fingerprint`), and a server that
        is not the council's can only answer with a CA whose fingerprint does not.
        """
        return {"protocol": CURRENT, "server_ca": server_ca}

    # Plain `def` endpoints: FastAPI runs them on its thread pool, so a slow database or
    # adapter holds up only its own request, never the event loop every connection shares.
    # The busy ones answer a JSONResponse of the protocol's own JSON: a plain dict would be
    # walked again by FastAPI's encoder, which cost more than storing a push of 500.
    terms = EnrolmentTerms(
        server_ca, lease_days, recovery_public_key, bundle_public_key, publishing_public_key
    )

    @app.post("/v1/enrol")
    def enrol(raw: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008 - FastAPI idiom
        try:
            _device, answer = answer_enrolment(store, ca, raw, clock(), terms)
        except EnrolmentRequestError as e:
            raise HTTPException(400, str(e)) from e
        except EnrolmentRefused as e:
            raise HTTPException(403, str(e)) from e
        except EnrolmentError as e:
            raise HTTPException(400, f"{e} Try enrolling again.") from e
        return answer

    def deliver_all(now: dt.datetime) -> None:
        for adapter in adapters:
            try:
                deliver_pending(store, adapter, now)
            except Exception:  # noqa: BLE001 - stored already; delivery is retried next time
                log.exception("Adapter %s could not deliver; it will retry", adapter.name)

    @app.post("/v1/push")
    def push(request: Request, raw: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        device = device_of(request, sending=True)
        batch = _read(PushRequest.from_json, raw, "the upload")
        now = clock()
        # The device's last contact is noted in the push's own transaction (one commit).
        acks = store.push(device.id, batch.items, now, assessor=device.assessor_id)
        deliver_all(now)
        # The closing digest is over what the database holds now, read back after the commit,
        # not over the answers: an acknowledgement the store did not keep would not add up.
        held = store.held([a.hash for a in acks if a.status.acknowledged])
        return JSONResponse(PushResponse(tuple(acks), closing_digest(held)).to_json())

    @app.post("/v1/status")
    def status(request: Request, raw: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        """What the laptop still holds to send, at the end of its sync: for IT's device list."""
        device = device_of(request, sending=True)
        report = _read(QueueReport.from_json, raw, "the queue report")
        store.report_queue(device.id, clock(), report)
        return {"protocol": CURRENT}

    @app.post("/v1/versions")
    def versions(request: Request, raw: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        """The unsettled versions of the records and people asked for, for the device's
        assessor only."""
        device = device_of(request)
        asked = _read(VersionsRequest.from_json, raw, "the request")
        found = store.versions(device.assessor_id, asked.record_ids)
        people = None
        if asked.person_ids:
            people = tuple(store.versions(device.assessor_id, asked.person_ids, "person"))
        store.seen(device.id, clock())
        return VersionsResponse(tuple(found), people=people).to_json()

    @app.post("/v1/pull")
    def pull(request: Request, raw: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        """One page of what changed on the device's assessor's caseload since its cursor."""
        device = device_of(request)
        asked = _read(PullRequest.from_json, raw, "the request")
        page = store.pull(device.assessor_id, device.id, asked.cursor, asked.limit)
        return JSONResponse(page.to_json())

    @app.post("/v1/reference")
    def reference(request: Request, raw: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        """The signed reference-data packages newer than the laptop has; none when up to date."""
        device = device_of(request)
        asked = _read(ReferenceRequest.from_json, raw, "the request")
        have = dict(asked.have)
        packages, more = store.reference_newer(have, MAX_REFERENCE_ANSWER)
        store.note_reference(device.id, have, clock())
        return JSONResponse(ReferenceResponse(tuple(packages), more).to_json())

    @app.post("/v1/documents")
    def offer_document(request: Request, raw: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        device = device_of(request, sending=True)
        offer = _read(DocumentOffer.from_json, raw, "the PDF's details")
        now = clock()
        answer = store.offer_document(device.id, offer, now, assessor=device.assessor_id)
        if answer.status is DocumentStatus.STORED:
            deliver_all(now)  # it came whole with its offer
        return JSONResponse(answer.to_json())

    @app.post("/v1/documents/batch")
    def offer_documents(request: Request, raw: dict[str, Any] = Body(...)) -> JSONResponse:  # noqa: B008
        device = device_of(request, sending=True)
        offers = _read(DocumentOffers.from_json, raw, "the PDFs' details")
        now = clock()
        answers = store.offer_documents(device.id, offers.offers, now, assessor=device.assessor_id)
        if any(a.status is DocumentStatus.STORED for a in answers):
            deliver_all(now)  # some came whole with their offers
        return JSONResponse(document_answers_json(answers))

    # Async so the body can be read with a limit; the database work goes to the thread pool.
    @app.put("/v1/documents/{document_id}/content")
    async def put_chunk(
        request: Request, document_id: str, offset: int = Query(..., ge=0)
    ) -> JSONResponse:
        device = await run_in_threadpool(partial(device_of, request, sending=True))
        if not _DOCUMENT_ID.match(document_id):
            raise HTTPException(400, "That is not the id of a signed PDF.")
        data = bytearray()
        async for part in request.stream():
            data += part
            if len(data) > CHUNK_SIZE:
                raise HTTPException(413, f"A chunk of a PDF is at most {CHUNK_SIZE} bytes.")
        if not data:
            raise HTTPException(400, "A chunk of a PDF must hold at least one byte.")
        declared = request.headers.get("content-length")
        if declared is not None and declared != str(len(data)):
            # Part of a chunk (a proxy passed on what arrived before a cut): never kept.
            raise HTTPException(503, "Only part of the chunk arrived; send it again.")
        now = clock()
        answer = await run_in_threadpool(
            store.put_chunk, document_id, offset, bytes(data), now, assessor=device.assessor_id
        )
        if answer.status is DocumentStatus.STORED:
            await run_in_threadpool(deliver_all, now)
        return JSONResponse(answer.to_json())

    shared = SharedDsts(store)

    @app.post(DST_CONTRIBUTIONS_PATH)
    def dst_contributions(request: Request, raw: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        """A member's own signed DST contributions: each checked, then kept once."""
        device = device_of(request, sending=True)
        problem = version_problem(str(raw.get("protocol", "")), we_are="the gateway")
        if problem:
            raise HTTPException(400, problem)
        items = raw.get("contributions")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise HTTPException(400, "The gateway could not read the contributions sent.")
        if len(items) > MAX_CONTRIBUTIONS:
            raise HTTPException(413, f"Send at most {MAX_CONTRIBUTIONS} contributions at once.")
        now = clock()
        answers = shared.take_contributions(device, items, now)
        store.seen(device.id, now)
        return {"protocol": CURRENT, "answers": [a.to_json() for a in answers]}

    @app.post(DST_PULL_PATH)
    def dst_pull(request: Request, raw: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        """What changed in the device's assessor's DSTs since the cursor sent, a page at a time.

        A laptop that sends no cursor (from before incremental DST pulls) is given every DST
        it is a member of, whole, as it always was.
        """
        device = device_of(request)
        problem = version_problem(str(raw.get("protocol", "")), we_are="the gateway")
        if problem:
            raise HTTPException(400, problem)
        if "cursor" not in raw:
            return {"protocol": CURRENT, "dsts": shared.shared_with(device.assessor_id)}
        asked = _read(DstPullRequest.from_json, raw, "the DST pull")
        page = shared.changes_for(device.assessor_id, asked.cursor, asked.limit, asked.whole)
        return page.to_json()

    return app


_M = TypeVar("_M")


def _read(parse: Callable[[Any], _M], raw: Any, what: str) -> _M:
    """A protocol message from a request's JSON, or a 400 that says what could not be read.

    Raises:
        HTTPException: 400, the message's problem in words.
    """
    try:
        return parse(raw)
    except ProtocolError as e:
        raise HTTPException(400, f"The gateway could not read {what}: {e}.") from e


class _Withdrawn(Exception):
    """A revoked or wiped device asked for something: answered 403 with its order."""

    def __init__(self, order: DeviceOrder) -> None:
        super().__init__(order.message)
        self.order = order
