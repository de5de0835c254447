"""Letters to the person, checked as they will read them: real PDFs, read back with poppler.

Every letter is built from a real form's evaluation of the fixture answers (changed here where
a test needs another outcome), for a synthetic person with a Unicode name, rendered with
`build_pdf` and turned back into text with pdftotext, cropped to the page body so the running
header and footer do not interleave with the letter. The assertions are what the person relies
on, in reading order.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.demo import write_demo_branding
from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.definition import check_forms_dir, load_forms_dir
from assessor_app.core.form_engine.evaluation import Evaluation, evaluate
from assessor_app.core.form_engine.model import LETTERS
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.pdf.branding import Branding, load_branding
from assessor_app.core.pdf.document import (
    LARGE_TYPE_PT,
    Bullets,
    Document,
    Heading,
    Note,
    OutcomeBox,
    Para,
    RenderedPdf,
    TableBlock,
    Variant,
    build_pdf,
)
from assessor_app.core.pdf.letters import (
    LETTER_KINDS,
    letter_document,
    letters_for,
    variant_for,
)
from assessor_app.core.pdf.letters.plain_english import _easy_lines
from assessor_app.core.records import (
    Assessment,
    AssessmentId,
    ConvictionStatus,
    Person,
    PersonDetails,
    RecordStatus,
    Setting,
)
from assessor_app.core.rules import Outcome
from assessor_app.core.services.documents import finalise_record, make_letter
from assessor_app.core.storage.people import PeopleRepository
from tests.conftest import REPO_ROOT
from tests.support import poppler, session_for, squash, word_heights

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is not installed (CI installs it)"
)

REGISTRY = load_forms_dir(default_forms_dir())
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "forms" / "answers"
TODAY = dt.date(2026, 11, 23)
BRANDING = load_branding(None, "Exampleshire County Council")
ASSESSOR = "Priya Exampleton"
ROLE = "Social worker"
NAME = "Zoë Łukasz-Nguyễn"

COMMUNITY = Person(
    "person-1",
    PersonDetails(
        "Zoë",
        "Łukasz-Nguyễn",
        dt.date(1950, 3, 4),
        "9434765919",
        authority_person_id="EX-4411",
        address="12 Nowhere Lane\nExampleton\nEX1 2CD",
    ),
    dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
)
CUSTODY = replace(
    COMMUNITY,
    details=replace(
        COMMUNITY.details,
        prison_number="A1234BC",
        setting=Setting.PRISON,
        establishment_name="HMP Exampleton",
        address="HMP Exampleton, 1 Gaol Road, Exampleton EX2 2BB",
    ),
)

INFO_GIVEN = (
    "Ask the wing's peer support scheme to carry your meal tray. Ask healthcare for a perching "
    "stool for the shower. The library has large print books."
)


# --- answers for each outcome ---------------------------------------------------------------


def _fixture(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))


def _needs_eligible() -> dict[str, Any]:
    return _fixture("needs_custody_eligible")


def _with_info_given(answers: dict[str, Any], method: str) -> dict[str, Any]:
    answers.update(
        ineligible_info_given=True,
        ineligible_info_content=INFO_GIVEN,
        ineligible_info_date="2026-11-16",
        ineligible_info_method=method,
        ineligible_info_format=answers.get("preferred_format", "standard"),
    )
    return answers


def _needs_not_eligible() -> dict[str, Any]:
    """One outcome the person cannot achieve, not two: the adult criteria are not met."""
    answers = _needs_eligible()
    answers["out_hygiene_status"] = "achieved"
    answers["eligibility_reasoning"] = (
        "You need help to eat. You can wash and dress on your own. One task is not enough."
    )
    return _with_info_given(answers, "via_establishment")


def _carers_eligible() -> dict[str, Any]:
    return _fixture("carers_eligible")


def _carers_not_eligible() -> dict[str, Any]:
    """Caring does not affect the carer's health, and they manage every outcome."""
    answers = _carers_eligible()
    answers.update(health_deteriorating="no", c_recreation_status="achieved")
    answers["eligibility_reasoning"] = "Caring is hard work, but you are managing well."
    return _with_info_given(answers, "post")


def _checklist_positive() -> dict[str, Any]:
    return _fixture("chc_checklist_positive")


def _checklist_negative() -> dict[str, Any]:
    """No A, four B: below every threshold."""
    answers = _checklist_positive()
    answers.update(cl_nutrition="B", cl_mobility="C", cl_breathing="C", cl_continence="C")
    answers["decision_rationale"] = "Needs are below the level for a full assessment."
    return answers


def _checklist_refer() -> dict[str, Any]:
    answers = _checklist_negative()
    answers["refer_anyway"] = True
    answers["decision_rationale"] = "Her needs change quickly, so a full assessment is wise."
    return answers


def _financial() -> dict[str, Any]:
    return _fixture("financial_home")


def _financial_deferred() -> dict[str, Any]:
    """A care home resident whose home takes them over the upper limit: a deferred payment."""
    answers = _financial()
    for key in ("housing_costs", "dre_standard", "dre_items"):
        answers.pop(key)
    answers.update(
        care_type="permanent_care_home", first_permanent_admission=False, weekly_cost_of_care=90000
    )
    return answers


# --- building and reading letters -----------------------------------------------------------


def _record(form_id: str, answers: dict[str, Any], status: RecordStatus) -> Assessment:
    form = REGISTRY.latest(form_id)
    return Assessment(
        id="0f5e1c2a-7b9d-4e21-9c3a-5d8e7f6a1b2c",
        person_id="person-1",
        form_id=form.id,
        form_version=form.version,
        status=status,
        author="Robin Testcase",
        answers=answers,
        revision=4,
        revision_hash="ab" * 32,
        updated_at=dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC),
    )


def _evaluation(form_id: str, answers: dict[str, Any]) -> Evaluation:
    return evaluate(REGISTRY.latest(form_id), answers, today=TODAY)


def _document(
    kind: str,
    form_id: str,
    answers: dict[str, Any],
    variant: Variant = Variant.STANDARD,
    person: Person = COMMUNITY,
    status: RecordStatus = RecordStatus.COMPLETED,
    branding: Branding = BRANDING,
) -> Document:
    form = REGISTRY.latest(form_id)
    return letter_document(
        kind,
        form,
        _record(form_id, answers, status),
        person,
        _evaluation(form_id, answers),
        branding,
        variant=variant,
        today=TODAY,
        assessor_name=ASSESSOR,
        assessor_role=ROLE,
    )


# The page body in points (A4, 72 dpi): below the running header, above the footer.
_BODY_CROP = ("-x", "0", "-y", "112", "-W", "596", "-H", "645")


def _text(pdf: RenderedPdf, tmp_path: Path, *, body_only: bool = True) -> str:
    """The PDF's text in reading order, whitespace squashed to single spaces."""
    return squash(poppler("pdftotext", pdf.data, tmp_path, *(_BODY_CROP if body_only else ())))


def _assert_in_order(text: str, phrases: list[str]) -> None:
    at = 0
    for phrase in phrases:
        found = text.find(squash(phrase), at)
        assert found >= 0, f"{phrase!r} missing after position {at}:\n...{text[at : at + 400]}"
        at = found + len(squash(phrase))


