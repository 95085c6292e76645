"""An ahead-of-time compiled driver: the warm path that does not import numba.

A warm start spends about 0.55 s of CPU in numba's own start-up (``import numba`` and its
CPU-target registries) before the first cached function loads, above the 0.5 s target by
itself. ``numba.pycc`` (deprecated, still shipped by numba 0.68) compiles the same numba
functions into an ordinary CPython extension that imports with numpy alone. The extension
built here holds the driver's ``run`` with the model's ``rhs_hoisted``, ``jacobian``,
``observe_hoisted``, ``rhs_constants`` and ``observe_constants`` linked in: instead of the
addresses that the numba path passes at run time (``functions.driver_addresses``), the
exported function builds the same address vector from the linked functions' own symbols
(:func:`_address_of`), so the driver's code is the numba path's code. The vector's last entry is
the driver's own ``integrate_segment`` (which ``run`` calls by address, ``functions.segment_address``),
linked in the same way.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

from .cache import _with_checksum, _write_atomically, aot_switched_off, cache_directory, compile_model, facts_path

EXTENSION_PREFIX = "homeostasis_aot_"
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
    model = np.empty(8, dtype=np.int64)
    model[0] = address_0()
    model[1] = address_1()
    model[2] = address_2()
    model[3] = address_3()
    model[4] = address_4()
    model[5] = RHS_CONSTANTS
    model[6] = OBSERVE_CONSTANTS
    model[7] = address_segment()
    return driver_run(model, y0, p0, times, bounds, op_start, op_kind, op_index, op_value, rtol, atol, max_steps,
                      states, which, need, observed, counts, perm)
'''


def _linked_run(driver_module, model_module):
    """The exported function: the driver's ``run`` with the model's functions linked in, their
    addresses in the order of ``functions.driver_addresses``."""
    import numpy as np

    from .functions import DRIVER_FUNCTIONS, SEGMENT

    namespace = {"np": np, "driver_run": driver_module.run, "RHS_CONSTANTS": model_module.RHS_CONSTANTS,
                 "OBSERVE_CONSTANTS": model_module.OBSERVE_CONSTANTS}
    assert len(DRIVER_FUNCTIONS) == 5, "the address vector of _LINKED_RUN"
    for position, (name, signature) in enumerate(DRIVER_FUNCTIONS):
        namespace[f"address_{position}"] = _address_of(getattr(model_module, name), signature)
    namespace["address_segment"] = _address_of(driver_module.integrate_segment, SEGMENT)
    exec(compile(_LINKED_RUN, "<homeostasis.numerics.aot>", "exec"), namespace)
    return namespace["run"]


def build(output_dir, name: str, driver_module, model_module) -> Path:
    """Compile the extension ``name`` into ``output_dir``: the ``run`` of ``driver_module`` with
    the functions of ``model_module`` linked in (~35 s of CPU; a background process's work)."""
    import warnings

    from numba.pycc import CC

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba.pycc's pending-deprecation warning
        cc = CC(name)
    cc.output_dir = str(output_dir)
    cc.target_cpu = "host"  # the machine code of the numba path (numba JIT-compiles for the host)
    cc.verbose = False
    cc.export("run", RUN_SIGNATURE)(_linked_run(driver_module, model_module))
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


def aot_key(model_key: str, driver_key: str) -> str:
    """The extension's key: the model structure (which holds numba's, SymPy's, Python's and the
    package's versions), the driver, numpy's version and the processor."""
    text = f"{model_key}|{driver_key}|{_numpy_version()}|{_cpu()}|{sys.version}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def paths(model_key: str, driver_key: str) -> dict:
    """The extension's name and files: the shared library, its manifest (key and checksum,
    written last) and the claim of a build in progress."""
    from importlib.machinery import EXTENSION_SUFFIXES

    key = aot_key(model_key, driver_key)
    folder = cache_directory()
    return {"key": key, "name": EXTENSION_PREFIX + key, "folder": folder,
            "extension": folder / f"{EXTENSION_PREFIX}{key}{EXTENSION_SUFFIXES[0]}",
            "manifest": folder / f"{EXTENSION_PREFIX}{key}.json", "claim": folder / f".{EXTENSION_PREFIX}{key}.building",
            "failed": folder / f".{EXTENSION_PREFIX}{key}.failed"}


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
    """The extension's ``run`` with the interface of ``driver.Driver``: ``deferred`` is the
    driver's signal guard, ``fallback()`` the numba driver (for ``run_many``, which the
    extension does not hold; loaded when first needed)."""

    # dtypes of ``run``'s arrays (pycc's wrapper converts no argument: each must be exactly so)
    _ARRAYS = (float, float, float, float, "int64", "int64", "int64", float, None, float, None, float, "int64",
               "bool", float, "int64")

    def __init__(self, extension, perm, *, deferred, fallback):
        self.extension = extension
        self.perm = perm
        self.deferred = deferred
        self.fallback = fallback

    def run(self, *arrays):
        import numpy as np

        converted = [value if dtype is None else np.ascontiguousarray(value, dtype=dtype)
                     for value, dtype in zip(arrays, self._ARRAYS)]
        converted[8], converted[10] = float(arrays[8]), int(arrays[10])
        with self.deferred():
            result = self.extension.run(*converted, self.perm)
        for given, used in zip(arrays, converted):  # outputs written into a converted copy
            if used is not given and isinstance(given, np.ndarray) and given.flags.writeable:
                given[...] = used
        return result

    def run_many(self, *arrays, threads=True):
        return self.fallback().run_many(*arrays, threads=threads)


def load_extension(model_key: str, driver_key: str):
    """The extension module of a complete, current build (its file's checksum verified), or None
    (missing, stale, damaged or not loadable here: the caller takes the numba path)."""
    if aot_switched_off():
        return None
    found = paths(model_key, driver_key)
    try:
        import json

        manifest = json.loads(found["manifest"].read_text(encoding="utf-8"))
        if manifest.get("key") != found["key"] or manifest.get("sha256") != _digest(found["extension"]):
            return None
        if found["name"] in sys.modules:
            return sys.modules[found["name"]]
        loader = importlib.machinery.ExtensionFileLoader(found["name"], str(found["extension"]))
        spec = importlib.util.spec_from_file_location(found["name"], found["extension"], loader=loader)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[found["name"]] = module
        return module
    except Exception:
        return None


def is_built(model_key: str, driver_key: str) -> bool:
    return load_extension(model_key, driver_key) is not None


CLAIM_SECONDS = 1800  # a build's claim older than this is of a process that died: ignored


def _being_built(claim: Path) -> bool:
    """Whether another process is building (its claim file exists and is recent)."""
    import time

    try:
        if time.time() - claim.stat().st_mtime < CLAIM_SECONDS:
            return True
        claim.unlink(missing_ok=True)
    except OSError:
        pass
    return False


def build_into_cache(model_key: str, driver_key: str, driver_module, write_order) -> bool:
    """Build the extension into the cache folder unless it is built or another process is
    building it; whether this call built it. Also writes the model's facts module (loaded by
    ``cache.compile_model`` instead of the generated module) and, by ``write_order()``, the
    driver's elimination order, so that a warm start on the extension computes nothing in numba."""
    import json
    import shutil
    import tempfile

    found = paths(model_key, driver_key)
    if is_built(model_key, driver_key) or _being_built(found["claim"]):
        return False
    try:
        os.close(os.open(found["claim"], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    try:
        found["failed"].unlink(missing_ok=True)
        model = compile_model().module
        assert compile_model().key == model_key, "build the extension of the model of this package"
        with tempfile.TemporaryDirectory(prefix=".aot-", dir=found["folder"]) as work:
            built = build(work, found["name"], driver_module, model)
            staged = found["folder"] / f".{found['extension'].name}.{os.getpid()}.tmp"
            shutil.copyfile(built, staged)
            os.replace(staged, found["extension"])
        source = Path(model.__file__).read_text(encoding="utf-8").partition("\n")[2]
        _write_atomically(facts_path(model_key), _with_checksum(facts_source(source)))
        write_order()
        manifest = {"key": found["key"], "sha256": _digest(found["extension"])}
        _write_atomically(found["manifest"], json.dumps(manifest))
        return True
    except Exception as error:  # no background build is started again for this key
        _write_atomically(found["failed"], f"{type(error).__name__}: {error}\n")
        raise
    finally:
        found["claim"].unlink(missing_ok=True)


def start_background_build(model_key: str, driver_key: str, code: str):
    """Start ``python -c code`` (a build) in a detached process, never waited for (its errors go
    to ``compile-helper.log``), unless built, being built, failed before (its ``.failed`` file
    says why; an explicit build tries again) or switched off (``HOMEOSTASIS_AOT=0``)."""
    import subprocess

    found = paths(model_key, driver_key)
    if aot_switched_off() or found["failed"].exists() or _being_built(found["claim"]) or is_built(model_key, driver_key):
        return None
    try:
        with open(cache_directory() / "compile-helper.log", "ab") as log:
            return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    except OSError:
        return None


def scratch_numba_cache() -> str:
    """Point numba's disk cache at a new temporary folder (before numba is imported): the linked
    functions must be compiled afresh, numba's cache holding object code that cannot be linked
    into another library. Returns the folder (the caller removes it)."""
    import tempfile

    if "numba" in sys.modules:
        raise RuntimeError("build the extension in a process that has not imported numba")
    os.environ["NUMBA_CACHE_DIR"] = folder = tempfile.mkdtemp(prefix="homeostasis-aot-numba-")
    return folder
