"""Numeric access to the calcinosis chemistry and the KDOQI calcium x phosphate flags.

The saturation indices are the model's own SymPy expressions (:mod:`homeostasis.model.chemistry`),
lambdified on first use; importing this module (as every table with flags does) needs no SymPy.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .errors import ParameterValueError, check_finite_number

# KDOQI 2003 guideline 6.5 (55 mg^2/dL^2) and the older consensus ceiling (70 mg^2/dL^2)
CALCIFICATION_RISK = 4.4  # mmol^2/L^2
HIGH_CALCIFICATION_RISK = 5.6  # mmol^2/L^2


@lru_cache(maxsize=1)
def _saturation_function():
    import sympy as sp

    from .model.chemistry import PHASES, saturation_indices as symbolic
    from .model.regulation import lambdify_modules
    from .model.symbols import P

    # names that cannot collide with a parameter symbol (the model has a parameter "ph")
    ca, phosphate, ph = sp.symbols("_saturation_ca _saturation_phosphate _saturation_ph", real=True)
    expressions = symbolic(ca, phosphate, ph)
    outputs = [expressions[p] for p in PHASES]
    return PHASES, sp.lambdify([ca, phosphate, ph, P.all()], outputs, modules=lambdify_modules("numpy"))


def _concentrations(name, value, lower, upper) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterValueError(f"{name}: expected numbers, got {value!r}") from None
    if not np.all(np.isfinite(array)) or np.any(array < lower) or np.any(array > upper):
        raise ParameterValueError(f"{name}: expected finite values in [{lower:g}, {upper:g}], got {value!r}")
    return array


def saturation_indices(ca_ionized, phosphate, ph, *, parameters=None) -> dict[str, np.ndarray]:
    """log10(IAP/Ksp) of each calcium phosphate phase for ionized Ca and total phosphate (mmol/L).

    The same expressions drive deposition in the model; ``parameters`` (a ParameterSet or
    ``{name: value}``) changes constants such as pKsp values or the ionic strength.
    """
    from .parameters import ParameterSet

    ca_ionized = _concentrations("ca_ionized", ca_ionized, 1e-9, 100.0)
    phosphate = _concentrations("phosphate", phosphate, 1e-9, 100.0)
    ph = _concentrations("ph", ph, 5.0, 9.0)
    if not isinstance(parameters, ParameterSet):
        parameters = ParameterSet.default().with_values(parameters or {})
    phases, function = _saturation_function()
    values = function(ca_ionized, phosphate, ph, list(parameters.vector))
    return dict(zip(phases, values))


def calcification_flag(ca_x_p: float) -> str:
    """KDOQI flag for a total calcium x phosphate product in mmol^2/L^2."""
    value = check_finite_number("ca_x_p", ca_x_p)
    if value < 0:
        raise ParameterValueError(f"ca_x_p: expected a non-negative product, got {value:g}")
    if value > HIGH_CALCIFICATION_RISK:
        return "high risk"
    if value > CALCIFICATION_RISK:
        return "calcification risk"
    return ""
