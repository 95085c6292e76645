"""Layer 1: the symbolic model (structure, exact mass balance, and the calibrated budget).

These tests use the SymPy model directly (``build_model``) or its ``lambdify`` evaluation,
never the generated code, so a code-generation fault cannot hide a modelling fault.
"""

import math

import pytest
import sympy as sp
from numpy.testing import assert_allclose

from homeostasis.model.calibration import budget, reference_state_expressions
from homeostasis.errors import UnknownNameError
from homeostasis.model import Model, Process
from homeostasis.model.states import STATES
from homeostasis.model.symbols import P

# every process by which a species' body total can change (baseline-budget.md, clinical-targets A19/A26)
BOUNDARY = {
    "calcium": {"entering": {"ca_intake", "ca_clamp_infusion", "ca_iv_infusion", "dialysis_ca_exchange"},
                "leaving": {"ca_faecal_loss", "urine_ca", "dialysis_ca_convection"}},
    "phosphate": {"entering": {"phosphate_intake"},
                  "leaving": {"phosphate_faecal_loss", "urine_phosphate", "dialysis_phosphate_removal"}},
}
SPECIES_STATES = {
    "calcium": {"ca_gut_lumen", "ca_ecf", "ca_bone_exchangeable", "ca_bone_fast", "ca_bone_mineral"},
    "phosphate": {"phosphate_gut_lumen", "phosphate_ecf", "phosphate_cells", "phosphate_bone_mineral"},
}
MG_PER_MMOL_CA = 40.0  # 100 mg = 2.5 mmol (clinical-targets, unit conversions)


# --- (a) exact mass balance -------------------------------------------------------------

@pytest.mark.parametrize("species", ["calcium", "phosphate"])
def test_species_states(model, species):
    # the core pools of baseline-budget.md; further pools (ectopic mineral) may join them
    assert SPECIES_STATES[species] <= set(model.species_states(species))
    for name in model.species_states(species):
        assert model.state(name).unit == "mmol", name


@pytest.mark.parametrize("species", ["calcium", "phosphate"])
def test_sum_of_derivatives_equals_boundary_flux_exactly(model, species):
    total = sp.Add(*[model.derivative(name) for name in model.species_states(species)])
    residual = total - model.boundary_flux(species)
    assert sp.expand(residual) == 0
    assert sp.simplify(residual) == 0


@pytest.mark.parametrize("species", ["calcium", "phosphate"])
def test_boundary_flux_is_exactly_intake_excretion_and_clamp(model, species):
    own = set(model.species_states(species))
    entering = {p.name for p in model.processes if p.target in own and p.source not in own}
    leaving = {p.name for p in model.processes if p.source in own and p.target not in own}
    assert entering == BOUNDARY[species]["entering"]
    assert leaving == BOUNDARY[species]["leaving"]
    expected = (sp.Add(*[model.process(n).rate for n in entering])
                - sp.Add(*[model.process(n).rate for n in leaving]))
    assert sp.expand(model.boundary_flux(species) - expected) == 0


@pytest.mark.parametrize("species", ["calcium", "phosphate"])
def test_boundary_flux_is_not_trivially_zero(model, species):
    # with the intake symbol set to zero the flux still depends on excretion (a real balance)
    flux = model.boundary_flux(species)
    intake = P.ca_intake if species == "calcium" else P.phosphate_intake
    assert sp.diff(flux, intake) == 1
    ecf = sp.Symbol("ca_ecf" if species == "calcium" else "phosphate_ecf", real=True)
    assert ecf in flux.free_symbols


def test_no_process_moves_mass_between_species(model):
    species = {s.name: s.species for s in model.states}
    for process in model.processes:
        if process.source is not None and process.target is not None:
            assert species[process.source] == species[process.target], process.name


def test_mineral_fluxes_are_in_mmol_per_day(model):
    minerals = set(model.species_states("calcium")) | set(model.species_states("phosphate"))
    for process in model.processes:
        if {process.source, process.target} & minerals:
            assert process.unit == "mmol/day", process.name


def test_bone_phosphate_moves_with_calcium_in_hydroxyapatite_ratio(model):
    for kind in ("resorption", "formation"):
        ratio = model.process(f"phosphate_bone_{kind}").rate / model.process(f"ca_bone_{kind}").rate
        assert sp.simplify(ratio - P.hydroxyapatite_p_to_ca) == 0


def test_bone_mineral_keeps_the_hydroxyapatite_ratio(model):
    # d(P_bone)/dt = 0.6 d(Ca_bone)/dt exactly, so P_bone - 0.6 Ca_bone is an invariant
    residual = (model.derivative("phosphate_bone_mineral")
                - P.hydroxyapatite_p_to_ca * model.derivative("ca_bone_mineral"))
    assert sp.simplify(residual) == 0


# --- (b) structure ----------------------------------------------------------------------

def test_every_process_connects_existing_states(model):
    names = set(model.state_names)
    for process in model.processes:
        assert process.source is not None or process.target is not None, process.name
        for end in (process.source, process.target):
            assert end is None or end in names, (process.name, end)


def test_process_and_state_names_are_unique(model):
    assert len({p.name for p in model.processes}) == len(model.processes)
    assert len(set(model.state_names)) == len(model.state_names)


def test_model_rejects_a_process_to_an_unknown_state():
    bad = Process("leak", sp.Symbol("k"), "ca_ecf", "ca_nowhere", "mmol/day", "test")
    with pytest.raises(UnknownNameError, match="ca_nowhere"):
        Model(STATES, [bad], [])


