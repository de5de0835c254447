"""Rates tables: the dated national charging figures, and an authority's signed overrides.

Each financial year's figures live in one YAML file per version under ``resources/rates/``,
named ``<id>-v<version>.yaml`` (e.g. ``england-2025-26-v1.yaml``). Every figure carries its
value (whole pence a week, or weeks), where it came from, and whether it has been checked
against a primary source; a charge that uses an unconfirmed figure carries a warning.

A table may list ``policies`` (e.g. the lifetime cap on care costs). A table that switches on a
policy this engine does not implement is refused, so a later reform arrives as a new policy
module, never as a silent change of meaning.

An authority may make some figures more generous than the national ones with a signed override
file (``resources/rates/overrides/*.yaml``): a higher Minimum Income Guarantee, higher capital
limits for care at home, a higher Personal Expenses Allowance, or a standard disability-related
expenditure allowance. An unsigned override, or one less generous than the national table in
force on its ``applies_from`` date, is refused. When a later national table rises above one of
its figures, the override still loads: each charge uses the higher of the national and the
local figure (see ``calculation._Rates``). Loading collects every problem in every file before
raising, so a finance officer can fix them all in one go.

Money is integer pence throughout. Imports no Qt and no storage module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from assessor_app.core.errors import NotFoundError, ValidationError
from assessor_app.core.paths import resources_dir

__all__ = [
    "FIGURE_LABELS",
    "FIGURE_UNITS",
    "HOME_ONLY_OVERRIDES",
    "IMPLEMENTED_POLICIES",
    "OVERRIDABLE_FIGURES",
    "REQUIRED_FIGURES",
    "AuthorityOverride",
    "Figure",
    "OverrideFigure",
    "RatesRegistry",
    "RatesTable",
    "RatesTableError",
    "default_rates_dir",
    "load_override",
    "load_rates_dir",
    "load_rates_table",
    "long_date",
]

FIGURE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "upper_capital_limit": "upper capital limit",
        "lower_capital_limit": "lower capital limit",
        "tariff_step": "tariff income step (each £250 or part)",
        "tariff_per_step": "tariff income for each step",
        "personal_expenses_allowance": "Personal Expenses Allowance",
        "mig_single_18_24": "Minimum Income Guarantee, single person aged 18 to 24",
        "mig_single_25_to_pension_age": (
            "Minimum Income Guarantee, single person aged 25 to Pension Credit age"
        ),
        "mig_single_pension_age": "Minimum Income Guarantee, single person at Pension Credit age",
        "mig_lone_parent": "Minimum Income Guarantee, lone parent",
        "mig_couple_18_plus": "Minimum Income Guarantee, member of a couple aged 18 or over",
        "mig_couple_pension_age": (
            "Minimum Income Guarantee, member of a couple at Pension Credit age"
        ),
        "mig_dependent_child": "Minimum Income Guarantee, each dependent child",
        "mig_disability_premium_single": "disability premium (single)",
        "mig_disability_premium_couple": "disability premium (member of a couple)",
        "mig_enhanced_disability_premium_single": "enhanced disability premium (single)",
        "mig_enhanced_disability_premium_couple": (
            "enhanced disability premium (member of a couple)"
        ),
        "mig_carer_premium": "carer premium",
        "savings_credit_disregard_single": "Savings Credit disregard (single)",
        "savings_credit_disregard_couple": "Savings Credit disregard (couple)",
        "war_widow_pension_disregard": "War Widow's pension disregard",
        "minor_adaptation_limit": "minor adaptation limit",
        "free_intermediate_care_weeks": "free intermediate care and reablement period",
        "property_disregard_weeks": "property disregard period",
        "standard_dre_allowance": "standard disability-related expenditure allowance",
    }
)
"""Every figure name, with the words shown to people (statements and warnings)."""

FIGURE_UNITS: Mapping[str, str] = MappingProxyType(
    {name: ("weeks" if name.endswith("_weeks") else "pence") for name in FIGURE_LABELS}
)
"""The unit each figure must be given in: ``pence`` (a week, or a limit) or ``weeks``."""

REQUIRED_FIGURES: frozenset[str] = frozenset(FIGURE_LABELS) - {"standard_dre_allowance"}
"""Figures every national table must give. ``standard_dre_allowance`` is override-only."""

OVERRIDABLE_FIGURES: frozenset[str] = frozenset(
    {name for name in FIGURE_LABELS if name.startswith("mig_")}
    | {
        "lower_capital_limit",
        "upper_capital_limit",
        "personal_expenses_allowance",
        "standard_dre_allowance",
    }
)
"""Figures an authority override may set: each only upwards (more generous) when signed; a
later, higher national figure then applies instead of the local one."""

HOME_ONLY_OVERRIDES: frozenset[str] = frozenset({"lower_capital_limit", "upper_capital_limit"})
"""Overridden figures applied to care at home only; care homes keep the national limits."""

IMPLEMENTED_POLICIES: frozenset[str] = frozenset()
"""Policies this engine implements, and so a table may switch on. None yet: the lifetime cap
on care costs was not taken forward (29 July 2024)."""

UNITS = frozenset({"pence", "weeks", "days"})
_STATUSES = {"confirmed": True, "unconfirmed": False}
_ID_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")
_TABLE_KEYS = frozenset(
    {"id", "version", "effective_from", "effective_to", "title", "notes", "policies", "figures"}
)
_FIGURE_KEYS = frozenset({"value", "unit", "source", "status"})
_OVERRIDE_KEYS = frozenset(
    {"authority", "signed_off_by", "signed_off_on", "applies_from", "notes", "figures"}
)
_FIX = (
    "Put back the rates files that came with the app, or ask your finance team for corrected "
    "ones. No charge can be worked out until then."
)


class RatesTableError(ValidationError):
    """A rates table or authority override is missing, malformed or not allowed.

    Attributes:
        problems: Every problem found, each as ``<file>: <key>: <what is wrong>``.
    """

    def __init__(self, problems: Sequence[str], next_step: str = _FIX) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = (
            "There is a problem with the charging rates: "
            if count == 1
            else f"There are {count} problems with the charging rates: "
        )
        super().__init__(head + "; ".join(self.problems) + ".", next_step)


def long_date(day: dt.date) -> str:
    """A date as people write it, e.g. ``3 March 2019``."""
    return f"{day.day} {day:%B %Y}"


def default_rates_dir() -> Path:
    """The ``resources/rates`` folder shipped with the app."""
    return resources_dir() / "rates"


@dataclass(frozen=True)
class Figure:
    """One national figure and how well it is sourced."""

    value: int
    """Whole pence (a week, or a limit), or a number of weeks or days, per `unit`."""

    unit: str
    """``pence``, ``weeks`` or ``days``."""

    source: str
    """Where the figure came from, with a web address, as written in the table."""

    confirmed: bool
    """True when checked against a source the table names; False means a warning is shown."""


@dataclass(frozen=True)
class RatesTable:
    """One version of one financial year's national figures."""

    id: str
    """E.g. ``england-2025-26``; each version of a year shares it."""

    version: int
    """1 for the first issue; a correction is a new file with a higher version."""

    effective_from: dt.date
    """First day the figures apply."""

    effective_to: dt.date
    """Last day the figures apply (inclusive)."""

    figures: Mapping[str, Figure]
    """Every figure in `REQUIRED_FIGURES`, by name."""

    policies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Policy switches, e.g. ``cap_on_care_costs: {enabled: false, note: ...}``."""

    title: str = ""
    """A heading for people, e.g. "Adult social care charging, England, 2025-26"."""

    notes: str = ""
    """Free text about the table's sources."""

    source_path: Path | None = None
    """The file the table was read from."""

    sha256: str = ""
    """SHA-256 of the file's bytes, recorded with every charge worked out from it."""

    def covers(self, day: dt.date) -> bool:
        """Whether `day` falls inside the table's period."""
        return self.effective_from <= day <= self.effective_to

    def describe(self) -> str:
        """The table as named in statements: ``england-2025-26 (version 1)``."""
        return f"{self.id} (version {self.version})"