# --- what each letter says, in reading order ------------------------------------------------

_OPENING_COMMUNITY = [NAME, "12 Nowhere Lane", "EX1 2CD", "23 November 2026", f"Dear {NAME},"]
_OPENING_CUSTODY = [
    NAME,
    "Prison number A1234BC",
    "HMP Exampleton",
    "1 Gaol Road",
    "23 November 2026",
    f"Dear {NAME},",
]
_CLOSING = [
    "Local Government and Social Care Ombudsman",
    "Example Advocacy Partnership",
    ASSESSOR,
    ROLE,
]
_STANDARD_CLOSING = [
    "Comments, complaints and compliments",
    "Phone: 01234 000000",
    "Local Government and Social Care Ombudsman",
    "Independent advocacy",
    "Example Advocacy Partnership",
    "Yours sincerely,",
    ASSESSOR,
    ROLE,
    "Exampleshire County Council",
]
_EASY_CLOSING = [
    "Not happy?",
    "You can tell us what we did well.",
    "Phone: 01234 000000",
    "You can also complain to our Adult Social Care complaints team.",
    "Local Government and Social Care Ombudsman",
    "Do you want help to have your say?",
    "Example Advocacy Partnership",
    "Who sent this letter?",
    ASSESSOR,
    ROLE,
]
_CUSTODY_COMPLAINTS = "Prisons and Probation Ombudsman"


_REGS_2015 = "of the Care and Support (Eligibility Criteria) Regulations 2015 are met"

# The rule's reasons as the person reads them: told to "you", never "the person" or "the
# carer", and without the staff instruction that advice "must still be given".
_ELIGIBILITY_READ_AS_YOU = {
    "needs-eligible-custody": [
        "Our decision: your needs are eligible",
        "managing and maintaining nutrition",
        "maintaining personal hygiene",
        f"All three conditions in reg 2(1) {_REGS_2015}, so your needs are eligible.",
        "Met: the needs arise from or relate to a physical or mental impairment or illness, "
        "recorded as physical impairment or illness and cognitive impairment (including "
        "dementia or brain injury).",
        "Met: you are unable to achieve 2 of the 10 outcomes: managing and maintaining "
        "nutrition (because you cannot do it without help, including prompting); maintaining "
        "personal hygiene (because doing it without help endangers, or is likely to endanger, "
        "your health or safety or that of others and doing it without help takes significantly "
        "longer than would normally be expected). Two or more are needed.",
        "Met: there is a significant impact on your wellbeing.",
    ],
    "needs-not-eligible-custody": [
        "Our decision: your needs are not eligible",
        f"Not all three conditions in reg 2(1) {_REGS_2015.removesuffix(' are met')} are "
        "met, so your needs are not eligible.",
        "Met: the needs arise from or relate to a physical or mental impairment or illness",
        "Not met: you are unable to achieve 1 of the 10 outcomes: managing and maintaining "
        "nutrition (because you cannot do it without help, including prompting). Two or more "
        "are needed.",
        "Met: there is a significant impact on your wellbeing.",
    ],
    "carers-eligible": [
        "Our decision: your needs are eligible",
        "engaging in recreational activities",
        "the needs arising from the effect on your health",
        f"All three conditions in reg 3(1) {_REGS_2015}, so your needs are eligible.",
        "Met: the needs arise because you provide necessary care to an adult.",
        "Met: your physical or mental health is at risk of deteriorating; also, you are unable "
        "to achieve 1 of the 8 outcomes: engaging in recreational activities (because you "
        "cannot do it without help). Either the health effect or one outcome is enough.",
        "Met: there is likely to be a significant impact on your wellbeing.",
    ],
}


Case = tuple[str, str, Callable[[], dict[str, Any]], Person]
CASES: dict[str, Case] = {
    "needs-eligible-custody": ("eligibility_record", "needs_assessment", _needs_eligible, CUSTODY),
    "needs-not-eligible-custody": (
        "eligibility_record",
        "needs_assessment",
        _needs_not_eligible,
        CUSTODY,
    ),
    "carers-eligible": ("eligibility_record", "carers_assessment", _carers_eligible, COMMUNITY),
    "needs-advice-custody": ("ineligible_advice", "needs_assessment", _needs_not_eligible, CUSTODY),
    "carers-advice": ("ineligible_advice", "carers_assessment", _carers_not_eligible, COMMUNITY),
    "checklist-positive": ("checklist_outcome", "chc_checklist", _checklist_positive, COMMUNITY),
    "checklist-negative": ("checklist_outcome", "chc_checklist", _checklist_negative, COMMUNITY),
    "checklist-refer": ("checklist_outcome", "chc_checklist", _checklist_refer, COMMUNITY),
    "financial": ("financial_statement", "financial_assessment", _financial, COMMUNITY),
}


def _expected_standard(case: str) -> list[str]:
    kind, form_id, make, _ = CASES[case]
    answers = make()
    if case in _ELIGIBILITY_READ_AS_YOU:
        eligible = case != "needs-not-eligible-custody"
        plan = "support plan" if form_id == "carers_assessment" else "care and support plan"
        return [
            *_ELIGIBILITY_READ_AS_YOU[case],
            answers["eligibility_reasoning"],
            "What happens next",
            plan if eligible else "Your needs are not eligible: what can help",
            "If you think we have got something wrong",
        ]
    if kind == "ineligible_advice":
        offered = (
            "Equipment or minor adaptations"
            if form_id == "needs_assessment"
            else "Breaks from caring"
        )
        details = answers[
            "prevention_details" if form_id == "needs_assessment" else "support_details"
        ]
        return [
            "your needs are not eligible for support from us",
            "section 13(5)",
            "What could meet or reduce your needs",
            INFO_GIVEN,
            "Preventing or delaying needs in future",
            offered,
            details,
            "If things change",
            "new assessment at any time",
        ]
    if kind == "checklist_outcome":
        outcome = _evaluation(form_id, answers).outcomes["checklist_outcome"]
        shown = list(outcome.reasons[:-1] if outcome.value == "positive" else outcome.reasons[:1])
        says = {
            "positive": ["It does not mean that you are eligible for NHS Continuing Healthcare"],
            "refer": ["has asked for one anyway", "This does not mean that you are eligible"],
            "negative": ["you do not need a full assessment"],
        }[str(outcome.value)]
        after = {
            "positive": ["Example Integrated Care Board", "28 days"],
            "refer": ["Example Integrated Care Board", "28 days"],
            "negative": ["If you think the result is wrong", "to reconsider the decision"],
        }[str(outcome.value)]
        return [
            "completed the NHS Continuing Healthcare Checklist with you on 16 November 2026",
            "What NHS Continuing Healthcare is",
            f"The result of your Checklist: {outcome.label}",
            *says,
            *shown,
            answers["decision_rationale"],
            *after,
            "Who to contact",
            "About the full assessment and the decision on eligibility: Example Integrated Care "
            "Board.",
            "About this Checklist: Robin Testcase, 01632 960 001.",
        ]
    return [
        "Your weekly charge: £153.90 a week",
        "This applies from 2 June 2025.",
        "How we worked it out",
        "Capital: Building society (counted) £17,500.00",
        "Tariff income",
        "£13.00",
        "Less Minimum Income Guarantee (single person at Pension Credit age £232.60) £232.60",
        "Weekly charge (no more than the cost of the care) £153.90",
        "The figures come from the rates table england-2025-26 (version 1).",
        "Adult social care charging, England, 2025-26, version 1",
        "If something is wrong or changes",
        "You can ask for a review at any time.",
    ]


