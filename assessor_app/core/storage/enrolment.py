"""This profile's enrolment with the gateway, and its device keys (schema 7, 13, 16, 20).

The device key (ECDSA P-256) is made on first use inside the vault and never leaves it except
for the instant the TLS library reads it (`sync_client.transport`). Enrolment stores the
certificate the gateway's CA issued for it, the gateway's address, the ids the gateway knows
this laptop and its assessor by, and the CA certificate pinned for the gateway's server.
A second key (X25519, `inbound_key`) is the one the gateway encrypts files to this laptop to
(decision 0011); its public half goes in the enrolment request. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_der_private_key,
)

from assessor_app.core.storage import history
from assessor_app.core.storage.database import Connection
from assessor_app.core.storage.vault import Vault

__all__ = [
    "SYNC_DEVICE_KEY",
    "SYNC_INBOUND_KEY",
    "Enrolment",
    "device_key",
    "inbound_key",
    "load_enrolment",
    "next_bundle_sequence",
    "note_inbound_sequence",
    "save_enrolment",
]

SYNC_DEVICE_KEY = "sync_device"
"""Purpose (in `device_key`) of the key this laptop proves itself to the gateway with."""
SYNC_INBOUND_KEY = "sync_inbound"
"""Purpose of the X25519 key files from the gateway are encrypted to."""


@dataclass(frozen=True)
class Enrolment:
    """What enrolment left: where the gateway is, and how this laptop proves who it is."""

    gateway_url: str
    device_id: str
    assessor_id: str
    server_ca_pem: bytes
    certificate_der: bytes
    key_der: bytes = field(repr=False)
    enrolled_at: str
    bundle_public_key: str | None = None
    """The authority's bundle key (`sync.bundle.AuthorityKey` text) for sending by file; None
    for a laptop enrolled before its gateway gave one (schema 13)."""
    bundle_sequence: int = 0
    """The sequence number of the last bundle this laptop wrote (0: none yet)."""
    publishing_public_key: str | None = None
    """The authority's key that signs reference data (`sync.reference` text); None for a
    laptop enrolled before its gateway gave one (schema 14): it then refuses every package."""
    inbound_sequence: int = 0
    """The number of the newest inbound bundle this laptop took (0: none yet; schema 20)."""


def device_key(vault: Vault) -> ec.EllipticCurvePrivateKey:
    """This laptop's sync key, made the first time it is needed (before enrolling)."""
    with vault.transaction() as conn:
        row = conn.execute(
            "SELECT private_key FROM device_key WHERE purpose = ?", (SYNC_DEVICE_KEY,)
        ).fetchone()
        if row is not None:
            key = load_der_private_key(bytes(row[0]), password=None)
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            return key
        key = ec.generate_private_key(ec.SECP256R1())
        der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        conn.execute(
            "INSERT INTO device_key (purpose, algorithm, private_key, created_at) "
            "VALUES (?, 'ecdsa-p256', ?, ?)",
            (SYNC_DEVICE_KEY, der, history.now_utc().isoformat()),
        )
        history.append_audit(
            conn, vault.profile.id, "sync.create_key", "device_key", SYNC_DEVICE_KEY
        )
        return key


def inbound_key(vault: Vault, *, make: bool = True) -> X25519PrivateKey | None:
    """This laptop's key for files from the gateway, made the first time (with `make`)."""
    with vault.transaction() as conn:
        row = conn.execute(
            "SELECT private_key FROM device_key WHERE purpose = ?", (SYNC_INBOUND_KEY,)
        ).fetchone()
        if row is not None:
            return X25519PrivateKey.from_private_bytes(bytes(row[0]))
        if not make:
            return None
        key = X25519PrivateKey.generate()
        raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        conn.execute(
            "INSERT INTO device_key (purpose, algorithm, private_key, created_at) "
            "VALUES (?, 'x25519', ?, ?)",
            (SYNC_INBOUND_KEY, raw, history.now_utc().isoformat()),
        )
        history.append_audit(
            conn, vault.profile.id, "sync.create_key", "device_key", SYNC_INBOUND_KEY
        )
        return key


