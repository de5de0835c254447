"""The web console's accounts, sessions and audit log, in the gateway's database (schema 9).

Everything is in the database, so several gateway processes serve one console: a password is
kept as its Argon2id hash (argon2-cffi), a session as the SHA-256 of its random token (the
browser's cookie holds the token), and a lockout as a time in the account's row. Each form's
CSRF token is derived from the session's token (`csrf_token`), so it is per session, needs no
row of its own, and cannot be worked out from a copy of the database. A team manager's
account names its team (schema 17; `sync.gateway.teams`), read afresh with each request.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync.gateway.store import Store, _Tx

__all__ = [
    "LOCK_AFTER",
    "LOCKED_FOR",
    "MIN_PASSWORD",
    "SESSION_LIFETIME",
    "Account",
    "AccountError",
    "Accounts",
    "AuditEntry",
    "IDLE_AFTER",
    "Role",
    "SessionEnd",
    "SignInRefused",
    "csrf_token",
    "team_named",
    "write_audit",
]

LOCK_AFTER = 5
"""Wrong passwords in a row that lock an account."""
LOCKED_FOR = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=8)
"""A session ends this long after sign-in (a working day), however busy, or at sign-out."""
IDLE_AFTER = dt.timedelta(minutes=15)
"""A session also ends this long after its last request (`serve --console-idle-minutes`)."""
ENDED_KEPT = dt.timedelta(days=1)
"""How long an ended session's row is kept, so the sign-in page can say why it ended."""
MIN_PASSWORD = 12


class Role(enum.StrEnum):
    """What a console account may do (the pages say which)."""

    IT_ADMIN = "it_admin"
    TEAM_MANAGER = "team_manager"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        """The role in words."""
        return {
            Role.IT_ADMIN: "IT administrator",
            Role.TEAM_MANAGER: "Team manager",
            Role.AUDITOR: "Auditor",
        }[self]


class SessionEnd(enum.StrEnum):
    """Why a session that no longer signs anyone in ended (for the sign-in page)."""

    IDLE = "idle"
    """No request for the idle time."""
    LIFETIME = "lifetime"
    """`SESSION_LIFETIME` after sign-in."""
    ENDED = "ended"
    """Signed out, a password reset, or no longer known."""


class AccountError(ValueError):
    """An account cannot be made or changed as asked; the message says what to do."""


class SignInRefused(Exception):
    """A sign-in that did not succeed; the message is what the page says."""


@dataclass(frozen=True)
class Account:
    """A console account that is signed in."""

    username: str
    role: Role
    team: str | None = None
    """A team manager's team (schema 17), whose assessors alone they see; None: no team."""


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    at: str
    actor: str
    action: str
    subject: str
    detail: str


_WRONG = "That username and password do not match an account. Check them and try again."


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def csrf_token(session_token: str) -> str:
    """The CSRF token of the session whose cookie holds `session_token`."""
    return hmac.new(session_token.encode("ascii", "replace"), b"console csrf", "sha256").hexdigest()


def _role(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise AccountError(f"There is no role '{text}'; choose one of {roles}.") from None


def _team_for(tx: _Tx, role: Role, team: str | None) -> str | None:
    """The team an account of `role` is given: a team manager's must name one that exists."""
    if role is not Role.TEAM_MANAGER:
        if team:
            raise AccountError(
                f"Only a team manager's account belongs to a team; a {role.label.lower()} "
                "sees every team. Leave out --team."
            )
        return None
    if not team or not team.strip():
        raise AccountError(
            "A team manager's account needs its team: give --team NAME "
            "('assessor-gateway team list' shows the teams)."
        )
    found = team_named(tx, team)
    if found is None:
        raise AccountError(
            f"There is no team '{team.strip()}'. Make it first with "
            f"'assessor-gateway team create \"{team.strip()}\"', or see 'team list'."
        )
    return found


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            f"A console password must be at least {MIN_PASSWORD} characters long; choose a "
            "longer one (a few unrelated words are easy to type and hard to guess)."
        )


