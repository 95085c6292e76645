"""Integrate through a schedule of intervention events (segment by segment)."""

from __future__ import annotations

import numpy as np

from .parameters import parameter_names, validate_value
from .solve import integrate_states

ADENOMA_PRESENT = 1e-6  # relative mass above which an adenoma is "there" to be removed


def run_schedule(compiled, y0, grid, parameters: dict, events, *, scale, rtol, time_offset=0.0):
    """States on ``grid`` (run days) with ``events`` applied at their times.

    ``time_offset`` shifts model time (a steady start of a scenario whose inputs vary in time
    continues from the time at which its steady state was found).
    Returns the states and a list of (output rows, parameter vector in force for them).
    """
    names = parameter_names()
    p = np.array([parameters[n] for n in names], float)
    events = sorted((e for e in events if grid[0] <= e.time <= grid[-1]), key=lambda e: e.time)
    out = np.empty((len(grid), len(y0)))
    out[0] = y0
    groups = [(np.array([0]), p.copy())]
    y, start = np.asarray(y0, float), grid[0]
    for boundary in sorted({e.time for e in events} | {grid[-1]}):
        # outputs at an event time show the state just before the event
        wanted = np.flatnonzero((grid > start) & (grid <= boundary))
        times = np.unique(np.concatenate(([start], grid[wanted], [boundary])))
        if len(times) > 1:
            states = integrate_states(compiled, y, times + time_offset, p, scale=scale, rtol=rtol)
            out[wanted] = states[np.searchsorted(times, grid[wanted])]
            groups.append((wanted, p.copy()))
            y = states[-1]
        for event in (e for e in events if e.time == boundary):
            y, p = apply_event(compiled, event, y, p, names, boundary + time_offset)
        start = boundary
    return out, groups


def apply_event(compiled, event, y, p, names, model_time):
    y, p = y.copy(), p.copy()
    index = {n: i for i, n in enumerate(compiled.state_names)}
    for name, factor in event.multiply.items():
        y[index[name]] *= factor
    for name, amount in event.add.items():
        y[index[name]] += amount
    settings = dict(event.parameters)
    if event.relative_clamp is not None:
        observed = dict(zip(compiled.observable_names, compiled.observables([model_time], y[None, :], p)[0]))
        settings["ca_clamp_target"] = observed["ca_ionized"] + event.relative_clamp
    if event.remove_adenoma_or_all:
        settings.update(_remove_parathyroid(y, index, p, names))
    for name, value in settings.items():
        validate_value(name, value)
        p[names.index(name)] = value
    return y, p


def _remove_parathyroid(y, index, p, names) -> dict:
    """Excise the adenoma if present; otherwise all parathyroid tissue."""
    if y[index["adenoma_mass"]] > ADENOMA_PRESENT:
        y[index["adenoma_mass"]] = y[index["pth_adenoma"]] = 0.0
        return {}
    y[index["parathyroid_mass"]] = y[index["pth_gland"]] = 0.0
    y[index["adenoma_mass"]] = y[index["pth_adenoma"]] = 0.0
    return {"parathyroid_capacity": 0.001}
