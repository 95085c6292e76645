"""Layer 2: the compiled model and the solvers (exactness, derivatives, conservation, errors).

Layer 1 (tests/test_symbolic.py) checks the SymPy model; here the generated code is checked
against it and the integrator and steady-state finder are checked against exact results.
"""

import pickle
import warnings

import numpy as np
import pytest
import sympy as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy import integrate

import homeostasis as h
from homeostasis.model.calibration import reference_state, state_scale
from homeostasis.numerics.cache import CompiledModel, compile_model
from homeostasis.parameters import ParameterSet, parameter_names
from homeostasis.model.states import STATES
from homeostasis.numerics.solve import find_steady_state, integrate_states

SLOW_STATES = tuple(s.name for s in STATES if s.slow)

from helpers import LAMBDIFY_MODULES, MINUTE, PARATHYROIDECTOMY, WASHOUT_TIMES

SPECIES = ("calcium", "phosphate")
INTAKE = {"calcium": "ca_intake", "phosphate": "phosphate_intake"}
LUMEN = {"calcium": "ca_gut_lumen", "phosphate": "phosphate_gut_lumen"}
URINE = {"calcium": "urine_ca", "phosphate": "urine_phosphate"}
# a nearly closed body: no intake, the lowest GFR allowed (the bounds of gfr are [1, 150])
NEARLY_CLOSED = {"ca_intake": 0.0, "phosphate_intake": 0.0, "gfr": 1.0}
DISTURBANCE = {"ca_ecf": 1.2, "phosphate_ecf": 1.3, "pth_plasma": 2.0, "ca_bone_exchangeable": 0.8,
               "phosphate_cells": 0.9}


def index_of(compiled, names):
    return [compiled.state_names.index(n) for n in names]


def disturbed(compiled, y):
    y = np.array(y, float)
    for name, factor in DISTURBANCE.items():
        y[compiled.state_names.index(name)] *= factor
    return y


def random_state(compiled, reference, scale, seed, spread=0.3):
    """A state near the reference with every entry positive (empty pools get a little)."""
    rng = np.random.default_rng(seed)
    y = reference * (1 + spread * rng.uniform(-1, 1, reference.size))
    empty = reference == 0
    y[empty] = 0.05 * scale[empty] * rng.uniform(0.5, 1.5, empty.sum())
    return y


# --- (a) exact steady state ---------------------------------------------------------------

def test_compiled_rhs_vanishes_at_reference(compiled, model, symbolic, reference, parameters):
    rates = compiled.rhs(0.0, reference, parameters.vector)
    # compare each derivative with the gross flow through its pool (sum of |process rates|)
    process_rates = np.abs(symbolic.rates(0.0, reference, parameters.vector))
    turnover = np.zeros(reference.size)
    for rate, process in zip(process_rates, model.processes):
        for end in (process.source, process.target):
            if end is not None:
                turnover[compiled.state_names.index(end)] += rate
    active = turnover > 0
    assert active.sum() >= 15  # every pool that carries a flux in health
    assert_allclose(rates[active] / turnover[active], 0.0, atol=1e-13)
    assert_allclose(rates[~active], 0.0, rtol=0, atol=0)  # no process acts: exactly zero


def test_compiled_rhs_vanishes_relative_to_each_pool(compiled, reference, scale, parameters):
    rates = compiled.rhs(0.0, reference, parameters.vector)
    assert_allclose(rates / scale, 0.0, atol=1e-11)  # less than 1e-11 of each pool per day


# --- (b) analytic Jacobian against central differences ------------------------------------

