"""Comparison of time courses: clinical units, measured data, intervention markers, the
``homeostasis.compare`` module and the ``homeostasis compare`` command.

Figures are checked on the matplotlib objects (panels, labels, lines, legend texts) rather
than by eye; unit conversions against values quoted in clinical references.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from numpy.testing import assert_allclose

import homeostasis
from homeostasis.cli import main
from homeostasis.compare import (ScenarioSpec, as_specs, concat_frames, parse_spec, run_comparison,
                                 steady_states, summary_table)
from homeostasis.errors import HomeostasisError, ParameterValueError, UnknownNameError
from homeostasis.plotting import RANGE_LABEL, TIME_LABEL, plot_time_courses, save_figure
from homeostasis.clinical_units import CONVERSIONS, convert_frame, factor, range_in_unit
from homeostasis.reference_ranges import reference_range
from helpers import run_cli

FRAME_COLUMNS = ["scenario", "time_days", "variable", "value", "unit"]
PANELS = ["ca_total", "phosphate", "pth"]


def tidy(variable, values, unit, scenario="patient", times=None, sd=None):
    """A small tidy frame of one variable."""
    values = np.atleast_1d(np.asarray(values, float))
    frame = pd.DataFrame({"scenario": scenario, "time_days": np.arange(len(values), dtype=float) if times is None
                          else np.asarray(times, float), "variable": variable, "value": values, "unit": unit})
    if sd is not None:
        frame["sd"] = sd
    return frame


def legend_texts(figure):
    (legend,) = figure.legends
    return [text.get_text() for text in legend.get_texts()]


def vertical_lines(panel):
    """x positions of the vertical marker lines (axvline) of a panel."""
    found = []
    for line in panel.get_lines():
        x, y = line.get_xdata(), line.get_ydata()
        if len(x) == 2 and x[0] == x[1] and list(y) == [0, 1]:
            found.append(float(x[0]))
    return found


def trace_lines(panel):
    return [line for line in panel.get_lines() if not (len(line.get_xdata()) == 2 and list(line.get_ydata()) == [0, 1])]


def band(panel):
    (patch,) = panel.patches
    heights = panel.transData.inverted().transform(patch.get_verts())[:, 1]
    return heights.min(), heights.max()


# --- unit conversions -------------------------------------------------------------------------

@pytest.mark.parametrize("variable, si_value, clinical_value, unit, rtol", [
    ("ca_total", 2.5, 10.02, "mg/dL", 5e-4),         # the textbook pair 2.5 mmol/L = 10.02 mg/dL
    ("ca_total", 1.0, 4.008, "mg/dL", 2e-4),
    ("ca_ionized", 1.25, 5.01, "mg/dL", 1e-3),
    ("phosphate", 1.0, 3.097, "mg/dL", 2e-4),        # as phosphorus, 30.97 g/mol
    ("tmp_gfr", 1.0, 3.097, "mg/dL", 2e-4),
    ("pth", 1.0, 9.43, "pg/mL", 1e-3),               # PTH(1-84), 9425 g/mol
    ("pth", 6.9, 65.0, "pg/mL", 1e-3),               # upper limit 6.9 pmol/L = 65 pg/mL
    ("calcitriol", 1.0, 0.4166, "pg/mL", 2e-4),      # 416.6 g/mol
    ("calcitriol", 100.0, 41.66, "pg/mL", 2e-4),
    ("calcidiol", 75.0, 30.0, "ng/mL", 2e-3),        # 75 nmol/L = 30 ng/mL
    ("urine_ca", 1.0, 40.08, "mg/day", 2e-4),
    ("urine_ca", 7.5, 300.6, "mg/day", 2e-4),        # hypercalciuria threshold, 300 mg/day
    ("gut_ca_absorption", 5.0, 200.4, "mg/day", 2e-4),
    ("bone_ca_balance", -1.0, -40.08, "mg/day", 2e-4),
    ("urine_phosphate", 1.0, 30.97, "mg/day", 2e-4),
    ("gut_phosphate_absorption", 25.0, 774.3, "mg/day", 2e-4),
    ("ca_x_p", 1.0, 12.41, "mg^2/dL^2", 1e-3),
    ("ca_x_p", 2.64, 32.77, "mg^2/dL^2", 1e-3),      # healthy 2.40 x 1.10 mmol^2/L^2
])
def test_clinical_units_match_known_values(variable, si_value, clinical_value, unit, rtol):
    si_unit = CONVERSIONS[variable].si
    clinical = convert_frame(tidy(variable, si_value, si_unit), "clinical")
    assert list(clinical["unit"]) == [unit]
    assert_allclose(clinical["value"], clinical_value, rtol=rtol)
    back = convert_frame(clinical, "si")  # and back again, exactly
    assert list(back["unit"]) == [si_unit]
    assert_allclose(back["value"], si_value, rtol=1e-12)


def test_unit_factor_table_is_what_pint_computes():
    """The shipped table (read instead of pint on every figure and table) holds every SI <->
    clinical conversion, each the factor pint computes to the last bit; regenerate it with
    ``python -m homeostasis.clinical_units`` when units or molar masses change."""
    from homeostasis.clinical_units import factor_table, pint_factor, table_conversions

    table = factor_table()
    assert sorted(table) == sorted(table_conversions())
    for (variable, from_unit, to_unit), value in table.items():
        # exactly: the table stands in for pint bit for bit (figures and tables stay identical)
        assert value == pint_factor(variable, from_unit, to_unit), (variable, from_unit, to_unit)


def test_clinical_conversion_imports_neither_pint_nor_sympy():
    code = ("import sys, pandas as pd; from homeostasis.clinical_units import convert_frame, range_in_unit; "
            "frame = pd.DataFrame({'scenario': ['a'], 'time_days': [0.0], 'variable': ['pth'], 'value': [5.0], "
            "'unit': ['pmol/L']}); convert_frame(frame, 'clinical'); range_in_unit('ca_total', 'mg/dL'); "
            "print(sorted(m for m in ('pint', 'sympy') if m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


def test_units_without_a_clinical_form_are_left_alone():
    frame = pd.concat([tidy("fgf23", 50.0, "pg/mL"), tidy("gfr", 100.0, "mL/min"),
                       tidy("fe_phosphate", 0.1, "fraction"), tidy("parathyroid_mass", 1.0, "relative")])
    converted = convert_frame(frame, "clinical")
    assert list(converted["unit"]) == list(frame["unit"])
    assert_allclose(converted["value"], frame["value"])


def test_conversion_scales_sd_keeps_attrs_and_mixed_input():
    frame = pd.concat([tidy("ca_total", [2.5, 2.4], "mmol/L", sd=[0.1, np.nan]),
                       tidy("pth", 65.0, "pg/mL", sd=[5.0])], ignore_index=True)  # already clinical
    frame.attrs["note"] = "kept"
    converted = convert_frame(frame, "clinical")
    assert_allclose(converted["value"], [10.0195, 9.61872, 65.0], rtol=1e-5)
    assert_allclose(converted["sd"], [0.40078, np.nan, 5.0], rtol=1e-5)
    assert converted.attrs == {"note": "kept"}
    assert_allclose(convert_frame(frame, "si")["value"], [2.5, 2.4, 65.0 / 9.425])
    assert frame["unit"].tolist() == ["mmol/L", "mmol/L", "pg/mL"]  # the input is not modified


def test_reference_ranges_are_converted_alike():
    low, high = range_in_unit("ca_total", "mg/dL")
    entry = reference_range("ca_total")
    assert_allclose([low, high], [entry.low * 4.0078, entry.high * 4.0078])
    assert_allclose(range_in_unit("pth", "pg/mL"), [1.6 * 9.425, 6.9 * 9.425])
    assert range_in_unit("ca_total", "mmol/L") == (entry.low, entry.high)
    assert range_in_unit("bone_ca_balance", "mg/day") is None  # no clinical range
    assert range_in_unit("ca_total", "furlong") is None


def test_bad_units_are_clear_errors():
    with pytest.raises(HomeostasisError, match="units: expected one of si, clinical"):
        convert_frame(tidy("ca_total", 2.5, "mmol/L"), "imperial")
    with pytest.raises(HomeostasisError, match=r"'ca_total' is in 'mg/L'; expected mmol/L \(SI\) or mg/dL"):
        convert_frame(tidy("ca_total", 25.0, "mg/L"), "clinical")
    with pytest.raises(HomeostasisError, match="cannot convert"):
        factor("fgf23", "pg/mL", "pmol/L")


# --- figures in clinical units ----------------------------------------------------------------

@pytest.fixture(scope="module")
def onset():
    """Four months of PHPT and sarcoidosis from the healthy state, in SI units."""
    return run_comparison(["parathyroid-adenoma", "granulomatous-calcitriol"], days=120, step=2,
                          variables=PANELS + ["fgf23", "ca_x_p"])


def test_clinical_figure_labels_values_and_ranges(onset):
    figure = plot_time_courses(onset, variables=["ca_total", "pth", "ca_x_p", "fgf23"], units="clinical")
    calcium, pth, product, fgf23 = figure.axes
    assert calcium.get_ylabel() == "Total calcium (mg/dL)"
    assert pth.get_ylabel() == "PTH (pg/mL)"
    assert product.get_ylabel() == "Calcium \u00d7 phosphate (mg\u00b2/dL\u00b2)"
    assert fgf23.get_ylabel() == "FGF23 (intact) (pg/mL)"  # same unit in both systems
    si = onset[(onset["scenario"] == "parathyroid-adenoma") & (onset["variable"] == "ca_total")]
    assert_allclose(trace_lines(calcium)[0].get_ydata(), si["value"] * 4.0078, rtol=1e-12)
    assert_allclose(band(calcium), (2.15 * 4.0078, 2.60 * 4.0078), rtol=1e-9)
    assert_allclose(band(pth), (1.6 * 9.425, 6.9 * 9.425), rtol=1e-9)
    assert calcium.get_title() == "Total calcium"


def test_units_none_plots_the_frame_as_given(onset):
    clinical = convert_frame(onset, "clinical")
    as_given = plot_time_courses(clinical, variables="pth")
    assert as_given.axes[0].get_ylabel() == "PTH (pg/mL)"
    back = plot_time_courses(clinical, variables="pth", units="si")
    assert back.axes[0].get_ylabel() == "PTH (pmol/L)"
    assert_allclose(band(back.axes[0]), (1.6, 6.9))


def test_legend_names_the_scenarios_in_order(onset):
    figure = plot_time_courses(onset, variables=PANELS)
    assert legend_texts(figure) == ["parathyroid-adenoma", "granulomatous-calcitriol", RANGE_LABEL]
    for panel in figure.axes:
        assert len(trace_lines(panel)) == 2
        assert panel.title.get_fontsize() >= 10 and panel.yaxis.label.get_fontsize() >= 10
    assert [panel.get_xlabel() for panel in figure.axes] == [TIME_LABEL] * 3


def test_healthy_is_a_dashed_reference_line_on_top():
    frame = run_comparison(["healthy", "healthy:ca_intake=24.95,label=almost healthy"], days=20,
                           variables=["ca_total"])
    figure = plot_time_courses(frame)
    healthy, other = trace_lines(figure.axes[0])
    assert healthy.get_linestyle() == "--" and other.get_linestyle() == "-"
    assert healthy.get_zorder() > other.get_zorder()  # visible where the lines coincide
    handles = figure.legends[0].legend_handles
    assert handles[0].get_linestyle() == "--" and handles[1].get_linestyle() == "-"
    assert to_rgba(handles[0].get_color()) == to_rgba(healthy.get_color())


def test_four_panels_make_a_two_by_two_grid(onset):
    figure = plot_time_courses(onset, variables=PANELS + ["fgf23"])
    positions = sorted({round(panel.get_position().x0, 3) for panel in figure.axes})
    assert len(positions) == 2
    assert [panel.get_xlabel() for panel in figure.axes] == ["", "", TIME_LABEL, TIME_LABEL]


def test_labels_do_not_overlap(onset):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = plot_time_courses(onset, units="clinical")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # the constrained layout is final only once drawn
    renderer = canvas.get_renderer()
    legend = figure.legends[0].get_window_extent(renderer)
    titles = [panel.title.get_window_extent(renderer) for panel in figure.axes]
    labels = [panel.yaxis.label.get_window_extent(renderer) for panel in figure.axes]
    for index, panel in enumerate(figure.axes):
        assert not legend.overlaps(panel.get_tightbbox(renderer))
        others = [other.get_tightbbox(renderer) for other in figure.axes if other is not panel]
        assert not any(titles[index].overlaps(box) for box in others)
        assert not any(labels[index].overlaps(box) for box in others)


def test_legend_fits_the_figure_with_long_labels():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    frame = run_comparison(["ckd:gfr_final=45,years=1,label=chronic kidney disease down to 45 mL/min",
                            "ckd:gfr_final=15,years=1,label=chronic kidney disease down to 15 mL/min"],
                           days=30, variables=["pth", "phosphate"],
                           interventions=["phosphate-binder@10", "calcitriol@20"])
    for variables in (["pth"], ["pth", "phosphate"]):
        figure = plot_time_courses(frame, variables=variables)
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        legend = figure.legends[0].get_window_extent(canvas.get_renderer())
        assert legend.x0 >= 0 and legend.x1 <= figure.bbox.width, (legend, figure.bbox)
        assert len(legend_texts(figure)) == 5


# --- measured data ----------------------------------------------------------------------------

def measured_points(panel):
    """(x, y, sd) of the measured points drawn with errorbar in a panel."""
    xs, ys, sds = [], [], []
    for container in panel.containers:
        data_line, _, bars = container.lines
        x, y = data_line.get_data()
        xs += list(x)
        ys += list(y)
        if bars:
            sds += [(segment[1, 1] - segment[0, 1]) / 2 for segment in bars[0].get_segments()]
        else:
            sds += [np.nan] * len(x)
    return np.array(xs), np.array(ys), np.array(sds)


def test_measured_data_are_points_with_error_bars_on_matching_panels(onset):
    measured = pd.concat([
        tidy("ca_total", [2.75, 2.70], "mmol/L", scenario="parathyroid-adenoma", times=[30, 90], sd=[0.05, np.nan]),
        tidy("pth", [100.0], "pg/mL", scenario="parathyroid-adenoma", times=[60], sd=[20.0]),
        tidy("calcidiol", [80.0], "nmol/L", scenario="parathyroid-adenoma", times=[60]),  # no panel: ignored
    ], ignore_index=True)
    figure = plot_time_courses(onset, variables=PANELS, units="clinical", measured=measured)
    calcium, phosphate, pth = figure.axes
    x, y, sd = measured_points(calcium)
    order = np.argsort(x)
    assert_allclose(x[order], [30, 90])
    assert_allclose(y[order], np.array([2.75, 2.70]) * 4.0078)  # converted to the panel's mg/dL
    assert_allclose(sd[order], [0.05 * 4.0078, np.nan])
    assert phosphate.containers == []
    assert_allclose(measured_points(pth)[1:], [[100.0], [20.0]])  # already in pg/mL
    line_colour = trace_lines(calcium)[0].get_color()
    assert to_rgba(calcium.containers[0].lines[0].get_color()) == to_rgba(line_colour)
    assert legend_texts(figure)[-1] == "measured (mean \u00b1 SD)"


def test_measured_only_scenario_gets_its_own_legend_entry(onset):
    measured = tidy("phosphate", [0.8, 0.85], "mmol/L", scenario="patient A", times=[10, 20])
    figure = plot_time_courses(onset, variables=PANELS, measured=measured)
    texts = legend_texts(figure)
    assert texts[:2] == ["parathyroid-adenoma", "granulomatous-calcitriol"]
    assert "patient A" in texts and texts[-1] == "measured"
    assert len(figure.axes[1].containers) == 1


@pytest.mark.parametrize("measured, fragment", [
    (tidy("ca_total", 2.5, "mmol/L").drop(columns="unit"), "missing column(s) unit"),
    (tidy("ca_total", 2.5, "mmol/L").iloc[0:0], "empty"),
    (tidy("ca_total", 2.5, "mmol/L").astype({"value": str}), "'value' must hold numbers"),
    (tidy("calcidiol", 80.0, "nmol/L"), "no rows for the plotted variables"),
    (tidy("ca_total", 25.0, "mg/L"), "cannot convert mg/L to mmol/L"),
    ({"value": [1.0]}, "expected a pandas DataFrame"),
])
def test_bad_measured_data(onset, measured, fragment):
    with pytest.raises(HomeostasisError, match=re.escape(fragment)):
        plot_time_courses(onset, variables=PANELS, measured=measured)


# --- intervention markers ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def treated():
    """PHPT with surgery, sarcoidosis with prednisolone, from their steady states."""
    return run_comparison([ScenarioSpec("parathyroid-adenoma", label="PHPT", interventions=("parathyroidectomy@10",)),
                           ScenarioSpec("granulomatous-calcitriol", label="sarcoidosis",
                                        interventions=("glucocorticoid@20",))],
                          days=40, step=0.5, start="steady", variables=PANELS + ["calcitriol"])


def test_markers_from_a_result_frame():
    result = homeostasis.simulate("healthy", days=30, interventions=["cinacalcet@10:dose_mg=60"])
    figure = plot_time_courses(result.to_frame(["ca_total", "pth"]))
    for panel in figure.axes:
        assert vertical_lines(panel) == [10.0]
    assert legend_texts(figure) == ["healthy", RANGE_LABEL, "cinacalcet, day 10"]
    assert all(vertical_lines(panel) == [] for panel in plot_time_courses(result.to_frame(["pth"]),
                                                                            interventions=False).axes)


def test_markers_per_scenario_take_its_colour(treated):
    figure = plot_time_courses(treated)
    assert treated.attrs["interventions"] == {"PHPT": ["parathyroidectomy@10"],  # one canonical text form
                                              "sarcoidosis": ["glucocorticoid@20:dose_mg_per_day=30"]}
    panel = figure.axes[0]
    assert sorted(vertical_lines(panel)) == [10.0, 20.0]
    colours = {line.get_label(): line.get_color() for line in trace_lines(panel)}
    markers = {float(line.get_xdata()[0]): line.get_color() for line in panel.get_lines() if line not in trace_lines(panel)}
    phpt_colour, sarcoid_colour = (trace_lines(panel)[i].get_color() for i in (0, 1))
    assert to_rgba(markers[10.0]) == to_rgba(phpt_colour)
    assert to_rgba(markers[20.0]) == to_rgba(sarcoid_colour)
    assert legend_texts(figure)[-2:] == ["PHPT: parathyroidectomy, day 10", "sarcoidosis: glucocorticoid, day 20"]
    assert colours


def test_explicit_interventions_override_the_attrs(treated):
    figure = plot_time_courses(treated, variables="pth",
                               interventions=["calcitriol@5:dose_ug_per_day=1", ("diet", 12), 30, 500])
    assert sorted(vertical_lines(figure.axes[0])) == [5.0, 12.0, 30.0]  # day 500 is after the run
    assert legend_texts(figure)[-3:] == ["calcitriol, day 5", "diet, day 12", "intervention, day 30"]
    same_day = plot_time_courses(treated, variables="pth", interventions=["calcitriol@5", "phosphate-binder@5"])
    assert vertical_lines(same_day.axes[0]) == [5.0]
    assert legend_texts(same_day)[-1] == "calcitriol + phosphate-binder, day 5"


def test_log_time_leaves_out_day_zero_markers(treated):
    figure = plot_time_courses(treated, variables="pth", log_time=True, interventions=["glucocorticoid@0", "diet@3"])
    panel = figure.axes[0]
    assert panel.get_xscale() == "log"
    assert vertical_lines(panel) == [3.0]


@pytest.mark.parametrize("interventions, fragment", [
    (["nonsense"], "expected NAME@DAY"),
    (["diet@soon"], "day of 'diet' is not a number"),
    ([object()], "expected 'NAME@DAY' strings"),
])
def test_bad_interventions_argument(treated, interventions, fragment):
    with pytest.raises(HomeostasisError, match=re.escape(fragment)):
        plot_time_courses(treated, interventions=interventions)


@pytest.mark.parametrize("extension, magic", [("png", b"\x89PNG"), ("svg", b"<svg"), ("pdf", b"%PDF")])
def test_full_comparison_figure_files(treated, tmp_path, extension, magic):
    measured = tidy("ca_total", [11.0, 9.4], "mg/dL", scenario="PHPT", times=[5, 35], sd=[0.4, 0.3])
    figure = plot_time_courses(treated, units="clinical", measured=measured)
    path = save_figure(figure, tmp_path / f"comparison.{extension}")
    assert magic in path.read_bytes()[:400]
    assert path.stat().st_size > 5000


@pytest.mark.parametrize("call, error, fragment", [
    (lambda frame: plot_time_courses(frame, variables=["calcitrol"]), UnknownNameError, "did you mean 'calcitriol'"),
    (lambda frame: plot_time_courses(frame.iloc[0:0]), HomeostasisError, "empty"),
    (lambda frame: plot_time_courses(frame.drop(columns=["variable"])), HomeostasisError, "missing column(s) variable"),
    (lambda frame: plot_time_courses(frame, units="metric"), HomeostasisError, "units: expected one of si, clinical"),
])
def test_bad_input_to_plotting(treated, call, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        call(treated)


# --- scenario specs and run_comparison --------------------------------------------------------

@pytest.mark.parametrize("text, scenario, settings, name", [
    ("ckd", "ckd", {}, "ckd"),
    ("ckd:gfr_final=15", "ckd", {"gfr_final": 15.0}, "ckd:gfr_final=15"),
    (" ckd : gfr_final = 15 , years=2 ", "ckd", {"gfr_final": 15.0, "years": 2.0}, "ckd:gfr_final=15,years=2"),
    ("ckd:gfr_final=15,label=CKD G5", "ckd", {"gfr_final": 15.0}, "CKD G5"),
    ("healthy:gfr=1e1", "healthy", {"gfr": 10.0}, "healthy:gfr=10"),
])
def test_parse_spec(text, scenario, settings, name):
    spec = parse_spec(text)
    assert (spec.scenario, spec.settings, spec.shown_label) == (scenario, settings, name)


@pytest.mark.parametrize("text, fragment", [
    ("ckd:gfr_final", "expected NAME=VALUE, got 'gfr_final'"),
    (":gfr=3", "expected SCENARIO[:NAME=VALUE"),
    ("ckd:gfr_final=abc", "gfr_final: expected a finite number"),
    ("ckd:gfr_final=1,gfr_final=2", "gfr_final is set twice"),
    ("ckd:label=", "expected NAME=VALUE"),
])
def test_bad_specs(text, fragment):
    with pytest.raises(HomeostasisError, match=re.escape(fragment)):
        parse_spec(text)


def test_labels_must_be_unique_and_present():
    with pytest.raises(HomeostasisError, match="'ckd' given more than once"):
        as_specs(["ckd", "ckd"])
    with pytest.raises(HomeostasisError, match="at least one scenario"):
        as_specs([])
    assert [spec.shown_label for spec in as_specs(["ckd", "ckd:label=other", homeostasis.load_scenario("healthy")])] == \
        ["ckd", "other", "healthy"]


def test_each_spec_runs_with_its_own_settings():
    frame = run_comparison(["ckd:gfr_final=15,years=1", "ckd:gfr_final=45,years=1"], days=400, step=10,
                           variables=["gfr", "pth"])
    assert list(frame.columns) == FRAME_COLUMNS
    assert list(pd.unique(frame["scenario"])) == ["ckd:gfr_final=15,years=1", "ckd:gfr_final=45,years=1"]
    final = frame[frame["time_days"] == 400].set_index(["scenario", "variable"])["value"]
    assert_allclose([final["ckd:gfr_final=15,years=1", "gfr"], final["ckd:gfr_final=45,years=1", "gfr"]], [15, 45])
    assert final["ckd:gfr_final=15,years=1", "pth"] > final["ckd:gfr_final=45,years=1", "pth"]
    figure = plot_time_courses(frame)
    assert legend_texts(figure)[:2] == ["ckd:gfr_final=15,years=1", "ckd:gfr_final=45,years=1"]


def test_common_parameters_yield_to_spec_settings_and_match_simulate():
    frame = run_comparison(["healthy", "healthy:gfr=40,label=low GFR"], days=30, parameters={"gfr": 60},
                           variables=["gfr", "ca_total"], units="clinical")
    final = frame[frame["time_days"] == 30].set_index(["scenario", "variable"])["value"]
    assert_allclose([final["healthy", "gfr"], final["low GFR", "gfr"]], [60, 40])
    direct = homeostasis.simulate("healthy", days=30, parameters={"gfr": 40})["ca_total"]
    calcium = frame[(frame["scenario"] == "low GFR") & (frame["variable"] == "ca_total")]
    assert_allclose(calcium["value"], direct * 4.0078, rtol=1e-12)
    assert set(calcium["unit"]) == {"mg/dL"}
    assert frame.attrs["runs"]["low GFR"]["changed_parameters"]["gfr"] == 40


def test_everything_is_validated_before_the_first_run(monkeypatch):
    import homeostasis.simulation as simulation

    calls = []
    monkeypatch.setattr(simulation, "simulate", lambda *a, **k: calls.append(a))
    with pytest.raises(ParameterValueError, match="gfr_final"):
        run_comparison(["healthy", "ckd:gfr_final=900"], days=10)
    with pytest.raises(UnknownNameError, match="did you mean 'healthy'"):
        run_comparison(["healthy", "helthy"], days=10)
    with pytest.raises(UnknownNameError, match="did you mean 'ca_total'"):
        run_comparison(["healthy"], days=10, variables=["ca_totl"])
    with pytest.raises(HomeostasisError, match="at least one variable"):
        run_comparison(["healthy"], days=10, variables=[])
    with pytest.raises(UnknownNameError, match="unknown intervention"):
        run_comparison(["healthy"], days=10, interventions=["surgery@3"])
    assert calls == []


def test_concat_frames_keeps_provenance_and_relabels():
    first = homeostasis.simulate("healthy", days=10, interventions=["diet@2"])
    second = homeostasis.simulate("healthy", days=10, parameters={"gfr": 50})
    combined = concat_frames({"diet": first, "GFR 50": second.to_frame(["pth"])})
    assert list(pd.unique(combined["scenario"])) == ["diet", "GFR 50"]
    assert combined.attrs["interventions"]["diet"][0].startswith("diet@2")
    assert combined.attrs["interventions"]["GFR 50"] == []
    assert combined.attrs["runs"]["GFR 50"]["changed_parameters"] == {"gfr": 50}
    assert vertical_lines(plot_time_courses(combined, variables="pth").axes[0]) == [2.0]
    with pytest.raises(HomeostasisError, match="appears in more than one frame"):
        concat_frames([first, second])
    with pytest.raises(HomeostasisError, match="at least one frame"):
        concat_frames({})


def test_steady_states_and_summary_table():
    table = steady_states(["healthy", "ckd:gfr_final=15,label=CKD G5"], variables=["ca_total", "pth", "gfr"],
                          units="clinical")
    assert list(table.columns) == FRAME_COLUMNS
    summary = summary_table(table)
    assert list(summary.columns) == ["unit", "healthy range", "healthy", "CKD G5"]
    assert summary.loc["ca_total", "unit"] == "mg/dL"
    assert summary.loc["ca_total", "healthy range"] == "8.62\u201310.4"
    assert summary.loc["ca_total", "healthy"] == "9.62"  # 2.40 mmol/L
    assert summary.loc["pth", "CKD G5"].endswith("\u2191") and summary.loc["gfr", "CKD G5"].endswith("\u2193")
    assert not any(mark in summary.loc[name, "healthy"] for name in summary.index for mark in "\u2191\u2193")


# --- the compare command ----------------------------------------------------------------------

@pytest.fixture
def figures(monkeypatch):
    """Every figure the command saves (the file is still written)."""
    import homeostasis.plotting as plotting

    saved, original = [], plotting.save_figure
    monkeypatch.setattr(plotting, "save_figure", lambda figure, *a, **k: (saved.append(figure), original(figure, *a, **k))[1])
    return saved


@pytest.mark.parametrize("extension, magic", [("png", b"\x89PNG"), ("svg", b"<svg"), ("pdf", b"%PDF")])
def test_compare_writes_the_figure(tmp_path, capsys, figures, extension, magic):
    target = tmp_path / f"ckd.{extension}"
    status, out, err = run_cli(capsys, "compare", "ckd:gfr_final=15", "ckd:gfr_final=45", "--days", 60,
                               "--plot", target)
    assert status == 0, err
    assert magic in target.read_bytes()[:400]
    assert f"wrote {target}" in out and "ckd:gfr_final=15" in out.splitlines()[2]
    (figure,) = figures
    assert legend_texts(figure)[:2] == ["ckd:gfr_final=15", "ckd:gfr_final=45"]
    # the scenario's own variables (those that show CKD) come first
    from homeostasis.plotting.labels import title
    from homeostasis.scenarios.base import load_scenario

    assert [panel.get_title() for panel in figure.axes][:3] == \
        [title(name) for name in load_scenario("ckd").default_variables[:3]] == ["GFR", "FGF23 (intact)", "Phosphate"]


def test_compare_csv_in_clinical_units(tmp_path, capsys, figures):
    out_file, plot_file = tmp_path / "table.csv", tmp_path / "figure.png"
    status, _, err = run_cli(capsys, "compare", "healthy", "healthy:gfr=30,label=CKD G3b", "--days", 20,
                             "--step", 1, "--variables", "ca_total, pth,fgf23", "--units", "clinical",
                             "--intervention", "calcitriol@5", "--set", "ca_intake=20", "--start", "steady",
                             "--out", out_file, "--plot", plot_file)
    assert status == 0, err
    table = pd.read_csv(out_file)
    assert list(table.columns) == FRAME_COLUMNS
    assert list(pd.unique(table["scenario"])) == ["healthy", "CKD G3b"]
    assert list(pd.unique(table["variable"])) == ["ca_total", "pth", "fgf23"]
    assert dict(zip(table["variable"], table["unit"])) == {"ca_total": "mg/dL", "pth": "pg/mL", "fgf23": "pg/mL"}
    expected = run_comparison(["healthy", "healthy:gfr=30,label=CKD G3b"], days=20, step=1,
                              variables=["ca_total", "pth", "fgf23"], parameters={"ca_intake": 20},
                              interventions=["calcitriol@5"], start="steady", units="clinical")
    assert_allclose(table["value"], expected["value"], rtol=1e-9)
    (figure,) = figures
    assert [panel.get_ylabel() for panel in figure.axes] == ["Total calcium (mg/dL)", "PTH (pg/mL)", "FGF23 (intact) (pg/mL)"]
    assert vertical_lines(figure.axes[0]) == [5.0]
    assert legend_texts(figure)[-1] == "calcitriol, day 5 (all but healthy)"  # the reference is left untreated
    healthy = table[(table["scenario"] == "healthy") & (table["variable"] == "ca_total")]["value"]
    assert_allclose(healthy, healthy.iloc[0], rtol=1e-4)  # untreated: only a slow drift


def test_compare_overlays_measured_data_on_a_log_axis(tmp_path, capsys, figures):
    data = tmp_path / "measured.csv"
    tidy("pth", [4.0, 5.5], "pmol/L", scenario="healthy", times=[3, 9], sd=[0.5, 0.8]).to_csv(data, index=False)
    status, _, err = run_cli(capsys, "compare", "healthy", "--days", 10, "--variables", "pth", "--units", "clinical",
                             "--data", data, "--log-time", "--plot", tmp_path / "figure.svg")
    assert status == 0, err
    (figure,) = figures
    x, y, sd = measured_points(figure.axes[0])
    assert_allclose(y, [4.0 * 9.425, 5.5 * 9.425])
    assert_allclose(sd, [0.5 * 9.425, 0.8 * 9.425])
    assert figure.axes[0].get_xscale() == "log"


def test_compare_never_overwrites_without_force(tmp_path, capsys):
    plot_file, out_file = tmp_path / "kept.png", tmp_path / "kept.csv"
    plot_file.write_bytes(b"keep")
    out_file.write_text("keep\n")
    status, out, err = run_cli(capsys, "compare", "healthy", "--days", 5, "--plot", plot_file, "--out", out_file)
    assert status == 2 and len(err.strip().splitlines()) == 1 and "already exists" in err
    assert plot_file.read_bytes() == b"keep" and out_file.read_text() == "keep\n"
    status, _, _ = run_cli(capsys, "compare", "healthy", "--days", 5, "--plot", plot_file, "--out", out_file, "--force")
    assert status == 0
    assert plot_file.read_bytes().startswith(b"\x89PNG")
    assert list(pd.read_csv(out_file).columns) == FRAME_COLUMNS


@pytest.mark.parametrize("arguments, fragments", [
    (["helthy"], ["unknown scenario 'helthy'", "did you mean 'healthy'"]),
    (["ckd:gfr_final"], ["expected NAME=VALUE, got 'gfr_final'"]),
    (["ckd:gfr_fnal=3"], ["unknown parameter or knob 'gfr_fnal'", "'gfr_final'"]),
    (["ckd:gfr_final=900"], ["gfr_final: expected a value in [1, 150]"]),
    (["ckd", "ckd"], ["'ckd' given more than once", "label=TEXT"]),
    (["healthy", "--variables", "ca_totl"], ["unknown variable 'ca_totl'", "did you mean 'ca_total'"]),
    (["healthy", "--variables", " , "], ["--variables: expected NAME"]),
    (["healthy", "--units", "mg"], ["--units", "invalid choice"]),
    (["healthy", "--days", "0"], ["days", "positive"]),
    (["healthy", "--set", "gfr"], ["NAME=VALUE"]),
    (["healthy", "--intervention", "surgery@3"], ["unknown intervention 'surgery'"]),
    (["healthy", "--intervention", "diet"], ["expected NAME@DAY"]),
    (["healthy", "--data", "no-such-file.csv"], ["--data", "does not exist"]),
    (["healthy", "--start", "sideways"], ["--start"]),
])
def test_compare_bad_input_exits_2_with_one_line(tmp_path, capsys, arguments, fragments):
    target = tmp_path / "figure.png"
    status, out, err = run_cli(capsys, "compare", *arguments, "--plot", target)
    assert status == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err
    assert not target.exists()


@pytest.mark.parametrize("arguments, fragment", [
    (["compare", "healthy"], "the following arguments are required: --plot"),
    (["compare", "--plot", "x.png"], "the following arguments are required: SCENARIO"),
    (["compare", "healthy", "--plot", "figure.xyz"], ".png"),
])
def test_compare_usage_errors(capsys, arguments, fragment):
    status, _, err = run_cli(capsys, *arguments)
    assert status == 2 and len(err.strip().splitlines()) == 1 and fragment in err


def test_compare_bad_measured_file(tmp_path, capsys):
    data = tmp_path / "measured.csv"
    data.write_text("time,value\n1,2\n")
    status, _, err = run_cli(capsys, "compare", "healthy", "--days", 5, "--data", data, "--plot", tmp_path / "f.png")
    assert status == 2 and "missing column(s) scenario" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "f.png").exists()
