"""Enrolling this laptop with the council's gateway, from the window (Tools menu).

The assessor types the gateway's address and the one-time code IT gave them, and how the laptop
knows the gateway the first time: its fingerprint as IT read it out (checked before the code
is sent), or the certificate file IT supplied. The key is made inside the vault
and the answer kept there on the vault's worker; the call to the gateway runs on the network
lane, so nothing else waits for it. A refusal (a used or expired code, a server that is not
the council's) is said in the dialog, in the gateway's words, and nothing is changed.

A laptop that never connects enrols by file (decision 0011): "Write a request file…" writes
the request with the code, for IT's `assessor-gateway enrol-file`; "Use an answer file…"
takes IT's answer once it checks out against the fingerprint typed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.services.session import Session
from assessor_app.core.sync_client import client, inbound
from assessor_app.core.sync_client.file_transport import BundleFileError
from assessor_app.core.sync_client.first_contact import FingerprintError, check_fingerprint
from assessor_app.core.sync_client.transport import HttpsTransport

from assessor_app.ui import dialogs
from assessor_app.ui.operations import BackgroundOps

__all__ = ["EnrolDialog"]

CERT_FILES = "Certificates (*.pem *.crt *.cer);;All files (*)"
REQUEST_FILES = "Enrolment requests (*.request);;All files (*)"
ANSWER_FILES = "Enrolment answers (*.answer);;All files (*)"


class EnrolDialog(QDialog):
    """Gateway address, code, the gateway's fingerprint (or certificate file); then Enrol."""

    enrolled = Signal(object)
    """Emitted with the `Enrolment` once it is kept."""

    def __init__(self, ops: BackgroundOps, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Enrol with the council's gateway")
        self.setMinimumWidth(640)
        self._ops, self._session = ops, session
        self.disposed = False
        self.address = QLineEdit()
        self.address.setPlaceholderText("https://… as IT gave it")
        self.address.setAccessibleName("Gateway address")
        self.code = QLineEdit()
        self.code.setPlaceholderText("XXXX-XXXX-XXXX")
        self.code.setAccessibleName("Enrolment code")
        self.fingerprint = QLineEdit()
        # Fixed-width, so the groups of four line up with what IT reads out or sends.
        self.fingerprint.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.fingerprint.setPlaceholderText("3F2A 9C01 …  (at least the first 8 groups)")
        self.fingerprint.setAccessibleName("Gateway fingerprint")
        self.certificate = QLineEdit()
        self.certificate.setPlaceholderText("only if IT gave you a file instead")
        self.certificate.setAccessibleName("Gateway certificate file")
        browse = QPushButton("&Choose…")
        browse.clicked.connect(self._choose)
        cert_row = QHBoxLayout()
        cert_row.addWidget(self.certificate, 1)
        cert_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Gateway &address:", self.address)
        form.addRow("Enrolment &code:", self.code)
        form.addRow("Gateway &fingerprint:", self.fingerprint)
        cert_label = QLabel("Or certificate f&ile:")
        cert_label.setBuddy(self.certificate)
        form.addRow(cert_label, cert_row)
        self.message = QLabel(
            "IT gives you the address, a code that works once for a short time, and the "
            "gateway's fingerprint (or its certificate file). The laptop checks the fingerprint "
            "before it sends the code. Your records stay on this laptop until they are sent."
        )
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Enrolment message")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.enrol_button = self.buttons.addButton("&Enrol", QDialogButtonBox.ButtonRole.AcceptRole)
        self.request_button = self.buttons.addButton(
            "Write a &request file…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.request_button.clicked.connect(self.write_request)
        self.answer_button = self.buttons.addButton(
            "Use an a&nswer file…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.answer_button.clicked.connect(self.use_answer)
        self.buttons.accepted.connect(self.enrol)
        self.buttons.rejected.connect(self.reject)
        # The message takes the free space, top-aligned: a long refusal (two fingerprints)
        # wraps into it instead of being cut off.
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addSpacing(8)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.buttons)

    def _choose(self) -> None:
        path = dialogs.open_file(self, "The gateway's certificate", CERT_FILES)
        if path is not None:
            self.certificate.setText(str(path))

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _trust(self, url: str) -> dict[str, Any] | None:
        """How the first contact is vouched for (fingerprint or CA), or None, having said why."""
        typed, chosen = self.fingerprint.text().strip(), self.certificate.text().strip()
        if typed and chosen:
            self._say(
                "Give the gateway's fingerprint or its certificate file, not both: clear one."
            )
            return None
        if typed:
            try:
                check_fingerprint(typed)
            except FingerprintError as e:
                self._say(e.one_line())
                return None
            return {"fingerprint": typed}
        if not chosen:
            self._say(
                "Type the gateway's fingerprint IT gave you (groups of 4 letters and digits), "
                "or choose the certificate file IT gave you."
            )
            return None
        try:
            ca = Path(chosen).read_bytes()
            HttpsTransport(url, ca)  # a file that is no certificate is refused here, not later
        except (OSError, ValueError) as e:
            self._say(
                "Choose the gateway's certificate file IT gave you (a .pem file); the one "
                f"chosen cannot be used ({e.__class__.__name__})."
            )
            return None
        return {"first_contact_ca": ca}

    def enrol(self) -> None:
        """Check what was typed, then enrol in the background."""
        url, code = self.address.text().strip(), self.code.text().strip()
        if not url.startswith("https://") or len(url) <= len("https://"):
            self._say("Type the gateway's address as IT gave it: it starts https://.")
            return
        if len("".join(c for c in code if c.isalnum())) != 12:
            self._say("Type the 12-letter enrolment code IT gave you (XXXX-XXXX-XXXX).")
            return
        trust = self._trust(url)
        if trust is None:
            return
        self.enrol_button.setEnabled(False)
        self._say("Checking the gateway, then enrolling…")
        self._ops.run(
            client.enrolment_request,
            self._session.vault,
            code,
            on_success=lambda request: self._send(url, request, trust),
            on_failure=self._failed,
            owner=self,
        )

    def _code_typed(self) -> str | None:
        code = self.code.text().strip()
        if len("".join(c for c in code if c.isalnum())) != 12:
            self._say("Type the 12-letter enrolment code IT gave you (XXXX-XXXX-XXXX).")
            return None
        return code

    def write_request(self) -> None:
        """Never online: write the enrolment request (with the code) to a file for IT."""
        code = self._code_typed()
        if code is None:
            return
        target = dialogs.save_file(self, "Enrolment request", "enrol.request", REQUEST_FILES)
        if target is None:
            return

        def written(_: object) -> None:
            self._say(
                f"The enrolment request was written to {target.name}. Take it to IT; when "
                "they give you the answer file, type the fingerprint they read out and choose "
                "Use an answer file…."
            )

        self._ops.run(
            inbound.write_enrolment_request,
            self._session.vault,
            code,
            target,
            on_success=written,
            on_failure=self._failed,
            owner=self,
        )

    def use_answer(self) -> None:
        """Never online: finish with IT's answer file, checked by the fingerprint typed."""
        typed = self.fingerprint.text().strip()
        try:
            check_fingerprint(typed)
        except FingerprintError as e:
            self._say(e.one_line())
            return
        source = dialogs.open_file(self, "Enrolment answer", ANSWER_FILES)
        if source is None:
            return
        url = self.address.text().strip()
        self.answer_button.setEnabled(False)
        self._ops.run(
            _finish_by_file,
            self._session.vault,
            source,
            typed,
            url if url.startswith("https://") else "",
            on_success=self._done,
            on_failure=self._answer_failed,
            owner=self,
        )

    def _answer_failed(self, error: BaseException) -> None:
        self.answer_button.setEnabled(True)
        self._failed(error)

    def _send(self, url: str, request: dict[str, Any], trust: dict[str, Any]) -> None:
        self._ops.run_network(
            client.send_enrolment,
            url,
            request,
            on_success=lambda answer: self._keep(url, answer),
            on_failure=self._failed,
            owner=self,
            **trust,
        )

    def _keep(self, url: str, answer: dict[str, Any]) -> None:
        self._ops.run(
            client.finish_enrolment,
            self._session.vault,
            url,
            answer,
            now=dt.datetime.now(dt.UTC),
            on_success=self._done,
            on_failure=self._failed,
            owner=self,
        )

    def _done(self, enrolment: Any) -> None:
        if enrolment.gateway_url:
            self._say(f"Enrolled with {enrolment.gateway_url}. Queued records will now be sent.")
        else:
            self._say("Enrolled by file. Send your records with Tools → Send by file….")
        self.enrolled.emit(enrolment)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.enrol_button.setEnabled(True)
        text = getattr(error, "user_message", None) or str(error)
        # A refusal that already says "Nothing was sent" needs no second reassurance.
        self._say(text if "Nothing was" in text else f"{text} Nothing was changed.")


def _finish_by_file(vault: Any, source: Path, fingerprint: str, url: str) -> Any:
    try:
        data = source.read_bytes()
    except OSError as e:
        raise BundleFileError(
            f"Can't read {source.name} ({e.strerror}). Nothing was changed.",
            "Check the memory stick is in and choose the file again.",
        ) from e
    return inbound.finish_enrolment_by_file(
        vault, data, fingerprint, dt.datetime.now(dt.UTC), gateway_url=url
    )
