"""Benchmarks: homeostasis against a named peer, libroadrunner (CVODE), on the same model.

Run from the project root (about 1-2 minutes on 2 cores)::

    python benchmarks/run.py            # everything
    python benchmarks/run.py --quick    # fewer repeats and 100 instead of 1,000 varied runs

The peer simulates the same model exported to SBML by ``benchmarks/sbml_export.py`` (one
parameter per ParameterSet value, one rate rule per state, common subexpressions as
assignment rules, which libroadrunner runs about twice as fast as fully inlined rate rules;
the inlined form is timed too, for information); a second peer is SciPy's
``solve_ivp(method="BDF")`` driven by homeostasis's own compiled right-hand side and
Jacobian. All three integrate with rtol 1e-8 and the same per-state absolute tolerances
(1e-11 x each state's typical size) onto the same 501-point grid over 365 days. Before any
timing, the peers' trajectories are checked against ``homeostasis.simulate`` (gfr = 30).

Reported ratios are ``homeostasis / peer``: below 1 means homeostasis is faster.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

RTOL = 1e-8
DAYS = 365.0
POINTS = 501
SEED = 20240601
SPREAD = 0.20  # physiology parameters varied uniformly by +-20 %, clipped to their bounds

HOMEOSTASIS_START = r"""
import json, time
t0 = time.perf_counter()
import homeostasis
t1 = time.perf_counter()
from homeostasis.numerics.cache import compile_model
compile_model()
t2 = time.perf_counter()
homeostasis.simulate("healthy", days=365)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "build/load": t2 - t1, "first simulate": t3 - t2, "in-process total": t3 - t0}))
"""

ROADRUNNER_START = r"""
import json, sys, time
t0 = time.perf_counter()
import roadrunner
t1 = time.perf_counter()
r = roadrunner.RoadRunner(sys.argv[1])
settings = json.loads(sys.argv[2])  # the benchmark's tolerances (CVODE's defaults crawl on this model)
r.integrator.relative_tolerance = settings["rtol"]
r.integrator.maximum_num_steps = 500000
for name, value in zip(settings["states"], settings["atol"]):
    r.integrator.setIndividualTolerance(name, value)
t2 = time.perf_counter()
r.simulate(0, 365, 501)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "build/load": t2 - t1, "first simulate": t3 - t2, "in-process total": t3 - t0}))
"""


# --- helpers ------------------------------------------------------------------------------------

def interleaved_medians(functions: dict, repeats: dict) -> dict:
    """Median time of each function, calls interleaved round-robin so that every contender
    sees the same machine load (other processes on a shared machine)."""
    times = {name: [] for name in functions}
    for round_ in range(max(repeats.values())):
        for name, function in functions.items():
            if round_ < repeats[name]:
                start = time.perf_counter()
                function()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def timed(function, totals: dict, name: str):
    start = time.perf_counter()
    value = function()
    totals[name] += time.perf_counter() - start
    return value


def run_script(script: str, env: dict, *arguments) -> tuple[dict, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, *arguments], env=env, capture_output=True,
                          text=True, check=False, timeout=900)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"subprocess failed:\n{done.stderr}")
    timings = json.loads(done.stdout.strip().splitlines()[-1])
    timings["process wall"] = wall
    return timings, wall


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.2f} ms"


def s(seconds: float) -> str:
    return f"{seconds:7.2f} s"


def scaled_difference(states, reference, scale) -> float:
    """max |x - x_ref| / max(|x_ref|, typical size of the state), over all times and states."""
    return float(np.max(np.abs(states - reference) / np.maximum(np.abs(reference), scale)))


def relative_difference(states, reference, scale) -> float:
    """max |x - x_ref| / |x_ref| over entries that are not ~0 (|x_ref| > 1e-6 x typical size)."""
    mask = np.abs(reference) > 1e-6 * scale
    return float(np.max(np.abs(states - reference)[mask] / np.abs(reference)[mask]))


# --- the peers ---------------------------------------------------------------------------------

class RoadRunnerPeer:
    """libroadrunner (CVODE, BDF) on the SBML export; all values set through one vector."""

    def __init__(self, sbml: str, state_names, parameter_names, atol):
        import roadrunner

        self.r = roadrunner.RoadRunner(sbml)
        self.r.timeCourseSelections = ["time", *state_names]
        integrator = self.r.integrator
        integrator.relative_tolerance = RTOL
        integrator.maximum_num_steps = 500_000  # as homeostasis's odeint mxstep
        for name, value in zip(state_names, atol):
            integrator.setIndividualTolerance(name, float(value))
        ids = list(self.r.model.getGlobalParameterIds())
        if ids[: len(parameter_names) + len(state_names)] != [*parameter_names, *state_names]:
            raise RuntimeError("unexpected order of SBML global parameters")
        # parameters and states come first; the assignment-rule variables after them are computed
        self.index = np.arange(len(parameter_names) + len(state_names), dtype=np.int32)

    def simulate(self, p, y0, grid):
        self.r.reset()
        self.r.model.setGlobalParameterValues(self.index, np.concatenate([p, y0]))
        return np.asarray(self.r.simulate(grid[0], grid[-1], len(grid)))[:, 1:]


class BDFPeer:
    """scipy.integrate.solve_ivp(method="BDF") with homeostasis's compiled rhs and Jacobian."""

    def __init__(self, compiled):
        self.rhs, self.jacobian = compiled.module.rhs, compiled.module.jacobian

    def simulate(self, p, y0, grid, atol):
        from scipy.integrate import solve_ivp

        solution = solve_ivp(self.rhs, (grid[0], grid[-1]), y0, method="BDF", t_eval=grid, jac=self.jacobian,
                             rtol=RTOL, atol=atol, args=(p,))
        if solution.status != 0:
            raise RuntimeError(solution.message)
        return solution.y.T


