"""Two MDT members, two vaults, no network: each completes their part of one person's DST,
they swap contribution files, and both end with the same DST, the disagreement recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.chc.exchange import (
    ContributionPassphraseError,
    PassphraseNeededError,
    UnconfirmedMemberKeyError,
    UnsupportedContributionFormatError,
)
from assessor_app.core.chc.record_person import (
    DifferentPersonError,
)
from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import Assessment, RecordStatus, Role
from assessor_app.core.services.contributions import (
    export_member_contribution,
    import_member_contribution,
)
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, content_hash, session_for

EXCHANGE = "agreed mdt passphrase"


def member_vault(folder: Path, name: str, role: Role) -> Vault:
    return Vault.create(
        folder,
        name=name,
        role=role,
        authority="Exampleshire",
        passphrase="member passphrase one",
        kdf=FAST_KDF_FOR_TESTS,
    )


def own_part(records: AssessmentRepository, record_id: str, item: dict[str, Any]) -> None:
    records.save_field(record_id, "consent_status", "consented")  # consent comes first
    records.save_field(record_id, "contributions", [item])
    records.checkpoint(record_id)


NURSE = {
    "contribution_id": "a1b2c3d4",
    "contributor_name": "Sam Okafor",
    "contributor_profession": "registered_nurse",
    "contributed_on": "2026-11-12",
    "revision": 1,
    "m_mobility_level": "high",
    "m_mobility_evidence": "Hoist for transfers.",
}
SOCIAL_WORKER = {
    "contribution_id": "e5f6a7b8",
    "contributor_name": "Robin Testcase",
    "contributor_profession": "social_worker",
    "contributed_on": "2026-11-13",
    "revision": 1,
    "m_mobility_level": "moderate",
    "m_mobility_evidence": "Assists on good days.",
}


@pytest.fixture
def two_members(tmp_path: Path) -> Any:
    vaults, records, ids = [], [], []
    for i, (name, role, part) in enumerate(
        [("Sam Okafor", Role.NURSE, NURSE), ("Robin Testcase", Role.SOCIAL_WORKER, SOCIAL_WORKER)]
    ):
        vault = member_vault(tmp_path / f"m{i}", name, role)
        person = PeopleRepository(vault).add(community_person())
        repo = AssessmentRepository(vault)
        record = repo.create(person.id, "chc_dst", 1)
        own_part(repo, record.id, part)
        vaults.append(vault)
        records.append(repo)
        ids.append(record.id)
    yield records, ids, tmp_path
    for vault in vaults:
        vault.close()


def test_two_members_swap_files_and_see_the_same_merged_dst(two_members: Any) -> None:
    (nurse, social), (nurse_dst, social_dst), folder = two_members
    nurse_fp = export_member_contribution(
        session_for(nurse), nurse_dst, "a1b2c3d4", folder / "nurse.dstc", passphrase=EXCHANGE
    )
    social_fp = export_member_contribution(
        session_for(social), social_dst, "e5f6a7b8", folder / "sw.dstc", passphrase=EXCHANGE
    )
    assert b"Okafor" not in (folder / "nurse.dstc").read_bytes()  # encrypted, not just signed
    # Each member's first file: the importer must confirm the fingerprint read to them.
    with pytest.raises(UnconfirmedMemberKeyError) as unconfirmed:
        import_member_contribution(
            session_for(nurse), nurse_dst, folder / "sw.dstc", passphrase=EXCHANGE
        )
    assert unconfirmed.value.fingerprint == social_fp and social_fp != nurse_fp
    assert len(nurse.get(nurse_dst).answers["contributions"]) == 1  # nothing imported
    first = import_member_contribution(
        session_for(nurse),
        nurse_dst,
        folder / "sw.dstc",
        passphrase=EXCHANGE,
        confirmed_fingerprint=social_fp,
    )
    second = import_member_contribution(
        session_for(social),
        social_dst,
        folder / "nurse.dstc",
        passphrase=EXCHANGE,
        confirmed_fingerprint=nurse_fp.replace(" ", ""),
    )
    assert (first.outcome, second.outcome) == ("added", "added")
    nurse_answers = nurse.get(nurse_dst).answers
    assert nurse_answers["contributions"] == social.get(social_dst).answers["contributions"]
    form = load_forms_dir(default_forms_dir()).latest("chc_dst")
    outcome = evaluate(form, nurse_answers, today=dt.date(2026, 11, 20))
    proposals = outcome.outcomes["contribution_proposals"]
    assert proposals.value == 1  # one disagreement
    assert "The higher level, High, is proposed" in proposals.reasons[0]
    # Importing again changes nothing, and makes no new revision.
    revisions = len(nurse.history(nurse_dst))
    again = import_member_contribution(
        session_for(nurse), nurse_dst, folder / "sw.dstc", passphrase=EXCHANGE
    )
    assert again.outcome == "unchanged" and len(nurse.history(nurse_dst)) == revisions


def test_a_wrong_passphrase_or_another_persons_dst_imports_nothing(two_members: Any) -> None:
    (nurse, social), (nurse_dst, social_dst), folder = two_members
    export_member_contribution(
        session_for(social), social_dst, "e5f6a7b8", folder / "sw.dstc", passphrase=EXCHANGE
    )
    with pytest.raises(ContributionPassphraseError):
        import_member_contribution(
            session_for(nurse), nurse_dst, folder / "sw.dstc", passphrase="wrong one!"
        )
    other = PeopleRepository(nurse.vault).add(community_person(family_name="Elsewhere"))
    other_dst = nurse.create(other.id, "chc_dst", 1)
    with pytest.raises(DifferentPersonError):
        import_member_contribution(
            session_for(nurse), other_dst.id, folder / "sw.dstc", passphrase=EXCHANGE
        )
    assert [i["contribution_id"] for i in nurse.get(nurse_dst).answers["contributions"]] == [
        "a1b2c3d4"
    ]


def _swap(two_members: Any) -> tuple[Any, ...]:
    """Both members' first files, each fingerprint confirmed: now each knows the other's key."""
    (nurse, social), (nurse_dst, social_dst), folder = two_members
    for (me, mine, cid), (them, theirs) in [
        ((nurse, nurse_dst, "a1b2c3d4"), (social, social_dst)),
        ((social, social_dst, "e5f6a7b8"), (nurse, nurse_dst)),
    ]:
        fingerprint = export_member_contribution(
            session_for(me), mine, cid, folder / f"{cid}.dstc", passphrase=EXCHANGE
        )
        import_member_contribution(
            session_for(them),
            theirs,
            folder / f"{cid}.dstc",
            passphrase=EXCHANGE,
            confirmed_fingerprint=fingerprint,
        )
    return nurse, social, nurse_dst, social_dst, folder


def _revise(records: AssessmentRepository, record_id: str, level: str, revision: int) -> None:
    records.save_field(record_id, "contributions[0].m_mobility_level", level)
    records.save_field(record_id, "contributions[0].revision", revision)
    records.checkpoint(record_id)


def test_once_members_know_each_other_a_file_needs_no_passphrase(two_members: Any) -> None:
    nurse, social, nurse_dst, social_dst, folder = _swap(two_members)
    _revise(social, social_dst, "high", 2)
    path = folder / "sw-2.dstc"
    export_member_contribution(session_for(social), social_dst, "e5f6a7b8", path, passphrase=None)
    assert b"Robin" not in path.read_bytes() and b"passphrase" not in path.read_bytes()
    result = import_member_contribution(session_for(nurse), nurse_dst, path, passphrase=None)
    assert result.outcome == "updated"
    mine = nurse.get(nurse_dst).answers["contributions"]
    assert [i["revision"] for i in mine if i["contribution_id"] == "e5f6a7b8"] == [2]


def test_a_first_file_without_a_passphrase_is_refused_before_writing(two_members: Any) -> None:
    (_nurse, social), (_nurse_dst, social_dst), folder = two_members
    with pytest.raises(ValidationError, match="No other member's key is known") as err:
        export_member_contribution(
            session_for(social), social_dst, "e5f6a7b8", folder / "sw.dstc", passphrase=None
        )
    assert "passphrase your MDT agreed" in err.value.next_step
    assert not (folder / "sw.dstc").exists()


def test_a_file_locked_by_passphrase_asks_for_it_and_changes_nothing(two_members: Any) -> None:
    (nurse, social), (nurse_dst, social_dst), folder = two_members
    export_member_contribution(
        session_for(social), social_dst, "e5f6a7b8", folder / "sw.dstc", passphrase=EXCHANGE
    )
    before = content_hash(nurse.vault)
    with pytest.raises(PassphraseNeededError):
        import_member_contribution(session_for(nurse), nurse_dst, folder / "sw.dstc")
    assert content_hash(nurse.vault) == before


def test_a_replayed_older_file_changes_nothing_and_says_so(two_members: Any) -> None:
    nurse, social, nurse_dst, social_dst, folder = _swap(two_members)
    _revise(social, social_dst, "high", 2)
    export_member_contribution(
        session_for(social), social_dst, "e5f6a7b8", folder / "sw-2.dstc", passphrase=EXCHANGE
    )
    assert (
        import_member_contribution(session_for(nurse), nurse_dst, folder / "sw-2.dstc").outcome
        == "updated"
    )
    revisions = len(nurse.history(nurse_dst))
    before = content_hash(nurse.vault)
    old = import_member_contribution(session_for(nurse), nurse_dst, folder / "e5f6a7b8.dstc")
    again = import_member_contribution(session_for(nurse), nurse_dst, folder / "sw-2.dstc")
    assert (old.outcome, again.outcome) == ("older", "unchanged")
    assert len(nurse.history(nurse_dst)) == revisions and content_hash(nurse.vault) == before


def test_a_file_for_another_dst_on_this_laptop_is_refused(two_members: Any) -> None:
    (nurse, social), (nurse_dst, social_dst), folder = two_members
    # A second DST of the same person on the nurse's laptop, with the id the file names (as
    # a shared DST keeps the owner's ids): the file is for that one, not for the nurse's.
    person = nurse.get(nurse_dst).person_id
    other = AssessmentRepository(social.vault).get(social_dst)
    nurse.import_new(
        Assessment(
            other.id,
            person,
            "chc_dst",
            other.form_version,
            RecordStatus.DRAFT,
            "Sam Okafor",
            {"contributions": []},
        )
    )
    fingerprint = export_member_contribution(
        session_for(social), social_dst, "e5f6a7b8", folder / "sw.dstc", passphrase=EXCHANGE
    )
    before = content_hash(nurse.vault)
    with pytest.raises(DifferentPersonError, match="another Decision Support Tool") as err:
        import_member_contribution(
            session_for(nurse),
            nurse_dst,
            folder / "sw.dstc",
            passphrase=EXCHANGE,
            confirmed_fingerprint=fingerprint,
        )
    assert "Nothing has been imported" in err.value.next_step
    assert content_hash(nurse.vault) == before
    taken = import_member_contribution(
        session_for(nurse),
        other.id,
        folder / "sw.dstc",
        passphrase=EXCHANGE,
        confirmed_fingerprint=fingerprint,
    )
    assert taken.outcome == "added"


def test_a_file_in_the_old_format_imports_nothing(two_members: Any) -> None:
    (nurse, _social), (nurse_dst, _social_dst), folder = two_members
    path = folder / "old.dstc"
    path.write_text('{\n "format": "assessor.dst-contribution/1",\n "kdf": {}\n}\n')
    before = content_hash(nurse.vault)
    with pytest.raises(UnsupportedContributionFormatError, match="earlier version"):
        import_member_contribution(session_for(nurse), nurse_dst, path, passphrase=EXCHANGE)
    assert content_hash(nurse.vault) == before
