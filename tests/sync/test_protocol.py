"""The protocol's messages: untrusted input refused in words, versions, the closing check."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from assessor_app.core.records import Revision
from sync.protocol import (
    CURRENT,
    MAX_BATCH,
    MAX_HELD_REPORTED,
    AckStatus,
    HeldItem,
    ItemAck,
    ProtocolError,
    PushItem,
    PushRequest,
    PushResponse,
    QueueReport,
    closing_digest,
    version_problem,
)

HASH = "a" * 64


def _item(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "entity_type": "assessment",
        "entity_id": "0f5e1c2a7b9d4e21",
        "seq": 1,
        "created_at": "2026-12-03T09:00:00+00:00",
        "author": "Robin Testcase",
        "body": {"status": "draft"},
        "prev_hash": "0" * 64,
        "hash": HASH,
    }
    raw.update(changes)
    return raw


def test_a_push_round_trips_through_json() -> None:
    request = PushRequest.from_json({"protocol": CURRENT, "items": [_item()]})
    assert request.to_json() == {"protocol": CURRENT, "items": [_item()]}


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ([], "must be a JSON object"),
        ({"protocol": CURRENT}, "list of items"),
        ({"protocol": CURRENT, "items": [_item(seq=0)]}, "items[0].seq"),
        ({"protocol": CURRENT, "items": [_item(seq=True)]}, "items[0].seq"),
        ({"protocol": CURRENT, "items": [_item(hash="A" * 64)]}, "items[0].hash"),
        ({"protocol": CURRENT, "items": [_item(entity_type="audit")]}, "entity_type"),
        ({"protocol": CURRENT, "items": [_item(entity_id="../etc")]}, "entity_id is not an id"),
        ({"protocol": CURRENT, "items": [_item(created_at="yesterday")]}, "not a date"),
        ({"protocol": CURRENT, "items": [_item(body=[1])]}, "body must be an object"),
        ({"protocol": CURRENT, "items": ["x"]}, "items[0] must be an object"),
        ({"protocol": CURRENT, "items": [_item()] * (MAX_BATCH + 1)}, "at most"),
    ],
)
def test_a_malformed_push_is_refused_saying_what_is_wrong(raw: Any, says: str) -> None:
    with pytest.raises(ProtocolError, match=says.replace("[", r"\[").replace("]", r"\]")):
        PushRequest.from_json(raw)


def test_versions_say_which_side_to_update() -> None:
    assert version_problem(CURRENT, we_are="the gateway") is None
    newer = version_problem("assessor-sync/99", we_are="the gateway")
    assert newer is not None and newer.endswith("update the gateway.")
    older = version_problem("assessor-sync/0", we_are="the gateway")
    assert older is not None and older.endswith("update the app.")
    assert "update the app." in (version_problem("", we_are="the gateway") or "")
    with pytest.raises(ProtocolError, match="update the gateway"):
        PushRequest.from_json({"protocol": "assessor-sync/99", "items": []})


def test_an_item_knows_whether_its_hash_holds(vault: Any) -> None:
    import datetime as dt

    from assessor_app.core.services.records import start_record
    from tests.support import community_person, session_for

    session = session_for(vault, today=dt.date(2026, 12, 3))
    person = session.people.add(community_person())
    record = start_record(session, session.forms.latest("sample"), person.id)
    revision: Revision = session.records.history(record.id)[0]
    item = PushItem.from_revision(revision)
    assert item.hash_holds() and item.first
    again = PushItem.from_json(copy.deepcopy(item.to_json()), "items[0]")
    assert again.hash_holds()
    changed = PushItem.from_json({**item.to_json(), "author": "Someone Else"}, "items[0]")
    assert not changed.hash_holds()


def _sent(n: int) -> list[PushItem]:
    return [PushItem.from_json(_item(hash=f"{i:064x}"), "x") for i in range(n)]


def test_the_closing_check_catches_an_answer_that_does_not_add_up() -> None:
    sent = _sent(3)
    acks = [
        ItemAck(sent[0].hash, AckStatus.STORED),
        ItemAck(sent[1].hash, AckStatus.DUPLICATE),
        ItemAck(sent[2].hash, AckStatus.RETRY_LATER, "An earlier revision has not arrived."),
    ]
    good = PushResponse(tuple(acks), closing_digest([sent[0].hash, sent[1].hash]))
    parsed = PushResponse.from_json(good.to_json(), sent)
    assert [a.status.acknowledged for a in parsed.acks] == [True, True, False]
    # A gateway that claims to hold the third too, or answers for another revision, is not
    # believed: nothing is marked sent.
    lying = {**good.to_json(), "closing": closing_digest(s.hash for s in sent)}
    with pytest.raises(ProtocolError, match="closing check failed"):
        PushResponse.from_json(lying, sent)
    swapped = good.to_json()
    swapped["acks"][0]["hash"] = "f" * 64
    with pytest.raises(ProtocolError, match="not about revision"):
        PushResponse.from_json(swapped, sent)
    with pytest.raises(ProtocolError, match="every revision sent"):
        PushResponse.from_json({**good.to_json(), "acks": good.to_json()["acks"][:2]}, sent)


def test_the_closing_digest_ignores_order_and_repeats() -> None:
    assert closing_digest(["b" * 64, "a" * 64, "a" * 64]) == closing_digest(["a" * 64, "b" * 64])
    assert closing_digest([]) != closing_digest(["a" * 64])


def _offer(**changes: Any) -> dict[str, Any]:
    from sync.protocol import DocumentOffer

    offer = DocumentOffer("d0c1", "0f5e1c2a7b9d4e21", HASH, "record", "standard", "r.pdf", 10, HASH)
    return {**offer.to_json(), **changes}


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"size": 0}, "offer.size must be a whole number"),
        ({"size": 10**10}, "offer.size must be a whole number"),
        ({"sha256": "xyz"}, "offer.sha256 must be 64 lowercase hex digits"),
        ({"document_id": "../etc"}, "offer.document_id is not an id"),
        ({"filename": ""}, "offer.filename must be 1 to 255 characters"),
        ({"protocol": "assessor-sync/99"}, "newer sync protocol"),
    ],
)
def test_a_malformed_document_offer_is_refused_in_words(changes: dict[str, Any], says: str) -> None:
    from sync.protocol import DocumentOffer

    with pytest.raises(ProtocolError, match=says):
        DocumentOffer.from_json(_offer(**changes))
    assert DocumentOffer.from_json(_offer()).size == 10


def test_a_document_answer_that_does_not_add_up_is_refused() -> None:
    from sync.protocol import DocumentAnswer, DocumentOffer, DocumentStatus

    offer = DocumentOffer.from_json(_offer())
    whole = DocumentAnswer("d0c1", DocumentStatus.STORED, 10, sha256=HASH).to_json()
    assert DocumentAnswer.from_json(whole, offer).status.acknowledged
    for wrong, says in (
        ({**whole, "sha256": "b" * 64}, "closing check failed"),
        ({**whole, "received": 9}, "closing check failed"),
        ({**whole, "received": 11}, "more of the document than was offered"),
        ({**whole, "document_id": "other"}, "not about document d0c1"),
        ({**whole, "status": "lost"}, "unknown status"),
    ):
        with pytest.raises(ProtocolError, match=says):
            DocumentAnswer.from_json(wrong, offer)


def test_a_batch_of_document_offers_is_read_whole_or_refused_in_words() -> None:
    from sync.protocol import CURRENT, MAX_OFFERS, DocumentOffers

    def batch(offers: list[Any]) -> dict[str, Any]:
        return {"protocol": CURRENT, "offers": offers}

    two = batch([_offer(), _offer(document_id="d0c2")])
    assert [o.document_id for o in DocumentOffers.from_json(two).offers] == ["d0c1", "d0c2"]
    many = [_offer(document_id=f"d{n}") for n in range(MAX_OFFERS + 1)]
    for wrong, says in (
        (batch([]), "must carry a list of offers"),
        ({"protocol": CURRENT}, "must carry a list of offers"),
        (batch(many), f"at most {MAX_OFFERS} offers"),
        (batch([_offer(), _offer()]), "names one PDF twice"),
        (batch([_offer(size=0)]), "offer.size"),
        ({**two, "protocol": "assessor-sync/99"}, "newer sync protocol"),
    ):
        with pytest.raises(ProtocolError, match=says):
            DocumentOffers.from_json(wrong)


def test_answers_to_a_batch_must_answer_each_offer_in_order() -> None:
    from sync.protocol import (
        DocumentAnswer,
        DocumentOffer,
        DocumentStatus,
        document_answers,
        document_answers_json,
    )

    first, second = (
        DocumentOffer.from_json(_offer()),
        DocumentOffer.from_json(_offer(document_id="d0c2")),
    )
    answers = [
        DocumentAnswer("d0c1", DocumentStatus.STORED, 10, sha256=HASH),
        DocumentAnswer("d0c2", DocumentStatus.RECEIVING, 0),
    ]
    raw = document_answers_json(answers)
    assert document_answers(raw, [first, second]) == tuple(answers)
    with pytest.raises(ProtocolError, match="did not answer each"):
        document_answers({**raw, "answers": raw["answers"][:1]}, [first, second])
    with pytest.raises(ProtocolError, match="not about document d0c1"):
        document_answers({**raw, "answers": raw["answers"][::-1]}, [first, second])


def _report(held: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    raw = QueueReport(held, held, 0, 0, "0.1.0").to_json()
    return {**raw, "held_items": items}


def test_a_queue_reports_held_items_travel_whole_and_a_malformed_one_is_refused() -> None:
    item = HeldItem("record", "r-1", 3, "p-1", "r-1", "Carer's assessment", "Not yours.")
    report = QueueReport(1, 1, 0, 0, "0.1.0", (item,))
    assert QueueReport.from_json(report.to_json()) == report
    person = {**item.to_json(), "kind": "person", "id": "p-1", "record": "", "form": ""}
    assert QueueReport.from_json(_report(2, [item.to_json(), person])).held_items[1].kind == (
        "person"
    )
    for bad, why in (
        ({"kind": "other"}, "kind must be"),
        ({"person": "no spaces allowed"}, "ids must be"),
        ({"seq": -1}, "seq must be"),
        ({"reason": "x" * 1001}, "reason 1000"),
    ):
        with pytest.raises(ProtocolError, match=why):
            QueueReport.from_json(_report(1, [{**item.to_json(), **bad}]))
    with pytest.raises(ProtocolError, match="at most"):  # more listed than held
        QueueReport.from_json(_report(1, [item.to_json()] * 2))
    many = MAX_HELD_REPORTED + 1
    with pytest.raises(ProtocolError, match=f"at most {MAX_HELD_REPORTED}"):
        QueueReport.from_json(_report(many, [item.to_json()] * many))
