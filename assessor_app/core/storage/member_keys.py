"""Which key each MDT member signs with, as this profile has come to know it (schema 5).

A contribution file says who wrote it and carries a public key; anyone who knows the MDT's
exchange passphrase could sign one in a colleague's name with a key of their own. So the first
key seen for a member is bound to them, once the coordinator has confirmed its fingerprint
(or it is this profile's own key), and every later contribution in their name must come with
it; and each contribution in a DST stays bound to the key of its first revision, whatever name
a later file puts on it. Both tables are append-only. The checks themselves are
`core.chc.contributions_io`'s; this module only stores. Imports no Qt.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from assessor_app.core.storage import history
from assessor_app.core.storage.database import Connection

__all__ = [
    "MemberKey",
    "bind_contribution",
    "bind_member",
    "contribution_key",
    "member_identity",
    "member_key",
]


def member_identity(name: str) -> str:
    """A member's name folded for matching: NFKC, case-folded, spaces collapsed.

    "Sam  OKAFOR" and "sam okafor" are one member; look-alike letters from other scripts are
    not folded and so count as someone new, whose key the coordinator must confirm.
    """
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


@dataclass(frozen=True)
class MemberKey:
    """A member's bound key."""

    name: str
    """Their name as first seen."""
    public_key: str
    """Raw Ed25519 public key, base64."""
    fingerprint: str
    """The short form read aloud to confirm it."""
    source: str
    """"own" (this profile's key), "confirmed" (by the coordinator) or "gateway"."""
    bound_at: str
    """When it was bound (UTC, ISO 8601)."""


def member_key(conn: Connection, name: str) -> MemberKey | None:
    """The key bound to the member of this name, if any."""
    row = conn.execute(
        "SELECT name, public_key, fingerprint, source, bound_at FROM mdt_member_key "
        "WHERE member = ?",
        (member_identity(name),),
    ).fetchone()
    return MemberKey(*row) if row else None


def bind_member(
    conn: Connection, name: str, public_key: str, fingerprint: str, source: str
) -> MemberKey:
    """Bind `public_key` to the member called `name`. Call inside a transaction.

    Raises:
        sqlcipher3.DatabaseError: the member already has a key (the table is append-only).
    """
    at = history.now_utc().isoformat()
    conn.execute(
        "INSERT INTO mdt_member_key (member, name, public_key, fingerprint, source, bound_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (member_identity(name), name, public_key, fingerprint, source, at),
    )
    return MemberKey(name, public_key, fingerprint, source, at)


def contribution_key(conn: Connection, assessment_id: str, contribution_id: str) -> str | None:
    """The key a DST's contribution was first imported or exported with, if recorded."""
    row = conn.execute(
        "SELECT public_key FROM contribution_signer WHERE assessment_id = ? AND "
        "contribution_id = ?",
        (assessment_id, contribution_id),
    ).fetchone()
    return str(row[0]) if row else None


def bind_contribution(
    conn: Connection, assessment_id: str, contribution_id: str, public_key: str
) -> None:
    """Record the key of a contribution's first revision here. Call inside a transaction."""
    conn.execute(
        "INSERT INTO contribution_signer (assessment_id, contribution_id, public_key, bound_at) "
        "VALUES (?, ?, ?, ?)",
        (assessment_id, contribution_id, public_key, history.now_utc().isoformat()),
    )
