"""Forward sensitivities, derived symbolically and compiled once per (structure, parameter subset).

For estimated parameters theta the state sensitivities S = dy/dtheta obey

    dS/dt = J(t, y, p) S + (df/dp)(t, y, p) dp/dtheta,     S(0) = dy0/dtheta,

and the observables g(t, y, p) have sensitivities dg/dy S + dg/dp dp/dtheta. Here ``p`` is the
whole parameter vector and ``dp/dtheta`` is exact: an estimated parameter moves the derived
rate constants (:func:`homeostasis.model.calibration.derived_expressions`, e.g. ``pth_half_life``
sets ``pth_clearance_rate`` and ``pth_synthesis_rate``) and the healthy starting state
(:func:`homeostasis.model.calibration.reference_state_expressions`). The SymPy partial derivatives
are only taken with respect to the *active* parameters: the estimated ones, the derived ones
that depend on them, and ``ca_clamp_target`` (which a relative calcium clamp sets from the
state at the clamp's start, so it inherits a sensitivity).

The compiled staggered corrector (:mod:`homeostasis.numerics.sensitivity_driver`) integrates
them with the states, calling ``dfdp``, ``dgdy`` and ``dgdp`` of the generated module by address;
``rhs`` and ``jacobian`` of the augmented system serve the SciPy reference path.

Sensitivities are carried *scaled*: column j holds ``c_j dy/dtheta_j`` with ``c_j = theta_j``
for a log-transformed parameter (so it is dy/dlog theta_j) and a fixed scale otherwise. Scaled
columns have the size of the states, so the integrator uses the states' tolerances for them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import UnknownNameError
from ..numerics.cache import compile_model, load_generated, structure_key
from ..parameters.table import parameter_names, parameter_table
from ..protocol.events import CLAMP_TARGET
GENERATOR_VERSION = "4"


def active_parameters(estimated) -> tuple[str, ...]:
    """Estimated names, derived parameters depending on them, and the clamp target."""
    estimated = tuple(estimated)
    chosen = set(estimated)
    derived = [name for name, depends in compile_model().derived_depends.items()
               if name not in chosen and set(depends) & chosen]
    extra = () if CLAMP_TARGET in chosen else (CLAMP_TARGET,)
    return estimated + tuple(derived) + extra


def sensitivity_key(estimated) -> str:
    digest = hashlib.sha256(structure_key().encode())
    digest.update(f"{GENERATOR_VERSION}|{','.join(estimated)}".encode())
    return digest.hexdigest()[:20]


def _source(estimated, active, chained, model_module) -> str:
    from ..model import build_model
    from ..model.calibration import derived_expressions, reference_state_expressions
    from ..numerics.codegen import generate_sensitivity_source

    return generate_sensitivity_source(build_model(), derived_expressions(), reference_state_expressions(),
                                       estimated, active, chained, model_module)


@dataclass(frozen=True)
class SensitivityModel:
    """Compiled sensitivity functions for one subset of estimated parameters."""

    estimated: tuple
    active: tuple
    active_index: np.ndarray  # positions of the active parameters in the full vector
    chained: tuple  # derived parameters (among the active ones) re-derived from the estimated ones

    def __post_init__(self):
        compiled = compile_model()
        module = load_generated("sensitivity", sensitivity_key(self.estimated),
                                lambda: _source(self.estimated, self.active, self.chained, compiled.module.__name__),
                                requires=(compiled.module,))
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "compiled", compiled)

    @property
    def module(self):
        """The generated module (its functions go to the compiled sensitivity kernel)."""
        return self._module

    def dfdp(self, t, y, p):
        return self._module.dfdp(t, y, p)

    def rhs(self, t, z, p, dp):
        """Right-hand side of the augmented system (states, then one block per parameter)."""
        return self._module.augmented_rhs(t, z, p, dp)

    def jacobian(self, t, z, p, dp):
        """Block-diagonal approximation diag(J, ..., J) of the augmented Jacobian."""
        return self._module.augmented_jacobian(t, z, p, dp)

    def dgdy(self, t, y, p):
        return self._module.dgdy(t, y, p)

    def dgdp(self, t, y, p):
        return self._module.dgdp(t, y, p)

    def parameter_sensitivity(self, p, scales, overridden=()) -> np.ndarray:
        """dp_active/dtheta (active x estimated), columns scaled by ``scales``.

        Derived parameters whose value was set directly (``overridden``) do not follow the
        estimated ones.
        """
        k = len(self.estimated)
        dp = np.zeros((len(self.active), k))
        dp[np.arange(k), np.arange(k)] = 1.0
        partial = self._module.dderived(0.0, np.zeros(1), p)
        for row, name in enumerate(self.chained):
            if name not in overridden:
                dp[self.active.index(name)] = partial[row, :] @ dp  # no derived-of-derived chains
        return dp * np.asarray(scales, float)[None, :]

    def initial_sensitivity(self, p, dp) -> np.ndarray:
        """d(healthy reference state)/dtheta (states x estimated)."""
        return self._module.dy0dp(0.0, np.zeros(1), p) @ dp

    def observable_sensitivity(self, t, y, s, p, dp) -> np.ndarray:
        """d(observables)/dtheta at one time (observables x estimated)."""
        return self.dgdy(t, y, p) @ s + self.dgdp(t, y, p) @ dp


@lru_cache(maxsize=16)
def sensitivity_model(estimated: tuple) -> SensitivityModel:
    """The compiled sensitivity model for ``estimated`` (built on first use, then cached on disk)."""
    estimated = tuple(estimated)
    table = parameter_table()
    for name in estimated:  # fail early on a name the table does not know
        if name not in table:
            raise UnknownNameError("parameter", name, table)
    active = active_parameters(estimated)
    names = parameter_names()
    derived = set(compile_model().derived_names)
    chained = tuple(name for name in active if name in derived and name not in estimated)
    index = np.array([names.index(name) for name in active])
    return SensitivityModel(estimated, active, index, chained)
