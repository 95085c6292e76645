"""Layer 3: the healthy model against clinical data (checks 1-4, 6 and 7 of clinical-targets).

Every number compared here comes from ``homeostasis/data/clinical_targets.csv`` (read through
:mod:`homeostasis.targets`), which keeps each target's source.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import homeostasis as h
from helpers import COLUMNS, DERIVED, clinical_targets, target_value

from helpers import MINUTE

STATIC_CHECKS = (1, 2, 3, 4)
STATIC = clinical_targets()[clinical_targets()["check"].isin(STATIC_CHECKS)]
BASELINE_PTH = 3.5  # pmol/L: the healthy reference (checked in test_symbolic.py)
CLAMP_GAIN = 5000.0  # 1/day: holds ionized calcium within ~0.001 mmol/L of the target
CLAMP_TARGETS = np.round(np.arange(0.80, 1.8001, 0.02), 3)  # mmol/L ionized calcium
QUASI_STEADY = 0.5  # days (12 h) on each clamp
# unit conversions of the clinical-targets notes (section 0)
MG_PER_MMOL_CA = 40.0  # 100 mg = 2.5 mmol
MMOL_P_PER_G = 32.3  # 1000 mg = 32.3 mmol
PMOL_PER_PG_PTH = 0.106


def target(quantity):
    rows = clinical_targets()
    row = rows[rows["quantity"] == quantity]
    assert len(row) == 1, quantity
    return row.iloc[0]


def assert_in_target(value, quantity):
    row = target(quantity)
    assert row["low"] <= value <= row["high"], f"{quantity}: {value:.4g} outside [{row['low']}, {row['high']}]"


# --- the targets table itself ---------------------------------------------------------------------

def test_targets_table_is_complete():
    frame = clinical_targets()
    assert tuple(frame.columns) == COLUMNS
    assert set(frame["check"]) == {1, 2, 3, 4, 6, 7}
    assert frame["quantity"].is_unique
    assert (frame["low"] <= frame["high"]).all()
    assert np.isfinite(frame[["low", "high"]].to_numpy()).all()
    for column in ("quantity", "observable", "unit", "source"):
        assert frame[column].map(lambda s: bool(str(s).strip())).all(), column
    assert frame["source"].str.contains("clinical-targets").all()
    assert len(clinical_targets(check=7)) == 7 and set(clinical_targets(check=7)["check"]) == {7}


def test_static_targets_name_observables_in_their_units(compiled):
    units = dict(zip(compiled.observable_names, compiled.observable_units))
    for _, row in STATIC.iterrows():
        if row["observable"] in DERIVED:
            continue
        assert row["observable"] in units, row["quantity"]
        assert units[row["observable"]] == row["unit"], row["quantity"]


def test_target_limits_follow_the_unit_conversions():
    assert_allclose([target("urinary calcium")["low"], target("urinary calcium")["high"]],
                    np.array([100, 300]) / MG_PER_MMOL_CA)
    assert_allclose([target("bone calcium resorption")["low"], target("bone calcium resorption")["high"]],
                    np.array([200, 500]) / MG_PER_MMOL_CA)
    assert_allclose([target("urinary phosphate")["low"], target("urinary phosphate")["high"]],
                    np.array([0.6, 1.2]) * MMOL_P_PER_G)
    assert_allclose([target("intact PTH")["low"], target("intact PTH")["high"]],
                    np.array([15, 65]) * PMOL_PER_PG_PTH, rtol=0.01)
    assert_allclose(target("absorbed minus urine minus net bone uptake (calcium)")["high"], 25 / MG_PER_MMOL_CA)


def test_package_does_not_read_the_shared_notes():
    files = list(Path(h.__file__).parent.rglob("*.py")) + [Path(__file__).parent / "helpers.py"]
    assert any(f.name == "helpers.py" for f in files)  # the targets' reader (moved to the tests)
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert "../shared" not in text and "shared/reference" not in text, file.name


# --- checks 1-4: the healthy steady state ------------------------------------------------------------

@pytest.mark.parametrize("quantity", list(STATIC["quantity"]))
def test_healthy_steady_state_meets_target(healthy, quantity):
    row = target(quantity)
    value = target_value(row["observable"], healthy)
    # limits met exactly (bone turnover at 500 mg/day) count as inside, not round-off
    tolerance = 1e-9 * max(abs(row["low"]), abs(row["high"]))
    assert row["low"] - tolerance <= value <= row["high"] + tolerance, \
        f"check {row['check']} {quantity}: {value:.4g} outside [{row['low']}, {row['high']}] {row['unit']}"


def test_healthy_steady_state_is_a_balanced_budget(healthy):
    # check 3: absorbed = urine + net bone uptake; check 4: urine P = absorbed P
    assert_allclose(healthy["gut_ca_absorption"], healthy["urine_ca"] + healthy["bone_ca_balance"], rtol=1e-9)
    assert_allclose(healthy["urine_phosphate"], healthy["gut_phosphate_absorption"], rtol=1e-9)
    assert_allclose(healthy["bone_resorption"], healthy["bone_formation"], rtol=1e-9)


# --- check 6: PTH washout after parathyroidectomy ------------------------------------------------------

def test_check6_pth_half_life(washout):
    minutes = washout.times / MINUTE
    slope = np.polyfit(minutes, np.log(washout["pth"]), 1)[0]
    half_life = -math.log(2) / slope
    assert_in_target(half_life, "PTH half-life after parathyroidectomy")


def test_check6_miami_criterion(washout):
    minutes = washout.times / MINUTE
    before = washout["pth"][0]
    assert_allclose(before, BASELINE_PTH, rtol=1e-12)
    at_10 = np.interp(10.0, minutes, washout["pth"]) / before
    at_20 = np.interp(20.0, minutes, washout["pth"]) / before
    assert_in_target(at_10, "PTH 10 min after excision relative to pre-excision")
    assert_in_target(at_20, "PTH 20 min after excision relative to pre-excision")


# --- check 7: static PTH-calcium curve (quasi-steady calcium clamps) ---------------------------------------

def clamp_run(target_ionized, times):
    return h.simulate(times=times, parameters={"ca_clamp_rate": CLAMP_GAIN, "ca_clamp_target": target_ionized})


@pytest.fixture(scope="module")
def static_curve():
    """Ionized calcium and PTH after 12 h on each clamp (Brent 1988 protocol, quasi-steady)."""
    times = np.linspace(0.0, QUASI_STEADY, 13)
    ionized, pth = [], []
    for value in CLAMP_TARGETS:
        run = clamp_run(value, times)
        ionized.append(run["ca_ionized"][-1])
        pth.append(run["pth"][-1])
    return np.array(ionized), np.array(pth)


def test_check7_clamps_hold_their_targets(static_curve):
    ionized, _ = static_curve
    assert_allclose(ionized, CLAMP_TARGETS, atol=0.005)


def test_check7_curve_is_an_inverse_sigmoid(static_curve):
    ionized, pth = static_curve
    assert np.all(np.diff(pth) < 0)  # PTH falls monotonically as calcium rises
    slope = -np.diff(pth) / np.diff(ionized)
    steepest = 0.5 * (ionized[:-1] + ionized[1:])[np.argmax(slope)]
    assert 1.0 < steepest < 1.3  # inflection in the physiological range
    # flat at both ends: a sigmoid, not a straight line or an exponential
    assert slope[0] < 0.1 * slope.max() and slope[-1] < 0.1 * slope.max()


def test_check7_max_over_min(static_curve):
    _, pth = static_curve
    assert_in_target(pth.max() / pth.min(), "static PTH-Ca curve maximum over minimum")


def test_check7_basal_over_min(static_curve):
    _, pth = static_curve
    assert_in_target(BASELINE_PTH / pth.min(), "static PTH-Ca curve basal over minimum")


def test_check7_brown_set_point(static_curve):
    ionized, pth = static_curve
    half = 0.5 * (pth.max() + pth.min())
    set_point = float(np.interp(-half, -pth, ionized))  # pth falls with calcium
    assert_in_target(set_point, "Brown set point (ionized Ca at half-maximal PTH)")


def test_check7_hypercalcaemic_clamp_suppresses_pth(healthy):
    run = clamp_run(healthy["ca_ionized"] + 0.2, np.linspace(0.0, QUASI_STEADY, 13))
    assert_in_target(run["pth"][-1] / BASELINE_PTH, "PTH on a +0.2 mmol/L ionized calcium clamp relative to baseline")


# --- C7: dynamic response to a step of -0.2 mmol/L ionized calcium -------------------------------------------

@pytest.fixture(scope="module")
def hypocalcaemic_clamp(healthy):
    times = np.arange(0.0, 3 / 24 + MINUTE / 8, MINUTE / 4)  # 3 h every 15 s
    return clamp_run(healthy["ca_ionized"] - 0.2, times)


def test_c7_clamp_reaches_its_target_within_minutes(hypocalcaemic_clamp, healthy):
    run = hypocalcaemic_clamp
    after_5_min = run.times >= 5 * MINUTE
    assert_allclose(run["ca_ionized"][after_5_min], healthy["ca_ionized"] - 0.2, atol=0.01)


def test_c7_peak_height_and_time(hypocalcaemic_clamp):
    run = hypocalcaemic_clamp
    peak = int(np.argmax(run["pth"]))
    assert_in_target(run["pth"][peak] / BASELINE_PTH,
                     "PTH peak on a -0.2 mmol/L ionized calcium clamp relative to baseline")
    assert_in_target(run.times[peak] / MINUTE, "time of the PTH peak on a -0.2 mmol/L clamp")


def test_c7_pth_declines_from_its_peak_despite_hypocalcaemia(hypocalcaemic_clamp):
    run = hypocalcaemic_clamp
    peak = run["pth"].max()
    at_2h = float(np.interp(2 / 24, run.times, run["pth"]))
    assert at_2h < 0.7 * peak
    assert at_2h > 1.5 * BASELINE_PTH  # a raised plateau, not a return to baseline


def test_c7_plateau_at_two_hours(hypocalcaemic_clamp):
    run = hypocalcaemic_clamp
    at_2h = float(np.interp(2 / 24, run.times, run["pth"]))
    assert_in_target(at_2h / BASELINE_PTH, "PTH plateau 2 h into a -0.2 mmol/L clamp relative to baseline")
