"""Signatures by hand: who signs (`signer:`), the answer shapes and their checks, reading them for
the PDF, and refusing to complete a record until every required signer has signed or a reason
is recorded."""

from __future__ import annotations

import copy
import datetime as dt
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.errors import ValidationError
from assessor_app.core.form_engine.definition import (
    FieldDef,
    FieldType,
    check_forms_dir,
    load_forms_dir,
)
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.form_engine.signatures import (
    REPRESENTATIVE_CAPACITIES,
    SIGNER_LABELS,
    UNABLE_REASONS,
    SignatureSummary,
    describe_signature,
)
from assessor_app.core.form_engine.value_checks import missing_message, value_messages
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import RecordStatus
from assessor_app.core.services.records import complete_record, start_record
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from tests.conftest import REPO_ROOT
from tests.support import community_person, prisoner, session_for

TODAY = dt.date(2026, 11, 23)
STROKES = [[[24, 62], [30, 44], [37, 28], [43, 46]], [[61, 60], [69, 56], [78, 61]]]
NEEDS: dict[str, Any] = json.loads(
    (REPO_ROOT / "tests/fixtures/forms/answers/needs_custody_eligible.json").read_text("utf-8")
)


def sig(signer: str | None = None) -> FieldDef:
    return FieldDef(id="s", type=FieldType.SIGNATURE, label="Signature", signer=signer)


def drawn(**more: Any) -> dict[str, Any]:
    return {"strokes": STROKES, "name": "Jordan Example", "signed_on": "2026-11-16", **more}


def unable(reason: str, **more: Any) -> dict[str, Any]:
    return {"unable_to_sign": reason, "name": "Jordan Example", "signed_on": "2026-11-16", **more}


# -- value checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signer", "value"),
    [
        # Saved before signers, names and dates: still valid where there is no signer.
        (None, {"strokes": STROKES}),
        (None, {"strokes": [[[0, 0], [10, 12.5], [20, 8]]]}),
        (None, {"unable_to_sign": "Has a broken wrist."}),
        (None, drawn()),
        ("person", drawn()),
        ("assessor", drawn()),
        ("carer", drawn()),
        ("mdt_member", drawn()),
        *[
            ("representative", drawn(capacity=c, capacity_detail="Litigation friend"))
            for c in REPRESENTATIVE_CAPACITIES
        ],
        ("representative", drawn(capacity="deputy")),
        *[("person", unable(r, detail="Explained at the visit.")) for r in UNABLE_REASONS],
        *[("person", unable(r)) for r in UNABLE_REASONS if r != "other"],
        ("person", unable("declined", signed_on=TODAY.isoformat())),
        # An old free-text reason is read as "another reason" with that text.
        ("person", unable("Has a broken wrist.")),
        ("representative", unable("not_present")),
    ],
)
def test_valid_signatures_have_no_problems(signer: str | None, value: dict[str, Any]) -> None:
    assert value_messages(sig(signer), value, TODAY) == []


