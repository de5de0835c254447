"""`python -m bench [--quick]`: run every benchmark and print one plain-text report.

--quick uses a tenth of the caseload and fewer repetitions (about a minute once cached);
the full run builds 20,000 people and 200,000 revisions the first time (cached afterwards).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import Row, table

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


NAMES = [
    "autosave",
    "checkpoint",
    "caseload",
    "coldstart",
    "editor",
    "pdf",
    "sync",
    "pull",
    "ingest",
    "bulk",
    "todo",
]
"""Every benchmark, in the order a full run takes them."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller caseload, fewer runs")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached caseload")
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="also put the summary table, dated, with the commit, in docs/benchmarks.md",
    )
    parser.add_argument(
        "--only",
        choices=NAMES,
        action="append",
        help="run only these (repeatable)",
    )
    args = parser.parse_args(argv)
    only = set(args.only or NAMES)

    from bench import (
        autosave,
        bulk,
        caseload,
        checkpoint,
        coldstart,
        editor,
        ingest,
        pdf,
        pull,
        sync,
        todo,
    )

    quick = args.quick
    started = time.perf_counter()
    summary: list[Row] = []

    def show(result: Any) -> None:
        """Print a benchmark's own lines now, and keep its rows for the table at the end."""
        print("\n".join(result.lines()), end="\n\n", flush=True)
        summary.extend(result.summary() if hasattr(result, "summary") else [])

    print("Assessor benchmarks" + (" (--quick)" if quick else ""))
    print(
        f"  {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; ratios are against floors measured in this same run"
    )
    print()
    if "autosave" in only:
        result = autosave.run(400 if quick else 2000)
        show(result)
    if "checkpoint" in only:
        kept = checkpoint.run(100 if quick else 400)
        show(kept)
    if "caseload" in only:
        people, revisions = (2_000, 20_000) if quick else (20_000, 200_000)
        cres = caseload.run(
            people,
            revisions,
            time_box=120 if quick else 1200,
            verify=not quick,
            rebuild=args.rebuild,
            ui_runs=2 if quick else 3,
        )
        show(cres)
    if "coldstart" in only:
        cold = coldstart.run(3 if quick else 5)
        show(cold)
    if "editor" in only:
        opened = editor.run(10 if quick else 30)
        show(opened)
    if "pdf" in only:
        signed = pdf.run(5 if quick else 15)
        show(signed)
    if "sync" in only:
        pushed = sync.run(200 if quick else 1000)
        show(pushed)
    if "pull" in only:
        show(pull.run(50 if quick else 200))
    if "ingest" in only:
        print("\n".join(ingest.run(os.environ.get("ASSESSOR_BENCH_POSTGRES"))), end="\n\n")
    if "bulk" in only:
        people, revisions = (2_000, 20_000) if quick else (20_000, 200_000)
        show(bulk.run(people, revisions, 1 if quick else 3))
    if "todo" in only:
        people, revisions = (2_000, 20_000) if quick else (20_000, 200_000)
        show(todo.run(people, revisions))
    stamp = _stamp(quick)
    print(f"Summary ({stamp})")
    print("\n".join(table(summary)))
    print(f"\nTotal {time.perf_counter() - started:.0f} s")
    if args.write_docs:
        _write_docs(stamp, summary)
        print(f"Written to {DOCS.relative_to(DOCS.parents[1])}")
    return 0


DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
START, END = "<!-- latest-run: written by python -m bench --write-docs -->", "<!-- /latest-run -->"


def _stamp(quick: bool) -> str:
    """The date, the commit measured (marked when the tree has changes) and the machine."""
    root = DOCS.parents[1]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        commit, dirty = "unknown", ""
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        f"{when}, commit {commit or 'unknown'}{' with local changes' if dirty else ''}, "
        f"{os.cpu_count()} CPUs{', --quick' if quick else ''}"
    )


def _write_docs(stamp: str, rows: list[Row]) -> None:
    """Put the summary table in docs/benchmarks.md between its markers (else at the top)."""
    text = DOCS.read_text(encoding="utf-8")
    block = "\n".join([START, f"Latest run: {stamp}.", "", *table(rows), END])
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        title, _, body = text.partition("\n")
        text = f"{title}\n\n{block}\n{body}"
    DOCS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
