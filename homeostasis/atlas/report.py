"""The atlas report: a score table and one figure per experiment, as Markdown and as one HTML file.

The HTML embeds its figures (base64 PNG) so it can be mailed or attached to a CI run as a
single file; the PNGs are also written under ``figures/`` for the Markdown index. matplotlib
is imported here only, and only through its object API (no pyplot state, Agg canvas).
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import HomeostasisError
from .records import COSINOR_QUANTITIES, EXTREME_QUANTITIES, extreme_kind
from .runner import experiment_table, model_quantity, summary, variable_title, without_attrs

HOURS_BELOW_DAYS = 3.0  # shorter runs are read in hours
_QUANTITY_LABELS = {"absolute": "{title}", "change": "Change in {lower}", "percent_change": "Change in {lower}",
                    "ratio": "{title} / baseline", "cosinor_amplitude": "{title}: 24-h cosine amplitude",
                    "cosinor_acrophase": "{title}: acrophase (clock hour)", "peak": "{title}: maximum",
                    "peak_change": "Maximal rise in {lower}", "peak_percent_change": "Maximal rise in {lower}",
                    "peak_ratio": "{title}: maximum / baseline", "nadir": "{title}: minimum",
                    "nadir_change": "Maximal fall in {lower}", "nadir_percent_change": "Maximal fall in {lower}",
                    "nadir_ratio": "{title}: minimum / baseline"}


def write_report(frame: pd.DataFrame, directory, *, force: bool = False) -> Path:
    """Write ``index.md``, ``index.html`` and ``figures/<id>.png`` for a :func:`validate` table.

    Refuses a non-empty ``directory`` unless ``force`` (a report must not silently replace
    another); every file is written atomically. Returns the path of ``index.html``.
    """
    folder = Path(directory)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())) and not force:
        raise HomeostasisError(f"report directory: expected a new or empty directory (or force=True), "
                               f"got {folder} with files in it")
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    courses = frame.attrs.get("time_courses", {})
    version = frame.attrs.get("homeostasis_version", "")
    frame = without_attrs(frame)
    images = {}
    for experiment_id, rows in frame.groupby("id", sort=False):
        images[experiment_id] = figure_png(rows, courses.get(experiment_id))
        _write_atomic(folder / "figures" / f"{experiment_id}.png", images[experiment_id])
    _write_atomic(folder / "index.md", markdown(frame, version).encode("utf-8"))
    _write_atomic(folder / "index.html", html_page(frame, images, version).encode("utf-8"))
    return folder / "index.html"


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes the file private
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------- figures

def figure_png(rows: pd.DataFrame, course, *, dpi: int = 100) -> bytes:
    """One experiment's figure as PNG bytes: a panel per measured variable (and quantity)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = list(dict.fromkeys(zip(rows["variable"], rows["quantity"])))
    columns = min(len(panels), 3)
    lines = math.ceil(len(panels) / columns)
    width = max(4.2 * columns, 6.0)
    figure = Figure(figsize=(width, 3.3 * lines + 0.9), layout="constrained")
    FigureCanvasAgg(figure)
    axes = np.atleast_1d(figure.subplots(lines, columns, squeeze=False)).ravel()
    for axis, (variable, quantity) in zip(axes, panels):
        selected = rows[(rows["variable"] == variable) & (rows["quantity"] == quantity)]
        _panel(axis, selected, course, variable, quantity)
    for axis in axes[len(panels):]:
        axis.set_visible(False)
    first = rows.iloc[0]
    figure.suptitle(textwrap.fill(f"{first['title']} \u2014 {first['source']}", width=int(width * 11)),
                    fontsize=10)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _panel(axis, rows: pd.DataFrame, course, variable: str, quantity: str) -> None:
    """Model line, published points (SEM error bars or low-high band) and the verdict in the corner."""
    days = float(rows["days"].iloc[0])
    hours = days < HOURS_BELOW_DAYS
    scale = 24.0 if hours else 1.0
    if quantity in COSINOR_QUANTITIES:  # one fitted number per row, not a time course
        axis.plot(rows["time_days"].to_numpy(float) * scale, rows["model"].to_numpy(float), "D", color="C0",
                  label="model")
    elif course and variable in course["values"]:
        times, values = np.asarray(course["time_days"]), np.asarray(course["values"][variable])
        baseline = float(np.interp(course["baseline_day"], times, values))
        axis.plot(times * scale, model_quantity(values, baseline, quantity), color="C0", label="model")
    if quantity in EXTREME_QUANTITIES:
        _levels(axis, rows, scale, extreme_kind(quantity))
    else:
        _points(axis, rows, scale)
    axis.set_xlim(-0.02 * days * scale, 1.02 * days * scale)
    unit = rows["unit"].iloc[0]
    title = variable_title(variable)
    axis.set_ylabel(f"{_QUANTITY_LABELS[quantity].format(title=title, lower=_lower(title))} ({unit})")
    axis.set_xlabel("time (hours)" if hours else "time (days)")
    axis.legend(fontsize=7, loc="best", frameon=False)
    verdict, colour = _verdict(rows, rows["status"].iloc[0])
    axis.set_title(title, loc="left", fontsize=9)
    axis.set_title(verdict, loc="right", fontsize=9, fontweight="bold", color=colour)


