"""homeostasis against libroadrunner on the package's own SBML export (homeostasis.to_sbml).

Run: python benchmarks/sbml_benchmark.py

Both simulators run at rtol 1e-8 with the package's absolute tolerances (1e-11 x each pool's
healthy size) and return the same 501-point grid over 365 days. Times are the best of
REPEATS warm runs (libroadrunner: resetAll + simulate on an already compiled model; its compile
time is printed separately).

(a) smooth year: ckd, GFR 90 -> 15 mL/min over one year, healthy start.
(b) dosing-heavy year: parathyroid-adenoma at its steady state, cinacalcet 30 mg every 12 h
    (731 doses; one recurring SBML event). The package's time is shown for the integration
    from the given steady state (``initial_amounts=``), as libroadrunner starts from the exported
    state, and for ``start="steady"`` (which includes the steady-state search).
(c) cold and warm start: a fresh Python process that imports homeostasis and simulates one
    day, with HOMEOSTASIS_CACHE an empty directory (cold: build, unit check, code generation,
    numba compilation) and then the same directory again (warm: cache load).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

REPEATS = 3
RTOL = 1e-8
CINACALCET = ["cinacalcet@0:every_hours=12"]
CKD = {"gfr": 90, "gfr_final": 15, "years": 1}
START_SCRIPT = ("import time; t = time.perf_counter(); import homeostasis; "
                "homeostasis.simulate('healthy', days=1); print(time.perf_counter() - t)")


def best(function, repeats=REPEATS):
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return min(times), value


def roadrunner_on(text):
    import roadrunner

    from homeostasis.export.sbml import tolerance_hints

    start = time.perf_counter()
    r = roadrunner.RoadRunner(text)
    compile_seconds = time.perf_counter() - start
    r.integrator.relative_tolerance = RTOL
    r.integrator.maximum_num_steps = 500_000
    for name, value in tolerance_hints(text)[1].items():  # 1e-11 x each integrated variable's size
        r.integrator.setIndividualTolerance(name, value)
    r.timeCourseSelections = ["time", "ca_total", "pth", "phosphate"]

    def run():
        r.resetAll()  # also the event counters (global parameters), which reset() keeps
        return r.simulate(0, 365, 501)
    return r, run, compile_seconds


def row(label, ours, theirs, note=""):
    print(f"  {label:44s} homeostasis {ours * 1e3:8.1f} ms   libroadrunner {theirs * 1e3:8.1f} ms   "
          f"ratio {ours / theirs:5.2f}{note}")


def compare(label, simulate, text):
    _, run, compile_seconds = roadrunner_on(text)
    run()  # warm up
    simulate()
    ours, result = best(simulate)
    theirs, table = best(run)
    difference = max(np.max(np.abs(table[n] - result[n])) / np.max(np.abs(result[n])) for n in ("ca_total", "pth"))
    row(label, ours, theirs, f"   (max rel. difference {difference:.1e}; roadrunner compile {compile_seconds:.1f} s)")
    return ours, theirs


def start_time(cache):
    environment = {**os.environ, "HOMEOSTASIS_CACHE": cache}
    start = time.perf_counter()
    output = subprocess.run([sys.executable, "-c", START_SCRIPT], env=environment, check=True,
                            capture_output=True, text=True).stdout
    return float(output.split()[-1]), time.perf_counter() - start


def main():
    import roadrunner

    import homeostasis
    from homeostasis.numerics.cache import compile_model
    from homeostasis.simulation.run import initial_state, scenario_parameters

    print(f"homeostasis {homeostasis.__version__}, libroadrunner {roadrunner.__version__}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}; best of {REPEATS}, rtol {RTOL:g}, 501 points over 365 days")
    compare("(a) ckd 90 -> 15 mL/min in a year",
            lambda: homeostasis.simulate("ckd", parameters=CKD, rtol=RTOL), homeostasis.to_sbml("ckd", parameters=CKD))

    chosen, parameter_set, knobs = scenario_parameters("parathyroid-adenoma")
    steady = initial_state(compile_model(), parameter_set, "steady", chosen, knobs)
    initial = dict(zip(compile_model().state_names, steady.tolist()))
    text = homeostasis.to_sbml("parathyroid-adenoma", start="steady", interventions=CINACALCET)
    compare("(b) adenoma, cinacalcet every 12 h (731)",
            lambda: homeostasis.simulate("parathyroid-adenoma", interventions=CINACALCET, initial_amounts=initial, rtol=RTOL),
            text)
    with_search, _ = best(lambda: homeostasis.simulate("parathyroid-adenoma", interventions=CINACALCET,
                                                      start="steady", rtol=RTOL))
    print(f"  {'':44s} homeostasis with start='steady' (steady-state search included): {with_search * 1e3:.1f} ms")

    with tempfile.TemporaryDirectory(prefix="homeostasis-cold-") as cache:
        cold, cold_wall = start_time(cache)
        warm = [start_time(cache) for _ in range(REPEATS)]
    warm_inside, warm_wall = min(w[0] for w in warm), min(w[1] for w in warm)
    sbml = homeostasis.to_sbml("healthy", parameters={"ca_intake": 24.9})  # not in roadrunner's in-process cache
    _, _, rr_compile = roadrunner_on(sbml)
    print(f"  (c) cold start (import + build + generate + compile, simulate 1 day): {cold:.2f} s "
          f"(process {cold_wall:.2f} s)")
    print(f"      warm start (import + cache load, simulate 1 day): {warm_inside:.2f} s (process {warm_wall:.2f} s)")
    print(f"      libroadrunner load of the exported SBML (parse + LLVM compile): {rr_compile:.2f} s; "
          f"ratio cold {cold / rr_compile:.2f}, warm {warm_inside / rr_compile:.2f}")


if __name__ == "__main__":
    main()
