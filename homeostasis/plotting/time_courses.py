"""Time-course figures from the tidy table of ``Result.to_frame()``.

One panel per observable, one line per scenario (the hue), the healthy range shaded, optional
clinical units (:mod:`.plotting_units`), intervention times and measured data
(:mod:`.plotting_overlays`), optional log time axis.

matplotlib is imported inside the functions, never at module import: a simulation on a
cluster node should neither pay for nor need a plotting stack. The lines are drawn with
matplotlib itself (what ``seaborn.lineplot`` did here with ``estimator=None``: one sorted line
per scenario): importing seaborn imports ``scipy.stats``, 1.5 s of the README's first command. Figures are
made with ``matplotlib.figure.Figure`` rather than pyplot, so no GUI backend is touched and
no global figure list grows when many figures are drawn in a loop.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd

from ..errors import HomeostasisError, UnknownNameError
from .overlays import (checked_measured, draw_markers, draw_measured, intervention_markers,
                                measured_in_units, measured_legend, require_tidy_frame)
from ..clinical_units import check_unit_system, convert_frame, range_in_unit
from .labels import DAYS_PER_YEAR, axis_label, display_unit, time_label, time_unit, title

REQUIRED_COLUMNS = ("scenario", "time_days", "variable", "value", "unit")
PANEL_WIDTH_INCHES = 4.0
PANEL_HEIGHT_INCHES = 2.8
MAX_COLUMNS = 3
LEGEND_COLUMNS = 4  # at most, in the legend above a figure
RANGE_LABEL = "healthy reference range"
RANGE_COLOUR = "0.55"
RANGE_ALPHA = 0.2
TIME_LABEL = "time (days)"
SAVE_DPI = 150
LINE_WIDTH = 1.8
REFERENCE_SCENARIO = "healthy"  # drawn as a dark dashed reference line
REFERENCE_COLOUR = "0.15"
REFERENCE_DASHES = (4, 1.5)
FLAT_TOLERANCE = 1e-6  # relative y span below which a trace counts as constant


def plot_time_courses(frame: pd.DataFrame, *, variables=None, axes=None, log_time: bool = False,
                      units=None, measured=None, interventions=None, time_units="auto"):
    """One panel per variable, one line per scenario, the healthy range shaded.

    Parameters
    ----------
    frame : tidy table with columns ``scenario, time_days, variable, value, unit``; concatenate
        several ``result.to_frame()`` tables (or use :mod:`homeostasis.compare`) to compare
        scenarios. The ``scenario`` column names the lines and the legend entries; a scenario
        named ``healthy`` is drawn as a dark dashed reference line.
    variables : names to plot, in panel order (default: every variable in the frame).
    axes : matplotlib Axes to draw into, one per variable (default: a new figure).
    log_time : logarithmic time axis (rows at day 0 or earlier are left out).
    units : ``"si"`` (mmol/L, pmol/L, mmol/day), ``"clinical"`` (mg/dL, pg/mL, mg/day) or None
        (as in the frame). Values, reference ranges and measured data are converted alike.
    measured : tidy table of measured data in the same schema, optionally with an ``sd``
        column; drawn as points with error bars on the panels of its variables, in the
        colour of the scenario of the same name.
    interventions : vertical lines at intervention days. None (default): those recorded in
        ``frame.attrs["interventions"]``; False: none; or a list of ``"NAME@DAY"`` strings,
        Intervention objects, ``(name, day)`` tuples or days, or a ``{scenario: list}`` dict.
    time_units : ``"auto"`` (hours below 2 days, years from 2 years on, else days), or
        ``"hours"``, ``"days"``, ``"years"``.

    Returns the matplotlib Figure.
    """
    check_unit_system(units)
    data = _checked_frame(frame)
    names = _chosen_variables(data, variables)
    data = convert_frame(data[data["variable"].isin(names)], units)
    if measured is not None:
        measured = checked_measured(measured, REQUIRED_COLUMNS)
    if log_time:
        data = data[data["time_days"] > 0]
        if data.empty:
            raise HomeostasisError("log_time: the frame has no rows after day 0 to plot")
    panel_units = {name: _unit_of(data[data["variable"] == name], name) for name in names}
    points = None if measured is None else measured_in_units(measured, panel_units, log_time)
    unit, per = _time_scale(data["time_days"], time_units)
    data = data.assign(time_days=data["time_days"] / per)
    if points is not None:
        points = points.assign(time_days=points["time_days"] / per)
    figure, panels = _panels(len(names), axes)
    scenarios = list(pd.unique(data["scenario"]))
    extra = [] if points is None else [s for s in pd.unique(points["scenario"]) if s not in scenarios]
    palette = _palette(scenarios + extra)
    shaded = False
    for panel, name in zip(panels, names):
        shaded |= _draw_panel(panel, data[data["variable"] == name], name, palette, scenarios, log_time)
        if points is not None and (points["variable"] == name).any():
            draw_measured(panel, points[points["variable"] == name], palette)
    markers = intervention_markers(interventions, getattr(frame, "attrs", {}), scenarios)
    time_range = (data["time_days"].min(), data["time_days"].max())
    extras = draw_markers(panels, markers, palette, time_range, log_time, per=per)
    if points is not None:
        extras += measured_legend(points, scenarios, palette)
    _label_time_axes(panels, axes is None, time_label(unit))
    _add_legend(figure, panels, {s: palette[s] for s in scenarios}, shaded, extras, own_figure=axes is None)
    return figure


def _draw_panel(panel, subset: pd.DataFrame, name: str, palette: dict, scenarios, log_time: bool) -> bool:
    """One variable's traces, range and labels; True if a reference range was shaded."""
    unit = _unit_of(subset, name)
    _draw_lines(panel, subset, palette, scenarios)
    for line in panel.get_lines():  # the healthy reference stays visible where a disease overlaps it
        if line.get_color() == REFERENCE_COLOUR:
            line.set_zorder(2.5)
    shaded = _shade_reference(panel, name, unit)
    panel.set_ylabel(axis_label(name, unit), visible=True)
    panel.set_title(title(name), fontsize="medium", fontweight="bold")
    _pad_flat_axis(panel, subset["value"])
    if log_time:
        panel.set_xscale("log")
    return shaded