@dataclass(frozen=True)
class OverrideFigure:
    """One figure an authority has set more generously than the national one."""

    value: int
    """Whole pence a week (or a limit)."""

    reason: str
    """Why the authority chose it, as recorded in the signed-off file."""


@dataclass(frozen=True)
class AuthorityOverride:
    """An authority's signed-off, more generous figures, from one date on."""

    authority: str
    """The council, e.g. "Exampleshire County Council"."""

    signed_off_by: str
    """Who signed the figures off (name and role)."""

    signed_off_on: dt.date
    """When they were signed off."""

    applies_from: dt.date
    """First day the figures apply; they apply until a later override replaces them."""

    figures: Mapping[str, OverrideFigure]
    """The overridden figures, by name; each in `OVERRIDABLE_FIGURES`."""

    notes: str = ""
    """Free text from the file."""

    source_path: Path | None = None
    """The file the override was read from."""

    sha256: str = ""
    """SHA-256 of the file's bytes."""

    def problems_against(self, table: RatesTable) -> list[str]:
        """Ways this override is less generous than `table`, each as a sentence."""
        label = self.source_path.name if self.source_path else self.authority
        found: list[str] = []
        for name, figure in sorted(self.figures.items()):
            national = table.figures.get(name)
            if national is not None and figure.value < national.value:
                found.append(
                    f"{label}: figures.{name}: {_pounds(figure.value)} is less than the national "
                    f"{_pounds(national.value)} in rates table {table.describe()}; an authority "
                    "may only set this figure higher"
                )
        lower = self.figures.get("lower_capital_limit")
        upper = self.figures.get("upper_capital_limit")
        upper_value = upper.value if upper else table.figures["upper_capital_limit"].value
        if lower is not None and lower.value >= upper_value:
            found.append(
                f"{label}: figures.lower_capital_limit: {_pounds(lower.value)} must be below the "
                f"upper capital limit ({_pounds(upper_value)})"
            )
        return found


