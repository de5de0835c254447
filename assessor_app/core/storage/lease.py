"""The lease this laptop holds from the gateway, and the clock readings it is measured by.

Schema 15: one row (`sync_lease`) holding the lease key and length the gateway gave at
enrolment, the last successful contact, the largest time this laptop's clock has shown, until
when an unlock code opened it, and the wrong codes typed in a row. Only SQL lives here; what
it means (locked or not, whether a code opens it) is `sync_client.lease`. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assessor_app.core.storage.database import Connection

__all__ = ["LeaseRecord", "load_lease", "save_lease"]


@dataclass(frozen=True)
class LeaseRecord:
    """What the vault holds of the lease (all times aware, UTC)."""

    lease_key: bytes | None = field(repr=False)
    """The key unlock codes are checked by; None for a laptop enrolled before leases."""
    lease_days: int | None
    """Days without contact before the laptop locks; None: the gateway sets no lease."""
    last_contact_at: dt.datetime | None
    """The last successful contact (never later than the gateway's clock said it was)."""
    highest_seen_at: dt.datetime | None
    """The largest time this laptop's clock has shown since that contact (decision 0009)."""
    unlocked_until: dt.datetime | None
    """An unlock code opened the laptop until then (by `highest_seen_at`)."""
    wrong_codes: int
    """Wrong unlock codes typed in a row."""
    last_wrong_at: dt.datetime | None
    """When the last wrong one was typed (by the largest time seen)."""


def _time(value: object) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(str(value))


def _text(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def load_lease(conn: Connection) -> LeaseRecord | None:
    """The lease row, or None when there is none (never enrolled, or enrolled before leases)."""
    row = conn.execute(
        "SELECT lease_key, lease_days, last_contact_at, highest_seen_at, unlocked_until, "
        "wrong_codes, last_wrong_at FROM sync_lease WHERE one = 1"
    ).fetchone()
    if row is None:
        return None
    return LeaseRecord(
        None if row[0] is None else bytes(row[0]),
        None if row[1] is None else int(row[1]),
        _time(row[2]),
        _time(row[3]),
        _time(row[4]),
        int(row[5]),
        _time(row[6]),
    )


def save_lease(conn: Connection, record: LeaseRecord) -> None:
    """Keep the lease row as `record` says, inside the caller's transaction."""
    conn.execute(
        "INSERT INTO sync_lease (one, lease_key, lease_days, last_contact_at, highest_seen_at, "
        "unlocked_until, wrong_codes, last_wrong_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (one) DO UPDATE SET lease_key = excluded.lease_key, "
        "lease_days = excluded.lease_days, last_contact_at = excluded.last_contact_at, "
        "highest_seen_at = excluded.highest_seen_at, unlocked_until = excluded.unlocked_until, "
        "wrong_codes = excluded.wrong_codes, last_wrong_at = excluded.last_wrong_at",
        (
            record.lease_key,
            record.lease_days,
            _text(record.last_contact_at),
            _text(record.highest_seen_at),
            _text(record.unlocked_until),
            record.wrong_codes,
            _text(record.last_wrong_at),
        ),
    )
