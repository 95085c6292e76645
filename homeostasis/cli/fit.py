"""``homeostasis fit``: estimate parameters from a tidy CSV of measurements."""

from __future__ import annotations

from .options import (add_force_option, add_intervention_option, add_start_option, check_outputs, existing_file,
                      names_list)


def add_parsers(commands) -> None:
    command = commands.add_parser(
        "fit", help="estimate parameters from measured data (exact gradients, 95%% intervals)",
        description="Fit model parameters to a tidy CSV (time_days, variable, value[, sd][, scenario]).")
    command.add_argument("data", metavar="DATA.csv", help="measurements: time_days, variable, value, optional sd, scenario")
    command.add_argument("--scenario", default="healthy", metavar="NAME", help="scenario of every experiment (default healthy)")
    command.add_argument("--estimate", required=True, metavar="NAME[,NAME...]", help="parameters to estimate")
    command.add_argument("--individual", default=None, metavar="NAME[,NAME...]",
                         help="estimated parameters fitted separately per scenario label")
    add_intervention_option(command, "intervention applied in every experiment (repeatable)")
    add_start_option(command)
    command.add_argument("--multistart", type=_count, default=0, metavar="N", help="extra random starts (default 0)")
    command.add_argument("--seed", type=_count, default=0, help="seed of the random starts (a non-negative integer)")
    command.add_argument("--no-profile", action="store_true", help="skip the profile-likelihood intervals")
    command.add_argument("--out", metavar="FIT.json", help="write estimates, intervals and settings as JSON")
    command.add_argument("--plot", metavar="FIT.png", help="write a figure of the fit against the data")
    add_force_option(command)
    command.set_defaults(handler=command_fit)


def _count(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def command_fit(arguments) -> None:
    from ..fitting import fit
    from ..outputs import write_text
    from ..plotting import save_figure

    existing_file(arguments.data, "DATA.csv")
    check_outputs(arguments, table=None, other=(("out", {".json"}),))
    individual = [] if arguments.individual is None else names_list(arguments.individual, "--individual")
    result = fit(arguments.data, estimate=names_list(arguments.estimate, "--estimate"), scenario=arguments.scenario,
                 interventions=list(arguments.intervention), start=arguments.start, individual=individual,
                 multistart=arguments.multistart, seed=arguments.seed, profile_intervals=not arguments.no_profile)
    print(result.summary().to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"objective {result.objective:.6g} from {len(result.residuals)} data rows; "
          f"{result.n_simulations} simulations in {result.seconds:.1f} s")
    figure = result.plot() if arguments.plot else None  # drawn before anything is written
    if arguments.out:
        write_text(arguments.out, result.to_json(), overwrite=arguments.force)
        print(f"wrote {arguments.out}")
    if figure is not None:
        save_figure(figure, arguments.plot, overwrite=arguments.force)
        print(f"wrote {arguments.plot}")
