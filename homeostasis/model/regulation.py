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


def hill(x, half, n):
    """Saturating Hill occupancy x^n / (x^n + half^n), 0 at x = 0 and 1 at x -> inf."""
    return x**n / (x**n + half**n)


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
