"""Unlocking reads no whole table: what it asks of the audit log, the records and their history
is answered from an index, so the time from the passphrase to the caseload does not grow with
the years of saves a laptop holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessor_app.core.storage import database
from assessor_app.core.storage.vault import Vault
from tests.conftest import PASSPHRASE


def test_unlock_scans_no_table(
    vault: Vault, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile_id = vault.profile.id
    vault.close()
    seen: list[str] = []
    opened: list[database.Connection] = []
    connect = database.connect

    def traced(*args: object, **kwargs: object) -> database.Connection:
        conn = connect(*args, **kwargs)  # type: ignore[arg-type]
        conn.set_trace_callback(seen.append)
        opened.append(conn)
        return conn

    monkeypatch.setattr(database, "connect", traced)
    reopened = Vault.open(data_dir, profile_id, PASSPHRASE)
    try:
        conn = reopened.conn
        conn.set_trace_callback(None)
        queries = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
        assert any("FROM audit WHERE action" in q for q in queries)  # the check is there
        scans = []
        for query in queries:
            plan = [str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {query}")]
            scans += [(query, step) for step in plan if step.startswith("SCAN ")]
        # Fine: SQLCipher's key check (sqlite_master), the one-row profile table, and the
        # newest entry by row number (one page). Anything else reads a whole table.
        allowed = [
            s
            for s in scans
            if "sqlite_master" in s[1]
            or s[1] == "SCAN profile"
            or (" WHERE " not in s[0] and s[0].endswith("ORDER BY seq DESC LIMIT 1"))
        ]
        assert scans == allowed, "\n".join(map(str, scans))
    finally:
        reopened.close()
