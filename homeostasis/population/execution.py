"""Chunks of virtual patients as Dask tasks, and what each worker runs.

The driver (the process that called :func:`~homeostasis.population`) submits one task per
chunk and handles each finished chunk as it arrives (written to disk at once, so a crash or a
Ctrl-C keeps it). Workers keep one prepared :class:`~homeostasis.simulation.Simulation` per
process (the compiled model is loaded once per worker, never per patient) and run each patient
by changing parameter values on it. A patient that fails is recorded with its error, and the
chunk goes on; a worker that dies has its chunk re-run elsewhere by the Dask scheduler.

Dask is imported only here, inside functions, and only when a population is run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..errors import HomeostasisError
from ..numerics.batch import simulate_each

DEFAULT_CHUNK_SIZE = 250  # patients; benchmarks/population.py: Dask round trip + Parquet write ~ 11-13 patients, so
# a chunk of 250 keeps them near 5 % (fewer patients per chunk when n is small: TASKS_PER_WORKER)
TASKS_PER_WORKER = 4     # at least this many chunks per worker, so a slow chunk does not idle the others
TASK_RETRIES = 2         # a chunk whose worker died is re-run (the scheduler also allows 3 worker deaths)


def require_dask():
    """Import dask.distributed, or explain how to install it."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise HomeostasisError("virtual populations need Dask: pip install 'homeostasis[dask]' "
                               "(dask[distributed] and pyarrow)") from None
    return distributed


