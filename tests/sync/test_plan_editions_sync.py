"""A finalised care and support plan's three signed PDFs reach the council together.

The easy-read and large-print editions are variants of the same record, kept by the same
signing path, so they go with the standard PDF over the laptop's next sync, each stored whole
with its variant, on both databases.
"""

from __future__ import annotations

import datetime as dt

from assessor_app.core.services.documents import finalise_record
from assessor_app.core.storage.documents import DocumentRepository
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.client import enrol, sync_now, transport_for
from tests.core.test_plan_renditions import REGISTRY, three_need_plan
from tests.support import session_for
from tests.sync.conftest import Gateway


def test_a_plans_easy_read_and_large_print_sync_with_its_standard_pdf(
    gateway: Gateway, vault: Vault
) -> None:
    session = session_for(vault, REGISTRY, today=dt.date(2026, 11, 23))
    plan = three_need_plan(session)
    finalise_record(session, plan)
    kept = DocumentRepository(vault).list_for_assessment(plan)
    assert sorted(d.variant for d in kept) == ["easy_read", "large_print", "standard"]

    enrol(vault, gateway.url, gateway.code(), first_contact_ca=gateway.ca.pem)
    report = sync_now(vault, transport_for(vault))

    assert report.finished and report.documents_sent == 3 and report.documents_waiting == 0
    for doc in kept:
        assert gateway.store.document(doc.id) == (plan, DocumentRepository(vault).data(doc.id))
    with gateway.store.transaction() as tx:
        rows = tx.execute("SELECT variant FROM document WHERE record_id = ?", (plan,)).fetchall()
    assert sorted(str(r[0]) for r in rows) == ["easy_read", "large_print", "standard"]
