"""Shared fixtures: offscreen Qt, and real SQLCipher vaults in temporary folders.

Vaults use cheap Argon2id parameters so hundreds of tests unlock quickly; everything else
(SQLCipher, WAL, synchronous=FULL, the hash chains) is the real thing.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# A settings file deployed on this machine (~/.config/Assessor, /etc/assessor) must not change
# what the tests see: they read an empty one unless a test names another.
os.environ["ASSESSOR_SETTINGS_FILE"] = os.path.join(
    os.path.dirname(__file__), "fixtures", "settings", "none.toml"
)

from collections.abc import Iterator  # noqa: E402 - the platform must be set before Qt loads
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from assessor_app.core.records import Role  # noqa: E402
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS  # noqa: E402
from assessor_app.core.storage.vault import Vault  # noqa: E402

PASSPHRASE = "amber lantern orchard"
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data folder, as on a laptop where the app was never run."""
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def vault(data_dir: Path) -> Iterator[Vault]:
    """A new, unlocked profile of a synthetic assessor; locked again after the test."""
    v = Vault.create(
        data_dir,
        name="Robin Testcase",
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase=PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
    yield v
    if v.is_open:
        v.close()


@pytest.fixture(autouse=True, scope="session")
def _rules_read_only_what_they_declare() -> Iterator[None]:
    """Every rule call in every test fails if the rule reads an answer it did not declare.

    In the app such a read finds nothing; here it raises, so a declaration that falls behind
    its rule is caught by whichever test exercises that branch.
    """
    from assessor_app.core.rules import strict_reads

    with strict_reads():
        yield


@pytest.fixture(autouse=True, scope="session")
def _no_test_rule_outlives_the_tests() -> Iterator[None]:
    """The rule registry is global: a test that leaves a rule in it can change another's."""
    yield
    from assessor_app.core.rules import check_names, rule_names, start_check_names

    left = [
        n for n in (*rule_names(), *check_names(), *start_check_names()) if n.startswith("tests.")
    ]
    assert not left, f"tests left rules registered: {left}"