@pytest.mark.parametrize(
    ("signer", "value", "message"),
    [
        ("person", drawn(name=" "), "Enter the name of the person assessed."),
        (
            "assessor",
            {k: v for k, v in drawn().items() if k != "name"},
            "Enter the name of the assessor.",
        ),
        ("carer", unable("declined", name=""), "Enter the name of the carer."),
        ("person", drawn(name="x" * 201), "Enter a name of no more than 200 characters."),
        # A signer's signature needs the name and date, so the old bare shape is not enough.
        ("person", {"strokes": STROKES}, "Enter the name of the person assessed."),
        ("person", {"unable_to_sign": "Broken wrist"}, "Enter the name of the person assessed."),
        (
            "representative",
            drawn(),
            "Choose the authority their representative signs with, for example a Lasting Power "
            "of Attorney.",
        ),
        (
            "representative",
            drawn(capacity="power_of_attorney"),
            "Choose the authority their representative signs with, for example a Lasting Power "
            "of Attorney.",
        ),
        (
            "representative",
            drawn(capacity="other"),
            "Say what authority their representative has to sign for them.",
        ),
        (
            "representative",
            drawn(capacity="other", capacity_detail="  "),
            "Say what authority their representative has to sign for them.",
        ),
        ("person", unable("other"), "Describe the reason the person assessed is unable to sign."),
        (
            "person",
            unable("other", detail=" "),
            "Describe the reason the person assessed is unable to sign.",
        ),
        ("person", unable(" "), "Say why the person assessed is unable to sign."),
        ("person", unable(None), "Say why the person assessed is unable to sign."),
        ("person", drawn(signed_on="2026-02-30"), "Enter a real date – 2026-02-30 does not exist."),
        (
            "person",
            drawn(signed_on="16/11/2026"),
            "Enter the date as year-month-day, for example 2024-03-31.",
        ),
        (
            "person",
            drawn(signed_on="2026-11-24"),
            "Enter the day it was signed: it cannot be after today.",
        ),
        (
            "person",
            unable("declined", signed_on="2027-01-01"),
            "Enter the day it was recorded: it cannot be after today.",
        ),
        (
            "person",
            {k: v for k, v in drawn().items() if k != "signed_on"},
            "Enter the date it was signed.",
        ),
        (
            "person",
            {**drawn(), "unable_to_sign": "declined"},
            "Keep either the signature or the reason the person assessed is unable to sign, not "
            "both. Clear one of them.",
        ),
        (
            "person",
            {"name": "Jordan Example"},
            "Ask the person assessed to sign in the box, or choose why they are unable to sign.",
        ),
        (
            "person",
            drawn(strokes=[]),
            "The signature could not be read. Ask the person assessed to sign again.",
        ),
        (
            "person",
            drawn(strokes=[[[1, True]]]),
            "The signature could not be read. Ask the person assessed to sign again.",
        ),
        (
            "person",
            drawn(strokes=[[[1, 2, 3]]]),
            "The signature could not be read. Ask the person assessed to sign again.",
        ),
        (
            "person",
            drawn(capacity="deputy"),  # only a representative signs with an authority
            "The signature could not be read. Ask the person assessed to sign again.",
        ),
        (
            "person",
            "signed",
            "The signature could not be read. Ask the person assessed to sign again.",
        ),
        (None, {"strokes": []}, "The signature could not be read. Ask the person to sign again."),
        (None, {"unable_to_sign": " "}, "Say why the person is unable to sign."),
        (None, drawn(name=""), "Enter the name of the person."),
    ],
)
def test_bad_signatures_say_what_is_wrong_and_what_to_do(
    signer: str | None, value: Any, message: str
) -> None:
    assert value_messages(sig(signer), value, TODAY) == [message]


def test_a_missing_signature_names_who_should_sign() -> None:
    assert missing_message(sig("carer")) == (
        "Add a signature, or record why the carer is unable to sign."
    )
    assert missing_message(sig()) == "Add a signature, or record why the person is unable to sign."


# -- describe_signature ----------------------------------------------------------------------


def test_describe_a_drawn_signature() -> None:
    assert describe_signature(drawn()) == SignatureSummary(
        signed=True,
        name="Jordan Example",
        signed_on=dt.date(2026, 11, 16),
        strokes=(((24, 62), (30, 44), (37, 28), (43, 46)), ((61, 60), (69, 56), (78, 61))),
        capacity_label=None,
        unable_reason_label=None,
        detail=None,
    )


def test_describe_a_representatives_signature_with_their_authority() -> None:
    summary = describe_signature(drawn(capacity="lpa_property_finance"))
    assert summary is not None and summary.signed
    assert summary.capacity_label == REPRESENTATIVE_CAPACITIES["lpa_property_finance"]
    other = describe_signature(drawn(capacity="other", capacity_detail="Litigation friend"))
    assert other is not None and other.capacity_label == "Other authority: Litigation friend"
    assert other.detail is None


