"""An ahead-of-time compiled driver: the warm path that does not import numba.

A warm start spends about 0.55 s of CPU in numba's own start-up (``import numba`` and its
CPU-target registries) before the first cached function loads, above the 0.5 s target by
itself. ``numba.pycc`` (deprecated, still shipped by numba 0.68) compiles the same numba
functions into an ordinary CPython extension that imports with numpy alone. The extension
built here holds the driver's ``run`` with the model's ``rhs_hoisted``, ``jacobian``,
``observe_hoisted``, ``rhs_constants`` and ``observe_constants`` linked in: instead of the
addresses that the numba path passes at run time (``functions.driver_addresses``), the
exported function builds the same address vector from the linked functions' own symbols
(:func:`_address_of`), so the driver's code is the numba path's code.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

EXTENSION_PREFIX = "homeostasis_aot_"
FACTS_PREFIX = "homeostasis_facts_"
BUILD_CODE = "from homeostasis.numerics.aot import main; main()"
# the generated model's lines that import numba: the facts module (everything but the compiled
# functions) is the generated source without them
_NUMBA_IMPORTS = ("from numba import njit", "from homeostasis.numerics.access import _at, _put")

# the exported ``run``'s argument types (those of the numba path's call in driver._run)
RUN_SIGNATURE = ("Tuple((int64, float64, float64[::1], float64[::1]))(float64[::1], float64[::1], float64[::1], "
                 "float64[::1], int64[::1], int64[::1], int64[::1], float64[::1], float64, float64[::1], int64, "
                 "float64[:, ::1], int64[::1], boolean[::1], float64[:, ::1], int64[::1], int64[::1])")


def _address_of(dispatcher, signature):
    """An intrinsic returning the address of ``dispatcher``'s specialisation ``signature``
    (numba's calling convention, what ``functions._function_at`` calls), its code linked into
    the caller's library: in an extension, the symbol of the extension's own copy."""
    from llvmlite import ir
    from numba import types
    from numba.extending import intrinsic

    dispatcher.compile(signature)
    result = dispatcher.overloads[tuple(signature.args)]

    @intrinsic
    def address(typingctx):
        def codegen(context, builder, _, args):
            context.add_linking_libs([result.library])
            function = context.declare_function(builder.module, result.fndesc)
            return builder.ptrtoint(function, ir.IntType(64))

        return types.int64(), codegen

    return address


_LINKED_RUN = '''
def run(y0, p0, times, bounds, op_start, op_kind, op_index, op_value, rtol, atol, max_steps, states, which, need,
        observed, counts, perm):
    model = np.empty(7, dtype=np.int64)
    model[0] = rhs_hoisted_address()
    model[1] = jacobian_address()
    model[2] = observe_hoisted_address()
    model[3] = rhs_constants_address()
    model[4] = observe_constants_address()
    model[5] = RHS_CONSTANTS
    model[6] = OBSERVE_CONSTANTS
    return driver_run(model, y0, p0, times, bounds, op_start, op_kind, op_index, op_value, rtol, atol, max_steps,
                      states, which, need, observed, counts, perm)
'''


def _linked_run(driver_module, model_module):
    """The exported function: the driver's ``run`` with the model's functions linked in."""
    import numpy as np

    from . import functions

    namespace = {"np": np, "driver_run": driver_module.run, "RHS_CONSTANTS": model_module.RHS_CONSTANTS,
                 "OBSERVE_CONSTANTS": model_module.OBSERVE_CONSTANTS}
    for name, signature in (("rhs_hoisted", functions.RHS_HOISTED), ("jacobian", functions.JACOBIAN),
                            ("observe_hoisted", functions.OBSERVE_HOISTED), ("rhs_constants", functions.CONSTANTS),
                            ("observe_constants", functions.CONSTANTS)):
        namespace[f"{name}_address"] = _address_of(getattr(model_module, name), signature)
    exec(compile(_LINKED_RUN, "<homeostasis.numerics.aot>", "exec"), namespace)
    return namespace["run"]


def build(output_dir, name: str) -> Path:
    """Compile the extension ``name`` into ``output_dir`` (minutes of CPU; a helper's work)."""
    import warnings

    from numba.pycc import CC

    from .cache import compile_model
    from .driver import _module_for, driver_key
    from .functions import prepare_numba

    prepare_numba()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba.pycc's deprecation warning
        cc = CC(name)
    cc.output_dir = str(output_dir)
    cc.target_cpu = "host"  # the machine code of the numba path (numba JIT-compiles for the host)
    cc.verbose = False
    cc.export("run", RUN_SIGNATURE)(_linked_run(_module_for(driver_key()), compile_model().module))
    cc.compile()
    return Path(cc.output_dir) / cc.output_file


def _numpy_version() -> str:
    import numpy

    return numpy.__version__


def _cpu() -> str:
    """The processor (model name and feature flags): the extension holds code for this host's."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            lines = [line for line in info.read().split("\n\n")[0].splitlines()
                     if line.startswith(("model name", "flags"))]
        return "|".join(lines) or platform.machine()
    except OSError:
        return platform.machine()


def aot_key(model_key: str) -> str:
    """The extension's key: the model structure (which holds numba's, SymPy's, Python's and the
    package's versions), the driver, numpy's version and the processor."""
    from .driver import driver_key

    text = f"{model_key}|{driver_key()}|{_numpy_version()}|{_cpu()}|{sys.version}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _paths(model_key: str) -> dict:
    from importlib.machinery import EXTENSION_SUFFIXES

    from .cache import cache_directory

    key = aot_key(model_key)
    folder = cache_directory()
    return {"key": key, "name": EXTENSION_PREFIX + key, "folder": folder,
            "extension": folder / f"{EXTENSION_PREFIX}{key}{EXTENSION_SUFFIXES[0]}",
            "facts": folder / f"{FACTS_PREFIX}{key}.py", "manifest": folder / f"{EXTENSION_PREFIX}{key}.json",
            "claim": folder / f".{EXTENSION_PREFIX}{key}.building"}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def facts_source(model_source: str) -> str:
    """The generated model without its numba functions and numba imports: names, units, derived
    constants (``derive``) and the reference state, which are plain Python."""
    out, skipping, decorated = [], False, False
    for line in model_source.splitlines():
        if line.startswith("@njit"):
            skipping = decorated = True
            continue
        if decorated and line.startswith("def "):  # the decorated function's own line
            decorated = False
            continue
        if skipping and (not line.strip() or line[0] in " \t"):
            continue
        skipping = False
        if line.strip() not in _NUMBA_IMPORTS:
            out.append(line)
    return "\n".join(out) + "\nHOMEOSTASIS_FACTS_ONLY = True  # cache.CompiledModel loads the numba functions apart\n"


class LinkedDriver:
    """The extension's ``run`` with the interface of :class:`driver.Driver` (``run_many``, which
    the extension does not hold, goes to the numba driver, loaded when first needed)."""

    # dtypes of ``run``'s arrays (pycc's wrapper converts no argument: each must be exactly so)
    _ARRAYS = (float, float, float, float, "int64", "int64", "int64", float, None, float, None, float, "int64",
               "bool", float, "int64")

    def __init__(self, extension, compiled, perm):
        self.extension = extension
        self.compiled = compiled
        self.perm = perm

    def run(self, *arrays):
        import numpy as np

        from .driver import _deferred_signals

        converted = [value if dtype is None else np.ascontiguousarray(value, dtype=dtype)
                     for value, dtype in zip(arrays, self._ARRAYS)]
        converted[8], converted[10] = float(arrays[8]), int(arrays[10])
        with _deferred_signals():
            result = self.extension.run(*converted, self.perm)
        for given, used in zip(arrays, converted):  # outputs written into a converted copy
            if used is not given and isinstance(given, np.ndarray) and given.flags.writeable:
                given[...] = used
        return result

    def run_many(self, *arrays, threads=True):
        from .driver import _driver_for, driver_key

        return _driver_for(driver_key(), self.compiled.key).run_many(*arrays, threads=threads)


def load_facts(model_key: str):
    """The facts module of a complete, current extension build, or None (then the numba path)."""
    if os.environ.get("HOMEOSTASIS_AOT", "1") == "0":
        return None
    paths = _paths(model_key)
    if not paths["manifest"].exists():
        return None
    try:
        import json

        from .cache import _import, _verified

        manifest = json.loads(paths["manifest"].read_text(encoding="utf-8"))
        if manifest.get("key") != paths["key"] or not _verified(paths["facts"]):
            return None
        return _import(paths["facts"])
    except Exception:  # a damaged manifest or facts file: the numba path
        return None


def load_extension(model_key: str):
    """The extension module of a complete, current build (its file's checksum verified), or None."""
    if os.environ.get("HOMEOSTASIS_AOT", "1") == "0":
        return None
    paths = _paths(model_key)
    try:
        import json

        manifest = json.loads(paths["manifest"].read_text(encoding="utf-8"))
        if manifest.get("key") != paths["key"] or manifest.get("sha256") != _digest(paths["extension"]):
            return None
        if paths["name"] in sys.modules:
            return sys.modules[paths["name"]]
        loader = importlib.machinery.ExtensionFileLoader(paths["name"], str(paths["extension"]))
        spec = importlib.util.spec_from_file_location(paths["name"], paths["extension"], loader=loader)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[paths["name"]] = module
        return module
    except Exception:  # missing, damaged or not loadable here: the numba path
        return None


def load_linked_driver(compiled):
    """A :class:`LinkedDriver` for ``compiled`` when its extension is built, else None."""
    extension = load_extension(compiled.key)
    if extension is None:
        return None
    from .driver import stored_elimination_order

    return LinkedDriver(extension, compiled, stored_elimination_order(compiled))


def is_built(model_key: str) -> bool:
    return load_facts(model_key) is not None and load_extension(model_key) is not None


def build_into_cache(model_key: str) -> bool:
    """Build the extension for ``model_key`` into the cache folder unless another process is
    building it or it is built: whether this call built it. Numba compiles the linked functions
    afresh (its disk cache holds machine code that cannot be linked into another library)."""
    import json
    import shutil
    import tempfile

    from .cache import _with_checksum, _write_atomically, compile_model, load_generated
    from .driver import stored_elimination_order

    paths = _paths(model_key)
    if is_built(model_key):
        return False
    try:
        os.close(os.open(paths["claim"], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    try:
        with tempfile.TemporaryDirectory(prefix=".aot-", dir=paths["folder"]) as work:
            built = build(work, paths["name"])
            stored_elimination_order(compile_model())  # read by the driver: a warm start computes nothing
            source = Path(load_generated("model", model_key, None).__file__).read_text(encoding="utf-8")
            _write_atomically(paths["facts"], _with_checksum(facts_source(source.partition("\n")[2])))
            staged = paths["folder"] / f".{paths['extension'].name}.{os.getpid()}.tmp"
            shutil.copyfile(built, staged)
            os.replace(staged, paths["extension"])
        manifest = {"key": paths["key"], "sha256": _digest(paths["extension"]), "facts": paths["facts"].name}
        _write_atomically(paths["manifest"], json.dumps(manifest))
        return True
    finally:
        paths["claim"].unlink(missing_ok=True)


def start_background_build(model_key: str):
    """Start building the extension in a detached process (:func:`main`; never waited for, its
    errors go to ``compile-helper.log``), unless built, being built or disabled
    (``HOMEOSTASIS_AOT=0``)."""
    import subprocess

    if os.environ.get("HOMEOSTASIS_AOT", "1") == "0" or is_built(model_key) or _paths(model_key)["claim"].exists():
        return None
    from .cache import cache_directory

    try:
        with open(cache_directory() / "compile-helper.log", "ab") as log:
            return subprocess.Popen([sys.executable, "-c", BUILD_CODE], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    except OSError:
        return None


def main() -> None:
    """``python -m homeostasis.numerics.aot``: build the extension for this model now."""
    import shutil
    import tempfile

    from .cache import structure_key

    if "numba" in sys.modules:
        raise RuntimeError("build the extension in a process that has not imported numba (its own numba cache)")
    # set before numba is imported: the linked functions are compiled afresh (numba's disk cache
    # holds object code, which cannot be linked into another library)
    os.environ["NUMBA_CACHE_DIR"] = scratch = tempfile.mkdtemp(prefix="homeostasis-aot-numba-")
    try:
        key = structure_key()
        built = build_into_cache(key)
        print(_paths(key)["extension"], "built" if built else "already built (or being built)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
