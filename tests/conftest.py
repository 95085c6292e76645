"""Shared, session-scoped model objects for the numerical and clinical tests.

Compiling, building the SymPy model and lambdifying it are done once per test session.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

# The test session runs the numba path and starts no background build of the ahead-of-time
# extension (a detached 35-s compile per fresh cache, and a driver that would change under the
# running workers once built); tests/test_aot.py switches it on where it tests it.
os.environ.setdefault("HOMEOSTASIS_AOT", "0")
# A first run on a fresh cache does not take the SciPy path while the driver compiles in the
# background (tests check which solver ran); tests/test_driver.py switches it on where it tests it.
os.environ.setdefault("HOMEOSTASIS_WAIT_FOR_DRIVER", "1")

import numpy as np
import pytest
import sympy as sp

import homeostasis as h
from homeostasis.model.calibration import reference_state, state_scale
from homeostasis.numerics.cache import compile_model
from homeostasis.model import build_model
from homeostasis.parameters import ParameterSet
from helpers import LAMBDIFY_MODULES, PARATHYROIDECTOMY, WASHOUT_TIMES


@pytest.fixture(scope="session")
def model():
    return build_model()


@pytest.fixture(scope="session")
def compiled():
    return compile_model()


@pytest.fixture(scope="session")
def parameters():
    return ParameterSet.default()


@pytest.fixture(scope="session")
def reference(parameters):
    """The healthy reference state vector."""
    return reference_state(parameters)


@pytest.fixture(scope="session")
def scale(parameters):
    """Typical size of each state (no zeros)."""
    return state_scale(parameters)


@pytest.fixture(scope="session")
def observe(compiled):
    """observe(y, parameter_set_or_vector, t=0) -> {observable: value} from the compiled model."""
    def evaluate(y, p, t=0.0):
        vector = p.vector if isinstance(p, ParameterSet) else np.asarray(p, float)
        values = compiled.observables(np.array([t]), np.asarray(y, float)[None, :], vector)[0]
        return dict(zip(compiled.observable_names, values.tolist()))
    return evaluate


@pytest.fixture(scope="session")
def symbolic(model):
    """The SymPy model evaluated by ``sympy.lambdify`` (independent of the generated code).

    Functions take (t, y, p): ``rhs``, ``observables`` and ``rates`` (every process rate, in
    ``model.processes`` order).
    """
    args = [model.time, model.state_symbols, model.parameter_symbols]

    def make(expressions):
        return sp.lambdify(args, list(expressions), modules=LAMBDIFY_MODULES)

    rhs = make(model.rhs())
    observables = make(o.expression for o in model.observables)
    rates = make(p.rate for p in model.processes)
    return SimpleNamespace(
        rhs=lambda t, y, p: np.array(rhs(t, y, p), float),
        observables=lambda t, y, p: dict(zip(model.observable_names, observables(t, y, p))),
        rates=lambda t, y, p: np.array(rates(t, y, p), float),
        process_names=tuple(p.name for p in model.processes),
    )


@pytest.fixture(scope="session")
def healthy():
    """Observables at the healthy steady state (public API)."""
    return h.steady_state()


@pytest.fixture(scope="session")
def washout():
    """Parathyroidectomy at t = 0: no stored PTH and no gland, 30 min at 30 s resolution."""
    return h.simulate(times=WASHOUT_TIMES, initial_amounts=PARATHYROIDECTOMY)


SLOW_FILES = ("test_sbml.py", "test_notebooks.py")  # cross-simulator and notebook layers


def pytest_collection_modifyitems(config, items):
    """Whole files that are slow layers are marked here (PyBaMM marks its tiers by path)."""
    for item in items:
        if item.path.name in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
