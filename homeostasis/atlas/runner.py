"""Run atlas experiments through the public API and score them against the published numbers.

Everything is compared in the model's own (SI) units: the published values are converted once,
by :func:`unit_factor`, so the model output is never touched. Relative quantities (change,
percent change, ratio) are taken against the model's own value at the record's baseline day,
which makes assay-dependent absolute levels (PTH, calcitriol, FGF23) comparable.
"""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import HomeostasisError, ParameterValueError, UnknownNameError
# the one import of the clinical unit table
from ..clinical_units import TITLES as _TITLES, factor as _clinical_factor
from .conversions import _ALIASES, _CLINICAL_UNITS, _GENERIC, _MODEL_UNITS, known_units  # noqa: F401
from .records import (COSINOR_QUANTITIES, EXTREME_QUANTITIES, FIXED_UNITS, MECHANISMS, QUANTITIES, SPLITS,
                      Experiment, calibration_uses, extreme_kind, load_atlas, relative_form)

COLUMNS = ("id", "title", "source", "mechanism", "mechanisms", "split", "time_days", "variable", "quantity",
           "unit", "measured", "spread", "low", "high", "model", "passed", "status", "rule", "days", "note",
           "calibration_uses", "window_days")
DEFAULT_POINTS = 201
WINDOW_STEPS_PER_DAY = 144  # a timed collection is averaged over 10-minute samples (a 6-h pulse: 36)
MAX_WINDOW_POINTS = 4001

def unit_factor(variable: str, unit: str, model_unit: str) -> float:
    """Multiply a published value of ``variable`` in ``unit`` by this to get it in ``model_unit``.

    The single place where the atlas converts units: mg/dL calcium x 0.2495 -> mmol/L, phosphorus
    mg/dL x 0.3229, PTH pg/mL x 0.1061 -> pmol/L, calcitriol pg/mL x 2.400 -> pmol/L, 25(OH)D
    ng/mL x 2.496 -> nmol/L, mg/day / 40.08 (calcium) or / 30.97 (phosphorus) -> mmol/day.
    """
    unit = _ALIASES.get(unit, unit)
    if unit == model_unit:
        return 1.0
    if (unit, model_unit) in _GENERIC:
        return _GENERIC[(unit, model_unit)]
    try:
        return _clinical_factor(variable, unit, model_unit)
    except HomeostasisError:
        raise HomeostasisError(f"{variable}: expected a unit convertible to {model_unit}, got {unit!r}") from None


def variable_title(variable: str) -> str:
    """The variable in words, for axis labels ("Total calcium")."""
    return _TITLES.get(variable, variable.replace("_", " ").capitalize())


# ---------------------------------------------------------------- acceptance rules

def sem_of(spread: float, kind: str, n: float) -> float:
    """Standard error of the mean from a published spread (sd, sem, 95 % CI half-width or none)."""
    if kind == "none" or spread is None or math.isnan(spread):
        return 0.0
    if kind == "sd":
        return spread / math.sqrt(n)
    if kind == "sem":
        return spread
    if kind == "ci95":
        return spread / 1.96
    raise ParameterValueError(f"spread_kind: expected sd, sem, ci95 or none, got {kind!r}")


def accept(rule: str, model: float, *, measured=math.nan, sem=0.0, low=math.nan, high=math.nan,
           k=2.0, abs_tolerance=0.0, min_fraction=0.5, quantity="change") -> bool:
    """Whether one model value satisfies a record's acceptance rule (all numbers in one unit).

    ``direction`` asks for the published sign and at least ``min_fraction`` of the size; for a
    ratio the effect is its distance from 1.
    """
    if not np.isfinite(model):
        return False
    if rule == "within":
        return abs(model - measured) <= k * sem + abs_tolerance
    if rule == "band":
        return low <= model <= high
    if rule == "direction":
        offset = 1.0 if relative_form(quantity) == "ratio" else 0.0
        effect, published = model - offset, measured - offset
        return bool(np.sign(effect) == np.sign(published)) and abs(effect) >= min_fraction * abs(published)
    raise ParameterValueError(f"acceptance rule: expected within, band or direction, got {rule!r}")