def finite_difference_jacobian(compiled, y, p, scale, t=0.0, relative_step=1e-6):
    """Central differences, step scaled by each state's size.

    A state sitting exactly at 0 sits on the kink of pos(); the generated Jacobian takes
    the left derivative there (step(0) = 0), so such columns use a backward difference.
    """
    jac = np.empty((y.size, y.size))
    for j in range(y.size):
        step = relative_step * max(abs(y[j]), scale[j])
        up, down = y.copy(), y.copy()
        if y[j] == 0:
            down[j] -= step
            jac[:, j] = (compiled.rhs(t, up, p) - compiled.rhs(t, down, p)) / step
        else:
            up[j] += step
            down[j] -= step
            jac[:, j] = (compiled.rhs(t, up, p) - compiled.rhs(t, down, p)) / (2 * step)
    return jac


def assert_jacobian_matches(compiled, y, p, scale, t=0.0):
    analytic = compiled.jacobian(t, y, p)
    numeric = finite_difference_jacobian(compiled, y, p, scale, t)
    # in units of 1/day relative to each pool's size, so 1 mmol and 25 mol pools compare alike
    to_scaled = scale[None, :] / scale[:, None]
    analytic_scaled, numeric_scaled = analytic * to_scaled, numeric * to_scaled
    assert np.count_nonzero(analytic) > 60
    assert_allclose(numeric_scaled, analytic_scaled, rtol=1e-5, atol=1e-9 * np.abs(analytic_scaled).max())


def test_jacobian_at_reference(compiled, reference, scale, parameters):
    assert_jacobian_matches(compiled, reference, parameters.vector, scale)


def test_jacobian_at_perturbed_state(compiled, reference, scale, parameters):
    y = random_state(compiled, reference, scale, seed=1)
    assert_jacobian_matches(compiled, y, parameters.vector, scale)


def test_jacobian_with_all_mechanisms_active(compiled, reference, scale, parameters):
    # drugs, dialysis, clamp, granuloma, PTHrP and a GFR decline switched on
    p = parameters.with_values(ca_clamp_rate=500, ca_clamp_target=1.1, dialysis_active=1, granuloma_burden=1,
                               pthrp=2, glucocorticoid_dose=10, phosphate_binder_fraction=0.3,
                               gfr_final=30, gfr_decline_days=1000, calcitriol_dose_rate=1000)
    y = random_state(compiled, reference, scale, seed=2)
    assert_jacobian_matches(compiled, y, p.vector, scale, t=250.0)


@pytest.mark.parametrize("seed", [None, 5])
def test_jacobian_with_the_steep_lower_distal_pth_branch(compiled, reference, scale, parameters, seed):
    # the two-branch distal PTH gain, steeper than the default (dct_pth_lower_hill 6; 5 by default, 2 is off): the
    # smooth joint at reference PTH keeps the analytic Jacobian exact at and around the healthy state
    p = parameters.with_values(dct_pth_lower_hill=6)
    y = reference if seed is None else random_state(compiled, reference, scale, seed=seed)
    assert_jacobian_matches(compiled, y, p.vector, scale)


# --- (c) generated code against the SymPy model -------------------------------------------

@pytest.mark.parametrize("seed", [3, 4])
def test_compiled_rhs_equals_lambdified_sympy(compiled, symbolic, reference, scale, parameters, seed):
    y = random_state(compiled, reference, scale, seed=seed)
    expected = symbolic.rhs(0.0, y, parameters.vector)
    assert np.abs(expected / scale).max() > 1e-3  # far enough from steady state to mean something
    assert_allclose(compiled.rhs(0.0, y, parameters.vector), expected, rtol=1e-11,
                    atol=1e-13 * np.abs(expected).max())


def test_compiled_time_dependence_equals_sympy(compiled, symbolic, reference, scale, parameters):
    p = parameters.with_values(gfr_final=30, gfr_decline_days=1000).vector
    y = random_state(compiled, reference, scale, seed=5)
    for t in (0.0, 250.0, 999.0, 2000.0):
        expected = symbolic.rhs(t, y, p)
        assert_allclose(compiled.rhs(t, y, p), expected, rtol=1e-11, atol=1e-13 * np.abs(expected).max())
        observed = compiled.observables(np.array([t]), y[None, :], p)[0]
        gfr = observed[compiled.observable_names.index("gfr")]
        assert_allclose(gfr, 100 + (30 - 100) * min(t / 1000, 1.0), rtol=1e-12)


