"""The shared DST meets at the gateway (issue 15): three MDT members' laptops, one gateway.

Real parts: SQLCipher vaults, each enrolled with its own certificate and its contribution key
registered at the gateway, and the gateway on loopback over mutual TLS with SQLite or
PostgreSQL behind it. The owner is a council social worker (the DST's person is on their
caseload); an NHS nurse (an assessor account of another organisation) and an occupational
therapist are invited with `assessor-gateway dst invite`; someone else is not.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessor_app.core.chc.exchange import (
    sign_contribution,
)
from assessor_app.core.chc.merge import domain_proposals, merge_contributions
from assessor_app.core.chc.record_person import (
    record_person_from,
)
from assessor_app.core.records import Role
from assessor_app.core.services.contributions import (
    export_member_contribution,
    import_member_contribution,
    own_fingerprint,
)
from assessor_app.core.storage import member_keys, outbox
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.device_keys import contribution_signing_key
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client import dst
from assessor_app.core.sync_client.client import SyncReport, enrol, sync_now, transport_for
from sync.gateway import cli
from sync.gateway.shared_dst import SharedDsts
from sync.protocol import CURRENT, DstPullPage
from tests.support import community_person, session_for
from tests.sync.conftest import Gateway

EXCHANGE = "agreed mdt passphrase"
OWNER, NURSE, THERAPIST, OUTSIDER = (
    "Robin Testcase",
    "Sam Okafor",
    "Alex Ferncroft",
    "Pat Outsider",
)
PROFESSION = {
    OWNER: "social_worker",
    NURSE: "registered_nurse",
    THERAPIST: "occupational_therapist",
}
CID = {OWNER: "0a0a0a0a", NURSE: "1b1b1b1b", THERAPIST: "2c2c2c2c"}
LEVELS = ("no_needs", "low", "moderate", "high", "severe")


def _item(name: str, revision: int, level: str, *, cid: str | None = None) -> dict[str, Any]:
    return {
        "contribution_id": cid or CID[name],
        "contributor_name": name,
        "contributor_profession": PROFESSION[name],
        "contributed_on": "2026-12-04",
        "revision": revision,
        "m_mobility_level": level,
        "m_mobility_evidence": f"{name}'s observation, revision {revision}.",
    }


def _contribute(vault: Vault, record_id: str, item: dict[str, Any]) -> None:
    """A member writes (or revises) their own part of the DST on their laptop, offline."""
    records = AssessmentRepository(vault)
    current = records.get(record_id).answers.get("contributions") or []
    others = [i for i in current if i.get("contribution_id") != item["contribution_id"]]
    records.save_field(record_id, "contributions", [*others, item])
    records.checkpoint(record_id)


def _contributions(vault: Vault, record_id: str) -> list[dict[str, Any]]:
    return merge_contributions(
        AssessmentRepository(vault).get(record_id).answers.get("contributions") or []
    )


def _sync(vault: Vault) -> SyncReport:
    transport = transport_for(vault, timeout=10.0)
    try:
        report = sync_now(vault, transport)
    finally:
        transport.close()
    assert report.finished, report.problem
    return report


def _post(vault: Vault, path: str, body: dict[str, Any]) -> dict[str, Any]:
    transport = transport_for(vault, timeout=10.0)
    try:
        return transport.post(path, body)
    finally:
        transport.close()


@dataclass
class Mdt:
    gateway: Gateway
    laptops: dict[str, Vault]
    assessors: dict[str, str]
    owner_people: PeopleRepository
    records: list[str] = field(default_factory=list)

    def new_dst(self, family: str, *, invite: tuple[str, ...] = (NURSE, THERAPIST)) -> str:
        """The owner starts a DST for a new person and syncs; IT invites the others."""
        owner = self.laptops[OWNER]
        person = self.owner_people.add(community_person(family_name=family))
        record = AssessmentRepository(owner).create(person.id, "chc_dst", 1)
        _sync(owner)
        for name in invite:
            args = ["--db", self.gateway.store.url, "dst", "invite", record.id]
            assert cli.main([*args, self.assessors[name]]) == 0
        return record.id


@pytest.fixture
def mdt(gateway: Gateway, tmp_path: Path) -> Iterator[Mdt]:
    now = dt.datetime.now(dt.UTC)
    store = gateway.store
    assessors = {
        OWNER: gateway.assessor,
        NURSE: store.create_assessor(
            NURSE, now, organisation="Exampleshire Community Health NHS Trust"
        ),
        THERAPIST: store.create_assessor(THERAPIST, now),
        OUTSIDER: store.create_assessor(OUTSIDER, now),
    }
    roles = {NURSE: Role.NURSE}
    laptops: dict[str, Vault] = {}
    for name, assessor in assessors.items():
        vault = Vault.create(
            tmp_path / name.split()[0].lower(),
            name=name,
            role=roles.get(name, Role.SOCIAL_WORKER),
            authority="Exampleshire County Council",
            passphrase="amber lantern orchard",
            kdf=FAST_KDF_FOR_TESTS,
        )
        code = store.issue_code(assessor, now, dt.timedelta(minutes=15))
        enrol(vault, gateway.url, code, first_contact_ca=gateway.ca.pem)
        laptops[name] = vault
    try:
        yield Mdt(gateway, laptops, assessors, PeopleRepository(laptops[OWNER]))
    finally:
        for vault in laptops.values():
            if vault.is_open:
                vault.close()


def test_three_members_work_offline_and_end_with_the_same_dst_everywhere(mdt: Mdt) -> None:
    """The issue's check: owner, invited NHS nurse and therapist; each offline, then syncs."""
    record_id = mdt.new_dst("Quillfeather")
    owner, nurse, therapist = (mdt.laptops[n] for n in (OWNER, NURSE, THERAPIST))
    # The invited members' laptops receive the DST: the person's identity, nothing more.
    for laptop in (nurse, therapist):
        report = _sync(laptop)
        assert report.dst_new == 1
        record = AssessmentRepository(laptop).get(record_id)
        person = PeopleRepository(laptop).get(record.person_id).details
        assert (person.family_name, person.nhs_number) == ("Quillfeather", "9434765919")
        assert person.address == ""  # the minimum: no address, no other records
        assert [r.id for r in AssessmentRepository(laptop).list_for_person(record.person_id)] == [
            record_id
        ]
    # Offline, each writes their own part; the nurse and the therapist disagree.
    _contribute(owner, record_id, _item(OWNER, 1, "moderate"))
    _contribute(nurse, record_id, _item(NURSE, 1, "high"))
    _contribute(therapist, record_id, _item(THERAPIST, 1, "low"))
    _contribute(nurse, record_id, _item(NURSE, 2, "high"))  # she revises hers before syncing
    for laptop in (therapist, nurse, owner, therapist, nurse):
        _sync(laptop)
    expected = merge_contributions(
        [_item(OWNER, 1, "moderate"), _item(NURSE, 2, "high"), _item(THERAPIST, 1, "low")]
    )
    for laptop in (owner, nurse, therapist):
        assert _contributions(laptop, record_id) == expected
    assert SharedDsts(mdt.gateway.store).contributions(record_id) == expected
    proposal = domain_proposals(expected)["mobility"]
    assert proposal.proposed_level == "high" and proposal.disagreement
    # The owner's record, with every contribution, reaches the gateway at its next push.
    _sync(owner)
    assert _gateway_record(mdt, record_id)["answers"]["contributions"] == expected
    # The invited copies never left their laptops as revisions: nothing queued, nothing held.
    for laptop in (nurse, therapist):
        assert outbox.items(laptop.conn) == []
    # Who wrote what is bound on each laptop to the key the gateway registered.
    with owner.transaction() as conn:
        bound = member_keys.member_key(conn, NURSE)
    assert bound is not None and bound.source == "gateway"
    assert bound.fingerprint == own_fingerprint(session_for(nurse))


