"""Property-based checks (hypothesis): random in-bounds inputs integrate cleanly or are refused.

Random parameter sets within the table's bounds and random intervention schedules must give
finite, non-negative concentrations without hanging, or be refused with the package's own
one-line error (a derived rate constant out of range, a solver failure naming the time).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import homeostasis as h
from homeostasis.errors import HomeostasisError
from homeostasis.parameters import parameter_table
from homeostasis.protocol import Intervention
from homeostasis.protocol.catalogue import CATALOGUE

# physiology parameters that shape responses (inputs such as doses are exercised by interventions)
TABLE = parameter_table()
SHAPES = sorted(n for n, i in TABLE.items() if i.kind == "physiology" and i.upper > i.lower
                and any(k in n for k in ("half", "hill", "emax", "time_constant", "share", "exponent")))
CONCENTRATIONS = ("ca_total", "ca_ionized", "phosphate", "pth", "calcitriol", "calcidiol", "fgf23")
SETTINGS = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _fraction_of_range(name, fraction):
    info = TABLE[name]
    return info.lower + fraction * (info.upper - info.lower)


@st.composite
def parameter_sets(draw):
    names = draw(st.lists(st.sampled_from(SHAPES), min_size=1, max_size=4, unique=True))
    return {name: _fraction_of_range(name, draw(st.floats(0.0, 1.0))) for name in names}


@st.composite
def schedules(draw):
    """One to three interventions from the catalogue with random in-bounds options."""
    items = []
    for name in draw(st.lists(st.sampled_from(sorted(CATALOGUE)), min_size=1, max_size=3)):
        spec = CATALOGUE[name]
        options = {}
        for option in spec.options:
            if option.default is None or option.name == "days":
                continue
            if option.choices:  # a named choice (the calcium salt)
                options[option.name] = draw(st.sampled_from(option.choices))
                continue
            low, high = option.lower, option.upper
            if option.name.startswith("every"):  # keep the number of doses small
                low = max(low, (high - low) / 4)
            options[option.name] = draw(st.floats(low, high, allow_nan=False))
        day = draw(st.floats(0.0, 20.0))
        items.append(Intervention(name, day, options))
    return items


def _check(result):
    values = np.column_stack([result[name] for name in CONCENTRATIONS])
    assert np.all(np.isfinite(values)), "a concentration is not finite"
    assert np.all(values >= 0.0), "a concentration is negative"


@SETTINGS
@given(parameter_sets())
def test_random_parameter_sets_integrate_or_are_refused(values):
    try:
        result = h.simulate("healthy", days=60, parameters=values)
    except HomeostasisError as error:  # refused: one line naming what is wrong
        assert "\n" not in str(error).strip()
        return
    _check(result)


@SETTINGS
@given(schedules())
def test_random_intervention_schedules_integrate_or_are_refused(items):
    try:
        result = h.simulate("healthy", days=30, interventions=items)
    except HomeostasisError as error:
        assert "\n" not in str(error).strip()
        return
    _check(result)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(parameter_sets(), st.sampled_from(["healthy", "ckd", "parathyroid-adenoma", "hypoparathyroidism"]))
def test_random_parameters_on_every_disease_integrate_or_are_refused(values, scenario):
    try:
        result = h.simulate(scenario, days=365, parameters=values)
    except HomeostasisError as error:
        assert "\n" not in str(error).strip()
        return
    _check(result)
