"""Multistart optimisation and profile likelihoods with pyPESTO, on the package's objective.

pyPESTO (Schälte et al., Bioinformatics 2023) does the multistart and the profiles; the
package supplies the weighted residuals and their exact Jacobian (forward sensitivities), so
pyPESTO's least-squares optimiser (``ls_trf``, SciPy's trust-region reflective) sees the
same problem as before. With ``gradient="finite-difference"`` (for the benchmark) the
Jacobian is SciPy's forward differences (``"central-difference"``: central ones), computed by
the package so that the steps of all
parameters run as one batch (:meth:`Problem.difference_jacobian`).

The objective is half the chi-square divided by ``variance`` (1 with measured sd; the residual
variance at the optimum when the noise level is estimated), i.e. a negative log-likelihood up
to a constant. pyPESTO's profiler (:func:`pypesto_profiles`) walks from the optimum in both directions,
re-optimising every other parameter at each step, and stops when the likelihood ratio falls
below the chi-square threshold or a bound is reached. Its adaptive step lets the objective
rise by at most half the current excess per step, so it needs some 13 points per side from
a typical start; the fit uses the package's walker
(:func:`homeostasis.fitting.intervals.profile_paths`), and a test checks both agree.

pyPESTO is an optional dependency (``pip install 'homeostasis[fit]'``), imported when a fit runs.
"""

from __future__ import annotations

import logging
import sys
import time

import numpy as np

from ..errors import HomeostasisError
from .objective import DIFFERENCE_SCHEMES

STEP_FRACTION = 0.1  # largest profile step as a fraction of the search range
MIN_STEP = 1e-3  # smallest profile step in x (log units for log parameters)
PROFILE_TOLERANCE = 1e-6  # relative change of the objective that ends each re-optimisation along a profile
DELTA_RATIO = 0.6  # largest fall of the likelihood ratio between two profile points (pyPESTO: 0.1)
TARGET_GROWTH = 3.0  # growth of the objective increase aimed at by each adaptive profile step (pyPESTO: 1.5)
STEP_FACTOR = 2.0  # line-search factor of the adaptive step (pyPESTO: 1.25)


