"""The benchmarks' synthetic caseload (`bench/bulk.py`): the import takes it whole, as real."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from assessor_app.core.attention import ATTENTION_FORMS, attention
from assessor_app.core.nhs_number import is_valid_nhs_number
from assessor_app.core.services.bulk_import import import_caseload_file
from assessor_app.core.storage.history import verify_chains
from assessor_app.core.storage.vault import Vault
from bench.bulk import PROPORTIONS, write_caseload
from tests.support import session_for

TODAY = dt.date(2026, 12, 3)


def test_the_synthetic_caseload_is_imported_whole_with_work_for_the_alerts(
    vault: Vault, tmp_path: Path
) -> None:
    source = tmp_path / "caseload.jsonl"
    counts = write_caseload(source, 400, 2400, seed=3, today=TODAY)
    session = session_for(vault, today=TODAY)
    done = import_caseload_file(session, source)
    assert (done.people, done.revisions) == (400, 2400)
    assert done.records == sum(counts.values())
    assert verify_chains(vault.conn).ok
    # Every real form, as drafts and as completed records.
    forms: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for key, count in counts.items():
        form_id, status = key.split()
        forms[form_id] += count
        statuses[status] += count
    assert set(forms) == set(PROPORTIONS)
    assert forms.most_common(1)[0][0] == "needs_assessment"
    assert statuses["completed"] > statuses["draft"] > statuses["amended"] > 0
    # CHC work due: Fast Tracks, and DST decisions and reviews due or overdue.
    alerts = [
        a
        for found in attention(session.records.list_for_forms(ATTENTION_FORMS), TODAY).values()
        for a in found
    ]
    assert any("Fast Track" in a for a in alerts)
    assert any("overdue" in a for a in alerts)
    # A long tail of names, accented ones among them, found without their accents.
    people = session.people.search("", limit=1000)
    families = Counter(p.details.family_name for p in people)
    assert len(families) > 100 and families.most_common(1)[0][1] > 10
    accented = [p for p in people if not p.details.family_name.isascii()]
    assert accented
    plain = accented[0].details.family_name.encode("ascii", "ignore").decode().lower()
    assert accented[0].id in {p.id for p in session.people.search(plain[:3], limit=1000)}
    # NHS numbers: valid, all different, spread over the 999 test range.
    numbers = [p.details.nhs_number for p in people if p.details.nhs_number]
    assert len(numbers) == len(set(numbers)) > 300
    assert all(n.startswith("999") and is_valid_nhs_number(n) for n in numbers)
    assert {n[3] for n in numbers} == set("0123456789")