def window_mean(times, values, start: float, end: float) -> float:
    """The mean of a sampled curve over [start, end] (its trapezoid integral divided by the length):
    what a timed urine collection measures. A window of zero length gives the value at ``end``."""
    times, values = np.asarray(times, dtype=float), np.asarray(values, dtype=float)
    if end - start <= 1e-12:
        return float(np.interp(end, times, values))
    inside = (times > start) & (times < end)
    grid = np.concatenate([[start], times[inside], [end]])
    curve = np.concatenate([[np.interp(start, times, values)], values[inside], [np.interp(end, times, values)]])
    return float(np.sum(0.5 * (curve[1:] + curve[:-1]) * np.diff(grid)) / (end - start))


def cosinor(times, values, start: float, end: float) -> tuple:
    """(mesor, amplitude, acrophase as a clock hour in [0, 24)) of the 24-h cosine fitted by least
    squares to a sampled curve over [start, end] (days; day boundaries are midnight), sampled like a
    timed collection: the single-component cosinor of Nelson et al. 1979 Chronobiologia 6:305,
    with which circadian studies report a rhythm's amplitude and acrophase."""
    grid = _window_grid(start, end)
    weight = np.sqrt(np.gradient(grid) * np.r_[0.5, np.ones(grid.size - 2), 0.5])  # trapezoid: each moment once
    angle = 2.0 * np.pi * grid
    design = np.column_stack([np.ones_like(grid), np.cos(angle), np.sin(angle)]) * weight[:, None]
    mesor, beta, gamma = np.linalg.lstsq(design, np.interp(grid, times, values) * weight, rcond=None)[0]
    return float(mesor), float(np.hypot(beta, gamma)), float(np.degrees(np.arctan2(gamma, beta)) / 15.0 % 24.0)


def window_extreme(times, values, start: float, end: float, *, lowest: bool = False) -> float:
    """The maximum (or, ``lowest``, the minimum) of a sampled curve over [start, end]: the model's
    Cmax or nadir over a sampling period. A paper's Cmax (nadir) is the mean of each subject's
    maximum (minimum); the extreme of one mean curve is less extreme than that (subjects peak at
    different times), so such a row compares the model with the data's more extreme side
    (docs/atlas-format.md)."""
    times, values = np.asarray(times, dtype=float), np.asarray(values, dtype=float)
    inside = values[(times >= start) & (times <= end)]
    pick = np.min if lowest else np.max
    return float(pick(np.concatenate([inside, np.interp(_window_grid(start, end), times, values)])))


def collection_and_baseline(end: float, length: float, baseline_day: float) -> tuple:
    """The (start, end) of a timed collection of ``length`` days ending at ``end`` and of its
    baseline collection of the same length ending at the baseline day (clipped at day 0, before
    which nothing is simulated)."""
    return (end - length, end), (max(0.0, baseline_day - length), baseline_day)


def collection_windows(experiment: Experiment) -> list:
    """(start, end) of every timed collection of the record: each row with ``window_days`` and its
    baseline collection (:func:`collection_and_baseline`)."""
    baseline_day, measurements = experiment.protocol.baseline_day, experiment.measurements
    if "window_days" not in measurements:  # a frame built by hand, without the optional column
        return []
    windows = []
    for end, length in measurements[["time_days", "window_days"]].itertuples(index=False):
        if np.isfinite(length):
            windows += collection_and_baseline(end, length, baseline_day)
    return list(dict.fromkeys(windows))


def _window_grid(start: float, end: float) -> np.ndarray:
    points = int(min(MAX_WINDOW_POINTS, max(3, math.ceil((end - start) * WINDOW_STEPS_PER_DAY) + 1)))
    return np.linspace(start, end, points)


def model_quantity(values, baseline: float, quantity: str):
    """The model value(s) as the record's quantity, relative to the model at the baseline day (a
    peak or nadir quantity as its relative form: ``nadir_change`` as ``change``)."""
    values, form = np.asarray(values, dtype=float), relative_form(quantity)
    if form == "absolute":
        return values
    if form == "change":
        return values - baseline
    with np.errstate(divide="ignore", invalid="ignore"):
        if form == "ratio":
            return values / baseline
        if form == "percent_change":
            return 100.0 * (values / baseline - 1.0)
    raise ParameterValueError(f"quantity: expected one of {', '.join(QUANTITIES)}, got {quantity!r}")


# ---------------------------------------------------------------- running

