"""Commands that run or describe the model: list, parameters, interventions, run, steady-state,
equations. Each has an ``add_<command>_parser`` and one plain function."""

from __future__ import annotations

import json
from pathlib import Path

from .options import (STARTS, TerminalProgress, add_force_option, add_intervention_option, add_set_option, add_start_option,
                      add_table_output, check_outputs, format_table, parse_interventions, variable_names,
                      parse_settings)

# the observables a clinician reads first: serum minerals, hormones, urine, risk and bone
MAIN_OBSERVABLES = ("ca_total", "phosphate", "pth", "calcitriol", "fgf23", "urine_ca",
                    "ca_x_p", "bone_ca_balance", "gfr")
# added to the defaults of a run with a bone drug: density by site, turnover markers, bone fluxes
BONE_OBSERVABLES = ("bmd_lumbar_spine", "bmd_total_hip", "bmd_total_body", "ctx", "p1np",
                    "bone_formation", "bone_resorption")


def add_parsers(commands) -> None:
    for add in (add_list_parser, add_parameters_parser, add_interventions_parser, add_run_parser,
                add_steady_state_parser, add_equations_parser):
        add(commands)


def add_list_parser(commands) -> None:
    command = commands.add_parser("list", help="every scenario with a one-line description and its knobs")
    command.set_defaults(handler=command_list)


def command_list(arguments) -> None:
    from ..scenarios import available_scenarios

    scenarios = available_scenarios()
    width = max(len(name) for name in scenarios)
    for name, scenario in scenarios.items():
        print(f"{name:<{width}}  {scenario.summary}")
        for knob in scenario.knobs:
            print(f"{'':<{width}}    --set {knob.name}={knob.default:g}  "
                  f"[{knob.lower:g} .. {knob.upper:g} {knob.unit}]  {knob.meaning}")


def add_parameters_parser(commands) -> None:
    command = commands.add_parser("parameters", help="every parameter: value, unit, bounds, meaning, source")
    command.add_argument("--format", choices=("table", "csv"), default="table")
    command.set_defaults(handler=command_parameters)


def command_parameters(arguments) -> None:
    from ..parameters import ParameterSet

    frame = ParameterSet.default().to_frame()
    text = frame.to_csv(index=False) if arguments.format == "csv" else format_table(frame, digits=6)
    print(text, end="")


def add_interventions_parser(commands) -> None:
    command = commands.add_parser("interventions", help="every intervention with its options, units, "
                                                        "defaults, bounds and sources")
    command.add_argument("--format", choices=("table", "csv"), default="table")
    command.set_defaults(handler=command_interventions)


def command_interventions(arguments) -> None:
    from ..protocol.catalogue import catalogue_frame

    frame = catalogue_frame()
    if arguments.format == "csv":
        print(frame.to_csv(index=False), end="")
        return
    for name, rows in frame.groupby("intervention", sort=False):
        first = rows.iloc[0]
        print(f"{name}: {first['description']}")
        for row in rows.itertuples():
            if row.option and row.choices:
                print(f"    {row.option}={row.default}  [{row.choices}]")
            elif row.option:
                default = "none" if row.default != row.default else f"{row.default:g}"
                print(f"    {row.option}={default}  [{row.lower:g} .. {row.upper:g} {row.unit}]")
        print(f"    sources: {first['sources']}")


def add_run_parser(commands) -> None:
    command = commands.add_parser("run", help="simulate a scenario; write the time courses and a figure")
    command.add_argument("scenario", metavar="SCENARIO", help="scenario name (see 'list') or path to a .py file")
    command.add_argument("--days", type=float, help="length of the run in days (default 365)")
    command.add_argument("--step", type=float, help="output spacing in days (default: 501 points)")
    add_set_option(command)
    add_start_option(command)
    add_intervention_option(command)
    command.add_argument("--variables", metavar="NAME,...",
                         help="observables to plot and print, calcinosis outputs included (default: the "
                              f"scenario's own, else {','.join(MAIN_OBSERVABLES)})")
    command.add_argument("--sample", choices=SAMPLES, default="profile",
                         help="profile: output fine enough around repeated doses to show their real profile; "
                              "trough: output just before each dose")
    add_table_output(command)
    command.add_argument("--plot", metavar="FILE.png", help="write a figure of the chosen observables (png, svg, pdf)")
    add_figure_options(command)
    add_force_option(command)
    command.set_defaults(handler=command_run)


