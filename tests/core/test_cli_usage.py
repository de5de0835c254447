"""`assessor-cli` as a new user meets it: lists that say what they list, help for every option."""

from __future__ import annotations

import pytest

from tests.core.test_cli import PASS, cli, profile  # noqa: F401 - fixtures

assert PASS


@pytest.mark.usefixtures("profile")
def test_record_list_is_a_table_of_person_form_status_and_time(cli) -> None:  # noqa: F811
    code, out, err = cli("record", "list")
    assert code == 0 and out == "" and "record start" in err
    ids = {}
    for given, family, form in (
        ("Ada", "Quillfeather", "sample"),
        ("Bram", "Oakhollow", "chc_checklist"),
    ):
        person = cli("person", "add", "--given", given, "--family", family)[1].strip()
        ids[family] = person, cli("record", "start", "--person", person, "--form", form)[1].strip()

    code, out, err = cli("record", "list")
    assert code == 0, err
    rows = [line.split("\t") for line in out.splitlines()]
    assert [row[:4] for row in rows] == [
        # newest change first
        [ids["Oakhollow"][1], "Oakhollow, Bram", "NHS Continuing Healthcare Checklist", "draft"],
        [ids["Quillfeather"][1], "Quillfeather, Ada", "Sample form – every field type", "draft"],
    ]
    assert all(len(row) == 5 and len(row[4]) == len("2026-12-03 13:45") for row in rows)

    code, out, _ = cli("record", "list", "--person", ids["Quillfeather"][0])
    assert code == 0 and [line.split("\t")[0] for line in out.splitlines()] == [
        ids["Quillfeather"][1]
    ]