def _expected_easy(case: str) -> list[str]:
    return {
        "needs-eligible-custody": [
            "What did we decide?",
            "Your needs are eligible.",
            "Eligible means we must help you get the support you need.",
            "Being in custody did not change our decision.",
            "Why did we decide this?",
            "1. Your needs come from a health condition or disability.",
            "Eating and drinking",
            "Washing and keeping clean",
            "3. This has a big effect on your life.",
            "All 3 things are true. So your needs are eligible.",
            "Robin Testcase wrote this for you:",
            "Because of arthritis",
            "What happens next?",
            "care and support plan",
            "staff at HMP Exampleton",
            "Do you think we got it wrong?",
        ],
        "needs-not-eligible-custody": [
            "Your needs are not eligible.",
            "Why did we decide this?",
            "Eating and drinking",
            "Needs are eligible only if 2 or more things are hard.",
            "Not all 3 things are true. So your needs are not eligible.",
            "You need help to eat.",
            "We will send you another letter.",
        ],
        "carers-eligible": [
            "Your needs are eligible.",
            "1. You give care that Zoë Quillfeather needs.",
            "Caring could make your health worse.",
            "Doing things you enjoy",
            "3. This is likely to have a big effect on your life.",
            "support plan",
        ],
        "needs-advice-custody": [
            "Your needs are not eligible.",
            "What can help now?",
            "Robin Testcase wrote this for you:",
            "Ask the wing's peer support scheme",
            "How can you stop things getting harder?",
            "Equipment, or small changes to your home",
            "Grab rail",
            "What if things change?",
        ],
        "carers-advice": [
            "Your needs are not eligible.",
            "What can help now?",
            INFO_GIVEN[:40],
            "Breaks from caring",
            "What if things change?",
        ],
        "checklist-positive": [
            "What is NHS Continuing Healthcare?",
            "Your result is positive.",
            "It does not mean you will get NHS Continuing Healthcare.",
            "You have high needs in:",
            "Eating and drinking",
            "Moving around",
            "You have some needs in:",
            "Medicines",
            "We will send the Checklist to Example Integrated Care Board.",
            "About the full assessment: Example Integrated Care Board.",
        ],
        "checklist-negative": [
            "Your result is negative.",
            "You have some needs in:",
            "You will not have a full assessment now.",
            "You can ask Example Integrated Care Board to look again.",
        ],
        "checklist-refer": [
            "We have asked for a full assessment for you.",
            "It does not mean you will get NHS Continuing Healthcare.",
            "Her needs change quickly",
        ],
        "financial": [
            "How much will you pay?",
            "You will pay £153.90 each week.",
            "This starts on 2 June 2025.",
            "How did we work it out?",
            "Money you have saved: £17,500.00",
            "Money coming in each week: £416.00",
            "Money we leave you to live on each week: £232.60",
            "Your housing costs each week: £25.00",
            "Extra costs because of disability each week: £4.50",
            "What your care costs each week: £320.00",
            "Money coming in includes £13.00 each week we count from your savings.",
            "We take away the money we leave you to live on.",
            "We take away your housing costs.",
            "We take away your extra costs because of disability.",
            "What is left is £153.90 each week.",
            "The full calculation is in the standard letter.",
            "Ask us for it.",
            "Is something wrong?",
        ],
    }[case]


@pytest.mark.parametrize("variant", list(Variant), ids=lambda v: v.value)
@pytest.mark.parametrize("case", list(CASES))
def test_letter_says_what_the_person_relies_on_in_reading_order(case, variant, tmp_path):
    kind, form_id, make, person = CASES[case]
    doc = _document(kind, form_id, make(), variant, person)
    pdf = build_pdf(doc)
    text = _text(pdf, tmp_path)
    opening = _OPENING_CUSTODY if person is CUSTODY else _OPENING_COMMUNITY
    if variant is Variant.EASY_READ:
        body, closing = _expected_easy(case), _EASY_CLOSING
    else:
        body, closing = _expected_standard(case), _STANDARD_CLOSING
    _assert_in_order(text, [*opening, *body, *closing])
    # A completed record's letter has the space for its certificate signature on the last page.
    assert not doc.draft and pdf.stamp_page == pdf.pages - 1
    assert doc.variant is variant


# --- never in a letter ------------------------------------------------------------------------


@pytest.mark.parametrize("variant", list(Variant), ids=lambda v: v.value)
def test_the_financial_statement_never_prints_the_staff_checks(variant, tmp_path):
    answers = _financial()
    checks = _evaluation("financial_assessment", answers).outcomes["charge_checks"]
    assert checks.reasons, "the fixture should have a staff check to leave out"
    text = _text(
        build_pdf(_document("financial_statement", "financial_assessment", answers, variant)),
        tmp_path,
        body_only=False,
    )
    for reason in checks.reasons:
        assert squash(reason) not in text
    assert "not confirmed" not in text and "before telling the person" not in text
    assert checks.label not in text


@pytest.mark.parametrize("case", ["checklist-positive", "checklist-negative", "checklist-refer"])
@pytest.mark.parametrize("variant", list(Variant), ids=lambda v: v.value)
def test_a_chc_letter_has_no_money_and_names_the_icb_never_a_ccg(case, variant, tmp_path):
    kind, form_id, make, person = CASES[case]
    text = _text(
        build_pdf(_document(kind, form_id, make(), variant, person)), tmp_path, body_only=False
    )
    assert "£" not in text
    assert "Example Integrated Care Board" in text
    assert "CCG" not in text and "Clinical Commissioning" not in text


def test_the_deferred_payment_figures_the_letters_rely_on():
    charge = _evaluation("financial_assessment", _financial_deferred()).outcomes["charge"]
    assert charge.value == 90000 and "deferred payment must be offered" in charge.label
    assert "Paid from income now: £385.35" in " ".join(charge.reasons)
    assert "Can be deferred under a deferred payment agreement: £514.65" in " ".join(charge.reasons)


