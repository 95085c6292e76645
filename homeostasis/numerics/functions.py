"""The model's compiled functions handed to the driver by address.

When one numba function calls another, numba links the callee's code into the caller and
optimises it again with the caller: the driver, calling the model's right-hand side,
Jacobian and observables (thousands of generated lines), spent about as long compiling them
a second time as their own compilation took (10 s of a 28 s first run). The driver instead
receives each model function's address as an integer and calls it through a numba
first-class function value built from that address (:func:`rhs_hoisted_at` and its siblings), so the
driver is compiled once, for every model, and caches like any other numba function. The call
costs the same as a direct one (0.1 µs on this machine); passing the functions as numba
dispatchers would cost ~100 µs per driver call in argument conversion.

The addresses come from numba's own first-class function support
(``numba.experimental.function_type._get_jit_address``): the native entry point of the
compiled specialisation, which stays valid while the model module is loaded.
"""

from __future__ import annotations

from functools import lru_cache

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_VECTOR, _MATRIX = types.float64[::1], types.float64[:, ::1]
JACOBIAN = _MATRIX(types.float64, _VECTOR, _VECTOR)
RHS_HOISTED = types.none(types.float64, _VECTOR, _VECTOR, _VECTOR, _VECTOR)  # fills the last
CONSTANTS = types.none(_VECTOR, _VECTOR)
OBSERVE_HOISTED = types.none(types.float64, _VECTOR, _VECTOR, _VECTOR, types.int64[::1], types.boolean[::1], _VECTOR)
JACOBIAN_VALUES = types.none(types.float64, _VECTOR, _VECTOR, _VECTOR, _VECTOR)
# the driver's ``integrate_segment`` without sensitivities: (rhs, jacobian, t0, t1, y0, p, constants, rtol, atol,
# out_times, out, row_lo, row_hi, max_steps, counts, perm, None) -> (status, time, state, sensitivities)
SEGMENT = types.Tuple((types.int64, types.float64, _VECTOR, _VECTOR))(
    types.FunctionType(RHS_HOISTED), types.FunctionType(JACOBIAN), types.float64, types.float64, _VECTOR, _VECTOR,
    _VECTOR, types.float64, _VECTOR, _VECTOR, _MATRIX, types.int64, types.int64, types.int64, types.int64[::1],
    types.int64[::1], types.none)


def _function_at(signature):
    """An intrinsic turning an int64 address into a callable of ``signature``."""
    kind = types.FunctionType(signature)

    @intrinsic
    def function_at(typingctx, address):
        def codegen(context, builder, _, args):
            value = cgutils.create_struct_proxy(kind)(context, builder)
            null = cgutils.get_null_value(value.c_addr.type)
            value.c_addr, value.py_addr = null, null  # called through jit_addr (numba's calling convention)
            value.jit_addr = builder.inttoptr(args[0], value.jit_addr.type)
            return value._getvalue()

        return kind(types.int64), codegen

    return function_at


jacobian_at = _function_at(JACOBIAN)
rhs_hoisted_at = _function_at(RHS_HOISTED)
constants_at = _function_at(CONSTANTS)
observe_hoisted_at = _function_at(OBSERVE_HOISTED)
jacobian_values_at = _function_at(JACOBIAN_VALUES)
segment_at = _function_at(SEGMENT)

# the model's functions the driver calls, in the order of its address vector (driver_addresses;
# the ahead-of-time extension links them in this order, numerics/aot.py)
DRIVER_FUNCTIONS = (("rhs_hoisted", RHS_HOISTED), ("jacobian", JACOBIAN), ("observe_hoisted", OBSERVE_HOISTED),
                    ("rhs_constants", CONSTANTS), ("observe_constants", CONSTANTS))


@lru_cache(maxsize=None)
def driver_addresses(compiled) -> tuple:
    """What the driver (and the sensitivity kernel, through the driver's loop) calls: addresses
    of ``rhs_hoisted`` (the right-hand side reading its parameter-only subexpressions from a
    vector filled by ``rhs_constants``), ``jacobian``,
    ``observe_hoisted`` (the same for the observables), ``rhs_constants`` and
    ``observe_constants``, then the lengths of the two vectors of constants."""
    model = compiled.module
    functions = tuple((getattr(model, name), signature) for name, signature in DRIVER_FUNCTIONS)
    return _addresses_of(functions) + (model.RHS_CONSTANTS, model.OBSERVE_CONSTANTS)


@lru_cache(maxsize=None)
def sensitivity_addresses(compiled) -> tuple:
    """What the forward sensitivities call besides the driver's functions: addresses of
    ``jacobian_values`` (the Jacobian's structural nonzeros, hoisted) and
    ``jacobian_constants``, then the length of its vector of constants. Compiled only when a
    fit first needs them (plain runs take the dense ``jacobian`` a few times a year)."""
    model = compiled.module
    functions = ((model.jacobian_values, JACOBIAN_VALUES), (model.jacobian_constants, CONSTANTS))
    return _addresses_of(functions) + (model.JACOBIAN_CONSTANTS,)


def segment_address(driver_module) -> int:
    """Address of the driver's ``integrate_segment`` for a plain run (no sensitivities), the last
    entry of the driver's address vector: compiled on its own and called by ``run`` through its
    address, so that compiling ``run`` does not link in and optimise its code a second time."""
    return _addresses_of(((driver_module.integrate_segment, SEGMENT),))[0]


def _addresses_of(functions) -> tuple:
    """Each (dispatcher, signature) compiled (or loaded from numba's cache), as an address."""
    from numba.experimental.function_type import _get_jit_address

    prepare_numba()
    out = []
    for function, signature in functions:
        function.compile(signature)
        out.append(int(_get_jit_address(function, signature)))
    return tuple(out)


_BLAS_MODULE = "scipy.linalg.cython_blas"


@lru_cache(maxsize=1)
def prepare_numba() -> None:
    """Load numba's CPU target (its typing and lowering registries) without importing
    ``scipy.linalg``: 0.12-0.16 s of a 0.61-0.63 s warm start (CPU; `benchmarks/startup.py`).

    numba checks that BLAS is available when its array-math registry is first imported
    (``numba.np.arraymath._check_blas`` imports ``scipy.linalg.cython_blas``, which imports
    the whole of ``scipy.linalg`` and ``scipy._lib``), which happens the first time a process
    compiles a function or loads one from the cache. The model and the driver call no BLAS. A
    placeholder module stands in for ``scipy.linalg.cython_blas`` while the registries load and is
    removed at once, so code that does use BLAS later (``np.dot`` in numba) finds the real one:
    numba's typing imports it again (``ensure_blas``) and its C helpers import it when first
    called. Nothing is stubbed when the module or the registry is already imported.
    """
    import sys
    import types

    from numba.core.registry import cpu_target

    if _BLAS_MODULE in sys.modules or "numba.np.arraymath" in sys.modules:
        return
    placeholder = sys.modules[_BLAS_MODULE] = types.ModuleType(_BLAS_MODULE)
    try:
        cpu_target.target_context.refresh()
    finally:
        if sys.modules.get(_BLAS_MODULE) is placeholder:
            del sys.modules[_BLAS_MODULE]
