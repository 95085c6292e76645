"""Forward sensitivities in compiled code: the staggered direct method on the driver's BDF.

The former path handed SciPy's LSODA the augmented system (states and k sensitivity columns,
(k + 1) n equations) with a Python callback per right-hand side and a dense (k + 1) n square
Jacobian to factorise, which made an exact gradient cost about nine plain runs. Here
(``kernels/sensitivity.py.tmpl``) the states take the compiled driver's BDF steps, and after
each accepted step the sensitivity columns are corrected with the state's own LU factor of
I - c J (the staggered corrector of CVODES): no augmented matrix is ever formed, and a step
costs one extra Jacobian, one df/dp and a few sparse triangular solves per column. The
sensitivities' local error takes part in the error test (:data:`ERROR_CONTROL`).

The model's functions and the sensitivity module's ``dfdp``, ``dgdy`` and ``dgdp`` reach the
kernel by address (:mod:`homeostasis.numerics.functions`), so one compiled kernel serves every
model structure and every subset of estimated parameters.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import re
from functools import lru_cache
from importlib import resources
from string import Template

import numpy as np

from ..errors import SolverError
from .cache import load_generated
from .driver import FAILURES, MAX_STEPS, _is_cached, _module_for, driver_key, driver_tolerances, elimination_order
from .driver import finish_helper, start_helper
from .driver import _deferred_signals as deferred_signals  # noqa: F401 (re-exported for the runner)
from .functions import JACOBIAN, driver_addresses, sensitivity_addresses

# sensitivity columns are scaled like the states (see fitting.sensitivities) and held to the
# states' tolerances times this factor, in the Newton iteration and the error test (as the LSODA
# path held them)
SENSITIVITY_TOLERANCE = 10.0
# the sensitivities' local error takes part in the error test and the order choice: without it a
# CKD year's gradient at rtol 1e-8 is off by 8e-4 of its column (4e-6 with it; the LSODA path
# 6e-6), for 21 % more steps on the fit benchmark and 3x more on the CKD year
ERROR_CONTROL = True
COUNT_NAMES = ("rhs", "jacobian", "state LU", "steps", "sensitivity iterations", "sensitivity LU")


@lru_cache(maxsize=1)
def _template() -> str:
    return resources.files("homeostasis.numerics").joinpath("kernels", "sensitivity.py.tmpl").read_text(
        encoding="utf-8")


@lru_cache(maxsize=None)
def _kernel(key: str):
    driver = _module_for(key)
    digest = hashlib.sha256(_template().encode() + key.encode()).hexdigest()[:20]
    return load_generated("sensitivity_kernel", digest,
                          lambda: Template(_template()).safe_substitute(driver_module=driver.__name__),
                          requires=(driver,))


def load_kernel():
    """The compiled staggered-sensitivity kernel (compiled on first use, then cached on disk)."""
    return _kernel(driver_key())


@lru_cache(maxsize=None)
def _function_addresses(module) -> tuple:
    """Addresses of ``dfdp``, ``dgdy`` and ``dgdp`` of a generated sensitivity module."""
    from numba.experimental.function_type import _get_jit_address

    out = []
    for function in (module.dfdp, module.dgdy, module.dgdp):
        function.compile(JACOBIAN)
        out.append(int(_get_jit_address(function, JACOBIAN)))
    return tuple(out)


def function_addresses(module) -> np.ndarray:
    """Addresses of ``dfdp``, ``dgdy`` and ``dgdp`` of a generated sensitivity module."""
    return np.array(_function_addresses(module), dtype=np.int64)


# one line per entry: ``_put(out, q, ...)`` at the flat position q = i * columns + j
_ENTRY = re.compile(r"^\s+_put\(out, (\d+), ", re.MULTILINE)


def structural_pattern(function, shape) -> tuple[np.ndarray, np.ndarray]:
    """``(ptr, col)``: the entries a generated matrix function can make nonzero, row by row.

    The code generator writes one ``_put(out, q, ...)`` line (``out[i, j] = ...`` at the flat
    position ``q``) for each symbolically nonzero entry into a zeroed array
    (:func:`homeostasis.numerics.codegen.function_source`), so the lines are the exact sparsity pattern (the Jacobian is ~8 % of its 57 x 57 entries). Without
    readable source every entry counts.
    """
    try:
        source = inspect.getsource(getattr(function, "py_func", function))
    except (OSError, TypeError):
        source = ""
    entries = sorted({divmod(int(q), shape[1]) for q in _ENTRY.findall(source)})
    if not entries:
        entries = [(i, j) for i in range(shape[0]) for j in range(shape[1])]
    rows = np.array([i for i, _ in entries], dtype=np.int64)
    ptr = np.searchsorted(rows, np.arange(shape[0] + 1)).astype(np.int64)
    return ptr, np.array([j for _, j in entries], dtype=np.int64)


@lru_cache(maxsize=None)
def _patterns(compiled, module):
    n = len(compiled.state_names)
    jac_ptr, jac_col = structural_pattern(compiled.module.jacobian, (n, n))
    if jac_col.shape[0] != compiled.module.JACOBIAN_NONZEROS:  # jacobian_values fills that many, in this order
        raise SolverError(f"the Jacobian's pattern read from its source has {jac_col.shape[0]} entries, "
                          f"its generated nonzeros {compiled.module.JACOBIAN_NONZEROS}")
    return jac_ptr, jac_col, *structural_pattern(module.dfdp, (n, len(module.ACTIVE)))


@lru_cache(maxsize=None)
def _model_addresses(compiled) -> np.ndarray:
    """What the driver's loop calls (``functions.driver_addresses``), as its int64 vector."""
    return np.array(driver_addresses(compiled), dtype=np.int64)


