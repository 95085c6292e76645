"""Validated, immutable sets of parameter values: :class:`ParameterSet`.

The derived rate constants are computed by the compiled model (generated from the SymPy
calibration, :mod:`homeostasis.model.calibration`), so building a set needs no SymPy.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..errors import ParameterValueError, UnknownNameError
from ..numerics.cache import compile_model
from .table import parameter_names, parameter_table, validate_value


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

    @property
    def overridden_derived(self) -> frozenset:
        """Names of derived values that were set directly (they do not follow the derivation)."""
        return frozenset(self._overridden)

    def to_frame(self):
        """The parameter table with the values of this set (a pandas DataFrame)."""
        import pandas as pd

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


def _check_derived(name: str, value: float) -> None:
    info = parameter_table()[name]
    if not (np.isfinite(value) and info.lower <= value <= info.upper):
        raise ParameterValueError(
            f"{name} (derived from the reference values) came out as {value:g}, outside its valid "
            f"range [{info.lower:g}, {info.upper:g}] {info.unit}; check the reference values")


def _complete(primary: dict[str, float], overridden: dict[str, float]) -> dict[str, float]:
    names = parameter_names()
    vector = np.array([primary.get(name, np.nan) for name in names], dtype=float)
    try:
        derived = compile_model().derive(vector)
    except (ArithmeticError, ValueError) as error:  # e.g. a fraction of exactly 1 in a denominator
        changed = {n: v for n, v in primary.items() if not np.isclose(v, _table_default(n), rtol=1e-12)}
        raise ParameterValueError(f"derived rate constants cannot be computed from these values ({error}); "
                                  f"changed: {changed or 'none'}") from None
    values = dict(zip(names, derived.tolist()))
    values.update(overridden)
    return values


def _table_default(name: str) -> float:
    default = parameter_table()[name].default
    return np.nan if default is None else default
