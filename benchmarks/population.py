"""Virtual populations on Dask: patients per second, Dask overhead per chunk, chunk size, and
the same draws on libroadrunner (the package's exported SBML) in two processes.

Run: python benchmarks/population.py [N] [--no-roadrunner] [--sizes 100,250]   (default N = 200; the
issue's figure is 10,000; without the peer it stays under a minute: each roadrunner process compiles
the SBML for ~60 s). ``--sizes``: the chunk sizes timed (default 1 and the package's default; chunks of
1 are left out above 1,000 patients, where they alone would take minutes).

Healthy-year patients: GFR, calcium and phosphate intake drawn from a Latin hypercube, 365 days,
101 output points, rtol 1e-8 for both simulators (libroadrunner with the package's absolute
tolerances, as in benchmarks/sbml_benchmark.py). Times exclude starting the cluster and loading
or compiling the model (each worker loads it once; each roadrunner process compiles it once);
both are printed separately. Our time includes writing every chunk to Parquet; roadrunner's
keeps its results in memory.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import tempfile
import time

import numpy as np

VARY = {"gfr": (60.0, 120.0), "ca_intake": (15.0, 35.0), "phosphate_intake": (25.0, 55.0)}
VARIABLES = ("ca_total", "phosphate", "pth", "calcitriol", "fgf23", "urine_ca", "ca_x_p")
DAYS, POINTS, RTOL = 365.0, 101, 1e-8
WORKERS = 2
SBML_NAMES = {"gfr": "gfr_parameter"}  # the export renames parameters that clash with an observable
OVERHEAD_SHARE = 0.05  # the chunk size keeps the Dask + Parquet cost under 5% of the patients' time


class NoOp:
    """A task that does nothing: its round trip is the Dask overhead of a chunk."""

    def run(self, rows):
        return {}, []


def dask_overhead(client, chunks=200):
    from homeostasis.population.execution import run_chunks

    start = time.perf_counter()
    run_chunks(client, NoOp(), {i: [(i, {})] for i in range(chunks)}, lambda index, output: None,
               total=chunks, progress=False)
    return (time.perf_counter() - start) / chunks


def parquet_cost(size, folder):
    """Driver time to write one chunk of ``size`` patients (time courses and patients table)."""
    import pandas as pd

    from homeostasis.population import storage
    from homeostasis.population.execution import PatientRuns

    runs = PatientRuns("healthy", DAYS, DAYS / (POINTS - 1), VARIABLES)
    columns, statuses = runs.run([(i, {"gfr": 100.0}) for i in range(size)])
    table = pd.DataFrame(statuses, columns=["patient", "status", "error", "seconds"])
    start = time.perf_counter()
    for index in range(5):
        storage.write_chunk(folder, index, columns, table)
    return (time.perf_counter() - start) / 5


def serial_patient_seconds(design):
    from homeostasis.simulation import Simulation

    base = Simulation("healthy")
    base.solve(days=DAYS, step=DAYS / (POINTS - 1))
    rows = min(len(design.status), 40)
    start = time.perf_counter()
    for i in range(rows):
        base.with_parameters(design.settings(i)).solve(days=DAYS, step=DAYS / (POINTS - 1))
    return (time.perf_counter() - start) / rows


def batch_patient_seconds(design):
    """CPU seconds per patient of the compiled batch call alone (what a chunk costs without Dask)."""
    from homeostasis.numerics.batch import simulate_many
    from homeostasis.simulation import Simulation, output_times

    base = Simulation("healthy")
    rows = min(len(design.status), 200)
    vectors = np.array([base.with_parameters(design.settings(i)).vector for i in range(rows)])
    grid = output_times(days=DAYS, step=DAYS / (POINTS - 1))
    simulate_many(base, vectors[:2], grid, threads=False, observables=list(VARIABLES))
    best = math.inf
    for _ in range(3):
        start = time.thread_time()
        simulate_many(base, vectors, grid, threads=False, observables=list(VARIABLES))
        best = min(best, time.thread_time() - start)
    return best / rows


# --- libroadrunner in two processes -----------------------------------------------------------

_RR = {}


def _rr_init(text):
    import roadrunner

    from homeostasis.export.sbml import tolerance_hints

    start = time.perf_counter()
    r = roadrunner.RoadRunner(text)
    r.integrator.relative_tolerance = RTOL
    r.integrator.maximum_num_steps = 500_000
    for name, value in tolerance_hints(text)[1].items():  # 1e-11 x each integrated variable's size
        r.integrator.setIndividualTolerance(name, value)
    r.timeCourseSelections = ["time", *VARIABLES]
    _RR["r"], _RR["load"] = r, time.perf_counter() - start


def _rr_run(rows):
    r = _RR["r"]
    start = time.perf_counter()
    finals = []
    for settings in rows:
        r.resetAll()
        for name, value in settings.items():
            r[SBML_NAMES.get(name, name)] = value
        table = r.simulate(0, DAYS, POINTS)
        finals.append(table["ca_total"][-1])
    return time.perf_counter() - start, _RR["load"], finals


def roadrunner_pair(design):
    import homeostasis

    text = homeostasis.to_sbml("healthy")
    rows = [design.settings(i) for i in range(len(design.status))]
    halves = [rows[: len(rows) // 2], rows[len(rows) // 2:]]
    context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with context.Pool(WORKERS, initializer=_rr_init, initargs=(text,)) as pool:
        out = pool.map(_rr_run, halves)
    wall = time.perf_counter() - start
    busy = max(seconds for seconds, _, _ in out)
    load = max(loaded for _, loaded, _ in out)
    return busy, load, wall, [v for _, _, finals in out for v in finals]


def cpu_seconds(client):
    """CPU seconds used so far by all workers together, and by this (the driver) process: on a
    shared machine the wall time depends on the other jobs, the CPU time much less."""
    import resource

    def used():
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    return sum(client.run(used).values()), used()


def chunk_sizes(n, default):
    """The chunk sizes to time: ``--sizes a,b`` or 1 (for up to 1,000 patients) and the default."""
    if "--sizes" in sys.argv:
        return sorted({int(size) for size in sys.argv[sys.argv.index("--sizes") + 1].split(",")} | {default})
    return sorted({1, default}) if n <= 1000 else [default]


def main():
    from distributed import Client, LocalCluster

    import homeostasis
    from homeostasis.population.execution import DEFAULT_CHUNK_SIZE
    from homeostasis.population.sampling import draw_patients
    from homeostasis.scenarios import load_scenario

    options = [argument for argument in sys.argv[1:] if argument.startswith("--")]
    numbers = [argument for argument in sys.argv[1:] if not argument.startswith("--") and "," not in argument
               and not (options and sys.argv[sys.argv.index(argument) - 1] == "--sizes")]
    n = int(numbers[0]) if numbers else 200
    print(f"homeostasis {homeostasis.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"{n} healthy-year patients, {POINTS} points, rtol {RTOL:g}, {WORKERS} workers")
    design = draw_patients(load_scenario("healthy"), VARY, n, seed=0)
    patient = serial_patient_seconds(design)
    print(f"  one patient in one process (prepared Simulation, warm): {patient * 1e3:.1f} ms")

    start = time.perf_counter()
    with LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client, tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter() - start
        from homeostasis.numerics.driver import load_driver

        begin = time.perf_counter()
        client.run(lambda: load_driver() and None)  # the model and the compiled driver
        print(f"  LocalCluster start: {started:.2f} s; model load on the workers: {time.perf_counter() - begin:.2f} s")
        overhead = dask_overhead(client)
        write = parquet_cost(DEFAULT_CHUNK_SIZE, scratch)
        per_chunk = overhead * WORKERS + write  # worker-seconds of scheduling, plus the driver's write
        chosen = math.ceil(per_chunk / (OVERHEAD_SHARE * patient))
        print(f"  Dask round trip per chunk: {overhead * 1e3:.2f} ms wall ({overhead * WORKERS * 1e3:.2f} worker-ms); "
              f"Parquet write of a {DEFAULT_CHUNK_SIZE}-patient chunk: {write * 1e3:.1f} ms")
        print(f"  overhead per chunk = {per_chunk / patient:.2f} patients; under {100 * OVERHEAD_SHARE:g}% needs "
              f">= {chosen} patients per chunk (package default {DEFAULT_CHUNK_SIZE}, fewer when n is small)")
        results = {}
        for size in chunk_sizes(n, DEFAULT_CHUNK_SIZE):
            out = os.path.join(scratch, f"run{size}")
            before = cpu_seconds(client)
            begin = time.perf_counter()
            homeostasis.population("healthy", n=n, vary=VARY, days=DAYS, seed=0, client=client, out=out,
                                   chunk_size=size, progress=False)
            results[size] = time.perf_counter() - begin
            workers, driver = (after - earlier for after, earlier in zip(cpu_seconds(client), before))
            print(f"  population, chunk size {size:3d}: {results[size]:.2f} s, {n / results[size]:.1f} patients/s; "
                  f"CPU {workers:.2f} s in the workers + {driver:.2f} s in this process = "
                  f"{(workers + driver) / n * 1e3:.2f} ms per patient (on {WORKERS} idle cores: "
                  f"{(workers + driver) / WORKERS:.1f} s)")
    ours = results[DEFAULT_CHUNK_SIZE]
    print(f"  batch integration alone (simulate_many, one process, 200 patients): {batch_patient_seconds(design) * 1e3:.2f} ms "
          "per patient")
    if "--no-roadrunner" in sys.argv:
        return
    busy, load, wall, finals = roadrunner_pair(design)
    print(f"  libroadrunner, 2 processes, same draws: {busy:.2f} s simulating ({n / busy:.1f} patients/s); "
          f"SBML load + compile {load:.2f} s per process; pool wall {wall:.2f} s")
    print(f"  ratio homeostasis / libroadrunner (simulation time, target <= 0.7): {ours / busy:.2f}; "
          f"wall with startup: {(ours + started) / wall:.2f}")
    print(f"  check: median final total calcium {np.median(finals):.4f} mmol/L (roadrunner)")


if __name__ == "__main__":
    main()
