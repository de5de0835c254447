"""`python -m bench [--quick]`: run every benchmark and print one plain-text report.

--quick uses a tenth of the caseload and fewer repetitions (about a minute once cached);
the full run builds 20,000 people and 200,000 revisions the first time (cached afterwards).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller caseload, fewer runs")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached caseload")
    parser.add_argument(
        "--only",
        choices=[
            "autosave",
            "checkpoint",
            "caseload",
            "coldstart",
            "pdf",
            "sync",
            "ingest",
            "bulk",
        ],
        action="append",
        help="run only these (repeatable)",
    )
    args = parser.parse_args(argv)
    only = set(
        args.only
        or ["autosave", "checkpoint", "caseload", "coldstart", "pdf", "sync", "ingest", "bulk"]
    )

    from bench import autosave, bulk, caseload, checkpoint, coldstart, ingest, pdf, sync

    quick = args.quick
    started = time.perf_counter()
    print("Assessor benchmarks" + (" (--quick)" if quick else ""))
    print(
        f"  {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; ratios are against floors measured in this same run"
    )
    print()
    if "autosave" in only:
        result = autosave.run(400 if quick else 2000)
        print("\n".join(result.lines()), end="\n\n", flush=True)
    if "checkpoint" in only:
        kept = checkpoint.run(100 if quick else 400)
        print("\n".join(kept.lines()), end="\n\n", flush=True)
    if "caseload" in only:
        people, revisions = (2_000, 20_000) if quick else (20_000, 200_000)
        cres = caseload.run(
            people,
            revisions,
            time_box=120 if quick else 1200,
            verify=not quick,
            rebuild=args.rebuild,
        )
        print("\n".join(cres.lines()), end="\n\n", flush=True)
    if "coldstart" in only:
        cold = coldstart.run(3 if quick else 5)
        print("\n".join(cold.lines()), end="\n\n", flush=True)
    if "pdf" in only:
        signed = pdf.run(5 if quick else 15)
        print("\n".join(signed.lines()), end="\n\n", flush=True)
    if "sync" in only:
        pushed = sync.run(200 if quick else 1000)
        print("\n".join(pushed.lines()), end="\n\n", flush=True)
    if "ingest" in only:
        print("\n".join(ingest.run(os.environ.get("ASSESSOR_BENCH_POSTGRES"))), end="\n\n")
    if "bulk" in only:
        people, revisions = (2_000, 20_000) if quick else (20_000, 200_000)
        seeded = bulk.run(people, revisions, 1 if quick else 3)
        print("\n".join(seeded.lines()), end="\n\n", flush=True)
    print(f"Total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