def output_times(experiment: Experiment, points=None) -> np.ndarray:
    """A grid for the figure plus every measured day and the baseline day, so those are exact, and
    fine samples over every timed collection (:func:`collection_windows`)."""
    protocol = experiment.protocol
    grid = np.linspace(0.0, protocol.days, int(points or DEFAULT_POINTS))
    windows = [_window_grid(start, end) for start, end in collection_windows(experiment)]
    wanted = np.concatenate([grid, experiment.measurements["time_days"].to_numpy(float), [protocol.baseline_day],
                             *windows])
    times = np.unique(wanted)
    keep = np.concatenate([[True], np.diff(times) > 1e-9 * max(protocol.days, 1.0)])
    return times[keep]


def run_experiment(experiment: Experiment, *, parameters=None, points=None) -> pd.DataFrame:
    """Score one experiment: one row per measurement (see :data:`COLUMNS`).

    ``parameters`` are applied over the record's settings (to score a candidate calibration).
    ``attrs["time_courses"]`` holds the model curves of the measured variables for the figures.
    An unknown intervention, knob, scenario or observable gives status ``missing: <names>``;
    a solver failure gives ``error: <message>``; neither stops an atlas run.
    """
    protocol = experiment.protocol
    if parameters is not None and not isinstance(parameters, dict):
        raise ParameterValueError(f"parameters: expected a {{name: value}} dict, got {type(parameters).__name__}")
    settings = {**protocol.settings, **(parameters or {})}
    times = output_times(experiment, points)
    course, status = None, None
    try:
        result = _simulate(protocol, times, settings)
    except UnknownNameError as error:
        status = "missing: " + ", ".join(dict.fromkeys([*protocol.requires, error.name]))
    except (HomeostasisError, ArithmeticError, ValueError) as error:
        status = "error: " + one_line(error)
    else:
        course = _time_course(experiment, result)
        status = _missing(experiment, result, course)
    try:
        frame = _score(experiment, course, status)
    except HomeostasisError as error:  # a unit that does not suit its variable
        course, frame = None, _score(experiment, None, "error: " + one_line(error))
    frame.attrs = {"homeostasis_version": __version__,
                   "time_courses": {experiment.id: course} if course else {}}
    return frame


def _simulate(protocol, times, settings):
    """``homeostasis.simulate`` for one protocol; solver warnings are kept only when the run succeeds
    (a failed run is reported by its status instead)."""
    import homeostasis

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = homeostasis.simulate(protocol.scenario, times=times, parameters=settings,
                                      interventions=list(protocol.interventions), start=protocol.start)
    for warning in caught:
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return result


def one_line(error, limit: int = 160) -> str:
    """An error message on one short line (a SolverError's state dump is dropped)."""
    text = " ".join(str(error).split()).split("; state:")[0]
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _time_course(experiment: Experiment, result) -> dict:
    """The model curves of the measured variables the package has, in SI units (plain lists)."""
    names = [v for v in dict.fromkeys(experiment.measurements["variable"]) if v in result.observable_names]
    return {"time_days": [float(t) for t in result.times], "baseline_day": experiment.protocol.baseline_day,
            "days": experiment.protocol.days,
            "values": {v: [float(x) for x in result[v]] for v in names},
            "units": {v: result.unit(v) for v in names}}


def _missing(experiment: Experiment, result, course) -> str | None:
    """``missing: ...`` for required mechanisms or measured variables the package lacks, else None."""
    lacking = [v for v in dict.fromkeys(experiment.measurements["variable"]) if v not in course["values"]]
    lacking += [name for name in experiment.protocol.requires if not _package_knows(name, experiment, result)]
    return "missing: " + ", ".join(dict.fromkeys(lacking)) if lacking else None


def _package_knows(name: str, experiment: Experiment, result) -> bool:
    """Whether ``name`` (from ``requires``) is an intervention, parameter, knob, scenario or observable."""
    from .. import available_scenarios, parameter_table
    from ..protocol.catalogue import CATALOGUE

    scenario = available_scenarios().get(experiment.protocol.scenario)
    knobs = scenario.knob_names() if scenario is not None else ()
    return (name in CATALOGUE or name in parameter_table() or name in knobs or name in available_scenarios()
            or name in result.observable_names)


