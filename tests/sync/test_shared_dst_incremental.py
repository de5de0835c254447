"""The shared DST pull is incremental (issue 15; decisions 0008 and 0012).

A laptop sends the cursor of the last DST pull page it kept; the gateway answers with only
what changed since (contributions received, invitations, withdrawals), a page at a time.
Real parts, as in `test_shared_dst`: SQLCipher vaults enrolled at a gateway on loopback over
mutual TLS, with SQLite or PostgreSQL behind it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from typing import Any

import pytest

from assessor_app.core.storage import shared_dst
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client import dst
from assessor_app.core.sync_client.client import transport_for
from assessor_app.core.sync_client.transport import TransportError
from sync.gateway.shared_dst import SharedDsts
from sync.gateway.store import Store
from sync.protocol import CURRENT, DstPullPage, DstPullRequest
from tests.sync import test_shared_dst as three_laptops
from tests.sync.test_shared_dst import (
    NURSE,
    OWNER,
    THERAPIST,
    Mdt,
    _contribute,
    _contributions,
    _item,
    _post,
    _sync,
)

mdt = three_laptops.mdt
"""The owner's, an invited NHS nurse's and an invited therapist's laptops, and an outsider's."""


def _pull(vault: Vault, cursor: int | None, **more: Any) -> tuple[dict[str, Any], int]:
    """A DST pull as the laptop sends it, and its answer's size as the gateway sends it."""
    body: dict[str, Any] = {"protocol": CURRENT, **more}
    if cursor is not None:
        body["cursor"] = cursor
    answer = _post(vault, dst.PULL_PATH, body)
    return answer, len(json.dumps(answer, separators=(",", ":")).encode())


def _all_synced(mdt: Mdt) -> str:
    """A DST with a part from each member, every laptop synced since the last."""
    record_id = mdt.new_dst("Quillfeather")
    for name in (NURSE, THERAPIST, OWNER):
        _sync(mdt.laptops[name])
        _contribute(mdt.laptops[name], record_id, _item(name, 1, "moderate"))
        _sync(mdt.laptops[name])
    for name in (NURSE, THERAPIST, OWNER):
        _sync(mdt.laptops[name])
    return record_id


def test_nothing_changed_is_a_tiny_answer_and_changes_nothing_here(mdt: Mdt) -> None:
    record_id = _all_synced(mdt)
    nurse = mdt.laptops[NURSE]
    cursor = shared_dst.pull_cursor(nurse.conn)
    assert cursor > 0
    answer, size = _pull(nurse, cursor)
    assert answer["dsts"] == [] and answer["withdrawn"] == [] and answer["more"] is False
    assert answer["cursor"] == cursor and size < 200
    # A laptop from before sends no cursor and still gets everything, as it always did.
    everything, before = _pull(nurse, None)
    assert [d["record_id"] for d in everything["dsts"]] == [record_id]
    assert len(everything["dsts"][0]["contributions"]) == 3 and before > 10 * size
    revisions = len(AssessmentRepository(nurse).history(record_id))
    report = _sync(nurse)
    assert (report.dst_received, report.dst_new) == (0, 0)
    assert len(AssessmentRepository(nurse).history(record_id)) == revisions


def test_a_new_contribution_comes_alone(mdt: Mdt) -> None:
    record_id = _all_synced(mdt)
    nurse, therapist = mdt.laptops[NURSE], mdt.laptops[THERAPIST]
    cursor = shared_dst.pull_cursor(nurse.conn)
    _contribute(therapist, record_id, _item(THERAPIST, 2, "severe"))
    _sync(therapist)
    answer, _ = _pull(nurse, cursor)
    (changed,) = answer["dsts"]
    assert changed["record_id"] == record_id
    assert [c["signed"]["contribution"] for c in changed["contributions"]] == [
        _item(THERAPIST, 2, "severe")
    ]
    assert list(changed["authors"]) == [mdt.assessors[THERAPIST]]
    assert answer["cursor"] > cursor
    report = _sync(nurse)
    assert report.dst_received == 1
    assert _contributions(nurse, record_id) == _contributions(therapist, record_id)
    assert shared_dst.pull_cursor(nurse.conn) == answer["cursor"]


