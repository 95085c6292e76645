"""Joint calibration: fit response-shape parameters to many atlas experiments at once.

Each measured row of each chosen experiment contributes one weighted residual:

* ``within`` rows: (model - measured) / (SEM + abs_tolerance / k), so a row passes exactly
  when its residual is at most k (a row without spread or tolerance is weighted by 2 % of its value);
* ``band`` rows: zero inside the band, else the distance to the nearest edge over a quarter of
  the band's width (a cohort range is a target region, not a point);
* ``direction`` rows: zero when the sign and the minimum size hold, else the shortfall over a
  quarter of the published size;
* an experiment that cannot be run (solver error) gives a large residual on every row.

The parameters are searched in log space within the bounds of the parameter table (the
trust-region reflective method of :func:`homeostasis.numerics.solve.least_squares`), from the
packaged values and from ``multistart`` Latin-hypercube starts. Every experiment is a different
protocol (scenario, start, interventions, relative quantities), so the Jacobian is taken by
forward differences of whole atlas runs, whose columns run in parallel as Dask tasks (a
LocalCluster by default); the package's exact sensitivities serve single-protocol fits
(:func:`homeostasis.fit`). Every evaluated point is journalled in a checkpoint, so an interrupted
calibration resumes where it stopped. Confidence intervals are Wald intervals from the Jacobian at the
optimum (infinite where a direction is not identified).

The result holds the estimates with intervals, the objective before and after, the residuals
per experiment, the score (experiments passing) on the calibration and the held-back split, and
a new parameter table whose calibrated rows name the experiments they were calibrated to.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import HomeostasisError, ParameterValueError, UnknownNameError
from .records import load_atlas
from .runner import run_experiment, select

FAILED = 30.0  # residual of every row of an experiment that cannot be run
Z95 = 1.959963984540054
DIFFERENCE_STEP = 1e-4  # relative step of the forward differences: well above the solver's rtol 1e-8
DEFAULT_PRIOR_FACTOR = 2.0  # sourced values are trusted to about a factor of two either way
MAX_LOG_SE = 10.0  # a standard error of e^10 in a parameter is "not identified"
# response-shape parameters calibrated by default (half-saturations, Hill coefficients, maximal
# effects, time constants); names absent from the current parameter table are skipped
DEFAULT_ESTIMATES = (
    "tal_casr_half", "tal_casr_hill", "dct_pth_half", "dct_pth_share", "tmp_pth_half", "tmp_fgf23_half",
    "gut_vdr_calcitriol_half", "gut_vdr_time_constant", "bone_pth_half", "pth_release_set_point",
    "pth_synthesis_phosphate_half", "hydroxylase_time_constant", "hydroxylase_pth_half", "hydroxylase_pth_emax",
    "hydroxylase_fgf23_half", "hydroxylase_phosphate_half", "hydroxylase_phosphate_hill", "fgf23_phosphate_half",
    "fgf23_phosphate_emax", "fgf23_calcitriol_half",
)


@dataclass
class CalibrationResult:
    """Estimates, intervals, objective before/after, residuals and scores of a calibration."""

    estimates: dict
    lower: dict
    upper: dict
    start_values: dict
    objective_before: float
    objective_after: float
    residuals: pd.DataFrame
    scores: pd.DataFrame
    experiments: tuple
    seconds: float
    settings: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per parameter: start value, estimate and 95 % interval."""
        return pd.DataFrame([{"parameter": name, "start": self.start_values[name], "estimate": value,
                              "low_95": self.lower[name], "high_95": self.upper[name]}
                             for name, value in self.estimates.items()])

    def parameter_table(self) -> pd.DataFrame:
        """The packaged parameter table with the calibrated values and their new sources."""
        from ..parameters import ParameterSet

        table = ParameterSet.default().to_frame()
        names = ", ".join(self.experiments)
        for name, value in self.estimates.items():
            row = table["name"] == name
            table.loc[row, "value"] = value
            table.loc[row, "source"] = (f"calibrated jointly to atlas experiments {names} "
                                        f"(homeostasis calibrate, {__version__}); was: "
                                        + table.loc[row, "source"].iloc[0])
        return table

    def write(self, directory, *, force: bool = False) -> Path:
        """``estimates.json``, ``residuals.csv``, ``scores.csv`` and ``parameters.csv`` in ``directory``."""
        from ..outputs import write_text

        folder = Path(directory)
        if folder.exists() and any(folder.iterdir()) and not force:
            raise HomeostasisError(f"{folder} exists and is not empty; use --force to replace its files")
        folder.mkdir(parents=True, exist_ok=True)
        payload = {"homeostasis_version": __version__, "seconds": self.seconds, "experiments": list(self.experiments),
                   "objective_before": self.objective_before, "objective_after": self.objective_after,
                   "estimates": self.estimates, "low_95": self.lower, "high_95": self.upper,
                   "start_values": self.start_values, "settings": self.settings}
        write_text(folder / "estimates.json", json.dumps(payload, indent=2, default=_plain) + "\n", overwrite=True)
        write_text(folder / "residuals.csv", self.residuals.to_csv(index=False), overwrite=True)
        write_text(folder / "scores.csv", self.scores.to_csv(index=False), overwrite=True)
        write_text(folder / "parameters.csv", self.parameter_table().to_csv(index=False), overwrite=True)
        return folder


