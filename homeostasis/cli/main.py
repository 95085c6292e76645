"""Command line: ``homeostasis list | parameters | run | compare | steady-state | equations``.

Every user error (an unknown name, a value out of bounds, an output file that exists) ends
with exit status 2 and a single line on stderr, never a traceback. The messages are the
package's own HomeostasisError texts, which already suggest the closest valid names.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from .._version import __version__
from . import fit as cli_fit, sbml as cli_sbml
from ..errors import HomeostasisError, check_finite_number
from ..protocol.interventions import parse_intervention
from ..parameters import ParameterSet
from ..reference_ranges import compare_with_reference
from ..scenarios.base import available_scenarios, load_scenario
from ..simulation.prepared import STARTS
from ..simulation.run import simulate, steady_state

EXIT_USAGE = 2
# the observables a clinician reads first: serum minerals, hormones, urine, risk and bone
MAIN_OBSERVABLES = ("ca_total", "phosphate", "pth", "calcitriol", "fgf23", "urine_ca",
                    "ca_x_p", "bone_ca_balance", "gfr")


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (the default also prints the whole usage)."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        arguments = parser.parse_args(argv)
        arguments.handler(arguments)
    except SystemExit as stop:  # argparse (--help, usage errors): report its status, do not exit
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    except (HomeostasisError, OSError) as error:
        message = " ".join(str(error).split())  # one line, whatever the message holds
        print(f"homeostasis: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="homeostasis",
                     description="Human calcium and phosphate homeostasis: scenarios, steady states, equations.")
    parser.add_argument("--version", action="version", version=f"homeostasis {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="every scenario with a one-line description and its knobs")
    listing.set_defaults(handler=command_list)

    parameters = commands.add_parser("parameters", help="every parameter: value, unit, bounds, meaning, source")
    parameters.add_argument("--format", choices=("table", "csv"), default="table")
    parameters.set_defaults(handler=command_parameters)

    run = commands.add_parser("run", help="simulate a scenario; write the time courses and a figure")
    run.add_argument("scenario", metavar="SCENARIO", help="scenario name (see 'list') or path to a .py file")
    run.add_argument("--days", type=float, help="length of the run in days (default 365)")
    run.add_argument("--step", type=float, help="output spacing in days (default: 501 points)")
    _add_set_option(run)
    run.add_argument("--start", choices=STARTS, default="healthy",
                     help="healthy: disease begins at day 0; steady: start at the scenario's steady state")
    run.add_argument("--intervention", action="append", default=[], metavar="NAME@DAY[:key=value,...]",
                     help="apply an intervention from DAY (repeatable), e.g. cinacalcet@30:dose_mg=30,every_hours=12")
    run.add_argument("--out", metavar="FILE.csv", help="write the tidy time-course table as CSV")
    run.add_argument("--plot", metavar="FILE.png", help="write a figure of the main observables (png, svg, pdf)")
    run.add_argument("--force", action="store_true", help="overwrite existing output files")
    run.set_defaults(handler=command_run)

    _add_compare_command(commands)

    steady = commands.add_parser("steady-state", help="observables at steady state beside the healthy ranges")
    steady.add_argument("scenario", metavar="SCENARIO", nargs="?", default="healthy",
                        help="scenario name or path to a .py file (default healthy)")
    _add_set_option(steady)
    steady.add_argument("--format", choices=("table", "csv", "json"), default="table")
    steady.set_defaults(handler=command_steady_state)

    equations = commands.add_parser("equations", help="the model's ODEs and flux expressions")
    equations.add_argument("--latex", action="store_true", help="LaTeX instead of plain text")
    equations.set_defaults(handler=command_equations)
    cli_fit.register(commands)
    cli_sbml.register(commands)
    return parser


def _add_compare_command(commands) -> None:
    from ..compare import SPEC_SYNTAX

    compare = commands.add_parser("compare", help="simulate several scenarios; one figure with a line per scenario")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                         help=f"{SPEC_SYNTAX}: a scenario with its own settings and legend label, "
                              "e.g. ckd:final_gfr=15 ckd:final_gfr=45")
    compare.add_argument("--days", type=float, help="length of the runs in days (default 365)")
    compare.add_argument("--step", type=float, help="output spacing in days (default: 501 points)")
    compare.add_argument("--variables", metavar="NAME,...",
                         help=f"observables to plot, comma-separated (default {','.join(MAIN_OBSERVABLES)})")
    _add_set_option(compare)
    compare.add_argument("--intervention", action="append", default=[], metavar="NAME@DAY[:key=value,...]",
                         help="apply an intervention to every scenario from DAY (repeatable)")
    compare.add_argument("--units", choices=("si", "clinical"), default="si",
                         help="si: mmol/L, pmol/L, mmol/day; clinical: mg/dL, pg/mL, mg/day (figure and CSV)")
    compare.add_argument("--start", choices=STARTS, default="healthy",
                         help="healthy: disease begins at day 0; steady: start at each scenario's steady state")
    compare.add_argument("--log-time", action="store_true", help="logarithmic time axis")
    compare.add_argument("--data", metavar="FILE.csv",
                         help="measured data to overlay (columns scenario,time_days,variable,value,unit[,sd])")
    compare.add_argument("--plot", required=True, metavar="FILE.png", help="figure to write (png, svg, pdf)")
    compare.add_argument("--out", metavar="FILE.csv", help="write the tidy table of every run as CSV")
    compare.add_argument("--force", action="store_true", help="overwrite existing output files")
    compare.set_defaults(handler=command_compare)


def _add_set_option(command) -> None:
    command.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                         help="scenario knob or model parameter value (repeatable)")


def parse_settings(items) -> dict[str, float]:
    """``["gfr=30", "ca_intake=20"]`` to ``{"gfr": 30.0, ...}``; names are checked later."""
    settings = {}
    for item in items:
        name, separator, value = item.partition("=")
        if not separator or not name.strip() or not value.strip():
            raise HomeostasisError(f"--set: expected NAME=VALUE, got {item!r}")
        settings[name.strip()] = check_finite_number(name.strip(), value.strip())
    return settings


def command_list(arguments) -> None:
    scenarios = available_scenarios()
    width = max(len(name) for name in scenarios)
    for name, scenario in scenarios.items():
        print(f"{name:<{width}}  {scenario.summary}")
        for knob in scenario.knobs:
            print(f"{'':<{width}}    --set {knob.name}={knob.default:g}  "
                  f"[{knob.lower:g} .. {knob.upper:g} {knob.unit}]  {knob.meaning}")


def command_parameters(arguments) -> None:
    frame = ParameterSet.default().to_frame()
    text = frame.to_csv(index=False) if arguments.format == "csv" else format_table(frame, digits=6)
    print(text, end="")


def command_run(arguments) -> None:
    settings = parse_settings(arguments.set)
    interventions = [parse_intervention(text) for text in arguments.intervention]
    _check_outputs(arguments)  # before the simulation, so a mistake costs no computing time
    result = simulate(arguments.scenario, days=arguments.days, step=arguments.step,
                      parameters=settings, start=arguments.start, interventions=interventions)
    if arguments.out:
        # mode "x" refuses to replace a file that appeared since the check
        result.to_frame().to_csv(arguments.out, index=False, mode="w" if arguments.force else "x")
        print(f"wrote {arguments.out}")
    if arguments.plot:
        _write_plot(result, arguments.plot, arguments.force)
        print(f"wrote {arguments.plot}")
    if not arguments.out:
        final = result.final()
        shown = {name: final[name] for name in MAIN_OBSERVABLES if name in final}
        print(f"{result.scenario}: day {result.times[-1]:g} (start: {arguments.start})")
        units = dict(zip(result.observable_names, result.observable_units))
        print(format_table(compare_with_reference(shown, units, result.scenario)), end="")


def _check_outputs(arguments) -> None:
    from ..plotting import check_figure_path

    if arguments.out:
        _check_new_file(Path(arguments.out), arguments.force)
    if arguments.plot:
        check_figure_path(arguments.plot, overwrite=arguments.force)
    if arguments.out and arguments.plot and Path(arguments.out).resolve() == Path(arguments.plot).resolve():
        raise HomeostasisError(f"--out and --plot name the same file {arguments.out!r}")


def _check_new_file(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise HomeostasisError(f"{path} already exists; use --force to overwrite it")
    if not path.parent.is_dir():
        raise HomeostasisError(f"{path}: folder {str(path.parent)!r} does not exist")


def _write_plot(result, path, force: bool) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ..plotting import plot_time_courses, save_figure

    names = [name for name in MAIN_OBSERVABLES if name in result.observable_names]
    figure = plot_time_courses(result.to_frame(names), variables=names)
    FigureCanvasAgg(figure)  # render with Agg: no display needed, and no global backend switch
    save_figure(figure, path, overwrite=force)


def command_compare(arguments) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ..compare import parse_spec, run_comparison
    from ..plotting import plot_time_courses, save_figure

    specs = [parse_spec(text) for text in arguments.scenarios]
    settings = parse_settings(arguments.set)
    interventions = [parse_intervention(text) for text in arguments.intervention]
    variables = _parse_variables(arguments.variables)
    measured = _read_measured(arguments.data) if arguments.data else None
    _check_outputs(arguments)  # before the simulations, so a mistake costs no computing time
    frame = run_comparison(specs, days=arguments.days, step=arguments.step, variables=variables,
                           parameters=settings, interventions=interventions, start=arguments.start,
                           units=arguments.units)
    figure = plot_time_courses(frame, variables=variables, log_time=arguments.log_time, measured=measured)
    if arguments.out:
        frame.to_csv(arguments.out, index=False, mode="w" if arguments.force else "x")
        print(f"wrote {arguments.out}")
    FigureCanvasAgg(figure)  # render with Agg: no display needed, and no global backend switch
    save_figure(figure, arguments.plot, overwrite=arguments.force)
    print(f"wrote {arguments.plot}")
    print(f"final values, day {frame['time_days'].max():g} (start: {arguments.start})")
    print(format_table(_final_values(frame)), end="")


def _final_values(frame):
    """One row per variable (with its unit), one column per scenario label: the last values."""
    import pandas as pd

    final = frame[frame["time_days"] == frame["time_days"].max()]
    wide = final.pivot(index="variable", columns="scenario", values="value")
    wide = wide.reindex(index=list(pd.unique(final["variable"])), columns=list(pd.unique(frame["scenario"])))
    wide.insert(0, "unit", final.drop_duplicates("variable").set_index("variable")["unit"].reindex(wide.index))
    return wide.reset_index().rename_axis(columns=None)


def _parse_variables(text):
    """``"ca_total,pth"`` to a list (None when not given: the main observables)."""
    if text is None:
        return list(MAIN_OBSERVABLES)
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise HomeostasisError(f"--variables: expected NAME,..., got {text!r}")
    return names


def _read_measured(path):
    """Measured data from a CSV in the tidy schema (validated when it is plotted)."""
    import pandas as pd

    if not Path(path).is_file():
        raise HomeostasisError(f"--data: file {str(path)!r} does not exist")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise HomeostasisError(f"--data {path}: not a readable CSV table ({error})") from None


def command_steady_state(arguments) -> None:
    settings = parse_settings(arguments.set)
    scenario = load_scenario(arguments.scenario)
    values = steady_state(scenario, parameters=settings)
    table = compare_with_reference(values, _observable_units(), scenario.name)
    if arguments.format == "csv":
        print(table.to_csv(index=False), end="")
    elif arguments.format == "json":
        print(_json_records(table))
    else:
        print(format_table(table), end="")


def _json_records(table) -> str:
    """Records as JSON with null for a missing range (pandas would also escape every '/')."""
    records = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    return json.dumps(records, indent=2, allow_nan=False)


def command_equations(arguments) -> None:
    from ..model.equations import equations_text

    print(equations_text(latex=arguments.latex), end="")


def _observable_units() -> dict[str, str]:
    from ..numerics.cache import compile_model  # reads cached metadata: no SymPy work on a warm start

    compiled = compile_model()
    return dict(zip(compiled.observable_names, compiled.observable_units))


def format_table(frame, digits: int = 4) -> str:
    """A plain aligned text table: numbers right-aligned to ``digits`` significant digits."""
    columns = list(frame.columns)
    numeric = {column: frame[column].dtype.kind in "fiu" for column in columns}
    cells = [[_cell(value, digits) for value in frame[column]] for column in columns]
    widths = [max([len(column)] + [len(text) for text in column_cells])
              for column, column_cells in zip(columns, cells)]

    def line(texts):
        parts = [text.rjust(width) if numeric[column] else text.ljust(width)
                 for column, text, width in zip(columns, texts, widths)]
        return "  ".join(parts).rstrip()

    rows = [line(columns)] + [line(row) for row in zip(*cells)]
    return "\n".join(rows) + "\n"


def _cell(value, digits: int) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.{digits}g}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
