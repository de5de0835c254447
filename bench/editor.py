"""Record open, measured at the screen: from `MainWindow.show_record` (the user's click on a
record) until the editor is built, shown and has painted its page once.

Each real form gets one draft with realistic answers (the demo's, fitted to the person, as
`core.demo` writes them), plus a Decision Support Tool with 6 MDT contributions (about 46 KB
of answers). They open in the real `MainWindow` on the offscreen platform, unlocked (so the
idle watcher runs, as it does for a user), from the person page, one after another; the
first open of each is a warm-up; the large DST is also opened at its contributions page
(row "chc_dst+6 contributions"). Floor: a bare QMainWindow given a scroll area with one
QLabel and one QLineEdit for every question the form holds (group items included), built,
shown and painted once, timed the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import PASSPHRASE, Row, ms, new_vault, percentile

DST_MEMBERS = 6
EVIDENCE = (
    "Observed over three visits and confirmed with the care home's records and the district "
    "nurse's notes: needs support from two carers at every transfer, with a hoist; skin "
    "checked at each change of position; the plan is reviewed weekly by the nurse in charge "
    "and the family are kept informed. Risk is known and managed, but it changes from day to "
    "day and needs skilled monitoring. "
)


@dataclass(frozen=True)
class EditorOpen:
    """Seconds per open for one record, and for its floor."""

    name: str
    questions: int
    answers_kb: float
    app: list[float]
    floor: list[float]


@dataclass(frozen=True)
class EditorResult:
    """Every record's opens."""

    rows: list[EditorOpen]
    keystroke: list[float]
    """A key typed into the large DST's recommendation rationale, until it is painted."""
    keystroke_floor: list[float]
    """The same key into a bare QPlainTextEdit."""

    def summary(self) -> list[Row]:
        out = []
        for row in self.rows:
            p95, floor = percentile(row.app, 95), percentile(row.floor, 95)
            out.append(
                Row(
                    f"open a record to its editor painted, p95: {row.name}",
                    "p95 < 100 ms",
                    f"{ms(floor)} bare window, same questions",
                    ms(p95),
                    p95 / floor,
                    p95 < 0.100,
                )
            )
        return out

    def lines(self) -> list[str]:
        runs = len(self.rows[0].app) if self.rows else 0
        out = [
            f"Record open to editor painted ({runs} runs each, offscreen; floor: bare "
            "QMainWindow with a QLabel + QLineEdit per question)",
            f"  {'record':<34} {'questions':>9} {'p50':>10} {'p95':>10} {'floor p50':>10} "
            f"{'ratio':>6}",
        ]
        for row in self.rows:
            p50, p95, floor = (
                percentile(row.app, 50),
                percentile(row.app, 95),
                percentile(row.floor, 50),
            )
            label = f"{row.name} ({row.answers_kb:.0f} KB)"
            out.append(
                f"  {label:<34} {row.questions:>9} {ms(p50):>10} {ms(p95):>10} {ms(floor):>10} "
                f"{p50 / floor:>5.1f}x"
            )
        out.append("  target: p95 < 100 ms")
        if self.keystroke:
            app, floor = self.keystroke, self.keystroke_floor
            out.append(
                f"  keystroke in the {DST_MEMBERS}-contribution DST ({len(app)} keys): "
                f"p50 {ms(percentile(app, 50))}, p95 {ms(percentile(app, 95))}; bare "
                f"QPlainTextEdit p50 {ms(percentile(floor, 50))}; ratio "
                f"{percentile(app, 50) / percentile(floor, 50):.1f}x"
            )
        return out