def _plain(value):
    return float(value) if isinstance(value, (np.floating, np.integer)) else str(value)


def row_residuals(frame: pd.DataFrame, *, k: float = 2.0, abs_tolerance: float = 0.0) -> np.ndarray:
    """Weighted residuals of one scored experiment (see the module docstring).

    A ``within`` row is scaled so that it passes exactly when its residual is at most ``k``:
    (model - mean) / (SEM + abs_tolerance / k), as the acceptance rule reads.
    """
    out = []
    for row in frame.itertuples():
        if str(row.status).startswith(("error", "missing")) or not np.isfinite(row.model):
            out.append(FAILED)
        elif row.rule == "band":
            width = max(row.high - row.low, 1e-12)
            outside = max(row.low - row.model, row.model - row.high, 0.0)
            out.append(outside / (0.25 * width))
        elif row.rule == "direction":
            out.append(0.0 if row.passed else abs(abs(row.model) - abs(row.measured)) / max(0.25 * abs(row.measured), 1e-12))
        else:
            sem = row.spread if np.isfinite(row.spread) else 0.0
            scale = sem + abs_tolerance / max(k, 1e-12)
            if scale <= 0:
                scale = max(0.02 * abs(row.measured), 1e-6)
            out.append((row.model - row.measured) / scale)
    return np.asarray(out, dtype=float)


def _weighted(experiment, frame) -> np.ndarray:
    rule = experiment.acceptance
    return row_residuals(frame, k=rule.k, abs_tolerance=rule.abs_tolerance)


class _Objective:
    """Weighted residuals of every chosen experiment for a parameter vector (log space)."""

    def __init__(self, experiments, names, base, prior=None):
        self.experiments, self.names, self.base = experiments, tuple(names), dict(base)
        self.prior = prior  # (log centre, log width) per parameter (width inf: no prior), or None

    def prior_residuals(self, log_values) -> np.ndarray:
        """(log value - log published value) / log(prior factor): a value moved by the prior factor
        from its sourced value costs as much as one SEM of misfit in one measurement. One residual
        per parameter with a prior (a finite width)."""
        if self.prior is None:
            return np.empty(0)
        centre, width = self.prior
        kept = np.isfinite(width)
        return (np.asarray(log_values, float)[kept] - centre[kept]) / width[kept]

    def frames(self, values: dict) -> list[pd.DataFrame]:
        settings = {**self.base, **values}
        return [run_experiment(e, parameters=settings, points=2) for e in self.experiments]

    def residuals(self, log_values) -> np.ndarray:
        values = dict(zip(self.names, np.exp(log_values)))
        try:
            frames = self.frames(values)
        except HomeostasisError:  # a value the model refuses (derived constraint): a wall
            return np.concatenate([np.full(self.size, FAILED), self.prior_residuals(log_values)])
        return np.concatenate([*(_weighted(e, f) for e, f in zip(self.experiments, frames)),
                               self.prior_residuals(log_values)])

    @property
    def size(self) -> int:
        return sum(len(e.measurements) for e in self.experiments)