def _levels(axis, rows: pd.DataFrame, scale: float, extreme: str) -> None:
    """A published maximum (minimum) is a level over the row's window, not a value at one time: a dashed line
    across the window (ends marked, for a window too short to see), the band's limits (or the mean
    +/- SEM) shaded."""
    for row in rows.itertuples(index=False):
        start, end = (row.time_days - row.window_days) * scale, row.time_days * scale
        low, high = (row.low, row.high) if row.rule == "band" else (row.measured - row.spread, row.measured + row.spread)
        axis.fill_between([start, end], low, high, color="C3", alpha=0.15, linewidth=0)
        if np.isfinite(row.measured):
            axis.plot([start, end], [row.measured] * 2, "o--", color="C3", markersize=4, label=f"published {extreme}")


def _points(axis, rows: pd.DataFrame, scale: float) -> None:
    times = rows["time_days"].to_numpy(float) * scale
    measured = rows["measured"].to_numpy(float)
    bands = rows[["low", "high"]].notna().all(axis=1).to_numpy() & (rows["rule"] == "band").to_numpy()
    if bands.any():
        low, high = rows["low"].to_numpy(float)[bands], rows["high"].to_numpy(float)[bands]
        middle = np.where(np.isnan(measured[bands]), (low + high) / 2, measured[bands])
        axis.errorbar(times[bands], middle, yerr=[middle - low, high - middle], fmt="s", color="C3",
                      mfc="none", capsize=4, label="published range")
    points = ~bands & ~np.isnan(measured)
    if points.any():
        axis.errorbar(times[points], measured[points], yerr=rows["spread"].to_numpy(float)[points], fmt="o",
                      color="C3", capsize=3, label="published mean \u00b1 SEM")


def _verdict(rows: pd.DataFrame, status: str) -> tuple[str, str]:
    if status.startswith(("missing", "error")):
        return textwrap.shorten(status, width=40, placeholder="..."), "grey"
    return ("pass", "green") if bool(rows["passed"].all()) else ("FAIL", "red")


def _lower(title: str) -> str:
    """'Total calcium' -> 'total calcium', but keep acronyms ('PTH', 'TmP/GFR')."""
    first = title.split(" ")[0]
    return title if first.isupper() or any(c.isupper() for c in first[1:]) else title[0].lower() + title[1:]


# ---------------------------------------------------------------- index pages

def _score_tables(frame: pd.DataFrame) -> dict:
    scores = summary(frame)
    return {group: scores[scores["group"] == group][["name", "score", "missing", "errors"]]
            for group in ("mechanism", "split", "all")}


def markdown(frame: pd.DataFrame, version: str = "") -> str:
    """The index as Markdown: scores by mechanism and split, then one line per experiment."""
    tables = _score_tables(frame)
    lines = [f"# Validation atlas (homeostasis {version})", "",
             f"**{tables['all']['score'].iloc[0]} experiments pass.**", ""]
    for group, heading in (("mechanism", "By mechanism"), ("split", "By split")):
        lines += [f"## {heading}", "", f"| {group} | pass | missing | errors |", "|---|---|---|---|"]
        lines += [f"| {r.name} | {r.score} | {r.missing} | {r.errors} |" for r in tables[group].itertuples()]
        lines.append("")
    lines += ["## Experiments", "", "| id | title | source | status | figure |", "|---|---|---|---|---|"]
    for r in experiment_table(frame).itertuples():
        cells = [r.id, r.title, r.source, r.status, f"[figure](figures/{r.id}.png)"]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def html_page(frame: pd.DataFrame, images: dict, version: str = "") -> str:
    """The index as one self-contained HTML page with every figure embedded."""
    escape = html.escape
    tables = _score_tables(frame)
    parts = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
             f"<title>Validation atlas - homeostasis {escape(version)}</title>",
             "<style>body{font-family:sans-serif;max-width:70em;margin:auto;padding:1em}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .5em}"
             ".ok{color:green}.FAIL{color:#b00}.other{color:#666}img{max-width:100%}</style></head><body>",
             f"<h1>Validation atlas (homeostasis {escape(version)})</h1>",
             f"<p><b>{escape(tables['all']['score'].iloc[0])} experiments pass.</b></p>"]
    for group, heading in (("mechanism", "By mechanism"), ("split", "By split")):
        parts.append(f"<h2>{heading}</h2><table><tr><th>{group}</th><th>pass</th><th>missing</th><th>errors</th></tr>")
        parts += [f"<tr><td>{escape(str(r.name))}</td><td>{r.score}</td><td>{r.missing}</td><td>{r.errors}</td></tr>"
                  for r in tables[group].itertuples()]
        parts.append("</table>")
    parts.append("<h2>Experiments</h2><table><tr><th>id</th><th>title</th><th>source</th><th>status</th>"
                 "<th>figure</th></tr>")
    experiments = experiment_table(frame)
    for r in experiments.itertuples():
        css = r.status if r.status in ("ok", "FAIL") else "other"
        parts.append(f"<tr><td>{escape(r.id)}</td><td>{escape(r.title)}</td><td>{escape(r.source)}</td>"
                     f"<td class='{css}'>{escape(r.status)}</td><td><a href='#{escape(r.id)}'>figure</a></td></tr>")
    parts.append("</table>")
    for r in experiments.itertuples():
        encoded = base64.b64encode(images[r.id]).decode("ascii")
        parts.append(f"<h3 id='{escape(r.id)}'>{escape(r.id)}: {escape(r.status)}</h3>"
                     f"<img alt='{escape(r.title)}' src='data:image/png;base64,{encoded}'>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
