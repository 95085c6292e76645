"""Validated, immutable sets of parameter values: :class:`ParameterSet`.

The derived rate constants are computed by the compiled model (generated from the SymPy
calibration, :mod:`homeostasis.model.calibration`), so building a set needs no SymPy.
Values are held as one vector in table order (a population builds one set per patient, twice:
filling ~300 values from a dict and checking ~30 derived ranges one by one in Python cost
0.15 ms per set; as numpy operations on the vector they cost a few microseconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from ..errors import ParameterValueError, UnknownNameError
from ..numerics.cache import compile_model
from .table import parameter_table, settable, validate_value

CHANGED_RTOL = 1e-12  # a value differs from its default beyond this relative difference


@dataclass(frozen=True)
class _Layout:
    """The parameter table as arrays in vector order (built once)."""

    names: tuple
    index: dict
    lower: np.ndarray
    upper: np.ndarray
    derived: np.ndarray   # bool: derived rate constants
    defaults: np.ndarray  # the table's values (nan where none, i.e. derived)


@lru_cache(maxsize=1)
def _layout() -> _Layout:
    table = parameter_table()
    names = tuple(table)
    infos = list(table.values())
    return _Layout(names, {name: i for i, name in enumerate(names)},
                   np.array([i.lower for i in infos], dtype=float), np.array([i.upper for i in infos], dtype=float),
                   np.array([i.kind == "derived" for i in infos]),
                   np.array([np.nan if i.default is None else i.default for i in infos], dtype=float))


class ParameterSet:
    """An immutable, validated, picklable set of parameter values.

    Create one with :meth:`default` and change values with :meth:`with_values`; the
    compiled model takes :attr:`vector`.
    """

    def __init__(self, primary: dict[str, float], overridden_derived: dict[str, float] | None = None):
        layout = _layout()
        given = np.full(len(layout.names), np.nan)
        for name, value in primary.items():
            if name in layout.index:
                given[layout.index[name]] = value
        self._build(given, dict(overridden_derived or {}))

    def _build(self, primary: np.ndarray, overridden: dict) -> None:
        """Derive the rate constants from ``primary`` (table order, nan where not given)."""
        self._primary_vector = primary
        self._overridden = overridden
        self._vector = _complete(primary, overridden)

    @classmethod
    def _from_vector(cls, primary: np.ndarray, overridden: dict) -> "ParameterSet":
        new = cls.__new__(cls)
        new._build(primary, overridden)
        return new

    @classmethod
    def default(cls) -> "ParameterSet":
        """The packaged healthy-adult parameter set (built once; sets are immutable)."""
        return _default_set()

    def with_values(self, values: dict | None = None, **more) -> "ParameterSet":
        """Return a copy with some values changed; names and ranges are validated."""
        changes = {**(values or {}), **more}
        if not changes:
            return self
        index = _layout().index
        primary, overridden = self._primary_vector.copy(), dict(self._overridden)
        for name, value in changes.items():
            info = validate_value(name, value)
            if info.kind == "derived":
                overridden[name] = float(value)
            else:
                primary[index[name]] = float(value)
        new = ParameterSet._from_vector(primary, overridden)
        new._check_derived_ranges()
        return new

    def refusals(self, names, rows) -> list:
        """For each row of ``rows`` (patients x ``names``): None if :meth:`with_values` accepts
        ``dict(zip(names, row))``, else the ParameterValueError it raises (same message).

        A drawn population is checked as one array: the names once, the bounds of every value
        and the ~30 derived ranges of every patient as numpy comparisons; only the derivation
        itself runs per patient. A row that fails is re-run through :meth:`with_values`, which
        raises the error naming the parameter and its valid range.
        """
        layout, rows = _layout(), np.asarray(rows, dtype=float).reshape(-1, len(names))
        infos = [settable(name) for name in names]
        if any(info.kind == "derived" for info in infos) or len(set(names)) != len(names):
            return [self._refusal(names, row) for row in rows]
        columns = [layout.index[name] for name in names]
        inside = np.all(np.isfinite(rows) & (rows >= layout.lower[columns]) & (rows <= layout.upper[columns]), axis=1)
        vectors = np.full((len(rows), len(layout.names)), np.nan)
        for i in np.flatnonzero(inside):
            primary = self._primary_vector.copy()
            primary[columns] = rows[i]
            try:
                vectors[i] = _complete(primary, self._overridden)
            except ParameterValueError:
                inside[i] = False
        accepted = inside & ~np.any(self._derived_outside(vectors), axis=1)
        return [None if accepted[i] else self._refusal(names, row) for i, row in enumerate(rows)]

    def _refusal(self, names, row):
        try:
            self.with_values(dict(zip(names, row.tolist())))
        except ParameterValueError as error:
            return error
        return None

    def _check_derived_ranges(self) -> None:
        """The first derived value (table order, not set directly) outside its range, as an error."""
        names = _layout().names
        for i in np.flatnonzero(self._derived_outside(self._vector)):
            _check_derived(names[i], float(self._vector[i]))

    def _derived_outside(self, values: np.ndarray) -> np.ndarray:
        """Flags (same shape as ``values``, one or more vectors) of derived values outside their
        ranges, except those set directly."""
        layout = _layout()
        inside = np.isfinite(values) & (values >= layout.lower) & (values <= layout.upper)
        checked = layout.derived.copy()
        checked[[layout.index[name] for name in self._overridden]] = False
        return checked & ~inside

    @cached_property
    def _list(self) -> list:
        return self._vector.tolist()

    def __getitem__(self, name: str) -> float:
        i = _layout().index.get(name)
        if i is None:
            raise UnknownNameError("parameter", name, self._values)
        return self._list[i]

    def __contains__(self, name) -> bool:
        return name in _layout().index

    @cached_property
    def _values(self) -> dict[str, float]:  # built once per set (the set never changes); never handed out
        return dict(zip(_layout().names, self._list))

    def __eq__(self, other) -> bool:
        return isinstance(other, ParameterSet) and self._values == other._values

    def __hash__(self):
        return self._hash

    @cached_property
    def _hash(self) -> int:
        return hash(tuple(self._values.items()))

    def as_dict(self) -> dict[str, float]:
        """All values (including derived ones) keyed by name, in table order (a new dict)."""
        return dict(self._values)

    def changed(self) -> dict[str, float]:
        """Values that differ from the packaged defaults (computed once per set)."""
        return dict(self._changed)

    @cached_property
    def _changed(self) -> dict[str, float]:
        values, base = self._vector, _default_set()._vector
        differs = _differs(values, base)
        names = _layout().names
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

        values = self._values
        rows = [{"name": n, "value": values[n], "unit": i.unit, "lower": i.lower,
                 "upper": i.upper, "kind": i.kind, "meaning": i.meaning, "source": i.source}
                for n, i in parameter_table().items()]
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        changed = self.changed()
        return f"ParameterSet({len(self._vector)} values, changed={changed})"

    def __getstate__(self):  # the cached views are rebuilt on use, not pickled
        return {"_primary_vector": self._primary_vector, "_overridden": self._overridden, "_vector": self._vector}


@lru_cache(maxsize=1)
def _default_set() -> ParameterSet:
    """The table's values; an edited table whose derived constants leave their ranges is refused
    here with the constant named (not left to give NaN rates in every simulation)."""
    table = parameter_table()
    defaults = ParameterSet({n: i.default for n, i in table.items() if i.kind != "derived"})
    defaults._check_derived_ranges()
    return defaults


def _differs(values: np.ndarray, base: np.ndarray) -> np.ndarray:
    """``~np.isclose(values, base, rtol=CHANGED_RTOL, atol=0)``, without its overhead
    (nan differs from everything; equal infinities do not differ)."""
    with np.errstate(invalid="ignore"):
        close = np.abs(values - base) <= CHANGED_RTOL * np.abs(base)
    return (values != base) & ~close


def _check_derived(name: str, value: float) -> None:
    info = parameter_table()[name]
    if not (np.isfinite(value) and info.lower <= value <= info.upper):
        depends = compile_model().derived_depends.get(name, ())
        sources = ", ".join(depends[:6]) + (f" and {len(depends) - 6} more" if len(depends) > 6 else "")
        raise ParameterValueError(
            f"{name} (derived from {sources}) came out as {value:g}, expected a value in "
            f"[{info.lower:g}, {info.upper:g}] {info.unit}; these values cannot occur together")


def _complete(primary: np.ndarray, overridden: dict[str, float]) -> np.ndarray:
    """The whole vector: the derived rate constants computed, then the overridden ones set."""
    layout = _layout()
    try:
        vector = compile_model().derive(primary)
    except (ArithmeticError, ValueError) as error:  # e.g. a fraction of exactly 1 in a denominator
        given = ~layout.derived & ~np.isnan(primary)
        changed = {layout.names[i]: float(primary[i])
                   for i in np.flatnonzero(given & _differs(primary, layout.defaults))}
        raise ParameterValueError(f"derived rate constants cannot be computed from these values ({error}); "
                                  f"changed: {changed or 'none'}") from None
    vector = np.asarray(vector, dtype=float)
    for name, value in overridden.items():
        vector[layout.index[name]] = value
    return vector