def _score(experiment: Experiment, course, status) -> pd.DataFrame:
    """Rows of the tidy table; ``status`` is None when the experiment ran and has everything."""
    rows = []
    for measured in experiment.measurements.to_dict("records"):
        row = _compare(experiment, measured, course)
        rows.append(row)
    if status is None:
        status = "ok" if all(r["passed"] for r in rows) else "FAIL"
    uses = ",".join(calibration_uses(experiment))  # per experiment: a scan of every parameter source
    for row in rows:
        row["status"] = status
        row["calibration_uses"] = uses
        row["passed"] = bool(row["passed"]) and status in ("ok", "FAIL")  # row-level; never for missing/error
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _compare(experiment: Experiment, measured: dict, course) -> dict:
    """One measurement against the model, both in the model's unit for that quantity."""
    variable, quantity = measured["variable"], measured["quantity"]
    rule = experiment.acceptance
    row = {"id": experiment.id, "title": experiment.title, "source": experiment.citation,
           "mechanism": experiment.mechanism, "mechanisms": ",".join(experiment.mechanisms),
           "split": experiment.split, "time_days": measured["time_days"], "variable": variable,
           "quantity": quantity, "unit": measured["unit"], "measured": measured["value"],
           "spread": sem_of(measured["spread"], measured["spread_kind"], measured["n"]),
           "low": measured["low"], "high": measured["high"], "model": math.nan, "passed": False,
           "rule": rule.rule, "days": experiment.protocol.days, "note": measured["note"],
           "window_days": measured.get("window_days", math.nan)}
    tolerance = rule.abs_tolerance
    if course is None or variable not in course["values"]:
        return row
    model_unit = FIXED_UNITS.get(quantity, course["units"][variable])
    scale = 1.0 if quantity in FIXED_UNITS else unit_factor(variable, measured["unit"], model_unit)
    for key in ("measured", "spread", "low", "high"):
        row[key] *= scale
    row["unit"], tolerance = model_unit, tolerance * scale
    row["model"] = float(model_quantity(*_model_and_baseline(course, variable, measured), quantity))
    if quantity == "cosinor_acrophase":  # a clock hour: the model's, within 12 h of the measured one
        row["model"] = row["measured"] + (row["model"] - row["measured"] + 12.0) % 24.0 - 12.0
    row["passed"] = accept(rule.rule, row["model"], measured=row["measured"], sem=row["spread"], low=row["low"],
                           high=row["high"], k=rule.k, abs_tolerance=tolerance,
                           min_fraction=rule.min_fraction, quantity=quantity)
    return row


def _model_and_baseline(course, variable: str, measured: dict) -> tuple:
    """The model's value for one row and its baseline: at a moment, or, for a timed collection
    (``window_days``), the means over the collection and its baseline collection
    (:func:`collection_and_baseline`); for a peak (nadir) row, the maximum (minimum) over the window and
    the value at the baseline day."""
    times, values = np.asarray(course["time_days"]), np.asarray(course["values"][variable])
    end, baseline_day = measured["time_days"], course["baseline_day"]
    length = measured.get("window_days", math.nan)
    if measured.get("quantity") in COSINOR_QUANTITIES:  # the fitted cosine over the window; no baseline
        fit = cosinor(times, values, end - length, end)
        return fit[1 if measured["quantity"] == "cosinor_amplitude" else 2], math.nan
    at_baseline = float(np.interp(baseline_day, times, values))
    if measured.get("quantity") in EXTREME_QUANTITIES:  # the maximum or minimum over the window; baseline at its day
        lowest = extreme_kind(measured["quantity"]) == "minimum"
        return window_extreme(times, values, end - length, end, lowest=lowest), at_baseline
    if not np.isfinite(length):
        return float(np.interp(end, times, values)), at_baseline
    return tuple(window_mean(times, values, *window) for window in collection_and_baseline(end, length, baseline_day))


# ---------------------------------------------------------------- the whole atlas

def select(experiments, *, only=None, tag=None, split=None) -> list[Experiment]:
    """The experiments chosen by id, mechanism tag and split; unknown names are errors."""
    if isinstance(only, str):
        only = [name.strip() for name in only.split(",") if name.strip()]
    ids = [e.id for e in experiments]
    for name in only or []:
        if name not in ids:
            raise UnknownNameError("experiment", name, ids)
    if tag is not None and tag not in MECHANISMS:
        raise UnknownNameError("mechanism", tag, MECHANISMS)
    if split is not None and split not in SPLITS:
        raise ParameterValueError(f"split: expected one of {', '.join(SPLITS)}, got {split!r}")
    return [e for e in experiments
            if (not only or e.id in only) and (tag is None or tag in e.mechanisms)
            and (split is None or e.split == split)]


