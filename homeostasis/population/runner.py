"""``homeostasis.population(...)``: draw virtual patients, run them on Dask, keep every chunk."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from .._version import __version__
from ..errors import HomeostasisError, ParameterValueError, UnknownNameError, check_finite_number
from . import storage
from .execution import PatientRuns, choose_chunk_size, dask_client, require_dask, run_chunks, worker_count
from .sampling import Design, describe_vary, draw_patients, file_digest, patients_from_csv
from .summaries import PopulationResult

# serum minerals, hormones, urine and the calcification product: what a population is read for
DEFAULT_VARIABLES = ("ca_total", "phosphate", "pth", "calcitriol", "fgf23", "urine_ca", "ca_x_p")
DEFAULT_POINTS = 101


def population(scenario="healthy", *, n=None, vary=None, patients=None, parameters=None, days=365.0, step=None, variables=None,
               interventions=None, start="healthy", seed=0, sampling="lhs", invalid="resample", client=None,
               scheduler=None, workers=None, out=None, chunk_size=None, overwrite=False,
               progress=None) -> PopulationResult:
    """Run ``n`` virtual patients of ``scenario`` on Dask and return their results.

    Parameters
    ----------
    scenario : scenario name, path to a ``.py`` scenario, or a Scenario.
    n : number of patients drawn from ``vary``.
    vary : ``{name: Distribution | (low, high) | (low, high, kind) | "LOW:HIGH[:kind]"}`` of scenario
        knobs and model parameters; kinds uniform, log (log-uniform), normal, lognormal (bounded).
    patients : instead of ``n``/``vary``, a CSV file with one column per knob or parameter and one
        row per patient (a row the model refuses is recorded as ``rejected``).
    parameters : ``{name: value}`` of knobs and parameters shared by every patient.
    days, step : length of each run and output spacing (default: 101 points).
    variables : observables stored (default :data:`DEFAULT_VARIABLES`).
    interventions, start : as for :func:`homeostasis.simulate`, the same for every patient.
    seed, sampling : seed and design: ``"lhs"`` (Latin hypercube), ``"sobol"`` or ``"random"``.
    invalid : a draw the model refuses (a derived rate constant out of range): ``"resample"``
        (replaced, and counted in the summary) or ``"record"`` (kept as a ``rejected`` patient).
    client, scheduler, workers : an existing ``distributed.Client``, a scheduler address, or the
        number of worker processes of the LocalCluster started and stopped here (default: cores).
    out : folder of the Parquet dataset (resumed if it holds this same run); None keeps the
        results in memory only.
    chunk_size : patients per Dask task (default chosen from the measured overhead).
    overwrite : replace a folder holding another population (or other files).
    progress : show a progress bar (default: when standard error is a terminal).
    """
    require_dask()
    storage.require_pyarrow()
    spec = _checked_spec(scenario, days, step, variables, interventions, start)
    fixed = _checked_fixed(spec.scenario, parameters)
    design, settings = _design(spec, n, vary, patients, seed, sampling, invalid, fixed)
    if out is None:
        scratch = Path(tempfile.mkdtemp(prefix="homeostasis-population-"))
        try:
            return _run(spec, design, settings, scratch, client, scheduler, workers, chunk_size, False,
                        progress).in_memory()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return _run(spec, design, settings, Path(out), client, scheduler, workers, chunk_size, overwrite, progress)


def _checked_spec(scenario, days, step, variables, interventions, start) -> PatientRuns:
    from ..numerics.cache import compile_model
    from ..protocol.interventions import as_interventions, format_intervention
    from ..scenarios import load_scenario
    from ..simulation import STARTS, output_times
    from ..errors import check_one_of

    chosen = load_scenario(scenario)
    days = check_finite_number("days", days)
    step = days / (DEFAULT_POINTS - 1) if step is None else step
    output_times(days=days, step=step)  # validates both
    check_one_of("start", start, STARTS)
    from ..simulation.results import current_names

    names = tuple(DEFAULT_VARIABLES if variables is None else current_names(variables))
    observables = compile_model().observable_names
    if not names:
        raise ParameterValueError("variables: expected at least one observable name")
    for name in names:
        if name not in observables:
            raise UnknownNameError("variable", name, observables)
    texts = tuple(format_intervention(item) for item in as_interventions(interventions))
    if not isinstance(scenario, (str, Path)):
        target = chosen  # a Scenario object travels to the workers by pickling
    elif str(scenario).endswith(".py"):
        target = str(Path(scenario).resolve())
    else:
        target = chosen.name
    return PatientRuns(target, float(days), float(step), names, texts, start,
                       frozenset(chosen.knob_names()))


def _checked_fixed(scenario, parameters) -> dict:
    """The shared settings, each a known knob or parameter with a valid value."""
    from ..simulation import scenario_parameters

    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise ParameterValueError(f"parameters: expected a dict {{name: value}}, got {type(parameters).__name__}")
    scenario_parameters(scenario, parameters)
    return {name: float(value) for name, value in parameters.items()}


def _design(spec: PatientRuns, n, vary, patients, seed, sampling, invalid, fixed) -> tuple[Design, dict]:
    from ..scenarios import load_scenario

    scenario = load_scenario(spec.scenario)
    common = {"homeostasis_version": __version__, "scenario": _scenario_key(spec.scenario), "days": spec.days,
              "step": spec.step, "variables": list(spec.variables), "interventions": list(spec.interventions),
              "start": spec.start, "parameters": fixed}
    if patients is not None:
        if n is not None or vary:
            raise HomeostasisError("patients: give either a CSV of patients or n and vary, not both")
        path = Path(patients)
        if not path.is_file():
            raise HomeostasisError(f"patients: file {str(path)!r} does not exist")
        design = patients_from_csv(scenario, path, fixed=fixed)
        return design, {**common, "patients_file": path.name, "patients_sha256": file_digest(path)}
    if n is None or not vary:
        raise HomeostasisError("population: expected n and vary (or a CSV of patients)")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterValueError(f"seed: expected a non-negative whole number, got {seed!r}")
    design = draw_patients(scenario, vary, n, sampling=sampling, seed=int(seed), invalid=invalid, fixed=fixed)
    from .sampling import checked_vary

    described = describe_vary(checked_vary(scenario, vary))
    return design, {**common, "n": int(n), "vary": described, "seed": int(seed), "sampling": sampling,
                    "invalid": invalid}


def _scenario_key(scenario) -> str:
    return scenario if isinstance(scenario, str) else f"object:{scenario.name}"


def _run(spec, design, settings, folder, client, scheduler, workers, chunk_size, overwrite, progress):
    manifest = storage.open_directory(folder, settings, overwrite=overwrite)
    if manifest is not None:
        _check_same_design(folder, design)
        if chunk_size is not None and int(chunk_size) != manifest["chunk_size"]:
            raise HomeostasisError(f"chunk_size: the run in {folder} used {manifest['chunk_size']} patients per "
                                   f"chunk, got {chunk_size}; resume with the same chunk size (or none)")
    done = storage.finished_chunks(folder) if manifest is not None else set()
    if manifest is not None and len(done) == manifest["n_chunks"]:
        return PopulationResult(folder)
    with dask_client(client, scheduler, workers) as active:
        if manifest is None:
            size = choose_chunk_size(len(design.status), worker_count(active), chunk_size)
            manifest = _new_manifest(settings, design, size)
            storage.write_design(folder, design.frame())
            storage.write_manifest(folder, manifest)
        size = manifest["chunk_size"]
        chunks = {index: rows for index, rows in _chunks(design, size).items() if index not in done}
        runnable = {index: [(p, design.settings(p)) for p in rows if design.status[p] == "ok"]
                    for index, rows in chunks.items()}
        frame = design.frame()

        def finished(index, output):
            columns, statuses = output
            storage.write_chunk(folder, index, columns, _patients_table(frame, chunks[index], statuses))

        run_chunks(active, spec, runnable, finished, total=len(design.status),
                   done=len(design.status) - sum(len(rows) for rows in chunks.values()), progress=progress)
    return PopulationResult(folder)


def _new_manifest(settings, design: Design, size: int) -> dict:
    count = len(design.status)
    return {"format": storage.FORMAT_VERSION, "settings": settings, "patients": count, "chunk_size": size,
            "n_chunks": -(-count // size), "rejected": dict(design.rejected), "names": list(design.names)}


def _chunks(design: Design, size: int) -> dict[int, list[int]]:
    count = len(design.status)
    return {index: list(range(start, min(start + size, count)))
            for index, start in enumerate(range(0, count, size))}


def _patients_table(frame, rows, statuses):
    """The chunk's patients: their values, status (ok, failed, rejected), error and run time."""
    import pandas as pd

    table = frame.iloc[rows].reset_index(drop=True)
    found = {patient: (status, error, seconds) for patient, status, error, seconds in statuses}
    status, error, seconds = [], [], []
    for patient, sampled, why in zip(table["patient"], table["sampling_status"], table["sampling_error"]):
        if sampled != "ok":
            status.append("rejected"), error.append(why), seconds.append(0.0)
        else:
            state, message, took = found[patient]
            status.append(state), error.append(message), seconds.append(took)
    table = table.drop(columns=["sampling_status", "sampling_error"])
    table.insert(1, "status", pd.Series(status, dtype=object))
    table.insert(2, "error", pd.Series(error, dtype=object))
    table.insert(3, "seconds", np.array(seconds, dtype=float))
    return table


def _check_same_design(folder, design: Design) -> None:
    stored = storage.read_design(folder)
    drawn = design.frame()
    same = (list(stored.columns) == list(drawn.columns) and len(stored) == len(drawn)
            and np.array_equal(stored[list(design.names)].to_numpy(float), drawn[list(design.names)].to_numpy(float)))
    if not same:
        raise HomeostasisError(f"{folder}: its stored patients differ from the ones these settings draw "
                               "(another version of SciPy?); use --force to start again")