def test_compiled_observables_equal_lambdified_sympy(compiled, symbolic, reference, scale, parameters):
    y = random_state(compiled, reference, scale, seed=6)
    expected = symbolic.observables(0.0, y, parameters.vector)
    got = compiled.observables(np.array([0.0]), y[None, :], parameters.vector)[0]
    assert_allclose(got, [expected[n] for n in compiled.observable_names], rtol=1e-11)


# --- (d) conservation of calcium and phosphate --------------------------------------------

@pytest.fixture(scope="module")
def closed_parameters(parameters):
    return parameters.with_values(NEARLY_CLOSED)


@pytest.fixture(scope="module")
def closed_run(compiled, closed_parameters):
    """60 days without intake at GFR 1 from a disturbed state: every minute on day 1, then hourly."""
    y0 = disturbed(compiled, reference_state(closed_parameters))
    initial = dict(zip(compiled.state_names, y0))
    times = np.unique(np.concatenate([np.linspace(0.0, 1.0, 1441), np.linspace(1.0, 60.0, 59 * 24 + 1)]))
    return h.simulate(times=times, parameters=closed_parameters, initial_amounts=initial)


@pytest.fixture(scope="module")
def boundary_functions(model):
    args = [model.time, model.state_symbols, model.parameter_symbols]
    functions = {}
    for species in SPECIES:
        own = set(model.species_states(species))
        touching = [p.rate for p in model.processes if p.source in own or p.target in own]
        # |rate| taken numerically: SymPy's Abs of a rate with a square root of state can
        # rewrite into conjugate(), which the math module lacks
        rates = sp.lambdify(args, touching, modules=LAMBDIFY_MODULES)
        functions[species] = (sp.lambdify(args, model.boundary_flux(species), modules=LAMBDIFY_MODULES),
                              lambda t, y, p, rates=rates: np.abs(rates(t, y, p)))
    return functions


@pytest.mark.parametrize("species", SPECIES)
def test_sum_of_compiled_rhs_equals_boundary_flux_along_a_trajectory(compiled, model, closed_run,
                                                                    closed_parameters, boundary_functions,
                                                                    species):
    columns = index_of(compiled, model.species_states(species))
    flux, gross = boundary_functions[species]
    p = closed_parameters.vector
    samples = list(zip(closed_run.times[::24], closed_run.states[::24]))
    assert len(samples) > 100
    # relative to the gross flow through the species' pools (sum of |process rates|)
    errors = [abs(compiled.rhs(t, y, p)[columns].sum() - flux(t, y, p)) / np.sum(gross(t, y, p))
              for t, y in samples]
    assert max(errors) <= 1e-10
    # the boundary flux is a real loss here (no intake), so the comparison is not 0 == 0
    assert flux(closed_run.times[-1], closed_run.states[-1], p) < -1e-3


class _WithLossAccumulators:
    """The compiled model plus, per species, the cumulative net loss across the body boundary.

    The loss rate is computed from the compiled *observables* (urine) and the faecal transit,
    independently of the right-hand side, so body content + cumulative loss is an invariant
    only if the two agree. The loss rows of the Jacobian are minus the summed species rows of
    the model Jacobian; LSODA (a linear multistep method) then conserves the linear invariant
    to round-off, whatever its step sizes.
    """

    def __init__(self, compiled, model):
        self.compiled = compiled
        self.state_names = compiled.state_names + tuple(f"{s}_lost" for s in SPECIES)
        self.rows = {s: index_of(compiled, model.species_states(s)) for s in SPECIES}
        self.parameter = {n: i for i, n in enumerate(parameter_names())}

    def rhs(self, t, z, p):
        y = z[:-len(SPECIES)]
        observed = self.compiled.observables(np.array([t]), y[None, :], p)[0]
        lost = []
        for species in SPECIES:
            faecal = p[self.parameter["gut_transit_rate"]] * y[self.compiled.state_names.index(LUMEN[species])]
            urine = observed[self.compiled.observable_names.index(URINE[species])]
            lost.append(faecal + urine - p[self.parameter[INTAKE[species]]])
        return np.concatenate([self.compiled.rhs(t, y, p), lost])

    def jacobian(self, t, z, p):
        n = z.size - len(SPECIES)
        jac = np.zeros((z.size, z.size))
        jac[:n, :n] = self.compiled.jacobian(t, z[:n], p)
        for k, species in enumerate(SPECIES):
            jac[n + k, :n] = -jac[self.rows[species], :n].sum(axis=0)
        return jac