class _Journal:
    """Every evaluated point, so that the forward-difference columns run in parallel and an
    interrupted calibration resumes without re-running what it finished (``checkpoint.json``)."""

    def __init__(self, objective: _Objective, evaluate_many, upper, path=None, progress=None):
        self.objective, self.evaluate_many, self.path, self.progress = objective, evaluate_many, path, progress
        self.upper = upper  # log bounds: a difference step beyond one goes the other way
        self.points: dict[tuple, np.ndarray] = {}
        self.evaluations = 0  # run here, not replayed from the checkpoint
        self.started = time.perf_counter()
        if path is not None and Path(path).is_file():
            self._load(Path(path))

    def _key(self, x) -> tuple:
        return tuple(np.round(np.asarray(x, float), 12).tolist())

    def _load(self, path: Path) -> None:
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            if (tuple(saved["names"]) != self.objective.names or saved["experiments"] != self._ids()
                    or saved.get("prior", self._prior()) != self._prior()):
                raise HomeostasisError(f"{path}: a checkpoint of a different calibration (parameters, "
                                       "experiments or prior differ); use --force to start again")
            for x, r in saved["points"]:
                self.points[self._key(x)] = np.asarray(r, float)
        except (ValueError, KeyError, TypeError) as error:
            raise HomeostasisError(f"{path}: not a readable calibration checkpoint ({error})") from None

    def _ids(self) -> list:
        return [e.id for e in self.objective.experiments]

    def _prior(self):
        """The log widths of the prior as JSON keeps them (None: no prior on that parameter)."""
        if self.objective.prior is None:
            return None
        return [float(w) if math.isfinite(w) else None for w in self.objective.prior[1]]

    def best(self):
        """The evaluated point with the smallest objective, or None."""
        if not self.points:
            return None
        key = min(self.points, key=lambda k: float(np.sum(self.points[k] ** 2)))
        return np.asarray(key)

    def residuals(self, x) -> np.ndarray:
        return self.many([x])[0]

    def many(self, xs) -> list[np.ndarray]:
        """Residuals at each point: stored ones reused, the others evaluated together (in parallel)."""
        keys = [self._key(x) for x in xs]
        todo = list(dict.fromkeys(k for k in keys if k not in self.points))
        if todo:
            for key, value in zip(todo, self.evaluate_many([np.asarray(k) for k in todo])):
                self.points[key] = np.asarray(value, float)
            self.evaluations += len(todo)
            self._save()
            if self.progress is not None:
                best = self.best()
                self.progress(len(self.points), float(np.sum(self.points[self._key(best)] ** 2)),
                              time.perf_counter() - self.started)
        return [self.points[k] for k in keys]

    def jacobian(self, x) -> np.ndarray:
        """Forward differences (SciPy's relative step rule), all columns evaluated together."""
        x = np.asarray(x, float)
        steps = DIFFERENCE_STEP * np.where(x >= 0, 1.0, -1.0) * np.maximum(1.0, np.abs(x))
        shifted = []
        for k in range(len(x)):
            point = x.copy()
            point[k] += steps[k]
            if point[k] > self.upper[k]:  # step back inside the bound
                steps[k] = -steps[k]
                point[k] = x[k] + steps[k]
            shifted.append(point)
        base, *columns = self.many([x, *shifted])
        return np.column_stack([(column - base) / step for column, step in zip(columns, steps)])

    def _save(self) -> None:
        if self.path is None:
            return
        from ..outputs import write_text

        Path(self.path).parent.mkdir(exist_ok=True)
        payload = {"homeostasis_version": __version__, "names": list(self.objective.names),
                   "experiments": self._ids(), "prior": self._prior(),
                   "points": [[list(k), v.tolist()] for k, v in self.points.items()]}
        write_text(Path(self.path), json.dumps(payload) + "\n", overwrite=True)