@pytest.mark.parametrize("reason", list(UNABLE_REASONS))
def test_describe_unable_to_sign_with_each_reason(reason: str) -> None:
    summary = describe_signature(unable(reason, detail="Asked twice."))
    assert summary == SignatureSummary(
        signed=False,
        name="Jordan Example",
        signed_on=dt.date(2026, 11, 16),
        strokes=(),
        capacity_label=None,
        unable_reason_label=UNABLE_REASONS[reason],
        detail="Asked twice.",
    )


def test_describe_the_old_shapes() -> None:
    old_text = describe_signature({"unable_to_sign": "Has a broken wrist."})
    assert old_text is not None and not old_text.signed
    assert old_text.unable_reason_label == UNABLE_REASONS["other"]
    assert old_text.detail == "Has a broken wrist."
    assert old_text.name is None and old_text.signed_on is None
    old_strokes = describe_signature({"strokes": [[[0, 0], [10, 12.5], [20, 8]], [[30, 5]]]})
    assert old_strokes is not None and old_strokes.signed
    assert old_strokes.strokes == (((0, 0), (10, 12), (20, 8)), ((30, 5),))
    assert old_strokes.name is None and old_strokes.capacity_label is None


@pytest.mark.parametrize(
    "value",
    [
        None,
        {},
        "signed",
        [],
        {"name": "Jordan Example"},
        {"strokes": []},
        {"unable_to_sign": "  "},
        {"strokes": [["x"]]},
    ],
)
def test_describe_nothing_signed_is_none(value: Any) -> None:
    assert describe_signature(value) is None


def test_describe_never_raises_on_a_bad_date_or_name() -> None:
    summary = describe_signature(drawn(signed_on="2026-02-30", name=7))
    assert summary is not None and summary.signed_on is None and summary.name is None


def test_signer_labels_are_the_agreed_ones() -> None:
    assert SIGNER_LABELS == {
        "person": "The person assessed",
        "carer": "The carer",
        "representative": "Their representative",
        "assessor": "Assessor",
        "mdt_member": "MDT member",
    }


# -- forms: signer, sections and the finalising rule --------------------------------------

FORM = """
id: signed
version: 1
title: Signed
sections:
  - id: first
    title: First
    fields:
      - id: full_name
        type: short_text
        label: Name
        prefill: person.name
      - id: has_representative
        type: yes_no
        label: Does someone sign for them?
        required: true
  - id: signatures
    title: Signatures
    fields:
      - id: person_signature
        type: signature
        signer: person
        label: The person
        required: true
      - id: representative_signature
        type: signature
        signer: representative
        label: Their representative
        required: true
        show_when: {field: has_representative, equals: true}
      - id: assessor_signature
        type: signature
        signer: assessor
        label: You
        required: true
"""