def test_body_content_plus_cumulative_loss_is_conserved_exactly(compiled, model, closed_parameters):
    augmented = _WithLossAccumulators(compiled, model)
    y0 = disturbed(compiled, reference_state(closed_parameters))
    z0 = np.concatenate([y0, np.zeros(len(SPECIES))])
    scale = np.concatenate([state_scale(closed_parameters), [100.0] * len(SPECIES)])
    times = np.linspace(0.0, 60.0, 61)
    z = integrate_states(augmented, z0, times, closed_parameters.vector, scale=scale)
    for k, species in enumerate(SPECIES):
        content = z[:, augmented.rows[species]].sum(axis=1)
        lost = z[:, y0.size + k]
        assert lost[-1] > 1.0  # over a mmol (phosphate) to tens of mmol (calcium) leave the body
        assert content[-1] < content[0] - 1.0
        drift = content + lost - content[0]
        assert np.abs(drift).max() <= 1e-8 * lost[-1], species


def test_simulated_losses_account_for_body_content(compiled, model, closed_run, closed_parameters):
    # independent of the solver internals: trapezoid of the observed losses on the output grid
    transit = closed_parameters["gut_transit_rate"]
    for species in SPECIES:
        content = closed_run.states[:, index_of(compiled, model.species_states(species))].sum(axis=1)
        loss_rate = closed_run[URINE[species]] + transit * closed_run[LUMEN[species]]
        lost = integrate.cumulative_trapezoid(loss_rate, closed_run.times, initial=0.0)
        assert lost[-1] > 1.0
        drift = np.abs(content + lost - content[0]).max()
        assert drift <= 1e-8 * content[0], species  # of total body content
        assert drift <= 1e-4 * lost[-1], species  # of what left the body (trapezoid error)


# --- (e) analytic washout of PTH --------------------------------------------------------------

def test_pth_washout_is_exponential_with_the_half_life(washout, parameters):
    half_life_days = parameters["pth_half_life"] * MINUTE
    assert_allclose(washout.times, WASHOUT_TIMES)
    expected = 3.5 * np.exp(-np.log(2) * washout.times / half_life_days)
    # atol: the integrator's global error near 10 half-lives (3.8e-9 pmol/L with the fast bone pool)
    assert_allclose(washout["pth"], expected, rtol=1e-6, atol=1e-8)
    assert washout["pth"][-1] < 0.01 * 3.5  # 10 half-lives: the comparison covers a real decay


def test_washout_leaves_gland_empty(washout):
    assert_allclose(washout["pth_gland"], 0.0, atol=1e-9)
    assert_allclose(washout["parathyroid_mass"], 0.0, atol=1e-12)


# --- (f) no drift from the healthy steady state ------------------------------------------------

@pytest.fixture(scope="module")
def five_years():
    return h.simulate(days=5 * 365)


def test_five_year_drift_below_a_tenth_of_a_percent(five_years):
    values = five_years.observables
    start = values[0]
    assert np.count_nonzero(start) >= 15
    for k, name in enumerate(five_years.observable_names):
        if name == "bone_ca_balance":  # zero in health: compare with bone turnover (7.5 mmol/day)
            assert_allclose(values[:, k], 0.0, atol=1e-3 * 7.5, err_msg=name)
        elif start[k] == 0:  # any other quantity that is absent in health stays (nearly) absent
            assert_allclose(values[:, k], 0.0, atol=1e-6, err_msg=name)
        else:
            assert_allclose(values[:, k], start[k], rtol=1e-3, err_msg=name)


