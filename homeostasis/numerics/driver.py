"""The compiled whole-simulation driver: one call into machine code per simulated year.

SciPy's ``odeint`` calls a Python wrapper for every right-hand-side evaluation and is
restarted from a Python loop after every dose, and after each restart LSODA begins again in
its non-stiff (Adams) mode. The driver here instead integrates the whole event schedule
inside numba: a variable-order BDF (the algorithm of ``solve_ivp(method="BDF")``, always
stiff, so a restart never falls back to Adams) with the model's analytic Jacobian, events
applied between segments without returning to Python, and only the requested observables
evaluated at the output times in the same call.

Why a port and not a library: ``numbalsoda`` (LSODA callable from numba) has no wheel for
this Python and does not build here (its CMake configuration fails), was last released in
2022, and takes no analytic Jacobian; no other maintained integrator is callable from numba.
The BDF port is ~300 lines of template (``kernels/driver.py.tmpl``), checked
against the SciPy path on every scenario and intervention (``tests/test_driver.py``).

Events are lists of action objects (:mod:`homeostasis.protocol.events`); each compiled action
gives its own operations (``Action.ops``: operation code, position, value). Actions that read
the state at their instant (``reads_state``: the relative calcium clamp reads the ionized
calcium; parathyroidectomy without a fraction looks at the adenoma) cut the schedule there
and run in Python; every other event runs in the compiled loop. A long run is also cut
every ``CHUNK_DAYS``, so that Ctrl-C and progress reports take effect between compiled calls.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import threading
import time
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import SolverError
from ..parameters.table import parameter_names
from .cache import CompiledModel, compile_model, facts_path, load_generated

# The BDF here holds its local error to the tolerance as LSODA does, but its global error at the
# same nominal tolerance is larger (measured against rtol-1e-12 references at rtol 1e-8: PTH
# washout 2.6e-6 vs 4.9e-8 relative, CKD year 2.6e-7 vs 1.2e-7, 30 days of cinacalcet every 12 h
# 5.9e-8 vs 1.5e-8); integrating at a quarter of the requested tolerance matches the SciPy path
# (washout ~7e-7, CKD ~6e-8, dosing ~2e-8) for about 25 % more steps.
TOLERANCE_FACTOR = 0.25


def driver_tolerances(scale, rtol):
    """(rtol, atol) the compiled driver integrates with for a requested rtol: a quarter of it
    (TOLERANCE_FACTOR) and an absolute tolerance of 1e-3 of that per state scale (any shape)."""
    rtol = rtol * TOLERANCE_FACTOR
    return rtol, rtol * 1e-3 * np.maximum(np.abs(np.asarray(scale, float)), 1e-12)


MAX_STEPS = 500_000  # per segment, as odeint's mxstep in the SciPy path
# a long run is integrated one compiled call per year: Ctrl-C and progress reports between calls
# (each restart costs a few dozen small steps, ~0.1 ms)
CHUNK_DAYS = 365.0
FAILURES = {1: "step size became too small", 2: f"more than {MAX_STEPS:,} steps in one segment",
            3: "a state or rate became NaN or infinite", 4: "a state became negative"}


@lru_cache(maxsize=1)
def _template() -> str:
    # kept out of templates/, whose files are part of the model's structure key: editing the
    # driver must not regenerate the model
    return resources.files("homeostasis.numerics").joinpath("kernels", "driver.py.tmpl").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def driver_key() -> str:
    """Hash of the driver template (the driver receives the model's functions by address, so
    one compiled driver serves every model structure) and of the module that builds the calls."""
    functions = resources.files("homeostasis.numerics").joinpath("functions.py").read_bytes()
    return hashlib.sha256(_template().encode() + functions).hexdigest()[:20]


@lru_cache(maxsize=None)
def _module_for(key: str):
    return load_generated("driver", key, _template)


class Driver:
    """The compiled driver bound to one model (the addresses of its compiled functions)."""

    def __init__(self, module, compiled):
        from .functions import driver_addresses, segment_address

        self.module = module
        self.model = np.array(driver_addresses(compiled) + (segment_address(module),), dtype=np.int64)
        self.perm = stored_elimination_order(compiled)

    def run(self, *arrays):
        """``run`` of the template (see there) for this model.

        Ctrl-C and SIGTERM are deferred while compiled code holds the thread (a Python signal
        handler raising inside it crashes the process): they take effect when the call returns,
        within one compiled piece of at most ``CHUNK_DAYS``."""
        with _deferred_signals():
            return self.module.run(self.model, *arrays, self.perm)

    def run_many(self, *arrays, threads=True):
        """``run_many`` of the template: parallel threads, or a Python loop over ``run``."""
        runner = self.module.run_many if threads else self.module.run_many.py_func
        with _deferred_signals():
            return runner(self.model, *arrays, self.perm)


@contextlib.contextmanager
def _deferred_signals():
    """Hold SIGINT and SIGTERM (main thread, Python handlers only) until the block ends, then
    run the first one's handler, which raises KeyboardInterrupt or the command line's exception."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending, previous = [], {}

    def defer(received, frame):
        pending.append((received, frame))

    for number in _DEFERRED:
        handler = _raw_signal.getsignal(number)
        if callable(handler):
            previous[number] = handler
            _raw_signal.signal(number, defer)
    try:
        yield
    finally:
        for number, handler in previous.items():
            _raw_signal.signal(number, handler)
        if pending:
            received, frame = pending[0]
            previous[received](received, frame)


