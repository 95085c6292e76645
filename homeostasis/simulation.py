"""The user-facing facade: it only orchestrates parameters, scenario, compile, solve, results."""

from __future__ import annotations

import numpy as np

from . import __version__
from .calibration import reference_state, state_scale
from .compile import compile_model
from .errors import HomeostasisError, ParameterValueError, UnknownNameError, check_finite_number
from .parameters import ParameterSet, parameter_table
from .results import Result
from .scenario import load_scenario
from .interventions import as_interventions
from .schedule import run_schedule
from .solve import DEFAULT_RTOL, find_steady_state

STARTS = ("healthy", "steady")
DEFAULT_POINTS = 501


def scenario_parameters(scenario="healthy", parameters=None):
    """The scenario, the validated ParameterSet it runs with, and its knob values."""
    chosen = load_scenario(scenario)
    if isinstance(parameters, ParameterSet):
        return chosen, parameters, chosen.split_settings({})[0]
    knobs, overrides = chosen.split_settings(parameters or {})
    changes = {**chosen.parameter_changes(knobs), **overrides}
    try:
        return chosen, ParameterSet.default().with_values(changes), knobs
    except UnknownNameError as error:  # suggest the scenario's knobs as well as parameters
        if not chosen.knobs:
            raise
        valid = list(parameter_table()) + list(chosen.knob_names())
        raise UnknownNameError("parameter or knob", error.name, valid) from None


def output_times(days=None, times=None, step=None) -> np.ndarray:
    """Validated output times in days (explicit ``times``, or a grid over ``days``)."""
    if times is not None:
        grid = np.asarray(times, dtype=float).ravel()
        if grid.size < 2 or not np.all(np.isfinite(grid)) or np.any(np.diff(grid) <= 0) or grid[0] < 0:
            raise ParameterValueError("times: expected at least two finite, increasing, non-negative days")
        return grid
    days = check_finite_number("days", 365.0 if days is None else days)
    if days <= 0:
        raise ParameterValueError(f"days: expected a positive number of days, got {days:g}")
    if step is None:
        return np.linspace(0.0, days, DEFAULT_POINTS)
    step = check_finite_number("step", step)
    if not 0 < step <= days:
        raise ParameterValueError(f"step: expected a value in (0, {days:g}] days, got {step:g}")
    grid = np.arange(0.0, days + step * 1e-9, step)
    return grid if np.isclose(grid[-1], days) else np.append(grid, days)


def steady_time(parameter_set) -> float:
    """Model time at which time-varying inputs have reached their final values."""
    return max(parameter_set["gfr_decline_days"], 0.0)


def initial_state(compiled, parameter_set, start="healthy", scenario=None, knobs=None) -> np.ndarray:
    """The healthy reference state (with the scenario's day-0 seeds), or its steady state."""
    if start not in STARTS:
        raise ParameterValueError(f"start: expected one of {STARTS}, got {start!r}")
    healthy = reference_state(parameter_set)
    if scenario is None:
        return healthy
    if start == "healthy":
        return override_state(compiled, healthy, scenario.initial(knobs))
    guess = override_state(compiled, healthy, scenario.steady_guess(knobs))
    # a seeded disease branch (adenoma) is reached by integrating before the root is polished
    settle = (365.0, 3650.0) if scenario.steady_guess(knobs) else (0.0, 365.0, 3650.0)
    return find_steady_state(compiled, guess, parameter_set.vector, scale=state_scale(parameter_set),
                             time=steady_time(parameter_set), settle_days=settle)


def override_state(compiled, y, initial) -> np.ndarray:
    """Replace named entries of the initial state (validated, non-negative, finite)."""
    y = np.array(y, dtype=float)
    for name, value in (initial or {}).items():
        if name not in compiled.state_names:
            raise UnknownNameError("state", name, compiled.state_names)
        number = check_finite_number(name, value)
        if number < 0:
            raise ParameterValueError(f"{name}: expected a non-negative amount, got {number:g}")
        y[compiled.state_names.index(name)] = number
    return y


def simulate(scenario="healthy", *, days=None, times=None, step=None, parameters=None,
             interventions=None, start="healthy", initial=None, rtol=DEFAULT_RTOL) -> Result:
    """Simulate a scenario and return a :class:`~homeostasis.results.Result`.

    Parameters
    ----------
    scenario : name of a scenario in ``scenarios/``, a path to a scenario file, or a Scenario.
    days : length of the run (default 365); ignored when ``times`` is given.
    times : output times in days (increasing); the run starts at ``times[0]``.
    step : output spacing in days for a ``days`` grid (default: 501 points).
    parameters : ``{name: value}`` for scenario knobs or model parameters, or a ParameterSet.
    start : ``"healthy"`` (the healthy steady state; disease begins at day 0) or ``"steady"``.
    initial : ``{state_name: amount}`` replacing entries of the starting state.
    rtol : relative tolerance of the integrator.
    """
    chosen, parameter_set, knobs = scenario_parameters(scenario, parameters)
    grid = output_times(days, times, step)
    schedule = as_interventions(interventions)
    compiled = compile_model()
    y0 = override_state(compiled, initial_state(compiled, parameter_set, start, chosen, knobs), initial)
    base = parameter_set.as_dict()
    events = [e for item in schedule for e in item.events(base, grid[-1])]
    offset = steady_time(parameter_set) if start == "steady" else 0.0
    states, groups = run_schedule(compiled, y0, grid, base, events, scale=state_scale(parameter_set),
                                  rtol=rtol, time_offset=offset)
    observed = _observe(compiled, grid + offset, states, groups)
    metadata = {"homeostasis_version": __version__, "start": start, "solver": "LSODA (scipy odeint)",
                "rtol": rtol, "knobs": dict(knobs), "changed_parameters": parameter_set.changed(),
                "interventions": [f"{i.name}@{i.day:g}:{i.options}" for i in schedule]}
    return Result(chosen.name, grid, states, observed,
                  compiled.state_names, compiled.observable_names, compiled.observable_units,
                  parameter_set.as_dict(), metadata)


def _observe(compiled, model_times, states, groups):
    """Observables computed with the parameters in force at each output time."""
    out = np.empty((len(model_times), len(compiled.observable_names)))
    for rows, vector in groups:
        if len(rows):
            out[rows] = compiled.observables(model_times[rows], states[rows], vector)
    return out


def steady_state(scenario="healthy", *, parameters=None) -> dict[str, float]:
    """Observable values at the scenario's steady state (skeletal mineral held fixed)."""
    chosen, parameter_set, knobs = scenario_parameters(scenario, parameters)
    compiled = compile_model()
    y = initial_state(compiled, parameter_set, "steady", chosen, knobs)
    values = compiled.observables(np.array([steady_time(parameter_set)]), y[None, :], parameter_set.vector)[0]
    return dict(zip(compiled.observable_names, values.tolist()))