def _gateway_record(mdt: Mdt, record_id: str) -> dict[str, Any]:
    with mdt.gateway.store.transaction() as tx:
        row = tx.execute(
            "SELECT body FROM revision WHERE entity_type = 'assessment' AND entity_id = ? "
            "ORDER BY seq DESC LIMIT 1",
            (record_id,),
        ).fetchone()
    return dict(json.loads(str(row[0])))


# Each step: a member writes their next revision offline ("write"), or syncs ("sync").
_STEPS = st.lists(
    st.tuples(st.sampled_from(["write", "sync"]), st.sampled_from([OWNER, NURSE, THERAPIST])),
    min_size=3,
    max_size=8,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=_STEPS, last_round=st.permutations([OWNER, NURSE, THERAPIST]), data=st.data())
def test_whatever_order_members_work_and_sync_in_the_dst_ends_the_same(
    mdt: Mdt, steps: list[tuple[str, str]], last_round: list[str], data: st.DataObject
) -> None:
    """Property over sync orders: once everyone has synced after the last write, every laptop
    and the gateway hold the merge of each member's latest revision, whatever came first."""
    mdt.records.append(record_id := mdt.new_dst(f"Order{len(mdt.records)}"))
    for name in (NURSE, THERAPIST):
        _sync(mdt.laptops[name])  # their laptops receive the DST
    latest: dict[str, dict[str, Any]] = {}
    for action, name in steps:
        if action == "write":
            revision = latest[name]["revision"] + 1 if name in latest else 1
            latest[name] = _item(name, revision, data.draw(st.sampled_from(LEVELS)))
            _contribute(mdt.laptops[name], record_id, latest[name])
        else:
            _sync(mdt.laptops[name])
    # Everyone syncs once so each has sent, then once more so each has received.
    for name in [*last_round, *last_round]:
        _sync(mdt.laptops[name])
    expected = merge_contributions(list(latest.values()))
    for name in (OWNER, NURSE, THERAPIST):
        assert _contributions(mdt.laptops[name], record_id) == expected, name
    assert SharedDsts(mdt.gateway.store).contributions(record_id) == expected


