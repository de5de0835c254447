"""How the laptop reaches the gateway: HTTPS with a pinned CA and the device's certificate.

`Transport` is what the sync client needs; `HttpsTransport` is the network one. It trusts
only the CA pinned at enrolment (never the system's store: a server with a certificate any
public CA issued is still refused) and presents the device certificate on every call. It keeps
one connection open for a whole sync (HTTP/1.1 keep-alive), so the chunks of a PDF do not each
pay a TLS handshake, and opens a new one when the server has closed the old while it was idle. Every
failure becomes a `TransportError` whose message is for the assessor and which says whether
it passes by itself (`temporary`: no network, a time-out, a 5xx) or needs someone to act.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import select
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from sync.protocol import DeviceOrder, ProtocolError

__all__ = [
    "DeviceIdentity",
    "DeviceWithdrawnError",
    "HttpsTransport",
    "Transport",
    "TransportError",
]

_SHM = Path("/dev/shm")


class TransportError(Exception):
    """The gateway could not be reached or did not take the request; the text says what."""

    def __init__(self, message: str, *, temporary: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.temporary = temporary
        self.status = status


class DeviceWithdrawnError(TransportError):
    """The gateway refused the request because IT revoked this laptop or ordered it wiped."""

    def __init__(self, message: str, order: DeviceOrder) -> None:
        super().__init__(message, temporary=False, status=403)
        self.order = order


def _withdrawn(answer: object) -> DeviceWithdrawnError | None:
    """The order in a refusal (403) of a revoked or wiped laptop; None in any other answer."""
    if not isinstance(answer, dict) or "order" not in answer:
        return None
    try:
        order = DeviceOrder.from_json(answer["order"])
    except ProtocolError:
        return None
    detail = answer.get("detail")
    return DeviceWithdrawnError(
        str(detail) if isinstance(detail, str) and detail else order.message, order
    )


@dataclass(frozen=True)
class DeviceIdentity:
    """The device's certificate and key (PEM), as enrolment left them."""

    certificate_pem: bytes
    key_pem: bytes


