"""Small helpers shared by the benchmarks: percentiles, timing and throwaway vaults."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Row:
    """One line of the summary table: what a user meets, its target, the floor and the verdict."""

    what: str
    """What a user waits for, e.g. 'autosave of one field, p99'."""
    target: str
    """The target as written in the issue, e.g. '<= 1.5x floor'."""
    floor: str
    """The floor measured in the same run, with what it is."""
    measured: str
    """The app's figure."""
    ratio: float | None
    """App over floor (None where the target is not a ratio)."""
    met: bool | None
    """Whether the target is met (None: not judged here)."""

    @property
    def verdict(self) -> str:
        """'met', 'NOT met' or '-'."""
        return {True: "met", False: "NOT met", None: "-"}[self.met]


def table(rows: Sequence[Row]) -> list[str]:
    """The rows as a Markdown table (plain enough to read in a terminal)."""
    head = ("what a user meets", "target", "floor (same run)", "measured", "ratio", "verdict")
    body = [
        (r.what, r.target, r.floor, r.measured, f"{r.ratio:.2f}x" if r.ratio else "", r.verdict)
        for r in rows
    ]
    widths = [max(len(cells[i]) for cells in [head, *body]) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, body)]
