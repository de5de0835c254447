"""Small helpers shared by the benchmarks: percentiles, timing and throwaway vaults."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from pathlib import Path

from assessor_app.core.records import Role
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.vault import Vault

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
PASSPHRASE = "bench lantern orchard"
"""Passphrase of the benchmark vaults (all synthetic data)."""


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    """Median of a non-empty sample."""
    return statistics.median(samples)


def ms(seconds: float) -> str:
    """Seconds as a millisecond figure for the report."""
    return f"{seconds * 1000:.2f} ms"


def new_vault(data_dir: Path) -> Vault:
    """A fresh profile with cheap KDF parameters (the KDF is not what is being measured)."""
    return Vault.create(
        data_dir,
        name="Bench Assessor",
        role=Role.SOCIAL_WORKER,
        authority="Exampleshire County Council",
        passphrase=PASSPHRASE,
        kdf=FAST_KDF_FOR_TESTS,
    )
