"""The one-call facades: :func:`simulate` and :func:`steady_state` (each prepares a Simulation)."""

from __future__ import annotations

from ..errors import renamed_keyword
from ..numerics.solve import DEFAULT_RTOL
from .prepared import Simulation


def simulate(scenario="healthy", *, days=None, times=None, step=None, parameters=None,
             interventions=None, start="healthy", initial_amounts=None, rtol=DEFAULT_RTOL, initial=None,
             observables=None):
    """Simulate a scenario and return a :class:`~homeostasis.simulation.results.Result`.

    Parameters
    ----------
    scenario : name of a scenario (``homeostasis list``), a path to a scenario file, or a Scenario.
    days : length of the run (default 365); ignored when ``times`` is given.
    times : output times in days (increasing); the run starts at ``times[0]``.
    step : output spacing in days for a ``days`` grid (default: 501 points).
    parameters : ``{name: value}`` for scenario knobs or model parameters, layered on the
        scenario's changes; or a ParameterSet, used as the base for the scenario's changes.
    interventions : ``"NAME@DAY[:key=value,...]"`` strings or Intervention objects.
    start : ``"healthy"`` (the healthy steady state; disease begins at day 0) or ``"steady"``.
    initial_amounts : ``{state_name: amount}`` replacing entries of the starting state
        (``initial=`` is its deprecated name).
    rtol : relative tolerance of the integrator, in (0, 0.01].
    observables : names of the observables to compute (default every one); fewer is faster.

    Returns
    -------
    Result : time courses of every state and observable, with provenance in ``metadata``.

    Raises
    ------
    UnknownNameError, ParameterValueError, TypeError for bad input; SolverError when the
    integration fails (with time, state and parameters).
    """
    initial_amounts = renamed_keyword("simulate", "initial", "initial_amounts", initial, initial_amounts)
    prepared = Simulation(scenario, parameters=parameters, interventions=interventions, start=start,
                          initial_amounts=initial_amounts, rtol=rtol)
    return prepared.solve(days=days, times=times, step=step, observables=observables)


def steady_state(scenario="healthy", *, parameters=None) -> dict[str, float]:
    """Observable values at the scenario's steady state (skeletal mineral held fixed)."""
    return Simulation(scenario, parameters=parameters, start="steady").steady_state()