# the C module under ``signal``: the same calls without converting every number and handler to
# and from ``enum`` members (a third of the Python time around a year's compiled call)
try:
    import _signal as _raw_signal
except ImportError:  # another Python implementation
    _raw_signal = signal
_DEFERRED = (int(signal.SIGINT), int(signal.SIGTERM))


def elimination_order(compiled) -> np.ndarray:
    """A fill-reducing order of the states for factorising the iteration matrix I - c J.

    Greedy minimum degree on the symmetric pattern of the Jacobian (taken at the healthy
    reference state and at two perturbed states, so that terms switched off in health count
    too): the 57-state model's LU factors hold ~160-200 off-diagonal nonzeros in this order
    against ~450-480 in the order of the states, which shortens every factorisation and
    every Newton solve. Partial pivoting still decides the pivots, so the order changes
    rounding only.
    """
    from ..parameters import ParameterSet

    p = ParameterSet.default().vector
    healthy = compiled.reference_state(p)
    n = len(healthy)
    pattern = np.eye(n, dtype=bool)
    for state in (healthy, 1.3 * healthy + 1e-3, 0.6 * healthy + 1e-6):
        with np.errstate(all="ignore"):
            pattern |= np.asarray(compiled.jacobian(0.0, np.ascontiguousarray(state), p)) != 0
    neighbours = [set(np.flatnonzero(row)) - {i} for i, row in enumerate(pattern | pattern.T)]
    order, left = [], set(range(n))
    while left:
        chosen = min(left, key=lambda i: (len(neighbours[i]), i))
        order.append(chosen)
        left.discard(chosen)
        for other in neighbours[chosen]:  # eliminating a state joins its neighbours (fill-in)
            neighbours[other] |= neighbours[chosen] - {other}
            neighbours[other].discard(chosen)
    return np.array(order, dtype=np.int64)


def stored_elimination_order(compiled) -> np.ndarray:
    """:func:`elimination_order`, kept in the cache folder beside the model (keyed by the model and
    the default parameter values it is computed at): a warm start reads ~60 numbers instead of
    evaluating the Jacobian three times and running the greedy ordering (~15-60 ms by load)."""
    from ..parameters import ParameterSet
    from .cache import _write_atomically, cache_directory

    vector = np.ascontiguousarray(ParameterSet.default().vector, dtype=float)
    digest = hashlib.sha256(compiled.key.encode() + vector.tobytes()).hexdigest()[:20]
    path = cache_directory() / f"homeostasis_order_{digest}.txt"
    n = len(compiled.state_names)
    try:
        order = np.array([int(item) for item in path.read_text(encoding="utf-8").split(",")], dtype=np.int64)
        if sorted(order.tolist()) == list(range(n)):  # a damaged file is computed again
            return order
    except (OSError, ValueError):
        pass
    order = elimination_order(compiled)
    try:
        _write_atomically(path, ",".join(str(int(i)) for i in order))
    except OSError:  # a read-only cache: computed again next time
        pass
    return order


