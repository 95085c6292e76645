"""Benchmark: one 4-parameter fit with exact (forward-sensitivity) gradients against forward and
central finite differences, at the same tolerance and at equal final accuracy.

Synthetic data from a calcium clamp, a PTH washout and an oral phosphate load (4 % noise,
fixed seed); four parameters estimated from the same perturbed start, without profiles.

* Accuracy of a fit: the largest distance of its estimates from those of a reference fit
  (exact gradients, rtol 1e-11), in standard errors of the reference. "Equal final accuracy"
  compares, for each gradient, the fastest fit whose accuracy is within ``ACCURACY``.
* Every fit runs at each rtol of ``RTOLS``, ``repeats`` times in interleaved rounds (medians of wall
  and CPU time, the load average printed before and after); compilation is done
  before timing. ``--cold`` also reports the one-time costs in fresh processes: generating and
  compiling the sensitivity code for this parameter subset, compiling the staggered kernel, and
  the same steps loaded from the disk cache (a cache holding only the model and the driver).

Run: ``python benchmarks/fit_gradients.py [--cold]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import homeostasis as h

TRUTH = {"pth_half_life": 3.5, "pth_release_set_point": 1.12, "gut_transit_rate": 6.0, "reference_pth": 4.2}
START = {"pth_half_life": 2.5, "pth_release_set_point": 1.0, "gut_transit_rate": 10.0, "reference_pth": 3.0}
MINUTE = 1.0 / 1440.0
PROTOCOL = {
    "clamp": (["calcium-clamp@0.01:delta_ionized=-0.15,hours=1.5"], np.linspace(0.0, 0.1, 13), ("pth", "ca_ionized")),
    "washout": (["parathyroidectomy@0.01:fraction=0.9"], 0.01 + MINUTE * np.array([0, 1, 2, 3, 4, 6, 8, 10, 15, 20, 30]),
                ("pth",)),
    "load": (["phosphate-load@0.02:p_mg=1000"], np.linspace(0.0, 1.0, 13), ("phosphate", "pth")),
}
GRADIENTS = ("exact", "finite-difference", "central-difference")
RTOLS = (1e-6, 1e-7, 1e-8)
SAME_RTOL = 1e-8  # the fit's default tolerance
REFERENCE_RTOL = 1e-11
ACCURACY = 1e-3  # estimates within 0.1 % of a standard error of the reference


def synthetic_data(seed=20240611, cv=0.04) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for label, (items, times, variables) in PROTOCOL.items():
        grid = np.unique(np.r_[0.0, times])
        result = h.simulate(times=grid, parameters=TRUTH, interventions=items)
        for variable in variables:
            values = result[variable][np.searchsorted(grid, times)]
            sd = cv * np.abs(values).mean()
            rows += [{"scenario": label, "time_days": t, "variable": variable,
                      "value": v + rng.normal(0.0, sd), "sd": sd} for t, v in zip(times, values)]
    return pd.DataFrame(rows)


def timed_fit(data, gradient, rtol=SAME_RTOL):
    """(wall seconds, CPU seconds of this process and its threads, fit result or None)."""
    interventions = {label: items for label, (items, _, _) in PROTOCOL.items()}
    clock, cpu = time.perf_counter(), time.process_time()
    try:
        result = h.fit(data, estimate=list(TRUTH), interventions=interventions, start_values=START,
                       gradient=gradient, profile_intervals=False, rtol=rtol)
    except h.HomeostasisError:
        return np.nan, np.nan, None
    return time.perf_counter() - clock, time.process_time() - cpu, result


def accuracy(result, reference) -> float:
    """Largest distance of the estimates from the reference's, in its standard errors."""
    if result is None:
        return np.inf
    return max(abs(result.estimates[n] - reference.estimates[n]) / reference.standard_errors[n]
               for n in reference.names)


def sweep(data, reference, repeats, gradients=GRADIENTS):
    """Every (gradient, rtol) fit ``repeats`` times, in interleaved rounds so that all see the
    same machine load; medians of wall and CPU seconds."""
    cases = [(gradient, rtol) for gradient in gradients for rtol in RTOLS]
    walls, cpus, results = {c: [] for c in cases}, {c: [] for c in cases}, {}
    for _ in range(repeats):
        for case in cases:
            wall, cpu, results[case] = timed_fit(data, *case)
            walls[case].append(wall)
            cpus[case].append(cpu)
    rows = []
    for case in cases:
        result = results[case]
        rows.append({"gradient": case[0], "rtol": case[1], "seconds": float(np.median(walls[case])),
                     "cpu": float(np.median(cpus[case])), "simulations": result.n_simulations if result else 0,
                     "objective": result.objective if result else np.nan,
                     "accuracy": accuracy(result, reference)})
    return pd.DataFrame(rows)


