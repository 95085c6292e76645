"""Virtual patients: distributions of scenario knobs and model parameters, and their draws.

A :class:`Distribution` maps a number in [0, 1) to a value (its inverse CDF), so one design
in the unit hypercube (independent random numbers, a Latin hypercube or a scrambled Sobol
sequence from :mod:`scipy.stats.qmc`) serves every distribution, and Sobol sensitivity indices
computed on the unit design are those of the parameters themselves (the maps are monotone).

Every distribution is checked against the bounds of what it varies (the parameter table or
the scenario's knob): one reaching outside them is an error, not a silent clip. A draw that
the model refuses as a whole (a derived rate constant out of its range,
:class:`~homeostasis.errors.ParameterValueError`) is resampled or kept as ``rejected``, and the
reason is counted for the run's summary.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import HomeostasisError, ParameterValueError, UnknownNameError, check_finite_number, check_one_of

KINDS = ("uniform", "loguniform", "normal", "lognormal")
SAMPLINGS = ("random", "lhs", "sobol")
INVALID_POLICIES = ("resample", "record")
MAX_DRAW_FACTOR = 20  # give up when this many times n draws have not given n valid patients


@dataclass(frozen=True)
class Distribution:
    """A bounded distribution of one knob or parameter.

    ``uniform`` and ``loguniform`` spread over [low, high]. ``normal`` is a normal of mean
    ``centre`` and standard deviation ``spread`` truncated to [low, high] (defaults: the middle
    and a quarter of the range, so the bounds are two SDs away); ``lognormal`` is the same in
    log space (``centre`` is the median, ``spread`` the SD of the natural log).
    """

    kind: str
    low: float
    high: float
    centre: float | None = None
    spread: float | None = None

    def __post_init__(self):
        check_one_of("distribution", self.kind, KINDS)
        low, high = check_finite_number("low", self.low), check_finite_number("high", self.high)
        if not low < high:
            raise ParameterValueError(f"distribution: expected low < high, got low={low:g}, high={high:g}")
        if self.kind in ("loguniform", "lognormal") and low <= 0:
            raise ParameterValueError(f"{self.kind} distribution: expected low > 0, got {low:g}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        if self.kind in ("normal", "lognormal"):
            centre, spread = self._default_shape()
            centre = centre if self.centre is None else check_finite_number("mean", self.centre)
            spread = spread if self.spread is None else check_finite_number("sd", self.spread)
            if spread <= 0:
                raise ParameterValueError(f"{self.kind} distribution: expected a positive SD, got {spread:g}")
            if self.kind == "lognormal" and centre <= 0:
                raise ParameterValueError(f"lognormal distribution: expected a positive median, got {centre:g}")
            object.__setattr__(self, "centre", centre)
            object.__setattr__(self, "spread", spread)

    def _default_shape(self):
        if self.kind == "normal":
            return (self.low + self.high) / 2, (self.high - self.low) / 4
        return math.sqrt(self.low * self.high), math.log(self.high / self.low) / 4

    def ppf(self, u) -> np.ndarray:
        """Values at quantiles ``u`` in [0, 1] (the inverse cumulative distribution)."""
        u = np.asarray(u, dtype=float)
        if self.kind == "uniform":
            return self.low + u * (self.high - self.low)
        if self.kind == "loguniform":
            return np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        from scipy.stats import truncnorm

        if self.kind == "normal":
            a, b = (self.low - self.centre) / self.spread, (self.high - self.centre) / self.spread
            return np.clip(truncnorm.ppf(u, a, b, loc=self.centre, scale=self.spread), self.low, self.high)
        mu = math.log(self.centre)
        a, b = (math.log(self.low) - mu) / self.spread, (math.log(self.high) - mu) / self.spread
        return np.clip(np.exp(truncnorm.ppf(u, a, b, loc=mu, scale=self.spread)), self.low, self.high)

    def describe(self) -> str:
        text = f"{self.kind} [{self.low:g}, {self.high:g}]"
        if self.kind == "normal":
            text += f" mean {self.centre:g} SD {self.spread:g}"
        elif self.kind == "lognormal":
            text += f" median {self.centre:g} log-SD {self.spread:g}"
        return text


def as_distribution(name: str, spec) -> Distribution:
    """A Distribution from a Distribution, a ``(low, high)`` pair or a ``"LOW:HIGH[:kind]"`` text."""
    if isinstance(spec, Distribution):
        return spec
    if isinstance(spec, str):
        return parse_distribution(name, spec)
    if isinstance(spec, (tuple, list)) and len(spec) in (2, 3):
        kind = spec[2] if len(spec) == 3 else "uniform"
        return Distribution(_kind(name, kind), spec[0], spec[1])
    raise ParameterValueError(f"vary {name}: expected a Distribution, (low, high), (low, high, kind) or "
                              f"'LOW:HIGH[:kind]', got {spec!r}")


def _kind(name: str, text: str) -> str:
    kind = {"log": "loguniform", "lin": "uniform"}.get(str(text), str(text))
    if kind not in KINDS:
        raise ParameterValueError(f"vary {name}: expected a distribution in uniform, log, loguniform, normal, "
                                  f"lognormal, got {text!r}")
    return kind


def parse_distribution(name: str, text: str) -> Distribution:
    """``LOW:HIGH``, ``LOW:HIGH:log``, ``LOW:HIGH:normal[:MEAN:SD]``, ``LOW:HIGH:lognormal[:MEDIAN:LOGSD]``."""
    parts = [part.strip() for part in str(text).split(":")]
    if len(parts) not in (2, 3, 5) or not all(parts):
        raise ParameterValueError(f"--vary {name}: expected LOW:HIGH[:log|normal|lognormal[:CENTRE:SPREAD]], "
                                  f"got {text!r}")
    low, high = (check_finite_number(f"{name} bound", p) for p in parts[:2])
    kind = _kind(name, parts[2]) if len(parts) > 2 else "uniform"
    if len(parts) == 5:
        if kind not in ("normal", "lognormal"):
            raise ParameterValueError(f"--vary {name}: CENTRE:SPREAD are for normal and lognormal, got {text!r}")
        return Distribution(kind, low, high, check_finite_number("centre", parts[3]),
                            check_finite_number("spread", parts[4]))
    try:
        return Distribution(kind, low, high)
    except ParameterValueError as error:
        raise ParameterValueError(f"--vary {name}: {error}") from None


def parse_vary(items) -> dict[str, Distribution]:
    """``["gfr=30:90", "ca_intake=10:40:log"]`` to ``{name: Distribution}``."""
    vary = {}
    for item in items:
        name, separator, spec = str(item).partition("=")
        if not separator or not name.strip():
            raise HomeostasisError(f"--vary: expected NAME=LOW:HIGH[:log], got {item!r}")
        if name.strip() in vary:
            raise HomeostasisError(f"--vary: {name.strip()!r} is given twice")
        vary[name.strip()] = parse_distribution(name.strip(), spec)
    return vary


def checked_vary(scenario, vary: dict) -> dict[str, Distribution]:
    """Distributions by name, each within the bounds of its knob or model parameter."""
    from ..parameters import parameter_table

    if not isinstance(vary, dict) or not vary:
        raise ParameterValueError("vary: expected a non-empty {name: distribution or (low, high)} dict")
    table = parameter_table()
    knobs = {knob.name: knob for knob in scenario.knobs}
    out = {}
    for written, spec in vary.items():
        name = scenario.canonical_name(written)  # a knob's deprecated name still works
        if name in knobs:
            lower, upper, unit, what = knobs[name].lower, knobs[name].upper, knobs[name].unit, "knob"
        elif name in table:
            info = table[name]
            if info.kind == "constant":
                raise ParameterValueError(f"{name} is a constant ({info.meaning}) and cannot be varied")
            lower, upper, unit, what = info.lower, info.upper, info.unit, "parameter"
        else:
            raise UnknownNameError("parameter or knob", name, list(table) + list(knobs))
        distribution = as_distribution(name, spec)
        if distribution.low < lower or distribution.high > upper:
            raise ParameterValueError(f"vary {name}: expected a distribution within the {what}'s bounds "
                                      f"[{lower:g}, {upper:g}] {unit}, got [{distribution.low:g}, {distribution.high:g}]")
        out[name] = distribution
    return out


def unit_design(n: int, dimensions: int, sampling: str, seed):
    """A generator of blocks of points in [0, 1)^d: the first ``n``, then more on demand."""
    from scipy.stats import qmc

    check_one_of("sampling", sampling, SAMPLINGS)
    rng = np.random.default_rng(seed)
    if sampling == "sobol":
        engine = qmc.Sobol(dimensions, scramble=True, seed=rng)
        while True:
            yield engine.random(n)
    elif sampling == "lhs":
        engine = qmc.LatinHypercube(dimensions, seed=rng)
        while True:
            yield engine.random(n)
    else:
        while True:
            yield rng.random((n, dimensions))


@dataclass
class Design:
    """The virtual patients: their settings, and the draws the model refused."""

    names: tuple
    values: np.ndarray          # (patients, names): accepted or recorded draws
    status: list                # "ok" (to run) or "rejected" (recorded, not run)
    errors: list                # "" or the reason a draw was refused
    rejected: Counter           # reason -> number of refused draws (resampled or recorded)
    fixed: dict = None          # settings shared by every patient (the varied ones take precedence)

    def settings(self, index: int) -> dict:
        return {**(self.fixed or {}), **dict(zip(self.names, self.values[index].tolist()))}

    def summary(self) -> str:
        total = sum(self.rejected.values())
        if not total:
            return "no draw was rejected"
        reasons = "; ".join(f"{count} x {reason}" for reason, count in self.rejected.most_common())
        return f"{total} draw(s) rejected by the model's constraints: {reasons}"

    def frame(self):
        import pandas as pd

        frame = pd.DataFrame(self.values, columns=list(self.names))
        frame.insert(0, "patient", np.arange(len(frame), dtype=np.int64))
        frame["sampling_status"] = self.status
        frame["sampling_error"] = self.errors
        return frame


def reason_of(error: Exception) -> str:
    """A draw's refusal reason with its numbers removed, so equal causes are counted together."""
    text = " ".join(str(error).split())
    return re.sub(r"came out as \S+", "came out", text.split(";")[0])


