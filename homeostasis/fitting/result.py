"""The outcome of :func:`homeostasis.fit`: estimates in linear units, errors, intervals, data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..parameters.table import parameter_table

PLOT_POINTS = 300


@dataclass(frozen=True)
class FitResult:
    """Estimates (linear physical units), standard errors and 95 % intervals of one fit.

    ``fisher_intervals`` come from the Fisher information (quick look); ``profile_intervals``
    from the profile likelihood (the final intervals; None when not computed) and
    ``profile_open`` marks interval ends that reached a parameter bound or were not closed
    within the search. ``objective`` is the sum of squared weighted residuals (chi-square when
    the data carry ``sd``); ``residuals`` holds the data with simulated values and weighted
    residuals; ``n_simulations`` counts every model run (one with sensitivities counts once).
    """

    names: tuple
    estimates: dict
    standard_errors: dict
    fisher_intervals: dict
    profile_intervals: dict | None
    profile_open: dict | None
    units: dict
    objective: float
    noise_sd_scale: float
    residuals: pd.DataFrame
    n_simulations: int
    parameter_sets: dict
    starts: list
    settings: dict
    seconds: float
    identifiable: bool
    experiments: list = field(repr=False, default_factory=list)

    @classmethod
    def build(cls, problem, runs, best, residuals, chi2, variance, se_x, singular, profiles, *, settings,
              seconds, z):
        theta = problem.to_theta(best.x)
        names = problem.names
        log = problem.log
        se = np.where(log, theta * se_x, problem.scale * se_x)
        fisher_low = problem.to_theta(best.x - z * se_x)
        fisher_high = problem.to_theta(best.x + z * se_x)
        table = parameter_table()
        frame = problem.data.copy()
        frame["simulated"] = frame["value"].to_numpy() + residuals * problem.sigma
        frame["weighted_residual"] = residuals
        starts = [{"start": dict(zip(names, run.start.tolist())),
                   "estimate": dict(zip(names, problem.to_theta(run.x).tolist())),
                   "objective": 2.0 * float(run.cost), "evaluations": int(run.nfev),
                   "status": int(run.status)} for run in runs]
        profile_intervals = profile_open = None
        if profiles is not None:
            profile_intervals = {}
            profile_open = {}
            for index, (name, (ends, open_ends)) in enumerate(zip(names, profiles)):
                values = [_one(problem, index, end) for end in ends]
                profile_intervals[name] = (min(values), max(values))
                profile_open[name] = tuple(bool(o) for o in open_ends)
        return cls(
            names=tuple(names),
            estimates=dict(zip(names, theta.tolist())),
            standard_errors=dict(zip(names, se.tolist())),
            fisher_intervals={n: (float(lo), float(hi)) for n, lo, hi in zip(names, fisher_low, fisher_high)},
            profile_intervals=profile_intervals,
            profile_open=profile_open,
            units={n: table[b].unit for n, b in zip(names, problem.base_names)},
            objective=chi2,
            noise_sd_scale=float(np.sqrt(variance)),
            residuals=frame,
            n_simulations=problem.simulations,
            parameter_sets={label: problem.parameter_set(theta, i) for i, label in enumerate(problem.labels)},
            starts=starts,
            settings=settings,
            seconds=seconds,
            identifiable=not singular,
            experiments=list(problem.experiments),
        )

    @property
    def parameters(self):
        """The fitted ParameterSet (accepted by ``simulate``); ``{label: ParameterSet}`` when
        the data hold several experiments."""
        if len(self.parameter_sets) == 1:
            return next(iter(self.parameter_sets.values()))
        return dict(self.parameter_sets)

    def summary(self) -> pd.DataFrame:
        """One row per estimated parameter: estimate, unit, standard error and both intervals."""
        rows = []
        for name in self.names:
            row = {"parameter": name, "estimate": self.estimates[name], "unit": self.units[name],
                   "standard_error": self.standard_errors[name],
                   "fisher_low": self.fisher_intervals[name][0], "fisher_high": self.fisher_intervals[name][1]}
            if self.profile_intervals is not None:
                row["profile_low"], row["profile_high"] = self.profile_intervals[name]
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        from .._version import __version__

        def interval(values):
            return None if values is None else {n: list(v) for n, v in values.items()}

        return {
            "homeostasis_version": __version__,
            "estimates": self.estimates,
            "units": self.units,
            "standard_errors": self.standard_errors,
            "intervals_95": {"fisher": interval(self.fisher_intervals), "profile": interval(self.profile_intervals),
                             "profile_open_ends": interval(self.profile_open)},
            "objective": self.objective,
            "noise_sd_scale": self.noise_sd_scale,
            "n_data": int(len(self.residuals)),
            "n_simulations": self.n_simulations,
            "seconds": self.seconds,
            "identifiable": self.identifiable,
            "starts": self.starts,
            "settings": self.settings,
        }

    def to_json(self, path=None, *, overwrite=False) -> str:
        """The estimates, intervals and the settings that reproduce the fit, as JSON text
        (also written to ``path`` if given; an existing file needs ``overwrite=True``)."""
        text = json.dumps(self.to_dict(), indent=2, default=_plain)
        if path is not None:
            from ..outputs import check_output, write_text

            write_text(check_output(path, overwrite=overwrite), text + "\n", overwrite=overwrite)
        return text

    def simulate(self, points: int = PLOT_POINTS) -> pd.DataFrame:
        """Tidy time courses of every experiment with the fitted parameters (scenario = label)."""
        from ..simulation.prepared import Simulation

        frames = []
        for experiment in self.experiments:
            end = experiment.times[-1]
            grid = np.unique(np.concatenate((np.linspace(0.0, end, points), experiment.times)))
            prepared = Simulation.from_parameter_set(experiment.scenario, self.parameter_sets[experiment.label],
                                                     interventions=experiment.interventions, start=experiment.start,
                                                     rtol=self.settings["rtol"])
            result = prepared.solve(times=grid)
            frame = result.to_frame()
            frame["scenario"] = experiment.label
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def plot(self, variables=None):
        """The fitted time courses with the data (points, sd error bars); returns the Figure."""
        from ..plotting import plot_time_courses

        fitted = self.simulate()
        chosen = list(variables or pd.unique(self.residuals["variable"]))
        units = fitted.drop_duplicates("variable").set_index("variable")["unit"]
        measured = self.residuals[["scenario", "time_days", "variable", "value"]].copy()
        measured["unit"] = measured["variable"].map(units)
        if self.residuals["sd"].notna().all():
            measured["sd"] = self.residuals["sd"]
        return plot_time_courses(fitted, variables=chosen, measured=measured, interventions=False)

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={v:.4g} {self.units[n]}" for n, v in self.estimates.items())
        return f"FitResult({shown}; objective={self.objective:.4g}, {self.n_simulations} simulations)"


def _one(problem, index, x_value):
    x = np.zeros(len(problem.names))
    x[index] = x_value
    return float(problem.to_theta(x)[index])


def _plain(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