@pytest.mark.parametrize("variant", list(Variant), ids=lambda v: v.value)
def test_a_deferred_payment_letter_says_first_what_is_paid_now_and_what_can_wait(variant, tmp_path):
    doc = _document("financial_statement", "financial_assessment", _financial_deferred(), variant)
    text = _text(build_pdf(doc), tmp_path)
    if variant is Variant.EASY_READ:
        heading = "How much will you pay?"
        _assert_in_order(
            text,
            [
                heading,
                "You will pay £385.35 each week from your income now.",
                "Your care costs £900.00 each week.",
                "The rest is £514.65 each week.",
                "You can ask us to wait for the rest.",
                "What is a deferred payment?",
                "You pay us back later.",
                "If you do not want this, you pay £900.00 each week.",
                "How did we work it out?",
                "Money you have saved, and property we count: £197,500.00",
                "Money you keep for yourself each week: £30.65",
                "What your care costs each week: £900.00",
                "The full calculation is in the standard letter.",
            ],
        )
        assert "You will pay £900.00" not in text
    else:
        heading = "What you will pay"
        _assert_in_order(
            text,
            [
                heading,
                "What you pay from your income now: £385.35 a week",
                "The rest of the cost of your care, £514.65 a week, can be deferred.",
                "Your care costs £900.00 a week in all.",
                "You can ask us for a deferred payment agreement.",
                "If you do not have a deferred payment agreement, you pay the full cost of your "
                "care, £900.00 a week",
                "How we worked it out",
                "Paid from income now",
                "£385.35",
                "Can be deferred under a deferred payment agreement",
                "£514.65",
            ],
        )
    # The first sum after the heading is what they pay now, never the full cost.
    first = re.search(r"£[\d,]+\.\d\d", text[text.index(heading) :])
    assert first is not None and first[0] == "£385.35"
    # Staff wording is not told to the person.
    for staff in (
        "must be offered",
        "must offer",
        "Pays the full cost",
        "the person",
        "talk about it now",
    ):
        assert staff not in text, staff


def test_the_easy_read_statement_leaves_the_calculation_to_the_standard_letter(tmp_path):
    easy = _document("financial_statement", "financial_assessment", _financial(), Variant.EASY_READ)
    text = _text(build_pdf(easy), tmp_path, body_only=False)
    for jargon in (
        "Tariff income",
        "Minimum Income Guarantee",
        "£1.00 a week for every",
        "£250.00",
        "england-2025-26",
        "version 1",
        "Capital",
        "disability-related",
        "What we looked at",
        "rates",
    ):
        assert jargon not in text, jargon
    assert not any(isinstance(block, TableBlock) for block in easy.blocks)


def test_a_referred_checklist_in_easy_read_says_the_result_itself_was_negative(tmp_path):
    easy = _document("checklist_outcome", "chc_checklist", _checklist_refer(), Variant.EASY_READ)
    text = _text(build_pdf(easy), tmp_path)
    assert "did not need a full assessment" not in text
    _assert_in_order(
        text,
        [
            "We have asked for a full assessment for you.",
            "Your Checklist result was negative.",
            "A negative result means you do not need a full assessment now.",
            "But Robin Testcase thinks you should have one.",
            "It does not mean you will get NHS Continuing Healthcare.",
        ],
    )


_TOLD_TO_YOU = {
    **{
        case: CASES[case]
        for case in (
            "needs-eligible-custody",
            "needs-not-eligible-custody",
            "carers-eligible",
            "checklist-positive",
            "checklist-negative",
            "checklist-refer",
            "financial",
        )
    },
    "carers-not-eligible": (
        "eligibility_record",
        "carers_assessment",
        _carers_not_eligible,
        COMMUNITY,
    ),
    "financial-deferred": (
        "financial_statement",
        "financial_assessment",
        _financial_deferred,
        COMMUNITY,
    ),
}


@pytest.mark.parametrize("variant", [Variant.STANDARD, Variant.LARGE_PRINT], ids=lambda v: v.value)
@pytest.mark.parametrize("case", list(_TOLD_TO_YOU))
def test_a_letter_tells_the_person_you_and_gives_them_no_staff_instructions(
    case, variant, tmp_path
):
    kind, form_id, make, person = _TOLD_TO_YOU[case]
    text = _text(build_pdf(_document(kind, form_id, make(), variant, person)), tmp_path)
    for third_person in ("the person", "The person", "the carer", "The carer"):
        assert third_person not in text, third_person
    for staff in ("must still be given", "must be given", "must be offered", "must offer"):
        assert staff not in text, staff
    assert "means you" not in text  # nothing left to explain


def test_every_statement_line_has_the_persons_own_words() -> None:
    """The charge's lines are written twice by the calculation: for staff and for the person."""
    charge = _evaluation("financial_assessment", _financial()).outcomes["charge"]
    lines = [d for d in charge.details if d.code == "statement.line"]
    assert [d.staff for d in lines] == list(charge.reasons)
    for line in lines:
        assert not re.search(r"\b[Tt]he person\b|\btheir\b", line.person), line.person


@pytest.mark.parametrize(
    ("staff", "person"),
    [
        (
            "so the council must offer a deferred payment agreement (Care Act 2014 ss34-36).",
            "so you can ask us for a deferred payment agreement (Care Act 2014 ss34-36).",
        ),
        (
            "The council pays the care home fees and the person pays back later, so the home "
            "need not be sold during their lifetime.",
            "The council pays the care home fees and you pay back later, so the home need not "
            "be sold during your lifetime.",
        ),
    ],
)
def test_a_deferred_payment_statement_tells_the_person_what_they_can_ask_for(
    staff: str, person: str
) -> None:
    answers = _financial() | {
        "care_type": "permanent_care_home",
        "assets": [
            {"asset_kind": "main_home", "asset_description": "Home", "asset_value": 25_000_000},
            {"asset_kind": "bank", "asset_description": "Bank", "asset_value": 500_000},
        ],
    }
    charge = _evaluation("financial_assessment", answers).outcomes["charge"]
    staff_lines = " ".join(d.staff for d in charge.details)
    person_lines = " ".join(d.person for d in charge.details)
    assert squash(staff) in squash(staff_lines)
    assert squash(person) in squash(person_lines)


# --- custody -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", ["needs-eligible-custody", "needs-advice-custody", "checklist-positive", "financial"]
)
@pytest.mark.parametrize("variant", list(Variant), ids=lambda v: v.value)
def test_only_the_custody_edition_mentions_the_prisons_and_probation_ombudsman(
    case, variant, tmp_path
):
    kind, form_id, make, _ = CASES[case]
    inside = _text(build_pdf(_document(kind, form_id, make(), variant, CUSTODY)), tmp_path)
    outside = _text(build_pdf(_document(kind, form_id, make(), variant, COMMUNITY)), tmp_path)
    assert _CUSTODY_COMPLAINTS in inside
    assert _CUSTODY_COMPLAINTS not in outside
    # It goes to them at the establishment, and our own complaints route is still there.
    _assert_in_order(inside, _OPENING_CUSTODY)
    assert "Prison number" not in outside and "HMP Exampleton" not in outside
    for text in (inside, outside):
        assert "Local Government and Social Care Ombudsman" in text


BAILED = replace(
    CUSTODY,
    details=replace(
        CUSTODY.details,
        setting=Setting.BAIL_ACCOMMODATION,
        conviction_status=ConvictionStatus.UNCONVICTED_ON_BAIL,
        establishment_name="Exampleton Bail Hostel",
        address="Exampleton Bail Hostel, 3 Station Road, Exampleton EX3 3CC",
        prison_number="",
    ),
)


def _bailed_answers() -> dict[str, Any]:
    answers = _needs_eligible()
    answers.update(setting="bail_accommodation", conviction_status="unconvicted_on_bail")
    answers["establishment_name"] = "Exampleton Bail Hostel"
    return answers


