"""A prepared simulation: built once from scenario, settings, interventions and start.

:class:`Simulation` owns the parameter vector, the starting state and the event schedule,
and is what :func:`~homeostasis.simulate`, :func:`~homeostasis.steady_state`, fitting,
``compare``, SBML export and the benchmarks all use (PyBaMM's ``Simulation``, Myokit's
``Simulation(model, protocol)``). Changing a parameter value on it never recompiles: the
compiled model is shared by every simulation in the process.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

import os

from .._version import __version__
from ..errors import ParameterValueError, SolverError, UnknownNameError, check_finite_number, check_one_of
from ..numerics.cache import compile_model
from ..numerics.solve import DEFAULT_RTOL, SETTLE_DAYS, check_tolerance, find_steady_state
from ..parameters import ParameterSet, parameter_table
from ..protocol.interventions import as_interventions, format_intervention, schedule_events
from ..protocol.schedule import run_schedule
from ..scenarios.base import load_scenario
from .results import ObservableValues

STARTS = ("healthy", "steady")
SOLVERS = ("compiled", "scipy")
SOLVER_NAMES = {"compiled": "BDF (compiled driver, homeostasis.numerics.driver)", "scipy": "LSODA (scipy odeint)"}


def default_solver() -> str:
    """``$HOMEOSTASIS_SOLVER`` (``compiled`` or ``scipy``; the SciPy path is the reference)."""
    return check_one_of("HOMEOSTASIS_SOLVER", _solver_setting(), SOLVERS)


def _solver_setting() -> str:
    return os.environ.get("HOMEOSTASIS_SOLVER") or "compiled"


def begin_compiling() -> None:
    """On a first run with the compiled driver, start compiling in the helper process now, beside
    this process's set-up (:func:`homeostasis.numerics.driver.start_compiling`)."""
    if _solver_setting() == "compiled":  # not checked here: a bad value is refused at solve, as before
        from ..numerics.driver import start_compiling

        start_compiling()


DEFAULT_POINTS = 501


def scenario_parameters(scenario="healthy", parameters=None):
    """The scenario, the validated ParameterSet it runs with, and its knob values.

    ``parameters`` is a ``{name: value}`` dict of knobs and model parameters layered on the
    scenario's changes, or a whole :class:`ParameterSet` used as the base on which the
    scenario's changes are applied (a set that contradicts one of those changes is refused).
    """
    chosen = load_scenario(scenario)
    if isinstance(parameters, ParameterSet):
        knobs = chosen.split_settings({})[0]
        return chosen, _layer_on_set(chosen, parameters, knobs), knobs
    if parameters is not None and not isinstance(parameters, dict):
        raise TypeError(f"parameters: expected a dict {{name: value}} or a ParameterSet, "
                        f"got {type(parameters).__name__}")
    knobs, overrides = chosen.split_settings(parameters or {})
    changes = {**chosen.parameter_changes(knobs), **overrides}
    try:
        return chosen, ParameterSet.default().with_values(changes), knobs
    except UnknownNameError as error:  # suggest the scenario's knobs as well as parameters
        if not chosen.knobs:
            raise
        valid = list(parameter_table()) + list(chosen.knob_names())
        raise UnknownNameError("parameter or knob", error.name, valid) from None


def _layer_on_set(scenario, parameter_set, knobs) -> ParameterSet:
    changes = scenario.parameter_changes(knobs)
    default = ParameterSet.default()
    for name, value in changes.items():
        mine = parameter_set[name]
        if not np.isclose(mine, default[name], rtol=1e-12, atol=0) and not np.isclose(mine, value, rtol=1e-12, atol=0):
            raise ParameterValueError(
                f"parameters: the ParameterSet sets {name}={mine:g} but scenario {scenario.name!r} sets it to "
                f"{value:g}; change the scenario's knobs ({', '.join(scenario.knob_names()) or 'none'}) "
                f"or pass a dict of settings instead")
    return parameter_set.with_values(changes)


