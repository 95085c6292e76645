"""Where one 365-day ``homeostasis.simulate`` call spends its time (run: python benchmarks/profile_simulate.py).

Times each stage of :func:`homeostasis.simulate` the way it calls them, LSODA's work counters
(rhs and Jacobian evaluations, steps), the cost of one rhs/Jacobian call from Python versus
inside compiled code, and what a few alternatives would save (no wrapper method, fewer
output points, a cached parameter-set diff).
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from numba import njit
from scipy import integrate

import homeostasis
from homeostasis import simulation as sim
from homeostasis.model.calibration import reference_state, state_scale
from homeostasis.numerics.cache import compile_model
from homeostasis.protocol.interventions import as_interventions
from homeostasis.parameters import ParameterSet
from homeostasis.simulation.results import Result
from homeostasis.protocol.schedule import run_schedule
from homeostasis.numerics.solve import DEFAULT_RTOL, _tolerances

REPEATS = 200


def median_us(function, repeats=REPEATS) -> float:
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def stage_table(chosen: ParameterSet, label: str) -> None:
    compiled = compile_model()
    scenario, parameter_set, knobs = sim.scenario_parameters("healthy", chosen)
    grid = sim.output_times(None, None, None)
    y0 = sim.initial_state(compiled, parameter_set, "healthy", scenario, knobs)
    base = parameter_set.as_dict()
    scale = state_scale(parameter_set)
    states, groups = run_schedule(compiled, y0, grid, base, [], scale=scale, rtol=DEFAULT_RTOL)
    observed = sim._observe(compiled, grid, states, groups)
    stages = {
        "scenario_parameters (load_scenario scans scenarios/)": lambda: sim.scenario_parameters("healthy", chosen),
        "output_times": lambda: sim.output_times(None, None, None),
        "compile_model() (lru_cache hit)": compile_model,
        "initial_state -> reference_state (lambdified)": lambda: sim.initial_state(compiled, parameter_set, "healthy",
                                                                                     scenario, knobs),
        "override_state + as_interventions": lambda: (sim.override_state(compiled, y0, None), as_interventions(None)),
        "parameter_set.as_dict()": parameter_set.as_dict,
        "state_scale -> reference_state again": lambda: state_scale(parameter_set),
        "run_schedule (dict -> vector, odeint, clip)": lambda: run_schedule(compiled, y0, grid, base, [], scale=scale,
                                                                            rtol=DEFAULT_RTOL),
        f"_observe ({len(compiled.observable_names)} observables x 501 rows, numba)": lambda: sim._observe(compiled, grid, states, groups),
        "metadata: parameter_set.changed()": parameter_set.changed,
        "Result(...)": lambda: Result("healthy", grid, states, observed, compiled.state_names,
                                      compiled.observable_names, compiled.observable_units, parameter_set.as_dict(), {}),
    }
    total = median_us(lambda: homeostasis.simulate("healthy", parameters=chosen))
    print(f"\n{label}: homeostasis.simulate median {total:8.0f} us; its stages:")
    accounted = 0.0
    for name, function in stages.items():
        cost = median_us(function)
        accounted += cost
        print(f"  {name:55s} {cost:8.0f} us  {cost / total:6.1%}")
    print(f"  {'sum of stages':55s} {accounted:8.0f} us  {accounted / total:6.1%}")


def solver_table(chosen: ParameterSet, label: str) -> None:
    compiled = compile_model()
    module = compiled._module
    p, y0 = chosen.vector, reference_state(chosen)
    scale = state_scale(chosen)
    rtol, atol = _tolerances(scale, DEFAULT_RTOL, None)

    def odeint(rhs, jac, grid, **extra):
        return integrate.odeint(rhs, y0, grid, args=(p,), Dfun=jac, tfirst=True, rtol=rtol, atol=atol,
                                mxstep=500_000, full_output=True, **extra)

    grid = np.linspace(0.0, 365.0, 501)
    _, info = odeint(compiled.rhs, compiled.jacobian, grid)
    nfe, nje, nst = int(info["nfe"][-1]), int(info["nje"][-1]), int(info["nst"][-1])
    methods = {1: "Adams", 2: "BDF"}
    used = [methods[m] for m in np.unique(info["mused"])]
    t_odeint = median_us(lambda: odeint(compiled.rhs, compiled.jacobian, grid))
    t_rhs_wrapper = median_us(lambda: compiled.rhs(0.0, y0, p), 2000)
    t_rhs_direct = median_us(lambda: module.rhs(0.0, y0, p), 2000)
    t_jac_wrapper = median_us(lambda: compiled.jacobian(0.0, y0, p), 2000)

    rhs, jac = module.rhs, module.jacobian

    @njit
    def loop(count, y, p):  # the same work with no Python in between: the compute floor
        total = 0.0
        for i in range(count):
            total += rhs(0.0, y, p)[0]
        return total

    @njit
    def jac_loop(count, y, p):
        total = 0.0
        for i in range(count):
            total += jac(0.0, y, p)[0, 0]
        return total

    loop(1, y0, p), jac_loop(1, y0, p)
    t_rhs_native = median_us(lambda: loop(1000, y0, p), 50) / 1000
    t_jac_native = median_us(lambda: jac_loop(1000, y0, p), 50) / 1000
    callbacks = nfe * t_rhs_wrapper + nje * t_jac_wrapper
    native = nfe * t_rhs_native + nje * t_jac_native
    print(f"\n{label}: LSODA ({'/'.join(used)}) took {nst} steps, {nfe} rhs and {nje} Jacobian evaluations")
    print(f"  odeint call (501 points)                       {t_odeint:8.0f} us")
    print(f"  one rhs call from Python: via CompiledModel.rhs {t_rhs_wrapper:6.2f} us, module function "
          f"{t_rhs_direct:6.2f} us, inside numba {t_rhs_native:6.3f} us")
    print(f"  one Jacobian call from Python                  {t_jac_wrapper:6.2f} us, inside numba {t_jac_native:6.3f} us")
    print(f"  callbacks as called now: nfe x rhs + nje x jac = {callbacks:8.0f} us ({callbacks / t_odeint:.0%} of odeint)")
    print(f"  the same evaluations without Python in between  {native:8.0f} us ({native / t_odeint:.0%} of odeint)")
    print(f"  => LSODA's own Fortran work + output interpolation ~ {t_odeint - callbacks:6.0f} us")
    variants = {
        "module functions (no CompiledModel method wrapper)": lambda: odeint(rhs, jac, grid),
        "2 output points (t0, t_end) instead of 501": lambda: odeint(compiled.rhs, compiled.jacobian, grid[[0, -1]]),
        "51 output points": lambda: odeint(compiled.rhs, compiled.jacobian, grid[::10]),
        "finite-difference Jacobian (Dfun=None)": lambda: odeint(compiled.rhs, None, grid),
        "rtol 1e-6 (instead of 1e-8)": lambda: integrate.odeint(compiled.rhs, y0, grid, args=(p,),
                                                                Dfun=compiled.jacobian, tfirst=True, rtol=1e-6,
                                                                atol=1e-6 * 1e-3 * scale, mxstep=500_000),
    }
    for name, function in variants.items():
        cost = median_us(function)
        print(f"  variant: {name:52s} {cost:8.0f} us ({cost / t_odeint:5.2f} x)")


def changed_alternative(chosen: ParameterSet) -> None:
    """What a cached default vector and one vectorised comparison would cost."""
    default = ParameterSet.default().vector
    names = list(chosen.as_dict())

    def changed_fast():
        values = chosen.vector
        differs = ~np.isclose(values, default, rtol=1e-12, atol=0)
        return {names[i]: values[i] for i in np.flatnonzero(differs)}

    assert changed_fast() == chosen.changed()
    print(f"\nparameter_set.changed(): now {median_us(chosen.changed):6.0f} us (re-derives ParameterSet.default() and "
          f"calls np.isclose per value);\n  with a cached default vector and one vectorised isclose: "
          f"{median_us(changed_fast):6.0f} us")
    # end to end: simulate() with such a changed() (patched here only, for the measurement)
    original = ParameterSet.changed
    before = median_us(lambda: homeostasis.simulate("healthy", parameters=chosen))

    def patched(self):
        values = self.vector
        differs = ~np.isclose(values, default, rtol=1e-12, atol=0)
        return {names[i]: values[i] for i in np.flatnonzero(differs)}

    ParameterSet.changed = patched
    try:
        after = median_us(lambda: homeostasis.simulate("healthy", parameters=chosen))
    finally:
        ParameterSet.changed = original
    print(f"  homeostasis.simulate (gfr=30): {before:6.0f} us now, {after:6.0f} us with the cached diff "
          f"({after / before:.2f} x)")


def main() -> None:
    healthy = ParameterSet.default()
    ckd = healthy.with_values(gfr=30)
    homeostasis.simulate("healthy", parameters=ckd)
    for chosen, label in ((healthy, "healthy"), (ckd, "gfr=30")):
        stage_table(chosen, label)
        solver_table(chosen, label)
    changed_alternative(ckd)


if __name__ == "__main__":
    main()
