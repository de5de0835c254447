"""The one seam for modal prompts. Views call these functions as `dialogs.show_message(...)`
so tests can replace them with `monkeypatch.setattr(dialogs, "show_message", ...)`.

Nothing else in the UI may call `QMessageBox`/`QInputDialog`/`QFileDialog` or `exec()` a
dialog.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

# Qt's dialog classes are imported where they are used: PySide6 builds each class and its
# enums on first import (about 10 ms for these), and this module is imported on the way to
# the unlock window, which shows no dialog (bench/coldstart.py).


def show_message(parent: QWidget | None, title: str, text: str, detail: str = "") -> None:
    """Tell the user something went wrong (or needs their attention); blocks until OK."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    if detail:
        box.setInformativeText(detail)
    box.setAccessibleName(title)
    box.exec()


def inform(parent: QWidget | None, title: str, text: str, detail: str = "") -> None:
    """Tell the user something worked (a file saved, a signature checked); blocks until OK."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(
        QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent
    )
    if detail:
        box.setInformativeText(detail)
    box.setAccessibleName(title)
    box.exec()


def confirm(parent: QWidget | None, title: str, question: str, *, yes_text: str = "Yes") -> bool:
    """Ask a yes/no question; True when the user chose `yes_text`."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(
        QMessageBox.Icon.Question, title, question, QMessageBox.StandardButton.NoButton, parent
    )
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setAccessibleName(title)
    box.exec()
    return box.clickedButton() is yes


def choose(
    parent: QWidget | None, title: str, text: str, items: list[str], *, none_text: str
) -> int | None:
    """Ask the user to pick one of `items`, or `none_text` (listed first).

    Returns:
        The index into `items`, or None for `none_text` or Cancel.
    """
    from PySide6.QtWidgets import QInputDialog

    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(text)
    dialog.setComboBoxItems([none_text, *items])
    dialog.setComboBoxEditable(False)
    dialog.setAccessibleName(title)
    if not dialog.exec():
        return None
    index = [none_text, *items].index(dialog.textValue()) - 1
    return None if index < 0 else index


def pick(
    parent: QWidget | None, title: str, text: str, items: list[str], *, current: int = 0
) -> int | None:
    """Ask the user to pick one of `items`, starting on `items[current]`.

    Returns:
        The index into `items`, or None for Cancel.
    """
    from PySide6.QtWidgets import QInputDialog

    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(text)
    dialog.setComboBoxItems(items)
    dialog.setComboBoxEditable(False)
    if 0 <= current < len(items):
        dialog.setTextValue(items[current])
    dialog.setAccessibleName(title)
    if not dialog.exec() or dialog.textValue() not in items:
        return None
    return items.index(dialog.textValue())


_last_folder: Path | None = None
"""The folder of the last file chosen in this session (kept in memory only: a folder's name
on a USB stick can name a person)."""


def start_folder() -> Path:
    """Where file dialogs open: the last folder used, else the user's documents folder.

    Never the working directory, which for someone who started the app from a checkout is
    the source tree.
    """
    from PySide6.QtCore import QStandardPaths

    if _last_folder is not None and _last_folder.is_dir():
        return _last_folder
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


def _remember(chosen: str) -> Path | None:
    global _last_folder
    if not chosen:
        return None
    _last_folder = Path(chosen).parent
    return Path(chosen)


def open_file(parent: QWidget | None, title: str, name_filter: str) -> Path | None:
    """Ask for a file to read; None when cancelled."""
    from PySide6.QtWidgets import QFileDialog

    chosen, _ = QFileDialog.getOpenFileName(parent, title, str(start_folder()), name_filter)
    return _remember(chosen)


def save_file(parent: QWidget | None, title: str, suggested: str, name_filter: str) -> Path | None:
    """Ask where to write a file, starting in `start_folder()`; None when cancelled."""
    from PySide6.QtWidgets import QFileDialog

    chosen, _ = QFileDialog.getSaveFileName(
        parent, title, str(start_folder() / suggested), name_filter
    )
    return _remember(chosen)


def ask_secret(parent: QWidget | None, title: str, label: str) -> str | None:
    """Ask for a passphrase (typed hidden); None when cancelled or left empty."""
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setAccessibleName(title)
    if not dialog.exec() or not dialog.textValue():
        return None
    return dialog.textValue()
