"""What the web console shows of reference data: each package published, and who holds what.

Reads only, over `Store.transaction` as `oversight.py` does. Each package kept is checked when
it is shown, as a laptop checks it (`sync.reference.open_package`): against the publishing key
this gateway hands out at enrolment, so the page says which key it is signed by, or that
laptops will refuse it. What a laptop holds is what it said at its last reference request
(``POST /v1/reference``, after each push), before that answer: packages sent in the answer
show at its next sync, once it has kept them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sync.gateway.store import Device, Store
from sync.protocol import REFERENCE_KINDS
from sync.reference import (
    ReferenceError,
    open_package,
    parse_publishing_key,
    publishing_key_fingerprint,
)

__all__ = ["DeviceHolding", "PublishedPackage", "device_holdings", "published_packages"]


@dataclass(frozen=True)
class PublishedPackage:
    """One package the gateway publishes, as the reference data page lists it."""

    kind: str
    version: int
    published_at: str
    description: str
    sha256: str
    devices: int
    """How many laptops said they hold this version or a newer one."""
    signed_by: str
    """The fingerprint of the publishing key it checks against; '' when it does not."""
    problem: str
    """Why laptops refuse it ('' when they take it), in words for IT."""


@dataclass(frozen=True)
class DeviceHolding:
    """What one laptop said it holds of each kind at its last reference request."""

    device: Device
    held: Mapping[str, int]
    """Kind to version (0: none); empty when it has never asked."""
    asked_at: str | None
    """When it last asked; None: never (not synced since enrolling, or an older app)."""
    behind: tuple[str, ...]
    """The kinds with a newer version published than it holds."""


def _check(content: bytes, key_text: str | None) -> tuple[str, str]:
    """(signed by, problem) for one kept package, checked as a laptop checks it."""
    if not key_text:
        return "", "This gateway hands out no publishing key, so laptops refuse every package."
    try:
        open_package(content, parse_publishing_key(key_text))
    except ReferenceError as e:
        return "", (
            f"Laptops refuse it: it does not check against this gateway's publishing key ({e})"
        )
    return publishing_key_fingerprint(key_text), ""


def published_packages(store: Store, publishing_key_text: str | None) -> list[PublishedPackage]:
    """Every package published, newest first per kind, each checked against the key.

    Args:
        store: The gateway's database (schema 12 or later).
        publishing_key_text: The publishing key laptops are given at enrolment (None: none).
    """
    listed = store.reference_packages()
    contents: dict[tuple[str, int], bytes] = {}
    for kind in {row[0] for row in listed}:
        versions = sorted(v for k, v, *_ in listed if k == kind)
        contents.update(
            ((kind, v), c) for v, c in zip(versions, store.reference_contents(kind), strict=True)
        )
    answer = []
    for kind, version, at, description, sha, devices in listed:
        signed_by, problem = _check(contents[kind, version], publishing_key_text)
        answer.append(
            PublishedPackage(kind, version, at, description, sha, devices, signed_by, problem)
        )
    return answer


def device_holdings(store: Store) -> list[DeviceHolding]:
    """What every enrolled laptop said it holds, in the order the devices page lists them."""
    with store.transaction() as tx:
        newest = {
            str(r[0]): int(r[1])
            for r in tx.execute(
                "SELECT kind, MAX(version) FROM reference_package GROUP BY kind"
            ).fetchall()
        }
        rows = tx.execute(
            "SELECT device_id, kind, version, seen_at FROM reference_device"
        ).fetchall()
    held: dict[str, dict[str, int]] = {}
    asked: dict[str, str] = {}
    for device_id, kind, version, seen_at in rows:
        held.setdefault(str(device_id), {})[str(kind)] = int(version)
        asked[str(device_id)] = max(asked.get(str(device_id), ""), str(seen_at))
    answer = []
    for device in store.devices():
        has = held.get(device.id, {})
        behind = tuple(
            k for k in REFERENCE_KINDS if k in newest and has and has.get(k, 0) < newest[k]
        )
        answer.append(DeviceHolding(device, has, asked.get(device.id), behind))
    return answer
