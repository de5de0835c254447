"""First contact by fingerprint: learning the gateway's CA without a file from IT.

The laptop asks ``GET /v1/ca`` over TLS it does not yet verify (it has nothing to verify
against), and keeps the CA only if its SHA-256 matches the fingerprint IT gave; the
enrolment itself then goes over a connection verified against that CA. Nothing is sent
before the check but the bare request for the CA: not the code, not a certificate request.
A server that is not the council's (a wrong address, a man in the middle) can answer only
with a CA whose fingerprint differs, or with the council's CA and then fail the verified
handshake. Imports no Qt.
"""

from __future__ import annotations

import http.client
import json
import ssl
from urllib.parse import urlsplit

from assessor_app.core.errors import AssessorError
from assessor_app.core.sync_client.transport import TransportError
from sync.protocol import FINGERPRINT_MIN_DIGITS, ca_fingerprint, fingerprint_digits

__all__ = ["FingerprintError", "check_fingerprint", "fetch_ca_by_fingerprint"]

_MOST = 64 * 1024
"""The most of the answer read: far more than a CA certificate, far less than a flood."""


class FingerprintError(AssessorError):
    """The fingerprint typed is not one (nothing was sent)."""


def check_fingerprint(typed: str) -> str:
    """The fingerprint's hex digits, checked for form before anything touches the network.

    Raises:
        FingerprintError: Not a fingerprint (another character, too short, too long).
    """
    digits = fingerprint_digits(typed)
    if digits is None:
        raise FingerprintError(
            "That is not the gateway's fingerprint: it is 64 letters and digits (0-9 and A-F) "
            "in groups of 4, and the laptop needs at least the first "
            f"{FINGERPRINT_MIN_DIGITS // 4} groups. Nothing was sent.",
            "Type it again as IT gave it (spaces and dashes do not matter).",
        )
    return digits


def fetch_ca_by_fingerprint(gateway_url: str, fingerprint: str, *, timeout: float = 20.0) -> bytes:
    """The gateway's server CA (PEM), once its fingerprint matches the one IT gave.

    Raises:
        FingerprintError: `fingerprint` is not one.
        TransportError: The gateway cannot be reached, sent no CA, or sent one whose
            fingerprint is not the one given (nothing was sent but the request for it).
    """
    wanted = check_fingerprint(fingerprint)
    parts = urlsplit(gateway_url)
    if parts.scheme != "https" or not parts.hostname:
        raise TransportError(
            f"The gateway address must start https:// (not {gateway_url!r}).", temporary=False
        )
    # Not verified, on purpose: this connection is trusted for nothing but fetching a
    # certificate the fingerprint then vouches for (or not).
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    conn = http.client.HTTPSConnection(
        parts.hostname, parts.port or 443, timeout=timeout, context=context
    )
    try:
        conn.request("GET", "/v1/ca")
        response = conn.getresponse()
        # An unverified server may send anything: a CA certificate is a few kB.
        data = response.read(_MOST)
    except (OSError, http.client.HTTPException) as e:
        raise TransportError(
            f"Can't reach the gateway at {gateway_url}. Nothing was sent. Check the address "
            "and the connection, then try again.",
            temporary=True,
        ) from e
    finally:
        conn.close()
    if response.status == 404:
        raise TransportError(
            f"The gateway at {gateway_url} cannot be checked by fingerprint (it may be an "
            "older gateway). Nothing was sent. Ask IT for the gateway's certificate file and "
            "enrol with that instead.",
            temporary=False,
            status=404,
        )
    try:
        answer = json.loads(data.decode("utf-8"))
        pem = str(answer["server_ca"]).encode("ascii")
        theirs = ca_fingerprint(pem)
    except (ValueError, KeyError, TypeError) as e:
        raise TransportError(
            f"The server at {gateway_url} did not send the council's certificate, so it may "
            "not be the council's gateway. Nothing was sent. Check the address with IT.",
            temporary=False,
        ) from e
    if not theirs.replace(" ", "").startswith(wanted):
        given = " ".join(wanted[i : i + 4] for i in range(0, len(wanted), 4))
        shown = theirs[: len(given)]
        raise TransportError(
            f"The gateway at {gateway_url} is not the council's: its fingerprint is {shown}, "
            f"not {given}. Nothing was sent. Check the address and the fingerprint with IT.",
            temporary=False,
        )
    return pem
