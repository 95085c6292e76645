"""Numeric access to the calcinosis chemistry and the KDOQI calcium x phosphate flags."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp

from .model.chemistry import PHASES, saturation_indices as _symbolic_saturation
from .model.regulation import lambdify_modules
from .model.symbols import P
from .parameters import ParameterSet

# KDOQI 2003 guideline 6.5 (55 mg^2/dL^2) and the older consensus ceiling (70 mg^2/dL^2)
CALCIFICATION_RISK = 4.4  # mmol^2/L^2
HIGH_CALCIFICATION_RISK = 5.6  # mmol^2/L^2


@lru_cache(maxsize=1)
def _saturation_function():
    ca, phosphate, ph = sp.symbols("_saturation_ca _saturation_phosphate _saturation_ph", real=True)
    expressions = _symbolic_saturation(ca, phosphate, ph)
    outputs = [expressions[p] for p in PHASES]
    return sp.lambdify([ca, phosphate, ph, P.all()], outputs, modules=lambdify_modules("numpy"))


def saturation_indices(ca_ionized, phosphate, ph, *, parameters=None) -> dict[str, np.ndarray]:
    """log10(IAP/Ksp) of each calcium phosphate phase for ionized Ca and total phosphate (mmol/L).

    The same expressions drive deposition in the model; ``parameters`` (a ParameterSet or
    ``{name: value}``) changes constants such as pKsp values or the ionic strength.
    """
    if not isinstance(parameters, ParameterSet):
        parameters = ParameterSet.default().with_values(parameters or {})
    values = _saturation_function()(np.asarray(ca_ionized, float), np.asarray(phosphate, float),
                                    np.asarray(ph, float), list(parameters.vector))
    return dict(zip(PHASES, values))


def calcification_flag(ca_x_p: float) -> str:
    """KDOQI flag for a total calcium x phosphate product in mmol^2/L^2."""
    if ca_x_p > HIGH_CALCIFICATION_RISK:
        return "high risk"
    if ca_x_p > CALCIFICATION_RISK:
        return "calcification risk"
    return ""
