"""People moved off this laptop's caseload at the gateway, kept while their work is unsent.

Written by the sync client's pull (`sync_client.pull`, schema 14); read here by the caseload
list, which shows them as moving, without loading the sync code. Imports no Qt.
"""

from __future__ import annotations

from assessor_app.core.storage.database import Connection

__all__ = ["leaving"]


def leaving(conn: Connection) -> set[str]:
    """The people shown as moving: off this caseload, kept while their work is unsent."""
    return {str(r[0]) for r in conn.execute("SELECT person_id FROM caseload_leaving")}
