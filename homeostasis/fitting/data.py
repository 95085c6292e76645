"""Tidy measurement data for fitting: checked row by row, with errors naming the row or column.

Columns: ``time_days``, ``variable`` (an observable name, see the README), ``value`` (in the
observable's unit) and optionally ``sd`` (the measurement's standard deviation, same unit),
``scenario`` (an experiment or subject label; rows with the same label were measured in one
run) and ``unit`` (checked against the observable's unit if given). Rows are numbered from 1
as in a spreadsheet (row 1 is the first data row, below the header).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, HomeostasisError, suggest

REQUIRED = ("time_days", "variable", "value")
OPTIONAL = ("sd", "scenario", "unit")
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


def validate_data(source, observable_units: dict | None = None) -> pd.DataFrame:
    """Checked copy of the data with columns time_days, variable, value, sd, scenario.

    ``sd`` is NaN where not given (the whole column must then be absent: a partly missing
    sd is an error). ``observable_units`` maps valid variable names to units (default: the
    model's observables).
    """
    frame = read_data(source)
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
        _check_units(frame, out, observable_units)
    return out


def _row(position: int) -> str:
    return f"row {position + 1}"


def _numbers(frame, column) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(values) & frame[column].notna().to_numpy()
                         & ~frame[column].astype(str).str.strip().str.lower().isin(["nan", "inf", "-inf"]).to_numpy())
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
    names = frame["variable"].astype("string").str.strip()
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


def _check_units(frame, out, observable_units):
    for position, (variable, unit) in enumerate(zip(out["variable"], frame["unit"])):
        if pd.notna(unit) and str(unit).strip() and str(unit).strip() != observable_units[variable]:
            raise DataError(f"data {_row(position)}, column 'unit': {variable} is fitted in "
                            f"{observable_units[variable]}, got {str(unit).strip()!r}; convert the value and sd")