def report(table):
    print(f"{'gradient':<19} {'rtol':>6} {'wall s':>7} {'CPU s':>7} {'sims':>5} {'objective':>10} "
          f"{'|est - ref| / SE':>17}")
    for row in table.itertuples():
        print(f"{row.gradient:<19} {row.rtol:6.0e} {row.seconds:7.3f} {row.cpu:7.3f} {row.simulations:5d} "
              f"{row.objective:10.4f} {row.accuracy:17.2e}")
    same = table[table.rtol == SAME_RTOL].set_index("gradient")
    good = table[table.accuracy <= ACCURACY]
    fastest = good.loc[good.groupby("gradient")["seconds"].idxmin()].set_index("gradient")
    thriftiest = good.loc[good.groupby("gradient")["cpu"].idxmin()].set_index("gradient")  # least CPU
    exact_same = same.loc["exact"]
    for other in same.index.drop("exact"):
        print(f"{other} / exact at rtol {SAME_RTOL:g}: wall time {same.loc[other, 'seconds'] / exact_same.seconds:.2f}, "
              f"CPU {same.loc[other, 'cpu'] / exact_same.cpu:.2f}")
        if "exact" in fastest.index and other in fastest.index:
            exact, rival = fastest.loc["exact"], fastest.loc[other]
            print(f"{other} / exact at equal final accuracy (<= {ACCURACY:g} SE): wall time "
                  f"{rival.seconds / exact.seconds:.2f} ({other} at rtol {rival.rtol:g}: {rival.seconds:.3f} s; "
                  f"exact at rtol {exact.rtol:g}: {exact.seconds:.3f} s)")
            exact, rival = thriftiest.loc["exact"], thriftiest.loc[other]
            print(f"{other} / exact at equal final accuracy: CPU time {rival.cpu / exact.cpu:.2f} ({other} at rtol "
                  f"{rival.rtol:g}: {rival.cpu:.3f} s; exact at rtol {exact.rtol:g}: {exact.cpu:.3f} s)")
        else:
            print(f"{other}: no fit within {ACCURACY:g} SE of the reference at the tolerances tried")


# ---- one-time costs, in fresh processes ------------------------------------------------------
COLD_SCRIPT = """
import json, time
import numpy as np
clock = time.perf_counter()
from homeostasis import Simulation
from homeostasis.fitting.sensitivities import sensitivity_model
from homeostasis.numerics import sensitivity_driver
simulation = Simulation("healthy")
p, y = simulation.vector, simulation.initial_state
out = {"model loaded (cached)": time.perf_counter() - clock}
clock = time.perf_counter()
model = sensitivity_model(tuple(ESTIMATE))
out["sensitivity code generated (SymPy) or read"] = time.perf_counter() - clock
clock = time.perf_counter()
sensitivity_driver.prepare(model.module)
dp = model.parameter_sensitivity(p, np.ones(len(ESTIMATE)))
s0 = model.initial_sensitivity(p, dp)
out["its numba functions compiled or loaded"] = time.perf_counter() - clock
clock = time.perf_counter()
sensitivity_driver.integrate_with_sensitivities(simulation.compiled, model.module, y, s0, [0.0, 1e-3], p, dp,
                                                scale=simulation.scale, rtol=1e-8)
out["staggered kernel compiled or loaded"] = time.perf_counter() - clock
print(json.dumps(out))
"""


def one_time_costs():
    """Seconds of each first-use step, cold (empty sensitivity cache) and warm (cached)."""
    from homeostasis.numerics.cache import compile_model
    from homeostasis.numerics.driver import load_driver

    with tempfile.TemporaryDirectory() as folder:
        for module in (compile_model().module, load_driver().module):  # the model and driver stay warm
            source = Path(module.__file__)
            shutil.copy2(source, Path(folder) / source.name)
            (Path(folder) / "__pycache__").mkdir(exist_ok=True)
            for cached in (source.parent / "__pycache__").glob(f"{source.stem}*"):
                shutil.copy2(cached, Path(folder) / "__pycache__" / cached.name)
        script = COLD_SCRIPT.replace("ESTIMATE", repr(list(TRUTH)))
        environment = dict(os.environ, HOMEOSTASIS_CACHE=folder)
        runs = {}
        for label in ("cold", "warm"):
            output = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True,
                                    check=True).stdout
            runs[label] = json.loads(output.strip().splitlines()[-1])
    for step in runs["cold"]:
        print(f"{step:<45} cold {runs['cold'][step]:7.2f} s   warm {runs['warm'][step]:6.2f} s")


def main(repeats=3, cold=False, gradients=GRADIENTS):
    if cold:
        one_time_costs()
    data = synthetic_data()
    timed_fit(data, "exact")  # compile the model, the sensitivity code and the kernel
    _, _, reference = timed_fit(data, "exact", REFERENCE_RTOL)
    print(f"load average at the start {os.getloadavg()[0]:.1f} (2 shared cores: wall times move with it)")
    report(sweep(data, reference, repeats, gradients))
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="also time first-use compilation in fresh processes")
    parser.add_argument("--gradients", default=",".join(GRADIENTS), help="comma-separated, exact first")
    arguments = parser.parse_args()
    main(arguments.repeats, arguments.cold, tuple(arguments.gradients.split(",")))