def _remote_residuals(objective, x):
    return objective.residuals(x)


def _evaluator(objective, client):
    """Evaluate many points: in this process, or as Dask tasks on ``client``'s workers."""
    if client is None:
        return lambda xs: [objective.residuals(x) for x in xs]

    remote = client.scatter(objective, broadcast=True, hash=False)  # once: every task shares it

    def on_dask(xs):
        futures = [client.submit(_remote_residuals, remote, x, pure=False) for x in xs]
        try:
            return client.gather(futures)
        except BaseException:
            client.cancel(futures)
            raise
    return on_dask


def calibrate(*, estimate=None, experiments=None, tag=None, split="calibration", multistart: int = 0,
              seed: int = 0, max_evaluations: int = 15, directory=None, parameters=None, workers=None,
              client=None, scheduler=None, checkpoint=None, progress=None,
              prior_factor=DEFAULT_PRIOR_FACTOR, prior_widths=None, loss="linear") -> CalibrationResult:
    """Fit ``estimate`` (parameter names) to the chosen atlas experiments; see the module docstring.

    ``experiments`` (ids) or ``tag`` choose records within ``split`` (default: the calibration
    split, so the held-back experiments stay out; None: both splits, ``--split all`` on the command
    line); experiments the package cannot run yet
    (``requires`` not empty) are left out.

    The forward-difference columns of each Jacobian run as Dask tasks: on ``client``, on the
    scheduler at ``scheduler``, or on a LocalCluster of ``workers`` processes started and stopped
    here (default: one per core when Dask is installed); ``workers=1`` runs in this process.
    ``checkpoint`` (a JSON file) records every evaluated point as it finishes; a calibration
    started again with the same file replays them instead of running them again, so it resumes
    where it stopped and ends with the uninterrupted result.
    ``progress(evaluations, objective, seconds)`` is called after each batch of evaluations.

    ``parameters`` ({name: value}) holds for every run; an estimated parameter named there is fitted
    from that value, which is also its prior's centre (else the packaged value).

    ``prior_factor`` (> 1, or None for none) keeps each parameter near its sourced value: a
    log-normal prior whose one-sigma range is that factor either way, added as one residual per
    parameter (maximum a posteriori). Without it, parameters the atlas does not identify wander to
    their bounds and the held-back score falls (measured: see the README).
    ``prior_widths`` ({name: relative one-SD width}, each above 0) overrides that width for the
    named estimated parameters: 0.2 is a one-sigma range of a factor 1.2 either way (log SD
    log 1.2), i.e. a published spread of about 20 %; with ``prior_factor=None`` only they have a prior.

    ``loss="soft_l1"`` (or "cauchy", "huber", "arctan") counts a residual beyond 2 (a row that
    fails its acceptance rule) less than its square, so that records the model cannot reach yet
    do not dominate the fit; the default "linear" is ordinary least squares.
    """
    from ..parameters import ParameterSet, parameter_table

    started = time.perf_counter()
    table = parameter_table()
    names = _estimated(estimate, table)
    widths, loss = _widths(prior_widths, names, table), _loss(loss)
    chosen = [e for e in select(load_atlas(directory), only=experiments, tag=tag, split=split) if not e.protocol.requires]
    if not chosen:
        raise HomeostasisError("calibrate: expected at least one runnable atlas experiment, got none")
    default = ParameterSet.default()
    start = {n: float((parameters or {}).get(n, default[n])) for n in names}
    prior = _prior(start, names, prior_factor, widths)
    objective = _Objective(chosen, names, parameters or {}, prior)
    lower = np.log([max(table[n].lower, start[n] * 1e-3, 1e-12) for n in names])
    upper = np.log([table[n].upper for n in names])
    with _execution(client, scheduler, workers) as running_on:
        journal = _Journal(objective, _evaluator(objective, running_on), upper, checkpoint, progress)
        best = _search(journal, names, start, lower, upper, multistart, seed, max_evaluations, loss)
    estimates = dict(zip(names, np.exp(best.x).tolist()))
    low, high = _wald(best, names)
    frames = objective.frames(estimates)
    residuals = pd.concat([f.assign(residual=_weighted(e, f))[["id", "split", "variable", "time_days", "measured",
                                                                 "model", "residual", "passed"]]
                           for e, f in zip(chosen, frames)],
                          ignore_index=True)
    scores = _scores(estimates, parameters, directory)
    settings = {"split": split, "splits": sorted({e.split for e in chosen}), "tag": tag, "multistart": multistart,
                "seed": seed, "max_evaluations": max_evaluations, "prior_factor": prior_factor,
                "prior_widths": dict(prior_widths or {}), "prior": _prior_record(start, names, prior),
                "records": "packaged atlas" if directory is None else str(directory),
                "parameters": dict(parameters or {}),
                "loss": loss, "evaluations": journal.evaluations, "replayed": len(journal.points) - journal.evaluations,
                "method": "trust-region reflective, log parameters, forward-difference Jacobian "
                          "(columns evaluated in parallel)"}
    return CalibrationResult(estimates, low, high, start, journal.before, float(np.sum(best.fun ** 2)), residuals, scores,
                             tuple(e.id for e in chosen), time.perf_counter() - started, settings)


