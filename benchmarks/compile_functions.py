"""CPU time numba takes to compile each of the first run's functions, one fresh process each.

Run from the project root (about a minute on 2 cores)::

    python benchmarks/compile_functions.py                       # every job, 1 round
    python benchmarks/compile_functions.py --only rhs_hoisted --rounds 3
    python benchmarks/compile_functions.py --profile rhs_hoisted # cProfile of one compile

Each job runs in a new process with a new, empty ``HOMEOSTASIS_CACHE`` (so numba's disk cache,
beside the generated modules, is empty too). The process loads the model module, loads numba's
CPU target and compiles one throw-away function first (none of that is counted), then times
``dispatcher.compile(signature)`` (``time.process_time``) for the job: a model function, or the
driver's ``run`` (:func:`homeostasis.numerics.driver.compile_driver`), as on a first run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

JOBS = ("jacobian", "rhs_hoisted", "observe_hoisted", "rhs_constants", "observe_constants", "driver")

_CHILD = r"""
import cProfile, pstats, sys, time
from numba import njit
from homeostasis.numerics.cache import compile_model
from homeostasis.numerics.driver import _model_signature, compile_driver, driver_key
from homeostasis.numerics.functions import prepare_numba

name, profile = sys.argv[1], sys.argv[2] == "1"
prepare_numba()
compiled = compile_model()
njit(lambda x: x + 1.0)(1.0)  # numba's own first-compile set-up, not counted
job = (lambda: compile_driver(driver_key())) if name == "driver" else (
    lambda: getattr(compiled.module, name).compile(_model_signature(name)))
profiler = cProfile.Profile() if profile else None
start = time.process_time()
if profiler:
    profiler.runcall(job)
else:
    job()
print(f"{time.process_time() - start:.2f}")
if profiler:
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
"""


def compile_cpu(name: str, profile: bool = False) -> float:
    """CPU seconds of one job's compile in a fresh process with empty caches."""
    with tempfile.TemporaryDirectory(prefix="homeostasis-compile-") as folder:
        environment = dict(os.environ, HOMEOSTASIS_CACHE=folder, HOMEOSTASIS_COMPILE_HELPER="0")
        environment.pop("NUMBA_CACHE_DIR", None)
        done = subprocess.run([sys.executable, "-c", _CHILD, name, "1" if profile else "0"], env=environment,
                              check=True, stdout=subprocess.PIPE, text=True)
    return float(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=JOBS, default=list(JOBS))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", choices=JOBS, help="print a cProfile of this job's compile (stderr)")
    arguments = parser.parse_args()
    if arguments.profile:
        print(f"{arguments.profile}: {compile_cpu(arguments.profile, profile=True):.2f} s CPU")
        return
    load = os.getloadavg()[0]
    for name in arguments.only:
        figures = [compile_cpu(name) for _ in range(arguments.rounds)]
        print(f"{name:18s} " + "  ".join(f"{value:5.2f}" for value in figures) + " s CPU", flush=True)
    print(f"load {load:.2f} -> {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