def _write(folder: Path, text: str) -> Path:
    (folder / "signed").mkdir(parents=True, exist_ok=True)
    (folder / "signed" / "v1.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def test_forms_check_rejects_an_unknown_signer(tmp_path: Path) -> None:
    text = FORM.replace("signer: person", "signer: patient")
    problems = check_forms_dir(_write(tmp_path, text))
    assert len(problems) == 1
    assert "sections[1].fields[0] (person_signature): unknown signer 'patient'" in problems[0]
    assert "use one of: person, carer, representative, assessor, mdt_member" in problems[0]
    misspelt = check_forms_dir(_write(tmp_path, FORM.replace("signer: assessor", "signer: asesor")))
    assert "(did you mean 'assessor'?)" in misspelt[0]


def test_signer_belongs_only_to_a_signature(tmp_path: Path) -> None:
    text = FORM.replace("prefill: person.name", "prefill: person.name\n        signer: person")
    problems = check_forms_dir(_write(tmp_path, text))
    assert any("'signer' does not apply to a short_text field" in p for p in problems)


def test_signer_is_read_and_a_signature_without_one_still_loads(tmp_path: Path) -> None:
    form = load_forms_dir(_write(tmp_path, FORM)).latest("signed")
    assert form.field("representative_signature").signer == "representative"
    assert form.field("full_name").signer is None
    sample = load_forms_dir(default_forms_dir()).latest("sample")
    assert sample.field("person_signature").signer is None


def test_one_blocker_names_every_missing_signer_first(tmp_path: Path) -> None:
    form = load_forms_dir(_write(tmp_path, FORM)).latest("signed")
    answers: dict[str, Any] = {"full_name": "Jordan Example", "has_representative": True}
    result = evaluate(form, answers, today=TODAY)
    assert not result.completable
    first, *rest = result.completion_problems()
    assert first.path == "person_signature"
    assert first.message.startswith(
        "Not signed by: the person assessed (Jordan Example), their representative, the assessor."
    )
    # Said once: the questions' own "add a signature" problems are not repeated.
    assert rest == []
    assert [p.path for p in result.problems] == [
        "person_signature",
        "representative_signature",
        "assessor_signature",
    ]


def test_without_the_persons_name_the_role_is_used(tmp_path: Path) -> None:
    form = load_forms_dir(_write(tmp_path, FORM)).latest("signed")
    answers = {"has_representative": False, "assessor_signature": drawn()}
    [first] = evaluate(form, answers, today=TODAY).completion_problems()
    assert first.message.startswith("Not signed by: the person assessed.")


def test_a_hidden_signature_is_not_required(tmp_path: Path) -> None:
    form = load_forms_dir(_write(tmp_path, FORM)).latest("signed")
    answers = {
        "has_representative": False,
        "person_signature": unable("lacks_capacity"),
        "assessor_signature": drawn(),
    }
    result = evaluate(form, answers, today=TODAY)
    assert result.completable and result.unsigned == ()
    shown = evaluate(form, {**answers, "has_representative": True}, today=TODAY)
    assert shown.unsigned == ("representative_signature",)
    assert shown.completion_problems()[0].message.startswith("Not signed by: their representative.")


def test_the_needs_representative_signs_only_when_there_is_an_attorney_or_deputy() -> None:
    form = load_forms_dir(default_forms_dir()).latest("needs_assessment")
    assert evaluate(form, NEEDS, today=TODAY).completable
    attorney = {
        **NEEDS,
        "who_may_act": "lpa_health_welfare",
        "attorney_name": "Sam Example",
        "attorney_checked": True,
    }
    result = evaluate(form, attorney, today=TODAY)
    assert result.completable  # shown, but optional
    bad = evaluate(form, {**attorney, "representative_signature": drawn()}, today=TODAY)
    assert [(p.path, p.message) for p in bad.problems] == [
        (
            "representative_signature",
            "Choose the authority their representative signs with, for example a Lasting Power of "
            "Attorney.",
        )
    ]
    hidden = evaluate(form, {**NEEDS, "representative_signature": drawn()}, today=TODAY)
    assert hidden.completable  # a hidden answer is not checked


@pytest.mark.parametrize(
    ("form_id", "required", "optional"),
    [
        ("needs_assessment", {"person": 1, "assessor": 1}, {"representative": 1}),
        ("carers_assessment", {"carer": 1, "assessor": 1}, {}),
        ("financial_assessment", {"person": 1, "assessor": 1}, {"representative": 1}),
        ("chc_checklist", {"assessor": 1}, {"person": 1}),
        ("chc_dst", {"assessor": 1}, {"person": 1}),
        ("chc_fast_track", {"assessor": 1}, {}),
        ("care_support_plan", {"person": 1, "assessor": 1}, {}),
        ("care_review", {"assessor": 1}, {"person": 1}),
    ],
)
def test_every_real_form_ends_with_its_signatures(
    form_id: str, required: dict[str, int], optional: dict[str, int]
) -> None:
    form = load_forms_dir(default_forms_dir()).latest(form_id)
    last = form.sections[-1]
    assert last.title.startswith("Signature") and "Unable to sign" in (last.help or "")
    assert all(f.type is FieldType.SIGNATURE for f in last.fields)
    got_required: dict[str, int] = {}
    got_optional: dict[str, int] = {}
    for f in last.fields:
        assert f.signer is not None
        counts = got_required if f.required else got_optional
        counts[f.signer] = counts.get(f.signer, 0) + 1
    assert (got_required, got_optional) == (required, optional)


def _start_needs(vault: Vault, answers: dict[str, Any]) -> tuple[AssessmentRepository, str]:
    registry = load_forms_dir(default_forms_dir())
    records = AssessmentRepository(vault)
    person = PeopleRepository(vault).add(prisoner())
    record = start_record(
        session_for(records, today=TODAY), registry.latest("needs_assessment"), person.id
    )
    for key, value in answers.items():
        if record.answers.get(key) != value:
            records.save_field(record.id, key, value)
    return records, record.id


def test_completing_a_needs_assessment_is_refused_until_both_have_signed(vault: Vault) -> None:
    registry = load_forms_dir(default_forms_dir())
    unsigned = {
        k: v for k, v in NEEDS.items() if k not in ("person_signature", "assessor_signature")
    }
    records, record_id = _start_needs(vault, unsigned)
    with pytest.raises(ValidationError) as caught:
        complete_record(session_for(records, registry, today=TODAY), record_id)
    assert str(caught.value).startswith(
        "Not ready to complete: person_signature: Not signed by: the person assessed, the assessor."
    )
    assert "more thing" not in str(caught.value)  # said once, not once per signature
    assert records.get(record_id).status is RecordStatus.DRAFT

    records.save_field(record_id, "assessor_signature", drawn(name="Robin Testcase"))
    with pytest.raises(ValidationError, match="Not signed by: the person assessed. "):
        complete_record(session_for(records, registry, today=TODAY), record_id)

    records.save_field(
        record_id,
        "person_signature",
        unable("lacks_capacity", name="Łukasz Brindlewood", signed_on=TODAY.isoformat()),
    )
    done = complete_record(session_for(records, registry, today=TODAY), record_id)
    assert done.status is RecordStatus.COMPLETED
    summary = describe_signature(done.answers["person_signature"])
    assert summary is not None and summary.unable_reason_label == "Lacks capacity to sign"


def test_a_bad_signature_is_refused_with_its_own_message(vault: Vault) -> None:
    registry = load_forms_dir(default_forms_dir())
    answers = copy.deepcopy(NEEDS)
    answers["person_signature"] = unable("other", name="Łukasz Brindlewood")
    records, record_id = _start_needs(vault, answers)
    with pytest.raises(
        ValidationError,
        match="person_signature: Describe the reason the person assessed is unable to sign.",
    ):
        complete_record(session_for(records, registry, today=TODAY), record_id)


def test_the_persons_prefilled_name_is_used_in_the_message(vault: Vault, tmp_path: Path) -> None:
    registry = load_forms_dir(_write(tmp_path, FORM))
    records = AssessmentRepository(vault)
    person = PeopleRepository(vault).add(community_person())
    record = start_record(session_for(records, today=TODAY), registry.latest("signed"), person.id)
    records.save_field(record.id, "has_representative", False)
    with pytest.raises(
        ValidationError,
        match=r"Not signed by: the person assessed \(Zoë "
        r"Quillfeather\), the assessor\.",
    ):
        complete_record(session_for(records, registry, today=TODAY), record.id)


def test_a_fast_track_clinician_is_named_as_the_clinician_when_they_have_not_signed() -> None:
    import datetime as dt

    from assessor_app.core.form_engine.definition import load_forms_dir
    from assessor_app.core.form_engine.evaluation import evaluate
    from assessor_app.core.paths import default_forms_dir

    form = load_forms_dir(default_forms_dir()).latest("chc_fast_track")
    problems = evaluate(form, {}, today=dt.date(2026, 11, 23)).completion_problems()
    assert any("Not signed by: the clinician" in p.message for p in problems)