def save_figure(figure, path, *, overwrite: bool = False, dpi: float | None = None) -> Path:
    """Write ``figure`` to ``path``; the format follows the extension (png, svg, pdf, ...)."""
    from matplotlib.figure import Figure

    from ..outputs import write_atomically

    if not isinstance(figure, Figure):
        raise TypeError(f"figure: expected a matplotlib Figure, got {type(figure).__name__}")
    target = check_figure_path(path, overwrite=overwrite)
    file_format = target.suffix.lstrip(".").lower()  # the temporary file's name has no such suffix
    return write_atomically(target, lambda t: figure.savefig(t, dpi=dpi or SAVE_DPI, format=file_format), overwrite=overwrite)


def check_figure_path(path, *, overwrite: bool = False) -> Path:
    """Validate an output path before any work: known format, existing folder, no clobbering."""
    from matplotlib.backend_bases import FigureCanvasBase

    from ..outputs import check_output

    formats = {"." + f for f in FigureCanvasBase.get_supported_filetypes()}
    if not any(shutil.which(tex) for tex in ("xelatex", "pdflatex", "lualatex")):
        formats.discard(".pgf")  # PGF output needs a LaTeX installation
    return check_output(path, formats=formats, overwrite=overwrite, what="figure")


def _checked_frame(frame) -> pd.DataFrame:
    data = require_tidy_frame(frame, REQUIRED_COLUMNS, name="frame", purpose="plot",
                              not_a_frame="expected a pandas DataFrame from Result.to_frame()",
                              expected=f"the columns of Result.to_frame(): {', '.join(REQUIRED_COLUMNS)}")
    if data["value"].dtype.kind not in "fiu":
        raise HomeostasisError(f"frame: expected numbers in the 'value' column, got {data['value'].dtype} values")
    if data["value"].isna().all():
        raise HomeostasisError("frame: expected numeric values in the 'value' column, got only NaN")
    return data


def _chosen_variables(data: pd.DataFrame, variables) -> list[str]:
    present = list(pd.unique(data["variable"]))
    if variables is None:
        return present
    from ..simulation.results import current_names

    names = current_names([variables] if isinstance(variables, str) else variables)
    if not names:
        raise HomeostasisError("variables: expected at least one variable name")
    for name in names:
        if name not in present:
            raise UnknownNameError("variable", name, present)
    return names


def _unit_of(subset: pd.DataFrame, name: str) -> str:
    units = list(pd.unique(subset["unit"]))
    if len(units) != 1:
        raise HomeostasisError(f"variable {name!r} has {len(units)} units in the frame ({units}); expected one")
    return str(units[0])


def _panels(count: int, axes):
    """Axes to draw into: the caller's, or a new grid of up to MAX_COLUMNS columns."""
    if axes is not None:
        panels = [axes] if hasattr(axes, "plot") else list(axes)
        if len(panels) != count:
            raise HomeostasisError(f"axes: expected {count} Axes (one per variable), got {len(panels)}")
        return panels[0].figure, panels
    from matplotlib.figure import Figure

    columns = _column_count(count)
    rows = math.ceil(count / columns)
    # constrained layout keeps labels from overlapping and makes room for an outside legend
    figure = Figure(figsize=(PANEL_WIDTH_INCHES * columns, PANEL_HEIGHT_INCHES * rows + 0.5),
                    layout="constrained")
    grid = figure.subplots(rows, columns, sharex=True, squeeze=False).ravel()
    for spare in grid[count:]:
        spare.remove()
    return figure, list(grid[:count])


