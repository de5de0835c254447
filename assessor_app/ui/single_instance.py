"""One window per profile: the window that has a profile unlocked answers on a local socket,
so a second copy of the app that finds the profile in use can bring that window forward and
close itself instead of leaving the user with two.

The socket is named after the user and the profile (never personal data); it exists only
while the profile is unlocked, which is also when the profile's lock is held.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

_RAISE = b"raise\n"
_TIMEOUT_MS = 1000


def server_name(profile_id: str) -> str:
    """The socket's name for this user and profile."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return f"assessor-{uid}-{profile_id}"


class InstanceServer(QObject):
    """Listens while a profile is unlocked; emits `raise_requested` when asked to come forward."""

    raise_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server: QLocalServer | None = None

    def listen(self, profile_id: str) -> None:
        self.stop()
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        name = server_name(profile_id)
        if not server.listen(name):
            # A socket left by a copy that crashed: nobody holds the profile lock now, since
            # this one does, so it is stale.
            QLocalServer.removeServer(name)
            server.listen(name)
        server.newConnection.connect(self._connection)
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None

    def _connection(self) -> None:
        server = self._server
        if server is None:
            return
        while server.hasPendingConnections():
            socket = server.nextPendingConnection()
            if socket is None:
                break
            socket.waitForReadyRead(_TIMEOUT_MS)
            if bytes(socket.readAll().data()).startswith(_RAISE.strip()):
                self.raise_requested.emit()
            socket.disconnectFromServer()
            socket.deleteLater()


def ask_to_raise(profile_id: str) -> bool:
    """Ask the window holding `profile_id` to come forward; False when none answers (for
    example when the profile is open in the command line)."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(profile_id))
    if not socket.waitForConnected(_TIMEOUT_MS):
        return False
    written = socket.write(_RAISE)
    socket.flush()  # a local socket usually writes at once; otherwise wait for it
    if socket.bytesToWrite() > 0:
        socket.waitForBytesWritten(_TIMEOUT_MS)
    socket.disconnectFromServer()
    return written == len(_RAISE)
