"""The console by keyboard and as a screen reader is given it, in a real headless Chromium.

Every page the browser tests reach is checked by `Console` (tests/sync/console_a11y.py); these
add the pages and moments those tests do not reach (a refused form, the error pages, the team
queue), walk two pages with Tab, and show that the checker finds each fault it looks for.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from assessor_app.core.services.records import start_record
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import sync_now, transport_for
from tests.support import community_person, session_for
from tests.sync import test_console_browser as browser_tests
from tests.sync.console_a11y import FOCUS_OUTLINE, FOCUS_RING, problems, tab_walk
from tests.sync.console_client import ConsoleClient
from tests.sync.test_console_browser import Console

# The browser tests' own fixtures: this module gets its own gateway and browser from them.
served, browser, console = browser_tests.served, browser_tests.browser, browser_tests.console

pytestmark = pytest.mark.slow

_FOCUSED_SUMMARY = "return !!document.activeElement.closest('.error-summary')"


def _summary_has_focus(console: Console) -> bool:
    return bool(console.d.execute_script(_FOCUSED_SUMMARY))  # type: ignore[attr-defined]


def test_a_wrong_password_moves_focus_to_the_announced_problem(console: Console) -> None:
    console.open("/console/sign-in")
    console.field("Username").send_keys("ada")
    console.field("Password").send_keys("not the passphrase")
    console.go(console.button("Sign in"))
    assert console.h1() == "Sign in"
    assert _summary_has_focus(console)
    summary = console.find(console.by.CSS_SELECTOR, ".error-summary")
    assert summary.get_attribute("role") == "alert"  # type: ignore[attr-defined]
    assert "You are not signed in" in summary.text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("page", "button"),
    [
        ("Enrolment codes", "Issue a code"),
        ("Enrolment codes", "Add the assessor"),
        ("Caseload allocation", "Allocate"),
    ],
)
def test_a_refused_form_moves_focus_to_its_error_summary(
    console: Console, page: str, button: str
) -> None:
    console.sign_in("ada")
    console.go(console.link(page))
    console.go(console.button(button))  # nothing filled in; `go` checks the page it gets
    assert _summary_has_focus(console)
    assert console.find(console.by.CSS_SELECTOR, "[aria-invalid=true]")


def test_every_page_of_the_console_is_checked_for_each_role(console: Console) -> None:
    pages = {
        "ada": ["Enrolment codes", "Caseload allocation", "Received records", "Reference data",
                "Bundles", "Audit log"],
        "tam": ["Team queue", "Received records", "Devices"],
    }  # fmt: skip
    for who, links in pages.items():
        console.sign_in(who)
        for text in links:
            console.go(console.link(text))  # each checked as it arrives
            assert console.h1() == text


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/console/devices/no-such-laptop/revoke", "No such laptop"),
        ("/console/records/no-such-record", "No such record"),
        ("/console/records?person=not%20an%20id", "Received records"),
        ("/console/no-such-page", "Page not found"),
    ],
)
def test_the_error_pages_are_checked(console: Console, path: str, title: str) -> None:
    console.sign_in("ada")
    console.open(path)
    assert console.h1() == title


def test_a_mistyped_console_address_is_a_page_and_the_api_keeps_its_json(
    console: Console,
) -> None:
    client = ConsoleClient(console.served.url, console.served.ca.pem)
    page = client.get("/console/devcies")
    assert (page.status, page.h1()) == (404, "Page not found")
    assert "sign in and choose a page" in page.text
    api = client.get("/v1/no-such-call")
    assert (api.status, json.loads(api.text)) == (404, {"detail": "Not Found"})


def _walk(console: Console) -> list[str]:
    """Tab through the page: its stops, each with its focus shown on screen."""
    stops, order = tab_walk(console.d)
    assert [s.key for s in stops] == order
    for stop in stops:
        assert stop.seen, f"{stop.key} is focused off the screen"
        assert stop.outline == FOCUS_OUTLINE and FOCUS_RING in stop.shadow, stop
    return order


def test_tab_reaches_every_sign_in_control_in_reading_order_with_focus_shown(
    console: Console,
) -> None:
    console.sign_in("ada")
    console.go(console.button("Sign out"))
    assert console.h1() == "Sign in"
    assert _walk(console) == ["a##main", "input#username", "input#password", "button#Sign in"]


def test_tab_reaches_every_allocation_control_in_reading_order_with_focus_shown(
    console: Console,
) -> None:
    console.sign_in("ada")
    console.go(console.link("Caseload allocation"))
    order = _walk(console)
    assert order[0] == "a##main"
    assert order[-3:] == ["input#person", "select#assessor", "button#Allocate"]


def test_tab_reaches_every_bundles_control_once_radio_groups_once_with_focus_shown(
    console: Console,
) -> None:
    console.sign_in("ada")
    console.go(console.link("Bundles"))
    order = _walk(console)
    controls = [k for k in order if k.split("#")[0] in ("input", "select", "button")]
    assert controls[-7:] == [
        "input#bundle",
        "button#Import the bundle",
        "select#device",
        "input#lease",  # one stop for the group of three lease radios
        "input#days",
        "input#from_start",
        "button#Write the inbound bundle",
    ]


def test_the_stylesheet_gives_every_kind_of_control_a_focus_style() -> None:
    css = (Path(__file__).parents[2] / "sync/gateway/templates/console/console.css").read_text()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    focus_rules = [rule.split("{")[0] for rule in css.split("}") if ":focus" in rule.split("{")[0]]
    selectors = {s.strip() for rule in focus_rules for s in rule.split(",")}
    for selector in ("a:focus", "button:focus", "input:focus", "select:focus",
                     ".error-summary:focus"):  # fmt: skip
        assert selector in selectors


_BAD_PAGE = """<!doctype html><html><head><title>Wrong</title></head><body>
<main id="content"><h1>One</h1><h1>Two</h1>
<div class="error-summary"><p>Something is wrong</p></div>
<input id="a" aria-invalid="true"><select><option>x</option></select>
<a href="/one">here</a><a href="/two">Open</a><a href="/three">Open</a>
<button aria-describedby="gone">Go</button>
<table><tr><td>no</td><td>headers</td></tr></table>
<table><tr><th>Headed</th></tr><tr><td>but unnamed</td></tr></table>
</main></body></html>"""


def test_the_checker_finds_each_fault_it_looks_for(console: Console, tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text(_BAD_PAGE)
    console.d.get(page.as_uri())  # type: ignore[attr-defined]
    found = "\n".join(problems(console.d))
    for fault in (
        "<html> has no language",
        "reference to a missing id",
        "2 level-1 headings",
        "no one main landmark the skip link goes to",
        "a textbox has no accessible name",
        "is invalid but its error is not read",
        "a combobox has no accessible name",
        "a link named 'here' makes no sense",
        "a button named 'Go' makes no sense",
        "the links named 'Open' go to 2 different places",
        "1 table(s) have no header cells",
        "a table has no name",
        "1 error summaries but 0 announced",
    ):
        assert fault in found, f"{fault!r} not found in:\n{found}"


def test_the_queue_and_the_records_are_checked_full_of_work(console: Console, vault: Vault) -> None:
    # Two open records of two people from one laptop: a page lists each with links alike.
    first, _ = browser_tests._signed_record(console.served, vault, "Listerby")
    session = session_for(vault, today=dt.date(2026, 12, 4))
    for family_name in ("Secondson", "Thirdwell"):
        person = session.people.add(community_person(family_name=family_name))
        record = start_record(session, session.forms.latest("sample"), person.id)
        session.records.checkpoint(record.id)
        console.served.store.allocate(person.id, console.served.assessor, dt.datetime.now(dt.UTC))
    assert sync_now(vault, transport_for(vault)).finished
    console.sign_in("tam")
    console.go(console.link("Team queue"))  # each page checked as it arrives
    assert len(console.links("sample")) >= 2
    console.go(console.link("Received records"))
    console.go(console.links("sample")[0])
    assert console.h1().startswith("Record for ")
    console.go(console.link("Back to received records"))