def _draw_lines(panel, subset: pd.DataFrame, palette: dict, scenarios) -> None:
    """One line per scenario in ``scenarios`` order, sorted by time, rows without a value left
    out (as ``seaborn.lineplot(..., estimator=None)`` drew them)."""
    for scenario in scenarios:
        rows = subset[subset["scenario"] == scenario].dropna(subset=["time_days", "value"])
        if rows.empty:
            continue
        rows = rows.sort_values(["time_days", "value"])
        dashes = _dashes(scenario)
        panel.plot(rows["time_days"].to_numpy(), rows["value"].to_numpy(), color=palette[scenario],
                   linewidth=LINE_WIDTH, markeredgewidth=0.75, markeredgecolor="w",
                   **({"dashes": dashes} if dashes else {"linestyle": "-"}))


def _palette(scenarios) -> dict:
    """Colour of each scenario: matplotlib's colour cycle (what ``seaborn.color_palette()``
    gives), and dark grey for the healthy reference."""
    from itertools import cycle, islice

    from matplotlib import rcParams
    from matplotlib.colors import to_rgb

    others = [name for name in scenarios if name != REFERENCE_SCENARIO]
    cycle_colours = rcParams["axes.prop_cycle"].by_key().get("color", [".5"])
    colours = dict(zip(others, (to_rgb(c) for c in islice(cycle(cycle_colours), len(others)))))
    return {name: colours.get(name, REFERENCE_COLOUR) for name in scenarios}


def _dashes(scenario: str):
    return REFERENCE_DASHES if scenario == REFERENCE_SCENARIO else ""


def _column_count(count: int) -> int:
    """Columns of a new grid: up to MAX_COLUMNS, but 2 x 2 rather than 3 + 1 for four panels."""
    return 2 if count == 4 else min(count, MAX_COLUMNS)


def _shade_reference(panel, name: str, unit: str) -> bool:
    """Shade the healthy range (converted to the plotted unit) where one exists; True if shaded."""
    limits = range_in_unit(name, unit)
    if limits is None:
        return False
    panel.axhspan(*limits, color=RANGE_COLOUR, alpha=RANGE_ALPHA, linewidth=0, zorder=0)
    return True


def _pad_flat_axis(panel, values: pd.Series) -> None:
    """Give a constant trace a readable y range instead of an offset like '1e-15 + 2.4'."""
    panel.ticklabel_format(axis="y", useOffset=False)
    low, high = panel.get_ylim()
    middle = float(values.mean())
    scale = abs(middle) if abs(middle) > FLAT_TOLERANCE else 1.0  # round-off around zero is zero
    if high - low < FLAT_TOLERANCE * scale:
        panel.set_ylim(middle - 0.05 * scale, middle + 0.05 * scale)


def _time_scale(days: pd.Series, time_units) -> tuple[str, float]:
    if time_units == "auto":
        return time_unit(float(days.max() - min(float(days.min()), 0.0)))
    known = {"hours": 1.0 / 24.0, "days": 1.0, "years": DAYS_PER_YEAR}
    if time_units not in known:
        raise HomeostasisError(f"time_units: expected one of auto, {', '.join(known)}, got {time_units!r}")
    return time_units, known[time_units]


def _label_time_axes(panels, own_figure: bool, label: str = TIME_LABEL) -> None:
    """Time label and tick labels only under the last panel of each column of a shared grid."""
    columns = _column_count(len(panels))
    for index, panel in enumerate(panels):
        bottom = not own_figure or index + columns >= len(panels)
        panel.tick_params(axis="x", labelbottom=bottom)
        # seaborn hides a label whose tick labels were hidden, so visibility is set explicitly
        panel.set_xlabel(label if bottom else "", visible=bottom)


def _add_legend(figure, panels, palette: dict, shaded: bool, extras, own_figure: bool) -> None:
    """One legend for all panels: scenarios by colour, the shaded range, then markers and data."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color=colour, linewidth=2, dashes=_dashes(name) or (None, None))
               for name, colour in palette.items()]
    labels = list(palette)
    if shaded:
        handles.append(Patch(facecolor=RANGE_COLOUR, alpha=RANGE_ALPHA))
        labels.append(RANGE_LABEL)
    handles += [handle for handle, _ in extras]
    labels += [label for _, label in extras]
    if own_figure:
        figure.legend(handles, labels, loc="outside upper center", frameon=False,
                      ncols=_legend_columns(labels, figure.get_figwidth() * 72.0))
    else:  # the caller owns the layout, so stay inside their first Axes
        panels[0].legend(handles, labels, fontsize="small")


def _legend_columns(labels, width_points: float) -> int:
    """The most columns (up to LEGEND_COLUMNS, rows balanced) whose labels fit the figure width."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(size=rcParams["legend.fontsize"])
    size = font.get_size_in_points()
    widths = [TextToPath().get_text_width_height_descent(label, font, ismath=False)[0] for label in labels]
    handle = (rcParams["legend.handlelength"] + rcParams["legend.handletextpad"]
              + rcParams["legend.columnspacing"]) * size
    for wanted in range(min(LEGEND_COLUMNS, len(labels)), 1, -1):
        rows = math.ceil(len(labels) / wanted)  # balanced rows, filled column by column
        columns = math.ceil(len(labels) / rows)
        needed = sum(max(widths[start:start + rows]) + handle for start in range(0, len(labels), rows))
        if needed <= width_points:
            return columns
    return 1
