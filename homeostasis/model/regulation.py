"""Regulatory response functions, each normalised to 1 at the healthy reference.

Normalising every factor at the reference keeps the healthy state an exact steady state
whatever shape (half-point, Hill coefficient, maximal effect) a user chooses, so shapes can
be fitted without re-calibrating the daily budget (baseline-budget.md, step 3).
"""

from __future__ import annotations

import sympy as sp


class pos(sp.Function):
    """Positive part, max(x, 0): keeps fractional powers of concentrations real when the
    integrator steps a few ulp below zero."""

    def fdiff(self, argindex=1):
        return step(self.args[0])


class step(sp.Function):
    """Heaviside step with step(0) = 0, the derivative of :class:`pos`."""

    def fdiff(self, argindex=1):
        return sp.S.Zero


class power(sp.Function):
    """x**n whose derivative is written n*x**(n-1): SymPy's own form, n*x**n/x, is 0/0 at x = 0
    (an emptied pool, or phosphate exactly at a threshold) and would put NaN in the Jacobian."""

    def fdiff(self, argindex=1):
        base, exponent = self.args
        if argindex == 1:
            return exponent * power(base, exponent - 1)
        return power(base, exponent) * sp.log(base)


def hill(x, half, n):
    """Saturating Hill occupancy x^n / (x^n + half^n), 0 at x = 0 and 1 at x -> inf."""
    return power(x, n) / (power(x, n) + power(half, n))


def two_branch_hill(x, reference, half, n, lower_n, switch):
    """Hill occupancy ``hill(x, half, n)`` above ``reference`` and a Hill of exponent ``lower_n``
    below it, the two equal at the reference (the lower half-point solves
    half_low^lower_n = half^n reference^(lower_n - n)) and blended by the switch
    hill(x, reference, switch): value exact at the reference, first derivative continuous, and
    the upper branch today's within (reference/x)^switch. ``lower_n == n`` gives ``hill``."""
    lower_half_power = power(half, n) * power(reference, lower_n - n)
    lower = power(x, lower_n) / (power(x, lower_n) + lower_half_power)
    upper_weight = hill(x, reference, switch)
    return upper_weight * hill(x, half, n) + (1 - upper_weight) * lower


def emax_effect(dose, emax, ed50):
    """Hyperbolic (Emax) dose-effect, emax * dose / (dose + ed50): 0 without the drug."""
    return emax * dose / (dose + ed50)


def relative_hill(x, reference, half, n):
    """Hill occupancy relative to its value at the reference (0 .. (1 + (half/ref)^n))."""
    return hill(x, half, n) / hill(reference, half, n)


def stimulation(x, reference, half, n, emax):
    """1 + emax * occupancy, relative to the reference: a stimulus that can rise (1 + emax)-fold."""
    return (1 + emax * hill(x, half, n)) / (1 + emax * hill(reference, half, n))


def suppression(x, reference, half, n, floor=0):
    """An inhibitory factor falling from its zero-input value towards ``floor`` (relative)."""
    def raw(value):
        return floor + (1 - floor) / (1 + (value / half) ** n)
    return raw(x) / raw(reference)


def smooth_minimum(x, maximum, sharpness):
    """x * T / (x^k + T^k)^(1/k): ~x when x << T and ~T when x >> T (a transport maximum
    with splay, as in the TmP/GFR nomogram)."""
    return x * maximum / (x**sharpness + maximum**sharpness) ** (1 / sharpness)


def tracking_rate(signal, tracker, rise_time, fall_time, switch):
    """Rate constant (/day) of a state that follows ``signal`` over ``rise_time`` while the signal
    is above it and over ``fall_time`` while below: a logistic switch of width ``switch`` between
    the two. A hard switch (max(x, 0) on either side) puts a kink at every steady state, where
    the analytic Jacobian reads 0 instead of the mean of the two rate constants."""
    rising = 1 / (1 + sp.exp(-(signal - tracker) / switch))
    return rising / rise_time + (1 - rising) / fall_time


def lambdify_modules(backend: str = "math") -> list:
    """Modules for ``sympy.lambdify`` that know this package's functions (pos, step, power)."""
    if backend == "numpy":
        import numpy as np

        own = {"pos": lambda x: np.maximum(x, 0.0), "step": lambda x: np.heaviside(x, 0.0), "power": np.power}
    else:
        own = {"pos": lambda x: max(x, 0.0), "step": lambda x: 1.0 if x > 0 else 0.0, "power": pow}
    return [own, backend]
