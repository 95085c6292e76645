"""The README's first command, cold (empty caches) and warm, in fresh processes.

Run from the project root (a cold round takes 20-90 s of wall time on 2 cores, depending on
the load)::

    python benchmarks/first_command.py                          # this checkout, 1 round
    python benchmarks/first_command.py --rounds 2 --before OLD  # interleaved with another tree

Each round runs ``homeostasis compare ...`` (the README's first command) with a new
``HOMEOSTASIS_CACHE`` folder (cold: the model's five functions and the driver are compiled, shared
between the main process and its compile helper), then again on the same folder (warm), then a warm
``import homeostasis; homeostasis.simulate('healthy', days=1)``. It prints the wall time, the
CPU time of the process and its helper (``getrusage(RUSAGE_CHILDREN)``) and the 1-minute load
after each run; with ``--before`` the other tree's runs alternate with this one's, so both see
the same load. Issue 15's targets: cold within 15 s, warm ``simulate`` within 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = ["compare", "healthy", "parathyroid-adenoma:label=PHPT",
           "parathyroid-adenoma:label=PHPT operated at 1 year+parathyroidectomy@365",
           "ckd:gfr_final=15,years=2,label=CKD to GFR 15 in 2 years", "--days", "730", "--units", "clinical",
           "--variables", "ca_total,phosphate,pth,calcitriol,fgf23,urine_ca", "--plot", "first.png", "--force"]
WARM_SIMULATE = "import homeostasis; homeostasis.simulate('healthy', days=1)"


def timed(arguments, environment, folder) -> tuple:
    """(wall, CPU of the children) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(arguments, env=environment, cwd=folder, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def one_round(label: str, tree: Path | None, warm_repeats: int = 3) -> None:
    """Cold command, warm command and warm simulate for one tree (None: the installed package)."""
    with tempfile.TemporaryDirectory(prefix="homeostasis-first-") as folder:
        environment = dict(os.environ, HOMEOSTASIS_CACHE=str(Path(folder) / "cache"), MPLBACKEND="Agg")
        environment.pop("NUMBA_CACHE_DIR", None)  # numba's machine code beside the generated modules: cold
        # as on a user's machine, Python writes the generated modules' bytecode (a warm start then
        # does not recompile the 7,000-line model module from source, ~0.1-0.25 s)
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        if tree is not None:
            environment["PYTHONPATH"] = str(tree)
        command = [sys.executable, "-m", "homeostasis.cli", *COMMAND]
        simulate = [sys.executable, "-c", WARM_SIMULATE]
        for case, arguments in (("cold compare", command), ("warm compare", command),
                                *[("warm simulate(days=1)", simulate)] * warm_repeats):
            wall, cpu = timed(arguments, environment, folder)
            print(f"{label:>8}  {case:<22} wall {wall:6.2f} s  CPU {cpu:6.2f} s  load {os.getloadavg()[0]:.1f}",
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--before", type=Path, help="another checkout to interleave with this one")
    parser.add_argument("--warm-repeats", type=int, default=3, help="warm simulate runs per round")
    options = parser.parse_args()
    for _ in range(options.rounds):
        if options.before is not None:
            one_round("before", options.before.resolve(), options.warm_repeats)
        one_round("this", None, options.warm_repeats)


if __name__ == "__main__":
    main()
