"""The compiled model: generated once per model structure, verified and loaded from a disk cache.

A generated module is keyed by a hash of the model's source files, the code templates and the
versions of the generators, so a warm start imports cached machine code (numba
``cache=True``) without any SymPy work, and changing a parameter value never recompiles. Each
file carries the SHA-256 of its own body on its first line; a file that is truncated, edited
or fails to import is regenerated instead of crashing the run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import metadata, resources
from pathlib import Path
from types import ModuleType

import numpy as np

from ..errors import warn_renamed
from ..parameters.table import parameter_names
from .scales import scale_from_healthy

CHECKSUM_PREFIX = "# sha256: "


def cache_directory() -> Path:
    """Where generated modules live: $HOMEOSTASIS_CACHE or ~/.cache/homeostasis."""
    root = os.environ.get("HOMEOSTASIS_CACHE") or Path.home() / ".cache" / "homeostasis"
    path = Path(root)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:  # read-only home: fall back to a per-user temporary directory
        path = Path(tempfile.gettempdir()) / f"homeostasis-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
        path.mkdir(parents=True, exist_ok=True)
    return path


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


@lru_cache(maxsize=1)
def structure_key() -> str:
    """Hash of everything that determines the compiled code (not parameter values)."""
    from .._version import __version__

    digest = hashlib.sha256()
    package = resources.files("homeostasis")
    for folder, names in (("numerics", ("codegen.py", "access.py")), ("model", None)):
        entry = package.joinpath(folder)
        for file in sorted(entry.iterdir(), key=lambda f: f.name):
            if file.name.endswith(".py") and (names is None or file.name in names):
                digest.update(file.read_bytes())
    templates = package.joinpath("numerics", "templates")
    for file in sorted(templates.iterdir(), key=lambda f: f.name):
        if file.name.endswith(".tmpl"):
            digest.update(file.read_bytes())
    digest.update(",".join(parameter_names()).encode())
    digest.update(f"{__version__}|{_version('sympy')}|{_numba_version()}|{sys.version}".encode())
    return digest.hexdigest()[:20]


def _numba_version() -> str:
    """numba's version without importing numba (0.3 s; a warm start on the ahead-of-time
    extension, ``numerics/aot.py``, does not import it): its ``_version.py`` holds it as text.
    Not a metadata lookup, which scans every installed distribution (~5-25 ms of a warm start)."""
    if "numba" in sys.modules:
        return sys.modules["numba"].__version__
    import re

    spec = importlib.util.find_spec("numba")
    try:
        text = (Path(spec.origin).parent / "_version.py").read_text(encoding="utf-8")
        return re.search(r'"version": "([^"]+)"', text).group(1)
    except (OSError, AttributeError, TypeError):
        import numba

        return numba.__version__


def _with_checksum(source: str) -> str:
    return f"{CHECKSUM_PREFIX}{hashlib.sha256(source.encode()).hexdigest()}\n{source}"


def _verified(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    first, _, body = text.partition("\n")
    return first == f"{CHECKSUM_PREFIX}{hashlib.sha256(body.encode()).hexdigest()}"


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)  # atomic, so parallel workers never read half a file


def _discard(path: Path) -> None:
    """Remove a damaged generated module and numba's cached machine code for it."""
    path.unlink(missing_ok=True)
    pycache = path.parent / "__pycache__"
    if pycache.is_dir():
        for stale in pycache.glob(f"{path.stem}*"):
            stale.unlink(missing_ok=True)


def load_generated(kind: str, key: str, make_source, requires: tuple = ()) -> ModuleType:
    """The generated module ``homeostasis_<kind>_<key>``: verified, or (re)generated.

    ``make_source()`` returns the module's source; ``requires`` are modules the generated code
    imports by name (loaded and registered before this one runs).
    """
    for module in requires:
        sys.modules.setdefault(module.__name__, module)
    path = cache_directory() / f"homeostasis_{kind}_{key}.py"
    for attempt in range(2):
        if not _verified(path):
            _discard(path)
            _write_atomically(path, _with_checksum(make_source()))
        try:
            return _import(path)
        except Exception:  # a cache damaged in a way the checksum cannot see (numba's files)
            sys.modules.pop(path.stem, None)
            if attempt:
                raise
            _discard(path)
    raise AssertionError("unreachable")


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # numba's on-disk cache re-imports the module by name
    spec.loader.exec_module(module)
    return module


def _model_source() -> str:
    """The shipped generated source when it is current (no SymPy), else generated now."""
    from .shipped import model_source

    return model_source()


