"""Two MDT members, two vaults, no network: each completes their part of one person's DST,
they swap contribution files, and both end with the same DST, the disagreement recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.chc.exchange import (
    ContributionPassphraseError,
    DifferentPersonError,
    UnconfirmedMemberKeyError,
)
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import Role
from assessor_app.core.services.contributions import (
    export_member_contribution,
    import_member_contribution,
)
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, session_for

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
