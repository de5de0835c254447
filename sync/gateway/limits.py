"""A ceiling on the size of one request, so a runaway or hostile upload cannot exhaust the gateway.

`RequestSizeLimit` wraps the gateway's ASGI app. A request that declares (Content-Length) or
turns out to carry more than the ceiling is answered 413 with words the laptop shows, and its
body is never held in memory: what arrives is counted and dropped. The body is read to its end
first (up to a hard stop) because a laptop sends the whole request before it reads the answer:
closing at once would reach it as a broken connection, which it would retry unchanged for ever,
where a 413 makes it split the batch (`sync_client.smaller`) or hold the one revision too big.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_REQUEST_BYTES", "RequestSizeLimit", "size_in_words"]

MAX_REQUEST_BYTES = 64 * 1024 * 1024
"""The largest request the gateway takes by default: a full push of large records fits."""

_DRAIN_AT_MOST = 8
"""Past this many times the ceiling, the connection is closed instead of read to its end."""


class RequestSizeLimit:
    """ASGI middleware answering 413 to any HTTP request whose body is over `limit` bytes."""

    def __init__(self, app: Any, limit: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(scope, receive, send, declared)
            return
        seen = 0
        too_big = False

        async def counted() -> Any:
            nonlocal seen, too_big
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    too_big = True
                    raise _TooBig
            return message

        started = False

        async def watched(message: Any) -> None:
            nonlocal started
            if message.get("type") == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooBig:
            if not started:
                await self._refuse(scope, receive, send, seen)
            return
        except Exception:
            if too_big and not started:
                # The app wrapped our signal in its own error: still the size, not a fault.
                await self._refuse(scope, receive, send, seen)
                return
            raise

    async def _refuse(self, scope: Any, receive: Any, send: Any, seen: int) -> None:
        more = True
        while more and seen <= self.limit * _DRAIN_AT_MOST:
            message = await receive()
            if message.get("type") != "http.request":
                return  # the laptop went away
            seen += len(message.get("body", b""))
            more = bool(message.get("more_body"))
        if str(scope.get("path", "")).startswith("/console/"):
            # A person at the console's upload form: a page they can read, not the laptops' JSON.
            body, kind = _console_page(self.limit), b"text/html; charset=utf-8"
        else:
            detail = (
                "The upload is larger than the council's gateway accepts "
                f"({size_in_words(self.limit)} at most). It is kept on the laptop; if it is one "
                "record, tell IT."
            )
            body, kind = json.dumps({"detail": detail}).encode("utf-8"), b"application/json"
        headers = [
            (b"content-type", kind),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _console_page(limit: int) -> bytes:
    """The console's answer to a file too big to take (the console's own frame is not here)."""
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        "<title>The file is too large – Assessor gateway console</title>"
        '<link rel="stylesheet" href="/console/console.css"></head><body><main id="main">'
        "<h1>The file is too large</h1>"
        f'<div class="error-summary" role="alert"><p>The gateway takes files of up to '
        f"{size_in_words(limit)}; this one is larger, so it was not read. Nothing was changed."
        "</p></div><p>Check you chose the file the laptop wrote (it ends in .bundle). A bundle "
        "this large (many signed PDFs) is imported on the gateway's own machine instead: "
        "<code>assessor-gateway bundle import FILE</code>, which writes the receipt beside it."
        "</p>"
        '<p><a href="/console/bundles">Back to bundles</a></p></main></body></html>'
    ).encode()


class _TooBig(Exception):
    """The body passed the ceiling while the app was reading it."""


def _content_length(scope: Any) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def size_in_words(n: int) -> str:
    """A size as IT reads it: "64 MB", "512 KB", "900 bytes"."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n:,} bytes"
