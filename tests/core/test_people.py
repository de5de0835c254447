"""People: identifiers that must be right, and a caseload searchable as you type."""

from __future__ import annotations

import datetime as dt

import pytest

from assessor_app.core.errors import ValidationError
from assessor_app.core.nhs_number import format_nhs_number, is_valid_nhs_number
from assessor_app.core.records import ConvictionStatus, Setting
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.support import community_person, prisoner


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("943-476-5919", True),
        ("9434765918", False),
        ("943476591", False),
        ("94347659190", False),
        ("abcdefghij", False),
        ("1000000010", False),
    ],  # the last has check digit 10: never valid
)
def test_nhs_number_modulus_11(text: str, valid: bool) -> None:
    assert is_valid_nhs_number(text) is valid


def test_nhs_number_shown_3_3_4_and_stored_as_digits(vault: Vault) -> None:
    person = PeopleRepository(vault).add(community_person(nhs_number="943 476 5919"))
    assert person.details.nhs_number == "9434765919"
    assert format_nhs_number(person.details.nhs_number) == "943 476 5919"


def test_bad_nhs_number_is_refused_with_what_to_do(vault: Vault) -> None:
    with pytest.raises(ValidationError, match="check digit is wrong"):
        PeopleRepository(vault).add(community_person(nhs_number="9434765918"))
    assert PeopleRepository(vault).count() == 0


def test_prisoner_without_nhs_number_is_accepted(vault: Vault) -> None:
    person = PeopleRepository(vault).add(prisoner())
    assert person.details.nhs_number is None
    assert person.details.setting is Setting.PRISON


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date_of_birth": dt.date(2030, 1, 1)}, "in the future"),
        ({"date_of_birth": dt.date(1850, 1, 1)}, "before 1900"),
        ({"given_name": "  "}, "first name and surname"),
        ({"conviction_status": ConvictionStatus.SENTENCED}, "only to people in custody"),
    ],
)
def test_impossible_details_are_refused(
    vault: Vault, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        PeopleRepository(vault).add(community_person(**changes), today=dt.date(2026, 11, 23))


@pytest.mark.parametrize(
    ("setting", "status", "fits"),
    [
        ("prison", "unconvicted_on_bail", "approved premises or bail accommodation"),
        ("young_offender_institution", "unconvicted_on_bail", "approved premises or bail"),
        ("secure_childrens_home", "unconvicted_on_bail", "approved premises or bail"),
        ("approved_premises", "remanded", "prison, young offender institution, secure training"),
        ("bail_accommodation", "remanded", "secure training centre or secure children's home"),
    ],
)
def test_a_conviction_status_that_does_not_fit_the_setting_is_refused_saying_which_fits(
    vault: Vault, setting: str, status: str, fits: str
) -> None:
    details = prisoner(setting=Setting(setting), conviction_status=ConvictionStatus(status))
    with pytest.raises(ValidationError) as refused:
        PeopleRepository(vault).add(details, today=dt.date(2026, 11, 23))
    said = refused.value.one_line()
    assert f"'{ConvictionStatus(status).label}' does not fit someone in" in said
    assert fits in said and said.endswith("Change the setting or the conviction status.")
    assert PeopleRepository(vault).count() == 0


@pytest.mark.parametrize(
    ("setting", "status"),
    [
        ("prison", "remanded"),
        ("prison", "sentenced"),
        ("secure_training_centre", "remanded"),
        ("approved_premises", "sentenced"),
        ("approved_premises", "unconvicted_on_bail"),
        ("bail_accommodation", "unconvicted_on_bail"),
        ("bail_accommodation", "sentenced"),
    ],
)
def test_conviction_statuses_that_fit_the_setting_are_kept(
    vault: Vault, setting: str, status: str
) -> None:
    details = prisoner(setting=Setting(setting), conviction_status=ConvictionStatus(status))
    saved = PeopleRepository(vault).add(details, today=dt.date(2026, 11, 23))
    assert saved.details.conviction_status == status


def test_editing_a_person_into_a_misfit_is_refused_too(vault: Vault) -> None:
    people = PeopleRepository(vault)
    person = people.add(prisoner(), today=dt.date(2026, 11, 23))
    changed = prisoner(conviction_status=ConvictionStatus.UNCONVICTED_ON_BAIL)
    with pytest.raises(ValidationError, match="does not fit someone in prison"):
        people.update(person.id, changed, today=dt.date(2026, 11, 23))
    assert people.get(person.id).details.conviction_status is ConvictionStatus.SENTENCED


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("A1234BC", "A1234BC"), ("a1234bc", "A1234BC"), (" a 1234 bc ", "A1234BC"), ("", "")],
)
def test_prison_numbers_are_kept_as_one_letter_four_digits_two_letters(
    vault: Vault, typed: str, kept: str
) -> None:
    saved = PeopleRepository(vault).add(prisoner(prison_number=typed))
    assert saved.details.prison_number == kept


@pytest.mark.parametrize("typed", ["hello", "A123BC", "A12345BC", "12345BC", "A1234B", "AB1234C"])
def test_a_prison_number_not_in_the_england_and_wales_format_is_refused(
    vault: Vault, typed: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        PeopleRepository(vault).add(prisoner(prison_number=typed))
    said = refused.value.one_line()
    assert f"'{typed}' is not one letter, four digits and two letters" in said
    assert "for example A1234BC" in said
    assert PeopleRepository(vault).count() == 0


def test_search_matches_every_word_typed_in_any_identifier(vault: Vault) -> None:
    people = PeopleRepository(vault)
    zoe = people.add(community_person())
    lukasz = people.add(prisoner())
    people.add(
        community_person(
            given_name="Amara",
            family_name="Testington",
            nhs_number=None,
            date_of_birth=dt.date(1990, 5, 5),
        )
    )
    assert [p.id for p in people.search("quill")] == [zoe.id]
    assert [p.id for p in people.search("zoë quill")] == [zoe.id]
    assert [p.id for p in people.search("a1234bc")] == [lukasz.id]
    assert [p.id for p in people.search("943 476")] == [zoe.id]
    assert [p.id for p in people.search("14/03/1948")] == [zoe.id]
    assert people.search("quill amara") == []
    assert [p.details.family_name for p in people.search("")] == [
        "Brindlewood",
        "Quillfeather",
        "Testington",
    ]


@pytest.mark.parametrize(
    ("given", "family", "typed"),
    [
        ("Thị", "Nguyễn", "nguyen thi"),
        ("Zoë", "Quillfeather", "zoe"),
        ("Łukasz", "Brzęczyszczykiewicz", "lukasz brzeczy"),
        ("Søren", "Ærøskøbing", "soren aeroskobing"),
        ("Siobhán", "O’Súilleabháin", "o'suil"),
        ("José", "Müller", "JOSE MULLER"),
    ],
)
def test_search_finds_a_name_typed_without_its_accents(
    vault: Vault, given: str, family: str, typed: str
) -> None:
    people = PeopleRepository(vault)
    found = people.add(community_person(given_name=given, family_name=family))
    people.add(community_person(given_name="Amara", family_name="Testington"))
    assert [p.id for p in people.search(typed)] == [found.id]
    # Typed with its accents it is found too, and the name itself is kept exactly.
    [person] = people.search(f"{given} {family}")
    assert (person.details.given_name, person.details.family_name) == (given, family)


def test_search_treats_wildcards_literally(vault: Vault) -> None:
    PeopleRepository(vault).add(community_person())
    assert PeopleRepository(vault).search("%") == []
    assert PeopleRepository(vault).search("_") == []
