"""Confidence intervals: Fisher information (quick look) and profile likelihood (final).

Both work on the internal coordinates x of :mod:`homeostasis.fitting.objective` and are
returned in linear units. For a log-transformed parameter the Fisher interval is
exp(x +- z se(x)) (asymmetric, always positive) and the standard error is the delta-method
value theta * se(x).

Directions the data do not inform are found from the singular values of the weighted
Jacobian: a singular value below ``NULL_TOLERANCE`` times the largest is a null direction,
and every parameter with a sizeable component along one (``NULL_COMPONENT``) is
unidentifiable: its standard error is infinite, its Fisher interval the whole search range
and its correlations undefined (NaN).

The profile interval is the set of values whose profile chi-square (re-minimised over the
other parameters, in units of the noise variance) rises by less than the chi-square quantile
with one degree of freedom for the confidence (3.84 for 95 %). An end where the profile never
crossed that threshold (it reached a bound, or the search range) is *open*: the interval is
reported to the last point reached and flagged, and the parameter is not identifiable there.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .objective import DIFFERENCE_SCHEMES

NULL_TOLERANCE = 1e-6
NULL_COMPONENT = 0.1


def chi2_threshold(confidence: float) -> float:
    return float(stats.chi2.ppf(confidence, 1))


def z_value(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def fisher(jacobian, variance):
    """(se of x with inf where unidentifiable, covariance, correlation, unidentifiable mask)."""
    k = jacobian.shape[1]
    if jacobian.size == 0 or not np.all(np.isfinite(jacobian)):
        return np.full(k, np.inf), np.full((k, k), np.nan), np.full((k, k), np.nan), np.ones(k, bool)
    _, singular, vt = np.linalg.svd(jacobian, full_matrices=True)
    singular = np.concatenate((singular, np.zeros(k - len(singular))))
    null = singular <= NULL_TOLERANCE * max(singular.max(), np.finfo(float).tiny)
    weight = np.sqrt(np.sum(vt[null].T ** 2, axis=1)) if null.any() else np.zeros(k)
    unidentifiable = weight > NULL_COMPONENT
    inverse = np.where(null, 0.0, 1.0 / np.where(null, 1.0, singular) ** 2)
    covariance = variance * (vt.T * inverse) @ vt
    covariance[unidentifiable, :] = np.nan
    covariance[:, unidentifiable] = np.nan
    se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    se[unidentifiable] = np.inf
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = covariance / np.outer(se, se)
    correlation[unidentifiable, :] = np.nan
    correlation[:, unidentifiable] = np.nan
    return se, covariance, correlation, unidentifiable


def profile_interval(values, delta, x_hat, threshold, lower, upper):
    """(low, high) in x and whether each end is open, from one profile path."""
    order = np.argsort(values)
    values, delta = np.asarray(values, float)[order], np.asarray(delta, float)[order]
    start = int(np.argmin(np.abs(values - x_hat)))
    ends, open_ends = [], []
    for direction in (-1, 1):
        end, is_open = _crossing(values, delta, start, direction, threshold)
        ends.append(end)
        open_ends.append(is_open)
    return (ends[0], ends[1]), (open_ends[0], open_ends[1])


def _crossing(values, delta, start, direction, threshold):
    """Where sqrt(delta chi-square) reaches sqrt(threshold) walking from ``start``."""
    target = np.sqrt(threshold)
    index = start
    while 0 <= index + direction < len(values):
        nxt = index + direction
        if np.isfinite(delta[nxt]) and delta[nxt] >= threshold:
            z0, z1 = np.sqrt(max(delta[index], 0.0)), np.sqrt(delta[nxt])
            fraction = (target - z0) / (z1 - z0) if z1 > z0 else 1.0
            return values[index] + fraction * (values[nxt] - values[index]), False
        index = nxt
    return values[index], True


# ---- profile likelihood --------------------------------------------------------------------
MAX_POINTS = 40  # profile points per side before the search gives up (the end is then open)
POINTS_TO_THRESHOLD = 4  # adaptive step: aim to reach the threshold in about this many steps
REOPTIMISE_TOLERANCE = 1e-8


def profile_paths(problem, x_hat, chi2_hat, variance, se_x, lower, upper, *, threshold, gradient="exact",
                  indices=None, progress=None):
    """For each parameter j, the profile path (x_j values, delta chi-square), both sides.

    Every point re-optimises all other parameters (started from a linear extrapolation of the
    last two points). The step adapts so that sqrt(delta chi-square) rises by about
    sqrt(threshold) / POINTS_TO_THRESHOLD per step (between half and four times the previous
    step, at most a tenth of the search range); a side ends when delta chi-square exceeds
    ``threshold``, at the bound, or after MAX_POINTS points (then open).
    """
    from .pesto import Progress

    indices = range(len(x_hat)) if indices is None else list(indices)
    report = Progress("profiles", len(indices), progress)
    out = {}
    for j in indices:
        sides = [_walk(problem, j, direction, x_hat, chi2_hat, variance, se_x[j], lower, upper, threshold, gradient)
                 for direction in (-1.0, 1.0)]
        values = np.concatenate((sides[0][0][::-1], [x_hat[j]], sides[1][0]))
        delta = np.concatenate((sides[0][1][::-1], [0.0], sides[1][1]))
        out[j] = (values, delta)
        report.step(problem.names[j])
    report.done()
    return out


def _walk(problem, j, direction, x_hat, chi2_hat, variance, se, lower, upper, threshold, gradient):
    limit = upper[j] if direction > 0 else lower[j]
    span = upper[j] - lower[j]
    max_step = 0.1 * span
    target = np.sqrt(threshold) / POINTS_TO_THRESHOLD
    step = min(target * se if np.isfinite(se) and se > 0 else 0.01 * span, max_step)
    values, deltas = [], []
    previous, current, z_last = None, np.array(x_hat, float), 0.0
    for _ in range(MAX_POINTS):
        room = abs(limit - current[j])
        if room <= 1e-12 * max(span, 1.0):
            break
        step = min(step, room)
        value = current[j] + direction * step
        guess = current if previous is None else current + (current - previous) * step / max(
            abs(current[j] - previous[j]), 1e-300)
        guess = np.clip(guess, lower, upper)
        chi2, point = profile_chi2(problem, j, value, guess, lower, upper, variance, gradient)
        delta = chi2 - chi2_hat
        if _failed(problem, chi2, variance):  # the model could not be simulated there: shorter step
            if step <= 1e-3 * max_step:
                break
            step /= 4.0
            continue
        values.append(value)
        deltas.append(delta)
        if delta >= threshold:
            _refine(problem, j, values, deltas, z_last, current, point, lower, upper, chi2_hat, variance, threshold,
                    gradient)
            break
        z = np.sqrt(max(delta, 0.0))
        rise = z - z_last
        factor = 4.0 if rise <= 0 else np.clip(target / rise, 0.5, 4.0)
        step = min(step * factor, max_step)
        previous, current, z_last = current, point, z
    return np.array(values), np.array(deltas)


def _failed(problem, chi2, variance) -> bool:
    from .objective import FAILED_RESIDUAL

    return chi2 * variance >= 0.5 * FAILED_RESIDUAL ** 2 * len(problem.data)


REFINEMENTS = 2  # secant steps on sqrt(delta chi-square) once the threshold is crossed


def _refine(problem, j, values, deltas, z_inside, x_inside, x_outside, lower, upper, chi2_hat, variance, threshold,
            gradient):
    """Secant steps between the last point inside and the first beyond the threshold, so the
    interpolated end is accurate to a small fraction of a unit of chi-square."""
    target = np.sqrt(threshold)
    inside = (x_inside[j], z_inside, x_inside)
    outside = (values[-1], np.sqrt(deltas[-1]), x_outside)
    for _ in range(REFINEMENTS):
        (v0, z0, p0), (v1, z1, p1) = inside, outside
        fraction = (target - z0) / (z1 - z0) if z1 > z0 else 0.5
        value = v0 + fraction * (v1 - v0)
        chi2, point = profile_chi2(problem, j, value, p0 + fraction * (p1 - p0), lower, upper, variance, gradient)
        delta = chi2 - chi2_hat
        values.insert(-1, value)
        deltas.insert(-1, delta)
        if abs(np.sqrt(max(delta, 0.0)) - target) < 0.005:
            break
        if delta >= threshold:
            outside = (value, np.sqrt(delta), point)
        else:
            inside = (value, np.sqrt(max(delta, 0.0)), point)


def profile_chi2(problem, j, value, x_start, lower, upper, variance, gradient="exact"):
    """Minimum of chi-square / variance with x_j fixed at ``value``; also the minimising x."""
    from ..numerics.solve import least_squares

    x = np.array(x_start, float)
    x[j] = value
    free = np.arange(len(x)) != j
    residuals = problem.residuals if gradient == "exact" else problem.residuals_only
    if not free.any():
        r = residuals(x)
        return float(r @ r) / variance, x

    def full(z):
        point = x.copy()
        point[free] = z
        return point

    if gradient == "exact":
        def jacobian(z):
            return problem.jacobian(full(z))[:, free]
    else:  # SciPy's forward (or central) differences, the steps of all free parameters in one batch
        def jacobian(z):
            return problem.difference_jacobian(full(z), lower, upper, columns=free,
                                               scheme=DIFFERENCE_SCHEMES[gradient])[:, free]
    margin = 1e-9 * (upper - lower)
    z0 = np.clip(x[free], lower[free] + margin[free], upper[free] - margin[free])
    result = least_squares(lambda z: residuals(full(z)), z0, jacobian=jacobian, bounds=(lower[free], upper[free]),
                           tolerance=REOPTIMISE_TOLERANCE, max_evaluations=50)
    return 2.0 * result.cost / variance, full(result.x)
