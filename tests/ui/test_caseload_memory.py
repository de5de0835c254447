"""Memory at the caseload: a record editor that has been closed is freed, not kept alive by a
signal connection, a pending callback or a cache, so opening and closing records all day does
not make the app grow."""

from __future__ import annotations

import gc
import weakref

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from assessor_app.core.form_engine.definition import FormRegistry
from assessor_app.core.storage.assessments import AssessmentRepository
from tests.support import community_person
from tests.ui.conftest import WindowFactory, add_person, create_profile, wait_for_worker

from assessor_app.ui.views.main_window import MainWindow

pytestmark = pytest.mark.gui


def flush_deletes() -> None:
    """Run the deferred deletions `dispose` scheduled, then Python's cycle collector."""
    for _ in range(3):
        QApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    gc.collect()


def open_record(qtbot: QtBot, window: MainWindow, record_id: str) -> weakref.ref[object]:
    window.show_record(record_id)
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: editor.isVisible() and window.ops.pending == 0, timeout=20_000)
    return weakref.ref(editor)


@pytest.mark.parametrize("form_id", ["chc_dst", "needs_assessment", "sample"])
def test_a_closed_editor_is_garbage_collected(
    qtbot: QtBot, make_window: WindowFactory, registry: FormRegistry, form_id: str
) -> None:
    window = make_window()
    create_profile(qtbot, window)
    person = add_person(qtbot, window, community_person())
    assert window.vault is not None
    form = registry.latest(form_id)
    made: list[str] = []
    window.ops.run(
        lambda: AssessmentRepository(window.vault).create(person.id, form.id, form.version).id,
        on_success=made.append,
    )
    wait_for_worker(qtbot, window)
    gone = []
    for _ in range(2):  # the second time too: nothing is kept from one editor to the next
        editor = open_record(qtbot, window, made[0])
        window.show_caseload()  # closes the editor, as Back and Ctrl+F do
        wait_for_worker(qtbot, window)
        flush_deletes()
        gone.append(editor() is None)
    assert gone == [True, True], [type(r) for r in gc.get_referrers(editor()) if editor()]
