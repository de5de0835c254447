"""Fetching the authority's reference data at the end of a sync (``POST /v1/reference``).

The laptop names the newest package version it keeps of each kind; the gateway answers with
the packages newer than those (none when nothing changed: a few dozen bytes). Each goes
through `reference_data.accept`, which uses it only when it is signed by the authority's
publishing key, every file matches its hash and it is newer than what is kept; one that is
refused is named in the result's `problem`, and the app keeps what it had. The steps are
separate (`reference_request`, `apply_reference`) so the window runs the network call off the
vault's thread; `fetch_reference` runs them all, for `sync_now`. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from assessor_app.core import reference_data
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client.transport import Transport
from sync.protocol import ProtocolError, ReferenceRequest, ReferenceResponse
from sync.reference import package_summary

__all__ = [
    "REFERENCE_PATH",
    "ReferenceResult",
    "apply_reference",
    "fetch_reference",
    "reference_request",
]

REFERENCE_PATH = "/v1/reference"
MAX_ROUNDS = 20
"""The most answers one sync asks for (each about 8 MB at most); the rest come next time."""


@dataclass(frozen=True)
class ReferenceResult:
    """What one fetch of reference data did."""

    accepted: tuple[str, ...] = ()
    """The packages taken now, each as "rates package version 3"."""
    problem: str = ""
    """Why a package was refused, in words ("" when none was)."""
    more: bool = False
    """The gateway holds more than this answer carried (ask again)."""

    @property
    def text(self) -> str:
        """What changed, for the sync report: "" when nothing did."""
        if not self.accepted:
            return ""
        return "New from the council: " + ", ".join(self.accepted) + "."


def reference_request(vault: Vault) -> ReferenceRequest:
    """What to ask: the newest version kept of each kind (runs on the vault's thread)."""
    return ReferenceRequest(reference_data.kept_versions(vault.conn))


def apply_reference(vault: Vault, answer: dict[str, object], now: dt.datetime) -> ReferenceResult:
    """Check and keep each package the gateway sent, oldest first; refusals are named.

    A refused package stops the rest of its kind being taken in this sync (a later one may
    build on it), and the app goes on with what it had.

    Raises:
        ProtocolError: The answer is not one; nothing was kept.
    """
    response = ReferenceResponse.from_json(answer)
    accepted: list[str] = []
    problems: list[str] = []
    refused_kinds: set[str] = set()
    for data in response.packages:
        try:
            kind = package_summary(data)[0]  # unchecked: only to pass over the rest of a kind
        except reference_data.ReferenceError:
            kind = ""
        if kind in refused_kinds:
            continue
        try:
            package = reference_data.accept(vault, data, now)
        except reference_data.ReferenceError as e:
            problems.append(str(e))
            refused_kinds.add(kind)
            continue
        accepted.append(package.label)
    return ReferenceResult(tuple(accepted), " ".join(dict.fromkeys(problems)), response.more)


def fetch_reference(
    vault: Vault,
    transport: Transport,
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> ReferenceResult:
    """Ask for the reference data newer than this laptop has, and keep what checks.

    Raises:
        TransportError: The gateway could not be reached; nothing more was kept.
        ProtocolError: Its answer did not add up; nothing from it was kept.
    """
    accepted: list[str] = []
    for _ in range(MAX_ROUNDS):
        answer = transport.post(REFERENCE_PATH, reference_request(vault).to_json())
        if not isinstance(answer, dict):
            raise ProtocolError("the gateway's answer must be a JSON object")
        result = apply_reference(vault, answer, now())
        accepted += result.accepted
        if result.problem or not result.more or not result.accepted:
            return ReferenceResult(tuple(accepted), result.problem, result.more)
    return ReferenceResult(tuple(accepted), "", True)
