"""The unlock probe (`bench.caseload_ui`) still runs against the app as it is.

It drives the real window from outside (its views' private methods, `open_window`), so a change
to the app can break it silently: after one merge it called `open_window` the old way and only
a full benchmark run, half an hour in, showed it. This runs both probes once, on a small
caseload, and checks each gave the figures the benchmark reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.caseload import build, with_chc_records

ROOT = Path(__file__).resolve().parents[2]


def _probe(what: str, folder: Path, profile_id: str) -> dict[str, object]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.caseload_ui", what, str(folder), profile_id],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(result, dict)
    return result


def test_the_unlock_probe_and_its_floor_run_and_report_what_the_benchmark_reads(
    tmp_path: Path,
) -> None:
    info = build(tmp_path / "caseload", people=120, revisions=600, time_box=60)
    folder = with_chc_records(tmp_path / "caseload", info)
    app = _probe("app", folder, info.profile_id)
    floor = _probe("floor", folder, info.profile_id)
    # The first page of 100 people, searched, and the alerts; DST editors opened and closed.
    assert app["rows"] == floor["rows"] == 100
    for key in ("first_page_less_kdf", "keystroke", "alerts", "back_results", "hwm_end"):
        assert isinstance(app[key], (int, float)) and app[key] > 0, (key, app)
    assert app["flagged"], "the synthetic caseload's CHC work raised no alert"
    assert isinstance(app["editors"], int) and app["editors"] >= 1  # as many as the DSTs allow
    # Every figure is a time or a size measured, never a placeholder.
    for figures in (app, floor):
        numbers = [v for v in figures.values() if isinstance(v, (int, float))]
        assert numbers and all(v >= 0 for v in numbers), figures
