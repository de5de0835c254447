"""Serving the gateway: uvicorn over TLS, asking every laptop for its device certificate.

Uvicorn does not yet hand the application the connection's client certificate, so the HTTP
protocol here is uvicorn's own with one addition: when a connection is made, the verified
peer certificate (DER) is put into each request's scope under `app.CLIENT_CERT`. The TLS
context asks for a certificate (optional, so that a laptop without one can enrol) and
verifies it against the gateway's devices CA only: a certificate from any other issuer fails
the handshake before the application sees a byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from sync.gateway.app import CLIENT_CERT
from sync.gateway.ca import GatewayCA

__all__ = ["RunningGateway", "TLSFiles", "development_tls", "free_port", "run", "running"]


@dataclass(frozen=True)
class TLSFiles:
    """The server's certificate and key, and the CA that device certificates must chain to."""

    certificate: Path
    key: Path
    devices_ca: Path


def development_tls(
    folder: Path, ca: GatewayCA, hosts: tuple[str, ...] = ("127.0.0.1",)
) -> TLSFiles:
    """A development server certificate for `hosts` signed by `ca`, written into `folder`.

    The key is written owner-only; the devices CA is written beside them, for the TLS context
    to verify laptops against. For demos and tests on loopback: production uses the
    authority's own certificate.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = ca.server_certificate(hosts)
    (folder / "server.pem").write_bytes(cert)
    fd = os.open(folder / "server.key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    (folder / "devices-ca.pem").write_bytes(ca.pem)
    return TLSFiles(folder / "server.pem", folder / "server.key", folder / "devices-ca.pem")


class _ClientCertH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, adding the verified client certificate to each scope."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        inner = self.app

        async def with_certificate(scope: Any, receive: Any, send: Any) -> None:
            if scope.get("type") in ("http", "websocket"):
                scope.setdefault("extensions", {})[CLIENT_CERT] = der
            await inner(scope, receive, send)

        self.app = with_certificate


def _config(app: Any, host: str, port: int, tls: TLSFiles, **extra: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_ClientCertH11,
        ssl_certfile=str(tls.certificate),
        ssl_keyfile=str(tls.key),
        ssl_ca_certs=str(tls.devices_ca),
        ssl_cert_reqs=ssl.CERT_OPTIONAL,
        lifespan="off",
        log_level="warning",
        **extra,
    )


def run(app: Any, host: str, port: int, tls: TLSFiles) -> None:
    """Serve `app` until stopped (Ctrl+C)."""
    uvicorn.Server(_config(app, host, port, tls)).run()


@dataclass
class RunningGateway:
    """A gateway serving on loopback in this process (tests and benchmarks)."""

    url: str
    port: int
    server: uvicorn.Server


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def running(app: Any, tls: TLSFiles, port: int | None = None) -> Iterator[RunningGateway]:
    """Serve `app` on 127.0.0.1 over TLS on a thread for the length of the block."""
    port = port or free_port()
    # Tests stop it often: a connection still open may hold it up for a second, no longer.
    server = uvicorn.Server(_config(app, "127.0.0.1", port, tls, timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, name="gateway", daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            if not thread.is_alive():
                raise RuntimeError("The gateway stopped while starting (see its log).")
            threading.Event().wait(0.02)
        else:
            raise RuntimeError("The gateway did not start within 4 seconds.")
        yield RunningGateway(f"https://127.0.0.1:{port}", port, server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
