"""The gateway's web console under ``/console/``: server-rendered pages for IT and managers.

Plain HTML forms rendered by Jinja2 (templates in ``templates/console/``), served by the same
app and TLS as the laptops' API. Signing in opens a session kept in the database
(`accounts.Accounts`); its token is in a ``__Host-`` cookie that is Secure, HttpOnly and
SameSite=Strict. Every form carries the session's CSRF token in a hidden field and every POST
checks it (the sign-in form, before there is a session, checks one from its own cookie); a
POST without it, or with a wrong one, is refused with 403 and changes nothing. Every route
checks the account's role on the server (`ALLOWED`), whatever the page shows. Each change
goes through the store's own functions and writes the audit log. A team manager sees only
their team's assessors (schema 17, `teams.py`): their devices, queue, received records and
caseloads, and allocates only within the team; anything else is refused with a page and
written to the audit log. A team manager whose account is in no team sees only a page saying
to ask IT.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, NoReturn

import jinja2
from fastapi import FastAPI, Form, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from sync.gateway import oversight, reference_holdings
from sync.gateway.accounts import (
    IDLE_AFTER,
    Account,
    Accounts,
    Role,
    SessionEnd,
    SignInRefused,
    csrf_token,
)
from sync.gateway.store import AllocationRefused, Device, Store
from sync.lease import VALID_DAYS_AFTER, unlock_code
from sync.protocol import MAX_HELD_REPORTED, REFERENCE_KINDS, ca_fingerprint

__all__ = [
    "ALLOWED",
    "SESSION_COOKIE",
    "SIGN_IN_COOKIE",
    "ConsoleKit",
    "SignedIn",
    "add_console",
    "download_name",
]

SESSION_COOKIE = "__Host-assessor-console"
SIGN_IN_COOKIE = "__Host-assessor-console-sign-in"
"""The sign-in form's own CSRF token (double submit), before there is a session."""

ALLOWED: dict[str, frozenset[Role]] = {
    "devices": frozenset(Role),
    "revoke": frozenset({Role.IT_ADMIN}),
    "wipe": frozenset({Role.IT_ADMIN}),
    "unlock": frozenset({Role.IT_ADMIN}),
    "enrolment": frozenset({Role.IT_ADMIN}),
    "allocation": frozenset({Role.IT_ADMIN, Role.TEAM_MANAGER, Role.AUDITOR}),
    "allocate": frozenset({Role.IT_ADMIN, Role.TEAM_MANAGER}),
    "audit": frozenset({Role.IT_ADMIN, Role.AUDITOR}),
    # A team manager sees only their team's (`team_of`); the other roles see everyone's.
    "records": frozenset(Role),
    "queue": frozenset({Role.IT_ADMIN, Role.TEAM_MANAGER}),
    # What the laptops run on: IT's to check, auditors' to see; nothing there is a manager's.
    "reference": frozenset({Role.IT_ADMIN, Role.AUDITOR}),
    # Who is in which team decides what each manager sees: IT's to set, auditors' to check.
    "teams": frozenset({Role.IT_ADMIN, Role.AUDITOR}),
    "teams-change": frozenset({Role.IT_ADMIN}),
    # Bundles carry records in and caseloads out: only IT takes them to and from laptops.
    "bundles": frozenset({Role.IT_ADMIN}),
    # Even a team manager in no team, who may do nothing else, may sign out.
    "sign-out": frozenset(Role),
}
"""Which roles may use each page (a GET) or change (a POST); checked on every request."""

