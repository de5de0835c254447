"""Inbound by file: a caseload going down to a laptop that never connects (issue 16).

What IT and the assessor wait for: `assessor-gateway bundle for-device` writing the inbound
bundle for a laptop whose assessor was allocated `people` people (seeded as in `bench.pull`:
sent from an intake laptop, then allocated), each with an open record of three revisions; then
`bundle import` on the laptop keeping them in its SQLCipher vault. Then the same with nothing
changed. In process: no network (a file has none); compare `bench.pull`, the same caseload
online. Run: ``python -m bench.inbound [--people N]``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.sync_client.client import enrolment_request, finish_enrolment, next_batch
from assessor_app.core.sync_client.inbound import import_inbound
from bench.common import new_vault
from bench.pull import _fill
from sync.gateway.bundles import BundleKey, inbound_for_device
from sync.gateway.ca import GatewayCA
from sync.gateway.enrolment import EnrolmentTerms, answer_enrolment
from sync.gateway.store import Store
from sync.protocol import PushRequest


def run(people: int = 200) -> list[str]:
    """The figures, one line each."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store(f"sqlite:///{folder / 'gateway.db'}")
        store.migrate()
        ca = GatewayCA.load_or_create(folder / "ca", "Benchshire")
        key = BundleKey.load_or_create(folder / "ca")
        now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)  # the certificates are valid
        intake = store.create_assessor("Bench Intake", now)
        assessor = store.create_assessor("Bench Assessor", now)
        seeder, laptop = new_vault(folder / "intake"), new_vault(folder / "laptop")
        try:
            terms = EnrolmentTerms(ca.pem.decode("ascii"), 30, None, key.public.text)
            devices = {}
            for vault, who in ((seeder, intake), (laptop, assessor)):
                code = store.issue_code(who, now, dt.timedelta(minutes=5))
                request = enrolment_request(vault, code)
                device, answer = answer_enrolment(store, ca, request, now, terms)
                finish_enrolment(vault, "https://gateway.invalid", answer, now=now)
                devices[who] = device.id
            _fill(seeder, people)
            while (batch := next_batch(seeder, now + dt.timedelta(days=1))) is not None:
                items = PushRequest.from_json(dict(batch.body)).items
                store.push(devices[intake], items, now, assessor=intake)
                with seeder.transaction() as conn:
                    conn.executemany(
                        "UPDATE outbox SET state = 'acknowledged' WHERE revision_hash = ?",
                        [(i.hash,) for i in batch.items],
                    )
            for (person_id,) in seeder.conn.execute("SELECT id FROM person").fetchall():
                store.allocate(str(person_id), assessor, now)
            lines = []
            for what in (f"{people} people onto an empty laptop", "nothing changed"):
                started = time.perf_counter()
                written = inbound_for_device(store, key, devices[assessor], now, lease_days=30)
                wrote = time.perf_counter() - started
                started = time.perf_counter()
                report = import_inbound(laptop, written.data, now)
                took = time.perf_counter() - started
                lines.append(
                    f"{what}: {report.pulled.received} revisions; written in {wrote * 1000:.1f} "
                    f"ms, {len(written.data):,} bytes; imported in {took * 1000:.1f} ms"
                )
            assert PeopleRepository(laptop).count() == people
            return lines
        finally:
            seeder.close()
            laptop.close()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.inbound")
    parser.add_argument("--people", type=int, default=200)
    print("\n".join(run(parser.parse_args().people)))