def _prior(start, names, factor, widths):
    """(log centres, log widths) of the prior, or None: ``factor`` for every parameter, the
    relative ``widths`` ({name: width}) for the named ones, no prior (inf) for the rest."""
    if factor is not None and (isinstance(factor, bool) or not isinstance(factor, (int, float)) or not factor > 1
                               or not math.isfinite(factor)):
        raise HomeostasisError(f"prior_factor: expected a number above 1 (or None for no prior), got {factor!r}")
    if factor is None and not widths:
        return None
    log_widths = [math.log1p(widths[n]) if n in widths else math.log(factor) if factor is not None else math.inf
                  for n in names]
    return np.log([start[n] for n in names]), np.asarray(log_widths, float)


def _widths(widths, names, table) -> dict:
    """``prior_widths`` checked: estimated parameter names, finite relative widths above 0."""
    if widths is None:
        return {}
    if not isinstance(widths, dict):
        raise HomeostasisError(f"prior_widths: expected a dict {{name: relative width}}, got {widths!r}")
    checked = {}
    for name, width in widths.items():
        if name not in table:
            raise UnknownNameError("parameter", name, table)
        if name not in names:
            raise HomeostasisError(f"prior_widths: {name} is not estimated; expected one of {', '.join(names)}")
        if isinstance(width, bool) or not isinstance(width, (int, float)) or not 0 < width < math.inf:
            raise ParameterValueError(f"prior_widths: {name}: expected a relative one-SD width above 0 "
                                      f"(0.2 = 20 %), got {width!r}")
        checked[name] = float(width)
    return checked


def _prior_record(start, names, prior) -> dict:
    """Per parameter: the prior's centre (the sourced value) and one-SD width (relative, and log)."""
    if prior is None:
        return {}
    return {n: {"centre": start[n], "relative_width": round(math.expm1(w), 12), "log_sd": w}
            for n, w in zip(names, prior[1].tolist()) if math.isfinite(w)}


LOSSES = ("linear", "soft_l1", "huber", "cauchy", "arctan")
LOSS_SCALE = 2.0  # a weighted residual of 2 is the edge of a "within" acceptance rule


def _loss(loss):
    from ..errors import check_one_of

    check_one_of("loss", loss, LOSSES)
    return loss