class RatesRegistry:
    """Every loaded rates table and authority override, found by date or by id and version."""

    def __init__(
        self,
        tables: Iterable[RatesTable],
        overrides: Iterable[AuthorityOverride] = (),
        *,
        folder: Path | None = None,
    ) -> None:
        """Hold already-validated tables and overrides (use `load_rates_dir` to read files)."""
        self._tables = tuple(sorted(tables, key=lambda t: (t.effective_from, t.id, t.version)))
        self._overrides = tuple(sorted(overrides, key=lambda o: o.applies_from))
        self._folder = folder

    @property
    def tables(self) -> tuple[RatesTable, ...]:
        """Every table, oldest period first."""
        return self._tables

    @property
    def overrides(self) -> tuple[AuthorityOverride, ...]:
        """Every authority override, earliest first."""
        return self._overrides

    def for_date(self, day: dt.date) -> RatesTable:
        """The latest version of the table whose period covers `day`.

        Raises:
            NotFoundError: No table covers `day`.
        """
        covering = [t for t in self._tables if t.covers(day)]
        if not covering:
            where = f" in {self._folder}" if self._folder else ""
            raise NotFoundError(
                f"No charging rates table covers {long_date(day)}.",
                f"Install the rates table for that financial year{where} (an app update "
                "brings it), or check the date the charge starts.",
            )
        return max(covering, key=lambda t: t.version)

    def get(self, table_id: str, version: int) -> RatesTable:
        """Exactly the table `table_id` at `version`, for reproducing an earlier charge.

        Raises:
            NotFoundError: That table and version are not installed.
        """
        for table in self._tables:
            if table.id == table_id and table.version == version:
                return table
        raise NotFoundError(
            f"The charging rates table {table_id} (version {version}) is not installed.",
            "It is needed to reproduce a charge worked out with it: install the app version "
            "that shipped it, or ask your finance team for the file.",
        )

    def override_for(self, day: dt.date) -> AuthorityOverride | None:
        """The authority override in force on `day` (the latest one started by then), if any."""
        started = [o for o in self._overrides if o.applies_from <= day]
        return started[-1] if started else None


# --- Reading files ---------------------------------------------------------------------------


def _pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pounds, pennies = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _read_yaml(path: Path, problems: list[str]) -> tuple[Any, str] | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(f"{path.name}: the file cannot be read ({exc.strerror or exc})")
        return None
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" near line {where.line + 1}" if where is not None else ""
        problems.append(f"{path.name}: the file is not valid YAML{line}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.name}: the file must be a mapping of keys to values")
        return None
    return data, hashlib.sha256(raw).hexdigest()


def _unknown_keys(
    label: str, where: str, data: Mapping[Any, Any], allowed: Iterable[str]
) -> list[str]:
    allowed_set = set(allowed)
    prefix = f"{label}: {where}" if where else label
    return [f"{prefix}: unknown key '{key}'" for key in data if key not in allowed_set]


