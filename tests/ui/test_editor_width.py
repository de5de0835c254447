"""The record editor at the smallest usual window (1024×640): every page of the real forms
fits beside the section list and the outcomes, its questions, help and options wrapping rather
than running past the right edge (the page never scrolls sideways, so that text was lost)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QScrollArea

from assessor_app.core.form_engine.definition import FormRegistry
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, session_for

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.views.record_editor import RecordEditorView

pytestmark = pytest.mark.gui

EDITOR_SIZE = (1000, 540)
"""What a 1024×640 window leaves the editor, less its menu, buttons and status bar."""
SHOTS = os.environ.get("ASSESSOR_SHOTS")
"""A folder to save each page's picture in, to look at (unset: no pictures)."""

FORMS = ["needs_assessment", "chc_dst", "carers_assessment", "financial_assessment"]


@pytest.mark.parametrize("form_id", FORMS)
def test_every_page_fits_a_small_window(
    qtbot: QtBot, vault: Vault, registry: FormRegistry, shown_messages: object, form_id: str
) -> None:
    del shown_messages
    ops = BackgroundOps()
    person = PeopleRepository(vault).add(community_person())
    form = registry.latest(form_id)
    record = AssessmentRepository(vault).create(person.id, form.id, form.version)
    view = RecordEditorView(
        ops, session_for(vault, registry, today=dt.date(2026, 1, 15)), record.id
    )
    qtbot.addWidget(view)
    view.resize(*EDITOR_SIZE)
    view.show()
    qtbot.waitUntil(lambda: view.defn is not None)
    assert view.defn is not None
    for index, section in enumerate(view.defn.sections):
        view.sections.setCurrentRow(index)
        qtbot.wait(1)
        scroll = view.pages.currentWidget()
        assert isinstance(scroll, QScrollArea)
        page = scroll.widget()
        assert page is not None
        room = scroll.viewport().width()
        # The questions get most of the width, whatever the section titles.
        assert room >= view.width() * 0.45, (section.id, room)
        # Nothing on the page needs more than the page has: it wraps instead.
        assert page.minimumSizeHint().width() <= room, (section.id, page.minimumSizeHint())
        if SHOTS:
            view.grab().save(os.path.join(SHOTS, f"{form_id}-{index:02d}-{section.id}.png"))
    view.save_and_close()
    ops.wait_for_idle()
    qtbot.waitUntil(lambda: ops.pending == 0)
