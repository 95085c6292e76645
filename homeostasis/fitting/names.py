"""Estimated names as users write them: model parameters, or scenario knobs as ``homeostasis
list`` shows them (``burden`` of granulomatous-calcitriol, ``gfr_final`` of ckd; a knob's
deprecated name, such as ``final_gfr``, still resolves, with a warning).

A knob is estimated through the one model parameter it sets, which must be proportional to
it (``granuloma_burden = burden``, ``gfr_decline_days = 365.25 years``): the knob's value is
then the parameter's value divided by that factor, its bounds are the knob's bounds (within the
parameter's) and its sensitivities follow by the chain rule. A knob that sets several
parameters or sets one non-proportionally cannot be estimated; the message names the parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import HomeostasisError, ParameterValueError, UnknownNameError
from ..parameters.table import parameter_table


@dataclass(frozen=True)
class Estimated:
    """One estimated quantity: its user name and the model parameter it moves."""

    name: str  # as the user wrote it (a parameter or a knob)
    parameter: str  # the model parameter
    factor: float  # parameter = factor x value
    unit: str
    lower: float  # bounds of the user value
    upper: float


def resolve(name: str, scenario) -> Estimated:
    """The model parameter behind ``name`` (a parameter of the table or a knob of ``scenario``)."""
    table = parameter_table()
    if name in table:
        info = table[name]
        if info.kind in ("constant", "derived"):
            raise ParameterValueError(f"{name} is a {info.kind} parameter and cannot be estimated; "
                                      f"estimate the reference or physiology values it depends on")
        return Estimated(name, name, 1.0, info.unit, info.lower, info.upper)
    current = scenario.canonical_name(name)
    knob = next((k for k in scenario.knobs if k.name == current), None)
    if knob is None:
        valid = list(table) + list(scenario.knob_names())
        raise UnknownNameError("parameter or knob" if scenario.knobs else "parameter", name, valid)
    return _knob(scenario, knob, table, name)


def _knob(scenario, knob, table, written) -> Estimated:
    defaults = {k.name: k.default for k in scenario.knobs}
    probes = [max(knob.default, 1e-3 * max(knob.upper, 1.0)), None]
    probes[1] = probes[0] * 1.5
    changes = [scenario.parameter_changes({**defaults, knob.name: value}) for value in probes]
    moved = sorted(n for n in changes[0] if not np.isclose(changes[0][n], changes[1].get(n), rtol=1e-12, atol=0))
    where = f"knob {knob.name!r} of scenario {scenario.name!r}"
    if len(moved) != 1:
        raise HomeostasisError(f"{where} sets {', '.join(moved) or 'no parameter'}; it can be estimated only if "
                               f"it sets exactly one model parameter (estimate the parameters instead)")
    parameter = moved[0]
    ratios = [changes[i][parameter] / probes[i] for i in range(2)]
    if not np.isclose(ratios[0], ratios[1], rtol=1e-10) or ratios[0] <= 0:
        raise HomeostasisError(f"{where} sets {parameter} non-proportionally; estimate {parameter} instead")
    info = table[parameter]
    lower, upper = max(knob.lower, info.lower / ratios[0]), min(knob.upper, info.upper / ratios[0])
    return Estimated(written, parameter, float(ratios[0]), knob.unit, lower, upper)