@lru_cache(maxsize=None)
def _driver_for(key: str, model_key: str) -> Driver:
    module = _module_for(key)
    compiled = compile_model()
    _share_model_jobs()
    helper, claims = _FIRST_RUN.pop("helper", None), _FIRST_RUN.get("claims")
    if helper is not None:  # the Jacobian too, unless the helper has it already
        compile_share(key, str(claims), helper=False, names=MODEL_JOBS)
    finish_helper(helper)  # it compiles the driver's loop last, then starts the extension's build
    driver = Driver(module, compiled)  # compiles (or loads) whatever is left
    # a first run without a helper that finished its work (the helper starts the build itself), or
    # an extension built before that is stale now (numpy upgraded, another processor): the
    # extension for the next warm starts, in the background
    first = _FIRST_RUN.get("first") and (helper is None or helper.returncode != 0)
    if first or facts_path(model_key).exists():
        from .aot import start_background_build

        start_background_build(compiled.key, key, _BUILD_CODE)
    return driver


def ready_driver():
    """The compiled driver, or None on a first run while the compile helper is still compiling
    the Jacobian or the driver's loop (the SciPy path then runs on the model's functions
    meanwhile: :class:`HoistedModel`). Waits only for the functions
    that path needs. ``HOMEOSTASIS_WAIT_FOR_DRIVER=1``: never None (waits for the driver, as
    :func:`load_driver`; the test session sets it, so that a fresh cache gives the same solver)."""
    compiled = compile_model()
    model_key, ready = _FIRST_RUN.get("ready", (None, None))
    if model_key == compiled.key:  # once ready, every later call (a solve's Python is ~40 us)
        return ready
    if os.environ.get("HOMEOSTASIS_WAIT_FOR_DRIVER") == "1":  # the test session: always the driver
        return load_driver()
    linked = _linked_driver(compiled.key)
    if linked is None:
        helper, other = _share_model_jobs(), _FIRST_RUN.get("other")
        if helper is not None and helper.poll() is None:
            return None
        if other is not None and _compiling_driver(other):
            return None
    ready = linked or _driver_for(driver_key(), compiled.key)
    _FIRST_RUN["ready"] = (compiled.key, ready)
    return ready


def _share_model_jobs():
    """On a first run, compile this process's share of what the SciPy path needs (``SCIPY_JOBS``)
    and wait for the helper's share (once per process); returns the helper process, if any (it
    goes on with the Jacobian and the driver's loop)."""
    start_compiling()
    helper = _FIRST_RUN.get("helper")
    if helper is not None and not _FIRST_RUN.get("shared"):
        claims = _FIRST_RUN["claims"]
        compile_share(driver_key(), str(claims), helper=False)
        while helper.poll() is None and not all(_is_done(claims, name) for name in SCIPY_JOBS):
            time.sleep(0.02)
        _FIRST_RUN["shared"] = True
    return helper


# the claims folder and the helper process of this process's first run (start_compiling)
_FIRST_RUN: dict = {}


def start_compiling() -> None:
    """On a first run (machine code not cached), start the compile helper now, so that it works
    while this process does its Python set-up (imports, scenario, parameters; about a second of
    the README's first command) before it compiles its own share in :func:`load_driver`. Called
    by the simulation entry points; once per process, nothing to do on a warm start."""
    if _FIRST_RUN.get("started"):
        return
    _FIRST_RUN["started"] = True
    if _linked_driver(compile_model().key) is not None:  # the ahead-of-time extension: nothing to compile
        return
    key = driver_key()
    module = _module_for(key)
    jobs = _uncached_jobs(module, compile_model())
    other = _helper_at_work() if jobs and set(jobs) <= {"jacobian", DRIVER_JOB} else None
    if other is not None:  # a first command just before this one: the SciPy path until its helper is done
        _FIRST_RUN["other"] = other
        return
    if jobs:
        _FIRST_RUN["first"] = True
        claims = _claim_folder()
        helper = _compile_beside(module, key, claims, jobs) if claims is not None else None
        if helper is not None:  # the helper removes the claims when it has done every job
            _FIRST_RUN.update(claims=claims, helper=helper)
        elif claims is not None:
            shutil.rmtree(claims, ignore_errors=True)


