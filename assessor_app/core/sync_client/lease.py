"""The lease: a laptop that has not reached the gateway for the days it sets locks after unlock.

The gateway gives a lease key and a length in days at enrolment, and its own time and the
length again at every contact (`note_contact`). After each unlock the app asks
`check_lease`: past the lease, the caseload stays hidden behind the lock screen until a sync
succeeds or IT reads out an unlock code (`enter_unlock_code`, checked offline against the
lease key: `sync.lease`). Time is counted from the last contact to the largest time the
laptop's clock has shown, never to a clock set back (decision 0009). A laptop enrolled
before leases has no lease key and never locks for one. Five wrong codes in a row make the
next try wait ten minutes (`CODE_LOCKOUT`). Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from assessor_app.core.errors import AssessorError
from assessor_app.core.storage import history
from assessor_app.core.storage import lease as lease_store
from assessor_app.core.storage.lease import LeaseRecord
from assessor_app.core.storage.vault import Vault
from sync.lease import VALID_DAYS_AFTER, code_date, normalise_code

__all__ = [
    "CODE_LOCKOUT",
    "FREE_WRONG_CODES",
    "LeaseState",
    "UnlockCodeError",
    "check_lease",
    "enter_unlock_code",
    "lock_message",
    "note_contact",
    "note_file_contact",
    "note_receipt",
    "start_lease",
]

FREE_WRONG_CODES = 5
"""Wrong unlock codes allowed in a row before each further try waits `CODE_LOCKOUT`."""
CODE_LOCKOUT = dt.timedelta(minutes=10)
"""The wait after too many wrong codes: a guesser gets six tries an hour, at 50 bits a code."""


class UnlockCodeError(AssessorError):
    """An unlock code that does not open this laptop (or one typed too soon after many)."""


@dataclass(frozen=True)
class LeaseState:
    """Whether this laptop is past its lease, and what the lock screen says."""

    locked: bool
    lease_days: int | None
    """The lease's length; None when there is none."""
    days_since_contact: int
    """Whole days from the last contact to the largest time seen."""
    unlocked_until: dt.datetime | None = None
    """An unlock code holds the laptop open until then (None: no code in use)."""


NO_LEASE = LeaseState(False, None, 0)


def lock_message(state: LeaseState) -> str:
    """What the lock screen says, in plain words."""
    days = state.days_since_contact
    return (
        f"This laptop has not reached the council's server for {days} day"
        f"{'' if days == 1 else 's'}. Connect to sync, or ring IT for an unlock code."
    )


def start_lease(
    vault: Vault, lease_key: bytes | None, lease_days: int | None, now: dt.datetime
) -> None:
    """Keep the lease the gateway gave at enrolment; enrolling counts as a contact.

    A gateway that gives no key (one from before leases) leaves the laptop without a lease.
    """
    record = LeaseRecord(lease_key, lease_days, now, now, None, 0, None)
    with vault.transaction() as conn:
        lease_store.save_lease(conn, record)
        history.append_audit(conn, vault.profile.id, "sync.lease_start")


def note_contact(
    vault: Vault, gateway_now: dt.datetime, lease_days: int | None, now: dt.datetime
) -> LeaseState:
    """A successful contact: the lease starts again, counted from the earlier of both clocks.

    Counting from the earlier one means a laptop whose clock was set forward for the contact
    does not gain the difference when it is set back; the largest time seen starts again from
    the later one, so a clock put right after being far ahead does not stay locked.

    Args:
        vault: The unlocked profile.
        gateway_now: The gateway's time, from its answer.
        lease_days: The lease the gateway sets now (None: none).
        now: This laptop's clock.
    """
    with vault.transaction() as conn:
        record = lease_store.load_lease(conn)
        if record is None or record.lease_key is None:
            return NO_LEASE
        record = LeaseRecord(
            record.lease_key,
            lease_days,
            min(now, gateway_now),
            max(now, gateway_now),
            None,
            0,
            None,
        )
        lease_store.save_lease(conn, record)
    return _state(record, now)


def note_file_contact(
    vault: Vault, signed_at: dt.datetime, lease_days: int | None, now: dt.datetime
) -> LeaseState:
    """An inbound bundle's contact answer, used by file: as `note_receipt`, with the lease set.

    The lease length is the one the gateway set when it wrote the bundle; the last contact
    only ever moves forward, as for a receipt.

    Args:
        vault: The unlocked profile.
        signed_at: The gateway's time in the bundle (signed by the authority).
        lease_days: The lease the gateway sets now (None: none).
        now: This laptop's clock.
    """
    with vault.transaction() as conn:
        record = lease_store.load_lease(conn)
        if record is not None and record.lease_key is not None:
            lease_store.save_lease(conn, replace(record, lease_days=lease_days))
    return note_receipt(vault, signed_at, now)