_DP_WORDS = {
    # (standard and large print, easy read) for each outcome of care_act.direct_payments
    "available": (
        "you can choose to have direct payments",
        "You can ask for direct payments.",
    ),
    "not_available": (
        "direct payments are not available",
        "You cannot have direct payments while you are in custody.",
    ),
}


@pytest.mark.parametrize("variant", list(Variant), ids=lambda v: v.value)
@pytest.mark.parametrize(
    ("make", "person", "expected"),
    [(_bailed_answers, BAILED, "available"), (_needs_eligible, CUSTODY, "not_available")],
    ids=["unconvicted-on-bail", "sentenced-in-prison"],
)
def test_the_letter_says_what_the_direct_payments_rule_says(
    make, person, expected, variant, tmp_path
):
    answers = make()
    rule = _evaluation("needs_assessment", answers).outcomes["direct_payments"]
    assert rule.value == expected
    text = _text(
        build_pdf(_document("eligibility_record", "needs_assessment", answers, variant, person)),
        tmp_path,
    )
    easy = variant is Variant.EASY_READ
    said = _DP_WORDS[expected][easy]
    other = _DP_WORDS["not_available" if expected == "available" else "available"][easy]
    assert squash(said).lower() in text.lower()
    assert squash(other).lower() not in text.lower()


def test_a_bailed_carers_letter_asks_the_same_rule_about_direct_payments(tmp_path):
    answers = _carers_eligible()
    answers["setting"] = "bail_accommodation"
    text = _text(
        build_pdf(
            _document("eligibility_record", "carers_assessment", answers, Variant.STANDARD, BAILED)
        ),
        tmp_path,
    )
    assert "you can choose to have direct payments" in text
    assert "direct payments are not available" not in text


# --- easy read is different words, not bigger words -------------------------------------------

_BANNED = ("reg ", "s13", "Regulations", "(1)", "section 13", "CCG")
_MAX_WORDS = 20


def _lines(doc: Document) -> list[str]:
    """Every printed line of a document's own words: one idea to a line in easy read."""
    lines: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Heading | Para | Note):
            lines += block.text.splitlines()
        elif isinstance(block, Bullets):
            lines += list(block.items)
        elif isinstance(block, OutcomeBox):
            lines += [f"{block.label}: {block.value}", *block.reasons]
    return [line for line in lines if line.strip()]


def _words(doc: Document) -> list[str]:
    """Everything a document says, tables included, ignoring how it is laid out."""
    words = _lines(doc)
    for block in doc.blocks:
        if isinstance(block, TableBlock):
            words += [*block.header, *(cell for row in block.rows for cell in row)]
    return words


def _sentences(doc: Document) -> list[str]:
    """Every sentence a document prints, whole, however it is broken over lines.

    A line ending in a comma or semicolon runs on into the next line of its paragraph, so a
    long sentence cut after its clauses is still counted as the one long sentence it is.
    """
    sentences: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Heading | Para | Note):
            runs = [""]
            for line in block.text.splitlines():
                runs[-1] = f"{runs[-1]} {line.strip()}".strip()
                if not runs[-1].endswith((",", ";")):
                    runs.append("")
        elif isinstance(block, Bullets):
            runs = list(block.items)
        elif isinstance(block, OutcomeBox):
            runs = [f"{block.label}: {block.value}", *block.reasons]
        else:
            continue
        for run in runs:
            sentences += [s for s in re.split(r"(?<=[.!?])\s+", run) if s.strip()]
    return sentences


def _easy_read_problems(doc: Document, text: str, quoted: tuple[str, ...] = ()) -> list[str]:
    """Why a letter is not easy read: legal citations, or a sentence of more than 20 words.

    `quoted` is the record's own words (the assessor's reasoning and advice): the letter must
    print them exactly, so a long sentence of theirs is not the letter's to shorten. Nothing
    else is let off, the authority's complaints and advocacy text included.
    """
    problems = [f"contains {b!r}" for b in _BANNED if b in text]
    for sentence in _sentences(doc):
        if len(sentence.split()) > _MAX_WORDS and not any(sentence in q for q in quoted):
            problems.append(f"{len(sentence.split())} words: {sentence}")
    return problems


def _quoted(answers: dict[str, Any]) -> tuple[str, ...]:
    return tuple(squash(v) for v in answers.values() if isinstance(v, str))


@pytest.mark.parametrize("case", list(CASES))
def test_easy_read_has_no_citations_no_long_sentences_and_no_tables(case, tmp_path):
    kind, form_id, make, person = CASES[case]
    easy = _document(kind, form_id, make(), Variant.EASY_READ, person)
    text = _text(build_pdf(easy), tmp_path, body_only=False)
    assert _easy_read_problems(easy, text, _quoted(make())) == []
    assert not any(isinstance(block, TableBlock) for block in easy.blocks)
    # The same check finds the standard letter's citations and long sentences: it can fail.
    standard = _document(kind, form_id, make(), Variant.STANDARD, person)
    assert _easy_read_problems(standard, _text(build_pdf(standard), tmp_path, body_only=False))


_LONG = (
    "You can ask us to look at it again, or make a complaint to the Adult Social Care "
    "complaints team by phone, email or letter using the details above."
)


@pytest.mark.parametrize(
    "layout",
    [_LONG, _LONG.replace("again, ", "again,\n"), _LONG.replace(", ", ",\n")],
    ids=["one-line", "cut-after-a-clause", "cut-at-every-comma"],
)
def test_the_sentence_check_fails_for_a_long_sentence_however_it_is_broken(layout):
    doc = replace(
        _document("checklist_outcome", "chc_checklist", _checklist_positive(), Variant.EASY_READ),
        blocks=(Para(layout),),
    )
    assert _easy_read_problems(doc, layout) == [f"29 words: {_LONG}"]
    # Only the record's own words are let off, and only when they are quoted exactly.
    assert _easy_read_problems(doc, layout, (_LONG,)) == []
    assert _easy_read_problems(doc, layout, (_LONG[:-1],)) != []


def _authority_sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", squash(text)) if s]


@pytest.mark.parametrize("person", [COMMUNITY, CUSTODY], ids=["community", "custody"])
def test_easy_read_gives_the_authoritys_words_one_whole_sentence_to_a_line(person, tmp_path):
    # An authority's text with one sentence too long for easy read (the shipped one has none).
    wordy = replace(
        BRANDING,
        complaints="If you are unhappy with this decision, or with how it was made, or with how "
        "long it took, please tell us in whatever way suits you best. You can ask us to look at "
        "it again. We will help you to make a complaint if you need help.",
    )
    easy = _document(
        "eligibility_record",
        "needs_assessment",
        _needs_eligible(),
        Variant.EASY_READ,
        person,
        branding=wordy,
    )
    lines = _lines(easy)
    theirs = [*_authority_sentences(wordy.complaints), *_authority_sentences(wordy.advocacy)]
    short = [s for s in theirs if len(s.split()) <= _MAX_WORDS]
    long = [s for s in theirs if len(s.split()) > _MAX_WORDS]
    assert short and long, "the branding here should have both, so both are tested"
    # A short sentence is printed exactly, alone on its line; a long one is not easy read and
    # is not printed at all, neither whole nor in pieces.
    for sentence in short:
        assert sentence in lines
    for sentence in long:
        assert sentence not in lines
    pieces = [
        line
        for line in lines
        if len(line.split()) >= 4 and any(line in s and line != s for s in theirs)
    ]
    assert pieces == []
    # What the long sentences said, in easy read words: looking again, the Ombudsman, and
    # where the authority's own full text is.
    _assert_in_order(
        _text(build_pdf(easy), tmp_path),
        [
            "Not happy?",
            # The authority's own short sentence, so easy read's words for it are not added.
            "You can ask us to look at it again.",
            "Still not happy after we reply?",
            "You can ask the Local Government and Social Care Ombudsman to look at it.",
            "There is more about this in our standard letter.",
            "Ask us for it.",
            "Do you want help to have your say?",
            *short[-3:],
        ],
    )