def test_rhs_uses_only_states_parameters_and_time(model):
    allowed = set(model.state_symbols) | set(model.parameter_symbols) | {model.time}
    for index, expression in enumerate(model.rhs()):
        unknown = expression.free_symbols - allowed
        assert not unknown, (model.state_names[index], unknown)


def test_every_state_has_a_reference_value(model):
    assert set(reference_state_expressions()) == set(model.state_names)


# --- (c) the derived calibration reproduces the budget ----------------------------------

@pytest.fixture(scope="module")
def budget_at_reference(symbolic, reference, parameters):
    return symbolic.observables(0.0, reference, parameters.vector)


def test_budget_expressions_match_baseline_budget(parameters):
    values = {name: float(expr.subs({s: parameters[s.name] for s in expr.free_symbols}))
              for name, expr in budget().items()}
    # baseline-budget.md: gross 35 % of 25 mmol, 3.75 secreted, 5 net; 25 of 39 mmol P absorbed
    assert_allclose(values["gross_ca_absorption"], 8.75, rtol=1e-12)
    assert_allclose(values["urine_ca"], 5.0, rtol=1e-12)
    assert_allclose(values["urine_phosphate"], 0.641 * 39, rtol=1e-12)
    assert_allclose(values["ca_ionized"], 2.40 * 0.52, rtol=1e-12)
    assert_allclose(values["gfr_volume"], 144.0, rtol=1e-12)


def test_calcium_budget_at_reference(budget_at_reference):
    v = budget_at_reference
    assert_allclose(v["gut_ca_absorption"], 5.0, rtol=1e-12)
    assert_allclose(v["urine_ca"], v["gut_ca_absorption"], rtol=1e-12)
    # whole-skeleton remodelling ~11 %/yr of 25 mol (cancellous 30 %/yr, cortical 6.2 %/yr)
    assert_allclose(v["bone_resorption"], 7.5, rtol=1e-12)
    assert_allclose(v["bone_formation"], 7.5, rtol=1e-12)
    assert_allclose(v["bone_ca_balance"], 0.0, atol=1e-12 * 7.5)
    assert_allclose(v["bone_resorption"] * MG_PER_MMOL_CA, 300.0, rtol=1e-12)


def test_phosphate_budget_at_reference(budget_at_reference):
    v = budget_at_reference
    assert_allclose(v["gut_phosphate_absorption"], 0.641 * 39, rtol=1e-12)
    assert_allclose(v["urine_phosphate"], v["gut_phosphate_absorption"], rtol=1e-12)


def test_reference_concentrations(budget_at_reference):
    v = budget_at_reference
    expected = {"ca_total": 2.40, "ca_ionized": 1.248, "phosphate": 1.10, "pth": 3.5, "calcitriol": 100.0,
                "calcidiol": 75.0, "fgf23": 50.0, "gfr": 100.0, "ca_x_p": 2.64, "parathyroid_mass": 1.0}
    for name, value in expected.items():
        assert_allclose(v[name], value, rtol=1e-12, err_msg=name)


def test_symbolic_rhs_vanishes_at_reference(symbolic, reference, scale, parameters):
    rates = symbolic.rhs(0.0, reference, parameters.vector)
    assert_allclose(rates / scale, 0.0, atol=1e-10)


def test_derived_rate_constants_have_closed_forms(parameters):
    p = parameters
    assert_allclose(p["pth_clearance_rate"], math.log(2) / (3.0 / 1440), rtol=1e-12)
    assert_allclose(p["fgf23_clearance_rate"], math.log(2) / (50.0 / 1440), rtol=1e-12)
    assert_allclose(p["calcitriol_catabolism_rate"], math.log(2) / (7.0 / 24), rtol=1e-12)
    assert_allclose(p["calcidiol_elimination_rate"], math.log(2) / 17.19, rtol=1e-12)
    assert_allclose(p["ca_complex_ratio"], 0.10 / 0.52, rtol=1e-12)
    assert_allclose(p["ca_gut_secretion_rate"], 3.75 / (2.40 * 14), rtol=1e-12)
    assert_allclose(p["phosphate_cell_uptake_rate"], 550 / (1.10 * p["phosphate_distribution_volume"]), rtol=1e-12)
    assert_allclose(p["phosphate_cell_release_rate"], 550 / 100, rtol=1e-12)
    assert_allclose(p["phosphate_reserve_uptake_rate"], 400 / (1.10 * p["phosphate_distribution_volume"]), rtol=1e-12)
    assert_allclose(p["phosphate_reserve_release_rate"], 400 / 400, rtol=1e-12)
    assert_allclose(p["bone_exchange_uptake_rate"], 100 / 1.248, rtol=1e-12)
    assert_allclose(p["bone_exchange_release_rate"], 1.0, rtol=1e-12)
    assert_allclose([p["bone_resorption_rate"], p["bone_formation_rate"]], 7.5, rtol=1e-12)
    # cholecalciferol pool: half-life 1 day (vitamin_d3_half_life since 28b805e), 25 % converted per pass at low doses, 6.5 % at saturation
    turnover = math.log(2) / 1.0
    loss = 0.75 * turnover
    linear = 0.065 / 0.935 * loss
    assert_allclose(p["d3_loss_rate"], loss, rtol=1e-12)
    assert_allclose(p["d3_linear_hydroxylation_rate"], linear, rtol=1e-12)
    assert_allclose(p["d3_hydroxylation_km"], 14 / (0.25 * turnover - linear), rtol=1e-12)


def test_compiled_observables_match_symbolic_at_reference(compiled, budget_at_reference, reference, parameters,
                                                          observe):
    compiled_values = observe(reference, parameters)
    for name in compiled.observable_names:
        assert_allclose(compiled_values[name], budget_at_reference[name], rtol=1e-12, atol=1e-12, err_msg=name)
