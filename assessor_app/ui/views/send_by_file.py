"""Tools → Send by file… and Import from file…: thin over `file_transport` and `inbound`.

Import from file… takes either file the gateway writes: a receipt for a bundle, or an
inbound bundle (the caseload, the lease and any order from IT, for a laptop never online).

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
)
from assessor_app.core.sync_client.governance import Withdrawal
from assessor_app.core.sync_client.inbound import InboundReport, import_file, inbound_text

from assessor_app.ui import dialogs
from assessor_app.ui.operations import BackgroundOps

BUNDLE_FILES = "Sync bundles (*.bundle);;All files (*)"
RECEIPT_FILES = "Files from the council (*.receipt *.inbound);;All files (*)"


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
    on_caseload: Callable[[], None] | None = None,
) -> None:
    """Ask for a file from the gateway, use it in the background, then say what it changed.

    Args:
        parent: The window the dialogs belong to.
        ops: The one worker.
        vault: The unlocked profile.
        on_withdrawn: Told when the file carried IT's order (the laptop revoked or wiped):
            the profile has been deleted by the time it returns, for the window to say so.
        on_caseload: Told when an inbound bundle was used, for the window to read the
            caseload again.
    """
    source = dialogs.open_file(parent, "Import from file", RECEIPT_FILES)
    if source is None:
        return

    def done(report: ReceiptReport | InboundReport) -> None:
        if report.withdrawn is not None:
            if on_withdrawn is not None:
                on_withdrawn(report.withdrawn)
            return
        if isinstance(report, InboundReport):
            if on_caseload is not None:
                on_caseload()
            dialogs.inform(parent, "Import from file", inbound_text(report))
            return
        dialogs.inform(
            parent,
            "Import from file",
            f"{report.acknowledged} change(s) and {report.documents} signed PDF(s) are now at "
            f"the council. Still queued: {report.waiting}; held: {report.held}.",
        )

    ops.run(_import, vault, source, on_success=done, owner=parent)


def _export(vault: Vault, target: Path) -> ExportReport:
    return export_bundle(vault, target, dt.datetime.now(dt.UTC))


def _import(vault: Vault, source: Path) -> ReceiptReport | InboundReport:
    return import_file(vault, source.read_bytes(), dt.datetime.now(dt.UTC))
