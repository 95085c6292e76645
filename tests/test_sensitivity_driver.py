"""The compiled staggered sensitivity kernel (homeostasis.numerics.sensitivity_driver) against
central differences, the SciPy augmented-system reference and its own sparsity patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import homeostasis as h
from homeostasis.fitting.data import validate_data
from homeostasis.fitting.objective import Problem
from homeostasis.fitting.sensitivities import sensitivity_model
from homeostasis.numerics import sensitivity_driver
from homeostasis.numerics.cache import compile_model

# the estimated subset of tests/test_fitting.py, so the sensitivity code is compiled once
ESTIMATE = ("pth_half_life", "pth_release_set_point", "gut_transit_rate", "reference_pth")
MINUTE = 1.0 / 1440.0
INTERVENTIONS = {
    "clamp": ["calcium-clamp@0.01:delta_ionized=-0.15,hours=1.5"],
    "washout": ["parathyroidectomy@0.01:fraction=0.9"],
    "load": ["phosphate-load@0.02:p_mg=1000"],
}
TIMES = {"clamp": np.linspace(0.005, 0.1, 8), "washout": 0.01 + MINUTE * np.array([1, 2, 4, 8, 15, 30]),
         "load": np.linspace(0.05, 1.0, 8)}


def _problem(rtol):
    rows = [{"scenario": label, "time_days": t, "variable": variable, "value": 1.0, "sd": 1.0}
            for label, times in TIMES.items() for variable in ("pth", "ca_ionized", "phosphate") for t in times]
    return Problem(validate_data(pd.DataFrame(rows)), ESTIMATE, interventions=INTERVENTIONS, rtol=rtol)


@pytest.fixture(scope="module")
def tight():
    problem = _problem(1e-10)
    x = problem.to_x(problem.theta0) + np.array([0.05, -0.02, 0.1, 0.03])
    return problem, x


def test_exact_jacobian_matches_central_differences_of_the_residuals(tight):
    problem, x = tight
    _, exact = problem.simulate(x)
    lower, upper = problem.search_bounds()
    central = problem.difference_jacobian(x, lower, upper, scheme="central", step=1e-4)
    # central differences with SciPy's default step (eps^(1/3) ~ 6e-6 in log units) at rtol
    # 1e-10 carry an integration error of up to ~1e-10 / 6e-6 of each column (measured 1.2e-5
    # for pth_half_life, and 7e-4 of an element once the bone model grew slower modes); a step
    # of 1e-4 keeps that error near 1e-6 while its truncation error, O(step^2), stays ~1e-8
    # (measured: at most 1.4e-6 of a column; 5.1e-5 with the default step)
    size = np.abs(central).max(axis=0)
    for column in range(exact.shape[1]):
        assert_allclose(exact[:, column], central[:, column], rtol=0, atol=1e-5 * size[column])


def test_compiled_sensitivities_match_the_scipy_augmented_system(monkeypatch):
    problem = _problem(1e-10)
    x = problem.to_x(problem.theta0)
    residuals, compiled = problem.simulate(x)
    plain, _ = problem.simulate(x, jacobian=False)
    # the states take the driver's BDF steps (the Jacobian of the last accepted point): the
    # residuals agree with a plain compiled run to the integration tolerance
    assert_allclose(residuals, plain, rtol=1e-6, atol=1e-9 * np.abs(plain).max())
    monkeypatch.setenv("HOMEOSTASIS_SOLVER", "scipy")
    _, reference = problem.simulate(x)
    # measured at rtol 1e-10: the two agree to 4e-8 of each column
    size = np.abs(reference).max(axis=0)
    for column in range(compiled.shape[1]):
        assert_allclose(compiled[:, column], reference[:, column], rtol=0, atol=1e-6 * size[column])


def test_the_jacobian_and_dfdp_patterns_hold_every_nonzero():
    compiled = compile_model()
    module = sensitivity_model(ESTIMATE).module
    jac_ptr, jac_col, f_ptr, f_col = sensitivity_driver._patterns(compiled, module)
    rng = np.random.default_rng(3)
    simulation = h.Simulation("healthy")
    for _ in range(5):  # perturbed states and parameters move no entry outside the pattern
        y = simulation.initial_state * rng.uniform(0.5, 1.5, size=simulation.initial_state.shape) + rng.uniform(
            0, 1e-3, size=simulation.initial_state.shape)
        p = simulation.vector * rng.uniform(0.9, 1.1, size=simulation.vector.shape)
        for matrix, ptr, col in ((compiled.module.jacobian(0.0, y, p), jac_ptr, jac_col),
                                 (module.dfdp(0.0, y, p), f_ptr, f_col)):
            inside = np.zeros(matrix.shape, dtype=bool)
            for row in range(matrix.shape[0]):
                inside[row, col[ptr[row]:ptr[row + 1]]] = True
            assert not np.any(matrix[~inside]), np.argwhere((matrix != 0) & ~inside)[:3]
    assert len(jac_col) < 0.2 * len(simulation.initial_state) ** 2  # sparse: the point of the pattern


def test_the_hoisted_sparse_jacobian_gives_the_dense_values_bitwise():
    """The sensitivity steps take the Jacobian's nonzeros from ``jacobian_values``: the same
    common subexpressions in the same order as ``jacobian``, so the fits' results do not move."""
    compiled = compile_model()
    jac_ptr, jac_col, _, _ = sensitivity_driver._patterns(compiled, sensitivity_model(ESTIMATE).module)
    rows = np.repeat(np.arange(len(jac_ptr) - 1), np.diff(jac_ptr))
    rng = np.random.default_rng(5)
    simulation = h.Simulation("healthy", parameters={"gfr": 30})
    states = simulation.solve(times=np.linspace(0.0, 365.0, 6)).states
    for y in states:
        p = simulation.vector * rng.uniform(0.9, 1.1, size=simulation.vector.shape)
        constants = np.empty(compiled.module.JACOBIAN_CONSTANTS)
        compiled.module.jacobian_constants(p, constants)
        values = np.empty(compiled.module.JACOBIAN_NONZEROS)
        compiled.module.jacobian_values(2.0, np.ascontiguousarray(y), p, constants, values)
        dense = compiled.module.jacobian(2.0, np.ascontiguousarray(y), p)
        assert np.array_equal(values, dense[rows, jac_col])
        assert np.count_nonzero(dense) == np.count_nonzero(values)  # nothing outside the pattern


