"""The charging engine: what a person pays a week towards their care and support.

`rates` reads the dated national figures (``resources/rates/*.yaml``) and any signed-off
authority override; `calculation` works out the charge from frozen inputs and one table;
`from_answers` builds those inputs from a financial assessment form's answers. Money is
integer pence everywhere. Imports no Qt and no storage module.

Typical use::

    registry = load_rates_dir()
    table = registry.for_date(inputs.effective_date)
    result = calculate_charge(inputs, table, registry.override_for(inputs.effective_date))
"""

from __future__ import annotations

from assessor_app.core.charging.calculation import (
    Asset,
    ChargeOutcome,
    ChargeResult,
    ChargingInputs,
    Income,
    Line,
    PersonCircumstances,
    calculate_charge,
    format_pounds,
    tariff_income,
    weekly_amount,
)
from assessor_app.core.charging.rates import (
    AuthorityOverride,
    Figure,
    OverrideFigure,
    RatesRegistry,
    RatesTable,
    RatesTableError,
    default_rates_dir,
    load_override,
    load_rates_dir,
    load_rates_table,
)

__all__ = [
    "Asset",
    "AuthorityOverride",
    "ChargeOutcome",
    "ChargeResult",
    "ChargingInputs",
    "Figure",
    "Income",
    "Line",
    "OverrideFigure",
    "PersonCircumstances",
    "RatesRegistry",
    "RatesTable",
    "RatesTableError",
    "calculate_charge",
    "default_rates_dir",
    "format_pounds",
    "load_override",
    "load_rates_dir",
    "load_rates_table",
    "tariff_income",
    "weekly_amount",
]
