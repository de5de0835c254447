"""The window's sync shares DSTs too: an invited nurse's laptop receives the DST, her part goes
up and the owner's comes down, through the same controller that sends queued records."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from assessor_app.core.chc.merge import merge_contributions
from tests.support import session_for
from tests.sync.test_shared_dst import (  # noqa: F401 - the fixture
    NURSE,
    OWNER,
    Mdt,
    _contribute,
    _contributions,
    _item,
    _sync,
    mdt,
)

from assessor_app.ui.operations import BackgroundOps
from assessor_app.ui.sync_status import SyncController


@pytest.fixture
def ops() -> Any:
    helper = BackgroundOps()
    yield helper
    helper.shutdown()


def test_the_window_sync_brings_the_dst_and_exchanges_contributions(
    qtbot: QtBot,
    ops: BackgroundOps,
    mdt: Mdt,  # noqa: F811 - the fixture imported above
) -> None:
    record_id = mdt.new_dst("Quillfeather", invite=(NURSE,))
    owner, nurse = mdt.laptops[OWNER], mdt.laptops[NURSE]
    controller = SyncController(ops, session_for(nurse))
    with qtbot.waitSignal(controller.finished, timeout=20_000) as done:
        controller.sync_now()
    assert done.args[0].finished, done.args[0].problem
    assert done.args[0].dst_new == 1
    _contribute(nurse, record_id, _item(NURSE, 1, "high"))
    _contribute(owner, record_id, _item(OWNER, 1, "moderate"))
    _sync(owner)
    with qtbot.waitSignal(controller.finished, timeout=20_000) as done:
        controller.sync_now()
    assert done.args[0].finished and done.args[0].dst_received == 1
    _sync(owner)
    expected = merge_contributions([_item(NURSE, 1, "high"), _item(OWNER, 1, "moderate")])
    assert _contributions(nurse, record_id) == _contributions(owner, record_id) == expected