class Transport(Protocol):
    """What the sync client asks of a way to the gateway (HTTPS today; a file bundle later)."""

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` as JSON; the JSON answer. Raises `TransportError`."""
        ...

    def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:
        """PUT raw bytes (a chunk of a PDF); the JSON answer. Raises `TransportError`."""
        ...


@contextlib.contextmanager
def _key_files(identity: DeviceIdentity) -> Iterator[tuple[str, str]]:
    """The identity as files for `ssl` (which loads keys only from files), for an instant.

    Written owner-only to memory-backed /dev/shm where there is one, and removed as soon as
    the TLS context has read them.
    """
    folder = tempfile.mkdtemp(prefix="assessor-tls-", dir=_SHM if _SHM.is_dir() else None)
    cert, key = Path(folder) / "device.pem", Path(folder) / "device.key"
    try:
        for path, data in ((cert, identity.certificate_pem), (key, identity.key_pem)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        yield str(cert), str(key)
    finally:
        for path in (cert, key):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        os.rmdir(folder)


_REFUSED_CERTIFICATE = (
    "ALERT_UNKNOWN_CA",
    "ALERT_CERTIFICATE_EXPIRED",
    "ALERT_BAD_CERTIFICATE",
    "ALERT_CERTIFICATE_REVOKED",
    "ALERT_CERTIFICATE_REQUIRED",
    "ALERT_CERTIFICATE_UNKNOWN",
    "ALERT_ACCESS_DENIED",
)


def _certificate_refused(error: ssl.SSLError) -> bool:
    """The server's TLS alert says it would not take this laptop's certificate."""
    reason = str(getattr(error, "reason", "") or error)
    return any(alert in reason for alert in _REFUSED_CERTIFICATE)


def _unreachable() -> TransportError:
    return TransportError(
        "Can't reach the council's server. Your records are still queued and will be "
        "sent when there is a connection.",
        temporary=True,
    )


def _refused_certificate() -> TransportError:
    return TransportError(
        "The council's gateway did not accept this laptop's certificate (it was not issued "
        "by the council's gateway, or has expired). Nothing was sent and your records are "
        "kept on the laptop: ask IT for a new enrolment code and enrol the laptop again.",
        temporary=False,
    )


def _dropped(conn: http.client.HTTPSConnection) -> bool:
    """The server closed this idle connection (or it is not open): it reads as ready."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class HttpsTransport:
    """JSON over HTTPS to one gateway."""

    def __init__(
        self,
        base_url: str,
        ca_pem: bytes,
        identity: DeviceIdentity | None = None,
        *,
        timeout: float = 20.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"The gateway address must start https:// (not {base_url!r}).")
        self.host, self.port = parts.hostname, parts.port or 443
        self.timeout = timeout
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=ca_pem.decode())
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        self._anonymous = context
        self._identity = identity
        if identity is not None:
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=ca_pem.decode())
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            with _key_files(identity) as (cert, key):
                context.load_cert_chain(cert, key)
        self._context = context
        self._conn: http.client.HTTPSConnection | None = None
        self._conn_target: tuple[str, int, float] | None = None
        self.connections = 0
        """How many connections this transport has opened (one per sync when all is well)."""

    def _refuses_our_certificate(self) -> bool:
        """Whether the gateway, which just closed on us, is up but will not take our certificate.

        Under TLS 1.3 the server checks a client certificate after the handshake has finished
        on the laptop's side, so a refusal arrives as the connection closing, the same as a
        dropped network. Telling them apart: the same question asked again with the
        certificate fails, and asked without it (``/v1/hello`` needs none) is answered.
        """

        def hello(context: ssl.SSLContext) -> bool:
            conn = http.client.HTTPSConnection(
                self.host, self.port, timeout=min(self.timeout, 5.0), context=context
            )
            try:
                conn.request("GET", "/v1/hello")
                return conn.getresponse().status == 200
            except (OSError, http.client.HTTPException):
                return False
            finally:
                conn.close()

        return not hello(self._context) and hello(self._anonymous)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST JSON and read the JSON answer.

        Raises:
            TransportError: Unreachable, timed out, the server's certificate is not the
                council's, or the gateway answered an error (its words are kept).
        """
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return self._request("POST", path, payload, "application/json")

    def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:
        """PUT raw bytes and read the JSON answer (raises as `post` does)."""
        return self._request("PUT", path, data, "application/octet-stream")

    def close(self) -> None:
        """Close the connection kept open between requests (the next request opens one)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> http.client.HTTPSConnection:
        """The open connection, or a new one when there is none or the server closed it.

        A kept connection the server has closed while it was idle (uvicorn closes one after a
        few seconds) reads as ready, with nothing to read: it is replaced before it is used.
        """
        target = (self.host, self.port, self.timeout)
        conn = self._conn
        if conn is not None and self._conn_target == target and not _dropped(conn):
            return conn
        self.close()
        self._conn = http.client.HTTPSConnection(
            self.host, self.port, timeout=self.timeout, context=self._context
        )
        self._conn_target = target
        self.connections += 1
        return self._conn

    def _exchange(self, method: str, path: str, payload: bytes, kind: str) -> tuple[int, bytes]:
        """One request and its answer, on the kept connection (closed again if it fails).

        A connection broken part way through a request is not retried here: the sync
        stops, and the next one goes on from what the gateway holds (every request is safe
        to repeat: a push by its hashes, an offer by its document, a chunk by its offset).
        """
        conn = self._connection()
        try:
            conn.request(method, path, payload, {"Content-Type": kind})
            response = conn.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, data

    def _request(self, method: str, path: str, payload: bytes, kind: str) -> dict[str, Any]:
        try:
            status, data = self._exchange(method, path, payload, kind)
        except ssl.SSLCertVerificationError as e:
            raise TransportError(
                "The server did not prove it is the council's gateway (its certificate is not "
                "the one this laptop was enrolled with). Nothing was sent. Tell IT.",
                temporary=False,
            ) from e
        except TimeoutError as e:
            raise TransportError(
                "The council's server took too long to answer. Your records are still queued "
                "and will be sent next time.",
                temporary=True,
            ) from e
        except (ssl.SSLError, ConnectionError, http.client.HTTPException) as e:
            # A TLS alert may say outright that our certificate was refused; under TLS 1.3 it
            # often arrives as the connection closing or an unexpected EOF instead.
            if isinstance(e, ssl.SSLError) and _certificate_refused(e):
                raise _refused_certificate() from e
            if self._identity is not None and self._refuses_our_certificate():
                raise _refused_certificate() from e
            raise _unreachable() from e
        except OSError as e:
            raise _unreachable() from e
        try:
            answer = json.loads(data.decode("utf-8")) if data else {}
        except (UnicodeDecodeError, ValueError):
            answer = {}
        if status >= 500:
            raise TransportError(
                f"The council's server didn't accept the upload (error {status}). "
                "Your records are still queued and will be sent next time.",
                temporary=True,
                status=status,
            )
        if status == 403 and (withdrawn := _withdrawn(answer)) is not None:
            raise withdrawn
        if status >= 400:
            detail = answer.get("detail") if isinstance(answer, dict) else None
            raise TransportError(
                str(detail)
                if isinstance(detail, str) and detail
                else (f"The council's server refused the request (error {status})."),
                temporary=False,
                status=status,
            )
        if not isinstance(answer, dict):
            raise TransportError(
                "The council's server sent an answer the app cannot read. Your records are "
                "still queued.",
                temporary=True,
            )
        return answer
