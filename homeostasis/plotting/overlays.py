"""What is drawn over the simulated time courses: intervention times and measured data.

Intervention times come from ``frame.attrs["interventions"]`` (``Result.to_frame()`` writes
strings like ``"cinacalcet@10:dose_mg=60"``, the one text form of
:mod:`homeostasis.protocol.interventions`; :func:`homeostasis.compare.run_comparison` writes a
``{scenario: [...]}`` dict) or from an explicit argument in the same forms. Measured data is a
tidy frame like the simulated one, optionally with an ``sd`` column, drawn as points with
error bars on the panels of its variables. matplotlib is imported inside the functions only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import HomeostasisError
from ..clinical_units import factor
from ..protocol.interventions import split_intervention

MARKER_COLOUR = "0.25"
MARKER_STYLES = ("--", ":", "-.", (0, (5, 2, 1, 2)))
MEASURED_LABEL = "measured"
SHARED_REFERENCE = "healthy"  # the reference that interventions for every scenario leave alone


@dataclass(frozen=True)
class Marker:
    """An intervention starting on ``day``; ``scenarios`` empty means every scenario."""

    day: float
    name: str
    scenarios: tuple = ()
    shared: bool = False  # given for every scenario but the healthy reference


def intervention_markers(given, attrs: dict, scenarios) -> list[Marker]:
    """Markers from ``given`` (False: none; None: from ``attrs``) for the plotted scenarios."""
    if given is False:
        return []
    source = attrs.get("interventions") if given is None else given
    if not source:
        return []
    if isinstance(source, dict):
        by_scenario = {str(label): _entries(items) for label, items in source.items() if label in scenarios}
    else:
        by_scenario = {None: _entries(source)}
    grouped: dict[tuple, list] = {}
    for label, entries in by_scenario.items():
        for day, name in entries:
            grouped.setdefault((day, name), []).append(label)
    shared = {_entries(item)[0] for item in attrs.get("shared_interventions", ())}
    merged: dict[tuple, list] = {}  # interventions on the same day for the same patients share a line
    for (day, name), labels in sorted(grouped.items()):
        everyone = (day, name) in shared
        common = everyone or None in labels or set(labels) >= set(scenarios)
        merged.setdefault((day, () if common else tuple(labels), everyone and SHARED_REFERENCE in scenarios),
                          []).append(name)
    markers = [Marker(day, " + ".join(dict.fromkeys(names)), labels, everyone)
               for (day, labels, everyone), names in merged.items()]
    return _one_per_day(markers, list(scenarios))


def _one_per_day(markers, scenarios) -> list[Marker]:
    """Different interventions of different scenarios on one day share one line and one label
    ("PHPT: parathyroidectomy; CKD: cinacalcet, day 300"), not a stack of labels."""
    by_day: dict[float, list] = {}
    for marker in markers:
        by_day.setdefault(marker.day, []).append(marker)
    out = []
    for day, group in by_day.items():
        if len(group) == 1:
            out.append(group[0])
            continue
        group.sort(key=lambda m: min((scenarios.index(s) for s in m.scenarios if s in scenarios), default=-1))
        parts = [(f"{', '.join(m.scenarios)}: " if m.scenarios else "") + m.name for m in group]
        out.append(Marker(day, "; ".join(parts), (), any(m.shared for m in group)))
    return out


def _entries(items) -> list[tuple[float, str]]:
    """(day, name) of each intervention given as a string, Intervention, tuple or number."""
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        items = [items]
    entries = []
    for item in items:
        if isinstance(item, str):
            parts = split_intervention(item)
            if parts is None:
                raise HomeostasisError(f"interventions: expected NAME@DAY[:...], got {item!r}")
            name, day = parts[:2]
        elif hasattr(item, "name") and hasattr(item, "day"):
            name, day = item.name, item.day
        elif isinstance(item, (int, float, np.number)):
            name, day = "intervention", item
        elif isinstance(item, tuple) and len(item) >= 2:
            name, day = item[0], item[1]
        else:
            raise HomeostasisError(f"interventions: expected 'NAME@DAY' strings, Interventions, (name, day) "
                                   f"tuples or days, got {item!r}")
        try:
            day = float(day)
        except (TypeError, ValueError):
            raise HomeostasisError(f"interventions: day of {name!r} is not a number: {day!r}") from None
        entries.append((day, str(name)))
    return entries


def draw_markers(panels, markers, palette: dict, time_range, log_time: bool, per: float = 1.0) -> list:
    """Vertical lines at the intervention days; returns (handle, label) pairs for the legend."""
    from matplotlib.lines import Line2D

    legend = []
    low, high = time_range
    several = len(palette) > 1
    for index, marker in enumerate(markers):
        if not low <= marker.day / per <= high or (log_time and marker.day <= 0):
            continue
        only_one = len(marker.scenarios) == 1
        colour = palette.get(marker.scenarios[0], MARKER_COLOUR) if only_one else MARKER_COLOUR
        style = dict(color=colour, linestyle=MARKER_STYLES[index % len(MARKER_STYLES)], linewidth=1.2)
        for panel in panels:
            panel.axvline(marker.day / per, zorder=1, **style)
        label = f"{marker.name}, day {marker.day:g}" + (f" (all but {SHARED_REFERENCE})" if marker.shared else "")
        if marker.scenarios and several:
            label = f"{', '.join(marker.scenarios)}: {label}"
        legend.append((Line2D([], [], **style), label))
    return legend


def require_tidy_frame(frame, required, *, name, not_a_frame, expected, purpose) -> pd.DataFrame:
    """A DataFrame with the ``required`` columns and at least one row, or a clear error.

    ``not_a_frame`` is the message for another type (", got TYPE" is added); ``name`` starts
    the other messages ("frame", "measured data"); ``expected`` completes "expected ..." for a
    missing column and ``purpose`` completes "... is empty: nothing to ...".
    """
    if not isinstance(frame, pd.DataFrame):
        raise HomeostasisError(f"{not_a_frame}, got {type(frame).__name__}")
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise HomeostasisError(f"{name} is missing column(s) {', '.join(missing)}; expected {expected}")
    if frame.empty:
        raise HomeostasisError(f"{name} is empty: nothing to {purpose}")
    return frame


def checked_measured(measured, required) -> pd.DataFrame:
    """Validate a measured-data frame: the tidy columns, numbers, at least one row."""
    require_tidy_frame(measured, required, name="measured data", not_a_frame="measured: expected a pandas DataFrame",
                       expected=f"{', '.join(required)} and optionally sd", purpose="overlay")
    numeric = ["time_days", "value"] + (["sd"] if "sd" in measured.columns else [])
    for column in numeric:
        if not pd.api.types.is_numeric_dtype(measured[column]):
            raise HomeostasisError(f"measured data: column {column!r} must hold numbers")
    return measured


def measured_in_units(measured: pd.DataFrame, panel_units: dict, log_time: bool) -> pd.DataFrame:
    """Rows of measured data on the plotted panels, converted to each panel's unit."""
    rows = measured[measured["variable"].isin(list(panel_units))].copy()
    if rows.empty:
        raise HomeostasisError(f"measured data has no rows for the plotted variables "
                               f"({', '.join(panel_units)}); it has {', '.join(map(str, pd.unique(measured['variable'])))}")
    columns = ["value", "sd"] if "sd" in rows.columns else ["value"]
    rows[columns] = rows[columns].astype(float)
    for (variable, unit), index in rows.groupby(["variable", "unit"], sort=False).groups.items():
        scale = factor(variable, str(unit), panel_units[variable])
        rows.loc[index, columns] = rows.loc[index, columns] * scale
        rows.loc[index, "unit"] = panel_units[variable]
    return rows[rows["time_days"] > 0] if log_time else rows


