"""Synthetic people and records for `assessor-app --demo`, benchmarks and tests.

Every person here is invented. NHS numbers are drawn from the 999 range, which is commonly
used for test data, and still pass the Modulus 11 check.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from assessor_app.core.charging.pension_age import pension_credit_age
from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.answers import visible_answers
from assessor_app.core.form_engine.definition import FieldType, FormDefinition
from assessor_app.core.form_engine.prefill import prefill_answers
from assessor_app.core.nhs_number import check_digit
from assessor_app.core.paths import resources_dir
from assessor_app.core.records import (
    CONVICTION_SETTINGS,
    SECURE_SETTINGS,
    ConvictionStatus,
    PersonDetails,
    Setting,
)
from assessor_app.core.services.records import check_can_start
from assessor_app.core.services.session import Session

GIVEN = [
    "Zoë",
    "Łukasz",
    "Thi Hoa",
    "Amara",
    "Declan",
    "Priya",
    "Gareth",
    "Mei",
    "Oluwaseun",
    "Siobhan",
    "Tomasz",
    "Fatima",
    "Rhys",
    "Aisling",
    "Kwame",
    "Ingrid",
    "Bashir",
    "Nia",
    "Callum",
    "Esther",
    "Marek",
    "Yasmin",
    "Lewis",
    "Agnieszka",
]
FAMILY = [
    "Testington",
    "Nguyễn",
    "Okonkwo-Demo",
    "Fictional",
    "Sample",
    "Kowalczyk",
    "Exampleton",
    "Placeholder",
    "Dummyworth",
    "Madeup",
    "Invent",
    "Notreal",
    "Synthe",
    "Mockford",
    "Pretendley",
    "Imaginary",
    "Fabrice",
    "Storyton",
]
PLACES = {
    Setting.PRISON: ["HMP Nowhere (synthetic)", "HMP Elsewhere (synthetic)"],
    Setting.APPROVED_PREMISES: ["Example House AP (synthetic)"],
    Setting.BAIL_ACCOMMODATION: ["Demotown Bail Accommodation (synthetic)"],
    Setting.CARE_HOME: ["Sunnyside Demo Care Home"],
    Setting.HOSPITAL: ["Demo General Hospital"],
}

COMMUNICATION: list[tuple[str, str]] = [
    ("", ""),
    ("", ""),
    ("Hearing aid; face the person", ""),
    ("BSL interpreter", "British Sign Language"),
    ("Speaks Polish; needs a Polish interpreter", "Polish"),
]
"""Communication needs a demo person may have, and the interpreter's language they call for."""

INTERPRETER_LANGUAGES = dict(COMMUNICATION)
"""A demo person's communication needs -> the language an interpreter is needed in ("" none)."""


def synthetic_nhs_number(rng: random.Random) -> str:
    """A Modulus-11-valid NHS number in the 999 test range."""
    while True:
        first_nine = "999" + "".join(str(rng.randrange(10)) for _ in range(6))
        check = check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)


def synthetic_people(
    count: int, *, seed: int = 7, today: dt.date | None = None
) -> Iterator[PersonDetails]:
    """Yield `count` invented people, about one in four in custody.

    A conviction status always fits the setting (`records.CONVICTION_SETTINGS`), and a
    prison number is one letter, four digits and two letters.
    """
    rng = random.Random(seed)
    today = today or dt.date.today()
    settings = (
        [Setting.OWN_HOME] * 5
        + [Setting.PRISON] * 2
        + [
            Setting.CARE_HOME,
            Setting.APPROVED_PREMISES,
            Setting.HOSPITAL,
            Setting.BAIL_ACCOMMODATION,
        ]
    )
    for i in range(count):
        setting = rng.choice(settings)
        custody = setting.is_custody
        dob = today - dt.timedelta(days=rng.randrange(18 * 365, 95 * 365))
        statuses = [s for s in ConvictionStatus if setting in CONVICTION_SETTINGS[s]]
        yield PersonDetails(
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            date_of_birth=dob,
            # Prisoners often have no NHS number to hand.
            nhs_number=None if custody and rng.random() < 0.4 else synthetic_nhs_number(rng),
            authority_person_id=f"LA{100000 + i}",
            prison_number=f"A{rng.randrange(1000, 9999)}{rng.choice('BCDEF')}{rng.choice('GHJK')}"
            if setting in (Setting.PRISON, Setting.YOUNG_OFFENDER_INSTITUTION)
            else "",
            address=f"{rng.randrange(1, 200)} Example Street, Demotown",
            communication_needs=rng.choice(COMMUNICATION)[0],
            preferred_format=rng.choice(["Standard", "Standard", "Easy read", "Large print"]),
            setting=setting,
            establishment_name=rng.choice(PLACES.get(setting, [""])),
            conviction_status=rng.choice(statuses) if custody else None,
            expected_release_date=today + dt.timedelta(days=rng.randrange(30, 900))
            if custody
            else None,
        )