SAMPLES = ("profile", "trough")
POINTS_PER_DOSE_INTERVAL = 16  # a dose interval sampled this finely shows its peak and trough
TROUGH_BEFORE = 1e-6  # days before a dose at which its trough is read


def add_figure_options(command, data: bool = True) -> None:
    """--units, --log-time, --data and --dpi: how a figure reads."""
    command.add_argument("--units", choices=("si", "clinical"), default="si",
                         help="si: mmol/L, pmol/L, mmol/day; clinical: mg/dL, pg/mL, mg/day (figure and table)")
    command.add_argument("--log-time", action="store_true", help="logarithmic time axis")
    if data:
        command.add_argument("--data", metavar="FILE.csv",
                             help="measured data to overlay (columns scenario,time_days,variable,value,unit[,sd])")
    command.add_argument("--dpi", type=float, help="resolution of a raster figure (png, jpg; default 150)")


LOG_GRID_FIRST_DAY = 1e-3  # about 1.4 minutes: the fastest hormone responses
LOG_GRID_POINTS = 500


def log_grid(days: float):
    """Output days spaced evenly on a log axis (and day 0), for --log-time figures."""
    import numpy as np

    from ..simulation.prepared import output_times

    end = float(output_times(days=days)[-1])
    first = min(LOG_GRID_FIRST_DAY, end / 10)
    return np.concatenate([[0.0], np.geomspace(first, end, LOG_GRID_POINTS)])


def default_days(prepared, days):
    """The run length: as given, else the scenario's GFR decline (``ckd``), else 365 days."""
    if days is not None:
        return days
    decline = float(prepared.parameter_set.as_dict().get("gfr_decline_days", 0.0))
    return decline if decline > 0 else None


def default_variables(scenario, valid, interventions=()) -> list[str]:
    """The scenario's own variables (those that show its disease), else the main ones; with a
    bone drug among ``interventions``, followed by the bone observables."""
    own = tuple(getattr(scenario, "default_variables", ()) or ())
    names = list(dict.fromkeys((own or MAIN_OBSERVABLES) + with_bone_drug(interventions)))
    return [name for name in names if name in valid]


def with_bone_drug(interventions) -> tuple:
    """BONE_OBSERVABLES when an intervention (Intervention or ``NAME@DAY...`` string) is a bone drug."""
    from ..protocol.catalogue import BONE_DRUG_NAMES
    from ..protocol.interventions import as_interventions

    return BONE_OBSERVABLES if any(item.name in BONE_DRUG_NAMES for item in as_interventions(list(interventions))) else ()


def sampling_times(prepared, days=None, step=None, sample="profile"):
    """Output times: the usual grid, refined so that repeated doses are not aliased; or the
    troughs (just before each dose) when ``sample`` is ``"trough"``. None: the usual grid."""
    import numpy as np

    from ..simulation.prepared import MAX_OUTPUT_POINTS, output_times

    grid = output_times(days=days, step=step)
    end = float(grid[-1])
    doses = np.unique([e.time for e in prepared.events(end) if 0 < e.time < end])
    if sample == "trough":
        if doses.size == 0:
            return None
        return np.unique(np.concatenate([[0.0], doses - TROUGH_BEFORE, [end]]))
    if step is not None or doses.size < 3:
        return None
    interval = float(np.min(np.diff(doses)))
    fine = interval / POINTS_PER_DOSE_INTERVAL
    if fine >= end / (len(grid) - 1) or end / fine > MAX_OUTPUT_POINTS:
        return None
    return np.unique(np.concatenate([np.arange(0.0, end, fine), doses, [end]]))


