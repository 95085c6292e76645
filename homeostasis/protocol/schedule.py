"""The one event loop: integrate segment by segment, applying events between segments.

The loop is linear in the number of events and output points (events are grouped by time
once, output rows found by binary search), so a dose every hour for ten years is no slower
per dose than one dose.
"""

from __future__ import annotations

from itertools import groupby

import numpy as np

from ..numerics.solve import integrate_states
from ..parameters.table import parameter_names, validate_value

ADENOMA_PRESENT = 1e-6  # relative mass above which an adenoma is "there" to be removed


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


def run_schedule(compiled, y0, grid, p, events, *, scale, rtol, time_offset=0.0, progress=None):
    """States on ``grid`` (run days) with ``events`` applied at their times.

    ``p`` is the parameter vector; ``time_offset`` shifts model time (a steady start of a
    scenario whose inputs vary in time continues from the time at which its steady state was
    found); ``progress(done_fraction)`` is called after each segment when given.
    Returns the states and a list of (output rows, parameter vector in force for them).
    """
    names = parameter_names()
    p = np.array(p, dtype=float)
    out = np.empty((len(grid), len(y0)))
    out[0] = y0
    groups = [(np.array([0]), p.copy())]
    y = np.asarray(y0, float)
    span = max(grid[-1] - grid[0], 1e-300)
    for start, end, rows, group in segments(grid, event_groups(events, grid[0], grid[-1])):
        # outputs at an event time show the state just before the event
        times = np.unique(np.concatenate(([start], grid[rows], [end])))
        if len(times) > 1:
            states = integrate_states(compiled, y, times + time_offset, p, scale=scale, rtol=rtol)
            out[rows] = states[np.searchsorted(times, grid[rows])]
            groups.append((rows, p.copy()))
            y = states[-1]
        for event in group:
            y, p = apply_event(compiled, event, y, p, names, end + time_offset)
        if progress is not None:
            progress((end - grid[0]) / span)
    return out, groups


def apply_event(compiled, event, y, p, names, model_time):
    """The state and parameter vector just after ``event``."""
    y, p = y.copy(), p.copy()
    index = compiled.state_index
    for name, factor in event.multiply.items():
        y[index[name]] *= factor
    for name, amount in event.add.items():
        y[index[name]] += amount
    settings = dict(event.parameters)
    if event.relative_clamp is not None:
        observed = dict(zip(compiled.observable_names, compiled.observables([model_time], y[None, :], p)[0]))
        settings["ca_clamp_target"] = observed["ca_ionized"] + event.relative_clamp
    if event.remove_adenoma_or_all:
        settings.update(_remove_parathyroid(y, index))
    for name, value in settings.items():
        validate_value(name, value)
        p[names.index(name)] = value
    return y, p


def _remove_parathyroid(y, index) -> dict:
    """Excise the adenoma if present; otherwise all parathyroid tissue."""
    if y[index["adenoma_mass"]] > ADENOMA_PRESENT:
        y[index["adenoma_mass"]] = y[index["pth_adenoma"]] = 0.0
        return {}
    y[index["parathyroid_mass"]] = y[index["pth_gland"]] = 0.0
    y[index["adenoma_mass"]] = y[index["pth_adenoma"]] = 0.0
    return {"parathyroid_capacity": 0.001}
