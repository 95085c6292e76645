"""The two-branch distal PTH gain (``dct_pth_lower_hill``, 5; off when equal to
``dct_pth_hill``): a steeper Hill below reference PTH joined to today's Hill above it."""

import numpy as np
import sympy as sp
from numpy.testing import assert_allclose

from homeostasis.model.regulation import hill, lambdify_modules, two_branch_hill

x = sp.Symbol("x", positive=True)
REFERENCE, HALF, N = 3.5, 2.5, 2.0


def curve(lower_n, switch=10.0):
    expression = two_branch_hill(x, REFERENCE, HALF, N, lower_n, switch)
    return sp.lambdify(x, expression, modules=lambdify_modules("numpy")), sp.lambdify(x, sp.diff(expression, x),
                                                                               modules=lambdify_modules("numpy"))


def today(values):
    return sp.lambdify(x, hill(x, HALF, N), modules=lambdify_modules("numpy"))(values)


def test_equal_exponents_give_todays_hill():
    values = np.linspace(0.0, 20.0, 81)
    assert_allclose(curve(N)[0](values), today(values), rtol=1e-12, atol=1e-15)


def test_branches_meet_at_the_reference_and_the_upper_branch_is_todays():
    value, slope = curve(6.0)
    assert_allclose(value(REFERENCE), today(REFERENCE), rtol=1e-12)
    upper = np.array([1.5, 2.0, 4.0, 10.0]) * REFERENCE
    # the switch leaves a weight (reference/x)^10 on the lower branch: 1.7 % at 1.5x, 0.3 % of the value
    assert_allclose(value(upper), today(upper), rtol=5e-3)
    # the first derivative is continuous: one-sided difference quotients agree at the joint
    step = 1e-6
    assert_allclose((value(REFERENCE + step) - value(REFERENCE)) / step,
                    (value(REFERENCE) - value(REFERENCE - step)) / step, rtol=1e-4)
    assert np.all(slope(np.linspace(0.1, 30.0, 300)) > 0)  # monotone: more PTH, more reabsorption


def test_lower_branch_falls_faster_below_the_reference():
    value, _ = curve(6.0)
    lower = np.array([0.3, 0.5, 0.7]) * REFERENCE
    assert np.all(value(lower) < today(lower))
    # far below the joint it is the Hill of exponent 6 with the matched half-point
    half_low = (HALF**N * REFERENCE ** (6.0 - N)) ** (1 / 6.0)
    assert_allclose(value(0.3 * REFERENCE), (0.3 * REFERENCE) ** 6 / ((0.3 * REFERENCE) ** 6 + half_low**6), rtol=1e-3)
