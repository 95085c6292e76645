"""``homeostasis export-petab``: write a fitting problem as PEtab (SBML model, tables, YAML)."""

from __future__ import annotations

from .options import add_force_option, add_intervention_option, add_set_option, add_start_option, add_time_unit_option, \
    existing_file, \
    names_list, parse_settings


def add_parsers(commands) -> None:
    command = commands.add_parser(
        "export-petab", help="write a fitting problem as PEtab (for pyPESTO, AMICI, COPASI, ...)",
        description="Write DIR/problem.yaml with the scenario as SBML, conditions, observables with their noise "
                    "model, measurements and the estimated parameters; checked with PEtab's linter.")
    command.add_argument("folder", metavar="DIR", help="output folder (created; must be empty unless --force)")
    command.add_argument("--data", required=True, metavar="DATA.csv",
                         help="measurements: time_days (or time + time_unit), variable, value, sd, optional scenario, unit")
    command.add_argument("--scenario", default="healthy", metavar="NAME", help="scenario (default healthy)")
    command.add_argument("--estimate", required=True, metavar="NAME[,NAME...]",
                         help="parameters or scenario knobs to estimate")
    add_set_option(command)
    add_intervention_option(command, "intervention of every experiment, exported as SBML events (repeatable)")
    add_start_option(command)
    add_time_unit_option(command)
    add_force_option(command)
    command.set_defaults(handler=command_export_petab)


def command_export_petab(arguments) -> None:
    import warnings

    from ..errors import ExportError
    from ..export.petab import check_petab, to_petab

    existing_file(arguments.data, "--data")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = to_petab(arguments.folder, arguments.data, estimate=names_list(arguments.estimate, "--estimate"),
                        scenario=arguments.scenario, interventions=list(arguments.intervention), start=arguments.start,
                        parameters=parse_settings(arguments.set) or None, time_unit=arguments.time_unit,
                        overwrite=arguments.force)
    problems = check_petab(path)
    if problems:
        raise ExportError(f"the PEtab problem in {arguments.folder} fails PEtab's lint: {problems[0]}")
    for warning in caught:
        print(f"warning: {warning.message}")
    print(f"wrote {path} (PEtab lint: no errors)")