def draw_patients(scenario, vary: dict, n: int, *, sampling: str = "lhs", seed=0,
                  invalid: str = "resample", fixed=None) -> Design:
    """``n`` virtual patients from ``vary`` (checked), each validated by building its ParameterSet."""
    n = check_count(n)
    check_one_of("invalid", invalid, INVALID_POLICIES)
    distributions = checked_vary(scenario, vary)
    names = tuple(distributions)
    blocks = unit_design(n, len(names), sampling, seed)
    kept, status, errors, rejected, drawn = [], [], [], Counter(), 0
    while len(kept) < n:
        if drawn >= MAX_DRAW_FACTOR * n:
            raise ParameterValueError(f"vary: only {len(kept)} of {n} patients were valid after {drawn} draws "
                                      f"({Design(names, None, [], [], rejected).summary()}); narrow the ranges")
        block = next(blocks)
        values = np.column_stack([distributions[name].ppf(block[:, i]) for i, name in enumerate(names)])
        for row, problem in zip(values, validation_errors(scenario, names, values, fixed)):
            drawn += 1
            if problem is not None:
                rejected[problem] += 1
                if invalid == "resample":
                    continue
            kept.append(row)
            status.append("ok" if problem is None else "rejected")
            errors.append(problem or "")
            if len(kept) == n:
                break
    return Design(names, np.array(kept, dtype=float).reshape(n, len(names)), status, errors, rejected,
                  dict(fixed or {}))