@lru_cache(maxsize=None)
def _jacobian_addresses(compiled) -> np.ndarray:
    """The hoisted sparse Jacobian's addresses (``functions.sensitivity_addresses``), as int64."""
    return np.array(sensitivity_addresses(compiled), dtype=np.int64)


@lru_cache(maxsize=None)
def _elimination_order(compiled) -> np.ndarray:
    return elimination_order(compiled)


_HELPER = ("from homeostasis.numerics.cache import compile_model; "
           "from homeostasis.numerics.functions import sensitivity_addresses; "
           "from homeostasis.numerics.sensitivity_driver import compile_kernel; "
           "sensitivity_addresses(compile_model()); compile_kernel()")


def compile_kernel() -> None:
    """Compile the staggered kernel's ``integrate`` into numba's disk cache without running it
    (the helper's work: the entry calls the model's functions at once, so it is compiled from
    the argument types of the call in :func:`integrate_with_sensitivities`)."""
    from numba import typeof

    ints, vector, matrix = np.zeros(1, dtype=np.int64), np.zeros(1), np.zeros((1, 1))
    arguments = (ints,) * 8 + (0.0, 0.0, vector, vector, vector, matrix, 0.0, vector, 0.0, vector, True, vector,
                               matrix, matrix, 1, 1, MAX_STEPS, ints)
    load_kernel().integrate.compile(tuple(typeof(argument) for argument in arguments))


@contextlib.contextmanager
def compiled_beside():
    """On the first fit of an installation, compile the model's hoisted sparse Jacobian (8.5 s of
    CPU) and the staggered kernel (~15-30 s) in a helper process while the block runs (the
    estimated set's sensitivity code generated with SymPy and compiled, 30-45 s), as the driver is
    compiled beside the model on a first run; the block's end waits for the helper. No helper
    once both are cached, or when the SciPy path integrates the sensitivities."""
    import os

    from .cache import compile_model

    cached = _is_cached(compile_model().module.jacobian_values) and _is_cached(load_kernel().integrate)
    scipy = os.environ.get("HOMEOSTASIS_SOLVER") == "scipy"
    helper = None if cached or scipy else start_helper(_HELPER)
    try:
        yield
    finally:
        finish_helper(helper)


