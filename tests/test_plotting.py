"""Time-course figures, checked on the matplotlib objects rather than by eye."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest
from numpy.testing import assert_allclose

import homeostasis
from homeostasis.errors import HomeostasisError, UnknownNameError
from homeostasis.plotting.labels import axis_label
from homeostasis.plotting import RANGE_LABEL, TIME_LABEL, plot_time_courses, save_figure
from homeostasis.reference_ranges import reference_range

VARIABLES = ["ca_total", "phosphate", "pth", "bone_ca_balance"]


@pytest.fixture(scope="module")
def two_scenarios() -> pd.DataFrame:
    """Healthy, and healthy on a low calcium intake under another scenario name."""
    healthy = homeostasis.simulate("healthy", days=60).to_frame(VARIABLES)
    low_calcium = homeostasis.simulate("healthy", days=60, parameters={"ca_intake": 10}).to_frame(VARIABLES)
    low_calcium["scenario"] = "low calcium diet"
    return pd.concat([healthy, low_calcium], ignore_index=True)


def shaded_limits(panel):
    """(low, high) in data units of each shaded band (patch) in a panel."""
    limits = []
    for patch in panel.patches:
        heights = panel.transData.inverted().transform(patch.get_verts())[:, 1]
        limits.append((heights.min(), heights.max()))
    return limits


def test_one_panel_per_variable_with_units_on_the_axis(two_scenarios):
    figure = plot_time_courses(two_scenarios)
    assert len(figure.axes) == len(VARIABLES)
    for panel, name in zip(figure.axes, VARIABLES):
        unit = two_scenarios.loc[two_scenarios["variable"] == name, "unit"].iloc[0]
        assert panel.get_ylabel() == axis_label(name, unit)  # words and unit: "Total calcium (mmol/L)"
    labelled = [panel for panel in figure.axes if panel.get_xlabel() == TIME_LABEL]
    assert labelled  # the bottom panel of every column names the time axis
    assert all(panel.xaxis.label.get_visible() for panel in labelled)


def test_scenarios_are_lines_and_legend_entries(two_scenarios):
    figure = plot_time_courses(two_scenarios, variables=["ca_total", "pth"])
    for panel in figure.axes:
        assert len(panel.get_lines()) == 2
    colours = [line.get_color() for line in figure.axes[0].get_lines()]
    assert colours[0] != colours[1]
    (legend,) = figure.legends
    assert [text.get_text() for text in legend.get_texts()] == ["healthy", "low calcium diet", RANGE_LABEL]


def test_lines_carry_the_values(two_scenarios):
    figure = plot_time_courses(two_scenarios, variables=["pth"])
    healthy = two_scenarios[(two_scenarios["scenario"] == "healthy") & (two_scenarios["variable"] == "pth")]
    x_values, y_values = figure.axes[0].get_lines()[0].get_data()
    assert_allclose(x_values, healthy["time_days"].to_numpy())
    assert_allclose(y_values, healthy["value"].to_numpy())


def test_healthy_range_is_shaded_where_one_exists(two_scenarios):
    figure = plot_time_courses(two_scenarios, variables=["ca_total", "bone_ca_balance"])
    calcium_panel, bone_panel = figure.axes
    entry = reference_range("ca_total")
    (band,) = shaded_limits(calcium_panel)
    assert_allclose(band, (entry.low, entry.high), rtol=1e-9)
    assert shaded_limits(bone_panel) == []  # net bone balance has no clinical range


def test_no_range_means_no_range_legend_entry(two_scenarios):
    figure = plot_time_courses(two_scenarios, variables=["bone_ca_balance"])
    texts = [text.get_text() for text in figure.legends[0].get_texts()]
    assert RANGE_LABEL not in texts


def test_flat_trace_gets_a_readable_axis():
    frame = homeostasis.simulate("healthy", days=10).to_frame(["bone_ca_balance"])
    (panel,) = plot_time_courses(frame).axes
    low, high = panel.get_ylim()
    assert high - low > 0.01  # not a 1e-15 window around round-off


def test_log_time_axis(two_scenarios):
    figure = plot_time_courses(two_scenarios, variables="ca_total", log_time=True)
    panel = figure.axes[0]
    assert panel.get_xscale() == "log"
    x_values = panel.get_lines()[0].get_xdata()
    assert x_values.min() > 0


def test_draws_into_given_axes(two_scenarios):
    from matplotlib.figure import Figure

    figure = Figure()
    panels = figure.subplots(1, 2)
    returned = plot_time_courses(two_scenarios, variables=["ca_total", "pth"], axes=panels)
    assert returned is figure
    assert panels[1].get_ylabel() == "PTH (pmol/L)"
    assert panels[0].get_legend() is not None


@pytest.mark.parametrize("variables, error, fragment", [
    (["ca_totl"], UnknownNameError, "did you mean 'ca_total'"),
    (["gfr"], UnknownNameError, "unknown variable 'gfr'"),  # a real observable, but not in the frame
    ([], HomeostasisError, "at least one"),
])
def test_bad_variable_names(two_scenarios, variables, error, fragment):
    with pytest.raises(error, match=re.escape(fragment)):
        plot_time_courses(two_scenarios, variables=variables)


def test_empty_frame_and_missing_columns(two_scenarios):
    with pytest.raises(HomeostasisError, match="empty"):
        plot_time_courses(two_scenarios.iloc[0:0])
    with pytest.raises(HomeostasisError, match="missing column.*unit"):
        plot_time_courses(two_scenarios.drop(columns="unit"))
    with pytest.raises(HomeostasisError, match="DataFrame"):
        plot_time_courses(two_scenarios.to_dict())


def test_wrong_number_of_axes(two_scenarios):
    from matplotlib.figure import Figure

    with pytest.raises(HomeostasisError, match="expected 2 Axes"):
        plot_time_courses(two_scenarios, variables=["ca_total", "pth"], axes=Figure().subplots(1, 3))


@pytest.mark.parametrize("extension, magic", [("png", b"\x89PNG"), ("svg", b"<svg"), ("pdf", b"%PDF")])
def test_save_figure_formats(two_scenarios, tmp_path, extension, magic):
    path = save_figure(plot_time_courses(two_scenarios), tmp_path / f"figure.{extension}")
    assert magic in path.read_bytes()[:400]


def test_save_figure_refuses_to_overwrite_and_unknown_formats(two_scenarios, tmp_path):
    figure = plot_time_courses(two_scenarios, variables="pth")
    existing = tmp_path / "figure.png"
    existing.write_bytes(b"keep")
    with pytest.raises(HomeostasisError, match="already exists"):
        save_figure(figure, existing)
    assert existing.read_bytes() == b"keep"
    save_figure(figure, existing, overwrite=True)
    assert existing.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(HomeostasisError, match=r"\.png"):
        save_figure(figure, tmp_path / "figure.docx")


def test_importing_the_package_does_not_import_matplotlib():
    code = ("import sys, homeostasis, homeostasis.plotting, homeostasis.cli; "
            "print(sorted(m for m in ('matplotlib', 'seaborn') if m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


def test_a_figure_imports_neither_seaborn_nor_scipy_stats_nor_pint():
    """Drawn with matplotlib alone (seaborn imports scipy.stats, 1.5 s of the first command);
    clinical units come from the shipped factor table (pint and SymPy cost ~1 s)."""
    code = ("import sys, pandas as pd; from homeostasis.plotting import plot_time_courses; "
            "frame = pd.DataFrame({'scenario': ['healthy', 'healthy', 'b', 'b'], 'time_days': [0.0, 1.0] * 2, "
            "'variable': ['pth'] * 4, 'value': [5.0, 5.1, 6.0, 6.5], 'unit': ['pmol/L'] * 4}); "
            "plot_time_courses(frame, units='clinical'); "
            "print(sorted(m for m in ('seaborn', 'scipy.stats', 'pint', 'sympy') if m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


def test_every_observable_has_a_title_in_words():
    # panel titles read as a clinician writes them ("Lumbar spine BMD", "CTX"), never the
    # capitalised variable name ("Bmd lumbar spine", "Ctx") that an unlisted observable gets
    from homeostasis.numerics.cache import compile_model
    from homeostasis.plotting.labels import TITLES, title

    names = compile_model().observable_names
    assert [name for name in names if name not in TITLES] == []
    assert title("bmd_lumbar_spine") == "Lumbar spine BMD"
    assert title("p1np").startswith("P1NP")