def validation_errors(scenario, names, values, fixed=None) -> list:
    """:func:`validation_error` of every row of ``values`` (patients x ``names``) over ``fixed``.

    When no knob varies, the scenario's parameter set is built once and the rows are checked
    as one array (:meth:`ParameterSet.refusals`): 10,000 patients in ~0.5 s instead of ~1.5 s.
    """
    from ..simulation import scenario_parameters

    def each():
        return [validation_error(scenario, {**(fixed or {}), **dict(zip(names, row.tolist()))}) for row in values]

    if set(scenario.knob_names()).intersection(names):
        return each()
    try:
        base = scenario_parameters(scenario, dict(fixed or {}))[1]
    except ParameterValueError:  # the fixed settings alone are refused (a varied value may repair them)
        return each()
    return [None if error is None else reason_of(error) for error in base.refusals(names, values)]


def validation_error(scenario, settings: dict):
    """None if the model accepts ``settings``, else the reason (derived constraints, bounds)."""
    from ..simulation import scenario_parameters

    try:
        scenario_parameters(scenario, settings)
    except ParameterValueError as error:
        return reason_of(error)
    return None


def patients_from_csv(scenario, path, *, invalid: str = "record", fixed=None) -> Design:
    """Virtual patients from a CSV with one column per knob or parameter (and optional ``patient``)."""
    import pandas as pd

    check_one_of("invalid", invalid, ("record",))
    frame = pd.read_csv(path)
    frame = frame.drop(columns=[c for c in ("patient",) if c in frame.columns])
    if frame.empty or not len(frame.columns):
        raise ParameterValueError(f"patients file {path}: expected a header of knob or parameter names and rows")
    from ..parameters import parameter_table

    frame = frame.rename(columns={c: scenario.canonical_name(c) for c in frame.columns})
    table, knobs = parameter_table(), {k.name for k in scenario.knobs}
    for name in frame.columns:
        if name not in table and name not in knobs:
            raise UnknownNameError("parameter or knob", name, list(table) + list(knobs))
    if not all(pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns):
        raise ParameterValueError(f"patients file {path}: expected numbers in every column")
    names = tuple(frame.columns)
    values = frame.to_numpy(float)
    status, errors, rejected = [], [], Counter()
    # a value out of bounds is that patient's problem, recorded like a refused draw
    for row, problem in zip(values, validation_errors(scenario, names, values, fixed)):
        status.append("ok" if problem is None else "rejected")
        errors.append(problem or "")
        if problem:
            rejected[problem] += 1
    return Design(names, values, status, errors, rejected, dict(fixed or {}))


def check_count(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) and not (isinstance(n, float) and n.is_integer()):
        raise ParameterValueError(f"n: expected a positive whole number of patients, got {n!r}")
    if n <= 0:
        raise ParameterValueError(f"n: expected a positive number of patients, got {int(n)}")
    return int(n)


def file_digest(path) -> str:
    from pathlib import Path

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def describe_vary(vary: dict) -> dict:
    """JSON-ready description of the distributions (stored to check that a resumed run matches)."""
    return {name: asdict(d) for name, d in vary.items()}
