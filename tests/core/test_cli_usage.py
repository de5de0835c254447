"""`assessor-cli` as a new user meets it: lists that say what they list, help for every option."""

from __future__ import annotations

import argparse

import pytest

from assessor_app.cli import build_parser
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


def _sub_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every (command words, parser, help of the command) under `parser`, depth first."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, child in action.choices.items():
                yield (*path, name), child, helps.get(name)
                yield from _sub_commands(child, (*path, name))


def _options_without_help(parser: argparse.ArgumentParser) -> list[str]:
    return [
        "/".join(a.option_strings) or a.dest
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
        and a.help != argparse.SUPPRESS
        and not (a.help or "").strip()
    ]


def test_every_command_and_option_has_help() -> None:
    parser = build_parser()
    missing = [f"assessor-cli {name}" for name in _options_without_help(parser)]
    commands = list(_sub_commands(parser))
    assert len(commands) > 40
    for words, child, help_text in commands:
        where = "assessor-cli " + " ".join(words)
        if not (help_text or "").strip():
            missing.append(f"{where} (the command itself)")
        missing += [f"{where} {name}" for name in _options_without_help(child)]
    assert missing == [], "no help text: " + ", ".join(missing)


def test_help_of_every_command_names_each_option_with_its_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for words, child, help_text in _sub_commands(build_parser()):
        with pytest.raises(SystemExit) as exited:
            build_parser().parse_args([*words, "--help"])
        assert exited.value.code == 0
        shown = " ".join(capsys.readouterr().out.split())
        assert help_text and help_text[1:].strip() in shown, words  # says what it does
        for action in child._actions:
            if action.help in (None, argparse.SUPPRESS):
                continue
            name = action.option_strings[0] if action.option_strings else action.metavar
            first_words = " ".join(action.help.split()[:3]).split("%")[0]
            assert (name or action.dest) in shown and first_words in shown, (words, action.dest)
