"""``homeostasis.fit``: estimate parameters from tidy data with exact gradients and intervals."""

from __future__ import annotations

import time
import warnings

import numpy as np

from ..errors import HomeostasisError, ParameterValueError, SolverError, check_finite_number, renamed_keyword
from .data import validate_data
from .intervals import chi2_threshold, fisher, profile_interval, profile_paths
from .objective import DIFFERENCE_SCHEMES, Problem
from .pesto import Scaled, multistart as run_multistart, require_pypesto
from .result import FitResult

GRADIENTS = ("exact", "finite-difference", "central-difference")
DIFFERENCE_STEP = 1e-7  # relative step of the forward-difference Jacobian at the optimum (standard errors)


class IdentifiabilityWarning(UserWarning):
    """Some estimated parameters are not determined by the data (named in the message)."""


def fit(data, *, estimate, scenario="healthy", interventions=None, start="healthy", individual=(),
        parameters=None, start_values=None, multistart=0, seed=0, profile_intervals=True, gradient="exact",
        rtol=1e-8, max_evaluations=100, confidence=0.95, time_unit=None, progress=None, initial=None) -> FitResult:
    """Fit model parameters to measured data by weighted least squares.

    Parameters
    ----------
    data : DataFrame or CSV path with columns ``time_days, variable, value`` and optionally
        ``sd``, ``scenario`` and ``unit`` (see :func:`homeostasis.fitting.validate_data`; any unit
        pint converts to the observable's, clinical ones included). Each distinct ``scenario``
        label is one experiment or subject, simulated separately from day 0.
    estimate : names to estimate: model parameters (reference or physiology; a reference value
        re-derives the rate constants, with exact gradients through the derivation) or the
        scenario's knobs by the names ``homeostasis list`` shows (``burden``, ``gfr_final``).
    scenario : scenario for every experiment, or ``{label: scenario}``.
    interventions : intervention list for every experiment (as in ``simulate``), or
        ``{label: list}``. An intervention may not set an estimated parameter.
    start : ``"healthy"`` or ``"steady"``, as in ``simulate``.
    individual : names among ``estimate`` fitted separately for each label (the others are
        shared); they are reported as ``name[label]``.
    parameters : other fixed parameter or knob values, as in ``simulate``.
    start_values : ``{name: value}`` where the optimiser starts (default: the scenario's values;
        ``initial=`` is the deprecated name of this keyword).
    multistart : number of extra starts drawn uniformly (log-uniformly for positive
        parameters) within the search bounds with ``seed`` (pyPESTO multistart); the best optimum is kept.
    profile_intervals : compute the profile-likelihood intervals (the final intervals): True for
        every parameter, False for none, or a list of names.
    gradient : ``"exact"`` (forward sensitivities), or for comparison ``"finite-difference"``
        (forward differences) or ``"central-difference"``.
    rtol : integrator tolerance.
    confidence : confidence level of the intervals (0.95).
    time_unit : unit of a ``time`` column in the data (days, hours, minutes).
    progress : show starts and profiles done on stderr (default: on a terminal, not in notebooks).
    """
    start_values = renamed_keyword("fit", "initial", "start_values", initial, start_values)
    if gradient not in GRADIENTS:
        raise ParameterValueError(f"gradient: expected one of {GRADIENTS}, got {gradient!r}")
    number = check_finite_number("multistart", multistart)
    if number < 0 or number != int(number):
        raise ParameterValueError(f"multistart: expected a whole number of extra starts >= 0, got {multistart!r}")
    multistart = int(number)
    confidence = check_finite_number("confidence", confidence)
    if not 0 < confidence < 1:
        raise ParameterValueError(f"confidence: expected a level between 0 and 1, got {confidence:g}")
    if isinstance(estimate, str):
        estimate = [name.strip() for name in estimate.split(",") if name.strip()]
    repeated = sorted({name for name in estimate if list(estimate).count(name) > 1})
    if repeated:
        raise ParameterValueError(f"estimate: expected each parameter once, got {', '.join(repeated)} more than once")
    clock = time.perf_counter()
    table = validate_data(data, time_unit=time_unit)
    problem = Problem(table, estimate, individual=individual, scenario=scenario, interventions=interventions,
                      start=start, parameters=parameters, start_values=start_values, rtol=rtol)
    if len(table) <= len(problem.names) and not problem.known_sd:
        raise HomeostasisError(f"data: {len(table)} rows cannot fit {len(problem.names)} parameters with an "
                               f"unknown noise level; add rows or an sd column")
    require_pypesto()
    settings = _settings(problem, scenario, interventions, start, parameters, multistart, seed, gradient, rtol,
                         max_evaluations, confidence)
    return solve(problem, settings, seed=seed, multistart=multistart, profile_intervals=profile_intervals,
                 progress=progress, clock=clock)