def output_times(days=None, times=None, step=None) -> np.ndarray:
    """Validated output times in days (explicit ``times``, or a grid over ``days``)."""
    if times is not None:
        try:
            grid = np.asarray(times, dtype=float).ravel()
        except (TypeError, ValueError):
            raise ParameterValueError("times: expected a sequence of numbers (days)") from None
        if np.ndim(times) != 1:
            raise ParameterValueError(f"times: expected a one-dimensional sequence of days, got {np.ndim(times)} dimensions")
        if not _increasing_days(grid):
            raise ParameterValueError("times: expected at least two finite, increasing, non-negative days")
        if grid[-1] > MAX_DAYS:
            raise ParameterValueError(f"times: expected days up to {MAX_DAYS:g}, got {grid[-1]:g}")
        if step is not None:
            raise ParameterValueError("times: give either times or step, not both")
        if days is not None and not np.isclose(check_finite_number("days", days), grid[-1], rtol=1e-12, atol=1e-9):
            raise ParameterValueError(f"days: {days!r} contradicts the last of times ({grid[-1]:g}); "
                                      "give times alone")
        return grid
    days = check_finite_number("days", 365.0 if days is None else days)
    if not 0 < days <= MAX_DAYS:
        raise ParameterValueError(f"days: expected a positive number of days up to {MAX_DAYS:g} "
                                  f"(about 270 years), got {days:g}")
    if step is None:
        return np.linspace(0.0, days, DEFAULT_POINTS)
    step = check_finite_number("step", step)
    if not 0 < step <= days:
        raise ParameterValueError(f"step: expected a value in (0, {days:g}] days, got {step:g}")
    return _stepped_grid(days, step)


def _increasing_days(grid) -> bool:
    """At least two finite, strictly increasing, non-negative values: with every step positive
    (a NaN step fails the comparison) and finite ends, every value is finite."""
    if grid.size < 2 or not 0 <= grid[0] or not np.isfinite(grid[-1]):
        return False
    return bool((grid[1:] - grid[:-1]).min() > 0)


MAX_DAYS = 1e5  # an adult lifetime several times over; longer runs only accumulate round-off
MAX_OUTPUT_POINTS = 2_000_000  # 2 million rows of ~60 states and observables is ~1 GB


def _stepped_grid(days, step):
    points = days / step + 1
    if points > MAX_OUTPUT_POINTS:
        raise ParameterValueError(f"step: {days:g} days every {step:g} days would give {points:.3g} output "
                                  f"points; expected at most {MAX_OUTPUT_POINTS:,} (use a larger step)")
    grid = np.arange(0.0, days + step * 1e-9, step)
    last = float(grid[-1])  # np.isclose's rule (rtol 1e-5, atol 1e-8) without its array machinery
    return grid if abs(last - days) <= 1e-8 + 1e-5 * abs(days) else np.append(grid, days)


def steady_time(parameter_set) -> float:
    """Model time at which time-varying inputs have reached their final values."""
    return max(parameter_set["gfr_decline_days"], 0.0)


def initial_state(compiled, parameter_set, start="healthy", scenario=None, knobs=None) -> np.ndarray:
    """The healthy reference state (with the scenario's day-0 seeds), or its steady state."""
    check_one_of("start", start, STARTS)
    healthy = compiled.reference_state(parameter_set.vector)
    if scenario is None:
        return healthy
    if start == "healthy":
        return override_state(compiled, healthy, scenario.seed_amounts(knobs))
    return steady_solution(compiled, parameter_set, healthy, scenario.guess_amounts(knobs))


STEADY_CACHE_SIZE = 64  # steady states kept per process (a few kB each)
_steady_cache: dict = {}


def steady_solution(compiled, parameter_set, healthy, seeds) -> np.ndarray:
    """The steady state reached from ``healthy`` with the disease-branch ``seeds`` (a copy).

    Solved once per (model, parameter vector, seeds): asking again with nothing changed, from
    the same or another :class:`Simulation`, returns the stored solution.
    """
    vector = parameter_set.vector
    key = (compiled.key, vector.tobytes(), tuple(sorted(seeds.items())))
    if key not in _steady_cache:
        guess = override_state(compiled, healthy, seeds)
        # a seeded disease branch (adenoma) is reached by integrating before the root is polished
        settle = SETTLE_DAYS[1:] if seeds else SETTLE_DAYS
        solution = find_steady_state(compiled, guess, vector, scale=compiled.state_scale(vector),
                                     time=steady_time(parameter_set), settle_days=settle)
        while len(_steady_cache) >= STEADY_CACHE_SIZE:
            _steady_cache.pop(next(iter(_steady_cache)))
        _steady_cache[key] = solution
    return _steady_cache[key].copy()


