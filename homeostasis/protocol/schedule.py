"""The one event loop: integrate segment by segment, applying events between segments.

:func:`run_events` walks the output grid and the events once; what is integrated and what an
event does to it belong to a *runner* (the hook): :class:`StateRunner` carries the states
(the SciPy reference path of every simulation), and fitting's sensitivity runner carries the
states with their forward sensitivities through the same loop. Each event applies its action
objects (:mod:`homeostasis.protocol.events`); the loop knows no kind of event.

The loop is linear in the number of events and output points (events are grouped by time
once, output rows found by binary search), so a dose every hour for ten years is no slower
per dose than one dose.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import groupby

import numpy as np

from ..numerics.solve import integrate_states
from ..parameters.table import parameter_names
from .events import Instant


def event_groups(events, first: float, last: float):
    """``(time, [events])`` in time order for the events within [first, last]."""
    inside = sorted((e for e in events if first <= e.time <= last), key=lambda e: e.time)
    return [(time, list(group)) for time, group in groupby(inside, key=lambda e: e.time)]


def segments(grid, groups):
    """``(start, end, output rows in (start, end], events at end)`` covering the whole grid."""
    grid = np.asarray(grid, float)
    start = grid[0]
    boundaries = [(time, group) for time, group in groups]
    if not boundaries or boundaries[-1][0] < grid[-1]:
        boundaries.append((grid[-1], []))
    for end, group in boundaries:
        lo, hi = np.searchsorted(grid, start, side="right"), np.searchsorted(grid, end, side="right")
        yield start, end, np.arange(lo, hi), group
        start = end


@lru_cache(maxsize=1)
def parameter_index() -> dict:
    """Parameter name -> position in the parameter vector."""
    return {name: i for i, name in enumerate(parameter_names())}


def run_events(runner, grid, events, *, time_offset=0.0, progress=None):
    """Drive ``runner`` over ``grid`` (run days) with ``events`` applied at their times.

    The runner (the hook) provides ``record_start()``, ``advance(times, rows, where)`` (integrate
    from ``times[0]`` through ``times`` in model days and record output ``rows`` from the
    positions ``where`` of ``times``) and ``apply(event, model_time)``. Outputs at an event
    time show the state just before the event. ``progress(done_fraction)`` is called after
    each segment when given.
    """
    grid = np.asarray(grid, float)
    span = max(grid[-1] - grid[0], 1e-300)
    runner.record_start()
    for start, end, rows, group in segments(grid, event_groups(events, grid[0], grid[-1])):
        times = np.unique(np.concatenate(([start], grid[rows], [end])))
        if len(times) > 1:
            runner.advance(times + time_offset, rows, np.searchsorted(times, grid[rows]))
        for event in group:
            runner.apply(event, end + time_offset)
        if progress is not None:
            progress((end - grid[0]) / span)
    return runner


class StateRunner:
    """The states on the output grid, and the parameter vector in force for each row."""

    def __init__(self, compiled, y0, grid, p, *, scale, rtol):
        self.compiled, self.scale, self.rtol = compiled, scale, rtol
        self.y = np.asarray(y0, float)
        self.p = np.array(p, dtype=float)
        self.states = np.empty((len(grid), len(self.y)))
        self.groups = []

    def record_start(self):
        self.states[0] = self.y
        self.groups.append((np.array([0]), self.p.copy()))

    def advance(self, times, rows, where):
        states = integrate_states(self.compiled, self.y, times, self.p, scale=self.scale, rtol=self.rtol)
        self.states[rows] = states[where]
        self.groups.append((rows, self.p.copy()))
        self.y = states[-1]

    def apply(self, event, model_time):
        self.y, self.p = event.apply(self.y, self.p, Instant(self.compiled, model_time, parameter_index()))


def run_schedule(compiled, y0, grid, p, events, *, scale, rtol, time_offset=0.0, progress=None):
    """States on ``grid`` (run days) with ``events`` applied at their times.

    ``p`` is the parameter vector; ``time_offset`` shifts model time (a steady start of a
    scenario whose inputs vary in time continues from the time at which its steady state was
    found). Returns the states and a list of (output rows, parameter vector in force for them).
    """
    runner = StateRunner(compiled, y0, grid, p, scale=scale, rtol=rtol)
    run_events(runner, grid, events, time_offset=time_offset, progress=progress)
    return runner.states, runner.groups


def apply_event(compiled, event, y, p, model_time):
    """The state and parameter vector just after ``event`` (new arrays)."""
    return event.apply(y, p, Instant(compiled, model_time, parameter_index()))
