"""Synthetic people and records for `assessor-app --demo`, benchmarks and tests.

Every person here is invented. NHS numbers are drawn from the 999 range, which is commonly
used for test data, and still pass the Modulus 11 check.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.definition import FieldType
from assessor_app.core.form_engine.prefill import prefill_answers
from assessor_app.core.paths import resources_dir
from assessor_app.core.records import ConvictionStatus, PersonDetails, Setting
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
    Setting.CARE_HOME: ["Sunnyside Demo Care Home"],
    Setting.HOSPITAL: ["Demo General Hospital"],
}


def synthetic_nhs_number(rng: random.Random) -> str:
    """A Modulus-11-valid NHS number in the 999 test range."""
    while True:
        digits = [9, 9, 9] + [rng.randrange(10) for _ in range(6)]
        total = sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def synthetic_people(
    count: int, *, seed: int = 7, today: dt.date | None = None
) -> Iterator[PersonDetails]:
    """Yield `count` invented people, about one in four in custody."""
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
            communication_needs=rng.choice(
                ["", "", "Hearing aid; face the person", "BSL interpreter"]
            ),
            preferred_format=rng.choice(["Standard", "Standard", "Easy read", "Large print"]),
            setting=setting,
            establishment_name=rng.choice(PLACES.get(setting, [""])),
            conviction_status=rng.choice(list(ConvictionStatus)) if custody else None,
            expected_release_date=today + dt.timedelta(days=rng.randrange(30, 900))
            if custody
            else None,
        )


def demo_answers(form_id: str) -> dict[str, Any]:
    """Invented answers for a form's demo drafts (`resources/demo/<form id>.json`), if any."""
    path = resources_dir() / "demo" / f"{form_id}.json"
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def populate_demo(session: Session, *, people: int = 40, seed: int = 7) -> None:
    """Fill a (throwaway) vault with invented people and a few draft records for each form.

    Drafts start as the app starts them (prefilled from the person); forms with demo answers
    in `resources/demo/` get those, others get filler text. A form that does not apply to a
    person (a carer's assessment for a prisoner) is skipped for them.
    """
    people_repo, records = session.people, session.records
    forms = session.forms.forms()
    rng = random.Random(seed)
    today = session.today()
    for i, details in enumerate(synthetic_people(people, seed=seed)):
        person = people_repo.add(details)
        if forms and i % 3 == 0:
            form = forms[(i // 3) % len(forms)]  # each form in turn
            try:
                check_can_start(session, form, person.id)
            except ValidationError:
                continue
            canned = {k: v for k, v in demo_answers(form.id).items() if form.has_field(k)}
            prefilled = prefill_answers(form, person, today=today)
            # One revision, not one autosave per answer: the demo vault is made at start-up.
            record = records.create(person.id, form.id, form.version, canned | prefilled)
            for field in form.all_fields() if not canned else ():
                if field.type == FieldType.SHORT_TEXT and not field.pattern:
                    records.save_field(record.id, field.id, f"Demo answer {rng.randrange(100)}")
                elif field.type == FieldType.YES_NO:
                    records.save_field(record.id, field.id, rng.random() < 0.5)
            records.checkpoint(record.id)


def write_demo_branding(data_dir: Path) -> None:
    """Give a demo data folder the shipped example contact details as its own branding file.

    Everything in a demo is invented, so its letters may carry the example details that are
    refused for real profiles (see `pdf.branding.Branding.placeholder`).
    """
    shipped = (resources_dir() / "branding" / "default.yaml").read_text(encoding="utf-8")
    own = shipped.replace("placeholder: true", "placeholder: false", 1)
    (data_dir / "branding.yaml").write_text(own, encoding="utf-8")
