"""Start-up and per-call overhead: a warm start against the floor of any numba + SciPy package.

Run from the project root (about a minute on 2 cores)::

    python benchmarks/startup.py                      # this checkout
    python benchmarks/startup.py --before OLD_TREE    # also a checkout of an earlier version

* **import floor**: ``python -c "import numpy, scipy.integrate, numba"`` (what any package that
  integrates compiled numba code with SciPy must import), and ``import numpy, numba`` (the
  numba floor: a run on the compiled driver imports no SciPy module it does not need);
* **warm start**: ``python -c "import homeostasis; homeostasis.simulate('healthy', days=1)"`` with
  the compiled-model cache present; the issue's target is at most 1.5 x the floor;
* **per call**: ``simulate('healthy', days=1)`` in a warm process (median of repeats), and the
  same through a prepared :class:`homeostasis.simulation.Simulation` (``prepared.solve``).

Each figure is the median of several runs in this same process, in wall time and in CPU time of
the child processes (``getrusage(RUSAGE_CHILDREN)``: other jobs on a shared machine disturb it
much less), so the ratios compare like with like on a loaded machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = "import numpy, scipy.integrate, numba"
NUMBA_FLOOR = "import numpy, numba"
WARM = "import homeostasis; homeostasis.simulate('healthy', days=1)"
# the same on the numba path, the ahead-of-time extension (numerics/aot.py) switched off
WARM_NUMBA = "import os; os.environ['HOMEOSTASIS_AOT'] = '0'; " + WARM
PER_CALL = """
import time, statistics, homeostasis
homeostasis.simulate('healthy', days=1)
times = []
for _ in range({repeats}):
    start = time.perf_counter(); homeostasis.simulate('healthy', days=1); times.append(time.perf_counter() - start)
print(statistics.median(times))
"""
PREPARED = """
import time, statistics
from homeostasis.simulation import Simulation
prepared = Simulation('healthy'); prepared.solve(days=1)
times = []
for _ in range({repeats}):
    start = time.perf_counter(); prepared.solve(days=1); times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def wall(code: str, tree: Path | None, repeats: int) -> tuple[float, float]:
    """Median wall time and median CPU time (s) of ``python -c code`` in a fresh process."""
    return interleaved([(code, tree)], repeats)[0]


def interleaved(runs, repeats: int) -> list[tuple[float, float]]:
    """Medians (wall, CPU) of each ``(code, tree)`` in ``runs``, run in turn ``repeats`` times so
    that all see the same load (CPU of the whole child process, its exit included)."""
    import resource

    def once(code, tree):
        environment = dict(os.environ)
        if tree is not None:
            environment["PYTHONPATH"] = str(tree)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        # run outside the project folder: with ``-c`` the working folder comes first on sys.path
        # and would shadow ``PYTHONPATH`` (an older tree would import this checkout)
        subprocess.run([sys.executable, "-c", code], check=True, env=environment, cwd=tempfile.gettempdir())
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime

    for code, tree in runs:
        once(code, tree)  # warm the caches
    samples = [[once(code, tree) for code, tree in runs] for _ in range(repeats)]
    return [(statistics.median(row[k][0] for row in samples), statistics.median(row[k][1] for row in samples))
            for k in range(len(runs))]


def in_process(template: str, tree: Path | None, repeats: int) -> float:
    environment = dict(os.environ)
    if tree is not None:
        environment["PYTHONPATH"] = str(tree)
    out = subprocess.run([sys.executable, "-c", template.format(repeats=repeats)], check=True, env=environment,
                         capture_output=True, text=True, cwd=tempfile.gettempdir()).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="source tree of an earlier version to compare with")
    parser.add_argument("--repeats", type=int, default=7)
    arguments = parser.parse_args()
    floor = wall(FLOOR, None, arguments.repeats)
    rows = [("import floor (numpy, scipy.integrate, numba)", floor, None),
            ("numba floor (numpy, numba)", wall(NUMBA_FLOOR, None, arguments.repeats), None)]
    trees = [("this checkout", Path.cwd())] + ([("before", arguments.before)] if arguments.before else [])
    runs = [(f"warm start, {label}", WARM, tree) for label, tree in trees]
    runs.insert(1, ("warm start, this checkout, numba path (HOMEOSTASIS_AOT=0)", WARM_NUMBA, Path.cwd()))
    for (label, _, _), warm in zip(runs, interleaved([(code, tree) for _, code, tree in runs], arguments.repeats)):
        rows.append((label, warm, (warm[0] / floor[0], warm[1] / floor[1])))
    for label, tree in trees:
        call = in_process(PER_CALL, tree, 50)
        rows.append((f"simulate('healthy', days=1) per call, {label}", (call, None), None))
        if label == "this checkout":
            rows.append(("Simulation.solve(days=1) per call (prepared once)", (in_process(PREPARED, tree, 50), None),
                         None))
    width = max(len(r[0]) for r in rows)
    for name, (seconds, cpu), ratio in rows:
        extra = f"   CPU {cpu * 1e3:7.1f} ms" if cpu is not None else ""
        extra += f"   {ratio[0]:.2f} x floor (CPU {ratio[1]:.2f} x)" if ratio is not None else ""
        print(f"{name:<{width}}  {seconds * 1e3:9.1f} ms{extra}")


if __name__ == "__main__":
    main()
