"""Seeding a caseload from a file (`services.bulk_import`, `assessor-cli caseload import`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessor_app.core.errors import ValidationError
from assessor_app.core.records import RecordStatus
from assessor_app.core.services import bulk_import
from assessor_app.core.services.bulk_import import (
    CASELOAD_FORMAT,
    CaseloadFileError,
    import_caseload,
    load_line,
)
from assessor_app.core.storage import outbox
from assessor_app.core.storage.history import list_audit, list_revisions, verify_chains
from assessor_app.core.storage.people import details_to_body
from assessor_app.core.storage.vault import Vault
from assessor_app.core.untrusted import UntrustedJsonError, load_untrusted_json
from tests.support import community_person, prisoner, session_for

TODAY = dt.date(2026, 12, 3)
HEADER = json.dumps({"format": CASELOAD_FORMAT})


def _line(person: dict[str, Any], records: list[dict[str, Any]] | None = None) -> str:
    return json.dumps({"person": person, "records": records or []}, ensure_ascii=False)


def _person(**changes: Any) -> dict[str, Any]:
    return details_to_body(community_person(**changes))


def _fast_track(signed: bool = True) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "consent_status": "consented",
        "condition": "Rapidly deteriorating (synthetic).",
        "reasons": "Entering a terminal phase (synthetic).",
        "needs_and_care": "Care at home around the clock.",
        "clinician_name": "Dr Demo (synthetic)",
        "clinician_role": "gp",
        "clinician_organisation": "Demo Surgery",
        "clinician_contact": "01632 960000",
        "date_completed": "2026-12-01",
    }
    if signed:
        answers["clinician_signature"] = {
            "typed": True,
            "name": "Dr Demo",
            "signed_on": "2026-12-01",
        }
    return answers


def _import(vault: Vault, *lines: str, workers: int = 0) -> Any:
    return import_caseload(session_for(vault, today=TODAY), [HEADER, *lines], workers=workers)


# With a worker process, the line comes back without its answers, which travel as JSON: the
# same answers must be written either way.
@pytest.mark.parametrize("workers", [0, 1])
def test_a_caseload_is_written_as_the_one_at_a_time_paths_write_it(
    vault: Vault, workers: int
) -> None:
    draft = {"condition": "Deteriorating (synthetic)."}
    done = _import(
        vault,
        _line(
            _person(given_name="Zoë", family_name="Nguyễn", authority_person_id="LA1"),
            [
                {
                    "form_id": "chc_fast_track",
                    "status": "completed",
                    "answers": _fast_track(),
                    "earlier": [{"status": "draft", "answers": draft}],
                }
            ],
        ),
        "",  # blank lines are passed over
        _line(details_to_body(prisoner()) | {"id": "prisoner-1"}),
        workers=workers,
    )
    assert (done.people, done.records, done.revisions) == (2, 1, 4)
    session = session_for(vault, today=TODAY)
    # Search folds accents as it does for people added one at a time.
    (zoe,) = session.people.search("zoe nguyen")
    assert session.people.get("prisoner-1").details == prisoner()
    (record,) = session.records.list_for_person(zoe.id)
    assert record.status is RecordStatus.COMPLETED
    assert record.answers == _fast_track()
    revisions = list_revisions(vault.conn, "assessment", record.id)
    assert [(r.seq, r.body["status"]) for r in revisions] == [(1, "draft"), (2, "completed")]
    assert revisions[0].body["answers"] == draft
    # Chains, projections and the audit entry naming every revision all check out.
    report = verify_chains(vault.conn)
    assert report.ok, report.first_break
    actions = [e.action for e in list_audit(vault.conn)]
    assert actions[-5:] == [
        "person.create",
        "assessment.import",
        "assessment.completed",
        "person.create",
        "caseload.import",
    ]
    # Every revision is queued for the gateway, as the revision hook queues any other.
    queued = {(i.entity_type, i.entity_id, i.seq) for i in outbox.items(vault.conn)}
    assert queued == {
        ("person", zoe.id, 1),
        ("person", "prisoner-1", 1),
        ("assessment", record.id, 1),
        ("assessment", record.id, 2),
    }


def test_a_seeded_record_edited_later_goes_on_in_the_same_chain(vault: Vault) -> None:
    _import(vault, _line(_person(), [{"form_id": "chc_fast_track", "answers": {}}]))
    session = session_for(vault, today=TODAY)
    (record,) = session.records.list_for_person(session.people.search("")[0].id)
    session.records.save_field(record.id, "condition", "Worse today (synthetic).")
    session.records.checkpoint(record.id)
    assert [r.seq for r in session.records.history(record.id)] == [1, 2]
    assert verify_chains(vault.conn).ok


def test_a_bad_line_refuses_the_whole_file_naming_each_line_and_field(vault: Vault) -> None:
    before = list_audit(vault.conn)
    with pytest.raises(CaseloadFileError) as caught:
        _import(
            vault,
            _line(_person(authority_person_id="LA1")),
            _line(_person(authority_person_id="LA2") | {"nhs_number": "943 476 5918"}),
            _line(
                _person(authority_person_id="LA3"),
                [{"form_id": "chc_fast_track", "answers": {"clinician_role": "plumber"}}],
            ),
            "{not json",
            _line(_person(authority_person_id="LA1")),
        )
    problems = caught.value.problems
    assert len(problems) == 4
    assert problems[0].startswith("line 3, person: 943 476 5918 is not a valid NHS number")
    assert problems[1].startswith(
        "line 4, records[0] (chc_fast_track).answers.clinician_role: Choose one of the listed"
    )
    assert problems[2].startswith("line 5, the line: it is not JSON")
    assert problems[3] == (
        "line 6, person.authority_person_id: LA1 is already on line 2. Each person is in the "
        "file once."
    )
    assert "Nothing was imported." in caught.value.one_line()
    # Nothing of the file was written, not even its good first line.
    assert vault.conn.execute("SELECT count(*) FROM person").fetchone()[0] == 0
    assert vault.conn.execute("SELECT count(*) FROM revision").fetchone()[0] == 0
    assert vault.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert list_audit(vault.conn) == before


def test_a_completed_record_must_be_complete_and_signed(vault: Vault) -> None:
    with pytest.raises(CaseloadFileError) as caught:
        _import(
            vault,
            _line(
                _person(),
                [
                    {
                        "form_id": "chc_fast_track",
                        "status": "completed",
                        "answers": _fast_track(signed=False),
                    }
                ],
            ),
        )
    assert caught.value.problems == [
        "line 2, records[0] (chc_fast_track).answers.clinician_signature: Add a signature, or "
        "record why the clinician is unable to sign."
    ]


def test_people_and_records_already_here_are_refused(vault: Vault) -> None:
    _import(vault, _line(_person(authority_person_id="LA7") | {"id": "p-1"}))
    with pytest.raises(CaseloadFileError) as caught:
        _import(
            vault,
            _line(_person(authority_person_id="LA7")),
            _line(_person(authority_person_id="LA8") | {"id": "p-1"}),
            _line(
                _person(authority_person_id="LA9"),
                [{"id": "r-1", "form_id": "chc_fast_track", "answers": {}}] * 2,
            ),
        )
    assert caught.value.problems == [
        "line 2, person.authority_person_id: LA7 is already in this profile. Each person is "
        "in the file once.",
        "line 3, person.id: p-1 is already in this profile or earlier in the file.",
        "line 4, records[1] (chc_fast_track).id: r-1 is already in this profile or in the file.",
    ]


@pytest.mark.parametrize(
    ("record", "where", "says"),
    [
        ({"form_id": "no_such_form"}, "records[0].form_id", "this app has no form 'no_such_form'"),
        (
            {"form_id": "chc_fast_track", "status": "signed", "answers": {}},
            "records[0] (chc_fast_track).status",
            "must be draft, completed, amended",
        ),
        (
            {"form_id": "chc_fast_track", "answers": {}, "earlier": [{"answers": {"x": 1}}]},
            "records[0] (chc_fast_track).earlier[0].answers.x",
            "is not a question of chc_fast_track",
        ),
        (
            {"form_id": "chc_fast_track", "answers": {}, "colour": "red"},
            "records[0].colour",
            "unknown",
        ),
    ],
)
def test_a_record_that_does_not_fit_is_named(
    vault: Vault, record: dict[str, Any], where: str, says: str
) -> None:
    with pytest.raises(CaseloadFileError) as caught:
        _import(vault, _line(_person(), [record]))
    (problem,) = caught.value.problems
    assert problem.startswith(f"line 2, {where}: {says}")


def test_a_file_that_is_not_a_caseload_is_refused(vault: Vault) -> None:
    session = session_for(vault, today=TODAY)
    with pytest.raises(ValidationError, match="not a caseload file"):
        import_caseload(session, [json.dumps({"format": "assessor.record/2"})])
    with pytest.raises(ValidationError, match="The caseload file is empty"):
        import_caseload(session, ["", "  "])


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "\\ud800"}',  # a lone surrogate
        "[" * 40 + "]" * 40,  # far too deep
        '{"a": NaN}',
        '{"a": 1',
        b'{"a": "\xff"}',  # not UTF-8
    ],
)
def test_a_line_is_refused_as_untrusted_json_refuses_it(text: str | bytes) -> None:
    with pytest.raises(UntrustedJsonError) as ours:
        load_line(text)
    with pytest.raises(UntrustedJsonError) as theirs:
        load_untrusted_json(text)
    assert ours.value.reason == theirs.value.reason


def test_brackets_and_escapes_inside_text_do_not_count_as_nesting() -> None:
    text = json.dumps({"a": ["[[[[" * 20 + '\\"{' * 20, {"b": "\\ud7ff ]]]"}]})
    assert load_line(text) == json.loads(text)
    # An escaped backslash before "ud800" is not a surrogate escape.
    assert load_line('{"a": "\\\\ud800"}') == {"a": "\\ud800"}


def test_the_cli_imports_a_caseload_and_names_a_bad_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assessor_app.cli import main

    monkeypatch.setenv("ASSESSOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSESSOR_PASSPHRASE", "copper meadow lantern")
    assert (
        main(
            [
                "--insecure-fast-kdf",
                *("profile", "create", "--name", "Casey Example", "--role", "nurse"),
                *("--authority", "Exampleshire"),
            ]
        )
        == 0
    )
    good = tmp_path / "caseload.jsonl"
    good.write_text("\n".join([HEADER, _line(_person()), ""]), "utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([HEADER, _line(_person(), [{"form_id": "x"}])]), "utf-8")
    capsys.readouterr()
    assert main(["caseload", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "line 2, records[0].form_id: this app has no form 'x'" in err
    assert "Nothing was imported." in err
    assert main(["caseload", "import", str(good)]) == 0
    assert "Imported 1 people and 0 records (1 revisions)" in capsys.readouterr().out
    assert main(["caseload", "import", str(tmp_path / "missing.jsonl")]) == 4


def test_checking_in_a_worker_process_finds_and_writes_the_same(vault: Vault) -> None:
    lines = [
        _line(_person(authority_person_id="LA1")),
        _line(
            _person(authority_person_id="LA2"),
            [{"form_id": "chc_fast_track", "answers": {"clinician_role": "plumber"}}],
        ),
        _line(_person(authority_person_id="LA1")),
        "[1, 2",
    ]
    session = session_for(vault, today=TODAY)
    found = []
    for workers in (0, 1):
        with pytest.raises(CaseloadFileError) as caught:
            import_caseload(session, [HEADER, *lines], workers=workers)
        found.append(caught.value.problems)
    assert found[0] == found[1]
    assert len(found[0]) == 3
    good = [_line(_person(authority_person_id="LA1"), [{"form_id": "chc_fast_track"}])]
    with pytest.raises(CaseloadFileError, match="answers: must be an object"):
        import_caseload(session, [HEADER, *good], workers=1)
    good = [
        _line(
            _person(authority_person_id=f"LA{n}"),
            [{"form_id": "chc_fast_track", "status": "completed", "answers": _fast_track()}],
        )
        for n in range(450)  # more than one chunk
    ]
    done = import_caseload(session, [HEADER, *good], workers=1)
    assert (done.people, done.records, done.revisions) == (450, 450, 900)
    assert verify_chains(vault.conn).ok


def test_an_unknown_setting_is_named_with_the_ones_there_are(vault: Vault) -> None:
    with pytest.raises(CaseloadFileError) as caught:
        _import(vault, _line(_person() | {"setting": "own home"}))
    (problem,) = caught.value.problems
    assert problem.startswith(
        "line 2, person: The person's setting 'own home' is not one this app knows: use one "
        "of own_home, care_home, hospital, prison,"
    )


def test_a_body_built_around_its_answers_json_is_the_canonical_json_of_the_body() -> None:
    from assessor_app.core.records import Assessment, AssessmentId, PersonId
    from assessor_app.core.storage.bulk import assessment_body_json
    from assessor_app.core.storage.history import canonical_json

    record = Assessment(
        AssessmentId("r-1"),
        PersonId('p"1\\é'),
        "chc_fast_track",
        12,
        RecordStatus.DRAFT,
        'Siobhán O\'Brien "Sam"\u2028',
        {},
    )
    answers = {"z": [1.5, None, True], "a": 'Nguyễn "x" \\ \n', "m": {"b": 1, "a": 2}}
    body = {
        "person_id": record.person_id,
        "form_id": record.form_id,
        "form_version": record.form_version,
        "status": "amended",
        "author": record.author,
        "answers": answers,
    }
    built = assessment_body_json(record, RecordStatus.AMENDED, canonical_json(answers))
    assert built == canonical_json(body)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{}:, é'),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(alphabet='k"[{\\', max_size=3), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(_JSON, st.booleans())
def test_the_nesting_is_counted_outside_strings_however_they_are_written(
    value: Any, ascii_only: bool
) -> None:
    # Lines without an escaped quote are split at the quotes; the rest go through the
    # pattern that skips whole strings: both must give the nesting the pattern gives.
    text = json.dumps(value, ensure_ascii=ascii_only)
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", bulk_import._STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    assert bulk_import._depth(text) == deepest
    assert load_line(text) == value  # never deeper than MAX_DEPTH here
