"""Pull: a caseload flowing down from the gateway onto an empty laptop (issue 15).

What a user waits for: an assessor's new laptop, enrolled, syncing for the first time, until
the 200 people allocated to them are in the vault with their open records (each a draft saved
`SAVES` times after it was started, so a chain of `SAVES + 1` revisions). Then the pull a
laptop makes at every sync when nothing changed: time and bytes. The app's side is
`sync_client.pull.pull_all` on a SQLCipher vault; the gateway is `assessor-gateway` on
loopback (uvicorn, TLS with client certificates, SQLite store; with `--postgres URL`,
PostgreSQL), seeded the way a council's is: an intake worker's laptop sends the people, then
IT allocates them.

Floor: the same request bodies sent over HTTPS (one kept connection, as the app) with the same
client certificate to a bare ASGI endpoint that answers each with the very bytes the gateway
answered, in the same run (`bench.sync`'s floor, answering the pull's bytes instead of `{}`).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.paths import default_forms_dir
from assessor_app.core.records import PersonDetails
from assessor_app.core.services.records import start_record
from assessor_app.core.services.session import Session
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client import pull
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from assessor_app.core.sync_client.transport import HttpsTransport
from bench.common import Row, new_vault
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store

SAVES = 2
"""Saves of each person's record after it was started: a chain of three revisions."""
IDLE_PULLS = 30
"""Pulls with nothing changed, of which the median is reported."""


@dataclass(frozen=True)
class PullBench:
    people: int
    revisions: int
    pages: int
    first_seconds: float
    first_network_seconds: float
    """Of `first_seconds`, waiting for the gateway's answers (the rest is the vault's)."""
    first_bytes: int
    """Request and answer bodies of the first pull, every page."""
    floor_seconds: float
    idle_seconds: float
    """Median of `IDLE_PULLS` pulls with nothing changed."""
    idle_bytes: int
    idle_floor_seconds: float
    database: str

    def summary(self) -> list[Row]:
        return [
            Row(
                f"pull of {self.people} people onto an empty laptop ({self.database})",
                "- (time and bytes)",
                f"{self.floor_seconds:.2f} s raw HTTPS, same bytes",
                f"{self.first_seconds:.2f} s, {self.first_bytes / 1024:,.0f} KiB",
                self.first_seconds / self.floor_seconds,
                None,
            ),
            Row(
                f"pull with nothing changed ({self.database})",
                "a few ms, a few hundred bytes",
                f"{self.idle_floor_seconds * 1000:.1f} ms raw HTTPS",
                f"{self.idle_seconds * 1000:.1f} ms, {self.idle_bytes} bytes",
                self.idle_seconds / self.idle_floor_seconds,
                self.idle_bytes < 1000 and self.idle_seconds < 0.02,
            ),
        ]

    def lines(self) -> list[str]:
        return [
            f"Pull of a {self.people}-person caseload ({self.revisions:,} revisions, "
            f"{self.pages} pages), gateway on {self.database}",
            f"  empty laptop, first pull        {self.first_seconds:7.2f} s   "
            f"{self.first_bytes / 1024:8,.0f} KiB",
            f"    of which waiting for the gateway {self.first_network_seconds:6.3f} s",
            f"  floor (same bytes, raw HTTPS)   {self.floor_seconds:7.3f} s",
            f"  ratio (floor / app)             {self.floor_seconds / self.first_seconds:7.3f}",
            f"  nothing changed (median of {IDLE_PULLS})  {self.idle_seconds * 1000:7.1f} ms  "
            f"{self.idle_bytes:8,} bytes",
            f"  floor (same bytes, raw HTTPS)   {self.idle_floor_seconds * 1000:7.1f} ms",
        ]