@dataclass(frozen=True)
class CompiledModel:
    """Compiled functions and facts of one model structure (a plain value; pickles by key).

    ``facts``: the generated module, or, when the ahead-of-time extension is built
    (``numerics/aot.py``), its copy without the numba functions, so that a warm start imports
    no numba; ``module`` (the numba functions) is then loaded when first asked for."""

    key: str
    facts: ModuleType = field(repr=False, compare=False)

    def __reduce__(self):
        return (_compiled_for_key, (self.key,))

    @cached_property
    def module(self) -> ModuleType:
        """The generated module with the numba functions."""
        if getattr(self.facts, "HOMEOSTASIS_FACTS_ONLY", False):
            return load_generated("model", self.key, _model_source)
        return self.facts

    @property
    def state_names(self) -> tuple:
        return self.facts.STATE_NAMES

    @property
    def observable_names(self) -> tuple:
        return self.facts.OBSERVABLE_NAMES

    @property
    def observable_units(self) -> tuple:
        return self.facts.OBSERVABLE_UNITS

    @property
    def observable_aliases(self) -> dict:
        """``{former name: current name}`` of renamed observables."""
        return self.facts.OBSERVABLE_ALIASES

    def current_name(self, name):
        """A variable's current name: a renamed observable's former name is replaced (with a
        deprecation warning); any other name is returned as given."""
        if isinstance(name, str) and name in self.facts.OBSERVABLE_ALIASES:
            warn_renamed("observable", name, self.facts.OBSERVABLE_ALIASES[name], stacklevel=4)
            return self.facts.OBSERVABLE_ALIASES[name]
        return name

    @cached_property
    def state_index(self) -> dict:
        """``{state name: position}``."""
        return {name: i for i, name in enumerate(self.state_names)}

    @cached_property
    def slow(self) -> np.ndarray:
        """Boolean mask of the slow reservoirs (held fixed in a clinical steady state)."""
        return np.array([name in self.facts.SLOW_STATES for name in self.state_names])

    @property
    def slow_states(self) -> tuple:
        return self.facts.SLOW_STATES

    @property
    def surgery_states(self) -> tuple:
        return self.facts.SURGERY_STATES

    @property
    def volumes(self) -> dict:
        return self.facts.VOLUMES

    @property
    def derived_names(self) -> tuple:
        return self.facts.DERIVED_NAMES

    @property
    def derived_depends(self) -> dict:
        return self.facts.DERIVED_DEPENDS

    def rhs(self, t, y, p):
        # the generated code reads and writes contiguous arrays only (numerics/access.py)
        return self.module.rhs(t, np.ascontiguousarray(y, dtype=float), np.ascontiguousarray(p, dtype=float))

    def jacobian(self, t, y, p):
        return self.module.jacobian(t, np.ascontiguousarray(y, dtype=float), np.ascontiguousarray(p, dtype=float))

    def observables(self, times, states, p) -> np.ndarray:
        return self.module.observables_many(np.asarray(times, float), np.ascontiguousarray(states), p)

    def observable_selection(self, names=None) -> "ObservableSelection":
        """The observables the driver evaluates at output times: every one (``None``), or
        ``names`` in the given order (unknown names refused with a suggestion)."""
        if isinstance(names, str):
            names = (names,)
        return _selection(self, None if names is None else tuple(names))

    def derive(self, p) -> np.ndarray:
        """The parameter vector with every derived rate constant computed from the others (the
        generated code works on Python floats: given a list, it converts 300 values 4x faster)."""
        return self.facts.derive(np.asarray(p, dtype=float).tolist())

    def reference_state(self, p) -> np.ndarray:
        """The healthy reference state (an exact steady state) for parameter vector ``p``."""
        return np.asarray(self.facts.reference_state(p), dtype=float)

    def state_scale(self, p) -> np.ndarray:
        """Typical size of each state for the solvers' absolute tolerances (see :meth:`scale_from`)."""
        return self.scale_from(self.reference_state(p))

    def scale_from(self, healthy) -> np.ndarray:
        """:meth:`state_scale` from the healthy reference state ``healthy`` (not changed): the
        model's sizes (:func:`~homeostasis.numerics.scales.scale_from_healthy`) times each state's
        tolerance factor (``State.tolerance_factor``), as the solvers' absolute tolerance wants."""
        return scale_from_healthy(healthy, self.state_names, self.facts.SCALE_LIKE,
                                  self.facts.TOLERANCE_FACTORS)


@dataclass(frozen=True)
class ObservableSelection:
    """Which observables to evaluate (``which``: indices) and the shared subexpressions they
    need (``need``: one flag per subexpression of the generated ``observe_into``)."""

    names: tuple
    units: tuple
    which: np.ndarray
    need: np.ndarray


@lru_cache(maxsize=64)
def _selection(compiled: CompiledModel, names) -> ObservableSelection:
    from ..errors import UnknownNameError

    every = compiled.observable_names
    for name in names or ():
        if name not in every:
            raise UnknownNameError("observable", name, every)
    which = np.arange(len(every)) if names is None else np.array([every.index(n) for n in names], dtype=np.int64)
    needs = compiled.facts.OBSERVABLE_NEEDS
    need = np.zeros(1 + max((j for group in needs for j in group), default=0), dtype=np.bool_)
    for i in which:
        need[list(needs[i])] = True
    return ObservableSelection(tuple(every[i] for i in which), tuple(compiled.observable_units[i] for i in which),
                               which.astype(np.int64), need)


@lru_cache(maxsize=None)
def _compiled_for_key(key: str) -> CompiledModel:
    return CompiledModel(key, _load_facts(key) or load_generated("model", key, _model_source))


def facts_path(key: str) -> Path:
    """The generated model's plain-Python part (``numerics/aot.py`` writes it beside its
    extension): what a warm start on the extension loads instead of the numba module."""
    return cache_directory() / f"homeostasis_facts_{key}.py"


def aot_switched_off() -> bool:
    """``HOMEOSTASIS_AOT=0``: neither the ahead-of-time extension nor its facts module is used or built."""
    return os.environ.get("HOMEOSTASIS_AOT", "1") == "0"


def _load_facts(key: str):
    """The facts module of model ``key`` if written and intact (and ``HOMEOSTASIS_AOT`` is not 0)."""
    path = facts_path(key)
    if aot_switched_off() or not _verified(path):
        return None
    try:
        return _import(path)
    except Exception:  # damaged in a way the checksum cannot see: the generated module
        sys.modules.pop(path.stem, None)
        return None


def compile_model() -> CompiledModel:
    """The compiled model for this package version (generated on first use, then cached)."""
    return _compiled_for_key(structure_key())