def test_easy_read_prints_every_sentence_of_plainly_written_branding_once(tmp_path):
    plain = replace(
        BRANDING,
        complaints="Not happy? Tell us. Still not happy after we reply? You can ask the Local "
        "Government and Social Care Ombudsman to look at it.",
        advocacy="An advocate can help you. Call the Example Advocacy Partnership on "
        "01234 000001. It is free.",
    )
    easy = _document(
        "checklist_outcome",
        "chc_checklist",
        _checklist_negative(),
        Variant.EASY_READ,
        branding=plain,
    )
    lines = _lines(easy)
    for text in (plain.complaints, plain.advocacy):
        for sentence in _authority_sentences(text):
            assert sentence in lines
    # Nothing left out, so no pointer to the standard letter; the Ombudsman is named once.
    assert "There is more about this in our standard letter." not in lines
    assert sum("Ombudsman" in line for line in lines) == 1
    assert _easy_read_problems(easy, _text(build_pdf(easy), tmp_path)) == []


@pytest.mark.parametrize("case", list(CASES))
def test_easy_read_is_written_differently_and_large_print_is_the_standard_wording(case):
    kind, form_id, make, person = CASES[case]
    standard = _document(kind, form_id, make(), Variant.STANDARD, person)
    large = _document(kind, form_id, make(), Variant.LARGE_PRINT, person)
    easy = _document(kind, form_id, make(), Variant.EASY_READ, person)
    # Large print is the standard wording, with the record's reference (standard print has it
    # in small type in its footer) as a section of its own before the sign-off.
    about = [n for n, b in enumerate(large.blocks) if b == Heading("About this letter", level=2)]
    assert len(about) == 1
    reference = replace(large, blocks=large.blocks[about[0] : about[0] + 2])
    assert _words(reference)[1:] == [
        "Record 0f5e1c2a-7b9d-4e21-9c3a-5d8e7f6a1b2c, revision 4",
        f"Content hash (SHA-256) {'ab' * 32}",
    ]
    kept = replace(large, blocks=large.blocks[: about[0]] + large.blocks[about[0] + 2 :])
    assert _words(kept) == _words(standard) and large.title == standard.title
    # What the two share is the record's own words (quoted), names, addresses and contact
    # details, never the explanations.
    quoted = [v for v in make().values() if isinstance(v, str)]
    shared = set(_lines(easy)) & set(_lines(standard))
    ours = [
        line
        for line in shared
        if not any(line in q for q in quoted)
        and not line.startswith(("Phone:", "Email:", "Write to:"))
    ]
    assert all(len(line.split()) <= 8 for line in ours), ours
    easy_headings = [b.text for b in easy.blocks if isinstance(b, Heading) and b.level == 1]
    assert easy_headings and all(h.endswith("?") for h in easy_headings)


def test_easy_read_keeps_the_assessors_words_exactly_one_sentence_to_a_line():
    reasoning = _needs_eligible()["eligibility_reasoning"]
    short = "You need help to eat. You can wash and dress on your own. One task is not enough."
    for text in (reasoning, short, INFO_GIVEN):
        lines = _easy_lines(text)
        assert " ".join(lines) == squash(text)
        assert all(len(line.split()) <= _MAX_WORDS for line in lines), lines
        # Every sentence starts a line, and a sentence of 20 words or fewer is never cut.
        for sentence in _authority_sentences(text):
            if len(sentence.split()) <= _MAX_WORDS:
                assert sentence in lines
    assert _easy_lines(short) == [
        "You need help to eat.",
        "You can wash and dress on your own.",
        "One task is not enough.",
    ]
    whole = (
        "You find washing hard, and the healthcare team will bring a perching stool to your cell."
    )
    assert 15 < len(whole.split()) <= _MAX_WORDS and _easy_lines(whole) == [whole]
    # A sentence too long to keep whole is cut only after a clause, never inside a list.
    assert len(reasoning.split()) > _MAX_WORDS
    assert _easy_lines(reasoning) == [
        "Because of arthritis and memory problems you cannot eat or wash without help,",
        "and this has a big effect on your health and dignity.",
    ]
    assert not any(line.endswith("by phone,") for line in _easy_lines(_LONG))


# --- which letters apply, and refusing ---------------------------------------------------------


def _kinds(form_id: str, answers: dict[str, Any]) -> list[str]:
    form = REGISTRY.latest(form_id)
    return [k.id for k in letters_for(form, _evaluation(form_id, answers), answers)]


def test_the_letter_catalogue_is_what_forms_may_name() -> None:
    assert {k.id for k in LETTER_KINDS} == LETTERS


def test_a_form_gives_only_the_letters_its_definition_names() -> None:
    needs = REGISTRY.latest("needs_assessment")
    answers = {"consent": "consented"}
    evaluation = evaluate(needs, answers, today=TODAY)
    decided = replace(
        evaluation,
        outcomes={**evaluation.outcomes, "eligibility": Outcome("not_eligible", "Not eligible")},
    )
    assert [k.id for k in letters_for(needs, decided, answers)] == [
        "eligibility_record",
        "ineligible_advice",
    ]
    without = replace(needs, letters=("eligibility_record",))
    assert [k.id for k in letters_for(without, decided, answers)] == ["eligibility_record"]
    assert letters_for(replace(needs, letters=()), decided, answers) == []


def test_an_unknown_letter_in_a_form_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    shutil.copytree(REPO_ROOT / "forms", folder)
    path = folder / "chc_checklist" / "v1.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "letters: [checklist_outcome]", "letters: [checklist_outcomes]"
        ),
        encoding="utf-8",
    )
    assert check_forms_dir(folder) == [
        "forms/chc_checklist/v1.yaml: letters: unknown letter 'checklist_outcomes' (did you "
        "mean 'checklist_outcome'?)"
    ]