def demo_answers(form_id: str) -> dict[str, Any]:
    """Invented answers for a form's demo drafts (`resources/demo/<form id>.json`), if any.

    They are written for one person (the needs assessment's for a prisoner);
    `answers_for` makes them fit whoever the draft is about.
    """
    path = resources_dir() / "demo" / f"{form_id}.json"
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _daily_living(setting: Setting) -> dict[str, Any]:
    """The needs assessment's answers that depend on where the person lives."""
    if setting in SECURE_SETTINGS:
        # The shipped answers are written for a prisoner.
        if setting is Setting.PRISON:
            return {}
        return {"referral_source": "youth_custody_professional"}
    if setting in (Setting.APPROVED_PREMISES, Setting.BAIL_ACCOMMODATION):
        staff = (
            "Approved premises staff"
            if setting is Setting.APPROVED_PREMISES
            else "The bail accommodation support worker"
        )
        return {
            "referral_source": "probation",
            "urgent_needs_met": f"{staff} prompted meals and the community equipment service "
            "lent a shower stool from 3 November, authorised by the duty social worker.",
            "establishment_advocacy": "The key worker can book the advocacy service's visits.",
            "desired_outcomes": "I want to cook in the shared kitchen on my own and have a "
            "shower without falling.",
            "what_matters_most": "Keeping my probation appointments and phoning my sister.",
            "strengths": "Knows the house routine well; reads and writes; gets on with the key "
            "worker.",
            "supporters": [
                {
                    "supporter_name": "Key worker (synthetic)",
                    "supporter_relationship": "Key worker",
                    "supporter_help": "Reminds about appointments",
                    "supporter_willing": "yes",
                    # Paid to help: staff are not carers (Care Act s10(9)).
                    "supporter_carer_offer": "not_a_carer",
                }
            ],
            "prevention_details": "Grab rail in the shower room requested from the house "
            "manager; easy-read leaflet on falls.",
            "sharing_records": [
                {
                    "share_recipient": "ap_manager"
                    if setting is Setting.APPROVED_PREMISES
                    else "offender_manager",
                    "share_what": ["assessment", "eligibility"],
                    "share_date": "2026-11-16",
                }
            ],
            "out_nutrition_narrative": "Cannot carry a plate or cut food because of arthritis "
            "in both hands.",
            "out_hygiene_narrative": "Has fallen twice in the shared shower; takes over an hour "
            "to wash.",
        }
    who, where, referral = {
        Setting.CARE_HOME: ("Care home staff help", "the care home", "gp_or_nhs"),
        Setting.HOSPITAL: ("Ward staff help", "the ward", "hospital"),
    }.get(setting, ("A home care agency visits each morning to help", "home", "family_or_friend"))
    return {
        "referral_source": referral,
        "urgent_needs_met": f"{who} with meals and washing, and the community equipment "
        "service lent a shower chair from 3 November, authorised by the duty social worker.",
        "desired_outcomes": "I want to make my own meals and have a shower without falling.",
        "what_matters_most": "Going to the library and phoning my sister.",
        "strengths": "Knows the neighbourhood well; reads and writes; gets on with the neighbours.",
        "supporters": [
            {
                "supporter_name": "Neighbour (synthetic)",
                "supporter_relationship": "Neighbour",
                "supporter_help": "Does the weekly shop",
                "supporter_willing": "yes",
                "supporter_carer_offer": "declined",
                "supporter_carer_offer_date": "2026-11-16",
            }
        ],
        "prevention_details": f"Grab rail by the shower in {where} from the community "
        "equipment service; easy-read leaflet on falls.",
        "out_nutrition_narrative": "Cannot carry a plate or cut food because of arthritis in "
        "both hands.",
        "out_hygiene_narrative": f"Has fallen twice in the shower at {where}; takes over an "
        "hour to wash.",
    }


def _interpreter(details: PersonDetails) -> dict[str, Any]:
    language = INTERPRETER_LANGUAGES.get(details.communication_needs, "")
    if language:
        return {"interpreter_needed": True, "interpreter_language": language}
    return {"interpreter_needed": False}


