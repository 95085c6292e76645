"""Timed (24-h) urine collections in the atlas: the optional ``window_days`` column compares the
model's mean over the collection (its integral divided by the window) instead of a moment."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import homeostasis as h
from homeostasis.atlas import load_atlas, run_experiment
from homeostasis.atlas.records import parse_experiment
from homeostasis.atlas.runner import collection_windows, output_times, window_mean
from homeostasis.errors import HomeostasisError

from helpers import SYNTHETIC_SOURCE

TOML = """\
id = "synthetic"
title = "Synthetic hypercalcaemic clamp with a 24-h urine collection"
mechanisms = ["calcium-clamp"]
split = "calibration"
figure_read = false

""" + SYNTHETIC_SOURCE + """
[protocol]
scenario = "healthy"
interventions = ["calcium-clamp@1:delta_ionized=0.2,hours=6"]
start = "steady"
days = 2.0
baseline_day = 1.0

[acceptance]
rule = "direction"
"""
HEADER = "time_days,variable,quantity,value,unit,spread,spread_kind,n,low,high,note,window_days\n"
CLAMP = "calcium-clamp@1:delta_ionized=0.2,hours=6"


def _area(times, values):
    return float(np.sum(0.5 * (values[1:] + values[:-1]) * np.diff(times)))


def parse(rows: str, header: str = HEADER):
    return parse_experiment(TOML, header + rows, path="synthetic.toml")


# ---------------------------------------------------------------- the mean over a window

def test_mean_of_a_constant_and_of_a_linear_signal_is_exact():
    times = np.array([0.0, 0.3, 0.35, 1.0, 1.7, 2.0])  # uneven samples, window ends between them
    assert_allclose(window_mean(times, np.full(times.size, 4.2), 0.2, 1.9), 4.2, rtol=1e-12)
    line = 3.0 + 2.0 * times  # mean over [a, b] of 3 + 2t is 3 + (a + b)
    assert_allclose(window_mean(times, line, 0.2, 1.9), 3.0 + 2.1, rtol=1e-12)
    assert_allclose(window_mean(times, line, 0.0, 2.0), 5.0, rtol=1e-12)


def test_a_window_of_zero_length_is_the_value_at_its_end():
    times = np.linspace(0.0, 1.0, 11)
    assert_allclose(window_mean(times, times ** 2, 0.5, 0.5), 0.25, rtol=1e-12)


def test_mean_of_a_pulse_is_its_area_over_the_window():
    # a 6-h pulse of height 2 on a baseline of 1, sampled every 10 minutes: 24-h mean 1 + 2 * 0.25
    times = np.linspace(0.0, 1.0, 145)
    pulse = np.where((times >= 0.25) & (times <= 0.5), 3.0, 1.0)
    assert_allclose(window_mean(times, pulse, 0.0, 1.0), 1.5, rtol=0.02)


# ---------------------------------------------------------------- the record format

def test_a_record_without_the_column_loads_with_moments():
    chosen = parse("2.0,urine_ca,ratio,1.5,ratio,,none,,,,x\n",
                   header="time_days,variable,quantity,value,unit,spread,spread_kind,n,low,high,note\n")
    assert np.isnan(chosen.measurements["window_days"]).all() and collection_windows(chosen) == []


def test_windows_and_their_baseline_collections_are_sampled_finely():
    chosen = parse("2.0,urine_ca,ratio,1.5,ratio,,none,,,,x,1\n1.25,pth,ratio,1.5,ratio,,none,,,,x,\n")
    assert collection_windows(chosen) == [(1.0, 2.0), (0.0, 1.0)]
    times = output_times(chosen)
    assert np.diff(times).max() <= 1.0 / 144 + 1e-9 and 1.25 in times


@pytest.mark.parametrize(("window", "fragment"), [("3", "window_days: expected a collection length in (0, 2]"),
                                                  ("0", "window_days"), ("day", "a number or an empty cell")])
def test_a_window_longer_than_the_run_before_it_or_not_a_number_is_refused(window, fragment):
    with pytest.raises(HomeostasisError) as error:
        parse(f"2.0,urine_ca,ratio,1.5,ratio,,none,,,,x,{window}\n")
    assert "synthetic.csv: line 2" in str(error.value) and fragment in str(error.value)


def test_a_repeated_or_unknown_column_is_refused():
    with pytest.raises(HomeostasisError, match="header"):
        parse("2.0,urine_ca,ratio,1.5,ratio,,none,,,,x,1,1\n", header=HEADER.strip() + ",window_days\n")
    with pytest.raises(HomeostasisError, match="header"):
        parse("2.0,urine_ca,ratio,1.5,ratio,,none,,,,x,1\n", header=HEADER.replace("window_days", "hours"))


def test_the_packaged_records_load_with_the_column():
    atlas = load_atlas()
    assert all("window_days" in e.measurements for e in atlas)
    assert any(np.isfinite(e.measurements["window_days"]).any() for e in atlas)


# ---------------------------------------------------------------- a record run

def test_a_collection_is_the_mean_of_the_simulation_and_a_moment_is_unchanged():
    """A 6-h hypercalcaemic clamp: urine calcium over the 24 h after it starts (against the 24 h
    before) equals the mean of a fine public simulation, and is smaller than at the clamp's peak."""
    chosen = parse("2.0,urine_ca,ratio,1.2,ratio,,none,,,,24-h collection,1\n"
                   "1.2,urine_ca,ratio,1.2,ratio,,none,,,,spot at 4.8 h,\n")
    frame = run_experiment(chosen)
    times = np.linspace(0.0, 2.0, 2 * 1440 + 1)  # one-minute samples
    urine = h.simulate("healthy", times=times, interventions=[CLAMP], start="steady")["urine_ca"]
    after, before = (times >= 1.0), (times <= 1.0)
    expected = _area(times[after], urine[after]) / _area(times[before], urine[before])
    spot = np.interp(1.2, times, urine) / np.interp(1.0, times, urine)
    # the runner's collection grid against one-minute samples: 0.21 % since the distal PTH gain's
    # lower branch (tenth session) sharpens the clamp's urine curve (within 0.2 % before)
    assert_allclose(frame["model"], [expected, spot], rtol=3e-3)
    assert 1.0 < expected < spot and list(frame["status"]) == ["ok", "ok"]
    assert_allclose(frame["window_days"], [1.0, np.nan])