def test_the_compile_helper_starts_only_while_the_jacobian_or_the_kernel_is_not_cached(monkeypatch):
    started = []
    monkeypatch.setattr(sensitivity_driver, "start_helper", lambda code, *arguments: started.append(code))
    monkeypatch.setattr(sensitivity_driver, "_is_cached", lambda dispatcher: True)
    with sensitivity_driver.compiled_beside():
        pass
    assert started == []
    monkeypatch.setattr(sensitivity_driver, "_is_cached", lambda dispatcher: False)
    with sensitivity_driver.compiled_beside():
        pass
    assert started == [sensitivity_driver._HELPER]
    monkeypatch.setenv("HOMEOSTASIS_SOLVER", "scipy")  # the kernel is not used: no helper
    with sensitivity_driver.compiled_beside():
        pass
    assert started == [sensitivity_driver._HELPER]
    exec(sensitivity_driver._HELPER, {})  # what the helper runs (cached here: it only loads)


def test_the_batch_entry_point_gives_each_point_its_own_result_and_error():
    problem = _problem(1e-8)
    x = problem.to_x(problem.theta0)
    points = [x, x + 0.1, np.full_like(x, np.nan)]
    batch = problem.simulate_with_sensitivities(points)
    for point, outcome in zip(points[:2], batch[:2]):
        single = problem.simulate_with_sensitivities([point], threads=False)[0]
        assert_allclose(outcome[0], single[0], rtol=1e-12, atol=0)
        assert_allclose(outcome[1], single[1], rtol=1e-12, atol=0)
    assert isinstance(batch[2], h.HomeostasisError)  # refused values: this point only


def test_runs_without_sensitivities_use_the_problem_tolerance():
    problem = _problem(1e-6)
    x = problem.to_x(problem.theta0)
    plain, _ = problem.simulate(x, jacobian=False)
    rows = problem.data["scenario"] == "load"
    result = h.simulate(times=problem.experiments[2].times, interventions=INTERVENTIONS["load"], rtol=1e-6,
                        parameters=problem.values(problem.to_theta(x), 2))
    grid, frame = result.times, problem.data[rows]
    expected = [result[v][np.searchsorted(grid, t)] for t, v in zip(frame["time_days"], frame["variable"])]
    assert_allclose(plain[rows.to_numpy()], expected, rtol=1e-12)


def test_a_year_of_ckd_keeps_its_gradient_accuracy():
    # the sensitivities take part in the error test: without it this gradient is off by 8e-4 of
    # its column at rtol 1e-8 (measured); with it by 4e-6 (LSODA path 6e-6) on the model of
    # d876b21. Since the fifth session's model (dosed phosphate binder term, fast bone calcium
    # pool, CYP27B1 mRNA; mathematically the same CKD year) the step sequence differs and the
    # gut_transit_rate column is off by 8.1e-5 of its size at rtol 1e-8 (pth_half_life 9.1e-6,
    # the others < 3e-7), so the bound is 1e-4 at 1e-8, and convergence is checked as well:
    # at rtol 1e-10 every column within 5e-6 (measured 3.1e-7 and 1.3e-7; on the tenth session's
    # model the step sequence moved again: with the loop-diuretic gland term and the PTH-fragment
    # share gut_transit_rate 9.0e-5 at 1e-8 and 2.0e-6 at 1e-10; with the distal PTH gain's lower
    # branch (dct_pth_lower_hill 5) 1.13e-4 at 1e-8: the bound at 1e-8 was 1.5e-4; with the eleventh
    # session's phosphate-dependent complexed calcium (ca_phosphate_complex_share, off) one column
    # 1.67e-4 at 1e-8 (2026-12-01): the bound at 1e-8 is 2.5e-4; still converging ~50x per 100x of rtol)
    rows = [{"time_days": t, "variable": v, "value": 1.0, "sd": 1.0}
            for t in np.linspace(10, 365, 6) for v in ("pth", "phosphate", "calcitriol")]
    data = validate_data(pd.DataFrame(rows))
    runs = {rtol: Problem(data, ESTIMATE, scenario="ckd", rtol=rtol) for rtol in (1e-8, 1e-10, 1e-11)}
    x = runs[1e-8].to_x(runs[1e-8].theta0)
    gradients = {rtol: problem.simulate(x)[1] for rtol, problem in runs.items()}
    reference = gradients[1e-11]
    size = np.abs(reference).max(axis=0)
    for rtol, bound in ((1e-8, 2.5e-4), (1e-10, 5e-6)):
        for column in range(reference.shape[1]):
            assert_allclose(gradients[rtol][:, column], reference[:, column], rtol=0, atol=bound * size[column])
