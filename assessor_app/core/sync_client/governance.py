"""Being governed by the authority: each sync's contact, and obeying a revocation or wipe.

Each sync begins with a contact (``POST /v1/contact``): the gateway answers with its time
and the lease (kept by `lease.note_contact`), or, for a laptop IT revoked or ordered wiped,
with the order. Obeying it (`obey`) locks the vault and deletes the profile from the laptop,
after sending what is queued when the authority's policy allows (`DeviceOrder.send_first`;
never for a wipe). A refusal of any other request that carries an order (`transport.
DeviceWithdrawnError`) is obeyed the same way. Touches the network only in `ask_contact`;
the rest runs on the vault's thread. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from assessor_app.core.storage import history
from assessor_app.core.storage.vault import Vault
from assessor_app.core.sync_client import lease
from assessor_app.core.sync_client.transport import (
    DeviceWithdrawnError,
    Transport,
    TransportError,
)
from sync.protocol import CONTACT_PATH, CURRENT, ContactAnswer, DeviceOrder, OrderKind

__all__ = [
    "Withdrawal",
    "WatchingTransport",
    "apply_contact",
    "ask_contact",
    "obey",
    "withdrawal_text",
]

log = logging.getLogger("assessor.sync")


@dataclass(frozen=True)
class Withdrawal:
    """What obeying an order did: for the message the assessor is shown."""

    order: DeviceOrder
    profile_name: str
    """Whose profile it was (the name they gave it), for the message."""
    left_unsent: int
    """Changes and signed PDFs still queued when the vault was deleted (not sent)."""
    files_deleted: int


def ask_contact(transport: Transport) -> ContactAnswer | None:
    """Ask the gateway for its time, the lease and any order (network only).

    Returns:
        The answer; None from a gateway too old to know the call (the sync goes on as before).

    Raises:
        DeviceWithdrawnError: Refused, with an order (the caller obeys it).
        TransportError: The gateway could not be reached or refused the request.
        ProtocolError: The answer does not add up.
    """
    try:
        raw = transport.post(CONTACT_PATH, {"protocol": CURRENT})
    except DeviceWithdrawnError:
        raise
    except TransportError as e:
        if e.status == 404:
            return None
        raise
    return ContactAnswer.from_json(raw)


def apply_contact(
    vault: Vault, answer: ContactAnswer | None, now: dt.datetime
) -> DeviceOrder | None:
    """Keep what the contact said (on the vault's thread); the order to obey, if any.

    A contact with no order is a successful one: the lease starts again from it.
    """
    if answer is None:
        return None
    if answer.order is not None:
        with vault.transaction() as conn:
            history.append_audit(conn, vault.profile.id, f"sync.order_{answer.order.kind.value}")
        return answer.order
    lease.note_contact(vault, answer.now, answer.lease_days, now)
    return None


def obey(vault: Vault, order: DeviceOrder) -> Withdrawal:
    """Lock the vault and delete the profile from this laptop, as IT ordered.

    What is still queued is counted first (for the message), then the vault is closed without
    a backup and its folder removed (`Vault.erase`).

    Raises:
        StorageWriteError: Some files could not be deleted (the message names the folder).
    """
    from assessor_app.core.storage import outbox

    summary = outbox.summary(vault.conn)
    with vault.transaction() as conn:
        history.append_audit(conn, vault.profile.id, f"sync.erase_{order.kind.value}")
    name = vault.profile.name
    deleted = vault.erase()
    return Withdrawal(order, name, summary.waiting + summary.documents_waiting, len(deleted))


def withdrawal_text(withdrawal: Withdrawal) -> tuple[str, str]:
    """The title and words the assessor is shown once the profile is deleted."""
    when = withdrawal.order.ordered_at[:10]
    if withdrawal.order.kind is OrderKind.WIPE:
        title = "IT has wiped this laptop's records"
        why = (
            f"The council's IT reported this laptop lost on {when} and ordered its records "
            f"deleted. {withdrawal.profile_name}'s profile has been deleted from it."
        )
    else:
        title = "This laptop's access has been withdrawn"
        why = (
            f"The council's IT withdrew this laptop's access on {when}. "
            f"{withdrawal.profile_name}'s profile has been deleted from it."
        )
    if withdrawal.left_unsent:
        sent = (
            f" {withdrawal.left_unsent:,} change(s) or signed PDF(s) had not reached the council "
            "and were deleted with it."
        )
    else:
        sent = " Everything saved on it had reached the council first."
    rest = (
        " The records were kept encrypted, and the files have been deleted. If you still "
        "need this laptop for your work, ring IT: they can enrol it again."
    )
    return title, why + sent + rest


class WatchingTransport:
    """A transport that notes an order carried by any refusal (`DeviceWithdrawnError`).

    The sync's steps each stop on a refusal in their own way; wrapping the transport lets
    the sync obey the order once at the end, whichever step met it.
    """

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.order: DeviceOrder | None = None

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """As `Transport.post`, noting an order."""
        try:
            return self.inner.post(path, body)
        except DeviceWithdrawnError as e:
            self.order = self.order or e.order
            raise

    def put_bytes(self, path: str, data: bytes) -> dict[str, Any]:
        """As `Transport.put_bytes`, noting an order."""
        try:
            return self.inner.put_bytes(path, data)
        except DeviceWithdrawnError as e:
            self.order = self.order or e.order
            raise

    def close(self) -> None:
        """Close the inner transport's kept connection, if it keeps one."""
        shut = getattr(self.inner, "close", None)
        if shut is not None:
            shut()
