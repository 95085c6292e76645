"""Compile the symbolic model once per structure and cache the result on disk.

The generated module is keyed by a hash of the model's source files and the versions of the
code generators, so a warm start imports cached machine code (numba ``cache=True``) without
any SymPy work, and changing a parameter value never recompiles.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .parameters import parameter_names


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


def structure_key() -> str:
    """Hash of everything that determines the compiled code (not parameter values)."""
    import numba
    import sympy

    from . import __version__

    digest = hashlib.sha256()
    package = resources.files("homeostasis")
    for name in ("codegen.py", "model"):
        entry = package.joinpath(name)
        files = sorted(entry.iterdir(), key=lambda f: f.name) if entry.is_dir() else [entry]
        for file in files:
            if file.name.endswith(".py"):
                digest.update(file.read_bytes())
    digest.update(",".join(parameter_names()).encode())
    digest.update(f"{__version__}|{sympy.__version__}|{numba.__version__}|{sys.version}".encode())
    return digest.hexdigest()[:20]


@dataclass(frozen=True)
class CompiledModel:
    """Compiled functions of one model structure; pickles by key and reloads from the cache."""

    key: str
    state_names: tuple
    observable_names: tuple
    observable_units: tuple

    def __post_init__(self):
        module = _load_module(self.key)
        object.__setattr__(self, "_module", module)

    def __reduce__(self):
        return (compile_model, ())

    def rhs(self, t, y, p):
        return self._module.rhs(t, y, p)

    def jacobian(self, t, y, p):
        return self._module.jacobian(t, y, p)

    def observables(self, times, states, p) -> np.ndarray:
        return self._module.observables_many(np.asarray(times, float), np.ascontiguousarray(states), p)


def _module_path(key: str) -> Path:
    return cache_directory() / f"homeostasis_model_{key}.py"


def _write_module(key: str) -> None:
    from .codegen import generate_source
    from .model import build_model

    source = generate_source(build_model())
    path = _module_path(key)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(source)
    os.replace(temporary, path)  # atomic, so parallel workers never read half a file


@lru_cache(maxsize=None)
def _load_module(key: str):
    path = _module_path(key)
    if not path.exists():
        _write_module(key)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # numba's on-disk cache re-imports the module by name
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=1)
def compile_model() -> CompiledModel:
    """The compiled model for this package version (built on first use, then cached)."""
    from .model.states import STATES

    key = structure_key()
    names, units = _observable_metadata(key)
    return CompiledModel(key, tuple(s.name for s in STATES), names, units)


def _observable_metadata(key: str):
    # observable names are cheap to read from the generated module's companion file
    meta = cache_directory() / f"homeostasis_model_{key}.observables"
    if not meta.exists():
        from .model import build_model

        model = build_model()
        meta.write_text("\n".join(f"{o.name}\t{o.unit}" for o in model.observables))
    rows = [line.split("\t") for line in meta.read_text().splitlines()]
    return tuple(r[0] for r in rows), tuple(r[1] for r in rows)