def test_five_year_state_drift_is_solver_noise(five_years, scale):
    deviation = np.abs(five_years.states - five_years.states[0]) / scale
    assert deviation.max() < 1e-6
    assert_allclose(five_years.times[-1], 5 * 365)


# --- (g) concentrations stay non-negative --------------------------------------------------------

HARSH = {
    "no intake": dict(parameters=NEARLY_CLOSED, days=365),
    "gfr 10": dict(parameters={"gfr": 10}, days=365),
    "low clamp": dict(parameters={"ca_clamp_rate": 5000, "ca_clamp_target": 0.5}, days=2),
    "high clamp": dict(parameters={"ca_clamp_rate": 5000, "ca_clamp_target": 2.5}, days=2),
    "parathyroidectomy": dict(parameters={"parathyroid_capacity": 0.001}, initial_amounts=PARATHYROIDECTOMY, days=120),
    "no vitamin D, no phosphate": dict(parameters={"vitamin_d_supply": 0, "phosphate_intake": 0}, days=365),
    "dialysis": dict(parameters={"dialysis_active": 1, "gfr": 5}, days=3),
}
CONCENTRATIONS = ("ca_total", "ca_ionized", "phosphate", "pth", "calcitriol", "calcidiol", "fgf23", "urine_ca",
                  "urine_phosphate", "bone_resorption", "bone_formation")


@pytest.mark.parametrize("case", list(HARSH))
def test_states_never_go_negative(compiled, case):
    settings = HARSH[case]
    p = ParameterSet.default().with_values(settings["parameters"])
    y0 = reference_state(p)
    for name, value in settings.get("initial_amounts", {}).items():
        y0[compiled.state_names.index(name)] = value
    times = np.linspace(0.0, settings["days"], 201)
    scale = state_scale(p)
    # raw LSODA output, without the package's clipping of round-off undershoot
    states, info = integrate.odeint(compiled.rhs, y0, times, args=(p.vector,), Dfun=compiled.jacobian,
                                    tfirst=True, rtol=1e-8, atol=1e-11 * scale, mxstep=500_000,
                                    full_output=True, printmessg=False)
    assert info["message"] == "Integration successful.", (case, info["message"])
    assert np.all(np.isfinite(states))
    assert states.min(axis=0).min() >= -1e-6  # only round-off below zero
    assert np.all(states.min(axis=0) >= -1e-9 * scale), case
    # the public API accepts the run and reports non-negative concentrations and fluxes
    run = h.simulate(times=times, parameters=p, initial_amounts=settings.get("initial_amounts"))
    for name in CONCENTRATIONS:
        assert run[name].min() >= 0.0, (case, name)


@pytest.mark.parametrize("seed", range(5))
def test_non_negative_orthant_is_invariant(compiled, reference, scale, parameters, seed):
    # with any one pool empty, its derivative is >= 0 (no flux can take it below zero). Bone
    # mineral phosphate is resorbed with bone calcium in the hydroxyapatite ratio (an invariant,
    # tests/test_symbolic.py), so the two mineral pools are emptied together.
    p = parameters.with_values(ca_clamp_rate=5000, ca_clamp_target=0.5, dialysis_active=1,
                               phosphate_binder_fraction=0.9).vector
    base = random_state(compiled, reference, scale, seed=10 + seed, spread=0.9)
    mineral = index_of(compiled, SLOW_STATES)
    for i, name in enumerate(compiled.state_names):
        y = base.copy()
        y[mineral if i in mineral else i] = 0.0
        assert compiled.rhs(0.0, y, p)[i] >= -1e-12 * scale[i], name


# --- (h) steady-state finder --------------------------------------------------------------------------