class _CutAfter:
    """The laptop's real transport, whose connection drops at the `pages`-th DST pull."""

    def __init__(self, vault: Vault, pages: int) -> None:
        self.inner = transport_for(vault, timeout=10.0)
        self.pages = pages
        self.pulls = 0

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path == dst.PULL_PATH:
            self.pulls += 1
            if self.pulls == self.pages:
                raise TransportError("The connection was lost.", temporary=True)
        return self.inner.post(path, body)

    def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:
        return self.inner.put_bytes(path, data)


def test_a_pull_cut_off_half_way_goes_on_from_the_last_page_kept(mdt: Mdt) -> None:
    first = mdt.new_dst("Ashcombe")
    second = mdt.new_dst("Fernhallow")
    nurse, therapist = mdt.laptops[NURSE], mdt.laptops[THERAPIST]
    _sync(therapist)
    assert _sync(nurse).dst_new == 2
    for record_id in (first, second):
        _contribute(therapist, record_id, _item(THERAPIST, 1, "low"))
    _sync(therapist)
    now = dt.datetime.now(dt.UTC)
    # One change a page, asked for from the cursor kept: the second page is cut off.
    cut = _CutAfter(nurse, pages=2)
    asked = dst.prepare_exchange(nurse)[2]
    sent = dst.send_and_fetch(cut, [], DstPullRequest(asked.cursor, limit=1))
    assert sent.pages is not None and len(sent.pages) == 1 and sent.pages[0].more
    assert any("the rest comes at the next sync" in r for r in sent.refused)
    assert dst.apply_dst_pull(nurse, sent.pages, now).received == 1
    assert shared_dst.pull_cursor(nurse.conn) == sent.pages[0].cursor > asked.cursor
    # The same page kept again changes nothing; the next pull brings only the rest.
    assert dst.apply_dst_pull(nurse, sent.pages, now).received == 0
    rest = dst.send_and_fetch(cut.inner, [], dst.prepare_exchange(nurse)[2])
    assert rest.pages is not None
    assert [len(d["contributions"]) for p in rest.pages for d in p.dsts] == [1]
    assert dst.apply_dst_pull(nurse, rest.pages, now).received == 1
    for record_id in (first, second):
        assert _contributions(nurse, record_id) == [_item(THERAPIST, 1, "low")]
    cut.inner.close()


def test_a_cursor_past_the_end_starts_again_from_the_beginning_and_says_so(mdt: Mdt) -> None:
    record_id = _all_synced(mdt)
    nurse = mdt.laptops[NURSE]
    newest = shared_dst.pull_cursor(nurse.conn)
    answer, _ = _pull(nurse, newest + 1000)  # the gateway was restored from an older backup
    assert answer["reset"] is True and answer["cursor"] == newest
    assert [len(d["contributions"]) for d in answer["dsts"]] == [3]
    with nurse.transaction() as conn:
        shared_dst.keep_pull_cursor(conn, newest + 1000, dt.datetime.now(dt.UTC))
    _sync(nurse)  # nothing new here (the merge counts each once), and the cursor is right again
    assert shared_dst.pull_cursor(nurse.conn) == newest
    assert len(_contributions(nurse, record_id)) == 3


