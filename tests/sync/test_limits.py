"""The gateway's ceiling on one request: a bigger one is answered 413 and never held in memory."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from assessor_app.core.sync_client.transport import HttpsTransport, TransportError
from sync.gateway.app import create_app
from sync.gateway.ca import GatewayCA
from sync.gateway.limits import RequestSizeLimit
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store
from sync.protocol import CURRENT


def test_anyone_posting_a_huge_enrolment_gets_413_in_words(store_url: str, tmp_path: Path) -> None:
    # Enrolment is the one call made without a device certificate: anyone who can reach the
    # gateway can post to it, so it must not take whatever they send.
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire")
    with running(
        create_app(store, ca, max_request_bytes=50_000), development_tls(tmp_path, ca)
    ) as gw:
        laptop = HttpsTransport(gw.url, ca.pem)
        with pytest.raises(TransportError, match="larger than the council's gateway accepts") as e:
            laptop.post("/v1/enrol", {"protocol": CURRENT, "code": "x", "csr": "A" * 200_000})
        assert e.value.status == 413 and not e.value.temporary
        # The gateway is still there for the next request.
        with pytest.raises(TransportError, match="not known here"):
            laptop.post("/v1/enrol", {"protocol": CURRENT, "code": "AAAA-BBBB", "csr": "x"})


def _call(chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[int, Any, int]:
    """The limit before an app that reads every body: (status, answer, bytes the app got)."""
    sent: list[dict[str, Any]] = []
    parts = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive() -> dict[str, Any]:
        return parts.pop(0) if parts else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    given = 0

    async def inner(_scope: Any, receive: Any, send: Any) -> None:
        nonlocal given
        more = True
        while more:
            message = await receive()
            given += len(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    scope = {"type": "http", "method": "POST", "path": "/v1/push", "headers": headers}
    asyncio.run(RequestSizeLimit(inner, limit=1_000)(scope, receive, send))
    status = sent[0]["status"]
    return status, json.loads(b"".join(m.get("body", b"") for m in sent[1:])), given


def test_a_body_without_a_length_is_cut_off_at_the_ceiling() -> None:
    status, answer, given = _call([b"x" * 600] * 5, [])
    assert status == 413 and "1,000 bytes at most" in answer["detail"]
    assert given <= 1_200  # the app saw no more than the ceiling and one chunk


def test_a_declared_length_over_the_ceiling_is_refused_before_the_app_reads_it() -> None:
    status, _answer, given = _call(
        [b"x" * 3_000],
        [(b"content-length", b"3000")],
    )
    assert status == 413 and given == 0


def test_a_body_under_the_ceiling_reaches_the_app_whole() -> None:
    status, answer, given = _call([b"x" * 400, b"y" * 400], [])
    assert (status, answer, given) == (200, {}, 800)
