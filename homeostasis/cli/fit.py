"""Command line ``homeostasis fit``: estimate parameters from a tidy CSV of measurements.

``register(subparsers)`` adds the command to the main parser (homeostasis/cli.py). Errors
follow cli.py: a HomeostasisError ends with exit status 2 and one line on stderr.
``main(argv)`` runs the command on its own (used by the tests until it is wired in).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import HomeostasisError
from ..simulation.prepared import STARTS

EXIT_USAGE = 2


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``fit`` to an argparse subparsers object; returns the new parser."""
    command = subparsers.add_parser(
        "fit", help="estimate parameters from measured data (exact gradients, 95 % intervals)",
        description="Fit model parameters to a tidy CSV (time_days, variable, value[, sd][, scenario]).")
    command.add_argument("data", metavar="DATA.csv", help="measurements: time_days, variable, value, optional sd, scenario")
    command.add_argument("--scenario", default="healthy", metavar="NAME", help="scenario of every experiment (default healthy)")
    command.add_argument("--estimate", required=True, metavar="NAME[,NAME...]", help="parameters to estimate")
    command.add_argument("--individual", default="", metavar="NAME[,NAME...]",
                         help="estimated parameters fitted separately per scenario label")
    command.add_argument("--intervention", action="append", default=[], metavar="NAME@DAY[:key=value,...]",
                         help="intervention applied in every experiment (repeatable)")
    command.add_argument("--start", choices=STARTS, default="healthy")
    command.add_argument("--multistart", type=int, default=0, metavar="N", help="extra random starts (default 0)")
    command.add_argument("--seed", type=int, default=0, help="seed of the random starts")
    command.add_argument("--no-profile", action="store_true", help="skip the profile-likelihood intervals")
    command.add_argument("--out", metavar="FIT.json", help="write estimates, intervals and settings as JSON")
    command.add_argument("--plot", metavar="FIT.png", help="write a figure of the fit against the data")
    command.add_argument("--force", action="store_true", help="overwrite existing output files")
    command.set_defaults(handler=command_fit)
    return command


def command_fit(arguments) -> None:
    from ..fitting import fit
    from ..plotting import check_figure_path

    for path in (arguments.out, arguments.plot):
        if path and Path(path).exists() and not arguments.force:
            raise HomeostasisError(f"{path} exists; use --force to overwrite it")
    if arguments.plot:
        check_figure_path(arguments.plot, overwrite=True)
    result = fit(arguments.data, estimate=_names(arguments.estimate), scenario=arguments.scenario,
                 interventions=list(arguments.intervention), start=arguments.start,
                 individual=_names(arguments.individual), multistart=arguments.multistart, seed=arguments.seed,
                 profile_intervals=not arguments.no_profile)
    print(result.summary().to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"objective {result.objective:.6g} from {len(result.residuals)} data rows; "
          f"{result.n_simulations} simulations in {result.seconds:.1f} s")
    if arguments.out:
        result.to_json(arguments.out, overwrite=True)
    if arguments.plot:
        from ..plotting import save_figure

        save_figure(result.plot(), arguments.plot, overwrite=True)


def _names(text: str) -> list[str]:
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def main(argv=None) -> int:
    """``homeostasis fit ...`` on its own; returns the exit status."""
    parser = argparse.ArgumentParser(prog="homeostasis")
    register(parser.add_subparsers(dest="command", required=True))
    try:
        arguments = parser.parse_args(argv)
        arguments.handler(arguments)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    except (HomeostasisError, OSError) as error:
        print(f"homeostasis: error: {' '.join(str(error).split())}", file=sys.stderr)
        return EXIT_USAGE
    return 0


if __name__ == "__main__":
    sys.exit(main())
