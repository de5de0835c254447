"""Forged MDT contributions: signed by someone who knows the exchange passphrase, in a
colleague's name, under a key of their own. Each is refused with a message that says so, the
DST is left exactly as it was, and the history still checks out.

The forger (a third profile, Mallory) plays the probe's part: 50 forgeries that add a
contribution in the colleague's name and 50 that replace the colleague's genuine revision
(for example turning their Mobility level from High to No needs).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assessor_app.core.chc.exchange import (
    ContributionContentError,
    ContributionSignerError,
    UnconfirmedMemberKeyError,
    export_contribution,
    key_fingerprint,
    public_key_b64,
)
from assessor_app.core.chc.record_person import (
    record_person_from,
)
from assessor_app.core.services.contributions import (
    export_member_contribution,
    import_member_contribution,
    own_fingerprint,
)
from assessor_app.core.storage import history
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from tests.core.test_chc_contributions_io import (  # noqa: F401 - the fixture
    EXCHANGE,
    NURSE,
    SOCIAL_WORKER,
    two_members,
)
from tests.core.test_chc_exchange import reseal, sign
from tests.support import community_person, session_for

MALLORY = Ed25519PrivateKey.generate()


@pytest.fixture
def members(two_members: Any) -> Any:  # noqa: F811 - the imported fixture
    """Sam Okafor (nurse) and Robin Testcase (social worker), each with their own DST."""
    return two_members


def forge(path: Path, item: dict[str, Any], key: Ed25519PrivateKey = MALLORY) -> Path:
    """A contribution file signed by `key` in whatever name `item` gives."""
    export_contribution(
        path,
        item,
        record_person_from(community_person()),
        record_id="a-dst-on-the-forgers-laptop",
        passphrase=EXCHANGE,
        signing_key=key,
        kdf=FAST_KDF_FOR_TESTS,
    )
    return path


def swapped(
    nurse: AssessmentRepository,
    nurse_dst: str,
    social: AssessmentRepository,
    social_dst: str,
    folder: Path,
) -> None:
    """The two members exchange genuine files, each confirming the other's fingerprint."""
    export_member_contribution(
        session_for(social),
        social_dst,
        SOCIAL_WORKER["contribution_id"],
        folder / "sw.dstc",
        passphrase=EXCHANGE,
    )
    import_member_contribution(
        session_for(nurse),
        nurse_dst,
        folder / "sw.dstc",
        passphrase=EXCHANGE,
        confirmed_fingerprint=own_fingerprint(session_for(social.vault)),
    )


def snapshot(records: AssessmentRepository, record_id: str) -> tuple[Any, int]:
    return records.get(record_id).answers["contributions"], len(records.history(record_id))


def test_a_forgery_in_a_known_members_name_is_refused(members: Any) -> None:
    (nurse, social), (nurse_dst, social_dst), folder = members
    swapped(nurse, nurse_dst, social, social_dst, folder)
    before = snapshot(nurse, nurse_dst)
    replace = forge(
        folder / "replace.dstc", {**SOCIAL_WORKER, "revision": 2, "m_mobility_level": "no_needs"}
    )
    with pytest.raises(ContributionSignerError) as err:
        import_member_contribution(session_for(nurse), nurse_dst, replace, passphrase=EXCHANGE)
    message = err.value.user_message
    assert "Robin Testcase" in message and "different key" in message
    assert own_fingerprint(session_for(social.vault)) in message  # the key they really use
    assert "Nothing has been imported" in err.value.next_step
    assert snapshot(nurse, nurse_dst) == before
    assert history.verify_chains(nurse.vault.conn).ok


def test_a_coordinator_confirming_a_forgers_fingerprint_still_cannot_replace(
    members: Any,
) -> None:
    # Even confirming the forger's own fingerprint does not let a second key into a name.
    (nurse, social), (nurse_dst, social_dst), folder = members
    swapped(nurse, nurse_dst, social, social_dst, folder)
    before = snapshot(nurse, nurse_dst)
    extra = forge(folder / "add.dstc", {**SOCIAL_WORKER, "contribution_id": "feedf00d"})
    with pytest.raises(ContributionSignerError):
        import_member_contribution(
            session_for(nurse),
            nurse_dst,
            extra,
            passphrase=EXCHANGE,
            confirmed_fingerprint=key_fingerprint(public_key_b64(MALLORY)),
        )
    assert snapshot(nurse, nurse_dst) == before


