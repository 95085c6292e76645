"""Tidy measurement data for fitting: checked row by row, with errors naming the row or column.

Columns: ``time_days`` (or ``time`` with a ``time_unit`` column or option: days, hours,
minutes, any time unit pint knows), ``variable`` (an observable name, see the README),
``value`` and optionally ``sd`` (the measurement's standard deviation, same unit as the value),
``scenario`` (an experiment or subject label; rows with the same label were measured in one
run) and ``unit``. Values and sd are converted from ``unit`` to the observable's unit with pint
(:func:`homeostasis.clinical_units.factor`): clinical units such as mg/dL calcium, pg/mL PTH,
ng/mL 25(OH)D or ng/L, and spellings such as ``mg/dl`` or ``umol/l``, are accepted; a missing
unit means the observable's own unit. Rows are numbered from 1 as in a spreadsheet (row 1 is
the first data row, below the header).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, HomeostasisError, suggest

REQUIRED = ("time_days", "variable", "value")
OPTIONAL = ("sd", "scenario", "unit", "time_unit")
DEFAULT_LABEL = "data"


def read_data(source) -> pd.DataFrame:
    """A DataFrame from a DataFrame or a CSV path (not yet validated)."""
    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise DataError(f"data file {str(path)!r} does not exist")
        try:
            return pd.read_csv(path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            raise DataError(f"data file {str(path)!r} is not a readable CSV table: {error}") from None
    raise DataError(f"data: expected a pandas DataFrame or a CSV path, got {type(source).__name__}")


def validate_data(source, observable_units: dict | None = None, *, time_unit: str | None = None) -> pd.DataFrame:
    """Checked copy of the data with columns time_days, variable, value, sd, scenario, all in
    the model's units (days and each observable's unit).

    ``sd`` is NaN where not given (the whole column must then be absent: a partly missing
    sd is an error). ``observable_units`` maps valid variable names to units (default: the
    model's observables). ``time_unit`` is the unit of a ``time`` column when the data have
    no ``time_unit`` column (``time_days`` is always in days).
    """
    frame = _with_time_in_days(read_data(source), time_unit)
    if observable_units is None:
        from ..numerics.cache import compile_model

        compiled = compile_model()
        observable_units = dict(zip(compiled.observable_names, compiled.observable_units))
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DataError(f"data is missing column(s) {', '.join(missing)}; expected columns "
                        f"{', '.join(REQUIRED)} and optionally {', '.join(OPTIONAL)} "
                        f"(it has {', '.join(map(str, frame.columns)) or 'none'})")
    if frame.empty:
        raise DataError("data has no rows: nothing to fit")
    frame = frame.reset_index(drop=True)
    out = pd.DataFrame({
        "time_days": _numbers(frame, "time_days"),
        "variable": _variables(frame, observable_units),
        "value": _numbers(frame, "value"),
    })
    _check_rows(out, "time_days", lambda t: np.isfinite(t) & (t >= 0), "a finite time >= 0 days")
    _check_rows(out, "value", np.isfinite, "a finite value")
    if "sd" in frame.columns:
        out["sd"] = _numbers(frame, "sd")
        _check_rows(out, "sd", lambda s: np.isfinite(s) & (s > 0), "a positive, finite sd")
    else:
        out["sd"] = np.nan
    out["scenario"] = _labels(frame)
    if "unit" in frame.columns:
        _convert_units(frame, out, observable_units)
    return out


def _with_time_in_days(frame, time_unit):
    """``time`` (with a ``time_unit`` column or option) as ``time_days``."""
    if "time" not in frame.columns or "time_days" in frame.columns:
        if time_unit is not None and "time_days" in frame.columns:
            raise DataError("time_unit: the data's time_days column is in days; name the column 'time' "
                            "to give times in another unit")
        return frame
    units = frame["time_unit"] if "time_unit" in frame.columns else pd.Series([time_unit] * len(frame))
    if time_unit is not None and "time_unit" in frame.columns:
        raise DataError("time_unit: given both as an option and as a column; keep one")
    if units.isna().any() or (units.astype(str).str.strip() == "").any() or (units.astype(str) == "None").any():
        bad = int(np.flatnonzero(units.isna().to_numpy() | units.astype(str).str.strip().isin(["", "None"]).to_numpy())[0])
        raise DataError(f"data {_row(bad)}: the 'time' column needs a time unit (a 'time_unit' column or the "
                        f"time_unit option: days, hours or minutes)")
    times = _numbers(frame, "time")
    factors = np.array([_day_factor(str(u).strip(), position) for position, u in enumerate(units)])
    out = frame.drop(columns=["time"] + (["time_unit"] if "time_unit" in frame.columns else [])).copy()
    out["time_days"] = times * factors
    return out


def _day_factor(unit, position):
    from ..model.dimensions import registry

    aliases = {"d": "day", "days": "day", "h": "hour", "hr": "hour", "hrs": "hour", "hours": "hour",
               "min": "minute", "mins": "minute", "minutes": "minute", "s": "second", "sec": "second"}
    try:
        return float(registry().Quantity(1.0, aliases.get(unit.lower(), unit)).to("day").magnitude)
    except Exception:  # pint raises several kinds (undefined unit, dimensionality)
        raise DataError(f"data {_row(position)}, column 'time_unit': expected a time unit "
                        f"(days, hours, minutes), got {unit!r}") from None


def _row(position: int) -> str:
    return f"row {position + 1}"


def _numbers(frame, column) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    suspect = np.flatnonzero(np.isnan(values) & frame[column].notna().to_numpy())
    if not suspect.size:  # every value a number: no text to read (the string check below costs ~10 ms)
        return values
    text = frame[column].iloc[suspect].astype(str).str.strip().str.lower()
    bad = suspect[~text.isin(["nan", "inf", "-inf"]).to_numpy()]
    if bad.size:
        raise DataError(f"data {_row(bad[0])}, column {column!r}: expected a number, got {frame[column].iloc[bad[0]]!r}")
    return values


def _check_rows(out, column, ok, expected):
    values = out[column].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(~ok(values))
    if bad.size:
        more = f" ({bad.size} rows)" if bad.size > 1 else ""
        raise DataError(f"data {_row(bad[0])}, column {column!r}: expected {expected}, "
                        f"got {values[bad[0]]!r}{more}")


def _variables(frame, observable_units) -> np.ndarray:
    from ..simulation.results import current_names

    names = frame["variable"].astype("string").str.strip()
    given = [name for name in pd.unique(names.dropna()) if name not in observable_units]
    renamed = {old: new for old, new in zip(given, current_names(given)) if new != old}  # former names
    names = names.replace(renamed) if renamed else names
    for position, name in enumerate(names):
        if pd.isna(name) or name not in observable_units:
            hints = suggest(name, observable_units)
            hint = f"; did you mean {', '.join(repr(h) for h in hints)}?" if hints else \
                f"; expected one of {', '.join(observable_units)}"
            raise DataError(f"data {_row(position)}, column 'variable': unknown variable "
                            f"{None if pd.isna(name) else str(name)!r}{hint}")
    return names.to_numpy(dtype=object)


def _labels(frame) -> np.ndarray:
    if "scenario" not in frame.columns:
        return np.full(len(frame), DEFAULT_LABEL, dtype=object)
    labels = frame["scenario"]
    empty = np.flatnonzero(labels.isna().to_numpy() | (labels.astype(str).str.strip() == "").to_numpy())
    if empty.size:
        raise DataError(f"data {_row(empty[0])}, column 'scenario': expected a scenario or subject label, got none")
    return labels.astype(str).str.strip().to_numpy(dtype=object)


def _convert_units(frame, out, observable_units):
    """Values and sd converted in place from the ``unit`` column to each observable's unit."""
    from ..clinical_units import factor

    scale = np.ones(len(out))
    for position, (variable, unit) in enumerate(zip(out["variable"], frame["unit"])):
        if pd.isna(unit) or not str(unit).strip():
            continue
        try:
            scale[position] = factor(variable, str(unit).strip(), observable_units[variable], any_unit=True)
        except HomeostasisError:
            raise DataError(f"data {_row(position)}, column 'unit': {variable} is fitted in "
                            f"{observable_units[variable]}, got {str(unit).strip()!r}, which cannot be "
                            f"converted to it") from None
    out["value"] = out["value"].to_numpy(float) * scale
    out["sd"] = out["sd"].to_numpy(float) * scale