def validate(*, only=None, tag=None, split=None, parameters=None, directory=None, progress=None) -> pd.DataFrame:
    """Run the (selected) atlas and return the tidy score table of :func:`run_experiment` rows.

    ``attrs`` holds the package version and every experiment's model curves (``time_courses``).
    ``progress``: None shows a progress line on stderr only when it is a terminal; True/False
    force it on/off; a callable is called as ``progress(done, total, experiment_id)``.
    """
    chosen = select(load_atlas(directory), only=only, tag=tag, split=split)
    report = _progress_function(progress)
    frames, courses = [], {}
    for index, experiment in enumerate(chosen):
        if report:
            report(index, len(chosen), experiment.id)
        frame = run_experiment(experiment, parameters=parameters)
        courses.update(frame.attrs["time_courses"])
        frame.attrs = {}
        frames.append(frame)
    if report:
        report(len(chosen), len(chosen), "")
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(COLUMNS))
    table.attrs = {"homeostasis_version": __version__, "time_courses": courses}
    return table


def _progress_function(progress):
    if callable(progress):
        return progress
    if progress is None:
        progress = sys.stderr.isatty()
    return _stderr_progress if progress else None


def _stderr_progress(done: int, total: int, name: str) -> None:
    end = "\n" if done == total else ""
    sys.stderr.write(f"\ratlas {done}/{total} {name:<60.60}{end}")
    sys.stderr.flush()


def without_attrs(frame: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy without ``attrs``: pandas deep-copies attrs (the model curves) on every operation."""
    plain = pd.DataFrame(frame, copy=False)
    plain.attrs = {}
    return plain


def experiment_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per experiment: id, title, source, mechanism, split, status, passed (all rows pass)."""
    columns = ["id", "title", "source", "mechanism", "mechanisms", "split", "status", "calibration_uses"]
    frame = without_attrs(frame)
    if frame.empty:
        return pd.DataFrame(columns=columns + ["passed"])
    grouped = frame.groupby("id", sort=False)
    table = grouped[columns].first().reset_index(drop=True)
    table["passed"] = grouped["passed"].all().to_numpy() & (table["status"] == "ok").to_numpy()
    return table


def summary(frame: pd.DataFrame, *, experiments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Score by primary mechanism and by split: experiments passing / total (and missing, errors).

    ``experiments``: the frame's :func:`experiment_table` when the caller has built it already."""
    experiments = experiment_table(frame) if experiments is None else experiments
    parts = []
    for group in ("mechanism", "split"):
        for name, rows in experiments.groupby(group, sort=True):
            parts.append(_score_row(group, name, rows))
    held_back = experiments[(experiments["split"] == "holdout") & (experiments["calibration_uses"] == "")]
    if len(held_back):  # held-back records no parameter was calibrated with (calibration_uses)
        parts.append(_score_row("split", "holdout, independent", held_back))
    parts.append(_score_row("all", "all", experiments))
    return pd.DataFrame(parts, columns=["group", "name", "passed", "total", "missing", "errors", "score"])


def split_line(frame: pd.DataFrame, *, experiments: pd.DataFrame | None = None) -> str:
    """``"splits: calibration 28/32, holdout 23/25 (independent of every calibrated value 8/9)"``
    ("" for an empty atlas); ``experiments`` as for :func:`summary`."""
    rows = summary(frame, experiments=experiments)
    rows = rows[rows["group"] == "split"]
    parts = [f"{r.name} {r.score}" for r in rows.itertuples() if r.name != "holdout, independent"]
    independent = rows[rows["name"] == "holdout, independent"]
    tail = f" (independent of every calibrated value {independent['score'].iloc[0]})" if len(independent) else ""
    return "splits: " + ", ".join(parts) + tail if parts else ""


def _score_row(group: str, name: str, rows: pd.DataFrame) -> dict:
    passed, total = int(rows["passed"].sum()), len(rows)
    return {"group": group, "name": name, "passed": passed, "total": total,
            "missing": int(rows["status"].str.startswith("missing").sum()),
            "errors": int(rows["status"].str.startswith("error").sum()), "score": f"{passed}/{total}"}
