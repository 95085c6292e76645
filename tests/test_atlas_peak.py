"""Peak rows in the atlas: the maximum of the model over the row's window (``peak``, a level) or
its rise above the model at the baseline day (``peak_change``), what a paper's Cmax, 'peak' or
'concentration maximum' measures (a mean of each subject's maximum, whatever its time)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from homeostasis.atlas import run_experiment
from homeostasis.atlas.report import figure_png
from homeostasis.atlas.runner import window_peak
from homeostasis.errors import HomeostasisError

from helpers import SYNTHETIC_SOURCE, parse_synthetic

TOML = """\
id = "synthetic-peak"
title = "Synthetic single oral dose of vitamin D3"
mechanisms = ["vitamin-d"]
split = "holdout"
figure_read = false

""" + SYNTHETIC_SOURCE + """
[protocol]
scenario = "healthy"
interventions = ["vitamin-d3@0:dose_iu=25000"]
start = "steady"
days = 20.0

[acceptance]
rule = "RULE"
"""


def parse(rows: str, rule: str = "within"):
    return parse_synthetic(TOML, rows, rule, "synthetic-peak.toml")


def bateman(times, ka=1.0, ke=0.1):
    """A one-compartment oral dose: maximum at ln(ka/ke)/(ka - ke)."""
    return ka / (ka - ke) * (np.exp(-ke * times) - np.exp(-ka * times))


def test_the_peak_of_a_one_compartment_dose_is_found_between_samples():
    times = np.linspace(0.0, 20.0, 41)  # half-day samples: the peak (day 2.558) falls between two
    tmax = np.log(10.0) / 0.9
    assert_allclose(window_peak(times, bateman(times), 0.0, 20.0), bateman(np.array(tmax)), rtol=2e-3)


def test_a_window_after_the_peak_reads_its_first_moment():
    times = np.linspace(0.0, 20.0, 2001)
    assert_allclose(window_peak(times, bateman(times), 5.0, 10.0), bateman(np.array(5.0)), rtol=1e-9)


def test_the_peak_of_a_mean_curve_is_below_the_mean_of_individual_peaks():
    """Two subjects peaking at days 1.58 and 5.49 (ka 2.0 and 0.3): the mean of their maxima (a
    paper's Cmax) exceeds the maximum of their mean curve, which is what one model subject gives
    (here by 11 %)."""
    times = np.linspace(0.0, 20.0, 4001)
    fast, slow = bateman(times, ka=2.0), bateman(times, ka=0.3)
    mean_of_maxima = 0.5 * (window_peak(times, fast, 0.0, 20.0) + window_peak(times, slow, 0.0, 20.0))
    exact = 0.5 * (bateman(np.log(20.0) / 1.9, ka=2.0) + bateman(np.log(3.0) / 0.2, ka=0.3))
    assert_allclose(mean_of_maxima, exact, rtol=1e-5)
    assert window_peak(times, 0.5 * (fast + slow), 0.0, 20.0) < 0.9 * mean_of_maxima


@pytest.mark.parametrize(("row", "rule", "fragment"), [
    ("20,calcidiol,peak_change,6.6,ng/mL,2.6,sd,16,,,x,\n", "within", "window_days"),
    ("20,calcidiol,peak,30,ng/mL,2.6,sd,16,,,x,20\n", "direction", "rule direction"),
])
def test_a_badly_written_peak_row_is_refused(row, rule, fragment):
    with pytest.raises(HomeostasisError) as error:
        parse(row, rule)
    assert fragment in str(error.value)


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
