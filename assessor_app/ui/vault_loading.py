"""Opening and creating vaults without importing them at start-up.

The vault pulls in cryptography and SQLCipher (about 30 ms). Nothing needs them before the
user presses Unlock or Create, so the unlock window appears without them and `prewarm` loads
them on the worker thread while the passphrase is typed. These functions run on the worker.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assessor_app.core.storage.vault import Vault

VAULT_MODULE = "assessor_app.core.storage.vault"
UNLOCKED_MODULES = (
    "assessor_app.core.services.session",
    "assessor_app.core.sync_client.client",
)
"""What the caseload needs first after unlocking (the form engine, x509, HTTP): about 100 ms
of imports that would otherwise run on the GUI thread between the key and the first page."""


def prewarm() -> None:
    """Import the vault module (and its cryptography) ahead of the first unlock."""
    importlib.import_module(VAULT_MODULE)


def prewarm_unlocked() -> None:
    """Import what the first screen after unlocking needs (called as the passphrase is typed:
    after the unlock window is up, so start-up does not wait for it)."""
    for module in UNLOCKED_MODULES:
        importlib.import_module(module)


def open_vault(data_dir: Path, profile_id: str, passphrase: str) -> Vault:
    """`Vault.open`, importing the vault on first use."""
    vault_cls: type[Vault] = importlib.import_module(VAULT_MODULE).Vault
    return vault_cls.open(data_dir, profile_id, passphrase)


def create_vault(data_dir: Path, **details: Any) -> Vault:
    """`Vault.create`, importing the vault on first use."""
    vault_cls: type[Vault] = importlib.import_module(VAULT_MODULE).Vault
    return vault_cls.create(data_dir, **details)