class Accounts:
    """The console's accounts, sessions and audit log over `store`.

    A session's ``expires_at`` is moved on at each request to the idle time from then, never
    past `SESSION_LIFETIME` after sign-in: both limits in the one column every process reads,
    so the schema is unchanged and a session idle in one process is ended in all.

    Args:
        store: The gateway's database, migrated to schema 9 or later.
        hasher: The Argon2 parameters (argon2-cffi's defaults: Argon2id, 64 MiB, 3 passes).
        idle_after: How long a session lasts without a request.
    """

    def __init__(
        self,
        store: Store,
        hasher: PasswordHasher | None = None,
        *,
        idle_after: dt.timedelta = IDLE_AFTER,
    ) -> None:
        if not dt.timedelta(minutes=1) <= idle_after <= SESSION_LIFETIME:
            raise AccountError(
                "The console's idle time is 1 minute to 8 hours; choose one in that range."
            )
        self.store = store
        self.hasher = hasher or PasswordHasher()
        self.idle_after = idle_after
        self._dummy_hash: str | None = None

    @property
    def _dummy(self) -> str:
        """Verified against for an unknown username, so it takes as long as a known one."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
        return self._dummy_hash

    # -- accounts ----------------------------------------------------------------------------

    def create(
        self,
        username: str,
        role: str,
        password: str,
        now: dt.datetime,
        actor: str,
        *,
        team: str | None = None,
    ) -> None:
        """Add an account.

        Args:
            username: Its name at sign-in (letters, digits, dots, dashes; any case).
            role: One of `Role`'s values.
            password: At least `MIN_PASSWORD` characters.
            now: When.
            actor: Who made it, for the audit log.
            team: The team a team manager manages (required for one; none for other roles).

        Raises:
            AccountError: The name is taken or not allowed, the role unknown, the password
                too short, or the team missing, unknown or given for another role.
        """
        name = username.strip().lower()
        if not name or not all(c.isalnum() or c in "._-@" for c in name) or len(name) > 64:
            raise AccountError(
                "A username is 1 to 64 letters, digits, dots, dashes, underscores or @."
            )
        kind = _role(role)
        _check_password(password)
        digest = self.hasher.hash(password)
        with self.store.transaction() as tx:
            taken = tx.execute(
                "SELECT 1 FROM console_account WHERE username = ?", (name,)
            ).fetchone()
            if taken:
                raise AccountError(
                    f"There is already an account '{name}'; reset its password instead."
                )
            managed = _team_for(tx, kind, team)
            tx.execute(
                "INSERT INTO console_account (username, role, password_hash, created_at, "
                "password_set_at, team) VALUES (?, ?, ?, ?, ?, ?)",
                (name, kind.value, digest, now.isoformat(), now.isoformat(), managed),
            )
            detail = f"role {kind.label}" + (f", team {managed}" if managed else "")
            write_audit(tx, now, actor, "account created", name, detail)

    def set_team(self, username: str, team: str, now: dt.datetime, actor: str) -> str:
        """Put a team manager's account in `team` (moving it from any other); the team's name.

        Its sessions see the new team from their next request.

        Raises:
            AccountError: No such account, it is not a team manager's, or no such team.
        """
        name = username.strip().lower()
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT role, team FROM console_account WHERE username = ?", (name,)
            ).fetchone()
            if row is None:
                raise AccountError(f"There is no account '{name}'; create it with --team instead.")
            managed = _team_for(tx, _role(str(row[0])), team)
            tx.execute("UPDATE console_account SET team = ? WHERE username = ?", (managed, name))
            before = f"from {row[1]}" if row[1] else "from no team"
            write_audit(tx, now, actor, "account team set", name, f"team {managed} ({before})")
        assert managed is not None  # _team_for gives a team manager's team or raises
        return managed

    def reset_password(self, username: str, password: str, now: dt.datetime, actor: str) -> None:
        """Set a new password, lift any lockout, and end the account's sessions.

        Args:
            username: The account.
            password: The new password (at least `MIN_PASSWORD` characters).
            now: When.
            actor: Who reset it, for the audit log.

        Raises:
            AccountError: No such account, or the password is too short.
        """
        name = username.strip().lower()
        _check_password(password)
        digest = self.hasher.hash(password)
        with self.store.transaction() as tx:
            changed = tx.execute(
                "UPDATE console_account SET password_hash = ?, password_set_at = ?, "
                "failed_attempts = 0, locked_until = NULL WHERE username = ?",
                (digest, now.isoformat(), name),
            )
            if changed.rowcount != 1:
                raise AccountError(f"There is no account '{name}'; create it instead.")
            tx.execute("DELETE FROM console_session WHERE username = ?", (name,))
            write_audit(tx, now, actor, "password reset", name, "lockout lifted, signed out")

    def role_of(self, username: str) -> Role | None:
        """The account's role, or None when there is no such account."""
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT role FROM console_account WHERE username = ?", (username,)
            ).fetchone()
        return None if row is None else Role(str(row[0]))

    # -- signing in and out -------------------------------------------------------------------

    def sign_in(self, username: str, password: str, now: dt.datetime) -> str:
        """Check a password and open a session; the session's token (for the cookie).

        Raises:
            SignInRefused: The name or password is wrong, or the account is locked (the
                message says until when, and what to do).
        """
        name = username.strip().lower()[:64]
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT password_hash, locked_until FROM console_account WHERE username = ?",
                (name,),
            ).fetchone()
        if row is None:
            self._verify(self._dummy, password)
            with self.store.transaction() as tx:
                write_audit(tx, now, name or "(blank)", "sign-in refused", name, "no such account")
            raise SignInRefused(_WRONG)
        digest, locked_until = str(row[0]), row[1]
        if locked_until is not None and str(locked_until) > now.isoformat():
            raise SignInRefused(_locked_message(str(locked_until)))
        if not self._verify(digest, password):
            self._failed(name, now)
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            if self.hasher.check_needs_rehash(digest):
                tx.execute(
                    "UPDATE console_account SET password_hash = ? WHERE username = ?",
                    (self.hasher.hash(password), name),
                )
            tx.execute(
                "UPDATE console_account SET failed_attempts = 0, locked_until = NULL "
                "WHERE username = ?",
                (name,),
            )
            tx.execute(
                "INSERT INTO console_session (token_hash, username, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (_hash(token), name, now.isoformat(), self._expiry(now, now).isoformat()),
            )
            tx.execute(
                "DELETE FROM console_session WHERE expires_at <= ?",
                ((now - ENDED_KEPT).isoformat(),),
            )
            write_audit(tx, now, name, "signed in", name, "")
        return token

    def _verify(self, digest: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(digest, password))
        except (VerificationError, InvalidHashError):
            return False

    def _failed(self, name: str, now: dt.datetime) -> None:
        """Count a wrong password (in the database, for every process); lock at the fifth.

        Raises:
            SignInRefused: Always: the wrong password, or the lockout it caused.
        """
        until = (now + LOCKED_FOR).isoformat()
        with self.store.transaction() as tx:
            tx.execute(
                "UPDATE console_account SET failed_attempts = failed_attempts + 1 "
                "WHERE username = ?",
                (name,),
            )
            count = int(
                tx.execute(
                    "SELECT failed_attempts FROM console_account WHERE username = ?", (name,)
                ).fetchone()[0]
            )
            if count >= LOCK_AFTER:
                tx.execute(
                    "UPDATE console_account SET failed_attempts = 0, locked_until = ? "
                    "WHERE username = ?",
                    (until, name),
                )
                write_audit(
                    tx, now, name, "account locked", name, f"{LOCK_AFTER} wrong passwords in a row"
                )
            else:
                write_audit(tx, now, name, "sign-in refused", name, "wrong password")
        if count >= LOCK_AFTER:
            raise SignInRefused(_locked_message(until))
        left = LOCK_AFTER - count
        raise SignInRefused(
            f"{_WRONG} After {left} more wrong {'try' if left == 1 else 'tries'} the account is "
            f"locked for {int(LOCKED_FOR.total_seconds() // 60)} minutes."
        )

    def _expiry(self, created: dt.datetime, now: dt.datetime) -> dt.datetime:
        return min(created + SESSION_LIFETIME, now + self.idle_after)

    def session(self, token: str, now: dt.datetime) -> Account | None:
        """The account a session token is signed in as, now active; None when unknown or ended.

        Each answered request moves the session's end on to `idle_after` from `now` (never
        past `SESSION_LIFETIME` after sign-in).
        """
        if not token:
            return None
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT s.username, a.role, s.created_at, a.team FROM console_session s "
                "JOIN console_account a ON a.username = s.username "
                "WHERE s.token_hash = ? AND s.expires_at > ?",
                (_hash(token), now.isoformat()),
            ).fetchone()
            if row is None:
                return None
            until = self._expiry(dt.datetime.fromisoformat(str(row[2])), now).isoformat()
            # Only ever later: a slower request from the same browser never shortens it.
            tx.execute(
                "UPDATE console_session SET expires_at = ? WHERE token_hash = ? AND expires_at < ?",
                (until, _hash(token), until),
            )
        return Account(str(row[0]), Role(str(row[1])), None if row[3] is None else str(row[3]))

    def session_end(self, token: str) -> SessionEnd:
        """Why the session of `token`, which signs nobody in any more, ended."""
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT created_at, expires_at FROM console_session WHERE token_hash = ?",
                (_hash(token),),
            ).fetchone()
        if row is None:
            return SessionEnd.ENDED
        created, expires = (dt.datetime.fromisoformat(str(v)) for v in row)
        return SessionEnd.LIFETIME if expires >= created + SESSION_LIFETIME else SessionEnd.IDLE

    def sign_out(self, token: str, now: dt.datetime) -> None:
        """End the session (its token no longer signs anyone in)."""
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT username FROM console_session WHERE token_hash = ?", (_hash(token),)
            ).fetchone()
            tx.execute("DELETE FROM console_session WHERE token_hash = ?", (_hash(token),))
            if row is not None:
                write_audit(tx, now, str(row[0]), "signed out", str(row[0]), "")

    # -- the audit log ------------------------------------------------------------------------

    def audit(self, now: dt.datetime, actor: str, action: str, subject: str, detail: str) -> None:
        """Write one line of the audit log, in its own transaction."""
        with self.store.transaction() as tx:
            write_audit(tx, now, actor, action, subject, detail)

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        """The newest `limit` lines of the audit log, newest first."""
        with self.store.transaction() as tx:
            rows = tx.execute(
                "SELECT at, actor, action, subject, detail FROM audit_log "
                "ORDER BY at DESC, id LIMIT ?",
                (limit,),
            ).fetchall()
        return [AuditEntry(*(str(v) for v in r)) for r in rows]


def write_audit(
    tx: _Tx, now: dt.datetime, actor: str, action: str, subject: str, detail: str
) -> None:
    """Write one line of the audit log in `tx`, so it stands or falls with the change."""
    # Ids are random, so two processes never clash; the time orders them.
    tx.execute(
        "INSERT INTO audit_log (id, at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (secrets.token_hex(8), now.isoformat(), actor, action, subject, detail),
    )


def team_named(tx: _Tx, name: str) -> str | None:
    """The team called `name` (in any case) as it was made, or None when there is none."""
    row = tx.execute(
        "SELECT name FROM team WHERE LOWER(name) = LOWER(?)", (" ".join(name.split()),)
    ).fetchone()
    return None if row is None else str(row[0])


def _locked_message(until: str) -> str:
    when = dt.datetime.fromisoformat(until).astimezone(dt.UTC).strftime("%H:%M UTC")
    return (
        f"This account is locked after {LOCK_AFTER} wrong passwords in a row. Try again after "
        f"{when}, or ask an IT administrator to reset the password "
        "('assessor-gateway console-account reset-password')."
    )
