"""Peak and nadir rows in the atlas: the maximum (minimum) of the model over the row's window
(``peak``/``nadir``, a level) or relative to the model at the baseline day (``peak_change``,
``nadir_change``, ``..._percent_change``, ``..._ratio``), what a paper's Cmax, 'peak', 'concentration
maximum', 'nadir' or 'maximal fall' measures (a mean of each subject's extreme, whatever its time)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from homeostasis.atlas import run_experiment
from homeostasis.atlas.report import figure_png
from homeostasis.atlas.runner import accept, window_extreme

from helpers import assert_refused, parse_synthetic, synthetic_toml

TOML = synthetic_toml("synthetic-peak", "Synthetic single oral dose of vitamin D3", "vitamin-d",
                      'scenario = "healthy"\ninterventions = ["vitamin-d3@0:dose_iu=25000"]\nstart = "steady"\ndays = 20.0')
NADIR_TOML = synthetic_toml("synthetic-nadir", "Synthetic single dose of cinacalcet", "cinacalcet",
                            'scenario = "healthy"\ninterventions = ["cinacalcet@0.25:dose_mg=50"]\nstart = "steady"\n'
                            'days = 1.0')


def parse(rows: str, rule: str = "within", toml: str = TOML):
    return parse_synthetic(toml, rows, rule, "synthetic-record.toml")


def bateman(times, ka=1.0, ke=0.1):
    """A one-compartment oral dose: maximum at ln(ka/ke)/(ka - ke)."""
    return ka / (ka - ke) * (np.exp(-ke * times) - np.exp(-ka * times))


def test_the_peak_of_a_one_compartment_dose_is_found_between_samples():
    times = np.linspace(0.0, 20.0, 41)  # half-day samples: the peak (day 2.558) falls between two
    tmax = np.log(10.0) / 0.9
    assert_allclose(window_extreme(times, bateman(times), 0.0, 20.0), bateman(np.array(tmax)), rtol=2e-3)


def test_a_window_after_the_peak_reads_its_first_moment():
    times = np.linspace(0.0, 20.0, 2001)
    assert_allclose(window_extreme(times, bateman(times), 5.0, 10.0), bateman(np.array(5.0)), rtol=1e-9)


def test_the_peak_of_a_mean_curve_is_below_the_mean_of_individual_peaks():
    """Two subjects peaking at days 1.58 and 5.49 (ka 2.0 and 0.3): the mean of their maxima (a
    paper's Cmax) exceeds the maximum of their mean curve, which is what one model subject gives
    (here by 11 %)."""
    times = np.linspace(0.0, 20.0, 4001)
    fast, slow = bateman(times, ka=2.0), bateman(times, ka=0.3)
    mean_of_maxima = 0.5 * (window_extreme(times, fast, 0.0, 20.0) + window_extreme(times, slow, 0.0, 20.0))
    exact = 0.5 * (bateman(np.log(20.0) / 1.9, ka=2.0) + bateman(np.log(3.0) / 0.2, ka=0.3))
    assert_allclose(mean_of_maxima, exact, rtol=1e-5)
    assert window_extreme(times, 0.5 * (fast + slow), 0.0, 20.0) < 0.9 * mean_of_maxima


@pytest.mark.parametrize(("row", "rule", "fragment"), [
    ("20,calcidiol,peak_change,6.6,ng/mL,2.6,sd,16,,,x,\n", "within", "window_days"),
    ("20,calcidiol,peak,30,ng/mL,2.6,sd,16,,,x,20\n", "direction", "rule direction"),
    ("1,pth,nadir_change,-3,pmol/L,1,sd,10,,,x,\n", "within", "window_days"),
    ("1,pth,nadir,3,pmol/L,1,sd,10,,,x,1\n", "direction", "rule direction"),
    ("1,pth,nadir_percent_change,-50,pmol/L,10,sd,10,,,x,1\n", "within", "'%'"),
    ("1,pth,nadir_ratio,0.5,%,0.1,sd,10,,,x,1\n", "within", "'ratio'"),
    ("1,pth,trough,3,pmol/L,1,sd,10,,,x,1\n", "within", "nadir_change"),
])
def test_a_badly_written_peak_or_nadir_row_is_refused(row, rule, fragment):
    assert_refused(parse, row, rule, fragment)


def test_a_peak_row_reads_the_maximum_of_the_model_not_its_value_at_the_row_day():
    record = parse("20,calcidiol,peak_change,6.6,ng/mL,2.6,sd,16,,,x,20\n"
                   "20,calcidiol,change,6.6,ng/mL,2.6,sd,16,,,x,\n"
                   "20,calcidiol,peak,30,ng/mL,2.6,sd,16,,,x,20\n")
    frame = run_experiment(record)
    course = frame.attrs["time_courses"]["synthetic-peak"]
    values = np.asarray(course["values"]["calcidiol"])
    rise = values - values[0]
    assert_allclose(frame["model"], [rise.max(), rise[-1], values.max()], rtol=1e-6)
    assert frame["model"].iloc[0] > 1.2 * frame["model"].iloc[1]  # the maximum (near day 7), not day 20
    png = figure_png(frame, course)
    assert png.startswith(b"\x89PNG")


def test_the_validate_line_names_the_maximum():
    import pandas as pd

    from homeostasis.cli.validate import experiment_line

    row = {"id": "x", "status": "ok", "variable": "calcidiol", "model": 13.45, "measured": 16.5, "spread": 1.6,
           "unit": "nmol/L", "passed": True, "time_days": 20.0, "window_days": 20.0, "rule": "band",
           "low": 13.2, "high": 19.8, "quantity": "peak_change"}
    assert experiment_line(pd.DataFrame([row])).endswith("(maximum of days 0-20)")


# ---------------------------------------------------------------- nadir rows (the same reading, lowest)

def test_the_nadir_of_a_dip_is_found_between_samples():
    """A drug that lowers a level by 6 x a one-compartment curve: its minimum, 10 - 6 exp(-ke tmax)
    at tmax = ln(ka/ke)/(ka - ke) = 2.558 (where ka exp(-ka t) = ke exp(-ke t)), falls between
    half-day samples and is read within their resolution."""
    times = np.linspace(0.0, 20.0, 41)
    level = 10.0 - 6.0 * bateman(times)
    exact = 10.0 - 6.0 * np.exp(-0.1 * np.log(10.0) / 0.9)
    assert_allclose(window_extreme(times, level, 0.0, 20.0, lowest=True), exact, rtol=1e-3)
    assert_allclose(window_extreme(times, level, 0.0, 20.0), 10.0, rtol=1e-12)  # its maximum: the start


def test_a_window_after_the_nadir_reads_its_first_moment_and_mirrors_the_peak():
    times = np.linspace(0.0, 20.0, 2001)
    level = 10.0 - 6.0 * bateman(times)
    assert_allclose(window_extreme(times, level, 5.0, 10.0, lowest=True), 10.0 - 6.0 * bateman(np.array(5.0)),
                    rtol=1e-9)
    assert_allclose(window_extreme(times, -bateman(times), 1.0, 9.0, lowest=True),
                    -window_extreme(times, bateman(times), 1.0, 9.0), rtol=1e-12)


def test_a_nadir_ratio_is_judged_by_its_distance_from_one():
    """A published minimum at 0.3 x baseline: a model minimum of 0.5 x baseline has the sign; 1.2
    (no fall) has not, though as a change (no offset) it would."""
    assert accept("direction", 0.5, measured=0.3, quantity="nadir_ratio")
    assert not accept("direction", 1.2, measured=0.3, quantity="nadir_ratio")
    assert accept("direction", 1.2, measured=0.3, quantity="nadir_change")


def test_nadir_rows_read_the_minimum_of_the_model_after_a_dose():
    """Cinacalcet at 6 h of a 1-day run: PTH falls and recovers; each nadir row reads the lowest
    model value over its window, relative to the model at day 0 as its form says."""
    rows = ("1,pth,nadir,3,pmol/L,1,sd,10,,,x,1\n"
            "1,pth,nadir_change,-3,pmol/L,1,sd,10,,,x,1\n"
            "1,pth,nadir_percent_change,-50,%,10,sd,10,,,x,0.75\n"
            "1,pth,nadir_ratio,0.5,ratio,0.1,sd,10,,,x,1\n"
            "1,pth,change,-3,pmol/L,1,sd,10,,,x,\n"
            "0.25,pth,nadir,3,pmol/L,1,sd,10,,,x,0.25\n")
    record = parse(rows, toml=NADIR_TOML)
    frame = run_experiment(record)
    course = frame.attrs["time_courses"]["synthetic-nadir"]
    times, values = np.asarray(course["time_days"]), np.asarray(course["values"]["pth"])
    low, start = values.min(), values[0]
    assert_allclose(frame["model"], [low, low - start, 100.0 * (low / start - 1.0), low / start,
                                     values[-1] - start, values[times <= 0.25].min()], rtol=1e-6)
    assert frame["model"].iloc[1] < 1.2 * frame["model"].iloc[4] < 0.0  # the fall at its deepest, not at day 1
    assert_allclose(frame["model"].iloc[5], start, rtol=1e-4)  # before the dose: no fall
    png = figure_png(frame, course)
    assert png.startswith(b"\x89PNG")


def test_the_validate_line_names_the_minimum():
    import pandas as pd

    from homeostasis.cli.validate import experiment_line

    row = {"id": "x", "status": "ok", "variable": "pth", "model": -62.0, "measured": -60.0, "spread": float("nan"),
           "unit": "%", "passed": True, "time_days": 15.0, "window_days": 0.5, "rule": "band",
           "low": -100.0, "high": -50.0, "quantity": "nadir_percent_change"}
    assert experiment_line(pd.DataFrame([row])).endswith("(minimum of days 14.5-15)")