HELPER_PATIENCE = 300.0  # seconds; a helper's claim on the driver's loop older than this: it died


def _helper_at_work():
    """The claims folder of another process's helper compiling the driver's loop now, or None."""
    from .cache import cache_directory

    folders = cache_directory().glob(f"{_claims_prefix()}*")
    return next((folder for folder in folders if _compiling_driver(folder)), None)


def _claims_prefix() -> str:
    """Claims folders name the driver and the model they compile (a shared cache may hold the
    claims of another version's first run)."""
    return f".compile-claims-{driver_key()}-{compile_model().key}-"


def _compiling_driver(claims) -> bool:
    """Whether a helper with the folder ``claims`` compiles the Jacobian or the driver's loop now
    (its last two jobs)."""
    claimed = []
    for name in ("jacobian", DRIVER_JOB):
        with contextlib.suppress(OSError):  # not claimed yet, or the folder went away (the helper is done)
            claimed.append((Path(claims) / name).stat().st_mtime)
    return bool(claimed) and not _is_done(claims, DRIVER_JOB) and time.time() - max(claimed) < HELPER_PATIENCE


# what the helper process runs (its arguments: the driver key and the folder of claims)
_HELPER_CODE = ("import sys; from homeostasis.numerics.driver import compile_share; "
                "compile_share(*sys.argv[1:3], helper=True)")
# The model's functions the driver calls and their signatures, the longest compile first (CPU s
# on the 2-core machine at load 3, benchmarks/compile_functions.py: jacobian 8.4-8.6, rhs_hoisted
# 4.7-5.3, observe_hoisted 3.4-4.4, rhs_constants 1.1-1.5, observe_constants 0.75-1.1; the driver's
# own ``run`` 13.7-14.8, now 9.1-9.4 at load 5: its kernel uses loops instead of numpy routines;
# 6.3-7.0 at load 2.5-3.8 with ``integrate_segment`` compiled apart and called by address).
MODEL_JOBS = ("jacobian", "rhs_hoisted", "observe_hoisted", "rhs_constants", "observe_constants")
DRIVER_JOB = "driver"
# what the SciPy path of a first run needs (HoistedModel, below; LSODA's Jacobian by differences
# until the analytic one is compiled): this process compiles only these, sharing them with the
# helper, which then goes on with the Jacobian and the driver's loop in the background
SCIPY_JOBS = ("rhs_hoisted", "observe_hoisted", "rhs_constants", "observe_constants")


def load_functions(compiled, names) -> None:
    """Compile (or load from numba's cache) the model's functions ``names`` under the driver's
    signatures, for calls from Python: numba's disk cache keys a function compiled for an
    explicit signature apart from one compiled for a call's argument types, so a plain first
    call would compile again what the compile helper put in the cache (~20 s on a cold command).
    (Here, not in functions.py, whose text is part of the driver's key.)"""
    from .functions import DRIVER_FUNCTIONS, _addresses_of

    signatures = dict(DRIVER_FUNCTIONS)
    _addresses_of(tuple((getattr(compiled.module, name), signatures[name]) for name in names))


def _model_signature(name: str):
    from . import functions

    return {"jacobian": functions.JACOBIAN, "rhs_hoisted": functions.RHS_HOISTED,
            "observe_hoisted": functions.OBSERVE_HOISTED}.get(name, functions.CONSTANTS)


def _claim_folder():
    """A new folder for the claims of one first run's compile jobs (None if none can be made)."""
    import tempfile

    from .cache import cache_directory

    try:
        return Path(tempfile.mkdtemp(prefix=_claims_prefix(), dir=cache_directory()))
    except OSError:
        return None


