"""Adapters: how the authority's case-management system receives what the gateway accepted.

An adapter is handed each stored revision once (`deliver_pending`): the revision is claimed in
the database and delivered inside one transaction, so a failed delivery is retried next time
and two gateway processes never both deliver one revision. `FolderDrop` writes each one as a
JSON file in a folder the case-management system watches, atomically (a reader never sees
half a file). A signed PDF is handed on once it is whole and checked, and only after the
revision it was signed for: the folder drop writes it beside that revision's JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sync.gateway.store import Store

__all__ = ["Adapter", "Delivered", "DeliveredDocument", "FolderDrop", "deliver_pending"]


@dataclass(frozen=True)
class Delivered:
    """One stored revision as an adapter receives it."""

    entity_type: str
    entity_id: str
    seq: int
    hash: str
    prev_hash: str
    created_at: str
    author: str
    body: dict[str, Any]
    device: str
    received_at: str


@dataclass(frozen=True)
class DeliveredDocument:
    """One whole, checked signed PDF as an adapter receives it."""

    document_id: str
    record_id: str
    revision_hash: str
    """The revision it was signed for (already handed to the same adapter)."""
    kind: str
    variant: str
    filename: str
    sha256: str
    data: bytes


class Adapter(Protocol):
    """Something that hands revisions and signed PDFs to the case-management system."""

    name: str

    def deliver(self, revision: Delivered) -> None:
        """Hand one revision over; raise to have it retried next time."""
        ...

    def deliver_document(self, document: DeliveredDocument) -> None:
        """Hand one signed PDF over; raise to have it retried next time."""
        ...


class FolderDrop:
    """Writes each revision as ``<type>-<id>-rev<seq>-<hash12>.json`` in one folder."""

    name = "folder-drop"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def path_for(self, revision: Delivered) -> Path:
        """Where a revision's file goes."""
        stem = f"{revision.entity_type}-{revision.entity_id}-rev{revision.seq}-{revision.hash[:12]}"
        return self.folder / f"{stem}.json"

    def document_path_for(self, document: DeliveredDocument) -> Path:
        """Where a signed PDF goes: beside its record's files, named by record and document."""
        return self.folder / f"assessment-{document.record_id}-doc-{document.document_id}.pdf"

    def deliver(self, revision: Delivered) -> None:
        """Write the revision's file atomically: a reader sees all of it or nothing."""
        data = json.dumps(
            {"format": "assessor-delivery/1", **revision.__dict__},
            ensure_ascii=False,
            indent=2,
            sort_keys=True,
        ).encode("utf-8")
        self._write(self.path_for(revision), data, ".json")

    def deliver_document(self, document: DeliveredDocument) -> None:
        """Write the signed PDF atomically, once: a file already there is left as it is."""
        target = self.document_path_for(document)
        if target.exists():
            return  # handed on before (the claim was lost after the write): never twice
        self._write(target, document.data, ".pdf")

    def _write(self, target: Path, data: bytes, suffix: str) -> None:
        fd, partial = tempfile.mkstemp(dir=self.folder, prefix=".partial-", suffix=suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise


def deliver_pending(store: Store, adapter: Adapter, now: dt.datetime, *, limit: int = 500) -> int:
    """Hand every stored revision the adapter has not had yet to it; how many were handed."""
    delivered = 0
    with store.transaction() as tx:
        rows = tx.execute(
            "SELECT r.entity_type, r.entity_id, r.seq, r.hash, r.prev_hash, r.created_at, "
            "r.author, r.body, r.device, r.received_at FROM revision r "
            "WHERE NOT EXISTS (SELECT 1 FROM delivery d WHERE d.adapter = ? "
            "AND d.revision_hash = r.hash) ORDER BY r.received_at, r.entity_id, r.seq LIMIT ?",
            (adapter.name, limit),
        ).fetchall()
        for row in rows:
            claimed = tx.execute(
                "INSERT INTO delivery (adapter, revision_hash, delivered_at) VALUES (?, ?, ?) "
                "ON CONFLICT (adapter, revision_hash) DO NOTHING",
                (adapter.name, row[3], now.isoformat()),
            )
            if claimed.rowcount != 1:
                continue  # another process has it
            adapter.deliver(
                Delivered(
                    str(row[0]),
                    str(row[1]),
                    int(row[2]),
                    str(row[3]),
                    str(row[4]),
                    str(row[5]),
                    str(row[6]),
                    json.loads(str(row[7])),
                    str(row[8]),
                    str(row[9]),
                )
            )
            delivered += 1
    return delivered + _deliver_documents(store, adapter, now, limit=limit)


def _deliver_documents(store: Store, adapter: Adapter, now: dt.datetime, *, limit: int) -> int:
    """Hand on each whole PDF whose revision this adapter has had; how many were handed."""
    delivered = 0
    with store.transaction() as tx:
        rows = tx.execute(
            "SELECT d.id, d.record_id, d.revision_hash, d.kind, d.variant, d.filename, "
            "d.sha256 FROM document d "
            "JOIN delivery r ON r.adapter = ? AND r.revision_hash = d.revision_hash "
            "WHERE d.completed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM document_delivery "
            "x WHERE x.adapter = ? AND x.document_id = d.id) ORDER BY d.completed_at, d.id "
            "LIMIT ?",
            (adapter.name, adapter.name, limit),
        ).fetchall()
        for row in rows:
            claimed = tx.execute(
                "INSERT INTO document_delivery (adapter, document_id, delivered_at) "
                "VALUES (?, ?, ?) ON CONFLICT (adapter, document_id) DO NOTHING",
                (adapter.name, row[0], now.isoformat()),
            )
            if claimed.rowcount != 1:
                continue  # another process has it
            chunks = tx.execute(
                "SELECT data FROM document_chunk WHERE document_id = ? ORDER BY at_offset",
                (row[0],),
            ).fetchall()
            adapter.deliver_document(
                DeliveredDocument(
                    str(row[0]),
                    str(row[1]),
                    str(row[2]),
                    str(row[3]),
                    str(row[4]),
                    str(row[5]),
                    str(row[6]),
                    b"".join(bytes(c[0]) for c in chunks),
                )
            )
            delivered += 1
    return delivered
