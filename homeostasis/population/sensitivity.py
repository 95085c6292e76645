"""Global sensitivity of one output to varied knobs and parameters: Sobol or Morris (SALib).

The design is made by SALib in the unit hypercube and mapped through each distribution's
inverse CDF (:class:`~homeostasis.population.sampling.Distribution`), so the indices are those
of the distributions as given (Sobol indices are unchanged by a monotone map of one input;
Morris effects are per unit of quantile). The model runs on the same Dask chunks as a
population. :data:`ISHIGAMI` runs the Ishigami function through the same machinery, a check
with a known answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..errors import HomeostasisError, ParameterValueError, check_finite_number, check_one_of
from .execution import AnalyticFunction, OutputValues, choose_chunk_size, dask_client, run_chunks, worker_count
from .sampling import as_distribution, check_count, checked_vary, validation_error

METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4
ISHIGAMI = AnalyticFunction("ishigami", 7.0, 0.1)
# known answer (Ishigami & Homma 1990; Saltelli et al. 2008): a = 7, b = 0.1 on [-pi, pi]^3
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def require_salib():
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise HomeostasisError("global sensitivity needs SALib: pip install 'homeostasis[sensitivity]'") from None


@dataclass
class SensitivityResult:
    """Indices by input: ``parameter, S1, S1_conf, ST, ST_conf`` (Sobol) or
    ``parameter, mu_star, mu_star_conf, mu, sigma`` (Morris); confidence intervals by bootstrap."""

    method: str
    output: str
    frame: object
    evaluations: int
    conf_level: float

    def plot(self):
        """A bar chart of the indices with their confidence intervals."""
        from matplotlib.figure import Figure

        frame = self.frame
        figure = Figure(figsize=(max(4.0, 1.1 * len(frame) + 2), 3.4), layout="constrained")
        panel = figure.subplots()
        x = np.arange(len(frame))
        if self.method == "sobol":
            width = 0.38
            panel.bar(x - width / 2, frame["S1"], width, yerr=frame["S1_conf"], capsize=3, label="first order (S1)")
            panel.bar(x + width / 2, frame["ST"], width, yerr=frame["ST_conf"], capsize=3, label="total (ST)")
            panel.set_ylabel("Sobol index")
            panel.axhline(0, color="0.3", linewidth=0.8)
            panel.legend(frameon=False, fontsize="small")
        else:
            panel.bar(x, frame["mu_star"], 0.6, yerr=frame["mu_star_conf"], capsize=3)
            panel.set_ylabel("Morris \u03bc* (per unit quantile)")
        panel.set_xticks(x, frame["parameter"], rotation=30, ha="right")
        panel.set_title(f"{self.output}: {self.method} ({self.evaluations} runs, "
                        f"{100 * self.conf_level:g}% bootstrap CI)", fontsize="medium")
        return figure

    def __repr__(self) -> str:
        return f"SensitivityResult({self.method}, {self.output!r}, {self.evaluations} runs)\n{self.frame}"


def parse_output(text, days=None) -> tuple[str, float]:
    """``"phosphate@365"`` to ``("phosphate", 365.0)``; without a day, ``days`` (default 365)."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_]+)\s*(?:@\s*(\S+))?\s*", str(text or ""))
    if not match:
        raise HomeostasisError(f"--output: expected NAME[@DAY], got {text!r}")
    name, day = match.groups()
    day = check_finite_number("output day", day if day is not None else (365.0 if days is None else days))
    if day <= 0:
        raise ParameterValueError(f"output day: expected a positive day, got {day:g}")
    return name, day


def sensitivity(scenario="healthy", *, vary, output, method="sobol", n=256, parameters=None, interventions=None,
                start="healthy", seed=0, num_resamples=200, conf_level=0.95, client=None, scheduler=None,
                workers=None, chunk_size=None, progress=None) -> SensitivityResult:
    """Sobol indices (first-order and total) or Morris effects of ``output`` to ``vary``.

    ``scenario`` is a scenario (name, file or object), or :data:`ISHIGAMI` (``vary`` then names
    its three inputs). ``output`` is ``"NAME@DAY"``: an observable on a day of the run. ``n`` is
    SALib's base sample size: Sobol runs ``n (d + 2)`` simulations, Morris ``n (d + 1)``.
    ``parameters`` are knob and parameter values shared by every run.
    """
    require_salib()
    check_one_of("method", method, METHODS)
    n = check_count(n)
    task, distributions = _task(scenario, vary, output, interventions, start)
    names = list(distributions)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    unit = _sample(problem, method, n, seed)
    x = np.column_stack([distributions[name].ppf(unit[:, i]) for i, name in enumerate(names)])
    fixed = {} if isinstance(task, AnalyticFunction) else dict(parameters or {})
    if isinstance(task, OutputValues):
        _check_draws(task.scenario, names, x, fixed)
    y = _evaluate(task, names, x, fixed, client, scheduler, workers, chunk_size, progress)
    frame = _analyse(problem, method, unit, y, num_resamples, conf_level, seed)
    label = "ishigami" if isinstance(task, AnalyticFunction) else f"{task.variable}@{task.day:g}"
    return SensitivityResult(method, label, frame, len(y), conf_level)