def test_a_forger_under_their_own_name_cannot_take_over_a_colleagues_contribution(
    members: Any,
) -> None:
    (nurse, social), (nurse_dst, social_dst), folder = members
    swapped(nurse, nurse_dst, social, social_dst, folder)
    before = snapshot(nurse, nurse_dst)
    takeover = forge(
        folder / "takeover.dstc",
        {
            **SOCIAL_WORKER,
            "contributor_name": "Mallory Example",
            "revision": 5,
            "m_mobility_level": "no_needs",
        },
    )
    with pytest.raises(ContributionSignerError, match="signed with another key"):
        import_member_contribution(
            session_for(nurse),
            nurse_dst,
            takeover,
            passphrase=EXCHANGE,
            confirmed_fingerprint=key_fingerprint(public_key_b64(MALLORY)),
        )
    # The nurse's own contribution, never exported, cannot be taken over either.
    mine = forge(
        folder / "mine.dstc", {**NURSE, "contributor_name": "Mallory Example", "revision": 2}
    )
    with pytest.raises(ContributionSignerError, match="replace Sam Okafor's contribution"):
        import_member_contribution(
            session_for(nurse),
            nurse_dst,
            mine,
            passphrase=EXCHANGE,
            confirmed_fingerprint=key_fingerprint(public_key_b64(MALLORY)),
        )
    assert snapshot(nurse, nurse_dst) == before


def test_a_forgery_in_your_own_name_is_refused(members: Any) -> None:
    (nurse, _social), (nurse_dst, _social_dst), folder = members
    before = snapshot(nurse, nurse_dst)
    as_me = forge(folder / "me.dstc", {**NURSE, "contribution_id": "0badc0de"})
    with pytest.raises(ContributionSignerError, match="in your name"):
        import_member_contribution(
            session_for(nurse),
            nurse_dst,
            as_me,
            passphrase=EXCHANGE,
            confirmed_fingerprint="anything",
        )
    assert snapshot(nurse, nurse_dst) == before


def test_a_first_contribution_needs_the_right_fingerprint(members: Any) -> None:
    (nurse, social), (nurse_dst, social_dst), folder = members
    fingerprint = export_member_contribution(
        session_for(social),
        social_dst,
        SOCIAL_WORKER["contribution_id"],
        folder / "sw.dstc",
        passphrase=EXCHANGE,
    )
    assert fingerprint == own_fingerprint(session_for(social.vault))
    assert len(fingerprint.replace(" ", "")) == 20 and fingerprint.replace(" ", "").isdigit()
    with pytest.raises(UnconfirmedMemberKeyError) as err:
        import_member_contribution(
            session_for(nurse),
            nurse_dst,
            folder / "sw.dstc",
            passphrase=EXCHANGE,
            confirmed_fingerprint="12345 67890 12345 67890",
        )
    assert fingerprint in err.value.user_message and "read you" in err.value.next_step
    result = import_member_contribution(
        session_for(nurse),
        nurse_dst,
        folder / "sw.dstc",
        passphrase=EXCHANGE,
        confirmed_fingerprint=fingerprint,
    )
    assert result.outcome == "added"
    # Bound now: the next genuine file needs no confirmation.
    social.save_field(social_dst, "contributions[0].m_mobility_level", "high")
    social.save_field(social_dst, "contributions[0].revision", 2)
    social.checkpoint(social_dst)
    export_member_contribution(
        session_for(social),
        social_dst,
        SOCIAL_WORKER["contribution_id"],
        folder / "sw2.dstc",
        passphrase=EXCHANGE,
    )
    again = import_member_contribution(
        session_for(nurse), nurse_dst, folder / "sw2.dstc", passphrase=EXCHANGE
    )
    assert again.outcome == "updated"


def test_a_hundred_forgeries_all_refused(members: Any) -> None:
    """The probe's count: 50 that add in the colleague's name, 50 that replace their revision."""
    (nurse, social), (nurse_dst, social_dst), folder = members
    swapped(nurse, nurse_dst, social, social_dst, folder)
    before = snapshot(nurse, nurse_dst)
    levels = ["no_needs", "low", "moderate", "high"]
    accepted = 0
    for n in range(100):
        item = copy.deepcopy(SOCIAL_WORKER)
        item["m_mobility_level"] = levels[n % 4]
        if n < 50:
            item["contribution_id"] = f"{n:08x}"
        else:
            item["revision"] = 2 + n
        key = MALLORY if n % 2 else Ed25519PrivateKey.generate()
        path = forge(folder / f"forged-{n}.dstc", item, key)
        try:
            import_member_contribution(
                session_for(nurse),
                nurse_dst,
                path,
                passphrase=EXCHANGE,
                confirmed_fingerprint=key_fingerprint(public_key_b64(key)),
            )
            accepted += 1
        except ContributionSignerError:
            pass
    assert accepted == 0
    assert snapshot(nurse, nurse_dst) == before
    assert history.verify_chains(nurse.vault.conn).ok