def test_letters_for_gives_the_advice_letter_only_when_needs_are_not_eligible():
    assert _kinds("needs_assessment", _needs_eligible()) == ["eligibility_record"]
    assert _kinds("needs_assessment", _needs_not_eligible()) == [
        "eligibility_record",
        "ineligible_advice",
    ]
    not_yet_given = _needs_not_eligible()
    not_yet_given["ineligible_info_given"] = False
    assert _kinds("needs_assessment", not_yet_given) == ["eligibility_record", "ineligible_advice"]
    # Eligible, with advice recorded for the needs that are not: some needs are not eligible.
    some = _with_info_given(_needs_eligible(), "in_person")
    assert _kinds("needs_assessment", some) == ["eligibility_record", "ineligible_advice"]
    assert _kinds("carers_assessment", _carers_eligible()) == ["eligibility_record"]
    assert _kinds("carers_assessment", _carers_not_eligible()) == [
        "eligibility_record",
        "ineligible_advice",
    ]
    undecided = _needs_eligible()
    del undecided["wellbeing_impact"]
    assert _kinds("needs_assessment", undecided) == []


def test_letters_for_the_checklist_and_the_financial_assessment():
    assert _kinds("chc_checklist", _checklist_positive()) == ["checklist_outcome"]
    assert _kinds("chc_checklist", _checklist_negative()) == ["checklist_outcome"]
    assert _kinds("chc_checklist", _checklist_refer()) == ["checklist_outcome"]
    unfinished = _checklist_negative()
    del unfinished["cl_asc"]
    assert _kinds("chc_checklist", unfinished) == []
    assert _kinds("financial_assessment", _financial()) == ["financial_statement"]
    unworked = _financial()
    del unworked["effective_date"]
    assert _kinds("financial_assessment", unworked) == []
    assert _kinds("chc_dst", _fixture("chc_dst_two_members")) == []
    assert {k.id for k in LETTER_KINDS} == {
        "eligibility_record",
        "ineligible_advice",
        "checklist_outcome",
        "financial_statement",
    }


