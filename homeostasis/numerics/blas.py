"""OpenBLAS thread control (ctypes): small LU factorisations run fastest on one thread."""

from __future__ import annotations

import contextlib
import functools


@contextlib.contextmanager
def single_threaded_blas():
    """Run the enclosed code with OpenBLAS on one thread (best effort; Linux wheels).

    The augmented sensitivity system (a few hundred unknowns) is just large enough for
    OpenBLAS to split its LU factorisations over threads, and on a busy machine that is
    10-50 times slower than one thread. Thread counts are restored afterwards.
    """
    libraries = _openblas_libraries()
    saved = [(setter, getter()) for setter, getter in libraries]
    for setter, _ in libraries:
        setter(1)
    try:
        yield
    finally:
        for setter, count in saved:
            setter(count)


_OPENBLAS_C_FUNCTIONS = (  # numpy's 64-bit build, scipy's build, a system OpenBLAS
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
)


@functools.lru_cache(maxsize=1)
def _openblas_libraries():
    import ctypes

    found = []
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line})
    except OSError:
        return ()
    for path in paths:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for setter_name, getter_name in _OPENBLAS_C_FUNCTIONS:  # C entry points, not Fortran's
            setter, getter = getattr(library, setter_name, None), getattr(library, getter_name, None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype, getter.argtypes, getter.restype = [ctypes.c_int], None, [], ctypes.c_int
                found.append((setter, getter))
                break
    return tuple(found)