def override_state(compiled, y, amounts) -> np.ndarray:
    """Replace named entries of a state vector by ``amounts`` (validated, non-negative, finite)."""
    y = np.array(y, dtype=float)
    if amounts is not None and not isinstance(amounts, dict):
        raise TypeError(f"initial_amounts: expected a dict {{state name: amount}}, got {type(amounts).__name__}")
    for name, value in (amounts or {}).items():
        if name not in compiled.state_names:
            raise UnknownNameError("state", name, compiled.state_names)
        number = check_finite_number(name, value)
        if number < 0:
            raise ParameterValueError(f"{name}: expected a non-negative amount, got {number:g}")
        y[compiled.state_names.index(name)] = number
    return y


class Simulation:
    """A scenario prepared to run: parameters, starting state and interventions, built once.

    Parameters
    ----------
    scenario : a scenario name, a path to a ``.py`` scenario file, or a :class:`Scenario`.
    parameters : ``{name: value}`` of scenario knobs and model parameters layered on the
        scenario's changes, or a :class:`ParameterSet` used as the base for those changes.
    interventions : ``"NAME@DAY[:key=value,...]"`` strings or ``Intervention`` objects.
    start : ``"healthy"`` (the disease begins at day 0) or ``"steady"`` (the scenario's own
        steady state).
    initial_amounts : ``{state: amount}`` replacing entries of the starting state.
    rtol : relative tolerance of the integrator.
    """

    def __init__(self, scenario="healthy", *, parameters=None, interventions=None, start="healthy",
                 initial_amounts=None, rtol=DEFAULT_RTOL):
        begin_compiling()
        self.scenario, parameter_set, self.knobs = scenario_parameters(scenario, parameters)
        self._setup(parameter_set, interventions, start, initial_amounts, rtol)

    @classmethod
    def from_parameter_set(cls, scenario, parameter_set, *, interventions=None, start="healthy",
                           initial_amounts=None, rtol=DEFAULT_RTOL) -> "Simulation":
        """A simulation that runs ``parameter_set`` exactly as given (it already holds the
        scenario's changes, as fitted sets do)."""
        self = cls.__new__(cls)
        self.scenario = load_scenario(scenario)
        self.knobs = self.scenario.split_settings({})[0]
        self._setup(parameter_set, interventions, start, initial_amounts, rtol)
        return self

    def _setup(self, parameter_set, interventions, start, initial_amounts, rtol):
        check_one_of("start", start, STARTS)
        self.parameter_set = parameter_set
        self.interventions = tuple(as_interventions(interventions))
        self.start = start
        if initial_amounts is not None and not isinstance(initial_amounts, dict):
            raise TypeError(f"initial_amounts: expected a dict {{state name: amount}}, "
                            f"got {type(initial_amounts).__name__}")
        self.initial_amounts = dict(initial_amounts or {})
        self.rtol = check_tolerance("rtol", rtol)
        self.compiled = compile_model()
        override_state(self.compiled, np.zeros(len(self.compiled.state_names)), self.initial_amounts)

    def with_parameters(self, values: dict) -> "Simulation":
        """The same simulation with some model parameters changed (nothing is recompiled)."""
        return Simulation.from_parameter_set(self.scenario, self.parameter_set.with_values(values),
                                             interventions=self.interventions, start=self.start,
                                             initial_amounts=self.initial_amounts, rtol=self.rtol)

    @property
    def vector(self) -> np.ndarray:
        """The parameter values as one vector, in the compiled model's order."""
        return self.parameter_set.vector

    @cached_property
    def scale(self) -> np.ndarray:
        """Typical size of each state (tolerances and scaling)."""
        return self.compiled.state_scale(self.parameter_set.vector)

    @property
    def time_offset(self) -> float:
        """Model time of run day 0 (a steady start continues where the steady state was found)."""
        return steady_time(self.parameter_set) if self.start == "steady" else 0.0

    @cached_property
    def initial_state(self) -> np.ndarray:
        """The starting state (computed once; a steady start solves for it)."""
        y0 = initial_state(self.compiled, self.parameter_set, self.start, self.scenario, self.knobs)
        return override_state(self.compiled, y0, self.initial_amounts)

    def events(self, end: float) -> list:
        """Every event of the interventions up to run day ``end``, in time order."""
        if not self.interventions:
            return []
        return schedule_events(self.interventions, self.parameter_set.as_dict(), end)

    def metadata(self) -> dict:
        """Provenance recorded with every result."""
        return {"homeostasis_version": __version__, "start": self.start, "solver": SOLVER_NAMES[self.last_solver],
                "rtol": self.rtol, "knobs": dict(self.knobs), "changed_parameters": self.parameter_set.changed(),
                "interventions": [format_intervention(i) for i in self.interventions],
                **({"fallback_reason": self.fallback_reason} if self.fallback_reason else {})}

    last_solver = "scipy"  # which path produced the latest result (recorded in its metadata)
    # why the compiled driver's attempt at the latest result failed, when the SciPy path then made it
    # (recorded in the metadata, so that a fallback costing ~30x the time is visible); None otherwise
    fallback_reason = None

    def solve(self, *, days=None, times=None, step=None, progress=None, solver=None, observables=None):
        """Integrate on an output grid and return a :class:`~homeostasis.simulation.results.Result`.

        The compiled driver runs the whole schedule in compiled code; the SciPy path
        (``HOMEOSTASIS_SOLVER=scipy``) is the reference, and the fallback when the compiled
        driver cannot be built or fails (its error is then the one raised; when the SciPy path
        succeeds, the compiled driver's failure is recorded as ``fallback_reason`` in the result's
        metadata and ``frame.attrs``). ``solver`` chooses
        (``"compiled"`` or ``"scipy"``; default ``$HOMEOSTASIS_SOLVER``, else compiled).
        ``progress`` (fraction done) is called as the run advances (by the compiled driver
        after each year, which it integrates one call at a time so that Ctrl-C stops a long run
        within a year; by the SciPy path after each segment).
        ``observables``: names of the observables to compute (the result has only those, in
        that order); default every one. Fewer is faster: each is evaluated at every output time.
        """
        from .results import Result

        grid = output_times(days, times, step)
        selection = self.compiled.observable_selection(observables)
        states, observed = self._integrate(grid, progress, solver, selection)
        return Result(self.scenario.name, grid, states, observed, self.compiled.state_names,
                      selection.names, selection.units, self.parameter_set.as_dict(), self.metadata())

    def _integrate(self, grid, progress=None, solver=None, selection=None):
        events = self.events(grid[-1])
        chosen = default_solver() if solver is None else check_one_of("solver", solver, SOLVERS)
        failure, model = None, self.compiled
        if chosen == "compiled":
            from ..numerics.driver import ready_driver, run_compiled

            driver = ready_driver()
            if driver is None:  # a first run: the driver's loop still compiles in the background
                from ..numerics.driver import HoistedModel

                model = HoistedModel(self.compiled)
            else:
                try:
                    result = run_compiled(self.compiled, self.initial_state, grid, self.parameter_set.vector, events,
                                          scale=self.scale, rtol=self.rtol, time_offset=self.time_offset,
                                          observables=None if selection is None else selection.names,
                                          progress=progress, driver=driver)
                    self.last_solver, self.fallback_reason = "compiled", None
                    return result
                except SolverError as error:  # the reference path decides (and names the failure if it fails too)
                    failure = f"compiled driver: {error.summary}"
        states, groups = run_schedule(model, self.initial_state, grid, self.parameter_set.vector,
                                      events, scale=self.scale, rtol=self.rtol, time_offset=self.time_offset,
                                      progress=progress)
        self.last_solver, self.fallback_reason = "scipy", failure
        observed = self.observe(grid, states, groups, model)
        return states, observed if selection is None else observed[:, selection.which]

    def observe(self, grid, states, groups, model=None) -> np.ndarray:
        """Observables at run days ``grid`` with the parameters in force at each time (computed by
        ``model``, default the compiled model)."""
        model = self.compiled if model is None else model
        model_times = np.asarray(grid, float) + self.time_offset
        out = np.empty((len(model_times), len(self.compiled.observable_names)))
        for rows, vector in groups:
            if len(rows):
                out[rows] = model.observables(model_times[rows], states[rows], vector)
        return out

    def steady_state(self) -> dict[str, float]:
        """Observable values at the scenario's steady state (skeletal mineral held fixed)."""
        y = initial_state(self.compiled, self.parameter_set, "steady", self.scenario, self.knobs)
        time = np.array([steady_time(self.parameter_set)])
        values = self.compiled.observables(time, y[None, :], self.parameter_set.vector)[0]
        return ObservableValues(zip(self.compiled.observable_names, values.tolist()))

    def __repr__(self) -> str:
        return (f"Simulation({self.scenario.name!r}, start={self.start!r}, knobs={self.knobs}, "
                f"interventions={[format_intervention(i) for i in self.interventions]})")


def prepare(scenario="healthy", **options) -> Simulation:
    """A :class:`Simulation` (the same keyword options); build once, run many times."""
    return Simulation(scenario, **options)