def _refused(kind: str, form_id: str, answers: dict[str, Any], **kw: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _document(kind, form_id, answers, **kw)
    err = caught.value
    assert err.user_message and err.next_step
    return err


def _without(answers: dict[str, Any], *keys: str) -> dict[str, Any]:
    changed = copy.deepcopy(answers)
    for key in keys:
        changed.pop(key, None)
    return changed


def test_a_letter_is_refused_when_its_outcome_was_not_worked_out():
    for kind in ("eligibility_record", "ineligible_advice"):
        err = _refused(
            kind, "needs_assessment", _without(_needs_not_eligible(), "wellbeing_impact")
        )
        assert "eligibility determination has not been worked out" in err.user_message
        assert "wellbeing" in err.user_message
    err = _refused("checklist_outcome", "chc_checklist", _without(_checklist_negative(), "cl_asc"))
    assert "Checklist result has not been worked out" in err.user_message
    err = _refused(
        "financial_statement", "financial_assessment", _without(_financial(), "effective_date")
    )
    assert "weekly charge has not been worked out" in err.user_message


def test_a_letter_is_refused_when_it_does_not_apply_or_would_go_wrong():
    # Every need is eligible and no advice was recorded for needs that are not.
    err = _refused("ineligible_advice", "needs_assessment", _needs_eligible())
    assert "are all eligible" in err.user_message
    # Not eligible, but the advice the letter must print is not written yet.
    no_content = _without(_needs_not_eligible(), "ineligible_info_content")
    assert (
        "not recorded yet"
        in _refused("ineligible_advice", "needs_assessment", no_content).user_message
    )
    # A fellow prisoner is not a carer: there is no determination to write about.
    fellow = _carers_eligible() | {"relationship": "fellow_prisoner"}
    assert "not a carer" in _refused("eligibility_record", "carers_assessment", fellow).user_message
    # The wrong letter for the form, a letter that does not exist, the wrong person.
    assert (
        "not written from"
        in _refused("financial_statement", "chc_checklist", _checklist_positive()).user_message
    )
    assert (
        "no letter called"
        in _refused("thank_you", "chc_checklist", _checklist_positive()).user_message
    )
    stranger = replace(COMMUNITY, id="person-2")
    assert (
        "someone else"
        in _refused(
            "checklist_outcome", "chc_checklist", _checklist_positive(), person=stranger
        ).user_message
    )
    # Every letter must carry the complaints route and advocacy.
    silent = replace(BRANDING, complaints="")
    assert (
        "complaints"
        in _refused(
            "financial_statement", "financial_assessment", _financial(), branding=silent
        ).user_message
    )


def test_a_draft_record_gives_a_draft_letter_without_signature_space(tmp_path):
    doc = _document(
        "checklist_outcome", "chc_checklist", _checklist_positive(), status=RecordStatus.DRAFT
    )
    pdf = build_pdf(doc)
    assert doc.draft and pdf.stamp_page is None and pdf.stamp_box is None
    assert "DRAFT" in _text(pdf, tmp_path, body_only=False)


def test_large_print_and_easy_read_are_printed_large():
    make = _needs_eligible
    pages = {
        v: build_pdf(_document("eligibility_record", "needs_assessment", make(), v, CUSTODY)).pages
        for v in Variant
    }
    assert pages[Variant.LARGE_PRINT] > pages[Variant.STANDARD]
    assert pages[Variant.EASY_READ] > pages[Variant.STANDARD]


@pytest.mark.parametrize(
    ("preferred", "variant"),
    [
        ("easy_read", Variant.EASY_READ),
        ("Easy Read", Variant.EASY_READ),
        ("easy-read please", Variant.EASY_READ),
        ("large_print", Variant.LARGE_PRINT),
        ("Large print", Variant.LARGE_PRINT),
        ("LARGE-PRINT", Variant.LARGE_PRINT),
        ("standard", Variant.STANDARD),
        ("braille", Variant.STANDARD),
        ("", Variant.STANDARD),
    ],
)
def test_variant_for_reads_the_preferred_format(preferred, variant):
    assert variant_for(preferred) is variant


# --- the reasons a letter quotes are the rule's own words for the person ------------------------


def _decided(form_id: str, answers: dict[str, Any]) -> Outcome:
    outcome = _evaluation(form_id, answers).outcomes["eligibility"]
    assert outcome.value in ("eligible", "not_eligible")
    return outcome


@pytest.mark.parametrize("case", sorted(_ELIGIBILITY_READ_AS_YOU))
def test_every_eligibility_reason_has_the_persons_own_sentence(case: str) -> None:
    _kind, form_id, make, _person = CASES[case]
    outcome = _decided(form_id, make())
    assert outcome.reasons == tuple(d.staff for d in outcome.details)
    codes = [d.code for d in outcome.details]
    assert codes[:4] == ["condition.1", "condition.2", "condition.3", "summary"]
    for reason in outcome.details:
        assert reason.person, reason.code
        assert not re.search(r"\bthe (person|carer)\b(?! cared)", reason.person), reason.person
        assert "must still be given" not in reason.person and "Choose" not in reason.person


def test_a_letter_prints_the_persons_sentence_not_a_rewrite_of_the_staff_one(
    tmp_path: Path,
) -> None:
    answers = _needs_eligible()
    form = REGISTRY.latest("needs_assessment")
    evaluation = _evaluation("needs_assessment", answers)
    eligibility = evaluation.outcomes["eligibility"]
    reworded = tuple(
        replace(d, staff="Staff wording changed: " + d.staff) if d.code == "condition.3" else d
        for d in eligibility.details
    )
    changed = replace(
        evaluation,
        outcomes={
            **evaluation.outcomes,
            "eligibility": Outcome.explained(eligibility.value, eligibility.label, reworded),
        },
    )
    doc = letter_document(
        "eligibility_record",
        form,
        _record("needs_assessment", answers, RecordStatus.COMPLETED),
        CUSTODY,
        changed,
        BRANDING,
        variant=Variant.STANDARD,
        today=TODAY,
        assessor_name=ASSESSOR,
        assessor_role=ROLE,
    )
    text = _text(build_pdf(doc), tmp_path)
    assert "Staff wording changed" not in text
    assert "Met: there is a significant impact on your wellbeing." in text


def test_a_rule_without_the_persons_words_gets_a_refusal_not_a_guessed_letter() -> None:
    answers = _needs_eligible()
    evaluation = _evaluation("needs_assessment", answers)
    eligibility = evaluation.outcomes["eligibility"]
    bare = replace(eligibility, details=())
    with pytest.raises(ValidationError, match="did not give its reasons in the words the person"):
        letter_document(
            "eligibility_record",
            REGISTRY.latest("needs_assessment"),
            _record("needs_assessment", answers, RecordStatus.COMPLETED),
            CUSTODY,
            replace(evaluation, outcomes={**evaluation.outcomes, "eligibility": bare}),
            BRANDING,
            variant=Variant.STANDARD,
            today=TODAY,
            assessor_name=ASSESSOR,
            assessor_role=ROLE,
        )


def test_a_letters_pdf_is_dated_by_its_revision_or_its_own_date(tmp_path):
    answers = _carers_eligible()
    # The record's revision was saved on 23 November at 10:30; a letter that day says so,
    # and one made a week later bears its own date (reportlab would say 1 January 2000).
    same_day = _document("eligibility_record", "carers_assessment", answers)
    later = letter_document(
        "eligibility_record",
        REGISTRY.latest("carers_assessment"),
        _record("carers_assessment", answers, RecordStatus.COMPLETED),
        COMMUNITY,
        _evaluation("carers_assessment", answers),
        BRANDING,
        variant=Variant.STANDARD,
        today=TODAY + dt.timedelta(days=7),
        assessor_name=ASSESSOR,
        assessor_role=ROLE,
    )
    for doc, when in ((same_day, "2026-11-23T10:30:00Z"), (later, "2026-11-30T00:00:00Z")):
        pdf = build_pdf(doc)
        assert f"CreationDate:    {when}" in poppler("pdfinfo", pdf.data, tmp_path, "-isodates")
        assert build_pdf(doc).data == pdf.data


_SERVICE = re.compile(r"(?:[A-Z][a-z]+ )+Advocacy (?:Service|Partnership)")


@pytest.mark.parametrize("case", list(CASES))
def test_easy_read_says_how_to_complain_once_and_names_one_advocacy_service(case, tmp_path):
    kind, form_id, make, person = CASES[case]
    easy = _document(kind, form_id, make(), Variant.EASY_READ, person)
    lines = [line.lower() for line in _lines(easy)]
    complaints = lines[
        lines.index("not happy?") : lines.index("do you want help to have your say?")
    ]

    def saying(*words: str) -> list[str]:
        return [line for line in complaints if all(w in line for w in words)]

    # The shipped branding says each of these in its own short sentences; easy read's own
    # words for them are printed only where the authority's do not say it.
    assert len(saying("complain")) == len(set(saying("complain")))
    assert len(saying("look", "again")) == 1, saying("look", "again")
    assert len(saying("help", "complain")) == 1, saying("help", "complain")
    assert len(saying("local government and social care ombudsman")) == 1
    assert "you can complain if you are not happy." not in complaints
    assert "you can also complain to our adult social care complaints team." in complaints
    text = _text(build_pdf(easy), tmp_path)
    assert set(_SERVICE.findall(text)) == {"Example Advocacy Partnership"}


def test_the_demo_record_names_the_advocacy_service_the_shipped_branding_names() -> None:
    demo = json.loads((REPO_ROOT / "resources" / "demo" / "needs_assessment.json").read_text())
    assert demo["advocate_name"] in BRANDING.advocacy


def test_the_reason_to_assess_a_carer_despite_custody_is_printed_with_the_record(tmp_path):
    from assessor_app.core.pdf.record_document import record_document

    reason = "He cares for his mother at home on release on temporary licence each weekend."
    answers = {**_carers_eligible(), "setting": "prison", "custody_assess_reason": reason}
    evaluation = _evaluation("carers_assessment", answers)
    assert not [b for b in evaluation.blockers if b.path == "custody_assess_reason"]
    form = REGISTRY.latest("carers_assessment")
    record = _record("carers_assessment", answers, RecordStatus.COMPLETED)
    text = _text(build_pdf(record_document(form, record, CUSTODY, evaluation, BRANDING)), tmp_path)
    _assert_in_order(text, ["Reason to assess despite custody", reason])


# --- large print and easy read: nothing under 16 point -------------------------------------


def _small_words(pdf: bytes, tmp_path: Path) -> list[tuple[str, float]]:
    """The words printed under 16 pt (header, footer and stamp included), with their sizes."""
    heights = word_heights(pdf, tmp_path)
    assert len(heights) > 100  # the check reads the whole letter
    return [(w, round(h, 1)) for w, h in heights if h < LARGE_TYPE_PT - 0.05]


@pytest.mark.parametrize("variant", [Variant.LARGE_PRINT, Variant.EASY_READ], ids=str)
@pytest.mark.parametrize("case", list(CASES))
def test_no_word_of_a_large_print_or_easy_read_letter_is_under_16_point(case, variant, tmp_path):
    kind, form_id, make, person = CASES[case]
    pdf = build_pdf(_document(kind, form_id, make(), variant, person))
    assert _small_words(pdf.data, tmp_path) == []
    # The record the letter is written from, which standard print gives in small type in the
    # footer, is still on the paper: the content hash in the letter's body.
    text = _text(pdf, tmp_path).replace(" ", "")
    assert "ab" * 32 in text and "0f5e1c2a-7b9d-4e21-9c3a-5d8e7f6a1b2c" in text
    standard = build_pdf(_document(kind, form_id, make(), Variant.STANDARD, person))
    assert _small_words(standard.data, tmp_path) != []  # the check does see small print


def test_a_signed_large_print_letter_stamps_its_signature_at_16_point(vault, tmp_path):
    session = session_for(vault, REGISTRY, today=TODAY)
    person = PeopleRepository(vault).add(CUSTODY.details)
    form = REGISTRY.latest("needs_assessment")
    record = session.records.create(person.id, form.id, form.version, _needs_eligible())
    finalise_record(session, AssessmentId(record.id))
    write_demo_branding(vault.folder.parent.parent)  # as the authority's IT would install
    for variant in (Variant.LARGE_PRINT, Variant.EASY_READ):
        kept = make_letter(session, AssessmentId(record.id), "eligibility_record", variant)
        data = session.documents.data(kept.id)
        assert "Signed electronically" in squash(poppler("pdftotext", data, tmp_path))
        assert _small_words(data, tmp_path) == [], variant
