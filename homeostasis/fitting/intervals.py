"""95 % confidence intervals: Fisher information (quick) and profile likelihood (final).

Both work on the internal coordinates x of :mod:`homeostasis.fitting.objective` and are
returned in linear units. For a log-transformed parameter the Fisher interval is
exp(x +- 1.96 se(x)) (asymmetric, always positive) and the standard error is the delta-method
value theta * se(x). The profile interval is the set of values whose profile chi-square
(the objective re-minimised over the other parameters) rises by less than 3.84 above the
optimum (chi-square with one degree of freedom); with an estimated noise level the objective
is scaled by the residual variance at the optimum.
"""

from __future__ import annotations

import numpy as np

from ..numerics.solve import least_squares

Z95 = 1.959963984540054
CHI2_95 = Z95 ** 2
PROFILE_TOLERANCE = 0.02  # on sqrt(delta chi-square), i.e. about 1 % of the half-width
PROFILE_STEPS = 10


def fisher(jacobian, variance):
    """Standard errors of x from J^T J (pseudo-inverse when not of full rank)."""
    information = jacobian.T @ jacobian
    covariance = variance * np.linalg.pinv(information)
    se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    singular = np.linalg.matrix_rank(information) < information.shape[0]
    return se, covariance, singular


def profile(problem, x_hat, chi2_hat, variance, se_x, lower, upper, gradient="exact"):
    """For each parameter, (low, high) in x and whether each end is open (a bound reached)."""
    out = []
    for j in range(len(x_hat)):
        ends = [_boundary(problem, j, direction, x_hat, chi2_hat, variance, se_x[j], lower, upper, gradient)
                for direction in (-1.0, 1.0)]
        out.append(((ends[0][0], ends[1][0]), (ends[0][1], ends[1][1])))
    return out


def _profile_chi2(problem, j, value, x_start, lower, upper, variance, gradient):
    """Minimum of chi-square with x_j fixed at ``value``; also the minimising x."""
    x = np.array(x_start, float)
    x[j] = value
    free = np.arange(len(x)) != j
    if not free.any():
        residuals = problem.residuals_only(x) if gradient != "exact" else problem.residuals(x)
        return float(residuals @ residuals) / variance, x

    def full(z):
        point = x.copy()
        point[free] = z
        return point

    jacobian = (lambda z: problem.jacobian(full(z))[:, free]) if gradient == "exact" else "2-point"
    residuals = problem.residuals if gradient == "exact" else problem.residuals_only
    z0 = np.clip(x[free], lower[free] + _margin(lower, upper)[free], upper[free] - _margin(lower, upper)[free])
    result = least_squares(lambda z: residuals(full(z)), z0, jacobian=jacobian,
                           bounds=(lower[free], upper[free]), tolerance=1e-8, max_evaluations=50)
    return 2.0 * result.cost / variance, full(result.x)


def _margin(lower, upper):
    span = np.where(np.isfinite(upper - lower), upper - lower, 1.0)
    return 1e-9 * span


def _boundary(problem, j, direction, x_hat, chi2_hat, variance, se, lower, upper, gradient):
    """The x_j at which sqrt(delta chi-square) reaches 1.96 going in ``direction``."""
    limit = upper[j] if direction > 0 else lower[j]
    room = abs(limit - x_hat[j]) if np.isfinite(limit) else np.inf
    step = Z95 * se if np.isfinite(se) and se > 0 else 0.1
    step = min(step, 5.0, room)  # 5 = a factor of ~150 on a log-transformed parameter
    below, above = (0.0, 0.0), None  # (offset, sqrt(delta chi2)) bracketing the target
    x_warm = x_hat
    for _ in range(PROFILE_STEPS):
        value = x_hat[j] + direction * step
        chi2, x_warm = _profile_chi2(problem, j, value, x_warm, lower, upper, variance, gradient)
        z = np.sqrt(max(chi2 - chi2_hat, 0.0))
        if abs(z - Z95) < PROFILE_TOLERANCE:
            return value, False
        if z < Z95:
            below = (step, z)
            if step >= room:
                return limit, True  # the bound is reached inside the confidence region
        else:
            above = (step, z)
        if above is None:  # extrapolate: z grows about linearly with the offset
            step = min(step * min(Z95 / z, 3.0) if z > 0 else step * 3.0, room)
        else:
            (s0, z0), (s1, z1) = below, above
            step = s0 + (Z95 - z0) * (s1 - s0) / (z1 - z0)
    if above is None:
        return (limit, True) if step >= room else (x_hat[j] + direction * below[0], True)
    (s0, z0), (s1, z1) = below, above
    return x_hat[j] + direction * (s0 + (Z95 - z0) * (s1 - s0) / (z1 - z0)), False