# --- the benchmark ----------------------------------------------------------------------------

def varied_parameter_sets(count: int, rng):
    """ParameterSets with every physiology parameter scaled by U(1 - SPREAD, 1 + SPREAD), clipped
    to its bounds; draws whose derived values fall out of range are redrawn (and counted)."""
    from homeostasis.errors import ParameterValueError
    from homeostasis.parameters import ParameterSet, parameter_table

    table = parameter_table()
    names = [n for n, info in table.items() if info.kind == "physiology"]
    base = ParameterSet.default()
    sets, redrawn = [], 0
    while len(sets) < count:
        factors = rng.uniform(1 - SPREAD, 1 + SPREAD, len(names))
        values = {n: float(np.clip(base[n] * f, table[n].lower, table[n].upper)) for n, f in zip(names, factors)}
        try:
            sets.append(base.with_values(values))
        except ParameterValueError:
            redrawn += 1
    return sets, redrawn, len(names)


def startup(sbml_path: Path, repeats: int, states, atol) -> None:
    print("\n(a) start-up, each in a fresh Python process")
    with tempfile.TemporaryDirectory(prefix="homeostasis-bench-cache-") as cache:
        env = {**os.environ, "HOMEOSTASIS_CACHE": cache, "NUMBA_CACHE_DIR": str(Path(cache) / "numba")}
        cold, _ = run_script(HOMEOSTASIS_START, env)
        warm_runs = [run_script(HOMEOSTASIS_START, env)[0] for _ in range(repeats)]
    settings = json.dumps({"rtol": RTOL, "states": list(states), "atol": [float(a) for a in atol]})
    rr_runs = [run_script(ROADRUNNER_START, dict(os.environ), str(sbml_path), settings)[0] for _ in range(repeats)]
    warm = {k: statistics.median(r[k] for r in warm_runs) for k in warm_runs[0]}
    peer = {k: statistics.median(r[k] for r in rr_runs) for k in rr_runs[0]}
    columns = ["import", "build/load", "first simulate", "in-process total", "process wall"]
    print(f"  {'':34s}" + "".join(f"{c:>17s}" for c in columns))
    for label, row in (("homeostasis cold (empty cache)", cold),
                       (f"homeostasis warm (median of {repeats})", warm),
                       (f"libroadrunner load SBML (med. {repeats})", peer)):
        print(f"  {label:34s}" + "".join(f"{row[c]:15.3f} s" for c in columns))
    print("  cold = SymPy build + unit check + codegen (build/load), numba JIT (first simulate);"
          " warm = cached module + numba cache")
    print(f"  ratio homeostasis / libroadrunner (process wall): cold {cold['process wall'] / peer['process wall']:.2f},"
          f" warm {warm['process wall'] / peer['process wall']:.2f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; 100 varied simulations")
    parser.add_argument("--runs", type=int, default=None, help="number of varied simulations (default 1000)")
    parser.add_argument("--bdf-runs", type=int, default=None,
                        help="varied simulations for solve_ivp(BDF) (default: all; it is the slow one)")
    parser.add_argument("--no-startup", action="store_true", help="skip the subprocess start-up timings")
    options = parser.parse_args(argv)
    repeats = 15 if options.quick else 60
    runs = options.runs or (100 if options.quick else 1000)
    bdf_runs = min(options.bdf_runs or runs, runs)

    import roadrunner
    import scipy

    import homeostasis
    from homeostasis.model.calibration import reference_state, state_scale
    from homeostasis.numerics.cache import compile_model
    from homeostasis.parameters import ParameterSet, parameter_names
    from sbml_export import export_sbml

    print("homeostasis benchmark")
    print(f"  python {platform.python_version()}, homeostasis {homeostasis.__version__}, scipy {scipy.__version__}, "
          f"libroadrunner {roadrunner.__version__}, {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"  365 days, {POINTS} output points, rtol {RTOL:g}, atol 1e-11 x typical state size, all solvers")

    compiled = compile_model()
    grid = np.linspace(0.0, DAYS, POINTS)
    default = ParameterSet.default()
    ckd = default.with_values(gfr=30)
    scale = state_scale(default)
    atol = RTOL * 1e-3 * np.maximum(scale, 1e-12)  # homeostasis.solve._tolerances

    print(f"  model: {len(compiled.state_names)} states, {len(parameter_names())} parameters, "
          f"{len(compiled.observable_names)} observables")
    start = time.perf_counter()
    sbml = export_sbml(default, style="cse")
    export_time = time.perf_counter() - start
    inline_sbml = export_sbml(default, style="inline")
    with tempfile.TemporaryDirectory(prefix="homeostasis-bench-sbml-") as folder:
        sbml_path = Path(folder) / "homeostasis.xml"
        sbml_path.write_text(sbml)
        print(f"  SBML export (benchmarks/sbml_export.py): {len(sbml) / 1e3:.0f} kB with assignment rules in "
              f"{export_time:.2f} s ({len(inline_sbml) / 1e3:.0f} kB fully inlined)")
        if not options.no_startup:
            startup(sbml_path, 3, compiled.state_names, atol)

    rr = RoadRunnerPeer(sbml, compiled.state_names, parameter_names(), atol)
    rr_inline = RoadRunnerPeer(inline_sbml, compiled.state_names, parameter_names(), atol)
    bdf = BDFPeer(compiled)

    # --- cross-check: the same trajectories -----------------------------------------------------
    print("\ncross-check, gfr = 30 from the healthy state, 365 days (difference to homeostasis.simulate)")
    mine = homeostasis.simulate("healthy", parameters=ckd).states
    y_ckd = reference_state(ckd)
    for label, states in (("libroadrunner", rr.simulate(ckd.vector, y_ckd, grid)),
                          ("(inlined SBML)", rr_inline.simulate(ckd.vector, y_ckd, grid)),
                          ("solve_ivp BDF", bdf.simulate(ckd.vector, y_ckd, grid, atol))):
        print(f"  {label:15s} max relative difference {relative_difference(states, mine, scale):.2e}"
              f" (entries not ~0); max difference / typical state size {scaled_difference(states, mine, scale):.2e}")

    # --- (b) one simulation ---------------------------------------------------------------------
    print(f"\n(b) one 365-day simulation (median of {repeats}; solve_ivp BDF and inlined SBML median of "
          f"{max(repeats // 6, 3)}; calls interleaved)")
    header = (f"  {'case':10s}{'homeostasis':>14s}{'libroadrunner':>15s}{'solve_ivp BDF':>15s}"
              f"{'homeo/roadrunner':>18s}{'homeo/BDF':>11s}")
    print(header)
    inline_times = {}
    for label, chosen in (("healthy", default), ("gfr=30", ckd)):
        y0, p = reference_state(chosen), chosen.vector
        homeostasis.simulate("healthy", parameters=chosen)  # warm caches
        few = max(repeats // 6, 3)
        medians = interleaved_medians(
            {"h": lambda: homeostasis.simulate("healthy", parameters=chosen), "r": lambda: rr.simulate(p, y0, grid),
             "b": lambda: bdf.simulate(p, y0, grid, atol), "i": lambda: rr_inline.simulate(p, y0, grid)},
            {"h": repeats, "r": repeats, "b": few, "i": few})
        t_h, t_r, t_b = medians["h"], medians["r"], medians["b"]
        print(f"  {label:10s}{ms(t_h):>14s}{ms(t_r):>15s}{ms(t_b):>15s}{t_h / t_r:18.2f}{t_h / t_b:11.3f}")
        inline_times[label] = medians["i"]
    print("  libroadrunner on the fully inlined SBML (rate rules only): "
          + ", ".join(f"{k} {ms(v).strip()}" for k, v in inline_times.items()))

    # --- (c) many varied simulations -------------------------------------------------------------
    rng = np.random.default_rng(SEED)
    sets, redrawn, varied = varied_parameter_sets(runs, rng)
    print(f"\n(c) {runs} simulations, {varied} physiology parameters each x U(0.8, 1.2) clipped to bounds "
          f"(seed {SEED}; {redrawn} draws redrawn: derived values out of range)")
    prepared = [(ps, ps.vector, reference_state(ps)) for ps in sets]  # the peers' inputs, untimed
    finals = {"homeostasis": [], "roadrunner": [], "bdf": []}
    totals = dict.fromkeys(finals, 0.0)
    for index, (ps, p, y0) in enumerate(prepared):  # interleaved: the same machine load for all
        finals["homeostasis"].append(timed(lambda: homeostasis.simulate("healthy", parameters=ps).states[-1],
                                           totals, "homeostasis"))
        finals["roadrunner"].append(timed(lambda: rr.simulate(p, y0, grid)[-1], totals, "roadrunner"))
        if index < bdf_runs:
            finals["bdf"].append(timed(lambda: bdf.simulate(p, y0, grid, atol)[-1], totals, "bdf"))
    t_h, t_r, t_b = totals["homeostasis"], totals["roadrunner"], totals["bdf"]
    t_b_all = t_b * runs / bdf_runs
    note = "" if bdf_runs == runs else f" (measured on {bdf_runs}, scaled to {runs})"
    print(f"  homeostasis.simulate      {s(t_h)}  ({t_h / runs * 1e3:.2f} ms each)")
    print(f"  libroadrunner (CVODE)     {s(t_r)}  ({t_r / runs * 1e3:.2f} ms each)   "
          f"homeostasis / libroadrunner = {t_h / t_r:.2f}")
    print(f"  solve_ivp BDF             {s(t_b_all)}  ({t_b / bdf_runs * 1e3:.2f} ms each){note}   "
          f"homeostasis / BDF = {t_h / t_b_all:.3f}")
    mine = np.array(finals["homeostasis"])
    scales = np.array([state_scale(ps) for ps in sets])
    for key, label in (("roadrunner", "libroadrunner"), ("bdf", "solve_ivp BDF")):
        theirs = np.array(finals[key])
        n = len(theirs)
        print(f"  final states, {label:13s} vs homeostasis: max relative difference "
              f"{relative_difference(theirs, mine[:n], scales[:n]):.2e} over {n} runs")
    print("\nnotes: homeostasis.simulate times include its own set-up per call (initial state, tolerances,"
          " observables, Result);\n       the peers get the parameter vector and initial state precomputed;"
          " libroadrunner's per-state\n       absolute tolerances are those of the default parameter set.")


if __name__ == "__main__":
    main()
