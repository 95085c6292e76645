"""The compiled whole-simulation driver against the SciPy reference path.

Every scenario and every intervention of the catalogue runs a short schedule through both
paths; they must agree within a small multiple of the solver tolerance (both integrate at
rtol 1e-8, so global differences of ~1e-6 relative are expected and 1e-4 is a failure).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

import homeostasis
from homeostasis.errors import ParameterValueError, SolverError
from homeostasis.numerics import batch, driver
from homeostasis.protocol.catalogue import CATALOGUE
from homeostasis.protocol.schedule import run_schedule
from homeostasis.simulation.prepared import Simulation

RTOL = 1e-4  # relative agreement of the two paths (each at rtol 1e-8)
ATOL_SCALE = 1e-6  # absolute agreement, relative to each state's typical size
OBSERVABLE_FLOOR = 1e-5  # model units; an observable that stays below this (ectopic mineral at
# 1e-50 mmol in health) is compared in absolute terms, not relative to its round-off (the healthy
# bone_ca_balance, a difference of ~10 mmol/day fluxes, is 0 up to ~2e-10 mmol/day on the SciPy path)


def both_paths(simulation, grid):
    """(states, observables) from the SciPy reference and from the compiled driver."""
    events = simulation.events(grid[-1])
    states, groups = run_schedule(simulation.compiled, simulation.initial_state, grid, simulation.vector, events,
                                  scale=simulation.scale, rtol=simulation.rtol, time_offset=simulation.time_offset)
    reference = (states, simulation.observe(grid, states, groups))
    compiled = driver.run_compiled(simulation.compiled, simulation.initial_state, grid, simulation.vector, events,
                                   scale=simulation.scale, rtol=simulation.rtol, time_offset=simulation.time_offset)
    return reference, compiled


def assert_same(simulation, grid):
    (ref_states, ref_observed), (states, observed) = both_paths(simulation, grid)
    assert np.all(states >= 0.0), "a concentration became negative"
    _close_scaled(states, ref_states, simulation.scale)
    _close_observables(observed, ref_observed)


def _close_observables(observed, reference):
    column_size = np.maximum(np.max(np.abs(reference), axis=0), OBSERVABLE_FLOOR)
    np.testing.assert_allclose(observed / column_size, reference / column_size, rtol=0, atol=RTOL,
                               err_msg="observables")


def _close_scaled(states, reference, scale):
    np.testing.assert_allclose(states / scale, reference / scale, rtol=RTOL, atol=ATOL_SCALE, err_msg="states")


@pytest.mark.parametrize("scenario", sorted(homeostasis.available_scenarios()))
def test_every_scenario_matches_scipy(scenario):
    simulation = Simulation(scenario)
    assert_same(simulation, np.linspace(0.0, 20.0, 41))


SCENARIO_FOR = {"parathyroidectomy": "parathyroid-adenoma", "hemodialysis": "ckd", "phosphate-binder": "ckd"}


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_intervention_matches_scipy(name):
    simulation = Simulation(SCENARIO_FOR.get(name, "healthy"), interventions=[f"{name}@1"])
    assert_same(simulation, np.linspace(0.0, 4.0, 97))


def test_total_parathyroidectomy_and_clamp_in_one_run():
    """Both events that are applied in Python, plus doses, in one schedule."""
    simulation = Simulation("healthy", interventions=["calcium-clamp@0.5", "parathyroidectomy@1",
                                                      "cinacalcet@0.25:days=2"])
    assert_same(simulation, np.linspace(0.0, 3.0, 73))


def test_output_at_an_event_time_shows_the_state_before_it():
    simulation = Simulation("healthy", interventions=["phosphate-load@1"])
    (_, _), (states, _) = both_paths(simulation, np.array([0.0, 1.0, 1.02]))
    index = simulation.compiled.state_index["phosphate_gut_lumen"]
    np.testing.assert_allclose(states[1, index], simulation.initial_state[index], rtol=1e-8)
    assert states[2, index] > states[1, index] * 1.01


def test_simulate_uses_the_compiled_driver_and_scipy_on_request(monkeypatch):
    compiled = homeostasis.simulate("ckd", days=30)
    assert "compiled" in compiled.metadata["solver"]
    monkeypatch.setenv("HOMEOSTASIS_SOLVER", "scipy")
    reference = homeostasis.simulate("ckd", days=30)
    assert "odeint" in reference.metadata["solver"]
    _close_scaled(compiled.states, reference.states, Simulation("ckd").scale)


def test_solver_error_names_time_state_and_parameters(monkeypatch):
    monkeypatch.setattr(driver, "MAX_STEPS", 3)
    simulation = Simulation("ckd")
    with pytest.raises(SolverError, match=r"more than 3 steps|steps in one segment") as caught:
        driver.run_compiled(simulation.compiled, simulation.initial_state, np.linspace(0, 30, 5),
                            simulation.vector, [], scale=simulation.scale, rtol=simulation.rtol)
    error = caught.value
    assert error.time is not None and 0.0 <= error.time < 30.0
    assert set(error.state) == set(simulation.compiled.state_names)
    np.testing.assert_allclose(error.parameters, simulation.vector)
    assert "at t = " in str(error) and "state: ca_gut_lumen=" in str(error)


@pytest.mark.parametrize("drug, days", [("teriparatide", 5.0), ("abaloparatide", 10.0)])
def test_daily_peptide_doses_at_a_tight_tolerance_match_scipy(drug, days):
    """Right after a dose the plasma pool rises at ~1e5 pmol/day from ~0 (absolute tolerance
    ~1e-12 pmol at rtol 1e-10): the step is ~1e-10 day, where rounding t + h changed the step by
    up to 1e-4 of itself. Before the differences were rescaled to the step actually taken, the
    predictor's error from that rounding failed the error test at every h and the driver stopped
    with "step size became too small" (teriparatide at day 3, abaloparatide at day 9)."""
    simulation = Simulation("healthy", interventions=[f"{drug}@0"], rtol=1e-10)
    assert_same(simulation, np.linspace(0.0, days, 4 * int(days) + 1))


def test_a_teriparatide_year_runs_on_the_compiled_driver_and_matches_scipy():
    """The healthy year of daily teriparatide fell back to the SciPy path (the compiled attempt's
    time wasted, then the SciPy path's): the day-159 segment failed as in the test above, at the
    default tolerance. (~0.6 s compiled, ~2 s SciPy.)"""
    simulation = Simulation("healthy", interventions=["teriparatide@0"])
    grid = np.linspace(0.0, 365.0, 4 * 365 + 1)  # every 6 h, from the dose times on
    result = simulation.solve(times=grid)
    assert simulation.last_solver == "compiled"
    assert "fallback_reason" not in result.metadata
    reference = simulation.solve(times=grid, solver="scipy")
    _close_scaled(result.states, reference.states, simulation.scale)
    _close_observables(result.observables, reference.observables)


def test_a_fallback_to_scipy_is_recorded_in_the_metadata(monkeypatch):
    monkeypatch.setattr(driver, "MAX_STEPS", 3)
    simulation = Simulation("ckd")
    result = simulation.solve(days=10)
    assert simulation.last_solver == "scipy" and "odeint" in result.metadata["solver"]
    reason = result.to_frame().attrs["fallback_reason"]
    assert re.match(r"compiled driver: integration failed \(more than [0-9,]+ steps in one segment\) at t = ", reason)
    assert "state:" not in reason  # one line, without the 72 state values
    monkeypatch.setattr(driver, "MAX_STEPS", 500_000)
    again = simulation.solve(days=10)
    assert simulation.last_solver == "compiled" and "fallback_reason" not in again.metadata
    _close_scaled(again.states, result.states, simulation.scale)


def test_a_varied_healthy_year_keeps_the_exposure_duty_tail_non_negative():
    """Patient 1160 of the 10,000-patient benchmark (seed 0) started off its steady state: the
    exposure duty rose to ~4e-3 and its 1-day decay, followed down to an absolute tolerance of
    2.5e-12, crossed zero to -2.5e-10 at day 42.5 (under -100 atol): the batch refused the patient
    and the year ran again on the SciPy path. With the duty's tolerance factor the driver runs it,
    in the batch and alone, and agrees with the SciPy path."""
    settings = {"gfr": 105.05079371164233, "ca_intake": 32.100919893280015, "phosphate_intake": 49.750782798971024}
    simulation = Simulation("healthy").with_parameters(settings)
    grid = np.linspace(0.0, 365.0, 101)
    result = simulation.solve(times=grid)
    assert simulation.last_solver == "compiled" and "fallback_reason" not in result.metadata
    many = batch.simulate_many(simulation, simulation.vector[None, :], grid)
    assert not many.failed.any()
    np.testing.assert_allclose(many.states[0], result.states, rtol=1e-10, atol=1e-14)
    duty = list(simulation.compiled.state_names).index("pth_exposure_duty")
    np.testing.assert_allclose(simulation.scale[duty], 100.0)  # its size 1 times its tolerance factor
    reference = simulation.solve(times=grid, solver="scipy")
    _close_scaled(result.states, reference.states, simulation.scale)
    _close_observables(result.observables, reference.observables)


def test_batch_matches_one_by_one():
    simulation = Simulation("healthy", interventions=["phosphate-load@2"])
    base = simulation.vector
    names = list(simulation.parameter_set.as_dict())
    vectors = np.tile(base, (3, 1))
    vectors[1, names.index("ca_intake")] *= 1.2
    vectors[2, names.index("ca_intake")] *= 0.8
    grid = np.linspace(0.0, 5.0, 21)
    result = batch.simulate_many(simulation, vectors, grid)
    assert not result.failed.any()
    for row, vector in enumerate(vectors):
        one = Simulation.from_parameter_set("healthy", simulation.parameter_set.with_values(
            {"ca_intake": vector[names.index("ca_intake")]}), interventions=["phosphate-load@2"])
        states, observed = driver.run_compiled(one.compiled, one.initial_state, grid, one.vector, one.events(5.0),
                                               scale=one.scale, rtol=one.rtol)
        np.testing.assert_allclose(result.states[row], states, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(result.observables[row], observed, rtol=1e-10, atol=1e-14)
    assert not np.allclose(result.states[1], result.states[2])


def test_batch_with_a_state_reading_event_runs_one_by_one():
    simulation = Simulation("healthy", interventions=["calcium-clamp@0.5"])
    result = batch.simulate_many(simulation, np.tile(simulation.vector, (2, 1)), np.linspace(0.0, 1.0, 5))
    bare = batch.simulate_many(simulation, np.tile(simulation.vector, (2, 1)), np.linspace(0.0, 1.0, 5),
                               observables=False)
    assert bare.observables.shape[1] == 0
    np.testing.assert_allclose(result.states[0], result.states[1], rtol=1e-12)
    (ref_states, _), _ = both_paths(simulation, np.linspace(0.0, 1.0, 5))
    _close_scaled(result.states[0], ref_states, simulation.scale)


def test_batch_refuses_vectors_of_the_wrong_size():
    simulation = Simulation("healthy")
    with pytest.raises(ParameterValueError, match=r"expected shape \(n, \d+\), got \(2, 3\)"):
        batch.simulate_many(simulation, np.ones((2, 3)), [0.0, 1.0])


# --- the shipped generated model source ---------------------------------------------------------

def test_shipped_model_source_is_current():
    """Fails when the model, templates or parameter table changed without regenerating."""
    from homeostasis.numerics import shipped

    assert shipped.shipped_key() == shipped.inputs_key(), (
        "homeostasis/numerics/generated/model.py.txt is stale: run `python -m homeostasis.numerics.shipped`")


@pytest.mark.slow
def test_shipped_model_source_is_what_sympy_generates():
    from homeostasis.numerics import shipped

    assert shipped.shipped_source() == shipped.generate_model_source()


def test_a_stale_shipped_source_is_not_used(monkeypatch):
    from homeostasis.numerics import cache, shipped

    monkeypatch.setattr(shipped, "inputs_key", lambda: "not-the-shipped-key")
    monkeypatch.setattr(shipped, "generate_model_source", lambda: "generated")
    assert shipped.shipped_source() is None
    assert cache._model_source() == "generated"


def test_batch_from_a_steady_start_matches_simulate():
    simulation = Simulation("hypoparathyroidism", start="steady")
    grid = np.linspace(0.0, 10.0, 11)
    result = batch.simulate_many(simulation, np.tile(simulation.vector, (2, 1)), grid)
    assert not result.failed.any()
    expected = simulation.solve(times=grid)
    _close_scaled(result.states[1], expected.states, simulation.scale)


def test_batch_threads_and_one_thread_agree():
    simulation = Simulation("healthy", interventions=["calcitriol@1:days=2"])
    names = list(simulation.parameter_set.as_dict())
    vectors = np.tile(simulation.vector, (4, 1))
    vectors[:, names.index("ca_intake")] *= np.linspace(0.8, 1.2, 4)
    grid = np.linspace(0.0, 5.0, 11)
    threaded = batch.simulate_many(simulation, vectors, grid)
    single = batch.simulate_many(simulation, vectors, grid, threads=False)
    np.testing.assert_allclose(threaded.states, single.states, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(threaded.observables, single.observables, rtol=1e-12, atol=1e-300)


def test_a_failed_vector_is_reported_and_does_not_stop_the_batch(monkeypatch):
    monkeypatch.setattr(batch, "MAX_STEPS", 3)
    simulation = Simulation("healthy", parameters={"gfr": 30})
    result = batch.simulate_many(simulation, np.tile(simulation.vector, (2, 1)), np.linspace(0.0, 30.0, 4))
    assert result.failed.all()
    assert np.isnan(result.states).all() and np.isnan(result.observables).all()
    assert all(message.startswith("more than") and "at t = " in message for message in result.messages)


def test_batch_without_observables_has_the_same_states():
    simulation = Simulation("healthy", interventions=["phosphate-load@1"])
    vectors = np.tile(simulation.vector, (2, 1))
    grid = np.linspace(0.0, 3.0, 7)
    full = batch.simulate_many(simulation, vectors, grid)
    bare = batch.simulate_many(simulation, vectors, grid, observables=False)
    assert bare.observables.shape == (2, 0, len(simulation.compiled.observable_names))
    np.testing.assert_allclose(bare.states, full.states, rtol=1e-12, atol=1e-300)


# --- only the requested observables -------------------------------------------------------------

def test_requested_observables_are_the_same_columns_on_both_paths():
    simulation = Simulation("ckd", interventions=["cinacalcet@1:days=2"])
    grid = np.linspace(0.0, 4.0, 17)
    names = ["pth", "ca_total", "bmd_total_hip"]
    every = simulation.solve(times=grid)
    some = simulation.solve(times=grid, observables=names)
    reference = simulation.solve(times=grid, observables=names, solver="scipy")
    assert some.observable_names == tuple(names) and some.observables.shape == (len(grid), 3)
    assert some.unit("pth") == every.unit("pth")
    for name in names:
        np.testing.assert_allclose(some[name], every[name], rtol=1e-12, atol=0)
        np.testing.assert_allclose(reference[name], some[name], rtol=RTOL, atol=OBSERVABLE_FLOOR)


def test_batch_with_requested_observables():
    simulation = Simulation("healthy", interventions=["phosphate-load@1"])
    vectors = np.tile(simulation.vector, (2, 1))
    grid = np.linspace(0.0, 3.0, 7)
    full = batch.simulate_many(simulation, vectors, grid)
    some = batch.simulate_many(simulation, vectors, grid, observables=["phosphate"])
    column = full.observable_names.index("phosphate")
    assert some.observable_names == ("phosphate",) and some.observables.shape == (2, 7, 1)
    np.testing.assert_allclose(some.observables[..., 0], full.observables[..., column], rtol=1e-12, atol=0)


def test_an_unknown_observable_is_refused_with_a_suggestion():
    from homeostasis.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="did you mean 'phosphate'"):
        homeostasis.simulate("healthy", days=1, observables=["phosphat"])


# --- long runs in compiled chunks (Ctrl-C and progress between them) -------------------------------

def test_a_long_run_in_yearly_chunks_matches_one_call():
    simulation = Simulation("ckd", interventions=["phosphate-load@365", "calcitriol@360:days=10"])
    grid = np.linspace(0.0, 800.0, 161)
    events = simulation.events(grid[-1])
    fractions = []
    chunked = driver.run_compiled(simulation.compiled, simulation.initial_state, grid, simulation.vector, events,
                                  scale=simulation.scale, rtol=simulation.rtol, progress=fractions.append)
    whole = driver.run_compiled(simulation.compiled, simulation.initial_state, grid, simulation.vector, events,
                                scale=simulation.scale, rtol=simulation.rtol, chunk_days=None)
    np.testing.assert_allclose(fractions, [365 / 800, 730 / 800, 1.0])
    _close_scaled(chunked[0], whole[0], simulation.scale)
    (ref_states, _), _ = both_paths(simulation, grid)
    _close_scaled(chunked[0], ref_states, simulation.scale)


def test_pieces_cut_at_years_and_special_events():
    from homeostasis.protocol.events import AddAmounts, ClampRelative, Event

    dose, clamp = Event(365.0, AddAmounts({"ca_gut_lumen": 1.0})), Event(500.0, ClampRelative(0.1))
    pieces = list(driver._pieces([(365.0, [dose]), (500.0, [clamp])], 0.0, 1000.0, 365.0))
    assert [(end, [t for t, _ in groups], special is not None) for end, groups, special in pieces] == [
        (365.0, [365.0], False), (500.0, [], True), (730.0, [], False), (1000.0, [], False)]
    assert [end for end, _, _ in driver._pieces([], 0.0, 365.0, 365.0)] == [365.0]


def test_an_interrupt_between_chunks_stops_a_long_run():
    simulation = Simulation("healthy")
    calls = []

    def interrupted(fraction):
        calls.append(fraction)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulation.solve(days=3 * 365, progress=interrupted)
    np.testing.assert_allclose(calls, [1 / 3])


def test_elimination_order_is_a_permutation_that_reduces_fill_in():
    import scipy.linalg

    ckd = Simulation("healthy", parameters={"gfr": 30})
    order = driver.elimination_order(ckd.compiled)
    n = len(ckd.initial_state)
    np.testing.assert_array_equal(np.sort(order), np.arange(n))
    matrix = np.eye(n) - 10.0 * ckd.compiled.jacobian(0.0, ckd.initial_state, ckd.vector)

    def factor_nonzeros(a):
        _, lower, upper = scipy.linalg.lu(a)
        return np.count_nonzero(lower) + np.count_nonzero(upper)

    natural, reordered = factor_nonzeros(matrix), factor_nonzeros(matrix[np.ix_(order, order)])
    assert reordered < 0.6 * natural, (reordered, natural)


def test_reordered_lu_solves_the_iteration_matrix():
    ckd = Simulation("healthy", parameters={"gfr": 30})
    module, jac = driver.load_driver().module, ckd.compiled.jacobian(0.0, ckd.initial_state, ckd.vector)
    order, n = driver.elimination_order(ckd.compiled), len(ckd.initial_state)
    rhs = np.random.default_rng(1).standard_normal(n)
    for c in (1e-3, 1.0, 1e3):
        rows, cols, values = np.empty(n * n, np.int64), np.empty(n * n, np.int64), np.empty(n * n)
        count, _ = module._permuted_nonzeros(jac, order, rows, cols, values, 0)
        a = np.empty((n, n))
        module._iteration_matrix(a, c, count, rows, cols, values)
        piv, scratch, inv_diag = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n)
        pointers, index, value = np.empty(2 * n + 2, np.int64), np.empty(2 * n * n, np.int64), np.empty(2 * n * n)
        module._lu_factor(a, piv, scratch, pointers, index, value, inv_diag)
        x = rhs.copy()
        module._lu_solve(piv, pointers, index, value, inv_diag, order, x, np.empty(n))
        np.testing.assert_allclose(x, np.linalg.solve(np.eye(n) - c * jac, rhs), rtol=1e-10, atol=1e-12)



def _factorised(module, a):
    n = a.shape[0]
    piv, scratch, inv_diag = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n)
    pointers, index, value = np.empty(2 * n + 2, np.int64), np.empty(2 * n * n, np.int64), np.empty(2 * n * n)
    module._lu_factor(a, piv, scratch, pointers, index, value, inv_diag)
    return piv, pointers, index, value, inv_diag


def test_refactorisation_with_the_first_pivots_solves_the_matrix_at_another_step():
    ckd = Simulation("healthy", parameters={"gfr": 30})
    module, jac = driver.load_driver().module, ckd.compiled.jacobian(0.0, ckd.initial_state, ckd.vector)
    order, n = driver.elimination_order(ckd.compiled), len(ckd.initial_state)
    rows, cols, values = np.empty(n * n, np.int64), np.empty(n * n, np.int64), np.empty(n * n)
    count, _ = module._permuted_nonzeros(jac, order, rows, cols, values, 0)
    rhs = np.random.default_rng(2).standard_normal(n)
    for first, again in ((1.0, 1.3), (1.0, 0.7), (1e-2, 1.25e-2), (1e2, 60.0)):
        a = np.empty((n, n))
        module._iteration_matrix(a, first, count, rows, cols, values)
        piv, pointers, index, value, inv_diag = _factorised(module, a)
        module._iteration_matrix(a, again, count, rows, cols, values)
        assert module._lu_refactor(a, piv, pointers, index, value, inv_diag)
        x = rhs.copy()
        module._lu_solve(piv, pointers, index, value, inv_diag, order, x, np.empty(n))
        np.testing.assert_allclose(x, np.linalg.solve(np.eye(n) - again * jac, rhs), rtol=1e-10, atol=1e-12)


def test_a_new_jacobian_with_the_same_nonzeros_is_refactorised_with_the_recorded_pivots():
    """The driver re-evaluates a Jacobian whose Newton contraction has slowed (JAC_RATE); when its
    nonzeros sit where the last one's did, the factors' recorded pivots and structure serve it."""
    ckd = Simulation("healthy", parameters={"gfr": 30})
    module, compiled = driver.load_driver().module, ckd.compiled
    order, n = driver.elimination_order(compiled), len(ckd.initial_state)
    states = ckd.solve(times=[0.0, 40.0, 100.0, 200.0]).states
    old, new = (compiled.jacobian(t, y, ckd.vector) for t, y in ((100.0, states[2]), (200.0, states[3])))
    rows, cols, values = np.empty(n * n, np.int64), np.empty(n * n, np.int64), np.empty(n * n)
    count, _ = module._permuted_nonzeros(old, order, rows, cols, values, 0)
    a = np.empty((n, n))
    module._iteration_matrix(a, 0.5, count, rows, cols, values)
    piv, pointers, index, value, inv_diag = _factorised(module, a)
    again, same = module._permuted_nonzeros(new, order, rows, cols, values, count)
    assert same == ((old != 0.0) == (new != 0.0)).all() and again == np.count_nonzero(new)
    assert same  # late in a CKD year the Jacobians share their nonzeros
    module._iteration_matrix(a, 0.6, again, rows, cols, values)
    assert module._lu_refactor(a, piv, pointers, index, value, inv_diag)
    rhs = np.random.default_rng(3).standard_normal(n)
    x = rhs.copy()
    module._lu_solve(piv, pointers, index, value, inv_diag, order, x, np.empty(n))
    np.testing.assert_allclose(x, np.linalg.solve(np.eye(n) - 0.6 * new, rhs), rtol=1e-10, atol=1e-12)
    early = compiled.jacobian(40.0, states[1], ckd.vector)  # other nonzeros (the hydroxylase adaptation term)
    assert not module._permuted_nonzeros(early, order, rows, cols, values, again)[1]


def test_refactorisation_refuses_pivots_that_would_grow_the_factors():
    module = driver.load_driver().module
    a = np.array([[1.0, 0.0], [0.5, 1.0]])  # partial pivoting keeps row 0 first
    piv, pointers, index, value, inv_diag = _factorised(module, a.copy())
    assert not module._lu_refactor(np.array([[1e-3, 0.0], [0.5, 1.0]]), piv, pointers, index, value, inv_diag)
    assert module._lu_refactor(np.array([[0.9, 0.0], [0.5, 1.0]]), piv, pointers, index, value, inv_diag)

def test_the_compile_helper_runs_the_driver_without_calling_the_model():
    driver.compile_driver(driver.driver_key())  # zero addresses: calling any model function would crash


def test_no_compile_helper_once_the_driver_is_cached(monkeypatch):
    module = driver.load_driver().module  # compiled (or loaded from numba's cache) by now
    monkeypatch.setattr(driver, "_is_cached", lambda dispatcher: True)
    assert driver._compile_beside(module, driver.driver_key()) is None
    monkeypatch.setattr(driver, "_is_cached", lambda dispatcher: False)
    monkeypatch.setenv("HOMEOSTASIS_COMPILE_HELPER", "0")
    assert driver._compile_beside(module, driver.driver_key()) is None


def test_a_failing_compile_helper_leaves_its_reason_in_the_cache_log(monkeypatch, tmp_path):
    module = driver.load_driver().module
    monkeypatch.setenv("HOMEOSTASIS_CACHE", str(tmp_path))
    monkeypatch.setattr(driver, "_is_cached", lambda dispatcher: False)
    # the helper fails at once, on stderr (not sys.executable: multiprocessing keeps its value)
    monkeypatch.setattr(driver, "_HELPER_CODE", "import sys; sys.stderr.write('helper failed on purpose'); sys.exit(3)")
    helper = driver._compile_beside(module, driver.driver_key())
    assert helper is not None and helper.wait(timeout=60) == 3
    log = (tmp_path / "compile-helper.log").read_text(encoding="utf-8")
    assert "helper failed on purpose" in log


def test_a_warm_simulation_imports_no_scipy_linalg_and_numba_blas_still_works():
    homeostasis.simulate("healthy", days=1)  # the compiled model and driver are in the cache now
    code = ("import json, sys, numpy as np, numba, homeostasis; homeostasis.simulate('healthy', days=1); "
            "loaded = 'scipy.linalg' in sys.modules; "
            "product = numba.njit(lambda a, b: np.dot(a, b))(np.eye(2) * 3.0, np.ones(2)).tolist(); "
            "print(json.dumps([loaded, product]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded, product = json.loads(out.strip().splitlines()[-1])
    assert loaded is False
    np.testing.assert_allclose(product, [3.0, 3.0])


def test_a_compile_job_is_claimed_by_one_process_only(tmp_path):
    assert driver._claim(tmp_path, driver.DRIVER_JOB)
    assert not driver._claim(tmp_path, driver.DRIVER_JOB)  # the other process compiles it
    assert not driver._claim(tmp_path / "removed", "jacobian")  # no claims folder: nobody's job here


def test_a_compile_share_leaves_claimed_jobs_alone(tmp_path, monkeypatch):
    for name in (driver.DRIVER_JOB, *driver.MODEL_JOBS):
        driver._claim(tmp_path, name)
    monkeypatch.setattr(driver, "compile_driver", lambda key: pytest.fail("a claimed job was compiled"))
    driver.compile_share(driver.driver_key(), str(tmp_path), helper=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted((driver.DRIVER_JOB, *driver.MODEL_JOBS))
    driver.compile_share(driver.driver_key(), str(tmp_path), helper=True)
    assert not tmp_path.exists()  # the helper's last job: the claims go once every job is done


def test_this_process_leaves_the_driver_to_the_helper_and_marks_its_jobs_done(tmp_path, monkeypatch):
    monkeypatch.setattr(driver, "compile_driver", lambda key: pytest.fail("this process compiled the driver"))
    driver.compile_share(driver.driver_key(), str(tmp_path), helper=False)  # the model's functions: cached
    assert all(driver._is_done(tmp_path, name) for name in driver.SCIPY_JOBS)
    assert not (tmp_path / driver.DRIVER_JOB).exists() and not (tmp_path / "jacobian").exists()


class _Compiling:
    """A compile helper still at work on the driver's loop."""

    returncode = None

    def poll(self):
        return None


def test_while_the_helper_compiles_the_driver_a_run_takes_the_scipy_path_on_the_same_functions(monkeypatch):
    monkeypatch.setenv("HOMEOSTASIS_WAIT_FOR_DRIVER", "0")
    simulation = Simulation("ckd", interventions=["calcitriol@2"])
    monkeypatch.setattr(driver, "_linked_driver", lambda key: None)
    monkeypatch.setattr(driver, "_FIRST_RUN", {"started": True, "shared": True, "helper": _Compiling()})
    assert driver.ready_driver() is None
    first = simulation.solve(days=10, observables=["pth", "ca_ionized"])
    assert simulation.last_solver == "scipy" and "fallback_reason" not in first.metadata
    reference = simulation.solve(days=10, observables=["pth", "ca_ionized"], solver="scipy")
    # the driver's right-hand side, Jacobian and observables give the SciPy path's numbers
    np.testing.assert_allclose(first.states, reference.states, rtol=1e-12, atol=1e-20)
    np.testing.assert_allclose(first.observables, reference.observables, rtol=1e-12)
    monkeypatch.setattr(driver, "_is_cached", lambda dispatcher: False)  # the Jacobian still compiling
    differences = simulation.solve(days=10, observables=["pth", "ca_ionized"])
    assert simulation.last_solver == "scipy"
    _close_scaled(differences.states, reference.states, simulation.scale)  # LSODA's own Jacobian
    _close_observables(differences.observables, reference.observables)
    monkeypatch.setattr(driver, "_FIRST_RUN", {"started": True, "shared": True})  # the helper is done
    simulation.solve(days=10)
    assert simulation.last_solver == "compiled"


def test_the_stored_elimination_order_is_the_computed_one(tmp_path, monkeypatch):
    compiled = driver.load_driver() and Simulation("healthy").compiled  # the Jacobian is loaded by now
    monkeypatch.setenv("HOMEOSTASIS_CACHE", str(tmp_path))
    computed = driver.elimination_order(compiled)
    np.testing.assert_array_equal(driver.stored_elimination_order(compiled), computed)  # computed, written
    (stored,) = tmp_path.glob("homeostasis_order_*.txt")
    np.testing.assert_array_equal(driver.stored_elimination_order(compiled), computed)  # read back
    stored.write_text("1,2,3", encoding="utf-8")  # damaged: computed again
    np.testing.assert_array_equal(driver.stored_elimination_order(compiled), computed)


def test_a_second_first_command_waits_for_the_helper_already_compiling_the_driver(tmp_path, monkeypatch):
    monkeypatch.setenv("HOMEOSTASIS_WAIT_FOR_DRIVER", "0")
    monkeypatch.setenv("HOMEOSTASIS_CACHE", str(tmp_path))
    claims, another_version = tmp_path / f"{driver._claims_prefix()}other", tmp_path / ".compile-claims-0-0-other"
    claims.mkdir()
    another_version.mkdir()
    driver._claim(another_version, driver.DRIVER_JOB)  # another version's first run: not this driver
    assert driver._helper_at_work() is None  # the driver's loop not claimed: nobody compiles it
    driver._claim(claims, driver.DRIVER_JOB)
    assert driver._helper_at_work() == claims
    monkeypatch.setattr(driver, "_linked_driver", lambda key: None)
    monkeypatch.setattr(driver, "_FIRST_RUN", {"started": True, "other": claims})
    assert driver.ready_driver() is None
    driver._claim(claims, driver._DONE.format(driver.DRIVER_JOB))  # its helper is done
    assert driver._helper_at_work() is None and driver.ready_driver() is not None


@pytest.mark.slow
def test_a_first_run_takes_the_scipy_path_while_its_helper_compiles_the_driver(tmp_path):
    """A fresh cache (numba's code beside the generated modules): the first run's answer comes from
    the SciPy path, the helper leaves the driver in the cache, and the next run uses it."""
    environment = {**os.environ, "HOMEOSTASIS_CACHE": str(tmp_path), "HOMEOSTASIS_WAIT_FOR_DRIVER": "0",
                   "HOMEOSTASIS_AOT": "0", "MPLBACKEND": "Agg"}
    environment.pop("NUMBA_CACHE_DIR", None)
    code = ("import json, homeostasis; r = homeostasis.simulate('ckd', days=30); "
            "print(json.dumps([r.metadata['solver'], [float(v) for v in r['pth']]]))")

    def run():
        out = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = run()
    assert "odeint" in first[0]
    deadline = time.monotonic() + 600
    while list(tmp_path.glob(".compile-claims-*")) and time.monotonic() < deadline:  # the helper at work
        time.sleep(1)
    second = run()
    assert "compiled driver" in second[0]
    np.testing.assert_allclose(second[1], first[1], rtol=RTOL)
