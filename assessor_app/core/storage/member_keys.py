"""Which key each MDT member signs with, as this profile has come to know it (schema 5).

A contribution file says who wrote it and carries a public key; anyone who knows the MDT's
exchange passphrase could sign one in a colleague's name with a key of their own. So the first
key seen for a member is bound to them, once the coordinator has confirmed its fingerprint
(or it is this profile's own key), and every later contribution in their name must come with
it; and each contribution in a DST stays bound to the key of its first revision, whatever name
a later file puts on it. Both tables are append-only. The checks themselves are
`core.services.contributions`'s; this module only stores. Imports no Qt.
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
    "contribution_keys_of",
    "list_members",
    "member_identity",
    "member_key",
    "members_of_key",
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
    """"own" (this profile's key), "confirmed" (by the coordinator), "gateway", or
    "rebound" (by IT, after the member changed laptops)."""
    bound_at: str
    """When it was bound (UTC, ISO 8601)."""


def member_key(conn: Connection, name: str) -> MemberKey | None:
    """The key bound to the member of this name, if any."""
    row = conn.execute(
        "SELECT name, public_key, fingerprint, source, bound_at FROM mdt_member_key "
        "WHERE member = ? ORDER BY bound_at DESC LIMIT 1",
        (member_identity(name),),
    ).fetchone()
    return MemberKey(*row) if row else None


def members_of_key(conn: Connection, public_key: str) -> list[str]:
    """The names whose current binding is this key (a key belongs to one member)."""
    rows = conn.execute(
        "SELECT m.name FROM mdt_member_key m WHERE m.public_key = ? AND m.bound_at = "
        "(SELECT max(bound_at) FROM mdt_member_key WHERE member = m.member)",
        (public_key,),
    ).fetchall()
    return [str(r[0]) for r in rows]


def list_members(conn: Connection) -> list[MemberKey]:
    """Every member's current binding, by name."""
    rows = conn.execute(
        "SELECT name, public_key, fingerprint, source, bound_at FROM mdt_member_key m WHERE "
        "bound_at = (SELECT max(bound_at) FROM mdt_member_key WHERE member = m.member) "
        "ORDER BY member"
    ).fetchall()
    return [MemberKey(*r) for r in rows]


def bind_member(
    conn: Connection, name: str, public_key: str, fingerprint: str, source: str
) -> MemberKey:
    """Bind `public_key` to the member called `name`. Call inside a transaction.

    A member already bound gets a new binding only with source "rebound" (IT, after a
    change of laptop); the old one is kept.

    Raises:
        ValueError: the member already has a key and `source` is not "rebound".
    """
    if source != "rebound" and member_key(conn, name) is not None:
        raise ValueError("the member already has a key")
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


def contribution_keys_of(conn: Connection, assessment_id: str) -> list[str]:
    """Every key a contribution to this DST was first imported or exported with, each once."""
    rows = conn.execute(
        "SELECT DISTINCT public_key FROM contribution_signer WHERE assessment_id = ? "
        "ORDER BY public_key",
        (assessment_id,),
    ).fetchall()
    return [str(r[0]) for r in rows]


def bind_contribution(
    conn: Connection, assessment_id: str, contribution_id: str, public_key: str
) -> None:
    """Record the key of a contribution's first revision here. Call inside a transaction."""
    conn.execute(
        "INSERT INTO contribution_signer (assessment_id, contribution_id, public_key, bound_at) "
        "VALUES (?, ?, ?, ?)",
        (assessment_id, contribution_id, public_key, history.now_utc().isoformat()),
    )
