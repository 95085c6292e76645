"""``homeostasis.fit``: estimate parameters from tidy data with exact gradients and intervals."""

from __future__ import annotations

import time

import numpy as np

from ..errors import HomeostasisError, ParameterValueError, check_finite_number
from ..numerics.solve import least_squares
from .data import validate_data
from .intervals import Z95, fisher, profile
from .objective import Problem
from .result import FitResult

GRADIENTS = ("exact", "finite-difference")
LOG_RANGE_BELOW_UPPER = np.log(1e3)  # multi-start range of a log parameter whose lower bound is 0


def fit(data, *, estimate, scenario="healthy", interventions=None, start="healthy", individual=(),
        parameters=None, initial=None, multistart=0, seed=0, profile_intervals=True, gradient="exact",
        rtol=1e-8, max_evaluations=100) -> FitResult:
    """Fit model parameters to measured data by weighted least squares.

    Parameters
    ----------
    data : DataFrame or CSV path with columns ``time_days, variable, value`` and optionally
        ``sd`` and ``scenario`` (see :func:`homeostasis.fitting.validate_data`). Each distinct
        ``scenario`` label is one experiment or subject, simulated separately from day 0.
    estimate : parameter names to estimate (reference or physiology parameters; a reference
        value re-derives the rate constants, with exact gradients through the derivation).
    scenario : scenario for every experiment, or ``{label: scenario}``.
    interventions : intervention list for every experiment (as in ``simulate``), or
        ``{label: list}``. An intervention may not set an estimated parameter.
    start : ``"healthy"`` or ``"steady"``, as in ``simulate``.
    individual : names among ``estimate`` fitted separately for each label (the others are
        shared); they are reported as ``name[label]``.
    parameters : other fixed parameter or knob values, as in ``simulate``.
    initial : ``{name: value}`` starting values (default: the scenario's values).
    multistart : number of extra starts drawn uniformly (log-uniformly for positive
        parameters) within the parameter bounds with ``seed``; the best optimum is kept.
    profile_intervals : compute the profile-likelihood intervals (the final 95 % intervals).
    gradient : ``"exact"`` (forward sensitivities) or ``"finite-difference"`` (for comparison).
    rtol : integrator tolerance.
    """
    if gradient not in GRADIENTS:
        raise ParameterValueError(f"gradient: expected one of {GRADIENTS}, got {gradient!r}")
    multistart = int(check_finite_number("multistart", multistart))
    if multistart < 0:
        raise ParameterValueError(f"multistart: expected a number of extra starts >= 0, got {multistart}")
    if isinstance(estimate, str):
        estimate = [name.strip() for name in estimate.split(",") if name.strip()]
    clock = time.perf_counter()
    table = validate_data(data)
    problem = Problem(table, estimate, individual=individual, scenario=scenario, interventions=interventions,
                      start=start, parameters=parameters, initial=initial, rtol=rtol)
    if len(table) <= len(problem.names) and not problem.known_sd:
        raise HomeostasisError(f"data: {len(table)} rows cannot fit {len(problem.names)} parameters with an "
                               f"unknown noise level; add rows or an sd column")
    lower, upper = problem.bounds()
    starts = [_inside(problem.to_x(problem.theta0), lower, upper)]
    starts += list(_samples(multistart, lower, upper, np.random.default_rng(seed)))
    runs = [_optimise(problem, x0, lower, upper, gradient, max_evaluations) for x0 in starts]
    best = min(runs, key=lambda run: run.cost)
    x_hat = best.x
    residuals = problem.residuals(x_hat) if gradient == "exact" else problem.residuals_only(x_hat)
    jacobian = problem.jacobian(x_hat) if gradient == "exact" else best.jac
    chi2 = float(residuals @ residuals)
    dof = len(table) - len(x_hat)
    variance = 1.0 if problem.known_sd else chi2 / dof
    se_x, _, singular = fisher(jacobian, variance)
    profiles = (profile(problem, x_hat, chi2 / variance, variance, se_x, lower, upper, gradient)
                if profile_intervals else None)
    return FitResult.build(problem, runs, best, residuals, chi2, variance, se_x, singular, profiles,
                           settings=_settings(estimate, problem, scenario, interventions, start, individual,
                                              parameters, initial, multistart, seed, gradient, rtol),
                           seconds=time.perf_counter() - clock, z=Z95)


def _optimise(problem, x0, lower, upper, gradient, max_evaluations):
    if gradient == "exact":
        result = least_squares(problem.residuals, x0, jacobian=problem.jacobian, bounds=(lower, upper),
                               max_evaluations=max_evaluations)
    else:
        result = least_squares(problem.residuals_only, x0, jacobian="2-point", bounds=(lower, upper),
                               max_evaluations=max_evaluations)
    result.start = problem.to_theta(x0)
    return result


def _inside(x, lower, upper):
    span = np.where(np.isfinite(upper - lower), upper - lower, 1.0)
    return np.clip(x, lower + 1e-6 * span, upper - 1e-6 * span)


def _samples(count, lower, upper, rng):
    low = np.where(np.isfinite(lower), lower, upper - LOG_RANGE_BELOW_UPPER)
    for _ in range(count):
        yield _inside(low + rng.random(len(low)) * (upper - low), lower, upper)


def _settings(estimate, problem, scenario, interventions, start, individual, parameters, initial,
              multistart, seed, gradient, rtol):
    def scenario_name(item):
        return getattr(item, "name", str(item))

    def schedule(items):
        return [f"{i.name}@{i.day:g}" + (":" + ",".join(f"{k}={v:g}" for k, v in i.options.items()
                                                        if v is not None) if i.options else "")
                for i in items]

    return {
        "estimate": list(problem.estimate),
        "individual": list(problem.individual),
        "scenario": {e.label: scenario_name(e.scenario) for e in problem.experiments},
        "interventions": {e.label: schedule(e.interventions) for e in problem.experiments},
        "start": start,
        "parameters": ({} if parameters is None else
                       parameters.changed() if hasattr(parameters, "changed") else dict(parameters)),
        "initial": dict(zip(problem.base_names, problem.theta0.tolist())),
        "multistart": multistart,
        "seed": seed,
        "gradient": gradient,
        "rtol": rtol,
        "noise": "sd column" if problem.known_sd else "estimated (relative weights per variable)",
        "transform": {n: ("log" if log else "linear") for n, log in zip(problem.names, problem.log)},
    }