def _contributions(count: int) -> list[dict[str, Any]]:
    from assessor_app.core.form_engine.definition import load_forms_dir
    from assessor_app.core.paths import default_forms_dir

    group = load_forms_dir(default_forms_dir()).latest("chc_dst").field("contributions")
    professions = [o.value for o in group.fields[2].choices()]
    items = []
    for n in range(count):
        item: dict[str, Any] = {
            "contribution_id": f"c0ffee{n:02d}",
            "contributor_name": f"Member {n + 1} Example",
            "contributor_profession": professions[n % len(professions)],
            "contributor_organisation": "Exampleshire ICB",
            "contributed_on": "2026-11-12",
            "revision": 1,
        }
        for nested in group.fields:
            if nested.id.endswith("_level"):
                item[nested.id] = nested.choices()[(n + 1) % len(nested.choices())].value
            elif nested.id.endswith("_evidence"):
                item[nested.id] = EVIDENCE + EVIDENCE[:160]
        items.append(item)
    return items


def _floor_once(app: Any, questions: int, wait: Callable[..., None]) -> float:
    from PySide6.QtWidgets import QLabel, QLineEdit, QMainWindow, QScrollArea, QVBoxLayout, QWidget

    start = time.perf_counter()
    window = QMainWindow()
    page = QWidget()
    column = QVBoxLayout(page)
    for i in range(questions):
        column.addWidget(QLabel(f"Question {i + 1}"))
        column.addWidget(QLineEdit())
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(page)
    window.setCentralWidget(scroll)
    window.resize(1280, 800)
    window.show()
    wait(page)
    elapsed = time.perf_counter() - start
    window.close()
    window.deleteLater()
    del app
    return elapsed


def _question_count(form: Any, answers: dict[str, Any]) -> int:
    from assessor_app.core.form_engine.model import FieldType

    count = 0
    for field in form.top_fields():
        count += 1
        if field.type is FieldType.REPEATING_GROUP:
            count += len(field.fields) * len(answers.get(field.id) or [])
    return count


