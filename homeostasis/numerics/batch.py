"""Many parameter vectors in one call to the compiled driver.

A population, a multistart fit or a profile likelihood runs the same prepared simulation
(scenario, interventions, output grid) for many parameter vectors. :func:`simulate_many`
builds each starting state and tolerance vector in NumPy, encodes the schedule once, and runs
every vector inside one parallel numba loop, so the per-vector overhead is the integration
itself plus a few microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import ParameterValueError
from .driver import FAILURES, MAX_STEPS, EncodedEvents, driver_tolerances, is_special, load_driver, run_compiled


@dataclass(frozen=True)
class Batch:
    """States (vectors x times x states) and observables (vectors x times x observables).

    ``failed[m]`` is True when vector m could not be integrated (its rows are NaN) and
    ``messages[m]`` says why (empty string otherwise).
    """

    times: np.ndarray
    states: np.ndarray
    observables: np.ndarray
    failed: np.ndarray
    messages: tuple
    state_names: tuple
    observable_names: tuple


def simulate_many(prepared, vectors, times, *, threads=True, observables=True) -> Batch:
    """Run ``prepared`` (a :class:`~homeostasis.Simulation`) once per row of ``vectors``.

    ``vectors`` are complete parameter vectors in the compiled model's order (as
    ``ParameterSet.vector`` gives them, derived values included); ``times`` are run days.
    Events come from ``prepared`` (its interventions with its own parameter values). A
    ``"steady"`` start or an event that reads the state at its instant (calcium clamp,
    parathyroidectomy without a fraction) runs vector by vector through the same driver.
    ``observables``: ``True`` (every one), a list of names (only those are evaluated, in that
    order: ``Batch.observable_names`` names the columns), or ``False`` to skip them (faster,
    and ~half the memory for large batches; ``Batch.observables`` is then vectors x 0 x
    observables).
    """
    from ..simulation.prepared import output_times

    compiled = prepared.compiled
    grid = output_times(times=times)
    vectors = _checked_vectors(vectors, len(prepared.vector))
    events = prepared.events(grid[-1])
    offset = prepared.time_offset
    selection = compiled.observable_selection(None if observables is True or observables is False else observables)
    if prepared.start != "healthy" or any(is_special(event) for event in events):
        result = _one_by_one(prepared, vectors, grid, selection)
        return result if observables is not False else replace(result, observables=result.observables[:, :0])
    y0s, scales = _starts(prepared, vectors)
    rtol, atols = driver_tolerances(scales, prepared.rtol)
    from ..protocol.schedule import event_groups

    encoded = EncodedEvents(compiled, event_groups(events, grid[0], grid[-1]), offset)
    bounds, op_start, op_kind, op_index, op_value = encoded.arrays()
    if not len(bounds) or bounds[-1] < grid[-1] + offset:
        bounds, op_start = np.append(bounds, grid[-1] + offset), np.append(op_start, op_start[-1])
    count, rows = len(vectors), len(grid)
    states = np.empty((count, rows, len(compiled.state_names)))  # failed rows become NaN below
    observed = np.empty((count, rows if observables is not False else 0, len(selection.names)))
    status = np.zeros(count, dtype=np.int64)
    failed_time = np.zeros(count)
    load_driver().run_many(y0s, vectors, grid + offset, bounds, op_start, op_kind, op_index, op_value, float(rtol),
                           atols, MAX_STEPS, states, selection.which, selection.need, observed, status, failed_time,
                           threads=threads)
    failed = status != 0
    states[failed], observed[failed] = np.nan, np.nan
    messages = tuple(f"{FAILURES[code]} at t = {time:.6g} days" if code else ""
                     for code, time in zip(status, failed_time))
    return Batch(grid, states, observed, failed, messages, compiled.state_names, selection.names)


def simulate_each(simulations, grid, variables=None, *, threads=False) -> list:
    """``(observables on grid, "")`` or ``(None, error)`` for each prepared simulation.

    The entry point for many runs that differ in parameter values (population chunks,
    finite-difference Jacobians of a fit): ``variables`` are the observable columns (default
    every one). Runs that share a schedule (healthy start, the same events and day-0 seeds) go
    through one :func:`simulate_many` call, so their Python overhead is paid once; a steady
    start runs alone. A run the batch cannot integrate is run again alone
    (``Simulation.solve`` falls back to the SciPy path, as a single run would). An exception
    in place of a simulation (refused settings) is reported as its error. ``threads``: the
    batch's parallel loop (off by default: Dask already runs one worker process per core).
    """
    outcomes = [None] * len(simulations)
    for members in _schedule_groups(simulations, grid[-1], outcomes):
        batch = _batch(simulations, members, grid, variables, threads)
        for row, k in enumerate(members):
            if batch is None or batch.failed[row]:
                outcomes[k] = _solve_alone(simulations[k], grid, variables)
            else:
                outcomes[k] = (batch.observables[row], "")
    return outcomes


def _schedule_groups(simulations, end, outcomes):
    """Indices of simulations that can share one batch call (errors go into ``outcomes``)."""
    groups = []  # [(key, [indices])]
    for k, simulation in enumerate(simulations):
        if isinstance(simulation, Exception):
            outcomes[k] = (None, one_line(simulation))
            continue
        try:
            key = (simulation.start, simulation.scenario.name, simulation.rtol, simulation.initial_amounts,
                   simulation.events(end), simulation.scenario.seed_amounts(simulation.knobs))
        except Exception as error:  # reported for this run; the others go on
            outcomes[k] = (None, one_line(error))
            continue
        if key[0] != "healthy":
            groups.append((None, [k]))
            continue
        for other, members in groups:
            if other == key:
                members.append(k)
                break
        else:
            groups.append((key, [k]))
    return [members for _, members in groups]


def _batch(simulations, members, grid, variables, threads):
    from ..simulation.prepared import default_solver

    first = simulations[members[0]]
    if first.start != "healthy" or default_solver() != "compiled":
        return None
    return simulate_many(first, np.array([simulations[k].vector for k in members]), grid, threads=threads,
                         observables=True if variables is None else variables)


def _solve_alone(simulation, grid, variables):
    try:
        return simulation.solve(times=grid, observables=variables).observables, ""
    except Exception as error:  # reported for this run; the others go on
        return None, one_line(error)


def one_line(error: Exception) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}"


def _checked_vectors(vectors, size):
    try:
        array = np.ascontiguousarray(vectors, dtype=float)
    except (TypeError, ValueError):
        raise ParameterValueError("vectors: expected a 2-D array of numbers (vectors x parameters)") from None
    if array.ndim != 2 or array.shape[1] != size:
        raise ParameterValueError(f"vectors: expected shape (n, {size}), got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ParameterValueError("vectors: expected finite values")
    return array


def _starts(prepared, vectors):
    """Starting states (the healthy reference with the scenario's seeds) and state scales."""
    from ..simulation.prepared import override_state

    compiled = prepared.compiled
    seeds = prepared.scenario.seed_amounts(prepared.knobs)
    y0s = np.empty((len(vectors), len(compiled.state_names)))
    scales = np.empty_like(y0s)
    for m, vector in enumerate(vectors):
        healthy = compiled.reference_state(vector)
        scales[m] = compiled.scale_from(healthy)
        y0s[m] = override_state(compiled, override_state(compiled, healthy, seeds), prepared.initial_amounts)
    return y0s, scales


def _one_by_one(prepared, vectors, grid, selection):
    compiled = prepared.compiled
    states = np.full((len(vectors), len(grid), len(compiled.state_names)), np.nan)
    observed = np.full((len(vectors), len(grid), len(selection.names)), np.nan)
    failed, messages = np.zeros(len(vectors), dtype=bool), []
    for m, vector in enumerate(vectors):
        one = prepared.__class__.from_parameter_set(prepared.scenario, prepared.parameter_set, start=prepared.start,
                                                    interventions=prepared.interventions,
                                                    initial_amounts=prepared.initial_amounts, rtol=prepared.rtol)
        one.parameter_set = _VectorSet(prepared.parameter_set, vector)
        try:
            states[m], observed[m] = run_compiled(compiled, one.initial_state, grid, vector, one.events(grid[-1]),
                                                  scale=one.scale, rtol=one.rtol, time_offset=one.time_offset,
                                                  observables=selection.names)
            messages.append("")
        except Exception as error:  # noqa: BLE001 - one failed vector must not stop the batch
            failed[m] = True
            messages.append(str(error))
    return Batch(grid, states, observed, failed, tuple(messages), compiled.state_names, selection.names)


class _VectorSet:
    """The minimal ParameterSet interface the prepared simulation reads, over a raw vector."""

    def __init__(self, base, vector):
        self._names = list(base.as_dict())
        self._vector = np.asarray(vector, float)

    @property
    def vector(self):
        return self._vector.copy()

    def __getitem__(self, name):
        return float(self._vector[self._names.index(name)])

    def as_dict(self):
        return dict(zip(self._names, self._vector.tolist()))
