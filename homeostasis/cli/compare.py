"""``homeostasis compare``: several scenario specs on one grid, one figure, one table."""

from __future__ import annotations

from .options import (add_force_option, add_intervention_option, add_set_option, add_start_option, add_table_output,
                      check_outputs, format_table, parse_interventions, parse_settings, variable_names)
from .simulate import MAIN_OBSERVABLES, _checked_dpi, _read_measured, with_bone_drug

SPEC_SYNTAX = "SCENARIO[:NAME=VALUE,...][,label=TEXT][+NAME@DAY[:key=value,...]]..."  # as in homeostasis.compare


def add_parsers(commands) -> None:
    compare = commands.add_parser("compare", help="simulate several scenarios; one figure with a line per scenario")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                         help=f"{SPEC_SYNTAX}: a scenario with its own settings and legend label, "
                              "e.g. ckd:gfr_final=15 ckd:gfr_final=45, or treated beside untreated: "
                              "parathyroid-adenoma parathyroid-adenoma+parathyroidectomy@300")
    compare.add_argument("--days", type=float, help="length of the runs in days (default 365)")
    compare.add_argument("--step", type=float, help="output spacing in days (default: 501 points)")
    compare.add_argument("--variables", metavar="NAME,...",
                         help=f"observables to plot, comma-separated (default {','.join(MAIN_OBSERVABLES)})")
    add_set_option(compare)
    add_intervention_option(compare, "apply an intervention to every scenario but the healthy reference from "
                                     "DAY (repeatable; named in the legend)")
    compare.add_argument("--units", choices=("si", "clinical"), default="si",
                         help="si: mmol/L, pmol/L, mmol/day; clinical: mg/dL, pg/mL, mg/day (figure and table)")
    add_start_option(compare, plural=True)
    compare.add_argument("--log-time", action="store_true", help="logarithmic time axis")
    compare.add_argument("--data", metavar="FILE.csv",
                         help="measured data to overlay (columns scenario,time_days,variable,value,unit[,sd])")
    compare.add_argument("--dpi", type=float, help="resolution of a raster figure (png, jpg; default 150)")
    compare.add_argument("--plot", required=True, metavar="FILE.png", help="figure to write (png, svg, pdf)")
    add_table_output(compare, "the tidy table of every run")
    add_force_option(compare)
    compare.set_defaults(handler=command_compare)


def command_compare(arguments) -> None:
    from ..simulation.prepared import begin_compiling

    begin_compiling()  # a first run compiles in a helper process while this one imports and parses
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ..compare import parse_spec, run_comparison
    from ..outputs import write_table
    from ..plotting import plot_time_courses, save_figure

    specs = [parse_spec(text) for text in arguments.scenarios]
    settings = parse_settings(arguments.set)
    interventions = parse_interventions(arguments.intervention)
    variables = _default_variables(specs, interventions) if arguments.variables is None else \
        variable_names(arguments.variables)
    _checked_dpi(arguments.dpi)
    measured = _read_measured(arguments.data) if arguments.data else None
    check_outputs(arguments)  # before the simulations, so a mistake costs no computing time
    frame = run_comparison(specs, days=arguments.days, step=arguments.step, variables=variables,
                           parameters=settings, interventions=interventions, start=arguments.start,
                           units=arguments.units)
    figure = plot_time_courses(frame, variables=variables, log_time=arguments.log_time, measured=measured)
    FigureCanvasAgg(figure)  # render with Agg: no display needed, and no global backend switch
    if arguments.out is not None:
        written = write_table(frame, arguments.out, overwrite=arguments.force)
        if arguments.out != "-":
            print(f"wrote {written}")
    save_figure(figure, arguments.plot, overwrite=arguments.force, dpi=arguments.dpi)
    print(f"wrote {arguments.plot}")
    if arguments.out != "-":
        print(f"final values, day {frame['time_days'].max():g} (start: {arguments.start})")
        print(format_table(_final_values(frame)), end="")


def _default_variables(specs, interventions=()) -> list[str]:
    """The main observables, preceded by those a compared scenario declares as showing its disease
    and followed, when a bone drug is given, by the bone observables."""
    from ..scenarios.base import load_scenario

    own = [name for spec in specs for name in load_scenario(spec.scenario).default_variables]
    given = list(interventions) + [item for spec in specs for item in spec.interventions]
    return list(dict.fromkeys(own + list(MAIN_OBSERVABLES) + list(with_bone_drug(given))))


def _final_values(frame):
    """One row per variable (with its unit), one column per scenario label: the last values."""
    import pandas as pd

    final = frame[frame["time_days"] == frame["time_days"].max()]
    wide = final.pivot(index="variable", columns="scenario", values="value")
    wide = wide.reindex(index=list(pd.unique(final["variable"])), columns=list(pd.unique(frame["scenario"])))
    wide.insert(0, "unit", final.drop_duplicates("variable").set_index("variable")["unit"].reindex(wide.index))
    return wide.reset_index().rename_axis(columns=None)