def test_a_withdrawn_invitation_is_named_and_nothing_more_of_the_dst_comes(
    mdt: Mdt,
) -> None:
    record_id = _all_synced(mdt)
    nurse, owner = mdt.laptops[NURSE], mdt.laptops[OWNER]
    cursor = shared_dst.pull_cursor(nurse.conn)
    shared = SharedDsts(mdt.gateway.store)
    assert shared.withdraw(record_id, mdt.assessors[NURSE], dt.datetime.now(dt.UTC))
    _contribute(owner, record_id, _item(OWNER, 2, "severe"))
    _sync(owner)
    answer, _ = _pull(nurse, cursor)
    assert answer["dsts"] == [] and answer["withdrawn"] == [record_id]
    report = _sync(nurse)
    assert report.dst_received == 0
    assert _item(OWNER, 2, "severe") not in _contributions(nurse, record_id)
    # Invited again: the DST comes whole, with what was given meanwhile.
    assert shared.invite(record_id, mdt.assessors[NURSE], dt.datetime.now(dt.UTC))
    answer, _ = _pull(nurse, shared_dst.pull_cursor(nurse.conn))
    assert answer["withdrawn"] == [] and len(answer["dsts"][0]["contributions"]) == 3
    assert _sync(nurse).dst_received == 1


def test_a_person_moved_to_a_new_holder_brings_their_shared_dst_whole(mdt: Mdt) -> None:
    record_id = _all_synced(mdt)
    therapist = mdt.laptops[THERAPIST]
    cursor = shared_dst.pull_cursor(therapist.conn)
    person = AssessmentRepository(mdt.laptops[OWNER]).get(record_id).person_id
    mdt.gateway.store.allocate(person, mdt.assessors[THERAPIST], dt.datetime.now(dt.UTC))
    answer, _ = _pull(therapist, cursor)
    (moved,) = answer["dsts"]
    assert moved["role"] == "owner" and len(moved["contributions"]) == 3


def test_a_dst_change_committed_late_is_never_overtaken_by_a_later_one(
    store_url: str,
) -> None:
    """As the caseload log (decision 0008): a DST change numbered then held open while
    another gateway process writes one; a laptop pulling in between never skips the first."""
    now = dt.datetime.now(dt.UTC)
    slow, quick, reader = Store(store_url), Store(store_url), Store(store_url)
    slow.migrate()
    assessor = slow.create_assessor("Sam Okafor", now)
    numbered, release = threading.Event(), threading.Event()

    def slow_withdrawal() -> None:
        with slow.transaction() as tx:
            slow.log_dst_changes(tx, [("feedface01", "withdrawn", assessor, "")], now)
            numbered.set()
            release.wait(10)

    def quick_withdrawal() -> None:
        with quick.transaction() as tx:
            quick.log_dst_changes(tx, [("feedface02", "withdrawn", assessor, "")], now)

    writer = threading.Thread(target=slow_withdrawal)
    writer.start()
    assert numbered.wait(10)
    other = threading.Thread(target=quick_withdrawal)
    other.start()
    time.sleep(0.3)
    assert other.is_alive()  # the second waits for the first to commit
    if reader.postgres:  # (on SQLite every transaction waits for the one writer)
        for _ in range(3):
            assert SharedDsts(reader).changes_for(assessor, 0, 10).cursor == 0
            time.sleep(0.1)
    release.set()
    writer.join(10)
    other.join(10)
    page = SharedDsts(reader).changes_for(assessor, 0, 10)
    assert page.cursor == 2 and page.withdrawn == ("feedface01", "feedface02")


def test_a_malformed_dst_pull_is_refused_with_what_is_wrong(mdt: Mdt) -> None:
    for limit in (0, 201, -1, True, "5"):
        with pytest.raises(TransportError, match="limit must be a whole number from 1 to 200"):
            _pull(mdt.laptops[NURSE], 0, limit=limit)
    with pytest.raises(TransportError, match="cursor must be a whole number from 0"):
        _pull(mdt.laptops[NURSE], -3)