# ---------------------------------------------------------------- the loop-diuretic pulse (off by default)

def test_loop_diuretic_is_daily_averaged_unless_a_pulse_is_asked_for():
    from homeostasis.protocol.catalogue import CATALOGUE

    spec = CATALOGUE["loop-diuretic"]
    base = {"loop_diuretic_dose": 0.0, "loop_diuretic_emax": 0.4, "loop_diuretic_ed50": 40.0,
            "loop_diuretic_pulse_emax": 0.9, "loop_diuretic_pulse_ed50": 12.0}
    averaged = spec.make_events(1.0, spec.validate({"dose_mg": 80}), base, 10.0)
    assert len(averaged) == 1
    assert_allclose(averaged[0].time, 1.0)
    pulses = spec.make_events(1.0, spec.validate({"dose_mg": 80, "pulse_hours": 6, "days": 2}), base, 10.0)
    assert_allclose([event.time for event in pulses], [1.0, 1.25, 2.0, 2.25, 3.0])
    during = dict(pulses[0].actions[0].values)  # the pulse's block comes from the parameter table
    assert_allclose([during["loop_diuretic_emax"], during["loop_diuretic_ed50"]], [0.9, 12.0])
    after = dict(pulses[-1].actions[0].values)
    assert_allclose([after["loop_diuretic_emax"], after["loop_diuretic_ed50"]], [0.4, 40.0])


