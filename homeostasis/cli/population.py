"""Commands for virtual populations on Dask: population, population-plot, sensitivity."""

from __future__ import annotations

from .options import (STARTS, add_force_option, add_intervention_option, add_set_option, check_outputs, format_table,
                      names_list, parse_interventions, parse_settings, variable_names)

SAMPLINGS = ("lhs", "sobol", "random")  # as homeostasis.population.sampling.SAMPLINGS (keeps --help fast)


def add_parsers(commands) -> None:
    for add in (add_population_parser, add_population_plot_parser, add_sensitivity_parser):
        add(commands)


def _add_vary(command, required=True) -> None:
    command.add_argument("--vary", action="append", default=[], required=required,
                         metavar="NAME=LOW:HIGH[:log|normal|lognormal]",
                         help="knob or parameter to vary: uniform on [LOW, HIGH], or log-uniform, or a normal / "
                              "log-normal truncated to the bounds (repeatable)")


def _add_execution(command) -> None:
    command.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    command.add_argument("--scheduler", metavar="ADDRESS",
                         help="an existing Dask scheduler (default: a local cluster started and stopped here)")
    command.add_argument("--workers", type=int, help="worker processes of the local cluster (default: cores)")
    command.add_argument("--chunk-size", type=int, help="patients per Dask task (default: chosen from the overhead)")


def add_population_parser(commands) -> None:
    command = commands.add_parser("population", help="virtual patients on Dask: a Parquet dataset, resumable, "
                                                     "with percentile bands")
    command.add_argument("scenario", metavar="SCENARIO", help="scenario name (see 'list') or path to a .py file")
    command.add_argument("--n", type=int, help="number of virtual patients")
    _add_vary(command, required=False)
    command.add_argument("--patients", metavar="FILE.csv", help="patients from a CSV (one column per knob or "
                                                                "parameter) instead of --n/--vary")
    command.add_argument("--sampling", choices=SAMPLINGS, default="lhs",
                         help="Latin hypercube (default), scrambled Sobol sequence or independent draws")
    command.add_argument("--invalid", choices=("resample", "record"), default="resample",
                         help="a draw the model refuses: resample it (default) or record it as rejected")
    command.add_argument("--days", type=float, default=365.0, help="length of each run in days (default 365)")
    command.add_argument("--step", type=float, help="output spacing in days (default: 101 points)")
    command.add_argument("--variables", metavar="NAME,...", help="observables to store")
    add_set_option(command)
    command.add_argument("--start", choices=STARTS, default="healthy", help="start of every patient's run")
    add_intervention_option(command)
    _add_execution(command)
    command.add_argument("--out", metavar="DIR", required=True,
                         help="folder of the Parquet dataset (rerunning the same command resumes it)")
    command.add_argument("--plot", metavar="FILE.png", help="also draw the percentile bands")
    add_force_option(command)
    command.set_defaults(handler=command_population)


def command_population(arguments) -> None:
    from ..errors import HomeostasisError
    from ..population import parse_vary, population

    if arguments.patients is None and (arguments.n is None or not arguments.vary):
        raise HomeostasisError("population: expected --n N and at least one --vary (or --patients FILE.csv)")
    if arguments.n is not None and arguments.n <= 0:
        raise HomeostasisError(f"--n: expected a positive number of patients, got {arguments.n}")
    vary = parse_vary(arguments.vary) if arguments.vary else None
    variables = None if arguments.variables is None else variable_names(arguments.variables)
    check_outputs(arguments, table=None)
    result = population(arguments.scenario, n=arguments.n, vary=vary, patients=arguments.patients,
                        parameters=parse_settings(arguments.set) or None, days=arguments.days, step=arguments.step,
                        variables=variables, interventions=parse_interventions(arguments.intervention),
                        start=arguments.start, seed=arguments.seed, sampling=arguments.sampling,
                        invalid=arguments.invalid, scheduler=arguments.scheduler, workers=arguments.workers,
                        out=arguments.out, chunk_size=arguments.chunk_size, overwrite=arguments.force)
    _report(result)
    print(f"wrote {arguments.out}")
    if arguments.plot:
        _save(result.plot(), arguments.plot, arguments.force)