def test_steady_state_from_a_perturbed_guess_is_the_healthy_state(compiled, reference, scale, parameters):
    guess = random_state(compiled, reference, scale, seed=7, spread=0.2)
    guess[[compiled.state_names.index(n) for n in ("adenoma_mass", "pth_adenoma", "cinacalcet_gut",
                                                   "cinacalcet_plasma")]] = 0.0
    slow = index_of(compiled, SLOW_STATES)
    guess[slow] = reference[slow]
    found = find_steady_state(compiled, guess, parameters.vector, scale=scale)
    assert_allclose(found / scale, reference / scale, atol=1e-7)


def test_public_steady_state_is_the_reference(healthy, observe, reference, parameters):
    expected = observe(reference, parameters)
    for name, value in expected.items():
        assert_allclose(healthy[name], value, rtol=1e-9, atol=1e-9, err_msg=name)


def test_steady_state_at_gfr_30_is_a_root(compiled):
    p = ParameterSet.default().with_values(gfr=30)
    scale = state_scale(p)
    guess = reference_state(p)
    found = find_steady_state(compiled, guess, p.vector, scale=scale)
    rates = compiled.rhs(0.0, found, p.vector) / scale
    free = np.array([n not in SLOW_STATES for n in compiled.state_names])
    assert np.abs(rates[free]).max() < 1e-7
    assert_allclose(found[~free], guess[~free], rtol=1e-15)  # the skeleton is held fixed
    assert np.abs(found[free] - guess[free]).max() / scale[free].max() > 1e-3  # it really moved
    public = h.steady_state(parameters={"gfr": 30})
    observed = compiled.observables(np.array([0.0]), found[None, :], p.vector)[0]
    assert_allclose([public[n] for n in compiled.observable_names], observed, rtol=1e-6, atol=1e-9)
    assert public["pth"] > 3.5 and public["calcitriol"] < 100  # secondary hyperparathyroidism


def _is_root(compiled, y, p, scale):
    free = np.array([n not in SLOW_STATES for n in compiled.state_names])
    return np.abs(compiled.rhs(0.0, y, p.vector)[free] / scale[free]).max() < 1e-7


def test_pseudo_transient_settling_rescues_the_root_far_from_health(compiled):
    # at GFR 1 Powell's method fails from the healthy state and after one year of settling (the
    # parathyroid mass, half-life 180 days, is still growing); a longer settle then polishes a root
    p = ParameterSet.default().with_values(gfr=1)
    scale = state_scale(p)
    with pytest.raises(h.SolverError, match="1 years of integration"):
        find_steady_state(compiled, reference_state(p), p.vector, scale=scale, settle_days=(0.0, 365.0))
    found = find_steady_state(compiled, reference_state(p), p.vector, scale=scale)
    assert _is_root(compiled, found, p, scale)
    assert found[compiled.state_names.index("parathyroid_mass")] > 5  # gland hyperplasia in end-stage disease


@pytest.mark.parametrize("hill", [2.0, 8.0])  # shallow and steepest (upper bound) TAL CaSR
@pytest.mark.parametrize("gfr", [1.0, 3.0])
def test_steady_state_exists_in_end_stage_disease_across_the_tal_casr_range(compiled, hill, gfr):
    # a steeper thick-ascending-limb CaSR once left GFR 3 without a root within 10 years of settling
    p = ParameterSet.default().with_values(gfr=gfr, tal_casr_hill=hill)
    scale = state_scale(p)
    found = find_steady_state(compiled, reference_state(p), p.vector, scale=scale)
    assert _is_root(compiled, found, p, scale)
    observed = dict(zip(compiled.observable_names, compiled.observables(np.array([0.0]), found[None, :], p.vector)[0]))
    assert 2.0 < observed["ca_total"] < 2.6 and observed["pth"] > 30  # secondary hyperparathyroidism