def command_run(arguments) -> None:
    from ..outputs import write_table
    from ..reference_ranges import compare_with_reference
    from ..simulation import Simulation

    from ..clinical_units import convert_frame

    settings = parse_settings(arguments.set)
    interventions = parse_interventions(arguments.intervention)
    variables = None if arguments.variables is None else variable_names(arguments.variables)
    check_outputs(arguments)  # before the simulation, so a mistake costs no computing time
    _checked_dpi(arguments.dpi)
    measured = _read_measured(arguments.data) if arguments.data else None
    prepared = Simulation(arguments.scenario, parameters=settings, start=arguments.start, interventions=interventions)
    _check_variables(variables, prepared.compiled.observable_names)
    variables = variables or default_variables(prepared.scenario, prepared.compiled.observable_names, interventions)
    days = default_days(prepared, arguments.days)
    times = sampling_times(prepared, days, arguments.step, arguments.sample)
    if times is None and arguments.log_time and arguments.step is None:
        times = log_grid(days or 365.0)
    from ..plotting.progress import LONG_RUN_DAYS, announced

    length = float(times[-1]) if times is not None else float(days or 365.0)
    progress = TerminalProgress(f"run {prepared.scenario.name}")  # reported after each simulated year
    try:
        with announced(f"{prepared.scenario.name}: simulating {length:g} days", show=length >= LONG_RUN_DAYS):
            # the compiled driver integrates a long run one year per call: Ctrl-C stops it within a year
            if times is not None:
                result = prepared.solve(times=times, progress=progress)
            else:
                result = prepared.solve(days=days, step=arguments.step, progress=progress)
    finally:
        progress.close()
    _note_late_interventions(prepared, result.times[-1])
    if arguments.out is not None:
        written = write_table(convert_frame(result.to_frame(), arguments.units), arguments.out,
                              overwrite=arguments.force)
        if arguments.out != "-":
            print(f"wrote {written}")
    if arguments.plot:
        _write_plot(result, arguments.plot, arguments.force, variables, units=arguments.units,
                    log_time=arguments.log_time, measured=measured, dpi=arguments.dpi)
        print(f"wrote {arguments.plot}")
    if arguments.out is None:
        final = result.final()
        shown = {name: final[name] for name in variables if name in final}
        print(f"{result.scenario}: day {result.times[-1]:g} (start: {arguments.start})")
        units = dict(zip(result.observable_names, result.observable_units))
        print(format_table(compare_with_reference(shown, units, result.scenario)), end="")


def _check_variables(variables, valid) -> None:
    from ..errors import UnknownNameError

    for name in variables or ():
        if name not in valid:
            raise UnknownNameError("variable", name, valid)


def _note_late_interventions(prepared, end: float) -> None:
    late = [i for i in prepared.interventions if i.day > end]
    if late:
        names = ", ".join(f"{i.name}@{i.day:g}" for i in late)
        print(f"note: {names} start(s) after the end of the run (day {end:g}) and had no effect")


def _write_plot(result, path, force: bool, variables=None, *, units=None, log_time=False, measured=None,
                dpi=None) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ..plotting import plot_time_courses, save_figure

    names = list(variables or [name for name in MAIN_OBSERVABLES if name in result.observable_names])
    frame = result.to_frame(names)
    if measured is not None:  # the measured points take the colour of this run
        measured = measured.assign(scenario=result.scenario)
    figure = plot_time_courses(frame, variables=names, units=units, log_time=log_time, measured=measured)
    FigureCanvasAgg(figure)  # render with Agg: no display needed, and no global backend switch
    save_figure(figure, path, overwrite=force, dpi=_checked_dpi(dpi))


def _checked_dpi(dpi):
    from ..errors import HomeostasisError

    if dpi is not None and not 10 <= dpi <= 2400:
        raise HomeostasisError(f"--dpi: expected a resolution from 10 to 2400, got {dpi:g}")
    return dpi