def test_a_contribution_signed_by_a_key_the_gateway_does_not_know_is_refused(mdt: Mdt) -> None:
    record_id = mdt.new_dst("Brindlewood")
    nurse = mdt.laptops[NURSE]
    _sync(nurse)
    person = record_person_from(community_person(family_name="Brindlewood"))
    forged = sign_contribution(_item(NURSE, 1, "high"), person, Ed25519PrivateKey.generate())
    in_their_name = sign_contribution(
        _item(THERAPIST, 1, "low"), person, contribution_signing_key(nurse)
    )
    someone_else = sign_contribution(
        _item(NURSE, 1, "high"),
        record_person_from(community_person(family_name="Elsewhere")),
        contribution_signing_key(nurse),
    )
    answer = _post(
        nurse,
        dst.CONTRIBUTIONS_PATH,
        {
            "protocol": CURRENT,
            "contributions": [
                {"record_id": record_id, "signed": forged},
                {"record_id": record_id, "signed": in_their_name},
                {"record_id": record_id, "signed": someone_else},
            ],
        },
    )
    first, second, third = answer["answers"]
    assert third["status"] == "refused" and "for a different person" in third["reason"]
    assert first["status"] == "refused" and "key the gateway does not know" in first["reason"]
    assert second["status"] == "refused" and "in the name of Alex Ferncroft" in second["reason"]
    assert SharedDsts(mdt.gateway.store).contributions(record_id) == []
    # On the laptop too: a gateway's answer whose key is not among the author's is not taken.
    owner = mdt.laptops[OWNER]
    real = sign_contribution(_item(NURSE, 1, "high"), person, contribution_signing_key(nurse))
    authors = {"n": {"name": NURSE, "organisation": "", "keys": [real["signer"]["public_key"]]}}
    page = {
        "record_id": record_id,
        "role": "owner",
        "contributions": [{"author": "n", "signed": forged}],
        "authors": authors,
    }
    taken = dst.apply_dst_pull(owner, [DstPullPage((page,), (), None)], dt.datetime.now(dt.UTC))
    assert taken.received == 0 and "different key" in taken.refused[0]
    assert _contributions(owner, record_id) == []


def test_an_uninvited_member_gets_nothing_of_the_dst(mdt: Mdt) -> None:
    record_id = mdt.new_dst("Ashcombe", invite=(NURSE,))
    _contribute(mdt.laptops[OWNER], record_id, _item(OWNER, 1, "moderate"))
    _sync(mdt.laptops[OWNER])
    for name in (OUTSIDER, THERAPIST):  # never invited to this one
        laptop = mdt.laptops[name]
        report = _sync(laptop)
        assert report.dst_new == 0 and report.dst_received == 0
        assert PeopleRepository(laptop).search("") == []
        assert _post(laptop, dst.PULL_PATH, {"protocol": CURRENT})["dsts"] == []
        signed = sign_contribution(
            _item(THERAPIST, 1, "low", cid="3d3d3d3d") | {"contributor_name": name},
            record_person_from(community_person(family_name="Ashcombe")),
            contribution_signing_key(laptop),
        )
        answer = _post(
            laptop,
            dst.CONTRIBUTIONS_PATH,
            {"protocol": CURRENT, "contributions": [{"record_id": record_id, "signed": signed}]},
        )
        assert answer["answers"][0]["status"] == "refused"
        assert "not a member of this DST" in answer["answers"][0]["reason"]
    assert SharedDsts(mdt.gateway.store).contributions(record_id) == [_item(OWNER, 1, "moderate")]