def _replay(answers: list[bytes]) -> Any:
    """The floor's endpoint: read the whole body, answer with the next of `answers`."""
    sent = [0]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        body = answers[sent[0] % len(answers)]
        sent[0] += 1
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def _fill(vault: Vault, people: int) -> None:
    session = Session(vault, load_forms_dir(default_forms_dir()))
    form = session.forms.latest("sample")
    for i in range(people):
        person = session.people.add(
            PersonDetails(given_name=f"Bench{i}", family_name="Synthperson")
        )
        record = start_record(session, form, person.id)
        for n in range(SAVES):
            session.records.save_field(record.id, "notes", f"Visit {n} of a synthetic day.")
            session.records.checkpoint(record.id)


def _wire(value: Any) -> bytes:
    """A body as the gateway writes it (Starlette's JSONResponse)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def run(people: int = 200, postgres: str | None = None) -> PullBench:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store(postgres or f"sqlite:///{folder / 'gateway.db'}")
        store.migrate()
        ca = GatewayCA.load_or_create(folder / "ca", "Benchshire")
        tls = development_tls(folder, ca)
        now = dt.datetime.now(dt.UTC)
        intake = store.create_assessor("Bench Intake", now)
        assessor = store.create_assessor("Bench Assessor", now)
        seeder, laptop = new_vault(folder / "intake"), new_vault(folder / "laptop")
        try:
            _fill(seeder, people)
            with running(create_app(store, ca), tls) as gw:
                for vault, who in ((seeder, intake), (laptop, assessor)):
                    code = store.issue_code(who, now, dt.timedelta(minutes=5))
                    enrol(vault, gw.url, code, first_contact_ca=ca.pem)
                assert sync_now(seeder, transport_for(seeder)).finished
                for (person_id,) in seeder.conn.execute("SELECT id FROM person"):
                    store.allocate(str(person_id), assessor, now)
                exchanged: list[tuple[dict[str, Any], bytes]] = []
                transport = transport_for(laptop)
                real = transport.post

                waited = [0.0]

                def noting(path: str, body: dict[str, Any]) -> dict[str, Any]:
                    began = time.perf_counter()
                    answer = real(path, body)
                    waited[0] += time.perf_counter() - began
                    exchanged.append((body, _wire(answer)))
                    return answer

                transport.post = noting  # type: ignore[method-assign]
                started = time.perf_counter()
                result = pull.pull_all(laptop, transport)
                first = time.perf_counter() - started
                network = waited[0]
                assert PeopleRepository(laptop).count() == people, result
                pages = list(exchanged)
                idle_times = []
                for _ in range(IDLE_PULLS):
                    exchanged.clear()
                    started = time.perf_counter()
                    idle = pull.pull_all(laptop, transport)
                    idle_times.append(time.perf_counter() - started)
                    assert idle.received == 0 and not idle.more
                idle_body, idle_answer = exchanged[0]
            with running(_replay([a for _, a in pages]), tls) as bare:
                floor_transport: HttpsTransport = transport_for(laptop)
                floor_transport.port = bare.port
                floor_transport.post(pull.PULL_PATH, pages[0][0])  # connect, as the app had
                started = time.perf_counter()
                for body, _ in pages:
                    floor_transport.post(pull.PULL_PATH, body)
                floor = time.perf_counter() - started
                floor_transport.close()
            with running(_replay([idle_answer]), tls) as bare:
                floor_transport = transport_for(laptop)
                floor_transport.port = bare.port
                floor_transport.post(pull.PULL_PATH, idle_body)
                floors = []
                for _ in range(IDLE_PULLS):
                    started = time.perf_counter()
                    floor_transport.post(pull.PULL_PATH, idle_body)
                    floors.append(time.perf_counter() - started)
                floor_transport.close()
        finally:
            seeder.close()
            laptop.close()
        return PullBench(
            people,
            result.received,
            len(pages),
            first,
            network,
            sum(len(_wire(b)) + len(a) for b, a in pages),
            floor,
            statistics.median(idle_times),
            len(_wire(idle_body)) + len(idle_answer),
            statistics.median(floors),
            "PostgreSQL" if postgres else "SQLite",
        )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.pull")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--postgres", help="a PostgreSQL URL for the gateway's store")
    args = parser.parse_args()
    print("\n".join(run(args.people, args.postgres).lines()))