def choose_chunk_size(n: int, workers: int, chunk_size=None) -> int:
    """Patients per task: given, or the benchmark's size, smaller when there are few patients."""
    if chunk_size is not None:
        if isinstance(chunk_size, bool) or int(chunk_size) != chunk_size or chunk_size < 1:
            raise HomeostasisError(f"chunk_size: expected a positive whole number, got {chunk_size!r}")
        return int(chunk_size)
    balanced = -(-n // (max(workers, 1) * TASKS_PER_WORKER))
    return max(1, min(DEFAULT_CHUNK_SIZE, balanced))


# --- what a worker runs ---------------------------------------------------------------------

@dataclass(frozen=True)
class PatientRuns:
    """Time courses of virtual patients of one scenario (the task of :func:`population`)."""

    scenario: object
    days: float
    step: float
    variables: tuple
    interventions: tuple = ()
    start: str = "healthy"
    knobs: frozenset = field(default_factory=frozenset)

    def run(self, rows):
        """``rows`` = [(patient, settings)] -> (tidy columns, [(patient, status, error, seconds)])."""
        from ..simulation import output_times

        base = _prepared(self.scenario, self.interventions, self.start)
        grid = output_times(days=self.days, step=self.step)
        began = time.perf_counter()
        outcomes = simulate_each([self._prepare(base, settings) for _, settings in rows], grid, self.variables)
        seconds = (time.perf_counter() - began) / max(len(rows), 1)  # one batch: the chunk's mean
        columns = {"patient": [], "time_days": [], "variable": [], "value": [], "unit": []}
        statuses = []
        units = base.compiled.observable_selection(self.variables).units
        unit_names = tuple(dict.fromkeys(units))  # distinct, in order of first use
        unit_codes = np.array([unit_names.index(unit) for unit in units], dtype=np.int32)
        for (patient, _), (observed, error) in zip(rows, outcomes):
            if observed is None:
                statuses.append((patient, "failed", error, seconds))
            else:
                self._append(columns, patient, grid, observed, unit_codes)
                statuses.append((patient, "ok", "", seconds))
        return _tidy(columns, {"variable": self.variables, "unit": unit_names}), statuses

    def _prepare(self, base, settings):
        """The patient's Simulation, or the exception that refused its settings."""
        try:
            return self._simulation(base, settings)
        except Exception as error:  # recorded with the patient; the chunk goes on
            return error

    def _simulation(self, base, settings):
        from ..simulation import Simulation

        if self.knobs.intersection(settings):  # knobs change the scenario's own parameter changes
            return Simulation(base.scenario, parameters=settings, interventions=base.interventions, start=self.start)
        return base.with_parameters(settings)

    def _append(self, columns, patient, times, observed, unit_codes):
        """One patient's rows; variable and unit as codes (see :func:`_tidy`)."""
        count, width = observed.shape
        columns["patient"].append(np.full(count * width, patient, dtype=np.int64))
        columns["time_days"].append(np.tile(times, width))
        columns["variable"].append(np.repeat(np.arange(width, dtype=np.int32), count))
        columns["value"].append(observed.T.reshape(-1))
        columns["unit"].append(np.repeat(unit_codes, count))


def _tidy(columns, categories) -> dict:
    """The chunk's columns; ``variable`` and ``unit`` as pandas Categoricals of their codes: a
    100-patient chunk pickles to the driver as 1.8 MB instead of 7.4 MB of strings, and is
    written as Parquet dictionary columns without converting 70,000 strings."""
    import pandas as pd

    empty = {"patient": np.int64, "time_days": float, "variable": np.int32, "value": float, "unit": np.int32}
    tidy = {name: (np.concatenate(parts) if parts else np.array([], dtype=empty[name]))
            for name, parts in columns.items()}
    for name, names in categories.items():
        tidy[name] = pd.Categorical.from_codes(tidy[name], categories=list(names))
    return tidy


@dataclass(frozen=True)
class OutputValues:
    """One number per patient: an observable at one day (the task of :func:`sensitivity`)."""

    scenario: object
    variable: str
    day: float
    interventions: tuple = ()
    start: str = "healthy"
    knobs: frozenset = field(default_factory=frozenset)

    def run(self, rows):
        """``rows`` = [(index, settings)] -> [(index, value or nan, error)]."""
        base = _prepared(self.scenario, self.interventions, self.start)
        runner = PatientRuns(self.scenario, self.day, self.day, (self.variable,), self.interventions,
                             self.start, self.knobs)
        grid = np.array([0.0, self.day])
        outcomes = simulate_each([runner._prepare(base, settings) for _, settings in rows], grid,
                                     (self.variable,))
        return [(index, float("nan") if observed is None else float(observed[-1, 0]), error)
                for (index, _), (observed, error) in zip(rows, outcomes)]


@dataclass(frozen=True)
class AnalyticFunction:
    """A test function of the varied values (Ishigami), run through the same chunks as the model."""

    name: str = "ishigami"
    a: float = 7.0
    b: float = 0.1

    def run(self, rows):
        out = []
        for index, settings in rows:
            x = list(settings.values())
            value = np.sin(x[0]) + self.a * np.sin(x[1]) ** 2 + self.b * x[2] ** 4 * np.sin(x[0])
            out.append((index, float(value), ""))
        return out


@lru_cache(maxsize=8)
def _prepared(scenario, interventions, start):
    """One prepared Simulation per worker process and setting (loads the compiled model once)."""
    from ..simulation import Simulation

    return Simulation(scenario, interventions=list(interventions), start=start)


def _run_task(task, index, rows):
    return index, task.run(rows)


# --- the driver -----------------------------------------------------------------------------

@contextlib.contextmanager
def dask_client(client=None, scheduler=None, workers=None):
    """The caller's client, a client of ``scheduler``, or a LocalCluster started and stopped here."""
    require_dask()
    from distributed import Client, LocalCluster

    if client is not None:
        yield client
        return
    if scheduler:
        with Client(scheduler, timeout="20s") as own:
            yield own
        return
    count = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    own = Client(cluster)
    try:
        yield own
    finally:
        with contextlib.suppress(Exception):
            own.close(timeout=10)
        with contextlib.suppress(Exception):
            cluster.close(timeout=10)


def worker_count(client) -> int:
    return max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})) if _accepts_n(client)
               else len(client.scheduler_info().get("workers", {})))


def _accepts_n(client) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


def run_chunks(client, task, chunks: dict, on_done, *, total: int, done: int = 0, progress=None,
               label="patients"):
    """Submit ``{index: rows}`` as tasks; call ``on_done(index, output)`` as each finishes.

    On any exception (Ctrl-C included) the remaining tasks are cancelled and it is re-raised;
    chunks already handed to ``on_done`` stay done.
    """
    from distributed import as_completed

    futures = [client.submit(_run_task, task, index, rows, pure=False, retries=TASK_RETRIES)
               for index, rows in chunks.items()]
    bar = progress_bar(progress, total, done, label)
    try:
        for future in as_completed(futures):
            index, output = future.result()
            on_done(index, output)
            if bar is not None:
                bar.update(len(chunks[index]))
            future.release()
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(futures)
        raise
    finally:
        if bar is not None:
            bar.close()


def progress_bar(progress, total, done, label):
    """A tqdm bar on standard error when it is a terminal (or when ``progress=True``)."""
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, initial=done, unit=label[:-1] if label.endswith("s") else label,
                desc=label, file=sys.stderr, smoothing=0.1)
