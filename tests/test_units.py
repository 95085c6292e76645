"""Dimensional analysis (homeostasis.units): the real model passes, broken fluxes are named."""

from __future__ import annotations

import dataclasses

import pytest

import homeostasis.parameters.table as parameters_module
from homeostasis.model import Model, Observable, Process, build_model
from homeostasis.model import build as build_module
from homeostasis.model.states import concentrations
from homeostasis.model.symbols import P
from homeostasis.parameters import ParameterSet, parameter_table
from homeostasis.model.dimensions import UnitCheckError, check_units, parse_unit, unit_problems


@pytest.fixture(scope="module")
def model():
    return build_model()


@pytest.fixture(scope="module")
def c():
    return concentrations()


def with_extra(model, processes=(), observables=()):
    return Model(model.states, list(model.processes) + list(processes), list(model.observables) + list(observables))


def problems_of(model, **options):
    with pytest.raises(UnitCheckError) as caught:
        check_units(model, **options)
    return caught.value.problems, str(caught.value)


# --- the real model -----------------------------------------------------------------------

def test_the_model_processes_observables_and_calibration_are_consistent(model):
    assert unit_problems(model) == []
    assert check_units(model) is model


def test_the_check_passes_away_from_the_default_parameters(model):
    changed = ParameterSet.default().with_values(gfr=30, pthrp=5, ca_intake=60, gut_vdr_calcitriol_hill=3)
    assert unit_problems(model, changed) == []


def test_every_unit_string_is_understood_by_pint(model):
    units = [info.unit for info in parameter_table().values()]
    units += [s.unit for s in model.states] + [p.unit for p in model.processes]
    units += [o.unit for o in model.observables]
    for unit in set(units):
        parse_unit(unit)
    assert parse_unit("fraction").dimensionless and parse_unit("relative").dimensionless


def test_building_the_model_runs_the_check(monkeypatch):
    seen = []
    monkeypatch.setattr(build_module, "check_units", lambda m: seen.append(m) or m)
    built = build_model.__wrapped__()  # bypass the lru_cache
    assert seen == [built]


# --- deliberately broken fluxes --------------------------------------------------------------

def test_a_missing_conversion_constant_is_reported_with_the_factor(model, c):
    # GFR (mL/min) x phosphate (mmol/L) is an amount per time, but not in mmol/day
    bad = Process("leaky_filtration", P.gfr * c.phosphate, "phosphate_ecf", None, "mmol/day", "broken")
    problems, message = problems_of(with_extra(model, [bad]))
    assert len(problems) == 1
    assert "process 'leaky_filtration'" in message
    assert "expected mmol/day" in message and "milliliter * millimole / liter / minute" in message
    assert "factor of 1.44" in message


def test_the_same_flux_with_the_constant_passes(model, c):
    good = Process("filtration", P.gfr * P.ml_per_min_to_l_per_day * c.phosphate, "phosphate_ecf", None,
                   "mmol/day", "fixed")
    assert unit_problems(with_extra(model, [good]), calibration=False) == []


def test_adding_an_amount_to_a_concentration_is_reported(model, c):
    bad = Process("muddled_loss", P.gut_transit_rate * (c.y["ca_ecf"] + c.ca_total), "ca_ecf", None,
                  "mmol/day", "broken")
    problems, message = problems_of(with_extra(model, [bad]))
    assert len(problems) == 1
    assert "process 'muddled_loss'" in message and "cannot add" in message
    assert "millimole (dimension [substance])" in message and "millimole / liter" in message


def test_a_wrong_dimension_names_expected_and_got(model, c):
    bad = Process("concentration_flux", P.gut_transit_rate * c.ca_total, "ca_ecf", None, "mmol/day", "broken")
    _, message = problems_of(with_extra(model, [bad]))
    assert "process 'concentration_flux': expected mmol/day" in message
    assert "got millimole / day / liter" in message


def test_a_flux_unit_must_match_the_states_it_connects(model):
    bad = Process("wrong_prefix", P.gut_transit_rate * P.reference_pth, None, "ca_ecf", "pmol/day", "broken")
    problems, message = problems_of(with_extra(model, [bad]))
    assert any("'wrong_prefix': expected mmol/day" in p and "into 'ca_ecf'" in p for p in problems)


def test_terms_that_are_zero_in_health_are_checked_too(model):
    # PTHrP is 0 in health, so only the second check point sees the missing pmol -> mmol factor
    bad = Process("pthrp_flux", P.pthrp * P.dialysis_ca_clearance, None, "ca_ecf", "mmol/day", "broken")
    _, message = problems_of(with_extra(model, [bad]))
    assert "process 'pthrp_flux'" in message and "switched on" in message and "factor of 1e-09" in message


def test_an_observable_with_a_wrong_unit_is_reported(model, c):
    bad = Observable("ca_amount", c.ca_total, "mmol", "broken")
    _, message = problems_of(with_extra(model, observables=[bad]))
    assert "observable 'ca_amount': expected mmol" in message and "got millimole / liter" in message


def test_a_wrong_unit_in_the_parameter_table_is_reported(model, monkeypatch):
    table = dict(parameter_table())
    table["pth_half_life"] = dataclasses.replace(table["pth_half_life"], unit="h")  # really minutes
    monkeypatch.setattr(parameters_module, "parameter_table", lambda: table)
    _, message = problems_of(model)
    assert "derived parameter 'pth_clearance_rate'" in message and "factor of 0.0166667" in message  # 3 h read as 3 min