def _financial(details: PersonDetails, base: Mapping[str, Any]) -> dict[str, Any] | None:
    if details.setting.is_custody or details.date_of_birth is None:
        return None  # the demo charges only for care in the community or a care home
    effective = dt.date.fromisoformat(base["effective_date"])
    reached = pension_credit_age(details.date_of_birth).reached_by(effective)
    answers: dict[str, Any] = {"pension_age": reached}
    if not reached:
        # Below Pension Credit qualifying age: no State Pension or Attendance Allowance.
        answers["incomes"] = [
            {"income_kind": "esa", "income_amount": 14055, "income_frequency": "weekly"},
            {
                "income_kind": "pip_daily_living",
                "income_amount": 7390,
                "income_frequency": "weekly",
            },
        ]
    street = details.address.split(",")[0] or "Their home"
    answers["assets"] = [
        {**asset, "asset_description": street} if asset.get("asset_kind") == "main_home" else asset
        for asset in base.get("assets", [])
    ]
    if details.setting is Setting.CARE_HOME:
        answers |= {"care_type": "permanent_care_home", "first_permanent_admission": False}
    return answers


def answers_for(form: FormDefinition, details: PersonDetails) -> dict[str, Any] | None:
    """Demo answers for a draft of `form` that fit the person it is about.

    The shipped answers (`demo_answers`) with what depends on the person put right: where the
    referral came from and how daily living reads for where they live, an interpreter when
    their communication needs call for one, Pension Credit age from their date of birth.
    None when the demo does not use the form for them (a carer's assessment for someone not
    living in the community, a charge for someone in custody).
    """
    base = demo_answers(form.id)
    if not base:
        return base
    answers = dict(base)
    if form.id == "needs_assessment":
        answers |= _daily_living(details.setting) | _interpreter(details)
    elif form.id == "carers_assessment":
        if details.setting not in (Setting.OWN_HOME, Setting.OTHER):
            return None
        cared_for = str(base.get("cared_for_name", "")).split(" ")[0] or "them"
        answers |= _interpreter(details) | {
            "carer_desired_outcomes": f"To keep looking after {cared_for} at home and get a "
            "night's sleep twice a week."
        }
    elif form.id == "financial_assessment":
        fitted = _financial(details, base)
        if fitted is None:
            return None
        answers |= fitted
    return {k: v for k, v in answers.items() if form.has_field(k)}


def _filler(form: FormDefinition, details: PersonDetails, rng: random.Random) -> dict[str, Any]:
    """Filler for a form with no demo answers.

    Text, and yes or no at random, except whether an interpreter is needed, which the
    person's communication needs decide.
    """
    answers: dict[str, Any] = {}
    for field in form.top_fields():
        if field.type == FieldType.SHORT_TEXT and not field.pattern:
            answers[field.id] = f"Demo answer {rng.randrange(100)}"
        elif field.type == FieldType.YES_NO:
            answers[field.id] = rng.random() < 0.5
    fitted = {k: v for k, v in _interpreter(details).items() if form.has_field(k)}
    if "interpreter_needed" in fitted and not fitted["interpreter_needed"]:
        answers.pop("interpreter_language", None)
    return answers | fitted


def populate_demo(session: Session, *, people: int = 40, seed: int = 7) -> None:
    """Fill a (throwaway) vault with invented people and a few draft records for each form.

    Drafts start as the app starts them (prefilled from the person); forms with demo answers
    in `resources/demo/` get those, fitted to the person (`answers_for`), others get filler
    text. Only answers to the questions the draft shows are kept, so custody answers never
    sit in a record about someone at home. A form that does not apply to a person (a CHC tool
    for someone under 18) is passed over for the next one, and the developers' sample form is
    never used: the demo shows a council what its staff would see.
    """
    people_repo, records = session.people, session.records
    forms = [f for f in session.forms.forms() if not f.developers_only]
    rng = random.Random(seed)
    today = session.today()
    for i, details in enumerate(synthetic_people(people, seed=seed, today=today)):
        person = people_repo.add(details, today=today)
        if not forms or i % 3:
            continue
        first = (i // 3) % len(forms)  # each form in turn
        for form in forms[first:] + forms[:first]:
            try:
                check_can_start(session, form, person.id)
            except ValidationError:
                continue
            canned = answers_for(form, person.details)
            if canned is None:
                continue
            prefilled = prefill_answers(form, person, today=today)
            if not canned:
                canned = _filler(form, person.details, rng)
            # One revision, not one autosave per answer: the demo vault is made at start-up.
            shown = visible_answers(form, canned | prefilled)
            record = records.create(person.id, form.id, form.version, shown)
            records.checkpoint(record.id)
            break


def write_demo_branding(data_dir: Path) -> None:
    """Give a demo data folder the shipped example contact details as its own branding file.

    Everything in a demo is invented, so its letters may carry the example details that are
    refused for real profiles (see `pdf.branding.Branding.placeholder`).
    """
    shipped = (resources_dir() / "branding" / "default.yaml").read_text(encoding="utf-8")
    own = shipped.replace("placeholder: true", "placeholder: false", 1)
    (data_dir / "branding.yaml").write_text(own, encoding="utf-8")
