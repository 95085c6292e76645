"""The outcome of :func:`homeostasis.fit`: estimates in linear units, errors, intervals,
diagnostics (correlations, AIC/AICc/BIC, weighted residuals), figures, and a JSON round trip."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

FORMAT = "homeostasis-fit/2"
PLOT_POINTS = 300
DATA_COLUMNS = ("scenario", "time_days", "variable", "value", "sd")


@dataclass(frozen=True)
class FitResult:
    """Estimates (linear physical units), standard errors, intervals and diagnostics of one fit.

    ``fisher_intervals`` come from the Fisher information (quick look); ``profile_intervals``
    from the profile likelihood (the final intervals; None when not computed) and
    ``profile_open`` marks interval ends where the profile never crossed the threshold (a
    bound or the end of the search range was reached: the parameter is not identifiable on
    that side). ``standard_errors`` are infinite and ``unidentifiable`` names the parameters
    along directions the data do not inform. ``objective`` is the sum of squared weighted
    residuals (chi-square when the data carry ``sd``); ``residuals`` holds the data with
    simulated values, weighted residuals and standardised residuals (weighted residuals over
    the noise scale); ``n_simulations`` counts every model run (one with sensitivities counts once).
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
    correlation: pd.DataFrame = None
    criteria: dict = field(default_factory=dict)
    unidentifiable: tuple = ()
    profiles: dict | None = None
    confidence: float = 0.95
    experiments: list = field(repr=False, default_factory=list)
    problem: object = field(repr=False, default=None, compare=False)

    # ---- construction --------------------------------------------------------------------
    @classmethod
    def build(cls, problem, optimised, x_hat, residuals, chi2, variance, se_x, correlation, unidentifiable,
              profiles, *, settings, lower, upper, seconds):
        from .intervals import z_value

        confidence = settings["confidence"]
        z = z_value(confidence)
        theta = problem.to_theta(x_hat)
        names = problem.names
        se = np.where(problem.log, theta * se_x, problem.scale * se_x)
        finite = np.isfinite(se_x)  # an unidentifiable parameter: the whole range of the parameter
        with np.errstate(invalid="ignore", over="ignore"):
            fisher_low = np.where(finite, problem.to_theta(np.where(finite, x_hat - z * se_x, x_hat)), problem.lower)
            fisher_high = np.where(finite, problem.to_theta(np.where(finite, x_hat + z * se_x, x_hat)), problem.upper)
        frame = problem.data.copy()
        frame["simulated"] = frame["value"].to_numpy() + residuals * problem.sigma
        frame["weighted_residual"] = residuals
        frame["standardized_residual"] = residuals / np.sqrt(variance)
        starts = [{"start": dict(zip(names, problem.to_theta(run.x0).tolist())) if run.x0 is not None else None,
                   "estimate": dict(zip(names, problem.to_theta(run.x).tolist())) if run.x is not None else None,
                   "objective": 2.0 * float(run.fval) if run.fval is not None else None,
                   "evaluations": int(run.n_fval or 0), "status": str(run.exitflag)}
                  for run in optimised.optimize_result.list]
        profile_intervals = profile_open = paths = None
        if profiles is not None:
            profile_intervals, profile_open, paths = {}, {}, {}
            for j, (values, delta, ends, open_ends) in profiles.items():
                name = names[j]
                profile_intervals[name] = tuple(sorted(_one(problem, j, end) for end in ends))
                profile_open[name] = tuple(bool(o) for o in open_ends)
                order = np.argsort(values)
                paths[name] = {"value": [_one(problem, j, v) for v in np.asarray(values)[order]],
                               "delta_chi2": np.asarray(delta, float)[order].tolist()}
        unidentified = tuple(n for n, u in zip(names, unidentifiable) if u)
        return cls(
            names=tuple(names),
            estimates=dict(zip(names, theta.tolist())),
            standard_errors=dict(zip(names, se.tolist())),
            fisher_intervals={n: (float(lo), float(hi)) for n, lo, hi in zip(names, fisher_low, fisher_high)},
            profile_intervals=profile_intervals,
            profile_open=profile_open,
            units=dict(zip(names, problem.units)),
            objective=chi2,
            noise_sd_scale=float(np.sqrt(variance)),
            residuals=frame,
            n_simulations=problem.simulations,
            parameter_sets={label: problem.parameter_set(theta, i) for i, label in enumerate(problem.labels)},
            starts=starts,
            settings=settings,
            seconds=seconds,
            identifiable=not unidentified and not any(any(o) for o in (profile_open or {}).values()),
            correlation=pd.DataFrame(correlation, index=list(names), columns=list(names)),
            criteria=information_criteria(chi2, problem.sigma, len(frame), len(names), problem.known_sd),
            unidentifiable=unidentified,
            profiles=paths,
            confidence=confidence,
            experiments=list(problem.experiments),
            problem=problem,
        )

    # ---- summaries -----------------------------------------------------------------------
    @property
    def parameters(self):
        """The fitted ParameterSet (accepted by ``simulate``); ``{label: ParameterSet}`` when
        the data hold several experiments."""
        if len(self.parameter_sets) == 1:
            return next(iter(self.parameter_sets.values()))
        return dict(self.parameter_sets)

    @property
    def aic(self) -> float:
        return self.criteria["aic"]

    @property
    def aicc(self) -> float:
        return self.criteria["aicc"]

    @property
    def bic(self) -> float:
        return self.criteria["bic"]

    def summary(self) -> pd.DataFrame:
        """One row per estimated parameter: estimate, unit, standard error and both intervals."""
        rows = []
        for name in self.names:
            row = {"parameter": name, "estimate": self.estimates[name], "unit": self.units[name],
                   "standard_error": self.standard_errors[name],
                   "fisher_low": self.fisher_intervals[name][0], "fisher_high": self.fisher_intervals[name][1]}
            if self.profile_intervals is not None and name in self.profile_intervals:
                row["profile_low"], row["profile_high"] = self.profile_intervals[name]
                row["open"] = "/".join(side for side, o in zip(("low", "high"), self.profile_open[name]) if o) or "-"
            rows.append(row)
        return pd.DataFrame(rows)

    # ---- JSON ----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        from .._version import __version__

        def interval(values):
            return None if values is None else {n: list(v) for n, v in values.items()}

        return {
            "format": FORMAT,
            "homeostasis_version": __version__,
            "names": list(self.names),
            "estimates": self.estimates,
            "units": self.units,
            "standard_errors": self.standard_errors,
            "confidence": self.confidence,
            "intervals": {"fisher": interval(self.fisher_intervals), "profile": interval(self.profile_intervals),
                          "profile_open_ends": interval(self.profile_open)},
            "profiles": self.profiles,
            "correlation": None if self.correlation is None else self.correlation.to_numpy().tolist(),
            "criteria": self.criteria,
            "unidentifiable": list(self.unidentifiable),
            "identifiable": self.identifiable,
            "objective": self.objective,
            "noise_sd_scale": self.noise_sd_scale,
            "n_data": int(len(self.residuals)),
            "n_simulations": self.n_simulations,
            "seconds": self.seconds,
            "starts": self.starts,
            "settings": self.settings,
            "data": {c: self.residuals[c].tolist() for c in
                     DATA_COLUMNS + ("simulated", "weighted_residual", "standardized_residual")},
        }

    def to_json(self, path=None, *, overwrite=False) -> str:
        """Everything above plus the data and the settings that reproduce the fit, as JSON
        text (also written to ``path`` if given; an existing file needs ``overwrite=True``).
        :meth:`from_json` reads it back."""
        text = json.dumps(_finite(self.to_dict()), indent=2, default=_plain)
        if path is not None:
            from ..outputs import check_output, write_text

            write_text(check_output(path, overwrite=overwrite), text + "\n", overwrite=overwrite)
        return text

    @classmethod
    def from_json(cls, source) -> "FitResult":
        """A FitResult from :meth:`to_json` text or a path to it (no simulation is run)."""
        from ..errors import DataError
        from .objective import Problem

        text = Path(source).read_text(encoding="utf-8") if _looks_like_path(source) else str(source)
        try:
            document = _restore(json.loads(text))
        except json.JSONDecodeError as error:
            raise DataError(f"fit JSON: not valid JSON ({error})") from None
        if document.get("format") != FORMAT:
            raise DataError(f"fit JSON: expected format {FORMAT!r}, got {document.get('format')!r}")
        settings, names = document["settings"], tuple(document["names"])
        frame = pd.DataFrame(document["data"])
        table = frame[list(DATA_COLUMNS)].copy()
        problem = Problem(table, settings["estimate"], individual=settings["individual"],
                          scenario=settings["scenario"], interventions=settings["interventions"],
                          start=settings["start"], parameters=settings["parameters"] or None,
                          start_values=_start_values_by_user_name(settings), rtol=settings["rtol"])
        theta = np.array([document["estimates"][n] for n in names])
        intervals = document["intervals"]

        def tuples(values):
            return None if values is None else {n: tuple(v) for n, v in values.items()}

        correlation = document.get("correlation")
        return cls(
            names=names, estimates=document["estimates"], standard_errors=document["standard_errors"],
            fisher_intervals=tuples(intervals["fisher"]), profile_intervals=tuples(intervals["profile"]),
            profile_open=tuples(intervals["profile_open_ends"]), units=document["units"],
            objective=document["objective"], noise_sd_scale=document["noise_sd_scale"], residuals=frame,
            n_simulations=document["n_simulations"],
            parameter_sets={label: problem.parameter_set(theta, i) for i, label in enumerate(problem.labels)},
            starts=document["starts"], settings=settings, seconds=document["seconds"],
            identifiable=document["identifiable"],
            correlation=None if correlation is None else pd.DataFrame(np.array(correlation, float),
                                                                      index=list(names), columns=list(names)),
            criteria=document["criteria"], unidentifiable=tuple(document["unidentifiable"]),
            profiles=document["profiles"], confidence=document["confidence"],
            experiments=list(problem.experiments), problem=problem)

    # ---- figures -------------------------------------------------------------------------
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
        """The fitted time courses with the data by variable (points, sd error bars); returns the Figure."""
        from ..plotting import plot_time_courses

        fitted = self.simulate()
        chosen = list(variables or pd.unique(self.residuals["variable"]))
        units = fitted.drop_duplicates("variable").set_index("variable")["unit"]
        measured = self.residuals[["scenario", "time_days", "variable", "value"]].copy()
        measured["unit"] = measured["variable"].map(units)
        if self.residuals["sd"].notna().all():
            measured["sd"] = self.residuals["sd"]
        return plot_time_courses(fitted, variables=chosen, measured=measured, interventions=False)

    def plot_residuals(self):
        """Two panels: predicted against observed (relative to each variable's mean, so every
        variable shares the identity line) and standardised residuals against time."""
        import matplotlib.pyplot as plt

        frame = self.residuals
        figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
        for variable, rows in frame.groupby("variable", sort=False):
            typical = np.mean(np.abs(rows["value"])) or 1.0
            left.scatter(rows["value"] / typical, rows["simulated"] / typical, s=14, label=variable)
            right.scatter(rows["time_days"], rows["standardized_residual"], s=14, label=variable)
        low, high = left.get_xlim()
        left.plot([low, high], [low, high], color="0.4", lw=1)
        left.set(xlabel="observed / variable mean", ylabel="predicted / variable mean", title="Predicted vs observed")
        for level in (-2, 0, 2):
            right.axhline(level, color="0.6" if level else "0.3", lw=1, ls="--" if level else "-")
        right.set(xlabel="time (days)", ylabel="standardised residual", title="Residuals vs time")
        left.legend(fontsize=8)
        return figure

    def plot_profiles(self):
        """One panel per parameter: profile delta chi-square against the value, with the
        threshold of the confidence level and the interval (dashed where open)."""
        import matplotlib.pyplot as plt

        from .intervals import chi2_threshold

        if not self.profiles:
            raise ValueError("plot_profiles: the fit has no profiles (fit with profile_intervals=True)")
        names = [n for n in self.names if n in self.profiles]
        figure, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.0), layout="constrained",
                                    squeeze=False)
        threshold = chi2_threshold(self.confidence)
        for axis, name in zip(axes[0], names):
            path = self.profiles[name]
            axis.plot(path["value"], path["delta_chi2"], marker=".", lw=1)
            axis.axhline(threshold, color="C3", lw=1)
            for end, is_open in zip(self.profile_intervals[name], self.profile_open[name]):
                axis.axvline(end, color="0.4", lw=1, ls="--" if is_open else "-")
            axis.axvline(self.estimates[name], color="k", lw=0.8, ls=":")
            if self.settings["transform"].get(name) == "log":
                axis.set_xscale("log")
            axis.set(xlabel=f"{name} ({self.units[name]})", ylim=(0, max(2 * threshold, 1)))
        axes[0][0].set_ylabel("profile \u0394\u03c7\u00b2")
        return figure

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={v:.4g} {self.units[n]}" for n, v in self.estimates.items())
        return f"FitResult({shown}; objective={self.objective:.4g}, {self.n_simulations} simulations)"