def note_inbound_sequence(conn: Connection, sequence: int) -> bool:
    """Keep `sequence` as the newest inbound bundle taken; False if one as new was (in `conn`)."""
    cur = conn.execute(
        "UPDATE sync_enrolment SET inbound_sequence = ? WHERE one = 1 AND inbound_sequence < ?",
        (sequence, sequence),
    )
    return cur.rowcount == 1


def save_enrolment(
    vault: Vault,
    *,
    gateway_url: str,
    device_id: str,
    assessor_id: str,
    server_ca_pem: bytes,
    certificate_der: bytes,
    now: dt.datetime,
    bundle_public_key: str | None = None,
    publishing_public_key: str | None = None,
) -> None:
    """Keep an enrolment (replacing an earlier one), in one transaction with its audit entry.

    The bundle sequence carries on across a re-enrolment (the gateway refuses a bundle not
    newer than the last it took from the device); the inbound sequence starts again when the
    device id changes (the gateway numbers each device's inbound bundles from 1).
    """
    with vault.transaction() as conn:
        conn.execute(
            "UPDATE device_key SET certificate = ? WHERE purpose = ?",
            (certificate_der, SYNC_DEVICE_KEY),
        )
        conn.execute(
            "INSERT INTO sync_enrolment (one, gateway_url, device_id, assessor_id, server_ca, "
            "enrolled_at, bundle_public_key, publishing_public_key) "
            "VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (one) "
            "DO UPDATE SET gateway_url = excluded.gateway_url, device_id = excluded.device_id, "
            "assessor_id = excluded.assessor_id, server_ca = excluded.server_ca, "
            "enrolled_at = excluded.enrolled_at, bundle_public_key = excluded.bundle_public_key, "
            "publishing_public_key = excluded.publishing_public_key, "
            "inbound_sequence = CASE WHEN sync_enrolment.device_id = excluded.device_id "
            "THEN sync_enrolment.inbound_sequence ELSE 0 END",
            (
                gateway_url,
                device_id,
                assessor_id,
                server_ca_pem.decode("ascii"),
                now.isoformat(),
                bundle_public_key,
                publishing_public_key,
            ),
        )
        history.append_audit(conn, vault.profile.id, "sync.enrol", "device", device_id)


def load_enrolment(vault: Vault) -> Enrolment | None:
    """The profile's enrolment, or None before it is enrolled."""
    with vault.transaction() as conn:
        row = conn.execute(
            "SELECT e.gateway_url, e.device_id, e.assessor_id, e.server_ca, e.enrolled_at, "
            "k.certificate, k.private_key, e.bundle_public_key, e.bundle_sequence, "
            "e.publishing_public_key, e.inbound_sequence "
            "FROM sync_enrolment e JOIN device_key k "
            "ON k.purpose = ? WHERE e.one = 1",
            (SYNC_DEVICE_KEY,),
        ).fetchone()
    if row is None or row[5] is None:
        return None
    return Enrolment(
        str(row[0]),
        str(row[1]),
        str(row[2]),
        str(row[3]).encode("ascii"),
        bytes(row[5]),
        bytes(row[6]),
        str(row[4]),
        None if row[7] is None else str(row[7]),
        int(row[8]),
        None if row[9] is None else str(row[9]),
        int(row[10]),
    )


def next_bundle_sequence(conn: Connection) -> int:
    """Take the next bundle sequence number, inside the caller's transaction."""
    conn.execute("UPDATE sync_enrolment SET bundle_sequence = bundle_sequence + 1 WHERE one = 1")
    row = conn.execute("SELECT bundle_sequence FROM sync_enrolment WHERE one = 1").fetchone()
    return int(row[0])
