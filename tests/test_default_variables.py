"""Every scenario's default variables (what `run` and `compare` draw when none are given) show
its disease: the right kind of output for the condition, and outputs that actually move away
from health over ten years."""

import numpy as np
import pytest

import homeostasis
from homeostasis.cli.simulate import default_variables
from homeostasis.model import build_model
from homeostasis.scenarios.base import load_scenario

SCENARIOS = tuple(homeostasis.available_scenarios())
DISEASES = tuple(s for s in SCENARIOS if s != "healthy")
DAYS = 3650.0
MOVES = 0.05  # a variable "shows" the disease when it ends 5 % of its scale away from health

# kinds of condition, named in the README's "Scenarios" section
MINERAL_AXIS = {"ckd", "parathyroid-adenoma", "hypoparathyroidism"}  # PTH, calcium, phosphate, calcitriol
CALCIFICATION = {"systemic-sclerosis", "parathyroid-adenoma", "vitamin-d-intoxication", "granulomatous-calcitriol"}
BONE = {"ckd", "parathyroid-adenoma", "malignancy-pthrp", "hypoparathyroidism", "vitamin-d-intoxication",
        "granulomatous-calcitriol"}


@pytest.fixture(scope="module")
def healthy_end():
    result = homeostasis.simulate("healthy", days=DAYS)
    return {name: float(result[name][-1]) for name in result.observable_names}


def moved(result, name, healthy_end) -> float:
    """Distance of the last value from health, relative to the healthy value (floor 1 for
    outputs that are ~0 in health: BMD changes in per cent, deposits in mmol, fractions);
    saturation indices (log10 IAP/Ksp) in log units."""
    change = abs(float(result[name][-1]) - healthy_end[name])
    if name.startswith("saturation_"):
        return change
    floor = 1.0 if name.startswith(("bmd_", "mineral_")) or name in ("vsmc_osteogenic", "parathyroid_mass") else 1e-12
    return change / max(abs(healthy_end[name]), floor)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_declares_valid_default_variables(scenario):
    own = load_scenario(scenario).default_variables
    valid = build_model().observable_names
    assert 4 <= len(own) <= 12 and len(set(own)) == len(own), own
    assert set(own) <= set(valid), set(own) - set(valid)
    assert default_variables(load_scenario(scenario), valid) == list(own)


@pytest.mark.parametrize("scenario", DISEASES)
def test_default_variables_are_of_the_diseases_kind(scenario):
    own = set(load_scenario(scenario).default_variables)
    if scenario in MINERAL_AXIS:
        assert {"pth", "ca_total", "phosphate", "calcitriol"} <= own, own
    if scenario in CALCIFICATION:
        assert any(n.startswith("mineral_") for n in own), own
    if scenario in BONE:
        assert any(n.startswith("bmd_") or n in ("ctx", "bone_ca_balance") for n in own), own


@pytest.mark.parametrize("scenario", DISEASES)
def test_default_variables_move_away_from_health(scenario, healthy_end):
    own = load_scenario(scenario).default_variables
    result = homeostasis.simulate(scenario, days=DAYS)
    distance = {name: moved(result, name, healthy_end) for name in own}
    assert distance[own[0]] > MOVES, distance  # the first panel shows the disease
    assert sum(d > MOVES for d in distance.values()) >= 2, distance
    assert all(np.isfinite(list(distance.values())))
