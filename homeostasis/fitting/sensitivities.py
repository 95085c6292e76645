"""Forward sensitivities, derived symbolically and compiled once per (structure, parameter subset).

For estimated parameters theta the state sensitivities S = dy/dtheta obey

    dS/dt = J(t, y, p) S + (df/dp)(t, y, p) dp/dtheta,     S(0) = dy0/dtheta,

and the observables g(t, y, p) have sensitivities dg/dy S + dg/dp dp/dtheta. Here ``p`` is the
whole parameter vector and ``dp/dtheta`` is exact: an estimated parameter moves the derived
rate constants (:func:`homeostasis.calibration.derived_expressions`, e.g. ``pth_half_life``
sets ``pth_clearance_rate`` and ``pth_synthesis_rate``) and the healthy starting state
(:func:`homeostasis.calibration.reference_state_expressions`). The SymPy partial derivatives
are only taken with respect to the *active* parameters: the estimated ones, the derived ones
that depend on them, and ``ca_clamp_target`` (which a relative calcium clamp sets from the
state at the clamp's start, so it inherits a sensitivity).

Sensitivities are carried *scaled*: column j holds ``c_j dy/dtheta_j`` with ``c_j = theta_j``
for a log-transformed parameter (so it is dy/dlog theta_j) and a fixed scale otherwise. Scaled
columns have the size of the states, so the integrator uses the states' tolerances for them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import sympy as sp

from ..compile import cache_directory, compile_model, structure_key
from ..parameters import parameter_names, parameter_table

CLAMP_TARGET = "ca_clamp_target"
GENERATOR_VERSION = "3"


def active_parameters(estimated) -> tuple[str, ...]:
    """Estimated names, derived parameters depending on them, and the clamp target."""
    from ..calibration import derived_expressions

    estimated = tuple(estimated)
    chosen = set(estimated)
    derived = [name for name, expr in derived_expressions().items()
               if name not in chosen and {s.name for s in expr.free_symbols} & chosen]
    extra = () if CLAMP_TARGET in chosen else (CLAMP_TARGET,)
    return estimated + tuple(derived) + extra


def sensitivity_key(estimated) -> str:
    digest = hashlib.sha256(structure_key().encode())
    digest.update(resources.files("homeostasis").joinpath("calibration.py").read_bytes())
    digest.update(f"{GENERATOR_VERSION}|{','.join(estimated)}".encode())
    return digest.hexdigest()[:20]


def generate_sensitivity_source(estimated) -> str:
    """Module source: ``dfdp``, ``dgdy``, ``dgdp``, ``dy0dp`` and ``dderived`` as njit functions.

    Each takes ``(t, y, p)``; the columns are :func:`active_parameters` in order.
    """
    from ..calibration import derived_expressions, reference_state_expressions
    from ..codegen import HEADER, _function
    from ..model import build_model

    model = build_model()
    active = active_parameters(estimated)
    symbols = [sp.Symbol(name, real=True) for name in active]
    m, n = len(active), len(model.states)
    rhs = list(model.rhs())
    observables = [o.expression for o in model.observables]
    reference = reference_state_expressions()
    derived = derived_expressions()
    chained = [name for name in active if name in derived and name not in estimated]

    def entries(rows, columns):
        out = []
        for i, expr in enumerate(rows):
            for j, symbol in enumerate(columns):
                value = sp.diff(expr, symbol)
                if value != 0:
                    out.append((f"{i}, {j}", value))
        return out

    compile_model()  # the augmented system calls the compiled model's own rhs and jacobian
    parts = [
        HEADER,
        _function("dfdp", ["t", "y", "p"], entries(rhs, symbols), f"({n}, {m})", model, "zeros"),
        _function("dgdy", ["t", "y", "p"], entries(observables, model.state_symbols),
                  f"({len(observables)}, {n})", model, "zeros"),
        _function("dgdp", ["t", "y", "p"], entries(observables, symbols), f"({len(observables)}, {m})",
                  model, "zeros"),
        _function("dy0dp", ["t", "y", "p"], entries([reference[s.name] for s in model.states], symbols),
                  f"({n}, {m})", model, "zeros"),
        AUGMENTED.replace("MODULE", f"homeostasis_model_{compile_model().key}"),
        _function("dderived", ["t", "y", "p"], entries([derived[name] for name in chained], symbols),
                  f"({max(len(chained), 1)}, {m})", model, "zeros"),
    ]
    return "\n\n".join(parts) + "\n"


AUGMENTED = '''import sys
_model = sys.modules["MODULE"]
_rhs = _model.rhs
_jacobian = _model.jacobian


@njit(cache=True, error_model="numpy")
def augmented_rhs(t, z, p, dp):
    # explicit loops, not BLAS: threaded BLAS on matrices this small is slower by 10-50x
    k = dp.shape[1]
    n = z.shape[0] // (k + 1)
    m = dp.shape[0]
    y = z[:n]
    out = np.empty(z.shape[0])
    out[:n] = _rhs(t, y, p)
    jac = _jacobian(t, y, p)
    partial = dfdp(t, y, p)
    for j in range(k):
        base = n * (j + 1)
        for i in range(n):
            total = 0.0
            for q in range(m):
                total += partial[i, q] * dp[q, j]
            for c in range(n):
                total += jac[i, c] * z[base + c]
            out[base + i] = total
    return out


@njit(cache=True, error_model="numpy")
def augmented_jacobian(t, z, p, dp):
    k = dp.shape[1]
    n = z.shape[0] // (k + 1)
    jac = _jacobian(t, z[:n], p)
    out = np.zeros((z.shape[0], z.shape[0]))
    for j in range(k + 1):
        out[n * j:n * (j + 1), n * j:n * (j + 1)] = jac
    return out'''


@lru_cache(maxsize=None)
def _load(estimated: tuple):
    compile_model()._module  # load the model module first: the generated code imports it by name
    key = sensitivity_key(estimated)
    path = cache_directory() / f"homeostasis_sensitivity_{key}.py"
    if not path.exists():
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(generate_sensitivity_source(estimated))
        os.replace(temporary, path)  # atomic, as in homeostasis.compile
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # numba's on-disk cache re-imports the module by name
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class SensitivityModel:
    """Compiled sensitivity functions for one subset of estimated parameters."""

    estimated: tuple
    active: tuple
    active_index: np.ndarray  # positions of the active parameters in the full vector
    chained: tuple  # derived parameters (among the active ones) re-derived from the estimated ones

    def __post_init__(self):
        object.__setattr__(self, "_module", _load(self.estimated))
        object.__setattr__(self, "compiled", compile_model())

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
    from ..calibration import derived_expressions

    estimated = tuple(estimated)
    active = active_parameters(estimated)
    names = parameter_names()
    derived = derived_expressions()
    chained = tuple(name for name in active if name in derived and name not in estimated)
    index = np.array([names.index(name) for name in active])
    for name in estimated:  # fail early on a name the table does not know
        parameter_table()[name]
    return SensitivityModel(estimated, active, index, chained)
