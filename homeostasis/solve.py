"""The one module that calls SciPy: stiff integration and steady-state root finding.

Integration uses LSODA (``scipy.integrate.odeint``) with the compiled analytic Jacobian: it
switches to BDF when the problem is stiff (PTH clears in minutes while bone remodels over
years) and costs the least per step of SciPy's stiff methods for a model of this size.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, optimize

from .errors import SolverError

DEFAULT_RTOL = 1e-8
# reservoirs that change over years to decades and are held fixed in a "clinical" steady state
SLOW_STATES = ("ca_bone_mineral", "phosphate_bone_mineral", "mineral_lung", "mineral_gastric_mucosa",
               "mineral_renal_interstitium", "mineral_arterial_media", "mineral_reference_tissue",
               "mineral_lesion", "phosphate_ectopic_mineral")


def _tolerances(scale, rtol, atol):
    scale = np.maximum(np.abs(np.asarray(scale, float)), 1e-12)
    return rtol, (atol if atol is not None else rtol * 1e-3 * scale)


def integrate_states(compiled, y0, times, p, *, scale, rtol=DEFAULT_RTOL, atol=None,
                     max_steps=500_000) -> np.ndarray:
    """States at ``times`` (days) from ``y0`` at ``times[0]``; raises SolverError on failure."""
    times = np.asarray(times, dtype=float)
    rtol, atol = _tolerances(scale, rtol, atol)
    states, info = integrate.odeint(compiled.rhs, np.asarray(y0, float), times, args=(p,),
                                    Dfun=compiled.jacobian, tfirst=True, rtol=rtol, atol=atol,
                                    mxstep=max_steps, full_output=True, printmessg=False)
    if info["message"] != "Integration successful." or not np.all(np.isfinite(states)):
        _raise_failure(compiled, times, states, info, p)
    return _clip_roundoff(states, atol)


def _clip_roundoff(states, atol):
    # LSODA may undershoot a pool that empties exponentially (PTH after parathyroidectomy) by
    # roughly its absolute tolerance; anything deeper is a genuine failure.
    too_negative = states < -100 * np.broadcast_to(atol, states.shape)
    if np.any(too_negative):
        row, column = np.argwhere(too_negative)[0]
        raise SolverError(f"state {column} became negative ({states[row, column]:.3g})")
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
    raise SolverError(f"integration failed ({info['message'].strip()})",
                      time=float(failed_at if plausible else times[good]), state=state, parameters=p)


def find_steady_state(compiled, y_guess, p, *, scale, time=0.0, fixed=SLOW_STATES,
                      settle_days=(0.0, 365.0, 3650.0), tolerance=1e-7) -> np.ndarray:
    """A steady state near ``y_guess``; the skeletal mineral reservoir is held fixed.

    Bone mineral changes over decades, so a clinical steady state is one in which every other
    pool has settled while the skeleton still gains or loses (the net bone balance is then
    an output). Root finding starts from the guess; if it fails, the model is integrated
    forward and the root is polished from there.
    """
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
    raise SolverError("no steady state found (root finding and 10 years of integration)",
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
    return np.maximum(full(result.x), 0.0)


def _is_steady(compiled, y, p, free, scale, time, tolerance):
    rates = compiled.rhs(time, y, p)[free] / scale[free]
    return bool(np.all(np.isfinite(rates)) and np.max(np.abs(rates)) < tolerance)
