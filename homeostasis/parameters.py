"""Parameters as data: the table in ``data/parameters.csv`` and validated value sets.

Each parameter has a value, unit, bounds, one-line meaning and source. Four kinds:

* ``constant``: unit conversions and stoichiometry; never set by users.
* ``reference``: the healthy calibration state (the daily budget of baseline-budget.md).
* ``physiology``: inputs and the shapes of regulatory responses.
* ``derived``: rate constants computed from the others so that the healthy reference state
  is an exact steady state (see :mod:`homeostasis.calibration`). Setting a reference value
  re-derives them; setting a derived value directly overrides the derivation.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from .errors import ParameterValueError, UnknownNameError, check_finite_number

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
    text = resources.files("homeostasis.data").joinpath("parameters.csv").read_text()
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


class ParameterSet:
    """An immutable, validated, picklable set of parameter values.

    Create one with :meth:`default` and change values with :meth:`with_values`; the
    compiled model takes :attr:`vector`.
    """

    def __init__(self, primary: dict[str, float], overridden_derived: dict[str, float] | None = None):
        self._primary = dict(primary)
        self._overridden = dict(overridden_derived or {})
        self._values = _complete(self._primary, self._overridden)
        self._vector = np.array(list(self._values.values()), dtype=float)  # table order

    @classmethod
    def default(cls) -> "ParameterSet":
        """The packaged healthy-adult parameter set (built once; sets are immutable)."""
        return _default_set()

    def with_values(self, values: dict | None = None, **more) -> "ParameterSet":
        """Return a copy with some values changed; names and ranges are validated."""
        changes = {**(values or {}), **more}
        primary, overridden = dict(self._primary), dict(self._overridden)
        table = parameter_table()
        for name, value in changes.items():
            info = validate_value(name, value)
            target = overridden if info.kind == "derived" else primary
            target[name] = float(value)
        if not changes:
            return self
        new = ParameterSet(primary, overridden)
        for name in table:
            if table[name].kind == "derived" and name not in overridden:
                _check_derived(name, new[name])
        return new

    def __getitem__(self, name: str) -> float:
        if name not in self._values:
            raise UnknownNameError("parameter", name, self._values)
        return self._values[name]

    def __contains__(self, name) -> bool:
        return name in self._values

    def __eq__(self, other) -> bool:
        return isinstance(other, ParameterSet) and self._values == other._values

    def __hash__(self):
        return hash(tuple(self._values.items()))

    def as_dict(self) -> dict[str, float]:
        """All values (including derived ones) keyed by name, in table order."""
        return dict(self._values)

    def changed(self) -> dict[str, float]:
        """Values that differ from the packaged defaults."""
        values, base = self.vector, _default_set().vector
        differs = ~np.isclose(values, base, rtol=1e-12, atol=0)
        names = parameter_names()
        return {names[i]: float(values[i]) for i in np.flatnonzero(differs)}

    @property
    def vector(self) -> np.ndarray:
        """Values as one float vector in :func:`parameter_names` order."""
        return self._vector.copy()

    def to_frame(self) -> pd.DataFrame:
        """The parameter table with the values of this set."""
        rows = [{"name": n, "value": self._values[n], "unit": i.unit, "lower": i.lower,
                 "upper": i.upper, "kind": i.kind, "meaning": i.meaning, "source": i.source}
                for n, i in parameter_table().items()]
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        changed = self.changed()
        return f"ParameterSet({len(self._values)} values, changed={changed})"


@lru_cache(maxsize=1)
def _default_set() -> ParameterSet:
    table = parameter_table()
    return ParameterSet({n: i.default for n, i in table.items() if i.kind != "derived"})


def validate_value(name: str, value) -> ParameterInfo:
    """Check that ``name`` exists, may be set, and that ``value`` lies within its bounds."""
    table = parameter_table()
    if name not in table:
        raise UnknownNameError("parameter", name, table)
    info = table[name]
    if info.kind == "constant":
        raise ParameterValueError(f"{name} is a constant ({info.meaning}) and cannot be set")
    number = check_finite_number(name, value)
    if not info.lower <= number <= info.upper:
        raise ParameterValueError(
            f"{name}: expected a value in [{info.lower:g}, {info.upper:g}] {info.unit}, got {number:g}")
    return info


def _check_derived(name: str, value: float) -> None:
    info = parameter_table()[name]
    if not (np.isfinite(value) and info.lower <= value <= info.upper):
        raise ParameterValueError(
            f"{name} (derived from the reference values) came out as {value:g}, outside its valid "
            f"range [{info.lower:g}, {info.upper:g}] {info.unit}; check the reference values")


def _complete(primary: dict[str, float], overridden: dict[str, float]) -> dict[str, float]:
    from .calibration import derive  # late import: calibration needs the symbol table

    derived = derive(primary)
    derived.update(overridden)
    merged = {**primary, **derived}
    return {name: merged[name] for name in parameter_names()}