def test_a_contribution_that_arrives_by_file_and_through_the_gateway_counts_once(
    mdt: Mdt, tmp_path: Path
) -> None:
    record_id = mdt.new_dst("Fernhallow")
    owner, nurse, therapist = (mdt.laptops[n] for n in (OWNER, NURSE, THERAPIST))
    _sync(nurse)
    _sync(therapist)
    _contribute(therapist, record_id, _item(THERAPIST, 1, "low"))
    _contribute(nurse, record_id, _item(NURSE, 1, "high"))
    # The therapist sends a file too; the owner imports it, confirming the fingerprint.
    path = tmp_path / "therapist.dstc"
    fingerprint = export_member_contribution(
        session_for(therapist), record_id, CID[THERAPIST], path, passphrase=EXCHANGE
    )
    imported = import_member_contribution(
        session_for(owner), record_id, path, passphrase=EXCHANGE, confirmed_fingerprint=fingerprint
    )
    assert imported.outcome == "added"
    _sync(therapist)
    _sync(nurse)
    revisions = len(AssessmentRepository(owner).history(record_id))
    report = _sync(owner)  # the therapist's again, through the gateway, and the nurse's
    assert report.dst_received == 1
    assert len(AssessmentRepository(owner).history(record_id)) == revisions + 1
    # The nurse's file after her sync: already here, bound by the gateway; no question asked.
    nurse_file = tmp_path / "nurse.dstc"
    export_member_contribution(
        session_for(nurse), record_id, CID[NURSE], nurse_file, passphrase=EXCHANGE
    )
    again = import_member_contribution(
        session_for(owner), record_id, nurse_file, passphrase=EXCHANGE
    )
    assert again.outcome == "unchanged"
    expected = merge_contributions([_item(THERAPIST, 1, "low"), _item(NURSE, 1, "high")])
    assert _contributions(owner, record_id) == expected


def test_it_invites_by_the_command_line_and_is_told_what_is_wrong(
    mdt: Mdt, capsys: pytest.CaptureFixture[str]
) -> None:
    record_id = mdt.new_dst("Ravensmoor", invite=())
    db = ["--db", mdt.gateway.store.url]
    nurse = mdt.assessors[NURSE]
    assert cli.main([*db, "dst", "invite", record_id, nurse]) == 0
    assert "Sam Okafor is invited" in capsys.readouterr().out
    assert cli.main([*db, "dst", "invite", record_id, nurse]) == 0
    assert "already" in capsys.readouterr().out
    assert cli.main([*db, "dst", "members", record_id]) == 0
    assert "Sam Okafor (Exampleshire Community Health NHS Trust)" in capsys.readouterr().out
    assert cli.main([*db, "dst", "invite", "feedfacecafe", nurse]) == 2
    assert "holds no DST feedfacecafe" in capsys.readouterr().err
    assert cli.main([*db, "dst", "invite", record_id, "nobody"]) == 2
    assert "create-assessor" in capsys.readouterr().err
    assert cli.main([*db, "dst", "invite", record_id, mdt.gateway.assessor]) == 2
    assert "have the DST already" in capsys.readouterr().err


def test_a_withdrawn_member_stops_receiving_the_dst_and_what_they_gave_stays(
    mdt: Mdt, capsys: pytest.CaptureFixture[str]
) -> None:
    record_id = mdt.new_dst("Withington", invite=(NURSE,))
    owner, nurse = mdt.laptops[OWNER], mdt.laptops[NURSE]
    _sync(nurse)
    _contribute(nurse, record_id, _item(NURSE, 1, "high"))
    _sync(nurse)
    db = ["--db", mdt.gateway.store.url]

    assert cli.main([*db, "dst", "withdraw", record_id, mdt.assessors[NURSE]]) == 0
    assert "Sam Okafor's invitation to DST" in capsys.readouterr().out

    # The nurse's laptop no longer receives it, and a revision of hers is not taken.
    assert _post(nurse, dst.PULL_PATH, {"protocol": CURRENT})["dsts"] == []
    _contribute(nurse, record_id, _item(NURSE, 2, "severe"))
    report = sync_now(nurse, transport_for(nurse))
    assert report.dst_received == 0
    assert any("invitation to this DST was withdrawn" in r for r in report.dst_refused)
    # What she gave before stays, for the owner and at the gateway.
    _sync(owner)
    assert _contributions(owner, record_id) == [_item(NURSE, 1, "high")]
    assert SharedDsts(mdt.gateway.store).contributions(record_id) == [_item(NURSE, 1, "high")]
    assert cli.main([*db, "dst", "members", record_id]) == 0
    assert "Nobody is invited" in capsys.readouterr().out
    # Withdrawn twice: nothing to do, and IT is told how to see who is invited.
    assert cli.main([*db, "dst", "withdraw", record_id, mdt.assessors[NURSE]]) == 2
    assert "is not invited to DST" in capsys.readouterr().err
    # Invited again, she receives it again and her revision is taken.
    assert cli.main([*db, "dst", "invite", record_id, mdt.assessors[NURSE]]) == 0
    assert "Sam Okafor is invited" in capsys.readouterr().out
    _sync(nurse)
    assert SharedDsts(mdt.gateway.store).contributions(record_id) == [_item(NURSE, 2, "severe")]