def solve(problem, settings, *, seed, multistart, profile_intervals, progress, clock, x_start=None):
    """Multistart, diagnostics and profiles for a prepared Problem (also used by ``--resume``)."""
    gradient, confidence = settings["gradient"], settings["confidence"]
    lower, upper = problem.search_bounds()
    first = problem.to_x(problem.theta0) if x_start is None else np.asarray(x_start, float)
    starts = [_inside(first, lower, upper)] + list(_samples(multistart, lower, upper, np.random.default_rng(seed)))
    _check_setup(problem, starts[0], gradient)
    scaled = Scaled(problem, gradient)
    optimised = run_multistart(scaled, starts, lower, upper, max_evaluations=settings["max_evaluations"],
                               progress=progress)
    best = optimised.optimize_result.list[0]
    if best.x is None or not np.isfinite(best.fval):
        raise HomeostasisError("fit: every start failed to simulate; check the starting values and the data")
    x_hat = np.asarray(best.x, float)
    residuals = problem.residuals(x_hat) if gradient == "exact" else problem.residuals_only(x_hat)
    step = DIFFERENCE_STEP if gradient == "finite-difference" else None
    jacobian = (problem.jacobian(x_hat) if gradient == "exact"
                else problem.difference_jacobian(x_hat, lower, upper, step=step, scheme=DIFFERENCE_SCHEMES[gradient]))
    chi2 = float(residuals @ residuals)
    dof = len(problem.data) - len(x_hat)
    variance = 1.0 if problem.known_sd else chi2 / max(dof, 1)
    se_x, covariance, correlation, unidentifiable = fisher(jacobian, variance)
    profiles = None
    if profile_intervals:
        threshold = chi2_threshold(confidence)
        indices = _profiled(problem, profile_intervals)
        paths = profile_paths(problem, x_hat, chi2 / variance, variance, se_x, lower, upper, threshold=threshold,
                              gradient=gradient, indices=indices, progress=progress)
        profiles = {j: (values, delta, *profile_interval(values, delta, x_hat[j], threshold, lower[j], upper[j]))
                    for j, (values, delta) in paths.items()}
    result = FitResult.build(problem, optimised, x_hat, residuals, chi2, variance, se_x, correlation,
                             unidentifiable, profiles, settings=settings, lower=lower, upper=upper,
                             seconds=time.perf_counter() - clock)
    _warn_unidentifiable(result)
    return result


def _profiled(problem, chosen):
    """Indices of the parameters to profile: all (True) or the names given."""
    if chosen is True:
        return list(range(len(problem.names)))
    names = [chosen] if isinstance(chosen, str) else list(chosen)
    unknown = [n for n in names if n not in problem.names]
    if unknown:
        raise HomeostasisError(f"profile_intervals: {', '.join(unknown)} not among the estimated parameters "
                               f"({', '.join(problem.names)})")
    return [problem.names.index(n) for n in names]


def _check_setup(problem, x0, gradient):
    """Run the first start once outside pyPESTO, which would swallow a configuration error
    (an intervention setting an estimated parameter) as a failed start."""
    try:
        simulated, derivative = problem.simulate(x0, jacobian=gradient == "exact")
    except SolverError:
        return  # a bad start point: the other starts may do better
    problem.remember(x0, simulated, derivative)  # the optimiser's first evaluation (it starts at x0)


def _warn_unidentifiable(result):
    notes = [f"{n} (infinite standard error)" for n in result.names if not np.isfinite(result.standard_errors[n])]
    if result.profile_open is not None:
        for name in result.profile_open:
            sides = [side for side, is_open in zip(("below", "above"), result.profile_open[name]) if is_open]
            if sides and np.isfinite(result.standard_errors[name]):
                notes.append(f"{name} (profile interval open {' and '.join(sides)})")
    if notes:
        warnings.warn("not identifiable from these data: " + "; ".join(notes), IdentifiabilityWarning, stacklevel=3)


def _inside(x, lower, upper):
    span = upper - lower
    return np.clip(x, lower + 1e-6 * span, upper - 1e-6 * span)


def _samples(count, lower, upper, rng):
    for _ in range(count):
        yield _inside(lower + rng.random(len(lower)) * (upper - lower), lower, upper)


def _settings(problem, scenario, interventions, start, parameters, multistart, seed, gradient, rtol,
              max_evaluations, confidence):
    def scenario_name(item):
        return getattr(item, "name", str(item))

    return {
        "estimate": list(problem.user_estimate),
        "individual": list(problem.individual),
        "scenario": {e.label: scenario_name(e.scenario) for e in problem.experiments},
        "interventions": {e.label: intervention_strings(e.interventions) for e in problem.experiments},
        "start": start,
        "parameters": ({} if parameters is None else
                       parameters.changed() if hasattr(parameters, "changed") else dict(parameters)),
        "start_values": dict(zip(problem.base_names, problem.theta0.tolist())),
        "multistart": multistart,
        "seed": seed,
        "gradient": gradient,
        "rtol": rtol,
        "max_evaluations": max_evaluations,
        "confidence": confidence,
        "noise": "sd column" if problem.known_sd else "estimated (relative weights per variable)",
        "transform": {n: ("log" if log else "linear") for n, log in zip(problem.names, problem.log)},
        "model_parameters": {n: problem.resolved[n].parameter for n in problem.user_estimate},
    }


def intervention_strings(items) -> list[str]:
    """The interventions in their one text form (``NAME@DAY[:key=value,...]``)."""
    from ..protocol.interventions import format_intervention

    return [format_intervention(item) for item in items]


def resume(result: FitResult, *, multistart=0, seed=None, profile_intervals=True, progress=None) -> FitResult:
    """Fit again from the estimates of ``result`` (plus ``multistart`` random starts) and
    re-profile; what ``homeostasis fit --resume FIT.json`` runs."""
    if result.problem is None:
        raise HomeostasisError("resume: this FitResult has no problem attached")
    settings = dict(result.settings, multistart=multistart, seed=result.settings["seed"] if seed is None else seed)
    x_start = result.problem.to_x(np.array([result.estimates[n] for n in result.names]))
    return solve(result.problem, settings, seed=settings["seed"], multistart=multistart,
                 profile_intervals=profile_intervals, progress=progress, clock=time.perf_counter(), x_start=x_start)