def run(runs: int) -> EditorResult:
    """Open every real form's record (and a large DST) `runs` times each, after a warm-up."""
    from PySide6.QtCore import (
        QEvent,
        QEventLoop,
        QObject,
        Qt,
        QTimer,
        QtMsgType,
        qInstallMessageHandler,
    )
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import (
        QAbstractScrollArea,
        QApplication,
        QPlainTextEdit,
        QScrollArea,
        QWidget,
    )

    from assessor_app.core.demo import answers_for, synthetic_people
    from assessor_app.core.form_engine.answers import visible_answers
    from assessor_app.core.form_engine.definition import load_forms_dir
    from assessor_app.core.form_engine.prefill import prefill_answers
    from assessor_app.core.paths import default_forms_dir
    from assessor_app.core.records import Setting
    from assessor_app.core.services.session import Session
    from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
    from assessor_app.core.storage.profiles import list_profiles
    from assessor_app.core.storage.vault import Vault

    from assessor_app.ui.app import build_main_window

    def quiet(mode: QtMsgType, context: object, message: str) -> None:
        del mode, context
        # The offscreen platform says this for every window shown: noise in a report.
        if "propagateSizeHints" not in message:
            sys.stderr.write(message + "\n")

    qInstallMessageHandler(quiet)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    registry = load_forms_dir(default_forms_dir())
    today = dt.date(2026, 12, 1)

    class Painted(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.seen = False
            self.loop = QEventLoop()

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            del watched
            if event.type() == QEvent.Type.Paint and not self.seen:
                self.seen = True
                QTimer.singleShot(0, self.loop.quit)
            return False

    def wait_painted(widget: QWidget, action: Callable[[], None] | None = None) -> None:
        """Wait for `widget`'s next paint (after `action`, which may itself paint it)."""
        painted = Painted()
        widget.installEventFilter(painted)
        if action is not None:
            action()
        QTimer.singleShot(10_000, painted.loop.quit)
        if not painted.seen:
            painted.loop.exec()
        widget.removeEventFilter(painted)
        if not painted.seen:
            raise RuntimeError("the page was never painted")

    with tempfile.TemporaryDirectory(prefix="assessor-bench-") as tmp:
        data_dir = Path(tmp)
        vault = new_vault(data_dir)
        session = Session(vault, registry, lambda: today)
        details = next(
            d for d in synthetic_people(40, seed=7, today=today) if d.setting is Setting.OWN_HOME
        )
        person = session.people.add(details, today=today)
        records: list[tuple[str, str, int, float]] = []
        real = [
            "needs_assessment",
            "carers_assessment",
            "financial_assessment",
            "chc_checklist",
            "chc_dst",
            "chc_fast_track",
        ]
        for form_id in [*real, "chc_dst+6"]:
            form = registry.latest(form_id.split("+")[0])
            canned = answers_for(form, person.details) or {}
            if form_id == "chc_dst+6":
                canned = canned | {"contributions": _contributions(DST_MEMBERS)}
            answers = visible_answers(form, canned | prefill_answers(form, person, today=today))
            record = session.records.create(person.id, form.id, form.version, answers)
            size = len(json.dumps(answers).encode()) / 1024
            records.append((form_id, record.id, _question_count(form, answers), size))
        # The large DST opened at its contributions (a page of 6 x 31 nested questions).
        records.append(("chc_dst+6 contributions", *records[-1][1:]))
        vault.close()

        window = build_main_window(
            app, data_dir=data_dir, registry=registry, kdf=FAST_KDF_FOR_TESTS, today=lambda: today
        )
        window.resize(1280, 800)
        window.show()
        [profile] = list_profiles(data_dir)
        window.open_vault(Vault.open(data_dir, profile.id, PASSPHRASE))

        def drain() -> None:
            while window.ops.pending:
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            app.processEvents()

        drain()
        window.show_person(person.id)
        drain()

        def open_once(record_id: str, focus: str | None = None) -> float:
            start = time.perf_counter()
            window.show_record(record_id, focus_path=focus)
            editor = window.editor
            assert editor is not None
            loop = QEventLoop()
            editor.loaded.connect(loop.quit)
            QTimer.singleShot(10_000, loop.quit)
            if editor.defn is None:
                loop.exec()
            page = editor.pages.currentWidget()
            assert page is not None and editor.defn is not None
            # The section's own widget, inside its scroll area (a viewport paints nothing).
            target = page.widget() if isinstance(page, QScrollArea) else page
            assert target is not None
            wait_painted(target)
            elapsed = time.perf_counter() - start
            window.go_back()
            drain()
            return elapsed

        def floor_once(questions: int) -> float:
            return _floor_once(app, questions, wait_painted)

        def key_once(target: QWidget) -> float:
            handle = target.window().windowHandle()
            assert handle is not None
            paints = target.viewport() if isinstance(target, QAbstractScrollArea) else target
            start = time.perf_counter()
            # Through the window, as the system delivers a key (the idle lock sees it too).
            wait_painted(paints, lambda: QTest.keyClick(handle, Qt.Key.Key_A))
            return time.perf_counter() - start

        def keystrokes(record_id: str) -> tuple[list[float], list[float]]:
            window.show_record(record_id, focus_path="recommendation_rationale")
            drain()
            window.activateWindow()
            drain()
            target = QApplication.focusWidget()
            assert target is not None, "the rationale did not take the focus"
            bare = QPlainTextEdit()
            bare.resize(600, 200)
            bare.show()
            bare.activateWindow()
            drain()
            app_times, floor_times = [], []
            for _ in range(runs * 2 + 2):
                window.activateWindow()
                target.setFocus()
                drain()
                app_times.append(key_once(target))
                bare.activateWindow()
                bare.setFocus()
                drain()
                floor_times.append(key_once(bare))
            bare.close()
            window.go_back()
            drain()
            return app_times[2:], floor_times[2:]

        rows = []
        for name, record_id, questions, size in records:
            focus = "contributions" if name.endswith(" contributions") else None
            open_once(record_id, focus)
            floor_once(questions)
            app_times, floor_times = [], []
            for _ in range(runs):
                app_times.append(open_once(record_id, focus))
                floor_times.append(floor_once(questions))
            rows.append(EditorOpen(name, questions, size, app_times, floor_times))
        keyed, key_floor = keystrokes(records[-2][1])
        window.close()
        drain()
    return EditorResult(rows, keyed, key_floor)


if __name__ == "__main__":
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    print("\n".join(run(10).lines()))