def _uncached_jobs(module, compiled) -> list:
    """The compile jobs whose machine code numba's disk cache does not hold yet."""
    jobs = [DRIVER_JOB] if not _is_cached(module.run) else []
    return jobs + [name for name in MODEL_JOBS if not _is_cached(getattr(compiled.module, name))]


def _compile_beside(module, key: str, claims=None, jobs=None):
    """On a first run, a second process sharing the compile jobs with this one.

    Numba compiles one function at a time per process: the driver's ``run`` (about 7 s of CPU)
    and the model's five functions it calls (about 18 s) are independent, so on two cores
    each process takes the next unclaimed job (:func:`compile_share`; a job is claimed by
    creating its file in ``claims``), the helper starting with the driver and this process with
    the model's Jacobian, and a cold start takes about half of their sum (a first run used to
    compile the driver beside all five model functions, 18-19 s in this process). The helper
    writes numba's on-disk cache, from which this process then loads what it compiled. Returns
    the helper process, or None when fewer than two jobs are left, ``HOMEOSTASIS_COMPILE_HELPER=0``,
    or the helper cannot start. ``jobs``: the uncached jobs, when the caller has them already.
    """
    jobs = _uncached_jobs(module, compile_model()) if jobs is None else jobs
    if len(jobs) < 2 and DRIVER_JOB not in jobs:  # the driver's loop alone is still worth a helper
        return None
    if claims is not None:
        for name in {DRIVER_JOB, *MODEL_JOBS} - set(jobs):
            _claim(claims, name)  # what is cached already is nobody's job
            _claim(claims, _DONE.format(name))
    return start_helper(_HELPER_CODE, key, str(claims))


