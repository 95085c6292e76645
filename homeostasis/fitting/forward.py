"""One experiment (a scenario with its interventions) simulated with forward sensitivities.

This mirrors :func:`homeostasis.simulate` and :func:`homeostasis.schedule.run_schedule`, and
carries the sensitivities through the starting state and through intervention events:

* a state multiplied by a factor at an event has its sensitivity multiplied by that factor;
  an amount added (a dose) does not change the sensitivity; a state emptied by surgery loses it;
* a parameter set to a fixed value by an event no longer follows the estimated parameters, so
  its row of dp/dtheta becomes zero; estimating a parameter that an intervention sets is
  refused (the event would overwrite the estimate);
* a relative calcium clamp sets its target from ionized calcium at the clamp's start, so the
  target inherits that calcium's sensitivity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import HomeostasisError
from ..numerics.solve import DEFAULT_RTOL, integrate_with_sensitivities
from ..parameters.table import parameter_names
from ..protocol.schedule import apply_event, event_groups, segments
from ..simulation.prepared import Simulation
from .sensitivities import CLAMP_TARGET, SensitivityModel

SURGERY_STATES = ("adenoma_mass", "pth_adenoma", "parathyroid_mass", "pth_gland")


@dataclass(frozen=True)
class Experiment:
    """A scenario run that produced some of the data rows."""

    label: str
    scenario: object  # a homeostasis.Scenario
    interventions: tuple  # Intervention objects
    start: str
    times: np.ndarray  # output grid in days, starting at 0


def simulate_experiment(experiment: Experiment, parameter_set, sensitivity: SensitivityModel | None,
                        scales=None, rtol=DEFAULT_RTOL):
    """Observables (times x observables) and, with ``sensitivity``, their scaled sensitivities
    (times x observables x estimated); the latter is None without ``sensitivity``."""
    prepared = Simulation.from_parameter_set(experiment.scenario, parameter_set, interventions=experiment.interventions,
                                             start=experiment.start, rtol=rtol)
    compiled, grid, p = prepared.compiled, experiment.times, prepared.vector
    y0, events, offset = prepared.initial_state, prepared.events(grid[-1]), prepared.time_offset
    if sensitivity is None:  # the compiled driver (falling back to the SciPy path, as simulate does)
        return prepared.solve(times=grid).observables, None
    _refuse_event_parameters(events, sensitivity.estimated, experiment)
    dp = sensitivity.parameter_sensitivity(p, scales, parameter_set.overridden_derived)
    s0 = _initial_sensitivity(compiled, sensitivity, experiment, prepared.knobs, y0, p, dp, offset)
    return _run(compiled, sensitivity, y0, s0, grid, p, dp, events, prepared.scale, rtol, offset)


def _refuse_event_parameters(events, estimated, experiment):
    for event in events:
        clash = set(event.parameters) & set(estimated)
        if event.relative_clamp is not None and CLAMP_TARGET in estimated:
            clash.add(CLAMP_TARGET)
        if event.remove_adenoma_or_all and "parathyroid_capacity" in estimated:
            clash.add("parathyroid_capacity")
        if clash:
            names = ", ".join(sorted(clash))
            raise HomeostasisError(f"cannot estimate {names}: an intervention of experiment "
                                   f"{experiment.label!r} sets it at day {event.time:g}")


def _initial_sensitivity(compiled, sensitivity, experiment, knobs, y0, p, dp, offset):
    names = compiled.state_names
    s0 = sensitivity.initial_sensitivity(p, dp)
    if experiment.start == "healthy":
        for name in experiment.scenario.seed_amounts(knobs):
            s0[names.index(name)] = 0.0  # a fixed seed amount
        return s0
    # steady start: fixed (slow) states keep their guess; the others solve f(y, p) = 0, so by
    # the implicit function theorem J_ff S_f = -(J_fx S_x + df/dp dp)_f
    for name in experiment.scenario.guess_amounts(knobs):
        s0[names.index(name)] = 0.0
    free = ~compiled.slow
    jac = compiled.jacobian(offset, y0, p)
    forcing = jac[:, ~free] @ s0[~free] + sensitivity.dfdp(offset, y0, p) @ dp
    s0[free] = -np.linalg.solve(jac[np.ix_(free, free)], forcing[free])
    return s0


def _run(compiled, sensitivity, y0, s0, grid, p, dp, events, scale, rtol, offset):
    names = parameter_names()
    n_obs = len(compiled.observable_names)
    k = s0.shape[1]
    observed = np.empty((len(grid), n_obs))
    derivative = np.empty((len(grid), n_obs, k))
    y, s = np.asarray(y0, float), s0

    def record(rows, times, states, sens, p, dp):
        observed[rows] = compiled.observables(times + offset, states, p)
        for row, t, state, column in zip(rows, times, states, sens):
            derivative[row] = sensitivity.observable_sensitivity(t + offset, state, column, p, dp)

    record([0], grid[:1], y[None, :], s[None], p, dp)
    for start, end, wanted, group in segments(grid, event_groups(events, grid[0], grid[-1])):
        times = np.unique(np.concatenate(([start], grid[wanted], [end])))
        if len(times) > 1:
            states, sens = integrate_with_sensitivities(compiled, sensitivity, y, s, times + offset, p, dp,
                                                        scale=scale, rtol=rtol)
            rows = np.searchsorted(times, grid[wanted])
            record(wanted, grid[wanted], states[rows], sens[rows], p, dp)
            y, s = states[-1], sens[-1]
        for event in group:
            y, s, p, dp = _apply(compiled, sensitivity, event, y, s, p, dp, names, end + offset)
    return observed, derivative


def _apply(compiled, sensitivity, event, y, s, p, dp, names, model_time):
    """An event applied to states, parameters and their sensitivities."""
    new_y, new_p = apply_event(compiled, event, y, p, names, model_time)
    new_s, new_dp = s.copy(), dp.copy()
    index = compiled.state_index
    for name, factor in event.multiply.items():
        new_s[index[name]] *= factor
    if event.remove_adenoma_or_all:
        for name in SURGERY_STATES:
            if new_y[index[name]] == 0.0:
                new_s[index[name]] = 0.0
    active = {name: i for i, name in enumerate(sensitivity.active)}
    changed = set(event.parameters) | {names[i] for i in np.flatnonzero(new_p != p)}
    for name in changed & set(active):
        new_dp[active[name]] = 0.0
    if event.relative_clamp is not None:  # target = ionized calcium just before the event + delta
        ionized = compiled.observable_names.index("ca_ionized")
        new_dp[active[CLAMP_TARGET]] = sensitivity.observable_sensitivity(model_time, y, s, p, dp)[ionized]
    return new_y, new_s, new_p, new_dp
