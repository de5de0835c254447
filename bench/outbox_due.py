"""Choosing the next batch to send with a large queue: what holds the vault's worker.

`python -m bench.outbox_due [--queued N]`: a SQLCipher vault whose outbox holds N waiting
revisions (200,000 by default: a seeded caseload of 20,000 people, 10 revisions each), then
`outbox.due(limit=500)` (the sync's next batch) and `outbox.summary` (the status line), five
times each, and the same with every row waiting for a retry later (after a failed sync). While
either runs, the vault's one worker, and every save behind it, waits.

Floor: the same vault's connection reading 500 rows of the outbox by its primary key (what a
batch must read at least). Ratio = app / floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from assessor_app.core.storage import outbox
from bench.common import median, new_vault


def _timed(call: object, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.outbox_due")
    parser.add_argument("--queued", type=int, default=200_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        vault = new_vault(Path(folder))
        rows = [
            (f"{n:064x}", "assessment", f"r{n // 10:015d}", n % 10 + 1, f"2026-12-01T{n:012d}")
            for n in range(args.queued)
        ]
        with vault.transaction() as conn:
            conn.executemany(
                "INSERT INTO outbox (revision_hash, entity_type, entity_id, seq, queued_at) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        now = dt.datetime.now(dt.UTC)
        conn = vault.conn
        floor = _timed(
            lambda: conn.execute(
                "SELECT revision_hash, state FROM outbox WHERE revision_hash >= ? "
                "ORDER BY revision_hash LIMIT 500",
                (f"{args.queued // 2:064x}",),
            ).fetchall()
        )
        due = _timed(lambda: outbox.due(conn, now, limit=500))
        summary = _timed(lambda: outbox.summary(conn))
        with vault.transaction() as c:
            c.execute("UPDATE outbox SET state = 'retrying', next_attempt_at = '2099-01-01'")
        waiting = _timed(lambda: outbox.due(conn, now, limit=500))
        vault.close()
    print(f"{args.queued:,} revisions queued (SQLCipher vault), median of 5:")
    print(f"  floor: 500 outbox rows by key          {floor * 1000:8.2f} ms")
    print(f"  outbox.due, next batch of 500          {due * 1000:8.2f} ms  ({due / floor:.1f}x)")
    print(f"  outbox.due, all waiting for a retry    {waiting * 1000:8.2f} ms")
    print(f"  outbox.summary (the status line)       {summary * 1000:8.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