def prepare(module) -> None:
    """Compile (or load) the kernel and bind the model's and ``module``'s functions before
    threads use them."""
    from .cache import compile_model

    load_kernel()
    compiled = compile_model()
    _model_addresses(compiled)
    _jacobian_addresses(compiled)
    _elimination_order(compiled)
    function_addresses(module)


def tolerances(scale, rtol):
    """(state rtol, state atol, sensitivity rtol, sensitivity atol) as the driver sets them."""
    rtol, atol = driver_tolerances(scale, rtol)
    return rtol, atol, rtol * SENSITIVITY_TOLERANCE, atol * SENSITIVITY_TOLERANCE


def integrate_with_sensitivities(compiled, sensitivity, y0, s0, times, p, dp, *, scale, rtol, counts=None,
                                 error_control=None):
    """States (times x states) and sensitivities (times x states x k) at ``times`` (model days)
    from ``y0`` and ``s0`` (states x k) at ``times[0]``, no event in between.

    ``sensitivity``: the generated sensitivity module of the estimated set; ``dp`` (active x k)
    says how the active parameters move with the estimated ones. ``counts`` (6 integers, see
    ``COUNT_NAMES``) accumulates the work done. ``error_control`` (default
    :data:`ERROR_CONTROL`): the sensitivities take part in the error test. Raises SolverError
    naming time and parameters.
    Call it within :func:`deferred_signals` (a Python signal handler must not raise inside
    compiled code).
    """
    times = np.asarray(times, float)
    y0 = np.ascontiguousarray(y0, float)
    n, k = y0.size, np.shape(s0)[1]
    state_rtol, atol, s_rtol, s_atol = tolerances(scale, rtol)
    states = np.empty((len(times), n))
    sens = np.empty((len(times), k * n))
    states[0], sens[0] = y0, np.asarray(s0, float).ravel()
    counts = np.zeros(len(COUNT_NAMES), dtype=np.int64) if counts is None else counts
    status, reached, y_end, _ = load_kernel().integrate(
        _model_addresses(compiled), function_addresses(sensitivity), _jacobian_addresses(compiled),
        _elimination_order(compiled),
        *_patterns(compiled, sensitivity), times[0], times[-1], y0, sens[0].copy(), np.asarray(p, float),
        np.ascontiguousarray(dp, float), state_rtol, atol, s_rtol, s_atol,
        ERROR_CONTROL if error_control is None else bool(error_control), times, states, sens, 1, len(times),
        MAX_STEPS, counts)
    if status:
        raise SolverError(f"integration with sensitivities failed ({FAILURES[status]})", time=float(reached),
                          state=dict(zip(compiled.state_names, np.asarray(y_end, float))), parameters=p)
    if not (np.all(np.isfinite(states)) and np.all(np.isfinite(sens))):
        raise SolverError("integration with sensitivities failed (a state or sensitivity became NaN or infinite)",
                          time=float(times[-1]), parameters=p)
    negative = states < -100 * atol
    if np.any(negative):
        row, column = np.argwhere(negative)[0]
        raise SolverError(f"state {compiled.state_names[column]} became negative ({states[row, column]:.3g})",
                          time=float(times[row]), parameters=p)
    return np.maximum(states, 0.0), sens.reshape(len(times), n, k)


def observable_sensitivities(sensitivity, times, states, sens, p, dp, which=None, observables=None):
    """d(observables)/dtheta (times x observables x k) from states and their sensitivities
    (times x states x k); ``sensitivity``: the generated sensitivity module; ``which``: the
    observable positions (default all ``observables``)."""
    times = np.ascontiguousarray(times, float)
    k = np.shape(dp)[1]
    which = np.arange(observables, dtype=np.int64) if which is None else np.asarray(which, dtype=np.int64)
    out = np.empty((len(times), len(which), k))
    if not len(times):
        return out
    packed = np.ascontiguousarray(sens, float).reshape(len(times), -1)
    load_kernel().observable_sensitivities(function_addresses(sensitivity), times, np.ascontiguousarray(states, float),
                                           packed, np.asarray(p, float), np.ascontiguousarray(dp, float), which, out)
    return out
