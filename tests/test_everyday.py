"""Everyday use (issue 17): treated beside untreated in one comparison, figures a person would
show (words and units on every axis, the scenario's own variables, a readable time axis, the
real dose profile), sensible defaults, outputs as users expect, and the SED-ML beside the SBML.

Figures are checked on the matplotlib objects; tables are read back and compared with the
package's own runs.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import homeostasis
from homeostasis.cli import main
from homeostasis.compare import parse_spec, run_comparison
from homeostasis.errors import HomeostasisError, UnknownNameError
from homeostasis.plotting import plot_time_courses
from homeostasis.plotting.labels import axis_label, time_unit, title
from helpers import run_cli

FRAME_COLUMNS = ["scenario", "time_days", "variable", "value", "unit"]


@pytest.fixture
def figures(monkeypatch):
    """Every figure the command line saves, kept for inspection."""
    import homeostasis.plotting as plotting
    import homeostasis.plotting.time_courses as time_courses

    kept, original = [], time_courses.save_figure

    def keep(figure, path, **options):
        kept.append((figure, options))
        return original(figure, path, **options)

    monkeypatch.setattr(plotting, "save_figure", keep)
    return kept


def legend_texts(figure):
    (legend,) = figure.legends
    return [text.get_text() for text in legend.get_texts()]


# --- the compare spec grammar ------------------------------------------------------------------

@pytest.mark.parametrize("text, scenario, settings, interventions, name", [
    ("parathyroid-adenoma+parathyroidectomy@300", "parathyroid-adenoma", {}, [("parathyroidectomy", 300.0)],
     "parathyroid-adenoma+parathyroidectomy@300"),
    ("ckd:gfr_final=20+cinacalcet@10:dose_mg=60,every_hours=24", "ckd", {"gfr_final": 20.0},
     [("cinacalcet", 10.0)], "ckd:gfr_final=20+cinacalcet@10"),
    ("ckd:gfr_final=20,intervention=cinacalcet@10:dose_mg=60;every_hours=24,label=treated", "ckd",
     {"gfr_final": 20.0}, [("cinacalcet", 10.0)], "treated"),
    ("healthy:gfr=1e+1", "healthy", {"gfr": 10.0}, [], "healthy:gfr=10"),
    ("parathyroid-adenoma+parathyroidectomy@300+calcitriol@301", "parathyroid-adenoma", {},
     [("parathyroidectomy", 300.0), ("calcitriol", 301.0)], "parathyroid-adenoma+parathyroidectomy@300+calcitriol@301"),
])
def test_spec_grammar(text, scenario, settings, interventions, name):
    spec = parse_spec(text)
    assert spec.scenario == scenario and spec.settings == settings and spec.name == name
    assert [(i.name, i.day) for i in spec.interventions] == interventions


def test_spec_options_reach_the_intervention():
    (dose,) = parse_spec("ckd+cinacalcet@10:dose_mg=60,every_hours=24").interventions
    (same,) = parse_spec("ckd:intervention=cinacalcet@10:dose_mg=60;every_hours=24").interventions
    assert dose.options == same.options
    assert_allclose([dose.options["dose_mg"], dose.options["every_hours"]], [60, 24])


@pytest.mark.parametrize("text, error, fragment", [
    ("ckd+", HomeostasisError, "expected NAME@DAY after '+'"),
    ("ckd+surgery@3", UnknownNameError, "unknown intervention 'surgery'"),
    ("ckd+cinacalcet@soon", HomeostasisError, "intervention day: expected a finite number"),
    ("ckd:intervention=cinacalcet", HomeostasisError, "expected NAME@DAY"),
    ("ckd+cinacalcet@1:nonsense=2", HomeostasisError, "nonsense"),
    ("ckd:gfr_final", HomeostasisError, "expected NAME=VALUE"),
])
def test_bad_specs_are_one_line_errors(text, error, fragment):
    with pytest.raises(error) as raised:
        parse_spec(text)
    message = str(raised.value)
    assert fragment in message and "\n" not in message, message


def test_bad_spec_on_the_command_line_is_one_line(tmp_path, capsys):
    status, _, err = run_cli(capsys, "compare", "healthy", "ckd+surgery@3", "--plot", tmp_path / "x.png")
    assert status == 2 and len(err.strip().splitlines()) == 1 and "surgery" in err, err
    assert not (tmp_path / "x.png").exists()


def test_treated_beside_untreated_and_the_reference_left_alone():
    # size 6: with the post-operative remodelling transient (hungry bone: formation outlasts the
    # fall in resorption by the mineralisation lag) PTH 20 days after surgery is ~3.6 pmol/L, and a
    # size-4 adenoma (PTH 7.2, 1x ULN) is too mild to show a halving
    frame = run_comparison(["healthy", "parathyroid-adenoma:size=6",
                            "parathyroid-adenoma:size=6,label=operated+parathyroidectomy@20"],
                           days=40, step=1, variables=["ca_total", "pth"], start="steady",
                           interventions=["diet@5"])
    final = frame[frame["time_days"] == 40].set_index(["scenario", "variable"])["value"]
    labels = list(pd.unique(frame["scenario"]))
    untreated, treated = labels[1], labels[2]
    assert treated == "operated"
    assert final[treated, "pth"] < 0.5 * final[untreated, "pth"]  # the operation lowers PTH
    assert frame.attrs["interventions"]["healthy"] == []  # the shared diet never reaches the reference
    assert any("diet" in item for item in frame.attrs["interventions"][untreated])
    figure = plot_time_courses(frame)
    texts = legend_texts(figure)
    assert texts[:3] == ["healthy", untreated, "operated"]
    assert "diet, day 5 (all but healthy)" in texts
    assert "operated: parathyroidectomy, day 20" in texts


# --- figures -----------------------------------------------------------------------------------

def test_labels_in_words_with_units():
    assert axis_label("ca_total", "mmol/L") == "Total calcium (mmol/L)"
    assert axis_label("saturation_lesion", "dimensionless") == "Lesion saturation (log10 IAP/Ksp)"
    assert axis_label("ca_x_p", "mmol^2/L^2") == "Calcium \u00d7 phosphate (mmol\u00b2/L\u00b2)"
    assert title("mineral_lesion") == "Calcinosis lesion mineral"
    assert [time_unit(d)[0] for d in (0.5, 30, 3650)] == ["hours", "days", "years"]


def test_every_observable_has_a_title_in_words():
    for name in homeostasis.simulate("healthy", days=1).observable_names:
        assert "_" not in title(name), name


def test_run_systemic_sclerosis_shows_calcinosis_by_default(tmp_path, capsys, figures):
    status, out, err = run_cli(capsys, "run", "systemic-sclerosis", "--days", 30, "--plot", tmp_path / "s.png",
                               "--dpi", 50)
    assert status == 0, err
    ((figure, options),) = figures
    assert options["dpi"] == 50
    titles = [panel.get_title() for panel in figure.axes]
    assert titles[:2] == ["Calcinosis lesion mineral", "Lesion saturation"]
    assert figure.axes[1].get_ylabel() == "Lesion saturation (log10 IAP/Ksp)"
    assert figure.axes[0].get_ylabel() == "Calcinosis lesion mineral (mmol)"
    assert "mineral_lesion" in out  # the printed final values follow the figure


def test_run_variables_units_log_time_and_data(tmp_path, capsys, figures):
    data = tmp_path / "data.csv"
    pd.DataFrame({"scenario": "x", "time_days": [2.0, 10.0], "variable": "ca_total", "value": [9.6, 9.8],
                  "unit": "mg/dL", "sd": [0.2, 0.2]}).to_csv(data, index=False)
    status, _, err = run_cli(capsys, "run", "hypoparathyroidism", "--days", 20, "--variables",
                             "ca_total,pth,mineral_renal_interstitium", "--units", "clinical", "--log-time",
                             "--data", data, "--plot", tmp_path / "h.svg")
    assert status == 0, err
    ((figure, _),) = figures
    labels = [panel.get_ylabel() for panel in figure.axes]
    assert labels == ["Total calcium (mg/dL)", "PTH (pg/mL)", "Renal interstitium mineral (mmol)"]
    assert figure.axes[0].get_xscale() == "log"
    assert figure.axes[-1].get_xlabel() == "time (days)"
    assert "measured (mean \u00b1 SD)" in legend_texts(figure)


def test_short_runs_in_hours_and_long_ones_in_years():
    hours = plot_time_courses(homeostasis.simulate("healthy", days=1).to_frame(["pth"]))
    assert hours.axes[0].get_xlabel() == "time (hours)"
    assert_allclose(max(hours.axes[0].get_lines()[0].get_xdata()), 24.0)
    years = plot_time_courses(homeostasis.simulate("healthy", days=1461, step=30).to_frame(["pth"]))
    assert years.axes[0].get_xlabel() == "time (years)"


def test_run_ckd_shows_its_whole_decline(tmp_path, capsys):
    out = tmp_path / "ckd.csv"
    status, _, err = run_cli(capsys, "run", "ckd", "--set", "years=0.5", "--out", out)
    assert status == 0, err
    table = pd.read_csv(out)
    assert_allclose(table["time_days"].max(), 0.5 * 365.25)
    gfr = table[table["variable"] == "gfr"]
    assert_allclose(gfr["value"].iloc[-1], 15.0, rtol=1e-9)  # the end of the decline is reached


def test_doses_are_sampled_finely_enough_or_at_troughs(tmp_path, capsys):
    profile, trough = tmp_path / "p.csv", tmp_path / "t.csv"
    for path, sample in ((profile, "profile"), (trough, "trough")):
        status, _, err = run_cli(capsys, "run", "parathyroid-adenoma", "--days", 10, "--start", "steady",
                                 "--intervention", "cinacalcet@0:every_hours=12", "--sample", sample, "--out", path)
        assert status == 0, err
    pth = {name: pd.read_csv(path).query("variable == 'pth'") for name, path in (("p", profile), ("t", trough))}
    step = np.diff(pth["p"]["time_days"].to_numpy())
    assert step.max() <= 0.5 / 16 + 1e-9  # 16 points per 12-hour interval: peaks and troughs both seen
    direct = homeostasis.simulate("parathyroid-adenoma", start="steady", interventions=["cinacalcet@0:every_hours=12"],
                                  times=np.linspace(0, 10, 4001))["pth"]
    assert_allclose(pth["p"]["value"].min(), direct.min(), rtol=0.02)
    assert_allclose(pth["p"]["value"].max(), direct.max(), rtol=0.02)
    days = pth["t"]["time_days"].to_numpy()
    assert_allclose(days[1:-1] % 0.5, 0.5, atol=1e-5)  # just before each dose
    troughs = pth["t"]["value"].to_numpy()[3:-1]  # after the first doses
    rises = np.diff(troughs)
    # a smooth trough line, no sawtooth: it falls while the drug accumulates and may turn once,
    # rising as calcium falls and the adenoma escapes (PTH recovers between doses, Shoback 2003)
    assert np.count_nonzero(np.diff(np.sign(rises))) <= 1
    last_day = pth["p"][pth["p"]["time_days"] >= 9]["value"]
    fine_last_day = direct[np.linspace(0, 10, 4001) >= 9]
    # the profile shows each dose's swing as a fine grid does (the troughs alone cannot)
    assert_allclose(last_day.max() - last_day.min(), fine_last_day.max() - fine_last_day.min(), rtol=0.1)


@pytest.mark.parametrize("arguments, fragment", [
    (("--dpi", "0"), "--dpi"),
    (("--variables", "ca_totl"), "did you mean 'ca_total'"),
])
def test_bad_figure_options_are_one_line(tmp_path, capsys, arguments, fragment):
    status, _, err = run_cli(capsys, "run", "healthy", "--days", 2, "--plot", tmp_path / "x.png", *arguments)
    assert status == 2 and len(err.strip().splitlines()) == 1 and fragment in err, err


def test_steady_state_variables_and_clinical_units(capsys):
    status, out, err = run_cli(capsys, "steady-state", "systemic-sclerosis", "--variables", "ca_total,mineral_lesion",
                               "--units", "clinical", "--format", "csv")
    assert status == 0, err
    table = pd.read_csv(io.StringIO(out)).set_index("variable")
    assert list(table.index) == ["ca_total", "mineral_lesion"]
    assert table.loc["ca_total", "unit"] == "mg/dL"
    assert_allclose(table.loc["ca_total", "value"], homeostasis.steady_state("systemic-sclerosis")["ca_total"] * 4.0078,
                    rtol=1e-6)


# --- outputs -----------------------------------------------------------------------------------

def test_parquet_round_trip(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    path = tmp_path / "run.parquet"
    status, _, err = run_cli(capsys, "run", "healthy", "--days", 5, "--out", path)
    assert status == 0, err
    assert path.read_bytes()[:4] == b"PAR1"
    table = pd.read_parquet(path)
    assert list(table.columns) == FRAME_COLUMNS
    direct = homeostasis.simulate("healthy", days=5).to_frame()
    assert_allclose(table["value"], direct["value"], rtol=1e-12)


def test_out_dash_is_csv_on_stdout(tmp_path, capsys):
    status, out, err = run_cli(capsys, "run", "healthy", "--days", 5, "--out", "-")
    assert status == 0, err
    assert not (tmp_path / "-").exists()
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == FRAME_COLUMNS
    assert_allclose(table["value"], homeostasis.simulate("healthy", days=5).to_frame()["value"], rtol=1e-9)


def test_unknown_out_extension_is_refused(tmp_path, capsys):
    status, _, err = run_cli(capsys, "run", "healthy", "--days", 5, "--out", tmp_path / "x.xlsx")
    assert status == 2 and ".parquet" in err and not (tmp_path / "x.xlsx").exists(), err


def test_progress_only_on_a_terminal():
    from homeostasis.plotting.progress import progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    shown, hidden = Terminal(), io.StringIO()
    for stream in (shown, hidden):
        with progress(3, "compare", stream=stream) as advance:
            for label in "abc":
                advance(label)
    assert hidden.getvalue() == ""
    assert "compare: 3/3 done" in shown.getvalue() and shown.getvalue().endswith("\n")


def test_one_label_for_interventions_on_the_same_day():
    frame = run_comparison(["parathyroid-adenoma:label=PHPT+parathyroidectomy@10",
                            "granulomatous-calcitriol:label=sarcoidosis+glucocorticoid@10"],
                           days=20, step=1, variables=["pth"], start="steady")
    figure = plot_time_courses(frame)
    texts = legend_texts(figure)
    assert texts[-1] == "PHPT: parathyroidectomy; sarcoidosis: glucocorticoid, day 10"
    assert sum("day 10" in text for text in texts) == 1


def test_a_long_run_is_announced_on_a_terminal_only():
    from homeostasis.plotting.progress import announced

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    shown, hidden, quiet = Terminal(), io.StringIO(), Terminal()
    for stream, show in ((shown, True), (hidden, True), (quiet, False)):
        with announced("ckd: simulating 3652 days", stream=stream, show=show):
            pass
    assert re.fullmatch(r"ckd: simulating 3652 days \.\.\. done in \d+\.\d s\n", shown.getvalue())
    assert hidden.getvalue() == "" and quiet.getvalue() == ""


def test_steady_state_draws_its_approach_on_a_log_axis(tmp_path, capsys, figures):
    status, out, err = run_cli(capsys, "steady-state", "hypoparathyroidism", "--variables", "ca_total,pth",
                               "--units", "clinical", "--plot", tmp_path / "approach.png", "--log-time")
    assert status == 0, err
    ((figure, _),) = figures
    panel = figure.axes[0]
    assert panel.get_xscale() == "log" and panel.get_ylabel() == "Total calcium (mg/dL)"
    (line,) = [l for l in panel.get_lines() if len(l.get_xdata()) > 2]
    x = np.asarray(line.get_xdata(), float)
    assert figure.axes[-1].get_xlabel() == "time (years)"
    assert x.min() < 1e-4 and x.max() == pytest.approx(3650 / 365.25)  # ten years, from minutes on
    steady = homeostasis.steady_state("hypoparathyroidism")["ca_total"] * 4.0078
    # it ends near the steady state (within 5 %: the skeleton, held fixed in steady_state, still
    # exchanges mineral with the bone-cell model during the ten simulated years)
    assert_allclose(np.asarray(line.get_ydata(), float)[-1], steady, rtol=5e-2)
    assert "hypoparathyroidism" in out and "wrote" in out