def _task(scenario, vary, output, interventions, start):
    if isinstance(scenario, AnalyticFunction):
        if not isinstance(vary, dict) or len(vary) != 3:
            raise ParameterValueError("vary: the Ishigami function expects three inputs")
        return scenario, {name: as_distribution(name, spec) for name, spec in vary.items()}
    from ..numerics.cache import compile_model
    from ..protocol.interventions import as_interventions, format_intervention
    from ..scenarios import load_scenario
    from ..errors import UnknownNameError

    chosen = load_scenario(scenario)
    distributions = checked_vary(chosen, vary)
    variable, day = parse_output(output)
    variable = compile_model().current_name(variable)
    observables = compile_model().observable_names
    if variable not in observables:
        raise UnknownNameError("variable", variable, observables)
    target = chosen if not isinstance(scenario, str) else scenario
    texts = tuple(format_intervention(i) for i in as_interventions(interventions))
    return OutputValues(target, variable, day, texts, start, frozenset(chosen.knob_names())), distributions


def _sample(problem, method, n, seed):
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)


def _check_draws(scenario, names, x, fixed) -> None:
    """Every design point must be a valid model (a Saltelli design cannot drop or redraw one)."""
    from collections import Counter
    from ..scenarios import load_scenario

    chosen = load_scenario(scenario)
    reasons = Counter()
    for row in x:
        problem = validation_error(chosen, {**fixed, **dict(zip(names, row.tolist()))})
        if problem:
            reasons[problem] += 1
    if reasons:
        reason, count = reasons.most_common(1)[0]
        raise ParameterValueError(f"vary: {sum(reasons.values())} of {len(x)} design points are refused by the "
                                  f"model ({count} x {reason}); narrow the ranges")


def _evaluate(task, names, x, fixed, client, scheduler, workers, chunk_size, progress) -> np.ndarray:
    y = np.full(len(x), np.nan)
    errors = {}

    def finished(index, output):
        for row, value, error in output:
            y[row] = value
            if error:
                errors[row] = error

    with dask_client(client, scheduler, workers) as active:
        size = choose_chunk_size(len(x), worker_count(active), chunk_size)
        if isinstance(task, AnalyticFunction) and chunk_size is None:
            size = max(size, -(-len(x) // (4 * worker_count(active))))  # microseconds each: few tasks
        chunks = {start // size: [(row, {**fixed, **dict(zip(names, x[row].tolist()))}) for row in range(start, min(start + size, len(x)))]
                  for start in range(0, len(x), size)}
        run_chunks(active, task, chunks, finished, total=len(x), progress=progress, label="runs")
    if errors:
        first = min(errors)
        raise HomeostasisError(f"{len(errors)} of {len(x)} runs failed (first, run {first}: {errors[first]}); "
                               "narrow the ranges")
    return y


def _analyse(problem, method, unit, y, num_resamples, conf_level, seed):
    import pandas as pd

    if method == "sobol":
        from SALib.analyze import sobol

        result = sobol.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples,
                               conf_level=conf_level, seed=seed)
        return pd.DataFrame({"parameter": problem["names"], "S1": result["S1"], "S1_conf": result["S1_conf"],
                             "ST": result["ST"], "ST_conf": result["ST_conf"]})
    from SALib.analyze import morris

    result = morris.analyze(problem, unit, y, num_resamples=num_resamples, conf_level=conf_level,
                            num_levels=MORRIS_LEVELS, seed=seed)
    return pd.DataFrame({"parameter": problem["names"], "mu_star": np.asarray(result["mu_star"], float),
                         "mu_star_conf": np.asarray(result["mu_star_conf"], float),
                         "mu": np.asarray(result["mu"], float), "sigma": np.asarray(result["sigma"], float)})
