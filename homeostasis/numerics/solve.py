"""The one module that calls SciPy: stiff integration and steady-state root finding.

Integration uses LSODA (``scipy.integrate.odeint``) with the compiled analytic Jacobian: it
switches to BDF when the problem is stiff (PTH clears in minutes while bone remodels over
years) and costs the least per step of SciPy's stiff methods for a model of this size.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import SolverError, check_in_bounds
from .blas import single_threaded_blas

DEFAULT_RTOL = 1e-8
RTOL_RANGE = (1e-13, 1e-2)  # tighter is below double precision; looser changes the answer


def check_tolerance(name: str, value) -> float:
    """A relative tolerance within :data:`RTOL_RANGE`, or a ParameterValueError naming it."""
    return check_in_bounds(name, value, *RTOL_RANGE)


def _tolerances(scale, rtol, atol):
    scale = np.maximum(np.abs(np.asarray(scale, float)), 1e-12)
    return rtol, (atol if atol is not None else rtol * 1e-3 * scale)


def integrate_states(compiled, y0, times, p, *, scale, rtol=DEFAULT_RTOL, atol=None,
                     max_steps=500_000) -> np.ndarray:
    """States at ``times`` (days) from ``y0`` at ``times[0]``; raises SolverError on failure."""
    from scipy import integrate  # imported here: a compiled-driver run never needs SciPy

    times = np.asarray(times, dtype=float)
    rtol, atol = _tolerances(scale, rtol, atol)
    with warnings.catch_warnings():  # failures become SolverError below, not warnings on stderr
        warnings.simplefilter("ignore")
        states, info = integrate.odeint(compiled.rhs, np.asarray(y0, float), times, args=(p,),
                                        Dfun=compiled.jacobian, tfirst=True, rtol=rtol, atol=atol,
                                        mxstep=max_steps, full_output=True, printmessg=False)
    if info["message"] != "Integration successful." or not np.all(np.isfinite(states)):
        _raise_failure(compiled, times, states, info, p)
    return _clip_roundoff(states, atol, compiled)


def _clip_roundoff(states, atol, compiled=None):
    # LSODA may undershoot a pool that empties exponentially (PTH after parathyroidectomy) by
    # roughly its absolute tolerance; anything deeper is a genuine failure.
    too_negative = states < -100 * np.broadcast_to(atol, states.shape)
    if np.any(too_negative):
        row, column = np.argwhere(too_negative)[0]
        name = compiled.state_names[column] if compiled is not None else column
        raise SolverError(f"state {name} became negative ({states[row, column]:.3g})")
    return np.maximum(states, 0.0)


def _raise_failure(compiled, times, states, info, p):
    # rows after the failure are not written (odeint leaves memory as it was), so trust only
    # rows whose time was reached: tcur[k] is the time reached while producing row k + 1
    reached = np.asarray(info.get("tcur", []), dtype=float)
    good = 0
    for k, time_reached in enumerate(reached[: len(times) - 1]):
        if not (np.isfinite(time_reached) and time_reached >= times[k + 1] and np.isfinite(states[k + 1]).all()):
            break
        good = k + 1
    failed_at = reached[good] if good < reached.size else np.nan
    plausible = np.isfinite(failed_at) and times[good] <= failed_at <= times[-1]
    state = dict(zip(compiled.state_names, states[good]))
    message = info["message"].strip()
    reason = "a state or rate became NaN or infinite" if message == "Integration successful." else message
    raise SolverError(f"integration failed ({reason})",
                      time=float(failed_at if plausible else times[good]), state=state, parameters=p)


SETTLE_DAYS = (0.0, 365.0, 3650.0, 36500.0)  # successive integration spans before each root polish


def find_steady_state(compiled, y_guess, p, *, scale, time=0.0, fixed=None,
                      settle_days=SETTLE_DAYS, tolerance=1e-7) -> np.ndarray:
    """A steady state near ``y_guess``; the skeletal mineral reservoir is held fixed.

    Bone mineral changes over decades, so a clinical steady state is one in which every other
    pool has settled while the skeleton still gains or loses (the net bone balance is then
    an output). Root finding starts from the guess; if it fails, the model is integrated
    forward with the skeleton frozen (pseudo-transient continuation) for each span of
    ``settle_days`` in turn and the root is polished from there. Far from the healthy state
    (GFR 1-3 mL/min) Powell's hybrid method fails from the healthy guess, and the slowest free
    pool, the parathyroid functional mass (half-life 180 days), can need decades to come close
    enough for it: the last span (100 years, cheap with the skeleton frozen) covers that.
    """
    fixed = compiled.slow_states if fixed is None else fixed
    free = np.array([name not in fixed for name in compiled.state_names])
    scale = np.maximum(np.abs(np.asarray(scale, float)), 1e-12)
    y = np.asarray(y_guess, float).copy()
    frozen = _FrozenStates(compiled, free)
    for settle in settle_days:
        if settle:  # integrate with the skeleton frozen; the other pools settle within years
            y = integrate_states(frozen, y, [time, time + settle], p, scale=scale)[-1]
        solution = _root(compiled, y, p, free, scale, time)
        if solution is not None and _is_steady(compiled, solution, p, free, scale, time, tolerance):
            return solution
    years = sum(settle_days) / 365.0
    raise SolverError(f"no steady state found (root finding and {years:.3g} years of integration)",
                      time=time, state=dict(zip(compiled.state_names, y)), parameters=p)


class _FrozenStates:
    """The compiled model with some states held constant (their derivatives set to zero)."""

    def __init__(self, compiled, free):
        self.compiled, self.free = compiled, free.astype(float)
        self.state_names = compiled.state_names

    def rhs(self, t, y, p):
        return self.compiled.rhs(t, y, p) * self.free

    def jacobian(self, t, y, p):
        return self.compiled.jacobian(t, y, p) * self.free[:, None]


def _root(compiled, y, p, free, scale, time):
    from scipy import optimize  # imported here: a compiled-driver run never needs SciPy

    def full(z):
        out = y.copy()
        out[free] = z * scale[free]
        return out

    # unknowns and residuals are scaled by each pool's healthy size (1 mmol vs 25 mol)
    def residual(z):
        return compiled.rhs(time, full(z), p)[free] / scale[free]

    def jacobian(z):
        jac = compiled.jacobian(time, full(z), p)[np.ix_(free, free)]
        return jac * scale[free][None, :] / scale[free][:, None]

    result = optimize.root(residual, y[free] / scale[free], jac=jacobian, method="hybr")
    if not result.success or np.any(result.x < -1e-9):
        return None
    return np.maximum(full(_polish(residual, jacobian, result.x)), 0.0)


def _polish(residual, jacobian, z, steps=2):
    """Newton steps after hybr, kept while they shrink the residual: hybr stops at a relative
    step of ~1.5e-8, which slow modes (bone cells over months) turn into state errors large
    enough to spoil central differences of a steady start."""
    value = residual(z)
    size = np.linalg.norm(value)
    for _ in range(steps):
        try:
            trial = z - np.linalg.solve(jacobian(z), value)
        except np.linalg.LinAlgError:
            break
        trial_value = residual(trial)
        trial_size = np.linalg.norm(trial_value)
        if not np.isfinite(trial_size) or trial_size >= size:
            break
        z, value, size = trial, trial_value, trial_size
    return z


def _is_steady(compiled, y, p, free, scale, time, tolerance):
    rates = compiled.rhs(time, y, p)[free] / scale[free]
    return bool(np.all(np.isfinite(rates)) and np.max(np.abs(rates)) < tolerance)


def integrate_with_sensitivities(compiled, augmented, y0, s0, times, p, dp, *, scale, rtol=DEFAULT_RTOL,
                                 atol=None, sensitivity_tolerance=10.0, max_steps=500_000):
    """States and forward sensitivities at ``times`` (days), integrated together.

    ``augmented`` provides ``rhs(t, z, p, dp)`` and ``jacobian(t, z, p, dp)`` of the augmented
    system z = (y, S[:, 0], ..., S[:, k-1]): dy/dt = f and dS/dt = J S + (df/dp) dp, where
    ``dp`` (m x k) says how the parameters in df/dp move with the k estimated ones, and
    S(times[0]) = ``s0`` (states x k). LSODA solves it with the block-diagonal Jacobian
    diag(J, ..., J) (the simultaneous-corrector approximation of CVODES: the second derivatives
    left out only slow the Newton iteration, not the accuracy). Sensitivity columns should be
    scaled like the states; they are held to the states' tolerances times
    ``sensitivity_tolerance``. Returns states (times x states) and sensitivities
    (times x states x k); raises SolverError on failure.
    """
    from scipy import integrate  # imported here: a compiled-driver run never needs SciPy

    times = np.asarray(times, dtype=float)
    y0 = np.asarray(y0, float)
    n, k = y0.size, np.shape(s0)[1]
    rtol, atol = _tolerances(scale, rtol, atol)
    atol_states = np.broadcast_to(atol, (n,))
    atol_all = np.concatenate([atol_states, np.tile(atol_states, k) * sensitivity_tolerance])
    rtol_all = np.concatenate([np.full(n, rtol), np.full(n * k, rtol * sensitivity_tolerance)])
    dp = np.ascontiguousarray(dp, dtype=float)
    z0 = np.concatenate([y0, np.asarray(s0, float).T.ravel()])
    with single_threaded_blas(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solution, info = integrate.odeint(augmented.rhs, z0, times, args=(p, dp), Dfun=augmented.jacobian,
                                          tfirst=True, rtol=rtol_all, atol=atol_all, mxstep=max_steps,
                                          full_output=True, printmessg=False)
    if info["message"] != "Integration successful." or not np.all(np.isfinite(solution)):
        reached = np.asarray(info.get("tcur", [times[0]]), dtype=float)
        failed_at = float(np.nanmax(reached)) if np.isfinite(reached).any() else float(times[0])
        raise SolverError(f"integration with sensitivities failed ({info['message'].strip()})",
                          time=failed_at, parameters=p)
    states = _clip_roundoff(solution[:, :n], atol, compiled)
    sensitivities = solution[:, n:].reshape(len(times), k, n).transpose(0, 2, 1)
    return states, sensitivities


def least_squares(residuals, x0, *, jacobian="2-point", bounds=(-np.inf, np.inf), tolerance=1e-10,
                  max_evaluations=200, difference_step=None, loss="linear", loss_scale=1.0):
    """Bounded nonlinear least squares (trust-region reflective, ``scipy.optimize.least_squares``).

    ``jacobian`` is a function of x or ``"2-point"`` for forward finite differences; ``loss``
    ("linear", "soft_l1", "huber", "cauchy", "arctan") with ``loss_scale`` makes residuals larger
    than that scale count less than their square (robust fitting). Returns
    SciPy's OptimizeResult (x, cost = half the sum of squares, fun, jac, nfev, njev, status).
    """
    from scipy import optimize  # imported here: a compiled-driver run never needs SciPy

    return optimize.least_squares(residuals, np.asarray(x0, float), jac=jacobian, bounds=bounds,
                                  method="trf", x_scale=1.0, ftol=tolerance, xtol=tolerance,
                                  gtol=tolerance, max_nfev=max_evaluations, diff_step=difference_step,
                                  loss=loss, f_scale=loss_scale)
