"""A network that misbehaves on purpose, between a laptop and a real gateway.

Two layers, because TLS is end to end and a proxy cannot forge an HTTP answer inside it:

- `FaultyProxy`, a TCP proxy in front of the gateway's port, for what the network does: it
  cuts an upload half-way, drops the connection after the gateway has taken the request but
  before its answer arrives, or holds the answer back past the laptop's time-out;
- `faulty_app`, an ASGI wrapper around the gateway's app, for what a struggling server does:
  answer 503 without looking, answer 500 after storing, or take one request twice. It acts on
  pushes and on signed PDFs' offers and chunks alike, and notes each one it sees
  (`_Plan.seen`), so a test can tell where a resumed upload started.

Each layer takes its faults from its own plan, one per connection (or per request), in order;
when a plan runs out, everything behaves. The proxy cannot tell the TLS handshake from the
answer, so the app layer tells it when an answer starts (`Answering`): "drop the answer" and
"hold the answer" then act on the answer itself, after the gateway has done its work.
"""

from __future__ import annotations

import asyncio
import collections
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

__all__ = [
    "ASGI_FAULTS",
    "NET_FAULTS",
    "Answering",
    "FaultyProxy",
    "faulty_app",
]

CUT_AFTER = 8_000
"""Bytes of a connection's upload the proxy lets through before cutting it (by default: past
the TLS handshake and into the first request)."""


class Answering:
    """Set by the app layer when the gateway starts answering; cleared for each connection."""

    def __init__(self) -> None:
        self.event = threading.Event()


NET_FAULTS = ("ok", "cut_upload", "drop_answer", "slow_answer")
ASGI_FAULTS = ("ok", "503_before", "500_after", "twice")


class _Disconnected(Exception):
    """The laptop's connection went before the whole body arrived (a cut upload)."""


async def _read_body(receive: Any) -> bytes:
    """The whole request body, however many messages it came in.

    Raises:
        _Disconnected: The connection was cut first; as a real server would, the app is
            then never handed the part that arrived.
    """
    body = b""
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


def _replay(body: bytes) -> Any:
    """A `receive` that hands the app `body` once, as if it had just arrived."""
    sent = False

    async def again() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again


_FAULTED = ("/v1/push", "/v1/documents")
"""The paths the app layer mistreats: what a sync sends (not hello or enrolment)."""


class _Plan:
    def __init__(self, faults: Iterable[str]) -> None:
        self._faults = collections.deque(faults)
        self._lock = threading.Lock()
        self.used: list[str] = []
        self.seen: list[tuple[str, str, str]] = []
        """Each faulted request: method, path and query string."""

    def next(self) -> str:
        with self._lock:
            fault = self._faults.popleft() if self._faults else "ok"
            self.used.append(fault)
            return fault


def faulty_app(app: Any, faults: Iterable[str], answering: Answering) -> tuple[Any, _Plan]:
    """`app` behind an ASGI layer that fails its requests as `faults` says, one each."""
    plan = _Plan(faults)

    def telling(send: Any) -> Any:
        async def tell(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answering.event.set()
                await asyncio.sleep(0.05)  # let the proxy see it before the answer's bytes
            await send(message)

        return tell

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not str(scope.get("path")).startswith(_FAULTED):
            await app(scope, receive, send)
            return
        fault = plan.next()
        query = bytes(scope.get("query_string", b"")).decode("ascii")
        plan.seen.append((str(scope["method"]), str(scope["path"]), query))
        try:
            body = await _read_body(receive)
        except _Disconnected:
            return

        async def swallow(message: dict[str, Any]) -> None:
            del message  # the answer of a request whose answer is replaced

        async def answer(status: int, text: bytes) -> None:
            out = telling(send)
            headers = [(b"content-type", b"application/json")]
            await out({"type": "http.response.start", "status": status, "headers": headers})
            await out({"type": "http.response.body", "body": text})

        if fault == "503_before":
            await answer(503, b'{"detail": "busy"}')
        elif fault == "500_after":
            await app(scope, _replay(body), swallow)  # stored, but the laptop hears a failure
            await answer(500, b'{"detail": "oops"}')
        elif fault == "twice":
            await app(scope, _replay(body), swallow)
            await app(scope, _replay(body), telling(send))
        else:
            await app(scope, _replay(body), telling(send))

    return wrapped, plan


class FaultyProxy:
    """A TCP proxy on loopback that mistreats its connections as its plan says."""

    def __init__(
        self,
        upstream_port: int,
        faults: Iterable[str],
        answering: Answering,
        *,
        slow: float,
        cut_after: int = CUT_AFTER,
    ) -> None:
        self.plan = _Plan(faults)
        self._cut_after = cut_after
        self._answering = answering.event
        self._upstream = upstream_port
        self._slow = slow
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._closing = False
        self._open: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop, and close every connection still open (so the gateway can stop at once)."""
        self._closing = True
        self._listener.close()
        _close(*list(self._open))

    def drop_connections(self) -> None:
        """Close every open connection and go on listening (a server's idle time-out)."""
        _close(*list(self._open))
        self._open.clear()
        time.sleep(0.05)  # let the close reach the laptop's end

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            # One laptop, one connection at a time: each fault is the next connection's (a
            # sync keeps one open for all its requests, so a fault may hit any of them).
            self._answering.clear()
            self._serve(client, self.plan.next())

    def _serve(self, client: socket.socket, fault: str) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self._upstream), timeout=10)
        except OSError:
            client.close()
            return
        self._open.update((client, server))
        held = False

        def upload() -> None:
            sent = 0
            try:
                while chunk := client.recv(4096):
                    if fault == "cut_upload" and sent + len(chunk) > self._cut_after:
                        server.sendall(chunk[: max(0, self._cut_after - sent)])
                        break  # part of the request, then nothing
                    server.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            finally:
                if fault == "cut_upload":
                    _close(client, server)

        def download() -> None:
            nonlocal held
            try:
                while chunk := server.recv(65536):
                    if self._answering.is_set():
                        if fault == "drop_answer":
                            break  # the gateway did its work; the laptop never hears of it
                        if fault == "slow_answer" and not held:
                            held = True
                            time.sleep(self._slow)  # past the laptop's time-out
                    client.sendall(chunk)
            except OSError:
                pass
            finally:
                _close(client, server)

        threading.Thread(target=upload, daemon=True).start()
        threading.Thread(target=download, daemon=True).start()


def _close(*sockets: socket.socket) -> None:
    for s in sockets:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
