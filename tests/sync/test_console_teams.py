"""Teams (schema 17) on both databases: a team manager sees and allocates only within their team.

Two teams, each with an assessor whose laptop has sent a real record; the store, the command
line and the console over real TLS, request by request, with what the database keeps.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from assessor_app.core.services.records import start_record
from assessor_app.core.storage import history
from assessor_app.core.storage.vault import Vault
from sync.gateway.accounts import AccountError, Accounts
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.server import development_tls, running
from sync.gateway.store import AllocationRefused, Store
from sync.gateway.teams import TeamError, Teams
from sync.protocol import PushItem
from tests.support import community_person, session_for
from tests.sync.console_client import TEAM, ConsoleClient, Page, device_certificate, make_accounts

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long synthetic passphrase"
NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
OTHER = "South locality"


@dataclass
class Desk:
    """What a test of the two teams needs: who is where, and their laptops and records."""

    url: str
    store: Store
    ca: GatewayCA
    robin: str
    """Robin Testcase, of `TEAM` (tam's)."""
    alex: str
    """Alex Sample, of `TEAM` too, with no laptop."""
    sam: str
    """Sam Example, of `OTHER` (tom's)."""
    devices: dict[str, str]
    """Assessor id -> their laptop's id."""
    records: dict[str, tuple[str, str]]
    """Assessor id -> (person id, record id) their laptop sent."""

    def client(self, username: str) -> ConsoleClient:
        client = ConsoleClient(self.url, self.ca.pem)
        assert client.sign_in(username, PASSWORD).status in (200, 403)
        return client


def _send_record(
    store: Store, vault: Vault, assessor: str, device: str, family: str
) -> tuple[str, str]:
    """A real person and draft record from a laptop, pushed by `assessor`'s laptop."""
    session = session_for(vault, today=dt.date(2026, 12, 4))
    person = session.people.add(community_person(family_name=family))
    record = start_record(session, session.forms.latest("sample"), person.id)
    people = history.list_revisions(vault.conn, "person", person.id)
    items = [PushItem.from_revision(r) for r in (*people, *session.records.history(record.id))]
    store.allocate(person.id, assessor, NOW)
    store.push(device, items, NOW, assessor=assessor)
    return person.id, record.id


@pytest.fixture
def desk(store_url: str, tmp_path: Path, vault: Vault) -> Iterator[Desk]:
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    robin = store.create_assessor("Robin Testcase", NOW)
    alex = store.create_assessor("Alex Sample", NOW)
    sam = store.create_assessor("Sam Example", NOW)
    make_accounts(store, PASSWORD, NOW, robin, alex)
    Teams(store).create(OTHER, NOW, "test")
    Teams(store).add(sam, OTHER, NOW, "test")
    Accounts(store).create("tom", "team_manager", PASSWORD, NOW, "test", team=OTHER)
    devices, records = {}, {}
    for assessor, family in ((robin, "Quillfeather"), (sam, "Marchbank")):
        code = store.issue_code(assessor, NOW, dt.timedelta(minutes=15))
        device, _ = store.enrol(code, NOW, lambda d, _who, name: device_certificate(ca, d, name))
        devices[assessor] = device.id
        records[assessor] = _send_record(store, vault, assessor, device.id, family)
    tls = development_tls(tmp_path, ca, ("127.0.0.1", "localhost"))
    with running(create_app(store, ca, clock=lambda: NOW), tls) as served:
        yield Desk(served.url, store, ca, robin, alex, sam, devices, records)


def _stored_pdf(desk: Desk, assessor: str) -> str:
    """A whole PDF held for the record `assessor`'s laptop sent (its bytes are not checked
    here: only who may have them); its id."""
    _, record = desk.records[assessor]
    data = b"%PDF-1.7 synthetic"
    with desk.store.transaction() as tx:
        (revision,) = tx.execute(
            "SELECT hash FROM revision WHERE entity_id = ? AND seq = 1", (record,)
        ).fetchone()
        tx.execute(
            "INSERT INTO document (id, record_id, revision_hash, kind, variant, filename, size, "
            "sha256, assessor_id, device, offered_at, received, completed_at) "
            "VALUES (?, ?, ?, 'record', 'standard', 'record.pdf', ?, ?, ?, ?, ?, ?, ?)",
            (
                f"d-{record}", record, revision, len(data), hashlib.sha256(data).hexdigest(),
                assessor, desk.devices[assessor], NOW.isoformat(), len(data), NOW.isoformat(),
            ),
        )  # fmt: skip
        tx.execute(
            "INSERT INTO document_chunk (document_id, at_offset, data) VALUES (?, 0, ?)",
            (f"d-{record}", data),
        )
    return f"d-{record}"


def _download_status(desk: Desk, username: str, document: str) -> int:
    """The status of `username`'s download of `document`."""
    return desk.client(username).raw(f"/console/documents/{document}").status


def _refusals(store: Store) -> set[tuple[str, str]]:
    """(who, what) of each refusal outside a team (written at one time, so in no order)."""
    return {
        (e.actor, e.subject)
        for e in Accounts(store).audit_log()
        if e.action == "refused: outside team"
    }


# -- the store and the command line ------------------------------------------------------------


def test_a_team_is_one_name_in_any_case_and_an_assessor_moves_between_teams(
    store_url: str,
) -> None:
    store = Store(store_url)
    store.migrate()
    teams, assessor = Teams(store), store.create_assessor("Robin Testcase", NOW)
    assert teams.create("  North   locality ", NOW, "ada") == "North locality"
    with pytest.raises(TeamError, match="already a team 'North locality'"):
        teams.create("north LOCALITY", NOW, "ada")
    with pytest.raises(TeamError, match="1 to 64 characters"):
        teams.create("   ", NOW, "ada")
    teams.create(OTHER, NOW, "ada")
    with pytest.raises(TeamError, match="no team 'East'"):
        teams.add(assessor, "East", NOW, "ada")
    with pytest.raises(TeamError, match="no assessor nobody"):
        teams.add("nobody", "North locality", NOW, "ada")

    assert teams.add(assessor, "north locality", NOW, "ada") == ("Robin Testcase", TEAM)
    assert store.assessors(team=TEAM) == [(assessor, "Robin Testcase")]
    teams.add(assessor, OTHER, NOW, "ada")  # a move, not a second team
    assert store.assessors(team=TEAM) == []
    listed = {t.name: t.assessors for t in teams.teams()}
    assert listed == {TEAM: (), OTHER: ((assessor, "Robin Testcase"),)}
    moves = [e.detail for e in Accounts(store).audit_log() if e.action == "assessor moved to team"]
    assert sorted(moves) == [
        f"Robin Testcase: {TEAM} (from no team)",
        f"Robin Testcase: {OTHER} (from {TEAM})",
    ]


def test_a_team_managers_account_needs_a_team_that_exists_and_no_other_role_takes_one(
    store_url: str,
) -> None:
    store = Store(store_url)
    store.migrate()
    accounts = Accounts(store)
    with pytest.raises(AccountError, match="needs its team: give --team NAME"):
        accounts.create("tam", "team_manager", PASSWORD, NOW, "ada")
    with pytest.raises(AccountError, match="no team 'North locality'.*team create"):
        accounts.create("tam", "team_manager", PASSWORD, NOW, "ada", team=TEAM)
    Teams(store).create(TEAM, NOW, "ada")
    with pytest.raises(AccountError, match="Only a team manager's account belongs to a team"):
        accounts.create("aud", "auditor", PASSWORD, NOW, "ada", team=TEAM)
    assert accounts.role_of("tam") is None and accounts.role_of("aud") is None

    accounts.create("tam", "team_manager", PASSWORD, NOW, "ada", team="NORTH locality")
    account = accounts.session(accounts.sign_in("tam", PASSWORD, NOW), NOW)
    assert account is not None and account.team == TEAM
    Teams(store).create(OTHER, NOW, "ada")
    assert accounts.set_team("tam", "south LOCALITY", NOW, "ada") == OTHER
    assert [t.managers for t in Teams(store).teams()] == [(), ("tam",)]


def test_an_allocation_within_a_team_is_refused_to_or_from_an_assessor_outside_it(
    store_url: str,
) -> None:
    store = Store(store_url)
    store.migrate()
    teams = Teams(store)
    robin, sam = (store.create_assessor(n, NOW) for n in ("Robin Testcase", "Sam Example"))
    for assessor, team in ((robin, TEAM), (sam, OTHER)):
        teams.create(team, NOW, "ada")
        teams.add(assessor, team, NOW, "ada")
    store.allocate("p-free", robin, NOW, within_team=TEAM)  # on nobody's caseload: may
    store.allocate("p-sams", sam, NOW)
    with pytest.raises(AllocationRefused) as joining:
        store.allocate("p-new", sam, NOW, within_team=TEAM)
    assert joining.value.joining and joining.value.assessor == sam
    with pytest.raises(AllocationRefused) as taking:
        store.allocate("p-sams", robin, NOW, within_team=TEAM)
    assert not taking.value.joining and taking.value.assessor == sam
    held = {p: a for p, a, _ in store.allocations()}
    assert held == {"p-free": robin, "p-sams": sam}  # nothing moved
    assert store.allocations(team=TEAM) == [("p-free", robin, NOW.isoformat())]


def _gateway(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.gateway.cli", "--db", url, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_teams_are_made_listed_and_joined_from_the_command_line(
    store_url: str, tmp_path: Path
) -> None:
    store = Store(store_url)
    store.migrate()
    robin = store.create_assessor("Robin Testcase", NOW)
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    made = _gateway(store_url, "team", "create", TEAM)
    assert made.returncode == 0 and f"Team {TEAM} made" in made.stdout
    again = _gateway(store_url, "team", "create", TEAM.upper())
    assert again.returncode == 2 and f"already a team '{TEAM}'" in again.stderr
    joined = _gateway(store_url, "team", "add", robin, "north locality")
    assert joined.returncode == 0 and f"Robin Testcase is in team {TEAM}" in joined.stdout
    assert _gateway(store_url, "team", "add", robin, "East").returncode == 2

    def account(*extra: str) -> subprocess.CompletedProcess[str]:
        return _gateway(
            store_url, "console-account", "create", "--username", "tam",
            "--role", "team_manager", "--password-file", str(secret), *extra,
        )  # fmt: skip

    teamless = account()
    assert teamless.returncode == 2 and "needs its team: give --team NAME" in teamless.stderr
    made_account = account("--team", TEAM)
    assert made_account.returncode == 0 and f"(Team manager, team {TEAM})" in made_account.stdout
    store.create_assessor("Nia Placeholder", NOW)
    listed = _gateway(store_url, "team", "list")
    assert listed.returncode == 0
    assert f"{TEAM}\t1 assessor(s)\tmanaged by tam" in listed.stdout
    assert f"  {robin}\tRobin Testcase" in listed.stdout
    assert "In no team (1; no team manager sees them):" in listed.stdout
    assert "Nia Placeholder" in listed.stdout
    log = [(e.actor, e.action) for e in Accounts(store).audit_log()]
    for action in ("team created", "assessor moved to team", "account created"):
        assert ("assessor-gateway (command line)", action) in log


# -- the console ---------------------------------------------------------------------------------


def _words(page: Page) -> str:
    """The page's text as read: tags gone, entities (such as an apostrophe's) undone."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def test_a_team_manager_sees_only_their_teams_laptops_queue_caseloads_and_records(
    desk: Desk,
) -> None:
    tam, ada = desk.client("tam"), desk.client("ada")
    mine, theirs = desk.devices[desk.robin], desk.devices[desk.sam]
    (_, my_record), (their_person, their_record) = desk.records[desk.robin], desk.records[desk.sam]

    devices = tam.get("/console/devices")
    assert devices.status == 200 and mine in devices.text and theirs not in devices.text
    assert f"tam (Team manager, team {TEAM})" in _words(devices)
    queue = tam.get("/console/queue")
    assert "Robin Testcase" in queue.text and "Alex Sample" in queue.text
    assert "Sam Example" not in queue.text and their_person not in queue.text
    records = tam.get("/console/records")
    assert my_record in records.text and their_record not in records.text
    assert "Sam Example" not in records.text  # nor in the "Sent by" choice
    allocation = tam.get("/console/allocation")
    assert "Robin Testcase" in allocation.text and "Sam Example" not in allocation.text
    assert their_person not in allocation.text

    # IT administrators (and auditors) see everyone, as before teams.
    for path, wanted in (
        ("/console/devices", (mine, theirs)),
        ("/console/queue", ("Robin Testcase", "Sam Example")),
        ("/console/records", (my_record, their_record)),
        ("/console/allocation", ("Robin Testcase", "Sam Example", their_person)),
    ):
        page = ada.get(path)
        assert page.status == 200 and all(w in page.text for w in wanted), path
    assert their_record in desk.client("aud").get("/console/records").text


def test_another_teams_laptop_and_record_are_refused_with_a_page_and_the_refusal_audited(
    desk: Desk,
) -> None:
    tam = desk.client("tam")
    theirs, (_, their_record) = desk.devices[desk.sam], desk.records[desk.sam]
    for path, title in (
        (f"/console/devices/{theirs}/held", "This laptop is not your team's"),
        (f"/console/records/{their_record}", "This record is not your team's"),
        (f"/console/records?assessor={desk.sam}", "This assessor is not in your team"),
    ):
        page = tam.get(path)
        assert page.status == 403 and html.unescape(page.h1()) == title, path
        assert "Nothing was changed" in page.text and f"team's ({TEAM})" in _words(page)
    assert _refusals(desk.store) == {
        ("tam", desk.sam),
        ("tam", their_record),
        ("tam", theirs),
    }
    pdf = _stored_pdf(desk, desk.sam)
    download = tam.raw(f"/console/documents/{pdf}")
    assert download.status == 403 and b"This record is not your team" in download.body
    log = Accounts(desk.store).audit_log()
    assert [e.subject for e in log if e.action == "refused: outside team"].count(their_record) == 2
    assert not [e for e in log if e.actor == "tam" and e.action == "signed PDF downloaded"]
    assert _download_status(desk, "ada", pdf) == 200 and _download_status(desk, "tom", pdf) == 200
    # Their own team's are theirs to open; tom, of the other team, is refused Robin's.
    assert tam.get(f"/console/records/{desk.records[desk.robin][1]}").status == 200
    assert desk.client("tom").get(f"/console/records/{desk.records[desk.robin][1]}").status == 403
    assert desk.client("ada").get(f"/console/records/{their_record}").status == 200


def test_a_team_manager_allocates_only_to_their_team_and_only_people_free_or_on_it(
    desk: Desk,
) -> None:
    tam = desk.client("tam")
    csrf = tam.get("/console/allocation").csrf
    their_person, _ = desk.records[desk.sam]
    my_person, _ = desk.records[desk.robin]

    def allocate(person: str, assessor: str) -> Page:
        return tam.post(
            "/console/allocation", {"person": person, "assessor": assessor, "csrf": csrf}
        )

    assert allocate("p-new", desk.robin).status == 200  # on nobody's caseload
    moved = allocate(my_person, desk.alex)  # within the team
    assert moved.status == 200 and "is now on Alex Sample's caseload" in _words(moved)
    to_them = allocate("p-other", desk.sam)
    assert to_them.status == 403 and html.unescape(to_them.h1()) == "Not your team's to allocate"
    assert "Sam Example is not in your team" in _words(to_them)
    from_them = allocate(their_person, desk.robin)
    assert from_them.status == 403 and "Sam Example, who is not in your team" in _words(from_them)
    assert "Nothing was changed" in from_them.text

    held = {p: a for p, a, _ in desk.store.allocations()}
    assert held["p-new"] == desk.robin and held[my_person] == desk.alex
    assert "p-other" not in held and held[their_person] == desk.sam
    assert _refusals(desk.store) == {("tam", their_person), ("tam", "p-other")}
    # IT may still move anyone, as before teams.
    ada = desk.client("ada")
    ada.post(
        "/console/allocation",
        {
            "person": their_person,
            "assessor": desk.robin,
            "csrf": ada.get("/console/allocation").csrf,
        },
    )
    assert {p: a for p, a, _ in desk.store.allocations()}[their_person] == desk.robin


def test_a_team_manager_from_before_teams_sees_only_a_page_to_ask_it_until_given_one(
    store_url: str, tmp_path: Path
) -> None:
    store = Store(store_url)
    store.migrate(upto=16)
    with store.transaction() as tx:  # an account made before schema 17
        tx.execute(
            "INSERT INTO console_account (username, role, password_hash, created_at, "
            "password_set_at) VALUES (?, ?, ?, ?, ?)",
            (
                "tam",
                "team_manager",
                PasswordHasher().hash(PASSWORD),
                NOW.isoformat(),
                NOW.isoformat(),
            ),
        )
    store.migrate()
    robin = store.create_assessor("Robin Testcase", NOW)
    store.allocate("p-0001", robin, NOW)
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    tls = development_tls(tmp_path, ca, ("127.0.0.1", "localhost"))
    with running(create_app(store, ca, clock=lambda: NOW), tls) as served:
        tam = ConsoleClient(served.url, ca.pem)
        first = tam.sign_in("tam", PASSWORD)
        assert first.status == 403 and first.h1() == "Your account is not in a team yet"
        assert "console-account set-team --username tam --team NAME" in first.text
        assert "Caseload allocation" not in first.text  # no pages offered
        for path in ("/console/queue", "/console/records", "/console/allocation"):
            page = tam.get(path)
            assert page.status == 403 and "p-0001" not in page.text, path
        refused = tam.post(
            "/console/allocation", {"person": "p-0002", "assessor": robin, "csrf": first.csrf}
        )
        assert refused.status == 403 and [p for p, _, _ in store.allocations()] == ["p-0001"]
        out = tam.post("/console/sign-out", {"csrf": first.csrf})  # that much they may
        assert out.status == 200 and out.url.endswith("/console/sign-in")

        Teams(store).create(TEAM, NOW, "ada")
        Teams(store).add(robin, TEAM, NOW, "ada")
        Accounts(store).set_team("tam", TEAM, NOW, "ada")
        assert tam.sign_in("tam", PASSWORD).status == 200
        assert "p-0001" in tam.get("/console/queue").text


def test_it_makes_a_team_and_moves_an_assessor_on_the_teams_page_and_others_cannot(
    desk: Desk,
) -> None:
    ada = desk.client("ada")
    page = ada.get("/console/teams")
    assert page.status == 200 and page.h1() == "Teams"
    assert "Alex Sample, Robin Testcase" in page.text and "<td>tam</td>" in page.text

    blank = ada.post("/console/teams", {"name": "  ", "csrf": page.csrf})
    assert blank.status == 400 and 'href="#name"' in blank.text and "1 to 64" in blank.text
    taken = ada.post("/console/teams", {"name": TEAM.lower(), "csrf": page.csrf})
    assert taken.status == 400 and f"already a team &#39;{TEAM}&#39;" in taken.text
    made = ada.post("/console/teams", {"name": "East locality", "csrf": page.csrf})
    assert made.status == 200 and "Team East locality is made" in made.text
    unchosen = ada.post("/console/teams/members", {"assessor": "", "team": "", "csrf": page.csrf})
    assert unchosen.status == 400 and 'href="#assessor"' in unchosen.text
    assert 'href="#team"' in unchosen.text
    moved = ada.post(
        "/console/teams/members",
        {"assessor": desk.alex, "team": "East locality", "csrf": page.csrf},
    )
    assert moved.status == 200 and "Alex Sample is in team East locality" in moved.text
    assert _team_of(desk.store, desk.alex) == "East locality"
    # Tam no longer sees Alex from the next page.
    assert "Alex Sample" not in desk.client("tam").get("/console/queue").text
    actions = {(e.actor, e.action, e.subject) for e in Accounts(desk.store).audit_log()}
    assert ("ada", "team created", "East locality") in actions
    assert ("ada", "assessor moved to team", desk.alex) in actions

    aud = desk.client("aud")
    seen = aud.get("/console/teams")
    assert seen.status == 200 and "East locality" in seen.text and "Make the team" not in seen.text
    forged = aud.post("/console/teams", {"name": "West", "csrf": seen.csrf})
    assert forged.status == 403 and "West" not in {t.name for t in Teams(desk.store).teams()}
    tam = desk.client("tam")
    assert tam.get("/console/teams").status == 403
    assert "/console/teams" not in tam.get("/console/devices").text


def _team_of(store: Store, assessor: str) -> str | None:
    """The team an assessor is in, as the database keeps it."""
    with store.transaction() as tx:
        row = tx.execute("SELECT team FROM assessor WHERE id = ?", (assessor,)).fetchone()
    return None if row is None or row[0] is None else str(row[0])
