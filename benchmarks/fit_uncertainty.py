"""Benchmark: the coverage study and one 4-parameter profile, exact gradients against finite differences.

* Coverage study: ``--datasets N`` synthetic noisy datasets of the sarcoidosis problem of
  tests/test_fitting.py (burden and calcitriol half-life, r ~ -0.99), each fitted and burden
  profiled; reports the wall time, simulations, and the coverage of the true burden.
* Profile: the four parameters of the clamp / washout / phosphate-load problem of
  tests/test_fitting.py profiled from the same optimum, with exact gradients and with forward
  differences (SciPy's "2-point" on the residuals).

Compilation is done before timing. Run: ``python benchmarks/fit_uncertainty.py --datasets 50``
(the default, 5 datasets, keeps the run near a minute on a shared machine).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import homeostasis as h

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import test_fitting as cases  # noqa: E402  (the tests' problems, not copies of them)


def coverage_study(count, gradient, seed=20261129):
    truth_values = h.simulate(cases.SARCOID, times=np.r_[0.0, cases.SARCOID_TIMES], parameters=cases.SARCOID_TRUTH)
    truth = {v: truth_values[v][1:] for v in cases.SARCOID_NOISE}
    rng = np.random.default_rng(seed)
    covered, simulations = [], 0
    clock = time.perf_counter()
    for _ in range(count):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = h.fit(cases.sarcoid_data(truth, rng), scenario=cases.SARCOID,
                           estimate=["burden", "calcitriol_half_life"], profile_intervals=["burden"],
                           gradient=gradient, progress=False)
        low, high = fitted.profile_intervals["burden"]
        covered.append(low <= cases.SARCOID_TRUTH["burden"] <= high)
        simulations += fitted.n_simulations
    return time.perf_counter() - clock, simulations, float(np.mean(covered))


def four_parameter_profile(gradient):
    from homeostasis.fitting.intervals import chi2_threshold, fisher, profile_paths

    rng = np.random.default_rng(20240611)
    rows = []
    for label, (items, times, variables) in cases.PROTOCOL.items():
        result = h.simulate(times=np.unique(np.r_[0.0, times]), parameters=cases.TRUTH, interventions=items)
        for variable, values in cases.observed(result, variables, times).items():
            sd = cases.CV * np.abs(values).mean()
            rows += [{"scenario": label, "time_days": t, "variable": variable, "value": v + rng.normal(0, sd), "sd": sd}
                     for t, v in zip(times, values)]
    import pandas as pd

    fitted = h.fit(pd.DataFrame(rows), estimate=list(cases.ESTIMATE), interventions=cases.INTERVENTIONS,
                   profile_intervals=False, progress=False)
    problem = fitted.problem
    x_hat = problem.to_x(np.array([fitted.estimates[n] for n in fitted.names]))
    residuals = problem.residuals(x_hat)
    se_x = fisher(problem.jacobian(x_hat), 1.0)[0]
    lower, upper = problem.search_bounds()
    before = problem.simulations
    clock = time.perf_counter()
    paths = profile_paths(problem, x_hat, float(residuals @ residuals), 1.0, se_x, lower, upper,
                          threshold=chi2_threshold(0.95), gradient=gradient, progress=False)
    return time.perf_counter() - clock, problem.simulations - before, sum(len(v) for v, _ in paths.values())


def main(datasets=5):
    coverage_study(1, "exact")  # compile the model and the sensitivity code
    print(f"coverage study, {datasets} datasets (fit 2 parameters + profile of burden):")
    rows = {g: coverage_study(datasets, g) for g in ("exact", "finite-difference")}
    for gradient, (seconds, count, coverage) in rows.items():
        print(f"  {gradient:<18} {seconds:8.2f} s  {count:6d} simulations  coverage {coverage:.2f}")
    print(f"  ratio finite-difference / exact: wall time {rows['finite-difference'][0] / rows['exact'][0]:.2f}, "
          f"simulations {rows['finite-difference'][1] / rows['exact'][1]:.2f}")
    four_parameter_profile("exact")
    print("profile of 4 parameters (clamp, washout, phosphate load):")
    rows = {g: four_parameter_profile(g) for g in ("exact", "finite-difference")}
    for gradient, (seconds, count, points) in rows.items():
        print(f"  {gradient:<18} {seconds:8.2f} s  {count:6d} simulations  {points} profile points")
    print(f"  ratio finite-difference / exact: wall time {rows['finite-difference'][0] / rows['exact'][0]:.2f}, "
          f"simulations {rows['finite-difference'][1] / rows['exact'][1]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=5)
    main(parser.parse_args().datasets)