_NAV = (
    ("devices", "/console/devices", "Devices"),
    ("enrolment", "/console/enrolment-codes", "Enrolment codes"),
    ("teams", "/console/teams", "Teams"),
    ("allocation", "/console/allocation", "Caseload allocation"),
    ("queue", "/console/queue", "Team queue"),
    ("records", "/console/records", "Received records"),
    ("reference", "/console/reference-data", "Reference data"),
    ("bundles", "/console/bundles", "Bundles"),
    ("audit", "/console/audit", "Audit log"),
)
_PAGE_SIZE = 25
_ID = re.compile(r"[0-9A-Za-z_-]{1,64}\Z")
_HEADERS = {
    # Pages may show a one-time code: never cached, never framed, no scripts at all.
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class _Answer(Exception):
    """Stop a route and answer this instead (a refusal page, or off to sign in)."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


@dataclass(frozen=True)
class SignedIn:
    """A request's signed-in account and its session token (whose CSRF token forms carry)."""

    account: Account
    token: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def _same(given: str, expected: str) -> bool:
    """Whether a posted token is the expected one (in constant time; any text may be posted)."""
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _when(value: str | None, seconds: bool = False) -> Markup:
    """An ISO time as IT reads it, in UTC (the pages say so): 2026-12-04 09:30, never wrapped."""
    if not value:
        return Markup("never")
    try:
        at = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    except ValueError:
        return escape(value)
    shown = at.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return Markup('<time datetime="{}">{}</time>').format(at.isoformat(), shown)


@dataclass(frozen=True)
class Lease:
    """A device's lease as the gateway sees it: days since its last contact, and locked."""

    days: int | None
    """Whole days since the last contact (enrolling counts as one); None: no lease applies."""
    lease_days: int | None
    locked: bool

    @property
    def words(self) -> str:
        """The state in words, for the devices page."""
        if self.days is None:
            return "no lease"
        return f"{self.days} day{'' if self.days == 1 else 's'} of {self.lease_days}"


def lease_of(device: Device, lease_days: int | None, leased: bool, now: dt.datetime) -> Lease:
    """Where `device` stands against the lease, counted as the laptop counts it.

    The laptop locks once more than `lease_days` have passed since its last contact
    (`assessor_app.core.sync_client.lease`); the gateway counts from the last contact it saw
    (a receipt used by file, or the laptop's own clock, may differ by a little).

    Args:
        device: The device.
        lease_days: The gateway's lease (None: none set).
        leased: Whether the device has a lease key (one enrolled before leases has none).
        now: The gateway's time.
    """
    if lease_days is None or not leased or device.revoked_at is not None:
        return Lease(None, lease_days, False)
    last = dt.datetime.fromisoformat(device.last_seen_at or device.enrolled_at)
    since = now - last
    return Lease(max(0, since.days), lease_days, since > dt.timedelta(days=lease_days))


@dataclass(frozen=True)
class ConsoleKit:
    """What `add_console` hands a module of further pages (`console_bundles`): its helpers.

    So every page is rendered, refused, signed in and role-checked the one way.
    """

    page: Callable[..., HTMLResponse]
    """Render a template in the console's frame: ``page(template, signed, *, status, current,
    **context)``."""
    refuse: Callable[[SignedIn | None, int, str, str], NoReturn]
    """Stop the request with a refusal page: (signed, status, title, message)."""
    signed_in: Callable[[Request], SignedIn]
    """The request's session, or off to the sign-in page."""
    may: Callable[[SignedIn, str], None]
    """Refuse unless the account's role may do this (a key of `ALLOWED`)."""
    posted: Callable[[Request, str, str], SignedIn]
    """A POST's session, its CSRF token and its role checked: (request, csrf, what)."""
    accounts: Accounts
    clock: Callable[[], dt.datetime]
    headers: Mapping[str, str]
    """The headers every console answer carries (no caching, no framing, no scripts)."""


def _teamless(account: Account) -> bool:
    """A team manager's account in no team (one from before schema 17, until IT sets it)."""
    return account.role is Role.TEAM_MANAGER and account.team is None


def download_name(filename: str, suffix: str = ".pdf", fallback: str = "signed") -> str:
    """A filename safe in a Content-Disposition header (ASCII letters, digits, .-_ only).

    It ends in `suffix` (added when it does not); `fallback` names it when nothing is left.
    """
    safe = re.sub(r"[^0-9A-Za-z._-]+", "_", filename).strip("._") or fallback
    return safe if safe.lower().endswith(suffix) else safe + suffix


def add_console(
    app: FastAPI,
    store: Store,
    *,
    server_ca_pem: bytes,
    clock: Callable[[], dt.datetime],
    accounts: Accounts | None = None,
    lease_days: int | None = None,
    signing_ca_der: bytes = b"",
    idle_after: dt.timedelta = IDLE_AFTER,
    publishing_key_text: str | None = None,
) -> ConsoleKit:
    """Serve the web console from `app` under ``/console/``; its helpers, for further pages.

    Args:
        app: The gateway's app.
        store: The gateway's database (schema 11 or later).
        server_ca_pem: The CA laptops pin, whose fingerprint is shown with each enrolment code.
        clock: The time (tests pass their own, to step past a lockout).
        accounts: The accounts to sign in against; by default over `store`.
        lease_days: The gateway's lease, for each device's lease state (None: no lease).
        signing_ca_der: The council's document signing CA, which each signed PDF shown is
            checked against (empty: none is trusted, so none shows as confirmed).
        idle_after: How long a session lasts without a request (when `accounts` is not given).
        publishing_key_text: The publishing key laptops are given at enrolment, which each
            published package shown is checked against (None: none is handed out).
    """
    accounts = accounts or Accounts(store, idle_after=idle_after)
    try:
        fingerprint = ca_fingerprint(server_ca_pem)
    except ValueError:
        # A misconfigured server CA must not stop the gateway: laptops enrolling by
        # fingerprint are refused anyway, and IT is told here what to mend.
        fingerprint = (
            "unknown: the server CA this gateway serves is not a certificate (--server-ca)"
        )
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sync.gateway", "templates/console"),
        autoescape=True,
    )
    env.filters["when"] = _when
    css = resources.files("sync.gateway").joinpath("templates/console/console.css").read_bytes()

    def page(
        template: str,
        signed: SignedIn | None,
        *,
        status: int = 200,
        current: str = "",
        **context: Any,
    ) -> HTMLResponse:
        nav = []
        if signed is not None and not _teamless(signed.account):
            nav = [
                (href, label, key == current)
                for key, href, label in _NAV
                if signed.account.role in ALLOWED[key]
            ]
        html = env.get_template(template).render(
            account=signed.account if signed else None,
            csrf=signed.csrf if signed else "",
            nav=nav,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=_HEADERS)

    def refuse(signed: SignedIn | None, status: int, title: str, message: str) -> NoReturn:
        raise _Answer(page("refused.html", signed, status=status, title=title, message=message))

    def signed_in(request: Request) -> SignedIn:
        token = request.cookies.get(SESSION_COOKIE, "")
        account = accounts.session(token, clock())
        if account is None:
            # A cookie that no longer signs anyone in: its session ended (idle, 8 hours, a
            # password reset, or signed out in another tab). The sign-in page says which, and
            # that a form sent with it was not saved.
            where = "/console/sign-in"
            if token:
                where += f"?ended={accounts.session_end(token).value}"
                if request.method == "POST" and request.url.path != "/console/sign-out":
                    where += "&unsent=1"  # (signing out of an ended session needs no redo)
            raise _Answer(RedirectResponse(where, status_code=303))
        return SignedIn(account, token)

    def may(signed: SignedIn, what: str) -> None:
        if signed.account.role not in ALLOWED[what]:
            refuse(
                signed,
                403,
                "Not allowed for your role",
                f"A {signed.account.role.label.lower()} cannot do this. Nothing was changed. "
                "Ask an IT administrator if you need it done.",
            )
        if what != "sign-out" and _teamless(signed.account):
            # Not everyone's work: a manager's pages are cut to a team, and this one has none.
            refuse(
                signed,
                403,
                "Your account is not in a team yet",
                "A team manager sees their own team's assessors, queue and records, and this "
                "account is not in a team, so the console shows it nothing. Ask an IT "
                "administrator to put it in your team (assessor-gateway console-account "
                f"set-team --username {signed.account.username} --team NAME), then reload "
                "this page.",
            )

    def outside_team(signed: SignedIn, subject: str, title: str, message: str) -> NoReturn:
        """Refuse a team manager what is not their team's, and write the refusal down."""
        accounts.audit(
            clock(),
            signed.account.username,
            "refused: outside team",
            subject,
            f"{title} (team {signed.account.team})",
        )
        refuse(
            signed,
            403,
            title,
            f"{message} Nothing was changed. Ask an IT administrator if this should be your "
            f"team's ({signed.account.team}).",
        )

    def posted(request: Request, csrf: str, what: str) -> SignedIn:
        """The session of a POST whose CSRF token is right and whose role may do `what`."""
        signed = signed_in(request)
        if not _same(csrf, signed.csrf):
            refuse(
                signed,
                403,
                "This form could not be accepted",
                "The form did not carry this session's security token (it may be from an old "
                "page, or from another site). Nothing was changed. Go back, reload the page "
                "and try again.",
            )
        may(signed, what)
        return signed

    @app.exception_handler(_Answer)
    def answer(_request: Request, exc: _Answer) -> Response:
        return exc.response

    @app.exception_handler(HTTPException)
    async def not_found(request: Request, exc: HTTPException) -> Response:
        # A mistyped console address gets a page a screen reader can read (a title, a
        # heading, the way back), not the API's JSON; the laptops' API keeps its JSON.
        if exc.status_code != 404 or not request.url.path.startswith("/console/"):
            return await http_exception_handler(request, exc)
        token = request.cookies.get(SESSION_COOKIE, "")
        # (off the event loop, as the console's own routes run: it reads the database)
        account = await run_in_threadpool(accounts.session, token, clock())
        signed = SignedIn(account, token) if account else None
        message = "There is no console page at this address. Check it, or " + (
            "choose a page above." if signed else "sign in and choose a page."
        )
        return page("refused.html", signed, status=404, title="Page not found", message=message)

    @app.get("/console/console.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @app.get("/console", include_in_schema=False)
    @app.get("/console/", include_in_schema=False)
    def home(request: Request) -> Response:
        signed = signed_in(request)
        first = next(href for key, href, _ in _NAV if signed.account.role in ALLOWED[key])
        return RedirectResponse(first, status_code=303)

    # -- signing in and out -------------------------------------------------------------------

    def sign_in_page(
        message: str = "",
        username: str = "",
        status: int = 200,
        ended: str = "",
        unsent: bool = False,
    ) -> Response:
        token = secrets.token_urlsafe(24)
        response = page(
            "sign_in.html",
            None,
            status=status,
            message=message,
            username=username,
            form=token,
            ended=ended,
            unsent=unsent,
            idle_minutes=int(accounts.idle_after.total_seconds() // 60),
        )
        response.set_cookie(
            SIGN_IN_COOKIE, token, secure=True, httponly=True, samesite="strict", path="/"
        )
        return response

    @app.get("/console/sign-in", include_in_schema=False)
    def sign_in_form(ended: str = "", unsent: str = "") -> Response:
        known = {e.value for e in SessionEnd}
        # ?ended=1 is what pages before the idle limit sent; any other text says "ended".
        reason = ended if ended in known else (SessionEnd.ENDED.value if ended else "")
        return sign_in_page(ended=reason, unsent=bool(ended and unsent))

    @app.post("/console/sign-in", include_in_schema=False)
    def sign_in(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        expected = request.cookies.get(SIGN_IN_COOKIE, "")
        if not expected or not _same(csrf, expected):
            refuse(
                None,
                403,
                "This form could not be accepted",
                "The sign-in form did not carry its security token (it may be from an old "
                "page, or from another site). Reload the sign-in page and try again.",
            )
        if not username.strip() or not password:
            return sign_in_page("Enter your username and your password.", username, status=400)
        try:
            token = accounts.sign_in(username, password, clock())
        except SignInRefused as e:
            return sign_in_page(str(e), username, status=401)
        response = RedirectResponse("/console/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE, token, secure=True, httponly=True, samesite="strict", path="/"
        )
        response.delete_cookie(SIGN_IN_COOKIE, path="/", secure=True, httponly=True)
        return response

    @app.post("/console/sign-out", include_in_schema=False)
    def sign_out(request: Request, csrf: str = Form("")) -> Response:
        signed = posted(request, csrf, "sign-out")
        accounts.sign_out(signed.token, clock())
        response = RedirectResponse("/console/sign-in", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
        return response

    # -- devices ------------------------------------------------------------------------------

    def names() -> dict[str, str]:
        return dict(store.assessors())

    def team_of(signed: SignedIn) -> str | None:
        """The team a request is cut to: a team manager's (`may` refused one without); None:
        every assessor (IT administrators and auditors)."""
        return signed.account.team if signed.account.role is Role.TEAM_MANAGER else None

    def mine(signed: SignedIn) -> set[str] | None:
        """The ids of the assessors the request may see; None: every assessor."""
        team = team_of(signed)
        return None if team is None else {a for a, _ in store.assessors(team=team)}

    @app.get("/console/devices", include_in_schema=False)
    def devices(request: Request, revoked: str = "", wiped: str = "") -> Response:
        signed = signed_in(request)
        may(signed, "devices")
        queues = store.queue_reports()
        leased, now, seen = oversight.leased_devices(store), clock(), mine(signed)
        rows = [
            (d, queues.get(d.id), lease_of(d, lease_days, d.id in leased, now))
            for d in store.devices()
            if seen is None or d.assessor_id in seen
        ]
        return page(
            "devices.html",
            signed,
            current="devices",
            rows=rows,
            names=names(),
            can_revoke=signed.account.role in ALLOWED["revoke"],
            can_wipe=signed.account.role in ALLOWED["wipe"],
            can_unlock=signed.account.role in ALLOWED["unlock"],
            lease_days=lease_days,
            revoked=revoked if _ID.match(revoked) else "",
            wiped=wiped if _ID.match(wiped) else "",
        )

    def device_or_refuse(signed: SignedIn, device_id: str) -> Any:
        device = store.device(device_id) if _ID.match(device_id) else None
        if device is None:
            refuse(signed, 404, "No such laptop", "There is no laptop with that id here.")
        seen = mine(signed)
        if seen is not None and device.assessor_id not in seen:
            outside_team(
                signed,
                device.id,
                "This laptop is not your team's",
                f"Laptop {device.id} belongs to an assessor outside your team, so its details "
                "are not shown to you.",
            )
        return device

    @app.get("/console/devices/{device_id}/held", include_in_schema=False)
    def held(request: Request, device_id: str) -> Response:
        signed = signed_in(request)
        may(signed, "devices")
        device = device_or_refuse(signed, device_id)
        return page(
            "held.html",
            signed,
            current="devices",
            device=device,
            names=names(),
            reported=store.queue_reports().get(device.id),
            most=MAX_HELD_REPORTED,
        )

    @app.get("/console/devices/{device_id}/revoke", include_in_schema=False)
    def revoke_confirm(request: Request, device_id: str) -> Response:
        signed = signed_in(request)
        may(signed, "revoke")
        device = device_or_refuse(signed, device_id)
        return page("revoke.html", signed, current="devices", device=device, names=names())

    @app.post("/console/devices/{device_id}/revoke", include_in_schema=False)
    def revoke(request: Request, device_id: str, csrf: str = Form("")) -> Response:
        signed = posted(request, csrf, "revoke")
        device = device_or_refuse(signed, device_id)
        now = clock()
        if store.revoke(device.id, now):
            accounts.audit(
                now,
                signed.account.username,
                "device revoked",
                device.id,
                f"laptop of {names().get(device.assessor_id, device.assessor_id)}",
            )
        return RedirectResponse(f"/console/devices?revoked={device.id}", status_code=303)

    @app.get("/console/devices/{device_id}/wipe", include_in_schema=False)
    def wipe_confirm(request: Request, device_id: str) -> Response:
        signed = signed_in(request)
        may(signed, "wipe")
        device = device_or_refuse(signed, device_id)
        return page("wipe.html", signed, current="devices", device=device, names=names())

    @app.post("/console/devices/{device_id}/wipe", include_in_schema=False)
    def wipe(request: Request, device_id: str, csrf: str = Form("")) -> Response:
        signed = posted(request, csrf, "wipe")
        device = device_or_refuse(signed, device_id)
        now = clock()
        if device.wipe_ordered_at is None and store.order_wipe(device.id, now):
            accounts.audit(
                now,
                signed.account.username,
                "wipe ordered",
                device.id,
                f"laptop of {names().get(device.assessor_id, device.assessor_id)}",
            )
        return RedirectResponse(f"/console/devices?wiped={device.id}", status_code=303)

    def unlockable(signed: SignedIn, device_id: str) -> tuple[Device, bytes]:
        """The device and its lease key, or a page saying why it gets no unlock code."""
        device = device_or_refuse(signed, device_id)
        key = store.lease_key(device.id)
        if device.revoked_at is not None:
            refuse(
                signed,
                409,
                "No unlock code for a withdrawn laptop",
                f"Laptop {device.id} has been revoked or ordered wiped, so it gets no unlock "
                "code. If it is found, issue a new enrolment code and enrol it again.",
            )
        if key is None:
            refuse(
                signed,
                409,
                "This laptop has no lease",
                f"Laptop {device.id} was enrolled before leases, so it never locks for one "
                "and needs no unlock code.",
            )
        return device, key

    @app.get("/console/devices/{device_id}/unlock-code", include_in_schema=False)
    def unlock_confirm(request: Request, device_id: str) -> Response:
        signed = signed_in(request)
        may(signed, "unlock")
        device, _ = unlockable(signed, device_id)
        return page("unlock.html", signed, current="devices", device=device, names=names(), code="")

    @app.post("/console/devices/{device_id}/unlock-code", include_in_schema=False)
    def unlock(request: Request, device_id: str, csrf: str = Form("")) -> Response:
        signed = posted(request, csrf, "unlock")
        device, key = unlockable(signed, device_id)
        now = clock()
        day = now.astimezone(dt.UTC).date()
        who = names().get(device.assessor_id, device.assessor_id)
        accounts.audit(
            now,
            signed.account.username,
            "unlock code read",
            device.id,
            f"laptop of {who}, code for {day.isoformat()}",
        )
        return page(
            "unlock.html",
            signed,
            current="devices",
            device=device,
            names=names(),
            code=unlock_code(key, device.id, day),
            day=day.isoformat(),
            until=(day + dt.timedelta(days=VALID_DAYS_AFTER)).isoformat(),
        )

    # -- enrolment codes ----------------------------------------------------------------------

    def enrolment_page(
        signed: SignedIn, *, errors: dict[str, str] | None = None, status: int = 200, **form: str
    ) -> Response:
        return page(
            "enrolment.html",
            signed,
            status=status,
            current="enrolment",
            assessors=store.assessors(),
            errors=errors or {},
            form={"assessor": "", "minutes": "15", "name": "", **form},
            added=form.get("added", ""),
        )

    @app.get("/console/enrolment-codes", include_in_schema=False)
    def enrolment(request: Request) -> Response:
        signed = signed_in(request)
        may(signed, "enrolment")
        return enrolment_page(signed)

    @app.post("/console/enrolment-codes", include_in_schema=False)
    def issue_code(
        request: Request,
        assessor: str = Form(""),
        minutes: str = Form("15"),
        csrf: str = Form(""),
    ) -> Response:
        signed = posted(request, csrf, "enrolment")
        errors = {}
        name = store.assessor_name(assessor) if assessor else None
        if name is None:
            errors["assessor"] = "Choose the assessor whose laptop this code is for."
        try:
            lifetime = float(minutes)
            if not 1 <= lifetime <= 24 * 60:
                raise ValueError
        except ValueError:
            errors["minutes"] = "Enter how many minutes the code works for, from 1 to 1440."
        if errors:
            return enrolment_page(
                signed, errors=errors, status=400, assessor=assessor, minutes=minutes
            )
        now = clock()
        code = store.issue_code(assessor, now, dt.timedelta(minutes=lifetime))
        accounts.audit(
            now,
            signed.account.username,
            "enrolment code issued",
            assessor,
            f"for {name}, valid {minutes} minutes",
        )
        return page(
            "enrolment_code.html",
            signed,
            current="enrolment",
            code=code,
            name=name,
            minutes=minutes,
            fingerprint=fingerprint,
            expires=(now + dt.timedelta(minutes=lifetime)).isoformat(),
        )

    @app.post("/console/assessors", include_in_schema=False)
    def add_assessor(request: Request, name: str = Form(""), csrf: str = Form("")) -> Response:
        signed = posted(request, csrf, "enrolment")
        if not name.strip() or len(name) > 200:
            return enrolment_page(
                signed,
                errors={"name": "Enter the assessor's name as it should appear (up to 200)."},
                status=400,
                name=name,
            )
        now = clock()
        assessor_id = store.create_assessor(name, now)
        accounts.audit(now, signed.account.username, "assessor added", assessor_id, name.strip())
        return enrolment_page(signed, assessor=assessor_id, added=name.strip())

    # -- caseload allocation ------------------------------------------------------------------

    def allocation_page(
        signed: SignedIn, *, errors: dict[str, str] | None = None, status: int = 200, **form: str
    ) -> Response:
        return page(
            "allocation.html",
            signed,
            status=status,
            current="allocation",
            assessors=store.assessors(team=team_of(signed)),
            names=names(),
            allocations=store.allocations(team=team_of(signed)),
            can_allocate=signed.account.role in ALLOWED["allocate"],
            errors=errors or {},
            form={"person": "", "assessor": "", **form},
            done=form.get("done", ""),
        )

    @app.get("/console/allocation", include_in_schema=False)
    def allocation(request: Request) -> Response:
        signed = signed_in(request)
        may(signed, "allocation")
        return allocation_page(signed)

    @app.post("/console/allocation", include_in_schema=False)
    def allocate(
        request: Request,
        person: str = Form(""),
        assessor: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        signed = posted(request, csrf, "allocate")
        person = person.strip()
        errors = {}
        if not _ID.match(person):
            errors["person"] = (
                "Enter the person's id as the laptops know it (up to 64 letters, digits, "
                "dashes or underscores)."
            )
        name = store.assessor_name(assessor) if assessor else None
        if name is None:
            errors["assessor"] = "Choose the assessor whose caseload the person joins."
        if errors:
            return allocation_page(
                signed, errors=errors, status=400, person=person, assessor=assessor
            )
        now = clock()
        try:
            store.allocate(person, assessor, now, within_team=team_of(signed))
        except AllocationRefused as e:
            holder = names().get(e.assessor, e.assessor)
            outside_team(
                signed,
                person,
                "Not your team's to allocate",
                f"{name} is not in your team, so you cannot allocate people to them."
                if e.joining
                else f"{person} is on the caseload of {holder}, who is not in your team, so "
                "you cannot move them. You may allocate people on nobody's caseload or on "
                "your team's.",
            )
        accounts.audit(
            now, signed.account.username, "person allocated", person, f"to {name} ({assessor})"
        )
        return allocation_page(signed, done=f"{person} is now on {name}'s caseload.")

    # -- received records and their signed PDFs -------------------------------------------------

    @app.get("/console/records", include_in_schema=False)
    def records(
        request: Request,
        assessor: str = "",
        person: str = "",
        page_number: str = Query("1", alias="page"),
    ) -> Response:
        signed = signed_in(request)
        may(signed, "records")
        assessor = assessor if _ID.match(assessor) else ""
        person = person.strip()
        problem = ""
        if person and not _ID.match(person):
            problem = (
                "Enter the person's id as the laptops know it (up to 64 letters, digits, "
                "dashes or underscores), or leave it empty for everyone."
            )
            person = ""
        number = int(page_number) if page_number.isdigit() and 0 < int(page_number) < 10**6 else 1
        seen = mine(signed)
        if assessor and seen is not None and assessor not in seen:
            outside_team(
                signed,
                assessor,
                "This assessor is not in your team",
                "The records their laptops sent are not shown to you.",
            )
        found, more = oversight.received_records(
            store,
            assessor=assessor,
            person=person,
            offset=(number - 1) * _PAGE_SIZE,
            limit=_PAGE_SIZE,
            team=team_of(signed),
        )
        return page(
            "records.html",
            signed,
            status=400 if problem else 200,
            current="records",
            records=found,
            more=more,
            number=number,
            assessors=store.assessors(team=team_of(signed)),
            form={"assessor": assessor, "person": person},
            errors={"person": problem} if problem else {},
        )

    def team_record(signed: SignedIn, record_id: str) -> None:
        """Refuse a team manager a record that is not their team's (`oversight.record_in_team`)."""
        team = team_of(signed)
        if team is not None and not oversight.record_in_team(store, record_id, team):
            outside_team(
                signed,
                record_id,
                "This record is not your team's",
                f"Record {record_id} was neither sent by a laptop of your team's assessors nor "
                "is its person on your team's caseloads, so it is not shown to you.",
            )

    @app.get("/console/records/{record_id}", include_in_schema=False)
    def record(request: Request, record_id: str) -> Response:
        signed = signed_in(request)
        may(signed, "records")
        detail = oversight.record_detail(store, record_id) if _ID.match(record_id) else None
        if detail is None:
            refuse(signed, 404, "No such record", "The gateway holds no record with that id.")
        team_record(signed, record_id)
        checks = []
        for pdf in detail.documents:
            held = oversight.stored_pdf(store, pdf.id)
            data = held[1] if held else b""
            checks.append((pdf, oversight.check_document(pdf, data, signing_ca_der)))
        seqs = {r.hash: r.seq for r in detail.revisions}
        return page(
            "record.html",
            signed,
            current="records",
            detail=detail,
            checks=checks,
            seqs=seqs,
            names=names(),
        )

    @app.get("/console/documents/{document_id}", include_in_schema=False)
    def download(request: Request, document_id: str) -> Response:
        signed = signed_in(request)
        may(signed, "records")
        held = oversight.stored_pdf(store, document_id) if _ID.match(document_id) else None
        if held is None:
            refuse(
                signed,
                404,
                "No such signed PDF",
                "The gateway holds no whole signed PDF with "
                "that id. Open the record again to see the PDFs it holds.",
            )
        pdf, data = held
        team_record(signed, pdf.record_id)
        detail = f"{pdf.filename} of record {pdf.record_id}"
        accounts.audit(clock(), signed.account.username, "signed PDF downloaded", pdf.id, detail)
        return Response(
            data,
            media_type="application/pdf",
            headers={
                **_HEADERS,
                "Content-Disposition": f'attachment; filename="{download_name(pdf.filename)}"',
            },
        )

    # -- the team's queue and overdue work ---------------------------------------------------

    @app.get("/console/queue", include_in_schema=False)
    def queue(request: Request) -> Response:
        signed = signed_in(request)
        may(signed, "queue")
        return page(
            "queue.html",
            signed,
            current="queue",
            queues=oversight.team_queue(store, clock(), team=team_of(signed)),
            overdue_days=oversight.OVERDUE_AFTER.days,
        )

    # -- reference data and which laptops hold it ----------------------------------------------

    @app.get("/console/reference-data", include_in_schema=False)
    def reference_data(request: Request) -> Response:
        signed = signed_in(request)
        may(signed, "reference")
        return page(
            "reference.html",
            signed,
            current="reference",
            packages=reference_holdings.published_packages(store, publishing_key_text),
            holdings=reference_holdings.device_holdings(store),
            kinds=REFERENCE_KINDS,
            names=names(),
        )

    # -- the audit log ------------------------------------------------------------------------

    @app.get("/console/audit", include_in_schema=False)
    def audit(request: Request) -> Response:
        signed = signed_in(request)
        may(signed, "audit")
        return page("audit.html", signed, current="audit", entries=accounts.audit_log())

    return ConsoleKit(page, refuse, signed_in, may, posted, accounts, clock, _HEADERS)
