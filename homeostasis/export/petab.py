"""PEtab export of a fitting problem (:func:`to_petab`) and its import (:func:`read_petab`).

A PEtab problem (Schmiester et al., PLoS Comput Biol 2021) is a folder of tables and one
YAML file that every PEtab tool reads (pyPESTO, AMICI, COPASI via its importer, Data2Dynamics):

* ``model.xml``: the scenario with its interventions as SBML (:func:`homeostasis.to_sbml`);
  model time is days, and each observable is an SBML assignment rule with the package's name,
* ``conditions.tsv``: one condition per experiment label of the data (all labels share the
  scenario and its interventions: PEtab conditions change parameters, not events),
* ``observables.tsv``: ``obs_<variable>`` = the variable, with normal noise whose sd is the
  measurement's ``sd`` (``noiseParameter1_obs_<variable>``, given per row),
* ``measurements.tsv``: the data in the observables' units (converted as for ``fit``),
* ``parameters.tsv``: the estimated parameters with scale (log10 where the fit uses a log
  transform), bounds (the fit's search range, in linear units as PEtab wants) and nominal
  values (the fit's starting values), and the scenario's changed parameters fixed,
* ``problem.yaml``: the PEtab YAML (format version 1), and ``homeostasis.json`` beside it,
  the package's own settings (scenario, interventions, start) used by ``fit --petab``.

Scenario knobs are estimated through their model parameter (``burden`` is
``granuloma_burden``). A reference parameter whose derived rate constants are plain numbers
in the SBML (no initial assignment) would have no effect when estimated by another tool:
:func:`to_petab` warns about such parameters.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, ExportError, HomeostasisError, renamed_keyword

YAML_NAME = "problem.yaml"
SETTINGS_NAME = "homeostasis.json"
FILES = {"sbml": "model.xml", "conditions": "conditions.tsv", "observables": "observables.tsv",
         "measurements": "measurements.tsv", "parameters": "parameters.tsv"}


class PetabWarning(UserWarning):
    """The exported problem will not behave in another tool as in the package (named in the message)."""


def require_petab():
    try:
        import petab.v1 as petab
    except ImportError:
        raise HomeostasisError("PEtab export needs the petab library; install it with pip install 'homeostasis[fit]'") \
            from None
    return petab


def to_petab(folder, data, *, estimate, scenario="healthy", interventions=None, start="healthy", parameters=None,
             start_values=None, time_unit=None, overwrite=False, initial=None) -> Path:
    """Write a PEtab problem for fitting ``estimate`` to ``data`` (arguments as for
    :func:`homeostasis.fit`; ``initial=`` is the deprecated name of ``start_values``); returns
    the path of the YAML file."""
    from ..fitting.data import validate_data
    from ..fitting.objective import Problem
    from ..fitting.fit import intervention_strings
    from .sbml import to_sbml

    start_values = renamed_keyword("to_petab", "initial", "start_values", initial, start_values)
    require_petab()
    table = validate_data(data, time_unit=time_unit)
    if table["sd"].isna().any():
        raise DataError("PEtab export: the data need an sd column (the noise model of every measurement)")
    problem = Problem(table, list(estimate) if not isinstance(estimate, str) else estimate.split(","),
                      scenario=scenario, interventions=interventions, start=start, parameters=parameters,
                      start_values=start_values)
    experiment = problem.experiments[0]
    folder = _folder(folder, overwrite)
    days = float(max(table["time_days"].max(), 1e-6))
    sbml = to_sbml(experiment.scenario, parameters=parameters, start=start, interventions=list(experiment.interventions),
                   days=days)
    _warn_without_initial_assignments(problem, sbml)
    rename = _renamed(sbml)
    frames = {
        "conditions": pd.DataFrame({"conditionId": [_sid(label) for label in problem.labels]}),
        "observables": _observables(table),
        "measurements": _measurements(table),
        "parameters": _parameters(problem, rename),
    }
    (folder / FILES["sbml"]).write_text(sbml, encoding="utf-8")
    for key, frame in frames.items():
        frame.to_csv(folder / FILES[key], sep="\t", index=False)
    yaml_text = "\n".join([
        "format_version: 1",
        f"parameter_file: {FILES['parameters']}",
        "problems:",
        f"- condition_files: [{FILES['conditions']}]",
        f"  measurement_files: [{FILES['measurements']}]",
        f"  observable_files: [{FILES['observables']}]",
        f"  sbml_files: [{FILES['sbml']}]",
        ""])
    (folder / YAML_NAME).write_text(yaml_text, encoding="utf-8")
    settings = {"scenario": getattr(experiment.scenario, "name", str(scenario)),
                "interventions": intervention_strings(experiment.interventions), "start": start,
                "parameters": dict(parameters or {}), "estimate": list(problem.user_estimate),
                "model_parameters": {n: problem.resolved[n].parameter for n in problem.user_estimate},
                "labels": {_sid(label): label for label in problem.labels}}
    (folder / SETTINGS_NAME).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return folder / YAML_NAME


def _folder(folder, overwrite) -> Path:
    from ..errors import OutputExistsError

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise OutputExistsError(f"PEtab folder {str(folder)!r} exists and is not empty; use --force to overwrite")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sid(text) -> str:
    out = "".join(c if c.isalnum() else "_" for c in str(text))
    return out if out[:1].isalpha() else f"c_{out}"


def _renamed(sbml_text) -> dict:
    """Package parameter name -> SBML id where they differ (``gfr`` -> ``gfr_parameter``)."""
    import libsbml

    model = libsbml.readSBMLFromString(sbml_text).getModel()
    ids = {model.getParameter(i).getId() for i in range(model.getNumParameters())}
    return {n[:-len("_parameter")]: n for n in ids if n.endswith("_parameter")}


def _warn_without_initial_assignments(problem, sbml_text):
    import libsbml

    from ..numerics.cache import compile_model

    model = libsbml.readSBMLFromString(sbml_text).getModel()
    assigned = {model.getInitialAssignment(i).getSymbol() for i in range(model.getNumInitialAssignments())}
    depends = compile_model().derived_depends
    missing = sorted({name for name in problem.estimate
                      for derived, sources in depends.items() if name in sources and derived not in assigned})
    if missing:
        warnings.warn(f"PEtab export: {', '.join(missing)} set derived rate constants that the SBML holds as numbers "
                      f"(no initial assignments); estimating them in another tool changes nothing else",
                      PetabWarning, stacklevel=3)


def _observables(table) -> pd.DataFrame:
    variables = list(dict.fromkeys(table["variable"]))
    return pd.DataFrame({
        "observableId": [f"obs_{v}" for v in variables],
        "observableFormula": variables,
        "noiseFormula": [f"noiseParameter1_obs_{v}" for v in variables],
        "noiseDistribution": "normal",
        "observableTransformation": "lin",
    })


def _measurements(table) -> pd.DataFrame:
    return pd.DataFrame({
        "observableId": [f"obs_{v}" for v in table["variable"]],
        "simulationConditionId": [_sid(label) for label in table["scenario"]],
        "measurement": table["value"].to_numpy(float),
        "time": table["time_days"].to_numpy(float),
        "noiseParameters": table["sd"].to_numpy(float),
    })


def _parameters(problem, rename) -> pd.DataFrame:
    if problem.individual:
        raise ExportError("PEtab export: individual (per-label) parameters are not supported; fit them shared")
    lower, upper = problem.search_bounds()
    theta_low, theta_high = problem.to_theta(lower), problem.to_theta(upper)
    rows = []
    for index, name in enumerate(problem.user_estimate):
        parameter = problem.resolved[name].parameter
        factor = problem.resolved[name].factor
        rows.append({"parameterId": rename.get(parameter, parameter), "parameterName": name,
                     "parameterScale": "log10" if problem.log[index] else "lin",
                     "lowerBound": _round(theta_low[index] * factor), "upperBound": _round(theta_high[index] * factor),
                     "nominalValue": _round(problem.theta0[index] * factor), "estimate": 1})
    return pd.DataFrame(rows)


def _round(value) -> float:
    """12 significant digits (10, not 10.000000000000002 from exp(log(10)))."""
    return float(f"{value:.12g}")


def check_petab(yaml_path) -> list[str]:
    """The problems PEtab's linter finds in the problem (an empty list when it passes)."""
    import io
    import logging

    petab = require_petab()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("petab")
    logger.addHandler(handler)
    try:
        problem = petab.Problem.from_yaml(str(yaml_path))
        failed = petab.lint_problem(problem)
    finally:
        logger.removeHandler(handler)
    if not failed:
        return []
    return [line for line in stream.getvalue().splitlines() if line.strip()] or ["petab lint failed"]


