"""What a user waits for at a large caseload, measured in a fresh process each time.

`python -m bench.caseload_ui app|floor DATA_DIR PROFILE_ID` prints one JSON object:

- app: the real window (`build_main_window`, as `run_gui` builds it) on its unlock screen;
  the passphrase is submitted and the clock runs until the caseload list has painted its first
  page of people, then one search keystroke until its results are painted, then until the
  alerts ("Needs attention") are shown; the same again on a return to the caseload from a
  person's page. Then ten DST editors are opened (until `loaded`) and closed, one after the
  other, with the resident memory after each close. The KDF (what `KeySlots.unlock` takes with
  this vault's parameters) is timed on its own first and reported separately.
- floor: sqlcipher3 with the same key reading the same first page (the same query), and a bare
  QMainWindow with a QTreeWidget of those rows, shown and painted; its peak memory.

Each runs in its own process so the peak resident memory (VmHWM) is that of one app.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "bench lantern orchard"
FIRST_PAGE_SQL = (
    "SELECT id, body, updated_at FROM person "
    "ORDER BY family_name COLLATE NOCASE, given_name COLLATE NOCASE LIMIT 100"
)
EDITORS = 10
KEYSTROKE = "m"


def memory() -> dict[str, float]:
    """Peak and current resident memory of this process, in MiB."""
    found: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            found[name] = int(value.split()[0]) / 1024
    return found


def _wait(app: Any, done: Any, timeout: float = 120.0) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the app did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def _painted(app: Any, widget: Any) -> None:
    """Deliver pending events and paint `widget` now (what the user would see next)."""
    app.processEvents()
    widget.repaint()


def _kdf_seconds(folder: Path) -> float:
    from assessor_app.core.storage.keyslots import KeySlots

    slots = KeySlots.load(folder / "keyslots.json")
    start = time.perf_counter()
    slots.unlock(PASSPHRASE)
    return time.perf_counter() - start


def probe_app(data_dir: Path, profile_id: str) -> dict[str, Any]:
    """Unlock to a usable caseload, alerts, a return to the caseload, ten DST editors."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from assessor_app.core.paths import default_forms_dir
    from assessor_app.core.storage.profiles import profiles_dir

    from assessor_app.ui.app import FormsLoader, open_window, start_background_loading
    from assessor_app.ui.views import caseload as caseload_module
    from assessor_app.ui.views.unlock import UnlockView

    app = QApplication.instance() or QApplication([])
    marks: dict[str, float] = {}
    clock = time.perf_counter
    view_cls = caseload_module.CaseloadView
    shown_results = view_cls._show_results
    shown_alerts = view_cls._show_alerts

    def results(self: Any, query: str, people: list[Any]) -> None:
        shown_results(self, query, people)
        _painted(app, self.results)
        marks.setdefault(f"results:{query}", clock())

    def alerts(self: Any, found: Any) -> None:
        shown_alerts(self, found)
        if found is None:
            return  # before issue 13 the view had no such case: still current, nothing shown
        _painted(app, self.results)
        marks[f"alerts:{len(marks)}"] = clock()

    view_cls._show_results = results  # type: ignore[method-assign]
    view_cls._show_alerts = alerts  # type: ignore[method-assign]
    kdf = _kdf_seconds(profiles_dir(data_dir) / profile_id)
    # As `run_gui` builds it, and as a user meets it: the passphrase typed, then Enter.
    forms = FormsLoader(default_forms_dir(), app)
    window = open_window(app, data_dir=data_dir, forms=forms, demo=False, idle_minutes=30)
    window.show()
    start_background_loading(window, forms)  # as run_gui does, once the window is up
    _wait(app, lambda: isinstance(window.stack.currentWidget(), UnlockView))
    unlock = window.stack.currentWidget()
    assert isinstance(unlock, UnlockView)
    QTest.keyClicks(unlock.passphrase, PASSPHRASE)
    _wait(app, lambda: window.ops.pending == 0)  # what loads while it is typed has loaded
    _painted(app, window)
    start = clock()
    QTest.keyClick(unlock.passphrase, Qt.Key.Key_Return)
    _wait(app, lambda: "results:" in marks)
    first_page = marks["results:"] - start
    caseload = window.caseload
    assert caseload is not None
    shown = caseload.results.topLevelItemCount()
    typed = clock()
    caseload.search.setText(KEYSTROKE)  # textChanged, as a keystroke would
    _wait(app, lambda: f"results:{KEYSTROKE}" in marks)
    keystroke = marks[f"results:{KEYSTROKE}"] - typed
    _wait(app, lambda: any(k.startswith("alerts:") for k in marks) and window.ops.pending == 0)
    alerts_at = min(v for k, v in marks.items() if k.startswith("alerts:"))
    flagged = len(caseload.alerts)
    at_caseload = memory()

    # Back from a person's page: the list again, and whether the alerts are worked out again.
    marks.clear()
    vault = window.vault
    assert vault is not None
    person_id, dst_ids = _dst_records(window)
    window.show_person(person_id)
    _wait(app, lambda: window.ops.pending == 0)
    back = clock()
    window.show_caseload()
    _wait(app, lambda: window.ops.pending == 0)
    back_results = marks.get(f"results:{KEYSTROKE}", clock()) - back
    back_alerts = [v - back for k, v in marks.items() if k.startswith("alerts:")]

    # Ten DST editors, opened until loaded and closed (back to the caseload), one by one.
    after_close: list[float] = []
    loads: list[str] = []
    for record_id in dst_ids[:EDITORS]:
        window.show_record(record_id)
        editor = window.editor
        assert editor is not None
        editor.loaded.connect(lambda: loads.append("loaded"))
        del editor  # the bench must not keep it alive
        _wait(app, lambda: len(loads) == len(after_close) + 1 and window.ops.pending == 0)
        window.show_caseload()
        _wait(app, lambda: window.ops.pending == 0)
        _flush_deletes(app)
        after_close.append(memory()["VmRSS"])
    at_end = memory()
    window.close()
    return {
        "kdf": kdf,
        "first_page": first_page,
        "first_page_less_kdf": first_page - kdf,
        "rows": shown,
        "keystroke": keystroke,
        "alerts": alerts_at - start,
        "flagged": flagged,
        "back_results": back_results,
        "back_alerts": back_alerts,
        "rss_caseload": at_caseload["VmRSS"],
        "hwm_caseload": at_caseload["VmHWM"],
        "rss_after_editors": after_close,
        "hwm_end": at_end["VmHWM"],
        "editors": len(after_close),
    }


