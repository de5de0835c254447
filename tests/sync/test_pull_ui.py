"""The window after a sync that pulled: the caseload list shows the people allocated, and a
person moved away is shown as moving while this laptop's work on them is unsent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from assessor_app.core.sync_client import pull
from assessor_app.core.sync_client.client import transport_for
from tests.support import session_for
from tests.sync.conftest import Gateway
from tests.sync.test_pull import FAMILIES, Council, _edit, council  # noqa: F401 - fixture

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.sync_status import SyncController
from assessor_app.ui.views.caseload import MOVING, CaseloadView
from assessor_app.ui.views.main_window import MainWindow


@pytest.fixture
def ops(council: Council) -> Any:  # noqa: F811, ARG001 - set up after the council: stopped before its vaults close
    helper = BackgroundOps()
    yield helper
    helper.shutdown()


def _names(view: CaseloadView) -> list[str]:
    return sorted(
        view.results.topLevelItem(i).text(0) for i in range(view.results.topLevelItemCount())
    )


def test_after_a_sync_the_caseload_shows_the_people_pulled_and_who_is_moving(
    qtbot: QtBot,
    ops: BackgroundOps,
    council: Council,  # noqa: F811 - the fixture imported above
    gateway: Gateway,
    tmp_path: Path,
) -> None:
    laptop = council.laptop(tmp_path / "a")
    session = session_for(laptop)
    view = CaseloadView(ops, session)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.count.text() != "", timeout=5000)
    assert view.results.topLevelItemCount() == 0
    controller = SyncController(ops, session)
    window = SimpleNamespace(caseload=view)  # the window's own handler, on this view
    controller.finished.connect(lambda report: MainWindow._synced(window, report))  # type: ignore[arg-type]
    with qtbot.waitSignal(controller.finished, timeout=20_000) as done:
        controller.sync_now()
    assert done.args[0].finished and done.args[0].people_received == 3
    qtbot.waitUntil(lambda: view.results.topLevelItemCount() == 3, timeout=5000)
    assert all(any(f in n for n in _names(view)) for f in FAMILIES)

    # Moved to another assessor while a change of this laptop's is unsent: shown as moving.
    # The test writes to the vault from this thread, as another laptop process would not: only
    # once the view's worker is idle (one SQLCipher connection is never used by two threads).
    ops.wait_for_idle()
    _edit(laptop, council.seeded["Ashcombe"], "Unsent when the move came.")
    other = gateway.store.create_assessor("Sam Exampleton", dt.datetime.now(dt.UTC))
    gateway.store.allocate(council.people["Ashcombe"], other, dt.datetime.now(dt.UTC))
    transport = transport_for(laptop)
    try:
        pull.pull_all(laptop, transport)
    finally:
        transport.close()
    view.refresh()
    qtbot.waitUntil(lambda: any(MOVING in n for n in _names(view)), timeout=5000)
    [moving] = [n for n in _names(view) if MOVING in n]
    assert "Ashcombe" in moving

    # The next sync sends the change; then the person goes from the list.
    with qtbot.waitSignal(controller.finished, timeout=20_000) as done:
        controller.sync_now()
    assert (done.args[0].sent, done.args[0].released) == (1, 1)
    qtbot.waitUntil(lambda: view.results.topLevelItemCount() == 2, timeout=5000)
    assert not any("Ashcombe" in n for n in _names(view))
    controller.stop()
