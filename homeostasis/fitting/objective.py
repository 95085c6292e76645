"""The least-squares problem: weighted residuals (simulated - measured) / sd and their Jacobian.

The optimiser works on internal coordinates x: ``x = log(theta)`` for a parameter that is
positive (lower bound >= 0 and a positive start), otherwise ``x = theta / scale``. Users only
ever see linear values (:mod:`homeostasis.fitting.fit` converts back). With ``sd`` in the data
the residuals are in units of the measurement error; without it each variable is weighted by
the mean absolute measured value and the noise level is estimated from the fit.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from ..errors import HomeostasisError, ParameterValueError, SolverError, check_in_bounds
from ..numerics.sensitivity_driver import compiled_beside, function_addresses, prepare as prepare_kernel
from ..protocol.interventions import as_interventions, schedule_events
from ..simulation.prepared import scenario_parameters
from .forward import Experiment, refuse_event_parameters, simulate_experiment
from .names import resolve
from .sensitivities import sensitivity_model

SEARCH_DECADES = 4  # search range of a parameter whose bound is 0 or infinite, around its start
FAILED_RESIDUAL = 1e4  # residual of every row when a trial point cannot be simulated
SCIPY_STEP = float(np.sqrt(np.finfo(float).eps))  # relative forward-difference step of SciPy's "2-point"
CENTRAL_STEP = float(np.finfo(float).eps ** (1 / 3))  # relative central-difference step of SciPy's "3-point"
DIFFERENCE_SCHEMES = {"finite-difference": "forward", "central-difference": "central"}  # gradient -> scheme


class Problem:
    """Residuals and exact Jacobian for data split into experiments (the ``scenario`` labels)."""

    def __init__(self, data, estimate, *, individual=(), scenario="healthy", interventions=None,
                 start="healthy", parameters=None, start_values=None, rtol=1e-8):
        from ..numerics.cache import compile_model

        self.data = data.reset_index(drop=True)
        self.user_estimate = tuple(dict.fromkeys(estimate))
        self.individual = tuple(dict.fromkeys(individual))
        unknown = [name for name in self.individual if name not in self.user_estimate]
        if unknown:
            raise HomeostasisError(f"individual: {', '.join(unknown)} not among the estimated parameters")
        if not self.user_estimate:
            raise HomeostasisError("estimate: name at least one parameter to fit")
        self.rtol = rtol
        self.labels = tuple(dict.fromkeys(self.data["scenario"]))
        compiled = compile_model()
        self.experiments, self.bases, self.row_index = [], [], []
        for label in self.labels:
            rows = np.flatnonzero(self.data["scenario"].to_numpy() == label)
            chosen, base, _ = scenario_parameters(_per_label(scenario, label, "scenario"), parameters)
            times = np.unique(np.concatenate(([0.0], self.data["time_days"].to_numpy()[rows])))
            if len(times) < 2:
                times = np.array([0.0, 1e-6])
            applied = tuple(as_interventions(_per_label(interventions, label, "interventions")))
            self.experiments.append(Experiment(label, chosen, applied, start, times))
            self.bases.append(base)
            t_index = np.searchsorted(times, self.data["time_days"].to_numpy()[rows])
            o_index = np.array([compiled.observable_names.index(v) for v in self.data["variable"].to_numpy()[rows]])
            self.row_index.append((rows, t_index, o_index))
        self.resolved = _resolve_all(self.user_estimate, self.experiments)
        self.estimate = tuple(self.resolved[n].parameter for n in self.user_estimate)  # model parameters
        for experiment, base in zip(self.experiments, self.bases):  # before any kernel is compiled
            refuse_event_parameters(schedule_events(experiment.interventions, base.as_dict(), experiment.times[-1]),
                                    self.estimate, experiment)
        self.shared = tuple(n for n in self.user_estimate if n not in self.individual)
        self.names = self.shared + tuple(f"{n}[{label}]" for label in self.labels for n in self.individual)
        self.base_names = self.shared + tuple(n for label in self.labels for n in self.individual)
        self._setup_weights()
        self._setup_transforms(start_values or {})
        self.simulations = 0
        self.failures = 0  # trial points that could not be simulated
        self._memo = None

    # ---- parameters and transforms -------------------------------------------------------
    def _setup_transforms(self, start_values):
        unknown = [name for name in start_values if name not in self.user_estimate]
        if unknown:
            raise HomeostasisError(f"start_values: {', '.join(unknown)} not among the estimated parameters "
                                   f"({', '.join(self.user_estimate)})")
        start, lower, upper, log = [], [], [], []
        for name in self.base_names:
            info = self.resolved[name]
            value = check_in_bounds(f"start value of {name}", start_values.get(name, self.bases[0][info.parameter] / info.factor),
                                    info.lower, info.upper, info.unit)
            start.append(value), lower.append(info.lower), upper.append(info.upper)
            log.append(info.lower >= 0 and value > 0)
        self.theta0 = np.array(start)
        self.lower, self.upper, self.log = np.array(lower), np.array(upper), np.array(log)
        self.factor = np.array([self.resolved[n].factor for n in self.base_names])
        self.units = tuple(self.resolved[n].unit for n in self.base_names)
        finite_span = np.where(np.isfinite(self.upper - self.lower), self.upper - self.lower, 0.0)
        self.scale = np.where(self.log, 1.0, np.maximum(np.maximum(np.abs(self.theta0), finite_span / 10), 1e-12))

    def search_bounds(self):
        """Finite bounds in x for multistart and profiles: the parameter bounds, and where a
        bound is 0 or infinite, a range of SEARCH_DECADES decades around the start."""
        lower, upper = self.bounds()
        x0 = self.to_x(self.theta0)
        reach = np.where(self.log, SEARCH_DECADES * np.log(10.0), 10.0 ** SEARCH_DECADES / 1e3)
        anchor_high = np.where(np.isfinite(upper), upper, x0 + reach)
        lower = np.where(np.isfinite(lower), lower, np.minimum(x0, anchor_high) - reach)
        upper = np.where(np.isfinite(upper), upper, x0 + reach)
        return lower, upper

    def to_x(self, theta):
        theta = np.asarray(theta, float)
        with np.errstate(divide="ignore"):
            return np.where(self.log, np.log(np.maximum(theta, 0)), theta / self.scale)

    def to_theta(self, x):
        """Linear values; clipped to the bounds (exp(log(upper)) may exceed upper by a rounding error)."""
        x = np.asarray(x, float)
        with np.errstate(over="ignore"):
            theta = np.where(self.log, np.exp(x), x * self.scale)
        return np.clip(theta, self.lower, self.upper) if x.shape == self.lower.shape else theta

    def bounds(self):
        return self.to_x(self.lower), self.to_x(self.upper)

    def values(self, theta, label_index):
        """{model parameter: value} for one experiment (a knob's value times its factor)."""
        columns = self.columns(label_index)
        return {self.resolved[name].parameter: float(theta[column]) * self.resolved[name].factor
                for name, column in zip(self.user_estimate, columns)}

    def columns(self, label_index):
        """Positions in x of the experiment's estimated parameters (in self.estimate order)."""
        offset = len(self.shared) + label_index * len(self.individual)
        where = {n: i for i, n in enumerate(self.shared)}
        where.update({n: offset + i for i, n in enumerate(self.individual)})
        return np.array([where[n] for n in self.user_estimate])

    def parameter_set(self, theta, label_index):
        return self.bases[label_index].with_values(self.values(theta, label_index))

    # ---- residuals -----------------------------------------------------------------------
    def _setup_weights(self):
        sd = self.data["sd"].to_numpy(float)
        self.known_sd = bool(np.all(np.isfinite(sd)))
        if self.known_sd:
            self.sigma = sd
        else:  # relative weights: each variable scaled by its mean absolute measured value
            typical = self.data.groupby("variable")["value"].transform(lambda v: np.mean(np.abs(v)))
            self.sigma = np.where(typical.to_numpy(float) > 0, typical.to_numpy(float), 1.0)
        self.measured = self.data["value"].to_numpy(float)

    def simulate(self, x, jacobian=True):
        """(simulated values per data row, d(simulated)/dx or None); raises on failure."""
        if not jacobian:
            return self._simulate_plain(x)
        outcome = self.simulate_with_sensitivities([x])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _simulate_plain(self, x):
        theta = self.to_theta(x)
        simulated = np.empty(len(self.data))
        for index, experiment in enumerate(self.experiments):
            observed, _ = simulate_experiment(experiment, self.parameter_set(theta, index), None, rtol=self.rtol)
            self.simulations += 1
            rows, t_index, o_index = self.row_index[index]
            simulated[rows] = observed[t_index, o_index]
        return simulated, None

    def simulate_with_sensitivities(self, points, *, threads=True) -> list:
        """``(simulated values per data row, d(simulated)/dx)`` for each x in ``points``, or the
        exception that stopped it (SolverError, ParameterValueError).

        The batch entry point of exact gradients (one point per optimiser step; many for the
        starts of a multistart or the steps of a profile): every (point, experiment) pair is
        one task, and the compiled sensitivity kernel releases the GIL, so ``threads`` run
        them on every core (healthy starts with the compiled solver)."""
        with compiled_beside():  # a first fit: the Jacobian and the kernel compile while SymPy works
            model = sensitivity_model(self.estimate)
            function_addresses(model.module)
        prepare_kernel(model.module)  # compiled and bound here, not in several threads at once
        tasks = [(m, index) for m in range(len(points)) for index in range(len(self.experiments))]
        thetas = [self.to_theta(x) for x in points]

        def run(task):
            m, index = task
            columns = self.columns(index)
            theta = thetas[m]
            scales = np.where(self.log[columns], theta[columns], self.scale[columns]) * self.factor[columns]
            try:
                return simulate_experiment(self.experiments[index], self.parameter_set(theta, index), model, scales,
                                           self.rtol, observed=self.row_index[index][2])
            except (SolverError, ParameterValueError) as error:
                return error

        results = list(_pool().map(run, tasks)) if self._parallel(threads, len(tasks)) else [run(t) for t in tasks]
        self.simulations += len(tasks)
        out = [(np.empty(len(self.data)), np.zeros((len(self.data), len(x)))) for x in points]
        for (m, index), result in zip(tasks, results):
            if isinstance(out[m], Exception):
                continue
            if isinstance(result, Exception):
                out[m] = result
                continue
            observed, sens = result
            rows, t_index, o_index = self.row_index[index]
            out[m][0][rows] = observed[t_index, o_index]
            out[m][1][np.ix_(rows, self.columns(index))] = sens[t_index, o_index, :]
        return out

    def simulate_points(self, points) -> list:
        """Simulated values per data row for each x in ``points`` (None where it failed),
        without sensitivities: each experiment runs every point in one batch call."""
        from ..numerics.batch import simulate_each
        from ..simulation.prepared import Simulation

        out = [np.empty(len(self.data)) for _ in points]
        for index, experiment in enumerate(self.experiments):
            runs = []
            for x in points:
                try:
                    runs.append(Simulation.from_parameter_set(
                        experiment.scenario, self.parameter_set(self.to_theta(x), index),
                        interventions=experiment.interventions, start=experiment.start, rtol=self.rtol))
                except ParameterValueError as error:
                    runs.append(error)
            rows, t_index, o_index = self.row_index[index]
            for k, (observed, _) in enumerate(simulate_each(runs, experiment.times, threads=True)):
                self.simulations += 1
                if observed is None or out[k] is None:
                    out[k] = None
                else:
                    out[k][rows] = observed[t_index, o_index]
        return out

    def _parallel(self, threads, count) -> bool:
        """Threads only where every task runs compiled code: a steady start finds its state
        and the SciPy solver integrates with SciPy, whose LSODA and MINPACK are not re-entrant."""
        from ..simulation.prepared import default_solver

        return (threads and count > 1 and default_solver() == "compiled"
                and all(experiment.start == "healthy" for experiment in self.experiments))

    def difference_jacobian(self, x, lower, upper, columns=None, step=None, scheme="forward"):
        """Finite-difference Jacobian of the weighted residuals at x, every step simulated in
        one batch per experiment. Only ``columns`` (a mask; default all) are differenced, the
        others are zero.

        ``scheme="forward"``: SciPy's ``2-point`` (relative step sqrt(eps) by default), turned
        inward at a bound. ``"central"``: SciPy's ``3-point`` (relative step eps^(1/3), error
        O(step^2), twice the simulations), one-sided inward where a step would leave the bounds.
        """
        x = np.asarray(x, float)
        columns = np.arange(len(x)) if columns is None else np.flatnonzero(columns)
        base = self.residuals_only(x)
        step = (SCIPY_STEP if scheme == "forward" else CENTRAL_STEP) if step is None else step
        h = step * np.where(x >= 0, 1.0, -1.0) * np.maximum(1.0, np.abs(x))
        central = (scheme == "central") & (x - h >= lower) & (x + h <= upper)
        outside = (x + h < lower) | (x + h > upper)
        h = np.where(outside, -h, h)
        points, where = [], []
        for j in columns:
            for sign in ((1.0, -1.0) if central[j] else (1.0,)):
                point = x.copy()
                point[j] += sign * h[j]
                points.append(point)
                where.append(j)
        values = {}
        for j, point, simulated in zip(where, points, self.simulate_points(points)):
            if simulated is None:
                self.failures += 1
                values[j] = None  # a step the model refuses: no information in that direction
            elif values.get(j, 0) is not None:
                values.setdefault(j, []).append((point[j], (simulated - self.measured) / self.sigma))
        derivative = np.zeros((len(base), len(x)))
        for j, pairs in values.items():
            if pairs is None:
                continue
            if len(pairs) == 2:
                (x_plus, r_plus), (x_minus, r_minus) = pairs
                derivative[:, j] = (r_plus - r_minus) / (x_plus - x_minus)
            else:
                (x_step, r_step), = pairs
                derivative[:, j] = (r_step - base) / (x_step - x[j])
        return derivative

    def evaluate(self, x, jacobian=True):
        """Weighted residuals and their Jacobian with respect to x (memoised on x)."""
        key = np.asarray(x, float).tobytes()
        if self._memo is not None and self._memo[0] == key and (self._memo[2] is not None or not jacobian):
            return self._memo[1], self._memo[2]
        try:
            simulated, derivative = self.simulate(x, jacobian)
        except (SolverError, ParameterValueError):
            self.failures += 1
            residuals = np.full(len(self.data), FAILED_RESIDUAL)
            self._memo = (key, residuals, np.zeros((len(self.data), len(x))))
            return self._memo[1], self._memo[2]
        return self.remember(x, simulated, derivative)

    def remember(self, x, simulated, derivative):
        """Weighted residuals and Jacobian of a simulation at x, memoised for :meth:`evaluate`
        (the fit's setup check simulates the first start, which the optimiser then asks for)."""
        residuals = (simulated - self.measured) / self.sigma
        weighted = None if derivative is None else derivative / self.sigma[:, None]
        self._memo = (np.asarray(x, float).tobytes(), residuals, weighted)
        return residuals, weighted

    def residuals(self, x):
        return self.evaluate(x, jacobian=True)[0]

    def residuals_only(self, x):
        return self.evaluate(x, jacobian=False)[0]

    def jacobian(self, x):
        return self.evaluate(x, jacobian=True)[1]


@lru_cache(maxsize=1)
def _pool():
    """The threads that run sensitivity tasks (one per core; created on first use)."""
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="homeostasis-sensitivities")


def _per_label(setting, label, what):
    if isinstance(setting, dict):
        if label not in setting:
            raise HomeostasisError(f"{what}: no entry for the data's scenario label {label!r}; "
                                   f"it has {', '.join(map(repr, setting)) or 'none'}")
        return setting[label]
    return setting


def _resolve_all(names, experiments):
    """{user name: Estimated}, the same for every experiment's scenario."""
    out = {}
    for name in names:
        found = {resolve(name, experiment.scenario) for experiment in experiments}
        if len(found) > 1:
            raise HomeostasisError(f"estimate: {name!r} means different parameters in the experiments' scenarios "
                                   f"({', '.join(sorted(f.parameter for f in found))})")
        out[name] = found.pop()
    parameters = [out[n].parameter for n in names]
    twice = sorted({p for p in parameters if parameters.count(p) > 1})
    if twice:
        raise HomeostasisError(f"estimate: {', '.join(twice)} named twice (as a parameter and as a scenario knob)")
    return out