def draw_measured(panel, rows: pd.DataFrame, palette: dict) -> None:
    """Points (with ± sd error bars where an sd is given) in the colour of their scenario."""
    style = dict(fmt="o", markersize=5.5, markeredgecolor="white", markeredgewidth=0.6, elinewidth=1.0,
                 capsize=2.5, zorder=4, label="_measured")
    for scenario, points in rows.groupby("scenario", sort=False):
        sd = points["sd"].to_numpy(float) if "sd" in points.columns else np.full(len(points), np.nan)
        for has_sd in (True, False):
            chosen = points[~np.isnan(sd) == has_sd]
            if not chosen.empty:
                panel.errorbar(chosen["time_days"].to_numpy(float), chosen["value"].to_numpy(float),
                               yerr=chosen["sd"].to_numpy(float) if has_sd else None,
                               color=palette[scenario], **style)


def measured_legend(rows: pd.DataFrame, simulated, palette: dict) -> list:
    """Legend entries: measured-only scenarios by colour, and one 'measured' entry."""
    from matplotlib.lines import Line2D

    def point(colour):
        return Line2D([], [], color=colour, marker="o", linestyle="none", markersize=5)

    extra = [(point(palette[name]), name) for name in pd.unique(rows["scenario"]) if name not in simulated]
    with_sd = "sd" in rows.columns and rows["sd"].notna().any()
    return extra + [(point(MARKER_COLOUR), f"{MEASURED_LABEL} (mean \u00b1 SD)" if with_sd else MEASURED_LABEL)]