def _flush_deletes(app: Any) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    for _ in range(3):
        app.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    gc.collect()


def _dst_records(window: Any) -> tuple[str, list[str]]:
    """A person to visit and the DST records to open (read on the worker, as the UI does)."""
    found: list[Any] = []

    def read() -> Any:
        conn = window.vault.conn
        person = conn.execute("SELECT id FROM person LIMIT 1").fetchone()[0]
        ids = [r[0] for r in conn.execute("SELECT id FROM assessment WHERE form_id = 'chc_dst'")]
        return person, ids[: EDITORS * 7 : 7]

    window.ops.run(read, on_success=found.append)
    from PySide6.QtWidgets import QApplication

    _wait(QApplication.instance(), lambda: bool(found))
    person, ids = found[0]
    return str(person), [str(i) for i in ids]


def probe_floor(data_dir: Path, profile_id: str) -> dict[str, Any]:
    """Plain sqlcipher3 with the same key reading the first page; a bare tree showing it."""
    import sqlcipher3

    from PySide6.QtWidgets import QApplication, QMainWindow, QTreeWidget, QTreeWidgetItem

    from assessor_app.core.storage.keyslots import KeySlots
    from assessor_app.core.storage.profiles import profiles_dir

    folder = profiles_dir(data_dir) / profile_id
    app = QApplication.instance() or QApplication([])
    start = time.perf_counter()
    key = KeySlots.load(folder / "keyslots.json").unlock(PASSPHRASE)[0]
    kdf = time.perf_counter() - start
    conn = sqlcipher3.connect(str(folder / "vault.db"), isolation_level=None)
    conn.executescript(f"PRAGMA key = \"x'{key.hex()}'\";")
    rows = [
        (r[0], json.loads(r[1]), r[2]) for r in conn.execute(FIRST_PAGE_SQL)
    ]  # the same rows, decoded
    window = QMainWindow()
    tree = QTreeWidget()
    tree.setColumnCount(5)
    tree.setHeaderLabels(["Name", "Date of birth", "NHS number", "Setting", "Needs attention"])
    for _id, body, _at in rows:
        name = f"{body.get('family_name', '')}, {body.get('given_name', '')}"
        tree.addTopLevelItem(
            QTreeWidgetItem(
                [name, str(body.get("date_of_birth")), str(body.get("nhs_number")), "", ""]
            )
        )
    window.setCentralWidget(tree)
    window.resize(1152, 720)
    window.show()
    _painted(app, tree)
    elapsed = time.perf_counter() - start
    mem = memory()
    conn.close()
    return {
        "kdf": kdf,
        "first_page": elapsed,
        "first_page_less_kdf": elapsed - kdf,
        "rows": len(rows),
        "rss": mem["VmRSS"],
        "hwm": mem["VmHWM"],
    }


def main(argv: list[str]) -> int:
    what, data_dir, profile_id = argv
    probe = probe_app if what == "app" else probe_floor
    print(json.dumps(probe(Path(data_dir), profile_id)))
    sys.stdout.flush()
    os._exit(0)  # the window is closed; skip interpreter teardown


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
