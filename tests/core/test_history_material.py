"""The hash material of revisions and audit entries, built directly, is the canonical JSON
the chain has always been hashed over: no hash already in a vault or at the gateway changes."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from assessor_app.core.storage import history

# Any text a field may hold: quotes, backslashes, control characters, accents, emoji.
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200)


def _old_hash(fields: list[object]) -> str:
    return hashlib.sha256(history.canonical_json(fields).encode("utf-8")).hexdigest()


@given(TEXT, TEXT, st.integers(min_value=0, max_value=2**63), TEXT, TEXT, TEXT, TEXT)
def test_a_revision_hash_is_the_sha256_of_its_fields_canonical_json(
    entity_type: str, entity_id: str, seq: int, at: str, author: str, body: str, prev: str
) -> None:
    assert history.chain_hash(entity_type, entity_id, seq, at, author, body, prev) == _old_hash(
        [entity_type, entity_id, seq, at, author, body, prev]
    )


@given(st.integers(min_value=1), TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT)
def test_an_audit_hash_is_the_sha256_of_its_fields_canonical_json(
    seq: int, at: str, actor: str, action: str, kind: str, entity: str, prev: str, rev: str
) -> None:
    fields: list[object] = [seq, at, actor, action, kind, entity, prev]
    if rev:
        fields.append(rev)
    assert history.audit_entry_hash(seq, at, actor, action, kind, entity, prev, rev) == (
        _old_hash(fields)
    )


def test_a_body_of_json_hashes_as_before() -> None:
    body = history.canonical_json({"answers": {"notes": 'Zoë said "no"\n\t\\ \u2028'}, "n": 1})
    fields: list[object] = ["assessment", "a1", 2, "2026-12-04T01:00:00+00:00", "Robin", body]
    assert history.chain_hash(*fields, "0" * 64) == _old_hash([*fields, "0" * 64])  # type: ignore[arg-type]
