"""What a population is read for: percentile bands, threshold crossings, final values, figures.

The figures follow :mod:`homeostasis.plotting`: one panel per observable, a colour per
scenario (a band from the 5th to the 95th percentile around the median line), the healthy
adult range shaded in grey, plus a panel of the fraction of patients above each threshold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import HomeostasisError, OutputPathError, UnknownNameError
from . import storage

PERCENTILES = (5, 50, 95)
# calcification risk (KDIGO: Ca x P above 4.4 mmol^2/L^2, i.e. 55 mg^2/dL^2) and hypercalcaemia
THRESHOLDS = (("ca_x_p", 4.4), ("ca_total", 2.6))
BAND_ALPHA = 0.25


class PopulationResult:
    """A population's results: read from its folder (or held in memory), summarised and drawn.

    ``results`` is the tidy table ``patient, time_days, variable, value, unit``; ``patients``
    has one row per patient with its varied values, ``status`` (ok, failed, rejected), its
    ``error`` and run time; ``rejected`` counts the draws the model refused, by reason.
    """

    def __init__(self, folder=None, *, manifest=None, results=None, patients=None, label=None):
        self.folder = None if folder is None else Path(folder)
        if manifest is None:
            manifest = storage.read_manifest(self.folder) if self.folder is not None else None
            if manifest is None:
                raise OutputPathError(f"{folder}: expected a folder written by 'homeostasis population' "
                                      f"(no {storage.MANIFEST})")
        self.manifest = manifest
        self._results, self._patients = results, patients
        self.label = label or str(manifest["settings"]["scenario"]).removeprefix("object:")

    @property
    def results(self) -> pd.DataFrame:
        if self._results is None:
            self._results = storage.read_chunks(self.folder, storage.RESULTS)
            self._results = self._results.sort_values(["patient", "variable", "time_days"], kind="stable",
                                                      ignore_index=True)
        return self._results

    @property
    def patients(self) -> pd.DataFrame:
        if self._patients is None:
            self._patients = storage.read_chunks(self.folder, storage.PATIENTS).sort_values(
                "patient", ignore_index=True)
        return self._patients

    @property
    def rejected(self) -> dict:
        return dict(self.manifest.get("rejected", {}))

    def in_memory(self) -> "PopulationResult":
        """The same results, read now, no longer tied to the folder."""
        return PopulationResult(manifest=self.manifest, results=self.results, patients=self.patients,
                                label=self.label)

    @property
    def complete(self) -> bool:
        return len(self.patients) == self.manifest["patients"]

    def counts(self) -> dict:
        statuses = self.patients["status"].value_counts() if len(self.patients) else pd.Series(dtype=int)
        return {"patients": self.manifest["patients"], "finished": int(len(self.patients)),
                **{status: int(statuses.get(status, 0)) for status in ("ok", "failed", "rejected")}}

    def matrix(self, variable: str):
        """(times, patients x times values) of one variable, for the patients that ran."""
        data = self.results
        rows = data[data["variable"] == variable]
        if rows.empty:
            raise UnknownNameError("variable", variable, list(pd.unique(data["variable"])))
        times = np.unique(rows["time_days"].to_numpy())
        rows = rows.sort_values(["patient", "time_days"], kind="stable")
        return times, rows["value"].to_numpy(float).reshape(-1, len(times))

    def units(self) -> dict:
        pairs = self.results[["variable", "unit"]].drop_duplicates()
        return dict(zip(pairs["variable"], pairs["unit"]))

    def bands(self, percentiles=PERCENTILES, variables=None) -> pd.DataFrame:
        """Percentiles of each variable over time: ``scenario, variable, unit, time_days, p5, p50, p95``."""
        units, frames = self.units(), []
        for variable in _names(variables, units):
            times, values = self.matrix(variable)
            levels = np.percentile(values, list(percentiles), axis=0)
            frame = pd.DataFrame({"scenario": self.label, "variable": variable, "unit": units[variable],
                                  "time_days": times})
            for level, row in zip(percentiles, levels):
                frame[f"p{level:g}"] = row
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def crossing(self, thresholds=THRESHOLDS) -> pd.DataFrame:
        """Fraction of patients above each ``(variable, threshold)`` over time (of those that ran)."""
        units, frames = self.units(), []
        for variable, limit in thresholds:
            if variable not in units:
                continue
            times, values = self.matrix(variable)
            frames.append(pd.DataFrame({"scenario": self.label, "variable": variable, "threshold": float(limit),
                                        "unit": units[variable], "time_days": times,
                                        "fraction": (values > limit).mean(axis=0)}))
        if not frames:
            raise HomeostasisError(f"none of the threshold variables ({', '.join(v for v, _ in thresholds)}) "
                                   "was stored in this population")
        return pd.concat(frames, ignore_index=True)

    def final_table(self, percentiles=PERCENTILES, variables=None) -> pd.DataFrame:
        """Final values by percentile: ``variable, unit, p5, p50, p95`` (and the day)."""
        bands = self.bands(percentiles, variables)
        last = bands[bands["time_days"] == bands["time_days"].max()]
        return last.drop(columns=["scenario"]).reset_index(drop=True)[
            ["variable", "unit", "time_days"] + [f"p{p:g}" for p in percentiles]].rename(
            columns={"time_days": "day"})

    def summary(self) -> str:
        """Patients run, failed and rejected (with reasons), in a few lines."""
        counts = self.counts()
        lines = [f"{self.label}: {counts['finished']} of {counts['patients']} patients finished: "
                 f"{counts['ok']} ok, {counts['failed']} failed, {counts['rejected']} rejected"]
        rejected = self.rejected
        if rejected:
            total = sum(rejected.values())
            policy = self.manifest["settings"].get("invalid", "record")
            what = "resampled" if policy == "resample" else "recorded as rejected"
            lines.append(f"{total} draw(s) refused by the model's constraints ({what}):")
            lines += [f"  {count} x {reason}" for reason, count in sorted(rejected.items(), key=lambda i: -i[1])]
        else:
            lines.append("no draw was refused by the model's constraints")
        failed = self.patients[self.patients["status"] == "failed"] if counts["finished"] else []
        for row in list(getattr(failed, "itertuples", lambda **_: [])(index=False))[:5]:
            lines.append(f"  patient {row.patient} failed: {row.error}")
        return "\n".join(lines)

    def plot(self, variables=None, *, others=(), thresholds=THRESHOLDS, percentiles=PERCENTILES):
        """Percentile bands of each variable (and ``others``, one band per scenario) and crossings."""
        return plot_bands([self, *others], variables=variables, thresholds=thresholds, percentiles=percentiles)

    def __repr__(self) -> str:
        counts = self.counts()
        return f"PopulationResult({self.label!r}, {counts['ok']} ok of {counts['patients']} patients)"


def load_population(folder, label=None) -> PopulationResult:
    """The results of a population folder (finished or not)."""
    if not Path(folder).is_dir():
        raise OutputPathError(f"{folder}: expected a population folder, got {'a file' if Path(folder).exists() else 'nothing'}")
    return PopulationResult(folder, label=label)


def _names(variables, units) -> list:
    if variables is None:
        return list(units)
    names = [variables] if isinstance(variables, str) else list(variables)
    for name in names:
        if name not in units:
            raise UnknownNameError("variable", name, list(units))
    return names


def plot_bands(populations, *, variables=None, thresholds=THRESHOLDS, percentiles=PERCENTILES):
    """One panel per variable with a band per population, and a panel of threshold crossings."""
    import math

    import seaborn as sns
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ..clinical_units import TITLES
    from ..plotting.time_courses import (MAX_COLUMNS, PANEL_HEIGHT_INCHES, PANEL_WIDTH_INCHES, RANGE_ALPHA,
                                         RANGE_COLOUR, RANGE_LABEL, TIME_LABEL, _shade_reference, display_unit)

    populations = list(populations)
    if not populations:
        raise HomeostasisError("plot: expected at least one population")
    low, middle, high = f"p{min(percentiles):g}", f"p{sorted(percentiles)[len(percentiles) // 2]:g}", f"p{max(percentiles):g}"
    bands = pd.concat([p.bands(percentiles, variables) for p in populations], ignore_index=True)
    names = list(pd.unique(bands["variable"]))
    crossing = _crossings(populations, thresholds)
    count = len(names) + (crossing is not None)
    columns = 2 if count == 4 else min(count, MAX_COLUMNS)
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(PANEL_WIDTH_INCHES * columns, PANEL_HEIGHT_INCHES * rows + 0.6), layout="constrained")
    grid = figure.subplots(rows, columns, sharex=True, squeeze=False).ravel()
    for spare in grid[count:]:
        spare.remove()
    labels = list(dict.fromkeys(p.label for p in populations))
    palette = dict(zip(labels, sns.color_palette(n_colors=len(labels))))
    shaded = False
    for panel, name in zip(grid, names):
        for label in labels:
            rows_ = bands[(bands["variable"] == name) & (bands["scenario"] == label)]
            if rows_.empty:
                continue
            panel.fill_between(rows_["time_days"], rows_[low], rows_[high], color=palette[label], alpha=BAND_ALPHA,
                               linewidth=0)
            panel.plot(rows_["time_days"], rows_[middle], color=palette[label], linewidth=1.8)
        unit = str(bands.loc[bands["variable"] == name, "unit"].iloc[0])
        shaded |= _shade_reference(panel, name, unit)
        panel.set_ylabel(f"{name} ({display_unit(unit)})")
        if name in TITLES:
            panel.set_title(TITLES[name], fontsize="medium", fontweight="bold")
    if crossing is not None:
        panel = grid[len(names)]
        styles = ["-", "--", ":", "-."]
        for index, ((variable, limit), rows_) in enumerate(crossing.groupby(["variable", "threshold"], sort=False)):
            for label, part in rows_.groupby("scenario", sort=False):
                panel.plot(part["time_days"], 100 * part["fraction"], color=palette[label],
                           linestyle=styles[index % len(styles)], linewidth=1.6,
                           label=f"{variable} > {limit:g} {display_unit(str(part['unit'].iloc[0]))}"
                           + (f" ({label})" if len(labels) > 1 else ""))
        panel.set_ylim(-3, 103)
        panel.set_ylabel("patients above threshold (%)")
        panel.set_title("threshold crossings", fontsize="medium", fontweight="bold")
        panel.legend(fontsize="small", frameon=False)
    for index, panel in enumerate(grid[:count]):
        bottom = index + columns >= count
        panel.tick_params(axis="x", labelbottom=bottom)
        panel.set_xlabel(TIME_LABEL if bottom else "")
    handles = [Patch(facecolor=palette[label], alpha=0.5) for label in labels]
    texts = [f"{label}: median, {low[1:]}th-{high[1:]}th percentile" for label in labels]
    handles.append(Line2D([], [], color="0.3", linewidth=1.8))
    texts.append("median")
    if shaded:
        handles.append(Patch(facecolor=RANGE_COLOUR, alpha=RANGE_ALPHA))
        texts.append(RANGE_LABEL)
    figure.legend(handles, texts, loc="outside upper center", frameon=False, ncols=min(len(texts), 3))
    return figure


def _crossings(populations, thresholds):
    if not thresholds:
        return None
    frames = []
    for population in populations:
        try:
            frames.append(population.crossing(thresholds))
        except HomeostasisError:
            continue
    return pd.concat(frames, ignore_index=True) if frames else None
