"""Healthy adult reference ranges of the observables, and flags for values outside them.

The ranges live in ``data/reference_ranges.csv``, copied with their sources from the
project's clinical-targets notes (Table A and the validation checks), so the package never
reads anything outside itself at run time. Observables without a clinical range (net bone
balance, relative parathyroid mass) have no row. PTH, calcitriol and FGF23 limits depend on
the assay; the model is calibrated to the middle of these ranges.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

from .saturation import calcification_flag

COMPARISON_COLUMNS = ("scenario", "variable", "value", "unit", "low", "high", "flag")

# The healthy state sits exactly on some limits (bone turnover 12.5 mmol/day); a value within
# this relative distance of a limit counts as inside, so round-off never raises a flag.
LIMIT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ReferenceRange:
    """Healthy adult range ``[low, high]`` of one observable, in the observable's unit."""

    variable: str
    low: float
    high: float
    unit: str
    source: str

    def flag(self, value: float) -> str:
        """``"low"``, ``"high"``, or ``""`` when the value is inside the range (or not a number)."""
        if value < self.low and not _at_limit(value, self.low):
            return "low"
        if value > self.high and not _at_limit(value, self.high):
            return "high"
        return ""


def _at_limit(value: float, limit: float) -> bool:
    return math.isclose(value, limit, rel_tol=LIMIT_TOLERANCE, abs_tol=LIMIT_TOLERANCE)


@lru_cache(maxsize=1)
def reference_ranges() -> dict[str, ReferenceRange]:
    """Every packaged reference range, keyed by observable name, in file order."""
    text = resources.files("homeostasis.data").joinpath("reference_ranges.csv").read_text(encoding="utf-8")
    ranges = {}
    for row in csv.DictReader(text.splitlines()):
        entry = ReferenceRange(row["variable"], float(row["low"]), float(row["high"]),
                               row["unit"], row["source"])
        # a broken row is a packaging bug, so fail loudly rather than flag nonsense
        if not (math.isfinite(entry.low) and math.isfinite(entry.high) and entry.low < entry.high):
            raise ValueError(f"reference range of {entry.variable}: expected finite low < high, "
                             f"got {entry.low} and {entry.high}")
        ranges[entry.variable] = entry
    return ranges


def reference_range(variable: str) -> ReferenceRange | None:
    """The range of ``variable``, or None when the observable has no clinical range."""
    return reference_ranges().get(variable)


def flag(variable: str, value: float) -> str:
    """``"low"``, ``"high"`` or ``""`` (inside the range, or no range for this variable)."""
    entry = reference_range(variable)
    return entry.flag(value) if entry is not None else ""


def reference_frame() -> pd.DataFrame:
    """The reference ranges as a table with columns ``variable, low, high, unit, source``."""
    return pd.DataFrame([vars(entry) for entry in reference_ranges().values()])


def compare_with_reference(values: dict, units: dict, scenario: str = "") -> pd.DataFrame:
    """Observable values beside their healthy ranges.

    ``values`` maps observable names to numbers (``steady_state()`` or ``Result.final()``)
    and ``units`` maps the same names to units. Returns one row per value with the columns
    ``scenario, variable, value, unit, low, high, flag``; ``low``/``high`` are NaN and
    ``flag`` is empty where no range exists.
    """
    rows = []
    for variable, value in values.items():
        entry = reference_range(variable)
        unit = units[variable]
        # a range in another unit would compare unlike quantities, so it is not used
        usable = entry is not None and entry.unit == unit
        flag = entry.flag(value) if usable else ""
        if variable == "ca_x_p":  # KDOQI calcification flags take precedence over "high"
            flag = calcification_flag(float(value)) or flag
        rows.append({"scenario": scenario, "variable": variable, "value": float(value), "unit": unit,
                     "low": entry.low if usable else math.nan,
                     "high": entry.high if usable else math.nan, "flag": flag})
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
