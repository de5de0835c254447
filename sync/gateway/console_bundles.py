"""The console's Bundles page: IT takes a laptop's bundle in, and writes one to take out.

An uploaded outbound bundle is imported exactly as ``assessor-gateway bundle import`` does it
(`bundles.import_bundle`: checked whole, or refused with nothing changed), and an inbound
bundle is written as ``bundle for-device`` writes it (`bundles.inbound_for_device`, with the
same lease choice). Each receipt or inbound bundle is kept in ``console_bundle_file`` (schema
16) for `KEPT_FOR`, so its download link works after the page that made it and from any
gateway process. IT administrators only (`console.ALLOWED`); every step is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from sync.bundle import BundleError
from sync.gateway.bundles import BundleKey, import_bundle, inbound_for_device
from sync.gateway.console import ConsoleKit, SignedIn, download_name
from sync.gateway.limits import MAX_REQUEST_BYTES, size_in_words
from sync.gateway.store import Store

__all__ = ["KEPT_FOR", "BundleDesk", "KeptFile", "add_bundle_pages"]

KEPT_FOR = dt.timedelta(days=7)
"""How long a receipt or inbound bundle written here can be downloaded again."""
_LEASE_CHOICES = ("gateway", "none", "days")
_FILE_COLUMNS = "id, kind, device_id, filename, summary, made_at, made_by"


@dataclass(frozen=True)
class BundleDesk:
    """What the Bundles page needs of the gateway's set-up."""

    key: BundleKey | None
    """The authority's bundle key; None: sending by file is not set up here."""
    devices_ca: x509.Certificate | None
    """The CA that issued the laptops' certificates, which each bundle's is checked against."""
    lease_days: int | None
    """The lease the gateway serves with (offered first for an inbound bundle)."""
    revoked_may_send: bool = False
    """The authority's policy on revocation, as for the API."""
    max_upload_bytes: int = MAX_REQUEST_BYTES
    """The largest request the gateway takes (`limits.RequestSizeLimit`), so the largest file."""


@dataclass(frozen=True)
class KeptFile:
    """A receipt or inbound bundle written by the console, to download."""

    id: str
    kind: str
    """``receipt`` or ``inbound``."""
    device_id: str
    filename: str
    summary: str
    made_at: str
    made_by: str


def _keep(
    store: Store,
    kind: str,
    device_id: str,
    filename: str,
    summary: str,
    content: bytes,
    now: dt.datetime,
    actor: str,
) -> str:
    """Keep a file for download (and drop those past `KEPT_FOR`); its id, for the link."""
    file_id = secrets.token_urlsafe(18)
    with store.transaction() as tx:
        tx.execute(
            "DELETE FROM console_bundle_file WHERE made_at < ?", ((now - KEPT_FOR).isoformat(),)
        )
        tx.execute(
            f"INSERT INTO console_bundle_file ({_FILE_COLUMNS}, content) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (file_id, kind, device_id, filename, summary, now.isoformat(), actor, content),
        )
    return file_id


def _kept_file(row: Sequence[object]) -> KeptFile:
    return KeptFile(*(str(v) for v in row[:7]))


def kept_files(store: Store, now: dt.datetime, limit: int = 20) -> list[KeptFile]:
    """The files still downloadable, newest first."""
    with store.transaction() as tx:
        rows = tx.execute(
            f"SELECT {_FILE_COLUMNS} FROM console_bundle_file WHERE made_at >= ? "
            "ORDER BY made_at DESC, id LIMIT ?",
            ((now - KEPT_FOR).isoformat(), limit),
        ).fetchall()
    return [_kept_file(r) for r in rows]


def kept_file(store: Store, file_id: str, now: dt.datetime) -> tuple[KeptFile, bytes] | None:
    """One downloadable file and its bytes; None when there is none (or it is too old)."""
    with store.transaction() as tx:
        row = tx.execute(
            f"SELECT {_FILE_COLUMNS}, content FROM console_bundle_file "
            "WHERE id = ? AND made_at >= ?",
            (file_id, (now - KEPT_FOR).isoformat()),
        ).fetchone()
    return None if row is None else (_kept_file(row), bytes(row[7]))


def _lease(choice: str, days: str, gateway: int | None) -> tuple[int | None, str]:
    """The lease an inbound bundle sets, from the form; or "" and the problem in words."""
    if choice == "gateway" and gateway is not None:
        return gateway, ""
    if choice == "none":
        return None, ""
    if choice == "days":
        if days.strip().isdigit() and 1 <= int(days) <= 365:
            return int(days), ""
        return None, "Enter the lease in whole days, from 1 to 365."
    return None, "Choose the lease the laptop is given."