def read_petab(yaml_path) -> dict:
    """Keyword arguments of :func:`homeostasis.fit` for a PEtab problem written by
    :func:`to_petab` (its ``homeostasis.json`` names the scenario and interventions)."""
    petab = require_petab()
    yaml_path = Path(yaml_path)
    sidecar = yaml_path.parent / SETTINGS_NAME
    if not sidecar.is_file():
        raise DataError(f"--petab: {str(yaml_path)!r} was not written by homeostasis export-petab (no {SETTINGS_NAME} "
                        f"beside it); only problems whose model is the package's own export can be fitted")
    settings = json.loads(sidecar.read_text(encoding="utf-8"))
    problem = petab.Problem.from_yaml(str(yaml_path))
    observables = problem.observable_df["observableFormula"].astype(str)
    measurements = problem.measurement_df
    noise = pd.to_numeric(measurements["noiseParameters"], errors="coerce")
    if noise.isna().any():
        raise DataError("--petab: every measurement needs a numeric noiseParameters value (its sd)")
    labels = settings.get("labels", {})
    data = pd.DataFrame({
        "scenario": [labels.get(c, c) for c in measurements["simulationConditionId"]],
        "time_days": measurements["time"].to_numpy(float),
        "variable": observables.reindex(measurements["observableId"]).to_numpy(),
        "value": measurements["measurement"].to_numpy(float),
        "sd": noise.to_numpy(float),
    })
    by_parameter = {v: k for k, v in settings["model_parameters"].items()}
    table = problem.parameter_df
    estimated = table[table["estimate"] == 1]
    names = [by_parameter.get(_unrenamed(i), _unrenamed(i)) for i in estimated.index]
    start_values = dict(zip(names, estimated["nominalValue"].astype(float) / np.array(
        [_factor(settings, n) for n in names])))
    fixed = {_unrenamed(i): float(v) for i, v in table.loc[table["estimate"] == 0, "nominalValue"].items()}
    return {"data": data, "estimate": names, "scenario": settings["scenario"],
            "interventions": settings["interventions"], "start": settings["start"],
            "parameters": {**settings.get("parameters", {}), **fixed} or None, "start_values": start_values}


def _unrenamed(identifier: str) -> str:
    return identifier[:-len("_parameter")] if identifier.endswith("_parameter") else identifier


def _factor(settings, name) -> float:
    from ..fitting.names import resolve
    from ..scenarios.base import load_scenario

    return resolve(name, load_scenario(settings["scenario"])).factor
