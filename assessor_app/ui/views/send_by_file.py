"""Tools → Send by file… and Import a receipt from file…: thin over `file_transport`.

Each asks where (through `dialogs`), runs the core's use case on the one worker, and says
what it did; a refusal shows the core's message through the one error display.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.file_transport import (
    ExportReport,
    ReceiptReport,
    export_bundle,
    import_receipt,
)
from assessor_app.core.sync_client.governance import Withdrawal

from assessor_app.ui import dialogs
from assessor_app.ui.operations import BackgroundOps

BUNDLE_FILES = "Sync bundles (*.bundle);;All files (*)"
RECEIPT_FILES = "Receipts (*.receipt);;All files (*)"


def send_by_file(parent: QWidget, ops: BackgroundOps, vault: Vault) -> None:
    """Ask where to write the bundle, write it in the background, then say what it holds."""
    target = dialogs.save_file(parent, "Send by file", "records.bundle", BUNDLE_FILES)
    if target is None:
        return

    def done(report: ExportReport) -> None:
        if not report.revisions:
            dialogs.inform(parent, "Send by file", "Nothing is waiting to be sent.")
            return
        dialogs.inform(
            parent,
            "Send by file",
            f"{report.revisions} change(s) and {report.documents} signed PDF(s) were written "
            f"to {target.name}. Take it to IT; they show as sent by file, awaiting receipt, "
            "until the receipt comes back.",
        )

    ops.run(_export, vault, target, on_success=done, owner=parent)


def import_receipt_file(
    parent: QWidget,
    ops: BackgroundOps,
    vault: Vault,
    on_withdrawn: Callable[[Withdrawal], None] | None = None,
) -> None:
    """Ask for the gateway's receipt, use it in the background, then say what it changed.

    A receipt carrying IT's order (the laptop revoked or wiped) has deleted the profile by
    the time it returns: `on_withdrawn` is told, for the window to say so.
    """
    source = dialogs.open_file(parent, "Import a receipt", RECEIPT_FILES)
    if source is None:
        return

    def done(report: ReceiptReport) -> None:
        if report.withdrawn is not None:
            if on_withdrawn is not None:
                on_withdrawn(report.withdrawn)
            return
        dialogs.inform(
            parent,
            "Import a receipt",
            f"{report.acknowledged} change(s) and {report.documents} signed PDF(s) are now at "
            f"the council. Still queued: {report.waiting}; held: {report.held}.",
        )

    ops.run(_import, vault, source, on_success=done, owner=parent)


def _export(vault: Vault, target: Path) -> ExportReport:
    return export_bundle(vault, target, dt.datetime.now(dt.UTC))


def _import(vault: Vault, source: Path) -> ReceiptReport:
    return import_receipt(vault, source.read_bytes(), dt.datetime.now(dt.UTC))