def _search(journal, names, start, lower, upper, multistart, seed, max_evaluations, loss="linear"):
    """Least squares from the packaged values and the extra starts.

    A resumed calibration takes exactly the same path: the points it finished before come from
    the journal instead of being run again, so its result is the uninterrupted one."""
    from ..numerics.solve import least_squares

    x0 = np.clip(np.log([start[n] for n in names]), lower, upper)
    journal.before = float(np.sum(journal.residuals(x0) ** 2))
    best = None
    for x in [x0, *_latin_starts(lower, upper, multistart, seed)]:
        fitted = least_squares(journal.residuals, x, jacobian=journal.jacobian, bounds=(lower, upper),
                               tolerance=1e-6, max_evaluations=max_evaluations, loss=loss, loss_scale=LOSS_SCALE)
        if best is None or fitted.cost < best.cost:
            best = fitted
    return best


@contextlib.contextmanager
def _execution(client, scheduler, workers):
    """A Dask client (given, of ``scheduler``, or a LocalCluster), or None to run in this process."""
    if workers is not None and (isinstance(workers, bool) or int(workers) != workers or workers < 1):
        raise HomeostasisError(f"workers: expected a positive whole number, got {workers!r}")
    serial = client is None and not scheduler and (workers == 1 or (workers is None and not _has_dask()))
    if serial:
        yield None
        return
    from ..population.execution import dask_client

    with dask_client(client=client, scheduler=scheduler, workers=workers) as running_on:
        yield running_on


def _has_dask() -> bool:
    import importlib.util

    return importlib.util.find_spec("distributed") is not None


def _estimated(estimate, table) -> tuple:
    if estimate is None:
        return tuple(n for n in DEFAULT_ESTIMATES if n in table)
    names = [estimate] if isinstance(estimate, str) else list(estimate)
    if not names:
        raise HomeostasisError("estimate: expected at least one parameter name")
    for name in names:
        if name not in table:
            raise UnknownNameError("parameter", name, table)
        if table[name].kind not in ("physiology", "reference"):
            raise HomeostasisError(f"estimate: {name} is a {table[name].kind} parameter; expected a physiology "
                                   "or reference parameter")
        if table[name].lower <= 0:
            raise HomeostasisError(f"estimate: {name} may be zero or negative; calibration searches positive "
                                   "parameters in log space")
    if len(set(names)) != len(names):
        raise HomeostasisError("estimate: a parameter is named more than once")
    return tuple(names)


def _latin_starts(lower, upper, count: int, seed: int):
    if count <= 0:
        return []
    from scipy.stats import qmc

    sample = qmc.LatinHypercube(d=len(lower), seed=seed).random(count)
    return list(qmc.scale(sample, lower, upper))


def _wald(fitted, names):
    """95 % intervals in log space from J^T J (infinite where it is singular)."""
    jac = np.atleast_2d(fitted.jac)
    try:
        covariance = np.linalg.pinv(jac.T @ jac)
        se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    except np.linalg.LinAlgError:
        se = np.full(len(names), math.inf)
    singular = np.linalg.matrix_rank(jac) < len(names)
    low, high = {}, {}
    for k, name in enumerate(names):
        if (singular and se[k] == 0) or not np.isfinite(se[k]) or se[k] > MAX_LOG_SE:
            low[name], high[name] = 0.0, math.inf
        else:
            low[name] = float(np.exp(fitted.x[k] - Z95 * se[k]))
            high[name] = float(np.exp(fitted.x[k] + Z95 * se[k]))
    return low, high


def _scores(estimates, parameters, directory) -> pd.DataFrame:
    """Experiments passing before and after, on the calibration and the held-back split."""
    from .runner import experiment_table, validate

    rows = []
    for label, values in (("before", parameters or {}), ("after", {**(parameters or {}), **estimates})):
        table = experiment_table(validate(parameters=values or None, directory=directory))
        for split, part in table.groupby("split"):
            rows.append({"when": label, "split": split, "passed": int(part["passed"].sum()), "total": len(part)})
    return pd.DataFrame(rows)