def _claim(claims, name: str) -> bool:
    """Whether this process is the first to claim the job ``name`` (creates its file)."""
    try:
        os.close(os.open(Path(claims) / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except OSError:  # claimed by the other process, or no folder: not ours
        return False
    return True


def compile_share(key: str, claims: str, *, helper: bool, names=SCIPY_JOBS) -> None:
    """Compile every job of a first run not yet claimed in the folder ``claims`` into numba's disk
    cache, marking each done: this process takes the jobs ``names`` (by default only what the
    SciPy path of a first run needs, :func:`ready_driver`); the helper takes them too, then the
    Jacobian and the driver's loop, then starts the extension's build and removes ``claims``.
    Results are the same machine code whichever process compiles a function."""
    from .functions import prepare_numba

    prepare_numba()
    compiled = compile_model()
    try:
        for name in (*SCIPY_JOBS, "jacobian", DRIVER_JOB) if helper else names:
            if not _claim(claims, name):
                continue
            if name == DRIVER_JOB:
                compile_driver(key)
            else:
                getattr(compiled.module, name).compile(_model_signature(name))
            _claim(claims, _DONE.format(name))
    finally:
        if helper:
            shutil.rmtree(claims, ignore_errors=True)
    if helper:
        from .aot import start_background_build

        start_background_build(compiled.key, key, _BUILD_CODE)


_DONE = "{}.done"  # a job's mark in the claims folder once its machine code is in numba's cache


def _is_done(claims, name: str) -> bool:
    return (Path(claims) / _DONE.format(name)).exists()


def start_helper(code: str, *arguments):
    """A second process running ``python -c code *arguments`` to fill numba's disk cache while
    this one works; None when ``HOMEOSTASIS_COMPILE_HELPER=0`` or it cannot start. Wait for it
    with :func:`finish_helper` before loading what it compiles."""
    import subprocess
    import sys

    if os.environ.get("HOMEOSTASIS_COMPILE_HELPER", "1") == "0":
        return None
    from .cache import cache_directory

    try:
        # the helper's errors go to a log beside the compiled modules, so a helper that dies
        # (this process then compiles the driver itself) leaves its reason behind
        with open(cache_directory() / "compile-helper.log", "ab") as log:
            # its own session: a first command that ends while the helper still compiles the
            # driver's loop (ready_driver) leaves it working, Ctrl-C in the terminal included
            return subprocess.Popen([sys.executable, "-c", code, *arguments], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    except OSError:
        return None


def finish_helper(helper) -> None:
    """Wait for a helper of :func:`start_helper`, if any (this process then loads what it
    compiled, or compiles it itself if the helper failed)."""
    if helper is None:
        return
    try:
        helper.wait()
    except BaseException:
        helper.kill()
        raise


def _is_cached(dispatcher) -> bool:
    """Whether numba's disk cache holds an index for ``dispatcher`` (True when unknown)."""
    try:
        return Path(dispatcher._cache._cache_file._index_path).exists()
    except Exception:  # numba's cache internals moved: never start a helper
        return True


def compile_driver(key: str) -> None:
    """Compile ``run`` of the driver ``key`` into numba's disk cache (the helper's work).

    The call has the argument types of :func:`_run`'s call but a single output time, so it
    integrates nothing and calls no model function (the addresses are zeros). Also compiles the
    driver's ``segment``, which ``run`` calls by address (``functions.segment_address``)."""
    from .functions import segment_address

    module = _module_for(key)
    segment_address(module)
    empty_float, empty_int = np.zeros(0), np.zeros(0, dtype=np.int64)
    module.run(np.zeros(8, dtype=np.int64), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1),
               np.zeros(2, dtype=np.int64), empty_int, empty_int, empty_float, 1e-8, np.ones(1), MAX_STEPS,
               np.zeros((1, 1)), empty_int, np.zeros(0, dtype=np.bool_), np.zeros((1, 0)),
               np.zeros(4, dtype=np.int64), np.zeros(1, dtype=np.int64))


def load_driver() -> Driver:
    """The compiled driver bound to this model (compiled on first use, then cached on disk): the
    ahead-of-time extension when it is built (``numerics/aot.py``: no numba imported), else numba's."""
    compiled = compile_model()
    return _linked_driver(compiled.key) or _driver_for(driver_key(), compiled.key)


@lru_cache(maxsize=None)
def _linked_driver(model_key: str):
    """The ahead-of-time extension's driver (``numerics/aot.py``), or None when it is not built."""
    from . import aot

    extension = aot.load_extension(model_key, driver_key())
    if extension is None:
        return None
    return aot.LinkedDriver(extension, stored_elimination_order(compile_model()), deferred=_deferred_signals,
                            fallback=lambda: _driver_for(driver_key(), model_key))


# what the background process building the extension runs
_BUILD_CODE = "from homeostasis.numerics.driver import build_extension; build_extension()"


def build_extension() -> None:
    """Build the ahead-of-time extension of this model (``numerics/aot.py``) into the cache
    folder, in a process that has not imported numba (``python -m homeostasis.numerics.driver``)."""
    from . import aot
    from .cache import structure_key

    scratch = aot.scratch_numba_cache()
    try:
        key, model_key = driver_key(), structure_key()
        built = aot.build_into_cache(model_key, key, _module_for(key),
                                     lambda: stored_elimination_order(compile_model()))
        print(aot.paths(model_key, key)["extension"], "built" if built else "already built (or being built)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@lru_cache(maxsize=1)
def _parameter_index() -> dict:
    return {name: i for i, name in enumerate(parameter_names())}


class EncodedEvents:
    """An event schedule as flat arrays for the compiled loop (ops in application order)."""

    def __init__(self, compiled, groups, time_offset):
        names = _parameter_index()
        index = compiled.state_index
        bounds, starts, ops, encoded = [], [0], [], {}
        for time, group in groups:
            for event in group:
                for action in event.actions:  # a repeated dose shares one action: encoded once
                    if id(action) not in encoded:
                        encoded[id(action)] = action.ops(index, names)
                    ops += encoded[id(action)]
            bounds.append(time + time_offset)
            starts.append(len(ops))
        kinds, targets, values = zip(*ops) if ops else ((), (), ())
        self.bounds = np.array(bounds, dtype=float)
        self.op_start = np.array(starts, dtype=np.int64)
        self.op_kind = np.array(kinds, dtype=np.int64)
        self.op_index = np.array(targets, dtype=np.int64)
        self.op_value = np.array(values, dtype=float)

    def arrays(self):
        return self.bounds, self.op_start, self.op_kind, self.op_index, self.op_value


def is_special(event) -> bool:
    """Events whose effect depends on the state at their instant (applied in Python)."""
    return event.reads_state


def run_compiled(compiled, y0, grid, p, events, *, scale, rtol, time_offset=0.0, observables=None, progress=None,
                 chunk_days=CHUNK_DAYS, driver=None):
    """States and observables on ``grid`` (run days) with ``events`` applied at their times.

    ``observables``: the names to evaluate (their columns in that order), default every one.
    A run longer than ``chunk_days`` is integrated one compiled call per ``chunk_days``,
    returning to Python in between, so that Ctrl-C stops it within one chunk and
    ``progress(done_fraction)`` (when given) is called after each.

    The same contract as :func:`homeostasis.protocol.schedule.run_schedule` (outputs at an
    event time show the state and parameters just before it), computed by the compiled driver.
    Returns ``(states, observables)``; raises SolverError naming time, state and parameters.
    ``driver``: the one :func:`load_driver` gives, when the caller has it already.
    """
    from ..protocol.schedule import apply_event, event_groups

    driver = load_driver() if driver is None else driver
    selection = compiled.observable_selection(observables)
    grid = np.asarray(grid, float)
    p = np.array(p, dtype=float)
    y = np.asarray(y0, float)
    rtol, atol = driver_tolerances(scale, rtol)
    if not events and grid[-1] - grid[0] <= chunk_days:  # no schedule to cut: one call (what _pieces gives)
        pieces = [(grid[-1], [], None)]
    else:
        pieces = list(_pieces(event_groups(events, grid[0], grid[-1]), grid[0], grid[-1], chunk_days))
    if len(pieces) == 1 and pieces[0][2] is None:  # the usual case: the whole grid in one call
        states, observed, _, _ = _run(driver, compiled, y, p, grid + time_offset, pieces[0][1], time_offset, atol,
                                      rtol, selection)
        return states, observed
    states = np.empty((len(grid), len(y)))
    observed = np.empty((len(grid), len(selection.names)))
    start, first_row = grid[0], 0
    for end, groups, special in pieces:
        rows = np.arange(first_row, np.searchsorted(grid, end, side="right"))
        # the sub-run starts at `start` (an output time, a chunk end or a special event) and ends at `end`
        times = np.unique(np.concatenate(([start], grid[rows], [end])))
        sub_states, sub_observed, y, p = _run(driver, compiled, y, p, times + time_offset, groups, time_offset,
                                              atol, rtol, selection)
        where = np.searchsorted(times, grid[rows])
        states[rows], observed[rows] = sub_states[where], sub_observed[where]
        if special is not None:
            for event in special:
                y, p = apply_event(compiled, event, y, p, end + time_offset)
        start, first_row = end, rows[-1] + 1 if len(rows) else first_row
        if progress is not None:
            progress((end - grid[0]) / max(grid[-1] - grid[0], 1e-300))
    return states, observed


def _pieces(groups, first, last, chunk_days=None):
    """``(end, ordinary event groups up to end, special group at end or None)``: the schedule
    cut at each group that must run in Python and, given ``chunk_days``, every ``chunk_days``."""
    cuts = [cut for cut in np.arange(first + chunk_days, last, chunk_days) if cut < last - 1e-9 * chunk_days] \
        if chunk_days else []
    pending, reached = [], None
    for time, group in groups:
        while cuts and cuts[0] < time:
            reached = cuts.pop(0)
            yield reached, pending, None
            pending = []
        if any(is_special(event) for event in group):
            yield time, pending, group
            pending, reached = [], time
            cuts = [cut for cut in cuts if cut > time]
        else:
            pending.append((time, group))
    for cut in cuts:
        yield cut, pending, None
        pending, reached = [], cut
    if pending or reached is None or reached < last:
        yield last, pending, None


def _run(driver, compiled, y, p, times, groups, time_offset, atol, rtol, selection):
    if groups:
        bounds, op_start, op_kind, op_index, op_value = EncodedEvents(compiled, groups, time_offset).arrays()
        if bounds[-1] < times[-1]:
            bounds = np.append(bounds, times[-1])
            op_start = np.append(op_start, op_start[-1])
    else:  # what EncodedEvents and the final bound give for no events, without their Python work
        bounds, op_start = np.array([times[-1]]), np.zeros(2, dtype=np.int64)
        op_kind, op_index, op_value = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    states = np.empty((len(times), len(y)))
    observed = np.empty((len(times), len(selection.names)))
    counts = np.zeros(4, dtype=np.int64)
    status, failed_at, y_end, p_end = driver.run(y, p, times, bounds, op_start, op_kind, op_index, op_value,
                                                 float(rtol), atol, MAX_STEPS, states, selection.which,
                                                 selection.need, observed, counts)
    if status:
        state = dict(zip(compiled.state_names, np.asarray(y_end, float)))
        if status == 4:
            name, value = min(state.items(), key=lambda item: item[1])
            raise SolverError(f"state {name} became negative ({value:.3g})", time=float(failed_at),
                              state=state, parameters=p_end)
        raise SolverError(f"integration failed ({FAILURES[status]})", time=float(failed_at),
                          state=state, parameters=p_end)
    return states, observed, np.asarray(y_end, float), np.asarray(p_end, float)


class HoistedModel:
    """The compiled model as the SciPy path sees it on a first run, through the driver's own
    model functions.

    A first run compiles the model's functions the driver calls and the driver's loop. While the
    compile helper still works on the Jacobian and the loop
    (:func:`ready_driver`), the SciPy path runs on
    ``rhs_hoisted`` and ``observe_hoisted`` with their vectors of constants (the SciPy path's
    own ``rhs`` and ``observables_many`` would be two more compiles), and LSODA forms its
    Jacobian by differences until the analytic one is in numba's cache: the first command waits
    for neither compile (results within the solver tolerance of the usual SciPy path's, as the
    driver's are). Everything else is the compiled model's.
    """

    def __init__(self, compiled: CompiledModel):
        analytic = _is_cached(compiled.module.jacobian)
        load_functions(compiled, SCIPY_JOBS + (("jacobian",) if analytic else ()))
        self._compiled = compiled
        self._module = compiled.module
        self._every = compiled.observable_selection(None)
        self._constants = {}  # ("rhs" | "observe", parameter bytes) -> vector of constants
        self.jacobian = self._analytic_jacobian if analytic else None  # None: odeint's differences

    def __getattr__(self, name):
        return getattr(self._compiled, name)

    def _constants_of(self, kind: str, p: np.ndarray) -> np.ndarray:
        key = (kind, p.tobytes())
        found = self._constants.get(key)
        if found is None:
            size = self._module.RHS_CONSTANTS if kind == "rhs" else self._module.OBSERVE_CONSTANTS
            found = np.empty(size)
            getattr(self._module, f"{kind}_constants")(p, found)
            if len(self._constants) > 64:  # a long schedule of parameter changes: keep the newest
                self._constants.clear()
            self._constants[key] = found
        return found

    def rhs(self, t, y, p):
        p = np.ascontiguousarray(p, dtype=float)
        out = np.empty(len(y))
        self._module.rhs_hoisted(float(t), np.ascontiguousarray(y, dtype=float), p, self._constants_of("rhs", p), out)
        return out

    def _analytic_jacobian(self, t, y, p):
        return self._compiled.jacobian(float(t), y, p)

    def observables(self, times, states, p) -> np.ndarray:
        p = np.ascontiguousarray(p, dtype=float)
        constants, every = self._constants_of("observe", p), self._every
        out = np.empty((len(times), len(every.names)))
        for row, (t, y) in enumerate(zip(np.asarray(times, float), np.asarray(states, float))):
            self._module.observe_hoisted(float(t), np.ascontiguousarray(y), p, constants, every.which, every.need,
                                         out[row])
        return out


if __name__ == "__main__":
    build_extension()
