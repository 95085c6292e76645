"""Parameters as data: the table in ``data/parameters.csv`` (no SymPy, no numerics).

Each parameter has a value, unit, bounds, one-line meaning and source. Four kinds:

* ``constant``: unit conversions and stoichiometry; never set by users.
* ``reference``: the healthy calibration state (the daily budget of baseline-budget.md).
* ``physiology``: inputs and the shapes of regulatory responses.
* ``derived``: rate constants computed from the others so that the healthy reference state
  is an exact steady state (see :mod:`homeostasis.model.calibration`). Setting a reference
  value re-derives them; setting a derived value directly overrides the derivation.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..errors import ParameterValueError, UnknownNameError, check_in_bounds

KINDS = ("constant", "reference", "physiology", "derived")


@dataclass(frozen=True)
class ParameterInfo:
    """Metadata of one parameter (one row of the table)."""

    name: str
    kind: str
    default: float | None
    unit: str
    lower: float
    upper: float
    meaning: str
    source: str


@lru_cache(maxsize=1)
def parameter_table() -> dict[str, ParameterInfo]:
    """Read the packaged parameter table, in file order."""
    text = resources.files("homeostasis.data").joinpath("parameters.csv").read_text(encoding="utf-8")
    table = {}
    for row in csv.DictReader(text.splitlines()):
        default = float(row["value"]) if row["value"] else None
        info = ParameterInfo(row["name"], row["kind"], default, row["unit"],
                             float(row["lower"]), float(row["upper"]),
                             row["meaning"], row["source"])
        if info.kind not in KINDS:
            raise ValueError(f"parameter {info.name}: expected kind in {KINDS}, got {info.kind!r}")
        table[info.name] = info
    return table


def parameter_names() -> tuple[str, ...]:
    """All parameter names in the fixed order of the compiled parameter vector."""
    return tuple(parameter_table())


def validate_value(name: str, value) -> ParameterInfo:
    """Check that ``name`` exists, may be set, and that ``value`` lies within its bounds."""
    info = settable(name)
    check_in_bounds(name, value, info.lower, info.upper, info.unit)
    return info


def settable(name: str) -> ParameterInfo:
    """The row of ``name``, if it exists and is not a constant (values are not checked)."""
    table = parameter_table()
    if name not in table:
        raise UnknownNameError("parameter", name, table)
    info = table[name]
    if info.kind == "constant":
        raise ParameterValueError(f"{name} is a constant ({info.meaning}) and cannot be set")
    return info