def _report(result) -> None:
    print(result.summary())
    if result.counts()["ok"]:
        print("final values by percentile:")
        print(format_table(result.final_table()), end="")
        crossing = result.crossing()
        last = crossing[crossing["time_days"] == crossing["time_days"].max()]
        for row in last.itertuples(index=False):
            print(f"{100 * row.fraction:.1f}% of patients have {row.variable} > {row.threshold:g} {row.unit} "
                  f"on day {row.time_days:g}")


def _save(figure, path, force) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ..plotting import save_figure

    FigureCanvasAgg(figure)
    save_figure(figure, path, overwrite=force)
    print(f"wrote {path}")


def add_population_plot_parser(commands) -> None:
    command = commands.add_parser("population-plot", help="percentile bands and threshold crossings of finished "
                                                          "population folders (a band per folder)")
    command.add_argument("folders", metavar="DIR", nargs="+", help="folder(s) written by 'population'")
    command.add_argument("--plot", metavar="FILE.png", required=True, help="figure file (png, svg, pdf)")
    command.add_argument("--variables", metavar="NAME,...", help="observables to draw (default: all stored)")
    command.add_argument("--label", action="append", default=[], help="legend label of each folder, in order")
    add_force_option(command)
    command.set_defaults(handler=command_population_plot)


def command_population_plot(arguments) -> None:
    from ..errors import HomeostasisError
    from ..population import load_population, plot_bands

    if arguments.label and len(arguments.label) != len(arguments.folders):
        raise HomeostasisError(f"--label: expected one per folder ({len(arguments.folders)}), got {len(arguments.label)}")
    check_outputs(arguments, table=None)
    labels = arguments.label or [None] * len(arguments.folders)
    populations = [load_population(folder, label) for folder, label in zip(arguments.folders, labels)]
    for item in populations:
        print(item.summary())
    variables = None if arguments.variables is None else variable_names(arguments.variables)
    _save(plot_bands(populations, variables=variables), arguments.plot, arguments.force)


def add_sensitivity_parser(commands) -> None:
    command = commands.add_parser("sensitivity", help="Sobol indices or Morris effects of one output (SALib on Dask)")
    command.add_argument("scenario", metavar="SCENARIO", help="scenario name or path to a .py file")
    _add_vary(command)
    command.add_argument("--output", required=True, metavar="NAME[@DAY]",
                         help="observable and day (default day 365), e.g. phosphate@1825")
    command.add_argument("--method", choices=("sobol", "morris"), default="sobol")
    command.add_argument("--n", type=int, default=256,
                         help="base sample size: Sobol runs N (d + 2) simulations, Morris N (d + 1) (default 256)")
    command.add_argument("--resamples", type=int, default=200, help="bootstrap resamples of the intervals")
    add_set_option(command)
    command.add_argument("--start", choices=STARTS, default="healthy", help="start of every run")
    add_intervention_option(command)
    _add_execution(command)
    command.add_argument("--out", metavar="FILE.csv", help="write the indices (.csv, .json or .parquet)")
    command.add_argument("--plot", metavar="FILE.png", help="bar chart of the indices")
    add_force_option(command)
    command.set_defaults(handler=command_sensitivity)


def command_sensitivity(arguments) -> None:
    from ..errors import HomeostasisError
    from ..outputs import write_table
    from ..population import parse_vary, sensitivity

    if arguments.n <= 0:
        raise HomeostasisError(f"--n: expected a positive base sample size, got {arguments.n}")
    if arguments.resamples <= 0:
        raise HomeostasisError(f"--resamples: expected a positive number, got {arguments.resamples}")
    vary = parse_vary(arguments.vary)
    check_outputs(arguments)
    result = sensitivity(arguments.scenario, vary=vary, output=arguments.output, method=arguments.method,
                         n=arguments.n, parameters=parse_settings(arguments.set) or None,
                         interventions=parse_interventions(arguments.intervention), start=arguments.start,
                         seed=arguments.seed, num_resamples=arguments.resamples, scheduler=arguments.scheduler,
                         workers=arguments.workers, chunk_size=arguments.chunk_size)
    print(f"{result.output}: {result.method} indices from {result.evaluations} runs "
          f"({100 * result.conf_level:g}% bootstrap intervals)")
    print(format_table(result.frame, digits=3), end="")
    if arguments.out is not None:
        written = write_table(result.frame, arguments.out, overwrite=arguments.force)
        if arguments.out != "-":
            print(f"wrote {written}")
    if arguments.plot:
        _save(result.plot(), arguments.plot, arguments.force)


__all__ = ["add_parsers"]