def test_the_loop_diuretic_pulse_gives_the_daily_averaged_block_of_40_mg():
    """loop_diuretic_pulse_ed50 is derived so that 40 mg acting for 6 h blocks as much, on the day's
    mean, as the daily-averaged 40 mg/day."""
    p = {name: info.default for name, info in h.parameter_table().items()}
    pulse = 6 / 24 * p["loop_diuretic_pulse_emax"] * 40 / (40 + p["loop_diuretic_pulse_ed50"])
    assert_allclose(pulse, p["loop_diuretic_emax"] * 40 / (40 + p["loop_diuretic_ed50"]), rtol=1e-9)


def test_a_loop_diuretic_pulse_is_steep_then_rebounds_and_a_collection_averages_it():
    """One 80 mg dose acting for 6 h: urine calcium ~3x while it acts, below baseline after (the
    rebound of Rejnmark et al. 2001), and the 24-h collection in between. The pulse's tubular action
    alone: the direct parathyroid gain (loop_diuretic_pth_gain 0.3) keeps PTH up after the dose and
    shrinks the rebound to 0.958x at 12 h (0.91x without it; Rejnmark's rebound was larger still)."""
    times = np.linspace(0.0, 2.0, 2 * 288 + 1)
    urine = h.simulate("healthy", times=times, start="steady", parameters={"loop_diuretic_pth_gain": 0.0},
                       interventions=["loop-diuretic@1:dose_mg=80,days=1,pulse_hours=6"])["urine_ca"]
    at = lambda hour: np.interp(1.0 + hour / 24.0, times, urine) / urine[0]  # noqa: E731
    collection = window_mean(times, urine, 1.0, 2.0) / window_mean(times, urine, 0.0, 1.0)
    assert at(3) > 2.5 and at(12) < 0.95
    assert at(12) < collection < at(3)
    assert_allclose(collection, 1 + (_area(times[(times >= 1)], urine[times >= 1]) - urine[0]) / urine[0], rtol=1e-3)


@pytest.mark.parametrize(("baseline_day", "expected_baseline"), [(1.5, 3.0), (0.5, 2.25), (0.0, 2.0)])
def test_the_baseline_collection_has_the_same_length_and_is_clipped_at_day_0(baseline_day, expected_baseline):
    """On the line 2 + t: the collection over [1, 2] is 3.5; the baseline collection of one day ends at
    the baseline day ([0.5, 1.5] -> 3.0; [0, 0.5] -> 2.25; at day 0 the value there, 2.0)."""
    from homeostasis.atlas.runner import _model_and_baseline

    times = np.linspace(0.0, 2.0, 9)
    course = {"time_days": list(times), "baseline_day": baseline_day, "values": {"urine_ca": list(2.0 + times)}}
    value, baseline = _model_and_baseline(course, "urine_ca", {"time_days": 2.0, "window_days": 1.0})
    assert_allclose([value, baseline], [3.5, expected_baseline], rtol=1e-12)
    moment = _model_and_baseline(course, "urine_ca", {"time_days": 2.0, "window_days": float("nan")})
    assert_allclose(moment, [4.0, 2.0 + baseline_day], rtol=1e-12)


def test_the_validate_line_names_the_collection():
    import pandas as pd

    from homeostasis.cli.validate import experiment_line

    row = {"id": "x", "status": "FAIL", "variable": "urine_ca", "model": 1.41, "measured": 2.3, "spread": 0.0,
           "unit": "ratio", "passed": False, "time_days": 2.0, "window_days": 1.0, "rule": "direction",
           "low": float("nan"), "high": float("nan"), "quantity": "ratio"}
    assert experiment_line(pd.DataFrame([row])).endswith("(mean of days 1-2)")
    assert experiment_line(pd.DataFrame([{**row, "window_days": float("nan")}])).endswith("(day 2)")
