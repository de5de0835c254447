"""The main window: switches between profile creation, unlock, caseload, person and record
screens, owns locking (Ctrl+L or idle), and shows "Working…" while the worker is slow.

Locking queues the open record's pending saves and checkpoint, then `vault.close()`, on the one
worker (so they land in that order), destroys every screen showing personal data, and shows
the unlock screen. Only the record id and field path are kept (in memory) to resume there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QMargins, QRect, QSize, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from assessor_app.core.storage.profiles import list_profiles

from assessor_app.ui import dialogs
from assessor_app.ui.idle_watcher import IdleWatcher
from assessor_app.ui.operations import BackgroundOps, dispose
from assessor_app.ui.views.unlock import UnlockView

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent  # annotations only: ~7 ms to import at start-up
    from PySide6.QtWidgets import QDialog

    from assessor_app.core.form_engine.definition import FormRegistry
    from assessor_app.core.services.session import Session
    from assessor_app.core.services.todo import TodoItem
    from assessor_app.core.storage.keyslots import KdfParams
    from assessor_app.core.storage.vault import Vault
    from assessor_app.core.sync_client.client import SyncReport
    from assessor_app.core.sync_client.governance import Withdrawal
    from assessor_app.core.sync_client.lease import LeaseState

    from assessor_app.ui.single_instance import InstanceServer
    from assessor_app.ui.sync_status import SyncController
    from assessor_app.ui.views.caseload import CaseloadView
    from assessor_app.ui.views.check_pdf import CheckPdfWindow
    from assessor_app.ui.views.lease_lock import LeaseLockView
    from assessor_app.ui.views.person import PersonView
    from assessor_app.ui.views.record_editor import RecordEditorView

BUSY_DELAY_MS = 400
WARM_AFTER_UNLOCK_MS = 1000
"""The signing code is imported this long after unlocking (the caseload comes first)."""
SYNC_AFTER_UNLOCK_MS = 3000
"""Queued records start going this long after unlocking (the caseload comes first)."""
"""Show "Working…" only for work that takes longer than this: autosaves and searches run on
every keystroke and finish in milliseconds, and a flickering indicator would distract."""

SMALLEST_USUAL_SCREEN = QSize(1024, 640)
"""The screens and windows are laid out to work down to this size (smaller ones scroll)."""
SCREEN_SHARE = 0.9
"""How much of the screen a first-time window takes, each way."""


def initial_geometry(available: QRect, frame: QMargins) -> QRect:
    """Where the window opens when no size was remembered: most of the screen, centred.

    At least `SMALLEST_USUAL_SCREEN` where the screen is that big, never more than the screen
    (less the task bar and docks: `available` is `QScreen.availableGeometry()`). Returns the
    inside of the window; `frame` (title bar and borders, a guess before the window is shown)
    is kept on the screen too.
    """
    width, height = available.width(), available.height()
    outer = QRect(
        QtCore.QPoint(0, 0),
        QSize(
            min(width, max(SMALLEST_USUAL_SCREEN.width(), round(width * SCREEN_SHARE))),
            min(height, max(SMALLEST_USUAL_SCREEN.height(), round(height * SCREEN_SHARE))),
        ),
    )
    outer.moveCenter(available.center())
    return outer.marginsRemoved(frame)


# The screens behind the unlock screen (and the form engine they pull in), and the profile
# creation screen when profiles already exist, are imported when first shown, not at
# start-up: time to the unlock window is measured against a bare Qt window
# (bench/coldstart.py), and none of them is needed before it.


@dataclass
class AppContext:
    """Everything the screens need, built once by the composition root."""

    data_dir: Path
    """Where profiles live."""
    load_registry: Callable[[], FormRegistry]
    """Reads the installed form definitions; called once, when first needed."""
    kdf: KdfParams | None = None
    """Argon2id cost for new profiles; None calibrates (tests pass the fast one)."""
    idle_minutes: float = 5.0
    """Lock after this long without key or mouse input."""
    today: Callable[[], dt.date] = dt.date.today
    """Clock for validation ('not in the future')."""
    unlock_note: str = ""
    """Extra line on the unlock screen (demo mode shows its passphrase)."""
    developer_forms: bool = False
    """Offer forms marked `developers_only` (the sample form): the `debuggable` setting."""
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    """The wall clock the lease is measured by (tests move it)."""
    _registry: FormRegistry | None = field(default=None, init=False, repr=False)

    @property
    def registry(self) -> FormRegistry:
        """The installed form definitions (loaded on first use, on the GUI thread)."""
        if self._registry is None:
            self._registry = self.load_registry()
        return self._registry


@dataclass(frozen=True)
class ResumePoint:
    """Where to return after unlocking the same profile. Ids only; held in memory only."""

    profile_id: str
    person_id: str | None
    assessment_id: str | None
    field_path: str | None


class MainWindow(QMainWindow):
    """Emits `did_lock` and `did_unlock` (tests and the idle watcher follow them)."""

    did_lock = Signal()
    did_unlock = Signal()
    came_forward = Signal()
    withdrawn = Signal(object)
    """Emitted with the `governance.Withdrawal` once IT's order deleted the profile."""

    def __init__(self, ctx: AppContext, ops: BackgroundOps, app: QApplication) -> None:
        super().__init__()
        self.setWindowTitle("Assessor")
        self.ctx = ctx
        self.ops = ops
        self.vault: Vault | None = None
        self.session: Session | None = None
        self.resume: ResumePoint | None = None
        self.caseload: CaseloadView | None = None
        self.person: PersonView | None = None
        self.editor: RecordEditorView | None = None
        self.gate: QWidget | None = None  # the profile-creation or unlock screen
        self.check_window: CheckPdfWindow | None = None
        self.lease_lock: LeaseLockView | None = None
        self.stack = QStackedWidget()
        self.back_button = QPushButton("← &Back")
        self.back_button.setAccessibleName("Back")
        self.caseload_button = QPushButton("&Caseload")
        self.caseload_button.setAccessibleName("Caseload")
        self.lock_button = QPushButton("&Lock (Ctrl+L)")
        self.lock_button.setAccessibleName("Lock")
        self.who = QLabel()
        self.who.setAccessibleName("Signed in as")
        self.save_status = QLabel()
        self.save_status.setAccessibleName("Save status")
        self.sync_status = QLabel()
        self.sync_status.setAccessibleName("Sync status")
        self.sync_progress = QProgressBar()
        self.sync_progress.setAccessibleName("Sending queued records")
        self.sync_progress.setMaximumWidth(160)
        self.sync_progress.setTextVisible(False)
        self.sync_progress.hide()
        self.sync: SyncController | None = None
        self.sync_problems_button = QPushButton()
        self.sync_problems_button.setFlat(True)
        self.sync_problems_button.setAccessibleName("Sync problems")
        self.sync_problems_button.setStyleSheet("color: palette(link); text-decoration: underline")
        self.sync_problems_button.clicked.connect(self.open_sync_problems)
        self.sync_problems_button.hide()
        self.sync_problems_dialog: QDialog | None = None
        self._sync_soon = QTimer(self)
        self._sync_soon.setSingleShot(True)
        self._sync_soon.setInterval(SYNC_AFTER_UNLOCK_MS)
        self._sync_soon.timeout.connect(self.sync_now)
        self.busy_indicator = self._build_busy_indicator()
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(self.busy_indicator.show)
        self.nav = QWidget()
        nav = QHBoxLayout(self.nav)
        nav.setContentsMargins(0, 0, 0, 0)
        for widget in (self.back_button, self.caseload_button):
            nav.addWidget(widget)
        nav.addStretch(1)
        nav.addWidget(self.who)
        nav.addWidget(self.lock_button)
        central = QWidget()
        column = QVBoxLayout(central)
        column.addWidget(self.nav)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        # No mnemonics on File and Help: Alt+F already finalises a record (and fills in a
        # first name), Alt+H checks a signature; Ctrl+Q and Ctrl+L do not need the menu.
        file_menu = self.menuBar().addMenu("File")
        self.lock_action = file_menu.addAction("&Lock")
        self.lock_action.triggered.connect(self.lock)
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction("&Quit")
        # setShortcuts with a list: setShortcut's overloads make PySide6 build every Qt.* enum
        # (~35 ms) before the unlock window can show (bench/coldstart.py).
        self.quit_action.setShortcuts([QKeySequence("Ctrl+Q")])
        self.quit_action.triggered.connect(self.close)
        tools = self.menuBar().addMenu("&Tools")
        self.check_pdf_action = tools.addAction("&Check a signed PDF…")
        self.check_pdf_action.triggered.connect(self.open_check_pdf)
        self.sync_action = tools.addAction("&Send queued records now")
        self.sync_action.setEnabled(False)  # until a profile is unlocked
        self.sync_action.triggered.connect(self.sync_now)
        self.enrol_action = tools.addAction("&Enrol with the council's gateway…")
        self.enrol_action.setEnabled(False)
        self.enrol_action.triggered.connect(self.open_enrol)
        self.enrol_dialog: QDialog | None = None
        self.send_file_action = tools.addAction("Send by &file…")
        self.send_file_action.setEnabled(False)
        self.send_file_action.triggered.connect(self.send_by_file)
        self.receipt_action = tools.addAction("&Import from file…")
        self.receipt_action.setEnabled(False)
        self.receipt_action.triggered.connect(self.import_receipt_file)
        help_menu = self.menuBar().addMenu("Help")
        self.about_action = help_menu.addAction("&About Assessor")
        self.about_action.triggered.connect(self.show_about)
        self.statusBar().addPermanentWidget(self.busy_indicator)
        self.statusBar().addPermanentWidget(self.sync_problems_button)
        self.statusBar().addPermanentWidget(self.sync_progress)
        self.statusBar().addPermanentWidget(self.sync_status)
        self.statusBar().addPermanentWidget(self.save_status)
        self.busy_indicator.hide()
        ops.busy_changed.connect(self._busy_changed)
        self.back_button.clicked.connect(self.go_back)
        self.caseload_button.clicked.connect(self.show_caseload)
        self.lock_button.clicked.connect(self.lock)
        self._shortcuts_installed = False
        self._unlocked_code_loading = False
        self._instance_server: InstanceServer | None = None
        self.idle = IdleWatcher(app, ctx.idle_minutes, self)
        self.idle.idle_timed_out.connect(self.lock)
        # A size remembered from the last session (`run_gui`) replaces this one.
        border = max(2, self.fontMetrics().height() // 4)
        title = self.style().pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight)
        self.setGeometry(
            initial_geometry(
                self.screen().availableGeometry(), QMargins(border, title + border, border, border)
            )
        )
        self.show_gate()

    def _build_busy_indicator(self) -> QWidget:
        indicator = QWidget()
        indicator.setAccessibleName("Working")
        row = QHBoxLayout(indicator)
        row.setContentsMargins(0, 0, 0, 0)
        bar = QProgressBar()
        bar.setRange(0, 0)  # indeterminate: the worker cannot say how far it has got
        bar.setTextVisible(False)
        bar.setAccessibleName("Working")
        bar.setMaximumWidth(self.fontMetrics().averageCharWidth() * 12)
        bar.setMaximumHeight(self.fontMetrics().height())
        label = QLabel("Working…")
        label.setAccessibleName("Working")
        row.addWidget(bar)
        row.addWidget(label)
        return indicator

    def _busy_changed(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy_indicator.hide()

    # -- before unlock -------------------------------------------------------------------

    def show_gate(self, *, preferred_profile: str | None = None, note: str = "") -> None:
        """Unlock screen when profiles exist, else profile creation."""
        self.nav.setVisible(False)
        profiles = list_profiles(self.ctx.data_dir)
        if profiles:
            unlock = UnlockView(
                self.ops,
                self.ctx.data_dir,
                profiles,
                preferred_profile=preferred_profile,
                note=" ".join(n for n in (note, self.ctx.unlock_note) if n),
            )
            unlock.vault_opened.connect(self.open_vault)
            unlock.passphrase.textEdited.connect(self._load_unlocked_code)
            unlock.create_profile_requested.connect(self.show_profile_create)
            unlock.switched_to_other_window.connect(self.close)
            self._set_gate(unlock)
        else:
            self.show_profile_create(can_cancel=False)

    def _load_unlocked_code(self) -> None:
        # At the first key of the passphrase, the worker loads what the caseload needs, so
        # the time from Enter to the first page is not spent importing on the GUI thread.
        if not self._unlocked_code_loading:
            self._unlocked_code_loading = True
            from assessor_app.ui.vault_loading import prewarm_unlocked

            self.ops.run(prewarm_unlocked)

    def show_profile_create(self, *, can_cancel: bool = True) -> None:
        """The first-run (or extra profile) screen."""
        from assessor_app.ui.views.profile_create import ProfileCreateView  # see module note

        create = ProfileCreateView(
            self.ops, self.ctx.data_dir, kdf=self.ctx.kdf, can_cancel=can_cancel
        )
        create.vault_created.connect(self.open_vault)
        create.cancelled.connect(self.show_gate)
        self._set_gate(create)
        create.name.setFocus()

    def _set_gate(self, widget: QWidget) -> None:
        if self.gate is not None:
            dispose(self.gate)
        self.gate = widget
        self.stack.addWidget(widget)
        self.stack.setCurrentWidget(widget)

    # -- unlocked ------------------------------------------------------------------------

    def _install_shortcuts(self) -> None:
        # Installed at the first unlock, not at start-up: nothing can be locked or searched
        # before then, and the first touch of Qt's enum namespaces costs ~35 ms of the
        # measured time to the unlock window (bench/coldstart.py).
        if self._shortcuts_installed:
            return
        self._shortcuts_installed = True
        lock_key = QShortcut(QKeySequence("Ctrl+L"), self)
        lock_key.setContext(QtCore.Qt.ShortcutContext.ApplicationShortcut)
        lock_key.activated.connect(self.lock)
        find_key = QShortcut(QKeySequence.StandardKey.Find, self)
        find_key.activated.connect(self.focus_search)

    def open_vault(self, vault: Vault) -> None:
        """Show the caseload (or where the user was when this profile locked)."""
        if getattr(self, "_closing", False):
            self.ops.run(vault.close)  # unlocked as the window closed: lock it straight away
            return
        self._install_shortcuts()
        self.vault = vault
        from assessor_app.core.services.session import Session

        self.session = Session(
            vault, lambda: self.ctx.registry, self.ctx.today, reference_on_worker=True
        )
        # The council's published forms, rates and branding: read from the vault on its
        # worker, first, so the GUI thread never touches the vault for them.
        self.ops.run(self.session.load_reference, owner=self)
        from assessor_app.ui.sync_status import SyncController

        self.sync = sync = SyncController(self.ops, self.session, self, now=self.ctx.now)
        sync.status_changed.connect(self._sync_status_changed)
        sync.problems_changed.connect(self._sync_problems_changed)
        sync.progress.connect(self._sync_progress)
        sync.finished.connect(self._synced)
        sync.in_use = self._people_open
        # Queued work goes as soon as there is a connection: once now, then every few minutes.
        self._sync_soon.start()
        self.sync_action.setEnabled(True)
        self.enrol_action.setEnabled(True)
        self.send_file_action.setEnabled(True)
        self.receipt_action.setEnabled(True)
        self._listen_for_other_copies(vault.profile.id)
        if self.gate is not None:
            dispose(self.gate)
            self.gate = None
        self.nav.setVisible(True)
        self.who.setText(f"{vault.profile.name} · {vault.profile.role.label}")
        sync.device_withdrawn.connect(self._obey_order)
        sync.finished.connect(self._sync_finished)
        # Past its lease the laptop shows the lease lock, not the caseload (one worker hop).
        from assessor_app.core.sync_client.lease import check_lease

        self.ops.run(
            check_lease,
            vault,
            self.ctx.now(),
            on_success=lambda state: self._lease_checked(vault, state),
        )

    def _lease_checked(self, vault: Vault, state: LeaseState) -> None:
        if self.vault is not vault:
            return  # locked again meanwhile
        if state.locked:
            self._show_lease_lock(vault, state)
        else:
            self._show_unlocked(vault)

    def _show_lease_lock(self, vault: Vault, state: LeaseState) -> None:
        from assessor_app.ui.views.lease_lock import LeaseLockView

        view = LeaseLockView(self.ops, vault, state, now=self.ctx.now)
        view.lifted.connect(lambda: self._lease_lifted(vault))
        view.sync_requested.connect(self.sync_now)
        self.lease_lock = view
        self.back_button.setEnabled(False)
        self.caseload_button.setEnabled(False)
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        self.idle.start()
        view.code.setFocus()
        self.did_unlock.emit()

    def _lease_lifted(self, vault: Vault) -> None:
        if self.lease_lock is not None:
            dispose(self.lease_lock)
            self.lease_lock = None
        self.caseload_button.setEnabled(True)
        if self.vault is vault:
            self._show_unlocked(vault, again=True)

    def _sync_finished(self, report: SyncReport) -> None:
        """A sync behind the lease lock: a successful one lifts it (the lease is checked)."""
        vault, view = self.vault, self.lease_lock
        if view is None or vault is None or report.withdrawn is not None:
            return
        from assessor_app.core.sync_client.lease import check_lease

        def checked(state: LeaseState) -> None:
            if self.lease_lock is not view:
                return
            if state.locked:
                view.sync_failed(report.problem or "the council's server was not reached.")
            else:
                self._lease_lifted(vault)

        self.ops.run(check_lease, vault, self.ctx.now(), on_success=checked)

    def _obey_order(self, order: object) -> None:
        """IT revoked this laptop or ordered it wiped: lock at once, delete the profile, say so."""
        vault = self._tear_down(save=True)
        if vault is None:
            return
        from assessor_app.core.sync_client.governance import obey

        # Queued after the editor's last saves: they land, then the whole profile goes.
        self.ops.run(obey, vault, order, on_success=self._show_withdrawn)

    def _after_erase(self, withdrawal: Withdrawal) -> None:
        """A receipt carrying IT's order has deleted the profile already: say so."""
        self._tear_down(save=False)  # nothing is left to save into
        self._show_withdrawn(withdrawal)

    def _tear_down(self, *, save: bool) -> Vault | None:
        """Close every screen showing the profile, as a lock does, keeping no resume point."""
        vault = self.vault
        if vault is None:
            return None
        self.idle.stop()
        if save:
            self._close_record()
        elif self.editor is not None:
            self.editor.autosave.status_changed.disconnect(self.save_status.setText)
            dispose(self.editor)
            self.editor = None
            self.save_status.clear()
        self._close_person()
        self._close_lease_lock()
        if self.caseload is not None:
            if self.caseload.add_person_dialog is not None:
                dispose(self.caseload.add_person_dialog)
            dispose(self.caseload)
            self.caseload = None
        self.resume = None
        self._stop_sync()
        self.vault = None
        self.session = None
        if self._instance_server is not None:
            self._instance_server.stop()
        self.who.clear()
        self.nav.setVisible(False)
        self.did_lock.emit()
        return vault

    def _show_withdrawn(self, withdrawal: Withdrawal) -> None:
        from assessor_app.ui.views.withdrawn import WithdrawnView

        view = WithdrawnView(withdrawal)
        view.done.connect(self.show_gate)
        self._set_gate(view)
        view.ok_button.setFocus()
        self.withdrawn.emit(withdrawal)

    def _close_lease_lock(self) -> None:
        if self.lease_lock is not None:
            dispose(self.lease_lock)
            self.lease_lock = None
        self.caseload_button.setEnabled(True)

    def _show_unlocked(self, vault: Vault, *, again: bool = False) -> None:
        """The caseload (or where the user was), once the lease allows it."""
        sync = self.sync
        assert sync is not None
        self.show_caseload()
        # After the caseload's first search: counting a large queue takes a while (0.1 s at
        # 200,000 revisions), and the list comes first.
        sync.refresh()
        resume, self.resume = self.resume, None
        if resume is not None and resume.profile_id == vault.profile.id:
            if resume.person_id:
                self.show_person(resume.person_id)
            if resume.assessment_id:
                self.show_record(resume.assessment_id, focus_path=resume.field_path)
        if not again:
            self.idle.start()
        # pyHanko takes about half a second to import: on a side thread, after unlock, so
        # opening the first record does not wait for it; a moment after, because an import
        # holds Python's lock most of that time, which the caseload's first page, alerts and
        # first keystroke would otherwise share with it.
        QTimer.singleShot(
            WARM_AFTER_UNLOCK_MS,
            self,
            lambda: self.ops.warm("assessor_app.core.services.documents"),
        )
        if not again:
            self.did_unlock.emit()
        problem = vault.history_problem
        if problem is not None:
            dialogs.show_message(
                self,
                "These records are not as this profile left them",
                problem.sentence(),
                "You can keep working, and nothing more has been changed. Tell IT before you "
                "send or rely on these records: they can compare the file with a backup "
                "('assessor-cli audit verify' shows the same finding).",
            )

    def _warm_signing(self) -> None:
        self.ops.warm("assessor_app.core.services.documents")

    def show_caseload(self) -> None:
        """The caseload screen (kept while unlocked so the search survives navigation)."""
        if self.session is None or self.lease_lock is not None:
            return
        self._close_record()
        self._close_person()
        if self.caseload is None:
            from assessor_app.ui.views.caseload import CaseloadView

            self.caseload = CaseloadView(self.ops, self.session)
            self.caseload.person_chosen.connect(self.show_person)
            self.caseload.todo_chosen.connect(self.open_todo)
            self.caseload.lock_requested.connect(self.lock)
            self.stack.addWidget(self.caseload)
        else:
            # People may have been added (or edited) since it was last shown; the search is
            # cheap (~3 ms at 20,000 people) and keeps the row the user had chosen.
            self.caseload.refresh()
        self.stack.setCurrentWidget(self.caseload)
        self.back_button.setEnabled(False)
        self.caseload.focus_current()

    def open_todo(self, item: TodoItem) -> None:
        """A to-do item chosen on the caseload: open the record that settles it, or start it
        (a plan from its needs assessment, a financial assessment) and open that."""
        if self.session is None:
            return
        if item.start_form is None:
            if item.record_id is not None:
                self.show_record(item.record_id)
            return
        from assessor_app.core.services.records import start_record

        session = self.session
        self.ops.run(
            lambda: start_record(
                session,
                session.forms.latest(item.start_form or ""),
                item.person_id,
                from_record=item.record_id,
            ),
            owner=self,
            on_success=lambda record: self.show_record(record.id),
        )

    def show_person(self, person_id: str) -> None:
        """A person's page."""
        if self.session is None:
            return
        self._close_record()
        self._close_person()
        from assessor_app.ui.views.person import PersonView

        self.person = PersonView(
            self.ops, self.session, person_id, developer_forms=self.ctx.developer_forms
        )
        self.person.record_opened.connect(self.show_record)
        self.person.details_changed.connect(self._person_details_changed)
        self.person.lock_requested.connect(self.lock)
        self.stack.addWidget(self.person)
        self.stack.setCurrentWidget(self.person)
        self.back_button.setEnabled(True)
        self.person.records.setFocus()

    def _person_details_changed(self) -> None:
        # The caseload is kept while unlocked, so its list would still show the old details.
        if self.caseload is not None:
            self.caseload.refresh()

    def show_record(self, assessment_id: str, focus_path: str | None = None) -> None:
        """The record editor for one record."""
        if self.session is None:
            return
        self._close_record()
        from assessor_app.ui.views.record_editor import RecordEditorView

        self.editor = RecordEditorView(self.ops, self.session, assessment_id, focus_path=focus_path)
        self.editor.autosave.status_changed.connect(self.save_status.setText)
        self.editor.record_started.connect(self.show_record)
        self.save_status.setText("Saved")
        self.stack.addWidget(self.editor)
        self.stack.setCurrentWidget(self.editor)
        self.back_button.setEnabled(True)

    def go_back(self) -> None:
        """Record → person page → caseload."""
        if self.editor is not None and self.person is not None:
            self._close_record()
            self.person.refresh()
            self.stack.setCurrentWidget(self.person)
            self.person.records.setFocus()
        else:
            self.show_caseload()

    def focus_search(self) -> None:
        """Ctrl+F: go to the caseload search from anywhere while unlocked."""
        if self.vault is not None:
            self.show_caseload()

    def _close_record(self) -> str | None:
        if self.editor is None:
            return None
        path = self.editor.save_and_close()
        # The saves just queued report back after this; don't let them say "Saved" on the
        # caseload or the lock screen (the editor's deletion is deferred, so cut the wire now).
        self.editor.autosave.status_changed.disconnect(self.save_status.setText)
        dispose(self.editor)
        self.editor = None
        self.save_status.clear()
        return path

    def _close_person(self) -> None:
        if self.person is not None:
            # A dialog is its own window: hide it now, not when its parent is deleted later.
            if self.person.edit_dialog is not None:
                dispose(self.person.edit_dialog)
            dispose(self.person)
            self.person = None

    def open_check_pdf(self) -> None:
        """The "Check a signed PDF" window (works locked too, without the trusted roots)."""
        if self.check_window is None:
            from assessor_app.ui.views.check_pdf import CheckPdfWindow  # see module note

            self.check_window = CheckPdfWindow(self.ops, lambda: self.vault, self)
            # What it shows names signers and files: it goes when the app locks.
            self.did_lock.connect(self._close_check_pdf)
        self.check_window.show()
        self.check_window.raise_()
        self.check_window.activateWindow()

    def _close_check_pdf(self) -> None:
        if self.check_window is not None:
            self.did_lock.disconnect(self._close_check_pdf)
            dispose(self.check_window)
            self.check_window = None

    # -- locking -------------------------------------------------------------------------

    def lock(self) -> None:
        """Save pending edits, close the vault, destroy personal screens, show unlock."""
        vault = self.vault
        if vault is None:
            return
        self.idle.stop()
        # Asked before the dialogs are disposed: what was typed in them is not kept.
        typing_lost = self._dialog_input_will_be_lost()
        assessment_id = self.editor.assessment_id if self.editor is not None else None
        person_id = self.person.person_id if self.person is not None else None
        field_path = self._close_record()
        self._close_person()
        self._close_lease_lock()
        if self.caseload is not None:
            if self.caseload.add_person_dialog is not None:
                dispose(self.caseload.add_person_dialog)
            dispose(self.caseload)
            self.caseload = None
        self.resume = ResumePoint(vault.profile.id, person_id, assessment_id, field_path)
        self._stop_sync()
        self.vault = None
        self.session = None
        if self._instance_server is not None:
            self._instance_server.stop()
        self.who.clear()
        # Each lock is one more reading of the clock for the lease (decision 0009): the
        # largest time seen grows with every lock and unlock, not only at unlock.
        from assessor_app.core.sync_client.lease import check_lease

        self.ops.run(check_lease, vault, self.ctx.now())
        # Queued after the editor's checkpoint, so every edit is folded in before the key goes.
        self.ops.run(vault.close)
        note = (
            "Locked. The person's details you were typing were not saved."
            if typing_lost
            else "Locked. Your work is saved."
        )
        self.show_gate(preferred_profile=vault.profile.id, note=note)
        self.did_lock.emit()

    def sync_now(self) -> None:
        """Send queued records now (Tools menu), in the background."""
        if self.sync is not None:
            self.sync.sync_now()

    def send_by_file(self) -> None:
        """Write what is queued into a bundle for the gateway (Tools menu)."""
        if self.session is not None:
            from assessor_app.ui.views.send_by_file import send_by_file

            send_by_file(self, self.ops, self.session.vault)

    def import_receipt_file(self) -> None:
        """Use a file from the gateway: a receipt, or an inbound bundle (Tools menu)."""
        if self.session is not None:
            from assessor_app.ui.views.send_by_file import import_receipt_file

            import_receipt_file(
                self, self.ops, self.session.vault, self._after_erase, self._caseload_changed
            )

    def _caseload_changed(self) -> None:
        """An inbound bundle brought the caseload down and renewed the lease.

        Behind the lease lock, the lease is checked again and the lock lifted when the file
        renewed it (a laptop that never connects has no other contact); else the caseload
        is read again.
        """
        vault, view = self.vault, self.lease_lock
        if view is not None and vault is not None:
            from assessor_app.core.sync_client.lease import check_lease

            def checked(state: LeaseState) -> None:
                if self.lease_lock is view and not state.locked:
                    self._lease_lifted(vault)

            self.ops.run(check_lease, vault, self.ctx.now(), on_success=checked)
            return
        if self.caseload is not None:
            self.caseload.refresh()

    def _people_open(self) -> set[str]:
        """The person whose page (and perhaps record) is open: a sync does not remove them."""
        return {self.person.person_id} if self.person is not None else set()

    def _synced(self, report: object) -> None:
        """A sync ended: read the caseload again when it brought people or changes down."""
        pulled = (getattr(report, name, 0) for name in ("received", "released", "moving"))
        if any(pulled) and self.caseload is not None:
            self.caseload.refresh()

    def _sync_progress(self, sent: int, total: int) -> None:
        """The bar beside the status line: shown while a sync runs, gone when it ends."""
        self.sync_progress.setVisible(total > 0)
        if total > 0:
            self.sync_progress.setRange(0, total)
            self.sync_progress.setValue(sent)

    def _sync_status_changed(self, text: str) -> None:
        self.sync_status.setText(text)
        self.sync_status.setToolTip(self.sync.detail if self.sync is not None else "")

    def _sync_problems_changed(self, text: str) -> None:
        self.sync_problems_button.setText(text)
        self.sync_problems_button.setVisible(bool(text))

    def open_sync_problems(self) -> None:
        """Show records with another version and held changes (from the status bar)."""
        if self.session is None:
            return
        from assessor_app.ui.views.sync_problems import SyncProblemsDialog

        if self.sync_problems_dialog is not None:
            dispose(self.sync_problems_dialog)
        dialog = SyncProblemsDialog(self.ops, self.session, self)
        dialog.changed.connect(self._sync_problems_settled)
        self.sync_problems_dialog = dialog
        dialog.open()

    def _sync_problems_settled(self) -> None:
        # A choice or a Try again queued something: say so, and send it soon.
        if self.sync is not None:
            self.sync.refresh()
            self._sync_soon.start()

    def open_enrol(self) -> None:
        """Enrol this laptop with the council's gateway (Tools menu)."""
        if self.session is None:
            return
        from assessor_app.ui.views.enrol_dialog import EnrolDialog

        dialog = EnrolDialog(self.ops, self.session, self)
        dialog.enrolled.connect(lambda _: self.sync_now())
        self.enrol_dialog = dialog
        dialog.open()

    def _stop_sync(self) -> None:
        if self.enrol_dialog is not None:
            dispose(self.enrol_dialog)
            self.enrol_dialog = None
        if self.sync_problems_dialog is not None:
            dispose(self.sync_problems_dialog)
            self.sync_problems_dialog = None
        self.sync_problems_button.hide()
        self.enrol_action.setEnabled(False)
        self.send_file_action.setEnabled(False)
        self.receipt_action.setEnabled(False)
        self._sync_soon.stop()
        if self.sync is not None:
            self.sync.stop()
            self.sync.status_changed.disconnect(self._sync_status_changed)
            self.sync.problems_changed.disconnect(self._sync_problems_changed)
            self.sync.deleteLater()
            self.sync = None
        self.sync_status.clear()
        self.sync_action.setEnabled(False)

    def _listen_for_other_copies(self, profile_id: str) -> None:
        """While unlocked, a second copy of the app that finds the profile in use can ask
        this window to come forward (`single_instance`)."""
        from assessor_app.ui.single_instance import InstanceServer  # QtNetwork: after unlock

        if self._instance_server is None:
            self._instance_server = InstanceServer(self)
            self._instance_server.raise_requested.connect(self.come_forward)
        self._instance_server.listen(profile_id)

    def come_forward(self) -> None:
        """Show this window above the others (another copy of the app asked for it)."""
        self.showNormal()
        self.raise_()
        self.activateWindow()
        self.came_forward.emit()

    def show_about(self) -> None:
        """The version, where this laptop keeps the records, and where the guides are."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            release = version("assessor")
        except PackageNotFoundError:
            release = "development copy"
        dialogs.inform(
            self,
            "About Assessor",
            f"Assessor {release}: adult social care assessments, offline and encrypted.",
            f"Records are kept, encrypted, in {self.ctx.data_dir}. The guides are in the "
            "docs folder that came with the app (docs/cli.md for the command line) and at "
            "your authority's IT service desk.",
        )

    def _dialog_input_will_be_lost(self) -> bool:
        dialogs = [
            self.caseload.add_person_dialog if self.caseload is not None else None,
            self.person.edit_dialog if self.person is not None else None,
        ]
        return any(d is not None and d.has_unsaved_input() for d in dialogs)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt virtual
        if getattr(self, "_closing", False):
            # Closed before (`run_gui` closes the window again once the event loop ends): the
            # vault is locked and the worker drained, and some of the window's parts may be
            # gone. An exception here would reach Qt from a virtual, which PySide turns into
            # a crash.
            super().closeEvent(event)
            return
        self._closing = True
        self.ops.closing = True
        if self._instance_server is not None:
            self._instance_server.stop()
        vault = self.vault
        self._close_record()
        self._stop_sync()
        self.vault = None
        self.session = None
        if vault is not None:
            self.ops.run(vault.close)
        self.idle.remove()
        self.ops.wait_for_idle()
        # An unlock that was still running has now finished: deliver its result, which
        # `open_vault` closes again at once, and wait for that close to land.
        QApplication.processEvents()
        self.ops.wait_for_idle()
        super().closeEvent(event)
