"""Benchmark: one fit with exact (forward-sensitivity) gradients against finite differences.

Synthetic data from a calcium clamp, a PTH washout and an oral phosphate load (4 % noise,
fixed seed); four parameters estimated from the same perturbed start, without profiles.
Compilation is done before timing. Run: ``python benchmarks/fit_gradients.py``.
"""

from __future__ import annotations

import time

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


def timed_fit(data, gradient, repeats):
    interventions = {label: items for label, (items, _, _) in PROTOCOL.items()}
    best, result = np.inf, None
    for _ in range(repeats):
        clock = time.perf_counter()
        result = h.fit(data, estimate=list(TRUTH), interventions=interventions, start_values=START,
                       gradient=gradient, profile_intervals=False)
        best = min(best, time.perf_counter() - clock)
    return best, result


def main(repeats=3):
    data = synthetic_data()
    timed_fit(data, "exact", 1)  # compile the model and the sensitivity code
    rows = []
    for gradient in ("exact", "finite-difference"):
        seconds, result = timed_fit(data, gradient, repeats)
        rows.append((gradient, seconds, result.n_simulations, result.objective, result.estimates))
    print(f"{'gradient':<18} {'wall s':>8} {'simulations':>12} {'objective':>10}  estimates")
    for gradient, seconds, count, objective, estimates in rows:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in estimates.items())
        print(f"{gradient:<18} {seconds:8.3f} {count:12d} {objective:10.4f}  {shown}")
    (_, exact_s, exact_n, _, _), (_, fd_s, fd_n, _, _) = rows
    print(f"ratio finite-difference / exact: wall time {fd_s / exact_s:.2f}, simulations {fd_n / exact_n:.2f} "
          f"(an exact-gradient simulation integrates the states and 4 sensitivity columns together)")


if __name__ == "__main__":
    main()
