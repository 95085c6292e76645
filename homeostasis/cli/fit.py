"""``homeostasis fit``: estimate parameters from a tidy CSV of measurements, a PEtab problem,
or continue a saved fit (``--resume FIT.json``)."""

from __future__ import annotations

from .options import (add_force_option, add_intervention_option, add_set_option, add_start_option, add_time_unit_option,
                      check_outputs,
                      existing_file, names_list, parse_settings)


def add_parsers(commands) -> None:
    command = commands.add_parser(
        "fit", help="estimate parameters from measured data (exact gradients, profile-likelihood intervals)",
        description="Fit model parameters or scenario knobs to a tidy CSV (time_days, variable, value[, sd]"
                    "[, scenario][, unit]), to a PEtab problem (--petab), or continue a saved fit (--resume).")
    command.add_argument("data", metavar="DATA.csv", nargs="?",
                         help="measurements: time_days (or time with time_unit), variable, value, optional sd, "
                              "scenario, unit (any unit convertible to the variable's, e.g. mg/dL, pg/mL)")
    command.add_argument("--petab", metavar="PROBLEM.yaml", help="fit a PEtab problem written by export-petab")
    command.add_argument("--resume", metavar="FIT.json", help="start from a saved fit's estimates, refit and re-profile")
    command.add_argument("--scenario", default="healthy", metavar="NAME", help="scenario of every experiment (default healthy)")
    command.add_argument("--estimate", metavar="NAME[,NAME...]",
                         help="parameters or scenario knobs (names as 'homeostasis list' shows) to estimate")
    command.add_argument("--individual", default=None, metavar="NAME[,NAME...]",
                         help="estimated parameters fitted separately per scenario label")
    add_set_option(command)
    add_intervention_option(command, "intervention applied in every experiment (repeatable)")
    add_start_option(command)
    add_time_unit_option(command)
    command.add_argument("--multistart", type=_count, default=0, metavar="N", help="extra random starts (default 0)")
    command.add_argument("--seed", type=_count, default=0, help="seed of the random starts (a non-negative integer)")
    command.add_argument("--confidence", type=float, default=0.95, help="confidence level of the intervals (0.95)")
    command.add_argument("--no-profile", action="store_true", help="skip the profile-likelihood intervals")
    command.add_argument("--profile", default=None, metavar="NAME[,NAME...]", help="profile only these parameters")
    command.add_argument("--quiet", action="store_true", help="no progress lines on a terminal")
    command.add_argument("--out", metavar="FIT.json", help="write the fit (estimates, intervals, diagnostics, data, "
                                                          "settings) as JSON; --resume reads it")
    command.add_argument("--plot", metavar="FIT.png", help="write a figure of the fit against the data")
    command.add_argument("--residual-plot", metavar="FILE.png", help="write predicted vs observed and residuals vs time")
    command.add_argument("--profile-plot", metavar="FILE.png", help="write the profile likelihoods")
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
    import warnings

    from ..outputs import write_text
    from ..plotting import save_figure

    sources = [s for s in (arguments.data, arguments.petab, arguments.resume) if s]
    if len(sources) != 1:
        from ..errors import HomeostasisError

        raise HomeostasisError("fit: give exactly one of DATA.csv, --petab PROBLEM.yaml or --resume FIT.json")
    check_outputs(arguments, table=None, other=(("out", {".json"}),))
    for option in ("residual_plot", "profile_plot"):
        if getattr(arguments, option):
            from ..plotting import check_figure_path

            check_figure_path(getattr(arguments, option), overwrite=arguments.force)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _run(arguments)
    print(result.summary().to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    criteria = result.criteria
    print(f"objective {result.objective:.6g} from {len(result.residuals)} data rows; AIC {criteria['aic']:.4g}, "
          f"AICc {criteria['aicc']:.4g}, BIC {criteria['bic']:.4g}; {result.n_simulations} simulations in "
          f"{result.seconds:.1f} s")
    for warning in caught:
        if "identifiable" in str(warning.message):
            print(f"warning: {warning.message}")
    figures = {"plot": result.plot if arguments.plot else None,
               "residual_plot": result.plot_residuals if arguments.residual_plot else None,
               "profile_plot": result.plot_profiles if arguments.profile_plot and result.profiles else None}
    drawn = {option: draw() for option, draw in figures.items() if draw is not None}  # before anything is written
    if arguments.out:
        write_text(arguments.out, result.to_json(), overwrite=arguments.force)
        print(f"wrote {arguments.out}")
    for option, figure in drawn.items():
        save_figure(figure, getattr(arguments, option), overwrite=arguments.force)
        print(f"wrote {getattr(arguments, option)}")


def _run(arguments):
    from ..fitting import FitResult, fit
    from ..fitting.fit import resume

    progress = False if arguments.quiet else None
    profile = False if arguments.no_profile else (names_list(arguments.profile, "--profile") if arguments.profile
                                                  else True)
    if arguments.resume:
        existing_file(arguments.resume, "--resume")
        return resume(FitResult.from_json(arguments.resume), multistart=arguments.multistart, seed=arguments.seed,
                      profile_intervals=profile, progress=progress)
    if arguments.petab:
        from ..export.petab import read_petab

        existing_file(arguments.petab, "--petab")
        problem = read_petab(arguments.petab)
        return fit(problem.pop("data"), **problem, multistart=arguments.multistart, seed=arguments.seed,
                   profile_intervals=profile, confidence=arguments.confidence, progress=progress)
    existing_file(arguments.data, "DATA.csv")
    if not arguments.estimate:
        from ..errors import HomeostasisError

        raise HomeostasisError("fit: --estimate NAME[,NAME...] is required with DATA.csv")
    individual = [] if arguments.individual is None else names_list(arguments.individual, "--individual")
    return fit(arguments.data, estimate=names_list(arguments.estimate, "--estimate"), scenario=arguments.scenario,
               interventions=list(arguments.intervention), start=arguments.start, individual=individual,
               parameters=parse_settings(arguments.set) or None, multistart=arguments.multistart, seed=arguments.seed,
               profile_intervals=profile, confidence=arguments.confidence, time_unit=arguments.time_unit,
               progress=progress)