def information_criteria(chi2, sigma, n, k, known_sd) -> dict:
    """-2 log-likelihood (Gaussian errors), AIC, AICc and BIC; an estimated noise level counts
    as one more parameter."""
    log_sigma = float(np.sum(np.log(np.asarray(sigma, float))))
    if known_sd:
        minus2ll = chi2 + n * np.log(2 * np.pi) + 2 * log_sigma
    else:
        k += 1
        minus2ll = n * (np.log(2 * np.pi * chi2 / n) + 1) + 2 * log_sigma
    aic = 2 * k + minus2ll
    aicc = aic + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf
    return {"minus_2_log_likelihood": float(minus2ll), "aic": float(aic), "aicc": float(aicc),
            "bic": float(k * np.log(n) + minus2ll), "n_data": int(n), "n_parameters": int(k)}


def _start_values_by_user_name(settings):
    individual = set(settings["individual"])
    saved = settings["start_values"] if "start_values" in settings else settings["initial"]  # files written before the rename
    return {n: v for n, v in saved.items() if "[" not in n and n not in individual}


def _one(problem, index, x_value):
    x = np.zeros(len(problem.names))
    x[index] = x_value
    return float(problem.to_theta(x)[index])


def _looks_like_path(source) -> bool:
    return isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("{"))


def _finite(value):
    """JSON has no infinity or NaN: write them as strings and read them back (:func:`_restore`)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _restore(value):
    if isinstance(value, dict):
        return {k: _restore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v) for v in value]
    if value in ("nan", "inf", "-inf"):
        return float(value)
    return value


def _plain(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)
