"""The gateway's web console under ``/console/``: server-rendered pages for IT and managers.

Plain HTML forms rendered by Jinja2 (templates in ``templates/console/``), served by the same
app and TLS as the laptops' API. Signing in opens a session kept in the database
(`accounts.Accounts`); its token is in a ``__Host-`` cookie that is Secure, HttpOnly and
SameSite=Strict. Every form carries the session's CSRF token in a hidden field and every POST
checks it (the sign-in form, before there is a session, checks one from its own cookie); a
POST without it, or with a wrong one, is refused with 403 and changes nothing. Every route
checks the account's role on the server (`ALLOWED`), whatever the page shows. Each change
goes through the store's own functions and writes the audit log.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, NoReturn

import jinja2
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape

from sync.gateway.accounts import Account, Accounts, Role, SignInRefused, csrf_token
from sync.gateway.store import Store
from sync.protocol import ca_fingerprint

__all__ = ["ALLOWED", "SESSION_COOKIE", "SIGN_IN_COOKIE", "add_console"]

SESSION_COOKIE = "__Host-assessor-console"
SIGN_IN_COOKIE = "__Host-assessor-console-sign-in"
"""The sign-in form's own CSRF token (double submit), before there is a session."""

ALLOWED: dict[str, frozenset[Role]] = {
    "devices": frozenset(Role),
    "revoke": frozenset({Role.IT_ADMIN}),
    "enrolment": frozenset({Role.IT_ADMIN}),
    "allocation": frozenset({Role.IT_ADMIN, Role.TEAM_MANAGER, Role.AUDITOR}),
    "allocate": frozenset({Role.IT_ADMIN, Role.TEAM_MANAGER}),
    "audit": frozenset({Role.IT_ADMIN, Role.AUDITOR}),
}
"""Which roles may use each page (a GET) or change (a POST); checked on every request."""

_NAV = (
    ("devices", "/console/devices", "Devices"),
    ("enrolment", "/console/enrolment-codes", "Enrolment codes"),
    ("allocation", "/console/allocation", "Caseload allocation"),
    ("audit", "/console/audit", "Audit log"),
)
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
class _Signed:
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


def add_console(
    app: FastAPI,
    store: Store,
    *,
    server_ca_pem: bytes,
    clock: Callable[[], dt.datetime],
    accounts: Accounts | None = None,
) -> Accounts:
    """Serve the web console from `app` under ``/console/``; the accounts it signs in.

    Args:
        app: The gateway's app.
        store: The gateway's database (schema 9 or later).
        server_ca_pem: The CA laptops pin, whose fingerprint is shown with each enrolment code.
        clock: The time (tests pass their own, to step past a lockout).
        accounts: The accounts to sign in against; by default over `store`.
    """
    accounts = accounts or Accounts(store)
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
        signed: _Signed | None,
        *,
        status: int = 200,
        current: str = "",
        **context: Any,
    ) -> HTMLResponse:
        nav = []
        if signed is not None:
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

    def refuse(signed: _Signed | None, status: int, title: str, message: str) -> NoReturn:
        raise _Answer(page("refused.html", signed, status=status, title=title, message=message))

    def signed_in(request: Request) -> _Signed:
        token = request.cookies.get(SESSION_COOKIE, "")
        account = accounts.session(token, clock())
        if account is None:
            # A cookie that no longer signs anyone in: its session ended (8 hours, a password
            # reset, or signed out in another tab). The sign-in page says so.
            where = "/console/sign-in?ended=1" if token else "/console/sign-in"
            raise _Answer(RedirectResponse(where, status_code=303))
        return _Signed(account, token)

    def may(signed: _Signed, what: str) -> None:
        if signed.account.role not in ALLOWED[what]:
            refuse(
                signed,
                403,
                "Not allowed for your role",
                f"A {signed.account.role.label.lower()} cannot do this. Nothing was changed. "
                "Ask an IT administrator if you need it done.",
            )

    def posted(request: Request, csrf: str, what: str) -> _Signed:
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
        message: str = "", username: str = "", status: int = 200, ended: bool = False
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
        )
        response.set_cookie(
            SIGN_IN_COOKIE, token, secure=True, httponly=True, samesite="strict", path="/"
        )
        return response

    @app.get("/console/sign-in", include_in_schema=False)
    def sign_in_form(ended: str = "") -> Response:
        return sign_in_page(ended=bool(ended))

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
        signed = posted(request, csrf, "devices")  # every role may sign out
        accounts.sign_out(signed.token, clock())
        response = RedirectResponse("/console/sign-in", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
        return response

    # -- devices ------------------------------------------------------------------------------

    def names() -> dict[str, str]:
        return dict(store.assessors())

    @app.get("/console/devices", include_in_schema=False)
    def devices(request: Request, revoked: str = "") -> Response:
        signed = signed_in(request)
        may(signed, "devices")
        queues = store.queue_reports()
        rows = [(d, queues.get(d.id)) for d in store.devices()]
        return page(
            "devices.html",
            signed,
            current="devices",
            rows=rows,
            names=names(),
            can_revoke=signed.account.role in ALLOWED["revoke"],
            revoked=revoked if _ID.match(revoked) else "",
        )

    def device_or_refuse(signed: _Signed, device_id: str) -> Any:
        device = store.device(device_id) if _ID.match(device_id) else None
        if device is None:
            refuse(signed, 404, "No such laptop", "There is no laptop with that id here.")
        return device

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

    # -- enrolment codes ----------------------------------------------------------------------

    def enrolment_page(
        signed: _Signed, *, errors: dict[str, str] | None = None, status: int = 200, **form: str
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
        signed: _Signed, *, errors: dict[str, str] | None = None, status: int = 200, **form: str
    ) -> Response:
        return page(
            "allocation.html",
            signed,
            status=status,
            current="allocation",
            assessors=store.assessors(),
            names=names(),
            allocations=store.allocations(),
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
        store.allocate(person, assessor, now)
        accounts.audit(
            now, signed.account.username, "person allocated", person, f"to {name} ({assessor})"
        )
        return allocation_page(signed, done=f"{person} is now on {name}'s caseload.")

    # -- the audit log ------------------------------------------------------------------------

    @app.get("/console/audit", include_in_schema=False)
    def audit(request: Request) -> Response:
        signed = signed_in(request)
        may(signed, "audit")
        return page("audit.html", signed, current="audit", entries=accounts.audit_log())

    return accounts