def require_pypesto():
    """The pypesto module, or a clear error naming the extra to install."""
    try:
        import pypesto
        import pypesto.optimize
        import pypesto.profile
    except ImportError as error:
        raise HomeostasisError(f"fitting needs pyPESTO ({error.name or error} is missing); install it with "
                               "pip install 'homeostasis[fit]'") from None
    for name in ("pypesto", "pypesto.profile", "pypesto.optimize"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return pypesto


class Scaled:
    """Residuals divided by sqrt(variance); ``variance`` may change between optimisation and profiling."""

    def __init__(self, problem, gradient="exact"):
        self.problem = problem
        self.gradient = gradient
        self.variance = 1.0
        self.calls = 0
        self.bounds = None  # search bounds (the forward-difference steps turn inward at them)

    def objective(self):
        """A pyPESTO Objective with closures (pyPESTO deep-copies its problem; closures are shared)."""
        pypesto = require_pypesto()
        problem, scaled = self.problem, self

        def res(x):
            scaled.calls += 1
            values = problem.residuals(x) if scaled.gradient == "exact" else problem.residuals_only(x)
            return values / np.sqrt(scaled.variance)

        def sres(x):
            if scaled.gradient == "exact":
                return problem.jacobian(x) / np.sqrt(scaled.variance)
            return problem.difference_jacobian(x, *scaled.bounds, scheme=DIFFERENCE_SCHEMES[scaled.gradient]) \
                / np.sqrt(scaled.variance)

        def fun(x):
            r = res(x)
            return 0.5 * float(r @ r)

        def grad(x):
            return sres(x).T @ res(x)

        return pypesto.Objective(fun=fun, grad=grad, res=res, sres=sres, x_names=list(problem.names))


def pesto_problem(scaled: Scaled, lower, upper, guesses=None):
    pypesto = require_pypesto()
    scaled.bounds = (np.asarray(lower, float), np.asarray(upper, float))
    return pypesto.Problem(scaled.objective(), lb=np.asarray(lower, float), ub=np.asarray(upper, float),
                           x_guesses=None if guesses is None else np.atleast_2d(guesses),
                           x_names=list(scaled.problem.names), copy_objective=False)


def optimizer(max_evaluations=100, tolerance=1e-10):
    require_pypesto()
    from pypesto.optimize import ScipyOptimizer

    return ScipyOptimizer(method="ls_trf", tol=tolerance,
                          options={"maxfun": int(max_evaluations), "xtol": tolerance, "gtol": tolerance,
                                   "tr_solver": "exact"})


def multistart(scaled: Scaled, starts, lower, upper, *, max_evaluations=100, progress=None):
    """Optimise from every start (rows of ``starts``); the pyPESTO Result, best first."""
    pypesto = require_pypesto()
    from pypesto.optimize import OptimizeOptions, minimize

    problem = pesto_problem(scaled, lower, upper)
    method = optimizer(max_evaluations)
    result = pypesto.Result(problem)
    report = Progress("multistart", len(starts), progress)
    for index, x0 in enumerate(starts):
        problem.startpoint_method = _fixed(x0)
        minimize(problem, method, n_starts=1, ids=[str(index)], result=result,
                 progress_bar=False, options=OptimizeOptions(allow_failed_starts=True))
        report.step(f"best objective {2.0 * _best(result):.6g}")
    report.done()
    result.optimize_result.sort()
    return result


def _fixed(x0):
    def startpoint(n_starts, **_):
        return np.tile(np.asarray(x0, float), (n_starts, 1))
    return startpoint


def _best(result) -> float:
    values = [r.fval for r in result.optimize_result.list if r.fval is not None and np.isfinite(r.fval)]
    return min(values) if values else np.inf


def pypesto_profiles(scaled: Scaled, x_hat, lower, upper, *, threshold, indices=None, max_evaluations=100,
                     progress=None):
    """pyPESTO's own profiles from ``x_hat`` (objective in units of the current variance): one
    (x_j values, delta chi-square) pair per parameter, in path order. The fit uses
    :func:`homeostasis.fitting.intervals.profile_paths` (the same method with a step that
    adapts to the rise of the profile, several times fewer simulations); the tests check
    that both give the same intervals."""
    pypesto = require_pypesto()
    from pypesto.profile import ProfileOptions, parameter_profile
    from pypesto.result import OptimizerResult

    problem = pesto_problem(scaled, lower, upper)
    result = pypesto.Result(problem)
    fval = problem.objective(np.asarray(x_hat, float))
    result.optimize_result.append(OptimizerResult(id="optimum", x=np.asarray(x_hat, float), fval=fval,
                                                  grad=problem.objective(np.asarray(x_hat, float), sensi_orders=(1,))))
    span = np.asarray(upper) - np.asarray(lower)
    options = ProfileOptions(default_step_size_absolute=0.0, default_step_size_relative=STEP_FRACTION / 4,
                             min_step_size_absolute=0.0, min_step_size_relative=MIN_STEP / span.max(),
                             max_step_size_absolute=0.0, max_step_size_relative=STEP_FRACTION,
                             ratio_min=float(np.exp(-0.5 * threshold)) * 0.999, delta_ratio_max=DELTA_RATIO, adaptive_target_scaling_factor=TARGET_GROWTH,
                             step_size_factor=STEP_FACTOR,
                             step_size_precheck_mode="off")
    indices = range(len(x_hat)) if indices is None else indices
    report = Progress("profiles", len(indices), progress)
    out = {}
    for j in indices:
        parameter_profile(problem, result, optimizer(max_evaluations, PROFILE_TOLERANCE), profile_index=[j],
                          profile_options=options,
                          progress_bar=False, profile_list=0 if result.profile_result.list else None)
        path = result.profile_result.list[0][j]
        values = np.asarray(path.x_path[j], float)
        delta = 2.0 * (np.asarray(path.fval_path, float) - fval)
        out[j] = (values, delta)
        report.step(f"{scaled.problem.names[j]}")
    report.done()
    return out


class Progress:
    """One status line on stderr (a terminal only, unless asked): items done and a note."""

    def __init__(self, what, total, enabled=None):
        self.what, self.total, self.done_count = what, total, 0
        self.enabled = _terminal() if enabled is None else bool(enabled)
        self.clock = time.perf_counter()

    def step(self, note=""):
        self.done_count += 1
        if self.enabled:
            line = (f"\r{self.what}: {self.done_count}/{self.total} done, {note} "
                    f"({time.perf_counter() - self.clock:.1f} s)")
            sys.stderr.write(line.ljust(79))
            sys.stderr.flush()

    def done(self):
        if self.enabled and self.done_count:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _terminal() -> bool:
    try:
        return sys.stderr.isatty() and "ipykernel" not in sys.modules
    except (AttributeError, ValueError):
        return False