def test_steady_state_failure_is_a_solver_error_naming_time_and_state(compiled, reference, scale, parameters):
    with pytest.raises(h.SolverError) as caught:
        find_steady_state(compiled, reference, parameters.vector, scale=scale, settle_days=(0.0,), tolerance=0.0)
    message = str(caught.value)
    assert "at t = 0 days" in message and "ca_ecf=33.6" in message
    assert set(caught.value.state) == set(compiled.state_names)


# --- (i) integration failure ----------------------------------------------------------------------------

@pytest.mark.parametrize("points", [2, 5])
def test_integration_failure_raises_solver_error(compiled, reference, scale, parameters, points):
    y0 = disturbed(compiled, reference)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.ODEintWarning)  # odeint also warns before the error
        with pytest.raises(h.SolverError) as caught:
            integrate_states(compiled, y0, np.linspace(0.0, 3650.0, points), parameters.vector, scale=scale,
                             max_steps=5)
    error = caught.value
    assert "at t = " in str(error) and "ca_ecf=" in str(error)
    assert 0.0 <= error.time < 3650.0
    assert set(error.state) == set(compiled.state_names)
    assert_allclose(error.state["ca_ecf"], y0[compiled.state_names.index("ca_ecf")], rtol=0.01)


# --- (j) pickling -------------------------------------------------------------------------------------------

def test_parameter_set_pickles(parameters):
    for p in (parameters, parameters.with_values(gfr=30, reference_pth=4.0, pth_clearance_rate=300)):
        loaded = pickle.loads(pickle.dumps(p))
        assert loaded == p
        assert_array_equal(loaded.vector, p.vector)
        assert loaded.changed() == p.changed()


def test_compiled_model_pickles_and_resolves_identically(compiled, reference, scale, parameters):
    loaded = pickle.loads(pickle.dumps(compiled))
    assert isinstance(loaded, CompiledModel)
    assert loaded.key == compiled.key and loaded.state_names == compiled.state_names
    p = pickle.loads(pickle.dumps(parameters.with_values(gfr=40)))
    y0 = disturbed(compiled, reference)
    times = np.linspace(0.0, 30.0, 31)
    first = integrate_states(compiled, y0, times, parameters.with_values(gfr=40).vector, scale=scale)
    second = integrate_states(loaded, y0, times, p.vector, scale=scale)
    assert_array_equal(second, first)
    assert np.abs(first[-1] - first[0]).max() > 1.0


def test_compile_model_is_cached():
    assert compile_model() is compile_model()


# --- (k) reproducibility and provenance ---------------------------------------------------------------------

def test_identical_calls_give_identical_results():
    settings = dict(days=30, parameters={"gfr": 45, "ca_intake": 15})
    first, second = h.simulate(**settings), h.simulate(**settings)
    assert_array_equal(first.states, second.states)
    assert_array_equal(first.observables, second.observables)
    assert np.abs(first["pth"][-1] - first["pth"][0]) > 0.1  # the run is not trivially constant


def test_frame_carries_version_and_parameters():
    run = h.simulate(days=10, parameters={"gfr": 45})
    frame = run.to_frame()
    assert frame.attrs["homeostasis_version"] == h.__version__
    parameters = frame.attrs["parameters"]
    assert set(parameters) == set(parameter_names())
    assert_allclose(parameters["gfr"], 45.0)
    assert_allclose([parameters[n] for n in parameter_names()],
                    ParameterSet.default().with_values(gfr=45).vector, rtol=1e-15)
    assert set(frame.columns) == {"scenario", "time_days", "variable", "value", "unit"}
    assert len(frame) == len(run.times) * len(run.observable_names)


def test_compiled_scale_is_the_model_scale_times_the_tolerance_factors(compiled, parameters):
    """One empty-pool rule for both; only the compiled (solver) scale loosens by ``tolerance_factor``."""
    model_scale = state_scale(parameters)
    factors = np.array([s.tolerance_factor for s in STATES])
    assert (factors != 1).any()  # the check sees a factor (pth_exposure_duty)
    assert (model_scale > 0).all()
    assert_allclose(compiled.state_scale(parameters.vector), model_scale * factors, rtol=1e-12)
