"""One experiment (a scenario with its interventions) simulated with forward sensitivities.

It runs the one event loop (:func:`homeostasis.protocol.schedule.run_events`) with a runner
that integrates the states with their sensitivities; each event's actions say how the
sensitivities pass through them (``Action.carry``), so they follow the same rules as the
states:

* a state multiplied by a factor at an event has its sensitivity multiplied by that factor;
  an amount added (a dose) does not change the sensitivity; a state emptied by surgery loses it;
* a parameter set to a fixed value by an event no longer follows the estimated parameters, so
  its row of dp/dtheta becomes zero; estimating a parameter that an intervention sets is
  refused (the event would overwrite the estimate);
* a relative calcium clamp sets its target from ionized calcium at the clamp's start, so the
  target inherits that calcium's sensitivity.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from ..errors import HomeostasisError, SolverError
from ..numerics import sensitivity_driver
from ..numerics.solve import DEFAULT_RTOL, integrate_with_sensitivities
from ..protocol.events import Instant
from ..protocol.schedule import parameter_index, run_events, run_schedule
from ..simulation.prepared import Simulation
from .sensitivities import SensitivityModel


_SCIPY_LOCK = threading.Lock()


@dataclass(frozen=True)
class Experiment:
    """A scenario run that produced some of the data rows."""

    label: str
    scenario: object  # a homeostasis.Scenario
    interventions: tuple  # Intervention objects
    start: str
    times: np.ndarray  # output grid in days, starting at 0


def simulate_experiment(experiment: Experiment, parameter_set, sensitivity: SensitivityModel | None,
                        scales=None, rtol=DEFAULT_RTOL, *, observed=None):
    """Observables (times x observables) and, with ``sensitivity``, their scaled sensitivities
    (times x observables x estimated); the latter is None without ``sensitivity``.

    ``observed``: positions of the observables whose sensitivities are wanted (default all);
    the others' are NaN. dg/dy S costs ~12 µs per output time for all 45 observables, ~2 µs
    for the two or three a data set measures."""
    prepared = Simulation.from_parameter_set(experiment.scenario, parameter_set, interventions=experiment.interventions,
                                             start=experiment.start, rtol=rtol)
    compiled, grid, p = prepared.compiled, experiment.times, prepared.vector
    y0, events, offset = prepared.initial_state, prepared.events(grid[-1]), prepared.time_offset
    if sensitivity is None:  # the compiled driver (falling back to the SciPy path, as simulate does)
        return prepared.solve(times=grid).observables, None
    dp = sensitivity.parameter_sensitivity(p, scales, parameter_set.overridden_derived)
    s0 = _initial_sensitivity(compiled, sensitivity, experiment, prepared.knobs, y0, p, dp, offset)
    return _run(compiled, sensitivity, y0, s0, grid, p, dp, events, prepared.scale, rtol, offset, observed)


def refuse_event_parameters(events, estimated, experiment):
    """An intervention may not set an estimated parameter (its value would be overwritten).
    Checked once, when the problem is built (:class:`.objective.Problem`): which parameters the
    events set does not depend on the parameter values tried."""
    for event in events:
        clash = event.parameters_set & set(estimated)
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


class SensitivityRunner:
    """The hook of :func:`~homeostasis.protocol.schedule.run_events` that integrates states with
    their forward sensitivities and records observables and their derivatives on the grid.

    ``solver="compiled"`` (default) integrates each segment with the staggered corrector in
    compiled code (:mod:`homeostasis.numerics.sensitivity_driver`); ``"scipy"`` hands the
    augmented system to LSODA (the reference path, and the fallback when the compiled kernel
    fails, as for plain runs)."""

    def __init__(self, compiled, sensitivity, y0, s0, grid, p, dp, *, scale, rtol, time_offset, solver="compiled",
                 observed=None):
        self.compiled, self.sensitivity, self.scale, self.rtol = compiled, sensitivity, scale, rtol
        self.grid, self.offset, self.solver = np.asarray(grid, float), time_offset, solver
        self.y, self.s, self.p, self.dp = np.asarray(y0, float), s0, p, dp
        self.active = {name: i for i, name in enumerate(sensitivity.active)}
        self.observed = np.empty((len(grid), len(compiled.observable_names)))
        every = len(compiled.observable_names)
        self.which = np.arange(every, dtype=np.int64) if observed is None else np.unique(np.asarray(observed, np.int64))
        self.derivative = np.empty((len(grid), every, s0.shape[1]))
        if len(self.which) < every:
            self.derivative.fill(np.nan)

    def _record(self, rows, states, sens):
        times = self.grid[rows] + self.offset
        self.observed[rows] = self.compiled.observables(times, states, self.p)
        self.derivative[np.ix_(np.atleast_1d(rows), self.which)] = sensitivity_driver.observable_sensitivities(
            self.sensitivity.module, times, states, sens, self.p, self.dp, which=self.which)

    def record_start(self):
        self._record([0], self.y[None, :], self.s[None])

    def advance(self, times, rows, where):
        states, sens = self._integrate(times)
        self._record(rows, states[where], sens[where])
        self.y, self.s = states[-1], sens[-1]

    def _integrate(self, times):
        if self.solver == "compiled":
            try:
                return sensitivity_driver.integrate_with_sensitivities(
                    self.compiled, self.sensitivity.module, self.y, self.s, times, self.p, self.dp,
                    scale=self.scale, rtol=self.rtol)
            except SolverError:
                pass  # the reference path decides (and names the failure if it fails too)
        with _SCIPY_LOCK:  # LSODA keeps its state in Fortran common blocks: one thread at a time
            return integrate_with_sensitivities(self.compiled, self.sensitivity, self.y, self.s, times, self.p,
                                                self.dp, scale=self.scale, rtol=self.rtol)

    def apply(self, event, model_time):
        at = Instant(self.compiled, model_time, parameter_index(), self.sensitivity, self.active)
        self.y, self.s, self.p, self.dp = event.apply_carrying(self.y, self.s, self.p, self.dp, at)


def _run(compiled, sensitivity, y0, s0, grid, p, dp, events, scale, rtol, offset, observed=None):
    from ..simulation.prepared import default_solver

    runner = SensitivityRunner(compiled, sensitivity, y0, s0, grid, p, dp, scale=scale, rtol=rtol,
                               time_offset=offset, solver=default_solver(), observed=observed)
    with sensitivity_driver.deferred_signals():  # Ctrl-C takes effect between compiled calls
        run_events(runner, grid, events, time_offset=offset)
    return runner.observed, runner.derivative