def note_receipt(vault: Vault, signed_at: dt.datetime, now: dt.datetime) -> LeaseState:
    """A receipt from the gateway, used by file: a contact made by hand (issue 16 laptops).

    The receipt's time is signed by the authority, but a receipt can be used again later, so
    it only ever moves the last contact forward (to the earlier of its time and this
    laptop's clock) and never lowers the largest time seen: an old receipt, used again with
    the clock set back, changes nothing.

    Args:
        vault: The unlocked profile.
        signed_at: When the gateway wrote the receipt (its signed header).
        now: This laptop's clock.
    """
    with vault.transaction() as conn:
        record = lease_store.load_lease(conn)
        if record is None or record.lease_key is None:
            return NO_LEASE
        contact = min(now, signed_at)
        if record.last_contact_at is not None and contact <= record.last_contact_at:
            return _state(record, now)
        record = replace(
            record,
            last_contact_at=contact,
            highest_seen_at=max(_highest(record, now), signed_at),
            unlocked_until=None,
            wrong_codes=0,
            last_wrong_at=None,
        )
        lease_store.save_lease(conn, record)
    return _state(record, now)


def check_lease(vault: Vault, now: dt.datetime) -> LeaseState:
    """Whether the laptop is past its lease, noting `now` if it is the largest time seen.

    Runs after each unlock (on the vault's thread).
    """
    with vault.transaction() as conn:
        record = lease_store.load_lease(conn)
        if record is None or record.lease_key is None or record.lease_days is None:
            return NO_LEASE
        if record.highest_seen_at is None or now > record.highest_seen_at:
            record = replace(record, highest_seen_at=now)
            lease_store.save_lease(conn, record)
    return _state(record, now)


def enter_unlock_code(vault: Vault, typed: str, now: dt.datetime) -> LeaseState:
    """Open a laptop past its lease with IT's code for this laptop and today (or yesterday).

    The code opens it until the end of the day after the code's date (UTC), counted on the
    largest time seen; then it locks again unless it has synced.

    Raises:
        UnlockCodeError: Not a code, not this laptop's code for today, or typed too soon
            after `FREE_WRONG_CODES` wrong ones (the message says how long to wait).
    """
    from assessor_app.core.storage.enrolment import load_enrolment

    enrolled = load_enrolment(vault)
    with vault.transaction() as conn:
        record = lease_store.load_lease(conn)
        if record is None or record.lease_key is None or enrolled is None:
            raise UnlockCodeError(
                "This laptop has no lease, so it needs no unlock code.", "Unlock it as usual."
            )
        seen = _highest(record, now)
        if record.wrong_codes >= FREE_WRONG_CODES and record.last_wrong_at is not None:
            wait = record.last_wrong_at + CODE_LOCKOUT - seen
            if wait > dt.timedelta(0):
                minutes = max(1, round(wait.total_seconds() / 60))
                raise UnlockCodeError(
                    f"Too many wrong unlock codes have been typed. Try again in {minutes} "
                    f"minute{'' if minutes == 1 else 's'}.",
                    "Or connect to the network and sync, which opens the laptop at once.",
                )
        if normalise_code(typed) is None:
            raise UnlockCodeError(
                "That is not an unlock code: a code is 10 letters and digits, such as "
                "K7QWM-3XHTD (it has no 0, O, 1 or I).",
                "Type it again as IT read it out.",
            )
        day = code_date(record.lease_key, enrolled.device_id, typed, seen.date())
        if day is None:
            record = replace(
                record,
                highest_seen_at=seen,
                wrong_codes=record.wrong_codes + 1,
                last_wrong_at=seen,
            )
            lease_store.save_lease(conn, record)
            history.append_audit(conn, vault.profile.id, "sync.unlock_code_wrong")
            wrong = UnlockCodeError(
                "That code does not open this laptop today. A code works only on this laptop, "
                "on the day IT made it and the day after.",
                "Check it with IT, who can read it again.",
            )
        else:
            until = dt.datetime.combine(
                day + dt.timedelta(days=VALID_DAYS_AFTER + 1), dt.time(), dt.UTC
            )
            record = replace(
                record,
                highest_seen_at=seen,
                unlocked_until=until,
                wrong_codes=0,
                last_wrong_at=None,
            )
            lease_store.save_lease(conn, record)
            history.append_audit(conn, vault.profile.id, "sync.unlock_code")
            wrong = None
    if wrong is not None:
        raise wrong
    return _state(record, now)


def _highest(record: LeaseRecord, now: dt.datetime) -> dt.datetime:
    """The largest time seen: `now`, unless the clock has shown a later one."""
    if record.highest_seen_at is None:
        return now
    return max(now, record.highest_seen_at)


def _state(record: LeaseRecord, now: dt.datetime) -> LeaseState:
    if record.lease_key is None or record.lease_days is None:
        return NO_LEASE
    seen = _highest(record, now)
    since = seen - record.last_contact_at if record.last_contact_at is not None else None
    days = max(0, since.days) if since is not None else 0
    past = since is not None and since > dt.timedelta(days=record.lease_days)
    opened = record.unlocked_until is not None and seen < record.unlocked_until
    return LeaseState(
        past and not opened,
        record.lease_days,
        days,
        record.unlocked_until if opened else None,
    )