def test_a_dst_not_all_taken_here_is_asked_for_whole_until_it_is(mdt: Mdt) -> None:
    record_id = _all_synced(mdt)
    nurse, therapist = mdt.laptops[NURSE], mdt.laptops[THERAPIST]
    _contribute(therapist, record_id, _item(THERAPIST, 2, "severe"))
    _sync(therapist)
    answer, _ = _pull(nurse, shared_dst.pull_cursor(nurse.conn))
    (changed,) = answer["dsts"]
    assert changed["whole"] is False
    # The therapist's new revision arrives with no key for its author: it cannot be taken.
    for author in changed["authors"].values():
        author["keys"] = []
    page = DstPullPage.from_json(answer, DstPullRequest(shared_dst.pull_cursor(nurse.conn)))
    assert dst.apply_dst_pull(nurse, [page], dt.datetime.now(dt.UTC)).received == 0
    assert shared_dst.pull_cursor(nurse.conn) == answer["cursor"]  # moved past it, so:
    asked = dst.prepare_exchange(nurse)[2]
    assert asked.whole == (record_id,)
    whole, _ = _pull(nurse, asked.cursor, whole=list(asked.whole))
    assert whole["dsts"][0]["whole"] is True and len(whole["dsts"][0]["contributions"]) == 3
    assert _sync(nurse).dst_received == 1  # taken at last, and no longer asked for
    assert _item(THERAPIST, 2, "severe") in _contributions(nurse, record_id)
    assert dst.prepare_exchange(nurse)[2].whole == ()


def test_what_was_shared_before_the_change_log_comes_with_the_first_cursor(
    store_url: str,
) -> None:
    """A gateway upgraded to schema 18: a laptop's first pull with a cursor (0) brings what
    a pull without one would, and its withdrawn invitations."""
    store = Store(store_url)
    store.migrate(upto=16)
    now = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC).isoformat()
    nurse = store.create_assessor(NURSE, dt.datetime.now(dt.UTC))
    part = _item(NURSE, 1, "high")
    with store.transaction() as tx:
        for record_id in ("0a1b2c3d", "4e5f6a7b"):
            tx.execute("INSERT INTO record_person VALUES (?, ?)", (record_id, "p" + record_id))
        tx.execute(
            "INSERT INTO dst_invitation (record_id, assessor_id, invited_at, withdrawn_at) "
            "VALUES ('0a1b2c3d', ?, ?, NULL), ('4e5f6a7b', ?, ?, ?)",
            (nurse, now, nurse, now, now),
        )
        tx.execute(
            "INSERT INTO dst_contribution (digest, record_id, contribution_id, revision, "
            "assessor_id, device_id, payload, received_at) VALUES ('d1', '0a1b2c3d', ?, 1, ?, "
            "'laptop', ?, ?)",
            (part["contribution_id"], nurse, json.dumps({"contribution": part}), now),
        )
    store.migrate()
    page = SharedDsts(store).changes_for(nurse, 0, 200)
    assert [d["record_id"] for d in page.dsts] == ["0a1b2c3d"]
    assert [c["signed"]["contribution"] for c in page.dsts[0]["contributions"]] == [part]
    assert page.withdrawn == ("4e5f6a7b",) and not page.more and page.cursor == 3
    assert SharedDsts(store).changes_for(nurse, page.cursor, 200).dsts == ()


def test_one_dst_that_does_not_read_does_not_stop_the_page_and_is_asked_for_again(
    mdt: Mdt,
) -> None:
    record_id = _all_synced(mdt)
    nurse, therapist = mdt.laptops[NURSE], mdt.laptops[THERAPIST]
    _contribute(therapist, record_id, _item(THERAPIST, 2, "severe"))
    _sync(therapist)
    answer, _ = _pull(nurse, shared_dst.pull_cursor(nurse.conn))
    (changed,) = answer["dsts"]
    changed["contributions"] = 5  # not a list: this DST cannot be read
    page = DstPullPage.from_json(answer, DstPullRequest(shared_dst.pull_cursor(nurse.conn)))
    got = dst.apply_dst_pull(nurse, [page], dt.datetime.now(dt.UTC))
    assert got.received == 0 and "could not be read" in " ".join(got.refused)
    assert shared_dst.pull_cursor(nurse.conn) == answer["cursor"]  # the page was kept
    assert dst.prepare_exchange(nurse)[2].whole == (record_id,)  # and the DST asked for again
    assert _sync(nurse).dst_received == 1
    assert _item(THERAPIST, 2, "severe") in _contributions(nurse, record_id)
