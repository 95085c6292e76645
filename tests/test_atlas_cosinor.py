"""Circadian rows in the atlas: a 24-h cosine fitted to the model over the row's window
(``cosinor_amplitude`` in the variable's unit, ``cosinor_acrophase`` as a clock hour), what
circadian studies report (Nelson et al. 1979 Chronobiologia 6:305)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from homeostasis.atlas import run_experiment
from homeostasis.atlas.report import figure_png
from homeostasis.atlas.runner import cosinor

from helpers import SYNTHETIC_SOURCE, assert_refused, parse_synthetic

TOML = """\
id = "synthetic-rhythm"
title = "Synthetic circadian PTH profile"
mechanisms = ["daily-rhythm"]
split = "holdout"
figure_read = false

""" + SYNTHETIC_SOURCE + """
[protocol]
scenario = "healthy"
settings = { pth_rhythm_amplitude = 0.25 }
start = "steady"
days = 2.0

[acceptance]
rule = "RULE"
"""


def parse(rows: str, rule: str = "within"):
    return parse_synthetic(TOML, rows, rule, "synthetic-rhythm.toml")


@pytest.mark.parametrize("peak_hour", [2.5, 23.0, 13.25])
def test_cosinor_recovers_a_known_cosine(peak_hour):
    times = np.linspace(3.0, 4.0, 97)
    values = 3.0 + 0.5 * np.cos(2 * np.pi * (times - peak_hour / 24.0))
    mesor, amplitude, acrophase = cosinor(times, values, 3.0, 4.0)
    assert_allclose([mesor, amplitude, acrophase], [3.0, 0.5, peak_hour], atol=1e-3)


def test_a_second_harmonic_leaves_the_24_h_fit_alone():
    times = np.linspace(0.0, 1.0, 289)
    values = 1.0 + 0.2 * np.cos(2 * np.pi * (times - 0.125)) + 0.1 * np.cos(4 * np.pi * times)
    assert_allclose(cosinor(times, values, 0.0, 1.0), [1.0, 0.2, 3.0], atol=1e-3)


@pytest.mark.parametrize(("row", "rule", "fragment"), [
    ("2.0,pth,cosinor_amplitude,0.5,pmol/L,0.1,sd,5,,,x,\n", "within", "window_days"),
    ("2.0,pth,cosinor_acrophase,23,pmol/L,4,sd,5,,,x,1\n", "within", "'h' for quantity cosinor_acrophase"),
    ("2.0,pth,cosinor_amplitude,0.5,pmol/L,,none,5,,,x,1\n", "direction", "rule direction"),
])
def test_a_badly_written_cosinor_row_is_refused(row, rule, fragment):
    assert_refused(parse, row, rule, fragment)


def test_a_record_reads_the_model_rhythm_and_wraps_the_acrophase_to_the_measured_hour():
    """The release rhythm of 0.25 peaking at 03:00 gives PTH a cosinor amplitude of ~12 % of its
    mean (the calcium feedback halves it) with an acrophase near 01:10, read as 25.2 h next to a
    measured 23:00 (0.433 pmol/L and 25.19 h since the distal PTH gain's lower branch of the tenth
    session, dct_pth_lower_hill 5, lets the kidney answer the rhythm's trough; 0.46 and 25.4 before)."""
    record = parse("2.0,pth,cosinor_amplitude,0.46,pmol/L,0.1,sd,5,,,x,1\n"
                   "2.0,pth,cosinor_acrophase,23,h,2,sd,5,,,x,1\n")
    frame = run_experiment(record)
    assert_allclose(frame["model"], [0.433, 25.2], rtol=0.05)
    assert list(frame["unit"]) == ["pmol/L", "h"]
    png = figure_png(frame, frame.attrs["time_courses"]["synthetic-rhythm"])
    assert png.startswith(b"\x89PNG")


def test_the_validate_line_names_the_cosine():
    import pandas as pd

    from homeostasis.cli.validate import experiment_line

    row = {"id": "x", "status": "ok", "variable": "pth", "model": 0.44, "measured": 0.76, "spread": 0.21,
           "unit": "pmol/L", "passed": True, "time_days": 4.0, "window_days": 1.0, "rule": "within",
           "low": float("nan"), "high": float("nan"), "quantity": "cosinor_amplitude"}
    assert experiment_line(pd.DataFrame([row])).endswith("(24-h cosine amplitude of days 3-4)")
