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