def add_bundle_pages(app: FastAPI, kit: ConsoleKit, store: Store, desk: BundleDesk) -> None:
    """Serve the Bundles page and its uploads and downloads from `app`, as `kit` serves pages."""

    def names() -> dict[str, str]:
        return dict(store.assessors())

    def bundles_page(
        signed: SignedIn,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
        refusal: str = "",
        refusal_title: str = "The bundle was not taken",
        **form: str,
    ) -> HTMLResponse:
        devices, who = store.devices(), names()
        owners = {d.id: who.get(d.assessor_id, d.assessor_id) for d in devices}
        return kit.page(
            "bundles.html",
            signed,
            status=status,
            current="bundles",
            ready=desk.key is not None and desk.devices_ca is not None,
            devices=sorted(devices, key=lambda d: (owners[d.id], d.id)),
            owners=owners,
            files=kept_files(store, kit.clock()),
            lease_days=desk.lease_days,
            most=size_in_words(desk.max_upload_bytes),
            kept_days=KEPT_FOR.days,
            errors=errors or {},
            refusal=refusal,
            refusal_title=refusal_title,
            form={"device": "", "lease": "gateway" if desk.lease_days else "none", **form},
        )

    def not_set_up(signed: SignedIn) -> None:
        if desk.key is None or desk.devices_ca is None:
            kit.refuse(
                signed,
                409,
                "Sending by file is not set up",
                "This gateway has no bundle key, so it cannot read bundles or write them. "
                "Nothing was changed. Start it with 'assessor-gateway serve', which makes one.",
            )

    @app.get("/console/bundles", include_in_schema=False)
    def bundles(request: Request) -> Response:
        signed = kit.signed_in(request)
        kit.may(signed, "bundles")
        return bundles_page(signed)

    @app.post("/console/bundles/import", include_in_schema=False)
    def take_bundle(
        request: Request,
        bundle: UploadFile | None = File(None),  # noqa: B008 - FastAPI's idiom
        csrf: str = Form(""),
    ) -> Response:
        signed = kit.posted(request, csrf, "bundles")
        not_set_up(signed)
        assert desk.key is not None and desk.devices_ca is not None
        # Bounded already: `limits.RequestSizeLimit` answered a larger upload before this ran.
        data = bundle.file.read() if bundle else b""
        if not data:
            problem = "Choose the bundle file the laptop wrote (it ends in .bundle)."
            return bundles_page(signed, status=400, errors={"bundle": problem})
        name = bundle.filename if bundle and bundle.filename else "laptop.bundle"
        now = kit.clock()
        try:
            taken = import_bundle(store, desk.key, desk.devices_ca, data, now)
        except BundleError as e:
            kit.accounts.audit(now, signed.account.username, "bundle refused", name, str(e))
            return bundles_page(signed, status=400, refusal=str(e))
        device = taken.device_id
        receipt_name = download_name(name, ".receipt", "laptop.bundle")
        file_id = _keep(
            store,
            "receipt",
            device,
            receipt_name,
            taken.summary,
            taken.receipt,
            now,
            signed.account.username,
        )
        kit.accounts.audit(now, signed.account.username, "bundle imported", device, taken.summary)
        return kit.page(
            "bundle_imported.html",
            signed,
            current="bundles",
            taken=taken,
            device=store.device(device),
            names=names(),
            file_id=file_id,
            filename=receipt_name,
        )

    @app.post("/console/bundles/inbound", include_in_schema=False)
    def write_inbound(
        request: Request,
        device: str = Form(""),
        lease: str = Form(""),
        days: str = Form(""),
        from_start: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        signed = kit.posted(request, csrf, "bundles")
        not_set_up(signed)
        assert desk.key is not None
        errors = {}
        found = store.device(device) if device else None
        if found is None:
            errors["device"] = "Choose the laptop the bundle is for."
        lease_days, problem = _lease(lease, days, desk.lease_days)
        if problem:
            errors["lease" if lease not in _LEASE_CHOICES else "days"] = problem
        if errors or found is None:
            form = {"device": device, "lease": lease, "days": days, "from_start": from_start}
            return bundles_page(signed, status=400, errors=errors, **form)
        now = kit.clock()
        try:
            written = inbound_for_device(
                store,
                desk.key,
                found.id,
                now,
                lease_days=lease_days,
                revoked_may_send=desk.revoked_may_send,
                from_start=bool(from_start),
            )
        except BundleError as e:
            title = "No bundle was written"
            return bundles_page(signed, status=409, refusal=str(e), refusal_title=title)
        filename = f"{found.id}-{written.sequence}.inbound"
        actor = signed.account.username
        file_id = _keep(
            store, "inbound", found.id, filename, written.summary, written.data, now, actor
        )
        kit.accounts.audit(now, actor, "inbound bundle written", found.id, written.summary)
        return kit.page(
            "bundle_written.html",
            signed,
            current="bundles",
            written=written,
            device=found,
            names=names(),
            file_id=file_id,
            filename=filename,
        )

    @app.get("/console/bundles/files/{file_id}", include_in_schema=False)
    def download(request: Request, file_id: str) -> Response:
        signed = kit.signed_in(request)
        kit.may(signed, "bundles")
        now = kit.clock()
        held = kept_file(store, file_id, now) if len(file_id) <= 64 else None
        if held is None:
            kit.refuse(
                signed,
                404,
                "No such file",
                f"The gateway keeps the files it writes here for {KEPT_FOR.days} days; this one "
                "is not (or no longer) kept. Import the laptop's bundle again for a new "
                "receipt (nothing is stored twice), or write the inbound bundle again.",
            )
        kept, data = held
        detail = f"{kept.kind} {kept.filename} for laptop {kept.device_id}"
        kit.accounts.audit(now, signed.account.username, "bundle file downloaded", kept.id, detail)
        return Response(
            data,
            media_type="application/octet-stream",
            headers={
                **kit.headers,
                "Content-Disposition": f'attachment; filename="{kept.filename}"',
            },
        )