def _read_measured(path):
    """Measured data from a CSV in the tidy schema (validated when it is plotted)."""
    import pandas as pd

    from ..errors import HomeostasisError
    from .options import existing_file

    existing_file(path, "--data")
    try:
        return pd.read_csv(Path(path))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise HomeostasisError(f"--data {path}: not a readable CSV table ({' '.join(str(error).split())})") from None


def add_steady_state_parser(commands) -> None:
    command = commands.add_parser("steady-state", help="observables at steady state beside the healthy ranges")
    command.add_argument("scenario", metavar="SCENARIO", nargs="?", default="healthy",
                         help="scenario name or path to a .py file (default healthy)")
    add_set_option(command)
    command.add_argument("--variables", metavar="NAME,...", help="observables to show, calcinosis outputs included "
                                                                 "(default: all)")
    command.add_argument("--format", choices=("table", "csv", "json"), default="table")
    command.add_argument("--plot", metavar="FILE.png",
                         help="also draw the approach to this steady state from the healthy state over ten years "
                              "(or the scenario's longer course) (png, svg, pdf)")
    add_figure_options(command)
    add_force_option(command)
    command.set_defaults(handler=command_steady_state)


APPROACH_DAYS = 3650.0  # ten years: bone and parathyroid mass settle over years


def command_steady_state(arguments) -> None:
    from ..reference_ranges import compare_with_reference
    from ..simulation import Simulation

    from ..clinical_units import target_unit, factor

    variables = None if arguments.variables is None else variable_names(arguments.variables)
    check_outputs(arguments, table=None)
    _checked_dpi(arguments.dpi)
    measured = _read_measured(arguments.data) if arguments.data else None
    prepared = Simulation(arguments.scenario, parameters=parse_settings(arguments.set), start="steady")
    _check_variables(variables, prepared.compiled.observable_names)
    values = prepared.steady_state()
    if arguments.plot:
        _plot_approach(arguments, variables, measured)
    units = dict(zip(prepared.compiled.observable_names, prepared.compiled.observable_units))
    if variables is not None:
        values = {name: values[name] for name in variables}
    if arguments.units == "clinical":
        shown = {name: target_unit(name, units[name], "clinical") for name in values}
        values = {name: value * factor(name, units[name], shown[name]) for name, value in values.items()}
        units = shown
    table = compare_with_reference(values, units, prepared.scenario.name)
    if arguments.format == "csv":
        print(table.to_csv(index=False), end="")
    elif arguments.format == "json":
        print(_json_records(table))
    else:
        print(format_table(table), end="")


def _plot_approach(arguments, variables, measured) -> None:
    """The run from the healthy state towards the steady state, drawn like ``run --plot``."""
    import sys

    from ..simulation import Simulation

    approach = Simulation(arguments.scenario, parameters=parse_settings(arguments.set), start="healthy")
    names = variables or default_variables(approach.scenario, approach.compiled.observable_names)
    days = max(APPROACH_DAYS, float(approach.parameter_set["gfr_decline_days"]))
    result = approach.solve(times=log_grid(days)) if arguments.log_time else approach.solve(days=days)
    _write_plot(result, arguments.plot, arguments.force, names, units=arguments.units,
                log_time=arguments.log_time, measured=measured, dpi=arguments.dpi)
    print(f"wrote {arguments.plot}", file=sys.stderr if arguments.format != "table" else sys.stdout)


def _json_records(table) -> str:
    """Records as JSON with null for a missing range (pandas would also escape every '/')."""
    records = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    return json.dumps(records, indent=2, allow_nan=False)


def add_equations_parser(commands) -> None:
    command = commands.add_parser("equations", help="the model's ODEs and process rate expressions")
    command.add_argument("--latex", action="store_true", help="LaTeX instead of plain text")
    command.set_defaults(handler=command_equations)


def command_equations(arguments) -> None:
    from ..model.equations import equations_text

    print(equations_text(latex=arguments.latex), end="")


__all__ = ["MAIN_OBSERVABLES", "STARTS", "add_parsers"]