def test_a_name_that_could_hide_the_real_fingerprint_is_refused(members: Any) -> None:
    (nurse, _social), (nurse_dst, _social_dst), folder = members
    spoof = "Robin Testcase\n\nKey fingerprint:\n\n    12345 67890 12345 67890\n\n"
    for n, name in enumerate([spoof, "Robin\u202eesactseT", "Robin\u200bTestcase", "R" * 101]):
        # Made by hand, as the app itself refuses to write such a name.
        path = forge(folder / f"spoof-{n}.dstc", {**SOCIAL_WORKER, "contribution_id": "feedface"})

        def rename(payload: dict[str, Any], name: str = name) -> None:
            payload["contribution"]["contributor_name"] = name
            sign(payload, MALLORY, name=name)

        reseal(path, rename, EXCHANGE, sealer=MALLORY)
        with pytest.raises(ContributionContentError, match="name"):
            import_member_contribution(
                session_for(nurse),
                nurse_dst,
                path,
                passphrase=EXCHANGE,
                confirmed_fingerprint="anything",
            )
    assert len(nurse.get(nurse_dst).answers["contributions"]) == 1


def test_one_key_belongs_to_one_member(members: Any) -> None:
    (nurse, social), (nurse_dst, social_dst), folder = members
    swapped(nurse, nurse_dst, social, social_dst, folder)
    from assessor_app.core.storage.device_keys import contribution_signing_key

    robins_key = contribution_signing_key(social.vault)
    other_name = forge(
        folder / "alias.dstc",
        {**SOCIAL_WORKER, "contribution_id": "abcdef01", "contributor_name": "Someone New"},
        robins_key,
    )
    with pytest.raises(ContributionSignerError, match="with the key of Robin Testcase"):
        import_member_contribution(
            session_for(nurse),
            nurse_dst,
            other_name,
            passphrase=EXCHANGE,
            confirmed_fingerprint=own_fingerprint(session_for(social.vault)),
        )


def test_a_confirmation_is_for_the_member_it_was_asked_about(members: Any) -> None:
    (nurse, social), (nurse_dst, social_dst), folder = members
    export_member_contribution(
        session_for(social),
        social_dst,
        SOCIAL_WORKER["contribution_id"],
        folder / "sw.dstc",
        passphrase=EXCHANGE,
    )
    with pytest.raises(UnconfirmedMemberKeyError):
        import_member_contribution(
            session_for(nurse),
            nurse_dst,
            folder / "sw.dstc",
            passphrase=EXCHANGE,
            confirmed_fingerprint=own_fingerprint(session_for(social.vault)),
            confirmed_name="Somebody Else",
        )


def test_you_cannot_send_a_colleagues_contribution_in_their_name(members: Any) -> None:
    (nurse, _social), (nurse_dst, _social_dst), folder = members
    # The nurse types a colleague's part into her own DST, then tries to send it as theirs.
    items = nurse.get(nurse_dst).answers["contributions"]
    nurse.save_field(nurse_dst, "contributions", [*items, {**SOCIAL_WORKER}])
    nurse.checkpoint(nurse_dst)
    with pytest.raises(ContributionSignerError, match="not yours"):
        export_member_contribution(
            session_for(nurse),
            nurse_dst,
            SOCIAL_WORKER["contribution_id"],
            folder / "theirs.dstc",
            passphrase=EXCHANGE,
        )
    assert not (folder / "theirs.dstc").exists()


def test_it_can_rebind_a_member_who_changed_laptops(members: Any) -> None:
    from assessor_app.core.services.contributions import rebind_member_key

    (nurse, social), (nurse_dst, social_dst), folder = members
    swapped(nurse, nurse_dst, social, social_dst, folder)
    new_laptop = Ed25519PrivateKey.generate()
    newer = forge(
        folder / "new-laptop.dstc",
        {**SOCIAL_WORKER, "revision": 2, "m_mobility_level": "high"},
        new_laptop,
    )
    with pytest.raises(ContributionSignerError):
        import_member_contribution(session_for(nurse), nurse_dst, newer, passphrase=EXCHANGE)
    fingerprint = key_fingerprint(public_key_b64(new_laptop))
    bound = rebind_member_key(
        session_for(nurse.vault), newer, passphrase=EXCHANGE, confirmed_fingerprint=fingerprint
    )
    assert bound.source == "rebound" and bound.fingerprint == fingerprint
    # The contribution itself stays bound to the key of its first revision: the member sends
    # a new contribution from the new laptop.
    fresh = forge(
        folder / "fresh.dstc", {**SOCIAL_WORKER, "contribution_id": "0ddba11a"}, new_laptop
    )
    assert (
        import_member_contribution(
            session_for(nurse), nurse_dst, fresh, passphrase=EXCHANGE
        ).outcome
        == "added"
    )