def _read_figure(label: str, name: str, raw: Any, problems: list[str]) -> Figure | None:
    where = f"{label}: figures.{name}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping with value, unit, source and status")
        return None
    before = len(problems)
    problems.extend(_unknown_keys(label, f"figures.{name}", raw, _FIGURE_KEYS))
    value: Any = raw.get("value")
    if not _is_int(value):
        problems.append(f"{where}.value: must be a whole number (pence or weeks), not {value!r}")
    elif value < 0:
        problems.append(f"{where}.value: must not be negative")
    unit: Any = raw.get("unit")
    if unit not in UNITS:
        problems.append(f"{where}.unit: must be one of pence, weeks or days, not {unit!r}")
    elif name in FIGURE_UNITS and unit != FIGURE_UNITS[name]:
        problems.append(f"{where}.unit: must be {FIGURE_UNITS[name]}, not {unit}")
    source: Any = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{where}.source: say where the figure came from")
    status: Any = raw.get("status")
    if status not in _STATUSES:
        problems.append(f"{where}.status: must be confirmed or unconfirmed, not {status!r}")
    if len(problems) > before:
        return None
    return Figure(value=value, unit=unit, source=source.strip(), confirmed=_STATUSES[status])


def _read_policies(label: str, raw: Any, problems: list[str]) -> dict[str, Mapping[str, Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{label}: policies: must be a mapping of policy names")
        return {}
    policies: dict[str, Mapping[str, Any]] = {}
    for name, body in raw.items():
        where = f"{label}: policies.{name}"
        if not isinstance(body, dict) or not isinstance(body.get("enabled"), bool):
            problems.append(f"{where}: must say enabled: true or enabled: false")
            continue
        if body["enabled"] and name not in IMPLEMENTED_POLICIES:
            problems.append(
                f"{where}: switches on a policy this version of the app does not implement, so "
                "no charge can be worked out from this table"
            )
            continue
        policies[str(name)] = MappingProxyType(dict(body))
    return policies


def load_rates_table(path: Path) -> RatesTable:
    """Read and check one rates table file.

    Raises:
        RatesTableError: With every problem in the file.
    """
    problems: list[str] = []
    table = _read_table(Path(path), problems)
    if problems or table is None:
        raise RatesTableError(problems or [f"{Path(path).name}: the table could not be read"])
    return table


def _read_table(path: Path, problems: list[str]) -> RatesTable | None:
    label = path.name
    read = _read_yaml(path, problems)
    if read is None:
        return None
    data, digest = read
    before = len(problems)
    problems.extend(_unknown_keys(label, "", data, _TABLE_KEYS))
    table_id = data.get("id")
    if not isinstance(table_id, str) or not _ID_RE.match(table_id):
        problems.append(f"{label}: id: must be a name like england-2025-26, not {table_id!r}")
    version = data.get("version")
    if not _is_int(version) or version < 1:
        problems.append(f"{label}: version: must be a whole number from 1, not {version!r}")
    start = _as_date(data.get("effective_from"))
    end = _as_date(data.get("effective_to"))
    if start is None:
        problems.append(f"{label}: effective_from: must be a date like 2025-04-06")
    if end is None:
        problems.append(f"{label}: effective_to: must be a date like 2026-04-05")
    if start is not None and end is not None and end < start:
        problems.append(f"{label}: effective_to: {end} is before effective_from {start}")
    title = data.get("title", "")
    notes = data.get("notes", "")
    if not isinstance(title, str) or not isinstance(notes, str):
        problems.append(f"{label}: title and notes must be text")
    policies = _read_policies(label, data.get("policies"), problems)
    raw_figures = data.get("figures")
    figures: dict[str, Figure] = {}
    if not isinstance(raw_figures, dict):
        problems.append(f"{label}: figures: must be a mapping of figure names")
    else:
        for name in sorted(REQUIRED_FIGURES - set(raw_figures)):
            problems.append(f"{label}: figures.{name}: missing ({FIGURE_LABELS[name]})")
        for name, raw in raw_figures.items():
            if name not in REQUIRED_FIGURES:
                why = (
                    "only an authority override can add it"
                    if name in FIGURE_LABELS
                    else "not a figure the charging rules use (check the spelling)"
                )
                problems.append(f"{label}: figures.{name}: {why}")
                continue
            figure = _read_figure(label, name, raw, problems)
            if figure is not None:
                figures[name] = figure
        lower, upper = figures.get("lower_capital_limit"), figures.get("upper_capital_limit")
        if lower and upper and lower.value >= upper.value:
            problems.append(
                f"{label}: figures.lower_capital_limit: must be below the upper capital limit"
            )
        step = figures.get("tariff_step")
        if step is not None and step.value == 0:
            problems.append(f"{label}: figures.tariff_step: must be more than zero")
    if len(problems) > before:
        return None
    assert isinstance(table_id, str) and _is_int(version) and start and end  # checked above
    if path.stem != f"{table_id}-v{version}":
        # Reported, but the table is still read so duplicates and overlaps are found too.
        problems.append(
            f"{label}: the file name must be {table_id}-v{version}.yaml to match its id and version"
        )
    return RatesTable(
        id=table_id,
        version=version,
        effective_from=start,
        effective_to=end,
        figures=MappingProxyType(figures),
        policies=MappingProxyType(policies),
        title=title,
        notes=notes,
        source_path=path,
        sha256=digest,
    )


def load_override(path: Path) -> AuthorityOverride:
    """Read and check one authority override file on its own (not against any table).

    Raises:
        RatesTableError: With every problem in the file.
    """
    problems: list[str] = []
    override = _read_override(Path(path), problems)
    if problems or override is None:
        raise RatesTableError(
            problems or [f"{Path(path).name}: the override could not be read"],
            _OVERRIDE_FIX,
        )
    return override


_OVERRIDE_FIX = (
    "Ask your finance team for a corrected, signed-off override file, or remove it to use the "
    "national figures. No charge can be worked out until then."
)


def _read_override(path: Path, problems: list[str]) -> AuthorityOverride | None:
    label = path.name
    read = _read_yaml(path, problems)
    if read is None:
        return None
    data, digest = read
    before = len(problems)
    problems.extend(_unknown_keys(label, "", data, _OVERRIDE_KEYS))
    texts: dict[str, str] = {}
    for key, what in (
        ("authority", "the council's name"),
        ("signed_off_by", "who signed the figures off; an unsigned override is not used"),
    ):
        text = data.get(key)
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{label}: {key}: missing: give {what}")
        else:
            texts[key] = text.strip()
    signed_on = _as_date(data.get("signed_off_on"))
    if signed_on is None:
        problems.append(
            f"{label}: signed_off_on: missing or not a date: an override is used only once it "
            "has been signed off"
        )
    applies_from = _as_date(data.get("applies_from"))
    if applies_from is None:
        problems.append(f"{label}: applies_from: must be a date like 2025-04-06")
    notes = data.get("notes", "")
    if not isinstance(notes, str):
        problems.append(f"{label}: notes: must be text")
    raw_figures = data.get("figures")
    figures: dict[str, OverrideFigure] = {}
    if not isinstance(raw_figures, dict) or not raw_figures:
        problems.append(f"{label}: figures: must list at least one figure")
    else:
        for name, raw in raw_figures.items():
            where = f"{label}: figures.{name}"
            if name not in OVERRIDABLE_FIGURES:
                why = (
                    "an authority override cannot change this figure"
                    if name in FIGURE_LABELS
                    else "not a figure the charging rules use (check the spelling)"
                )
                problems.append(f"{where}: {why}")
                continue
            if not isinstance(raw, dict):
                problems.append(f"{where}: must be a mapping with value and reason")
                continue
            problems.extend(_unknown_keys(label, f"figures.{name}", raw, ("value", "reason")))
            value: Any = raw.get("value")
            reason: Any = raw.get("reason")
            ok = True
            if not _is_int(value) or value < 0:
                problems.append(f"{where}.value: must be a whole number of pence, not {value!r}")
                ok = False
            if not isinstance(reason, str) or not reason.strip():
                problems.append(f"{where}.reason: say why the authority chose this figure")
                ok = False
            if ok:
                figures[name] = OverrideFigure(value=value, reason=reason.strip())
    if len(problems) > before:
        return None
    assert signed_on is not None and applies_from is not None  # checked above
    return AuthorityOverride(
        authority=texts["authority"],
        signed_off_by=texts["signed_off_by"],
        signed_off_on=signed_on,
        applies_from=applies_from,
        figures=MappingProxyType(figures),
        notes=notes,
        source_path=path,
        sha256=digest,
    )


def _check_periods(tables: Sequence[RatesTable], problems: list[str]) -> None:
    seen: dict[tuple[str, int], RatesTable] = {}
    for table in tables:
        key = (table.id, table.version)
        name = table.source_path.name if table.source_path else table.id
        if key in seen:
            first = seen[key]
            other = first.source_path.name if first.source_path else first.id
            problems.append(
                f"{name}: version: {table.id} version {table.version} is also in {other}; "
                "give the newer file a higher version"
            )
        else:
            seen[key] = table
    by_id: dict[str, RatesTable] = {}
    for table in tables:
        first = by_id.setdefault(table.id, table)
        if (first.effective_from, first.effective_to) != (table.effective_from, table.effective_to):
            problems.append(
                f"{table.source_path.name if table.source_path else table.id}: effective_from/"
                f"effective_to: every version of {table.id} must cover the same dates"
            )
    ordered = sorted(by_id.values(), key=lambda t: t.effective_from)
    for i, earlier in enumerate(ordered):
        for later in ordered[i + 1 :]:
            if later.effective_from <= earlier.effective_to:
                problems.append(
                    f"{later.source_path.name if later.source_path else later.id}: "
                    f"effective_from: {later.id} ({long_date(later.effective_from)} to "
                    f"{long_date(later.effective_to)}) overlaps {earlier.id} "
                    f"({long_date(earlier.effective_from)} to "
                    f"{long_date(earlier.effective_to)}); one date can have only one table"
                )


def _check_overrides(
    overrides: Sequence[AuthorityOverride], tables: Sequence[RatesTable], problems: list[str]
) -> None:
    authorities = sorted({o.authority for o in overrides})
    if len(authorities) > 1:
        problems.append(
            "overrides: the override files name more than one authority "
            f"({', '.join(authorities)}); keep only your own council's"
        )
    starts: dict[dt.date, AuthorityOverride] = {}
    ordered = sorted(overrides, key=lambda o: o.applies_from)
    for override in ordered:
        name = override.source_path.name if override.source_path else override.authority
        if override.applies_from in starts:
            problems.append(
                f"{name}: applies_from: another override also starts on "
                f"{long_date(override.applies_from)}; only one can apply"
            )
        starts[override.applies_from] = override
    for i, override in enumerate(ordered):
        table = _table_at_start(override, tables, ordered[i + 1 : i + 2])
        if table is not None:
            problems.extend(override.problems_against(table))


def _table_at_start(
    override: AuthorityOverride,
    tables: Sequence[RatesTable],
    following: Sequence[AuthorityOverride],
) -> RatesTable | None:
    """The national table an override is checked against.

    The one in force on its ``applies_from`` date (latest version), else the first one in
    force while it applies.

    A later national table may rise above an override's figure; the charge then uses the
    national figure, so the override is not refused for it.
    """
    start = override.applies_from
    covering = [t for t in tables if t.covers(start)]
    if covering:
        return max(covering, key=lambda t: t.version)
    until = following[0].applies_from if following else dt.date.max
    later = [t for t in tables if start < t.effective_from < until]
    if not later:
        return None
    first = min(t.effective_from for t in later)
    return max((t for t in later if t.effective_from == first), key=lambda t: t.version)


def load_rates_dir(
    path: Path | None = None,
    *,
    overrides: Path | Sequence[Path] | None = None,
) -> RatesRegistry:
    """Read and check every rates table in a folder, and any authority overrides.

    Tables are the folder's ``*.yaml`` files. Overrides are ``<folder>/overrides/*.yaml`` unless
    `overrides` names a folder or files instead. Every file is checked: required figures
    present, whole numbers, dates, no two tables covering one date, versions unique, policies
    implemented, overrides signed off and no less generous than the national table in force on
    the date they apply from.

    Args:
        path: The folder; `default_rates_dir()` when None.
        overrides: An override folder, or a list of override files.

    Raises:
        RatesTableError: With every problem found, each naming the file and key.
    """
    folder = Path(path) if path is not None else default_rates_dir()
    problems: list[str] = []
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        raise RatesTableError(
            [f"{folder}: no rates tables (*.yaml) found"],
            "Reinstall the app, or point it at the folder holding the rates tables.",
        )
    tables = [t for t in (_read_table(f, problems) for f in files) if t is not None]
    _check_periods(tables, problems)
    if overrides is None:
        override_files = sorted((folder / "overrides").glob("*.yaml"))
    elif isinstance(overrides, Path):
        override_files = sorted(Path(overrides).glob("*.yaml"))
    else:
        override_files = [Path(p) for p in overrides]
    loaded = [o for o in (_read_override(f, problems) for f in override_files) if o is not None]
    _check_overrides(loaded, tables, problems)
    if problems:
        raise RatesTableError(problems)
    return RatesRegistry(tables, loaded, folder=folder)
