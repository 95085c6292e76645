"""``homeostasis export-sbml``: write a scenario as SBML Level 3 Version 2."""

from __future__ import annotations

from ..errors import ExportError
from .options import add_force_option, add_intervention_option, add_set_option, add_start_option, parse_settings


def add_parsers(commands) -> None:
    command = commands.add_parser(
        "export-sbml", help="write a scenario as SBML L3V2 (units, notes, observables, events)",
        description="Export the model with a scenario's parameter values, initial state and interventions to SBML.")
    command.add_argument("file", metavar="FILE.xml", help="output file")
    command.add_argument("scenario", metavar="SCENARIO", nargs="?", default="healthy",
                         help="scenario name or path to a .py file (default healthy)")
    add_set_option(command)
    add_start_option(command)
    add_intervention_option(command, "intervention exported as SBML events (repeatable)")
    command.add_argument("--days", type=float, default=365.0,
                         help="end of repeated interventions that have no days option (default 365)")
    command.add_argument("--unscaled", action="store_true",
                         help="integrate the states in their own units (amounts as species) instead of divided "
                              "by their typical sizes (the default, which suits other tools' default tolerances)")
    command.add_argument("--inline", action="store_true",
                         help="write every rule in full, without shared subexpressions: a file ten times larger "
                              "that libroadrunner loads about three times faster")
    command.add_argument("--sedml", action="store_true",
                         help="also write FILE.sedml beside it: the simulation and its outputs (SED-ML L1V4)")
    add_force_option(command)
    command.set_defaults(handler=command_export_sbml)


def command_export_sbml(arguments) -> None:
    from ..export.sbml import check_sbml, to_sbml
    from ..outputs import check_output, write_text

    path = check_output(arguments.file, formats={".xml", ".sbml"}, overwrite=arguments.force, what="FILE.xml")
    sedml_path = None
    if arguments.sedml:
        sedml_path = check_output(path.with_suffix(".sedml"), formats={".sedml"}, overwrite=arguments.force,
                                  what="the SED-ML file")
    text = to_sbml(arguments.scenario, parameters=parse_settings(arguments.set), start=arguments.start,
                   interventions=list(arguments.intervention), days=arguments.days, scaled=not arguments.unscaled,
                   shared=not arguments.inline)
    errors, warnings = check_sbml(text)
    if errors:
        raise ExportError(f"libsbml reports {len(errors)} error(s) in the export: {errors[0]}")
    sedml = None
    if sedml_path is not None:
        from ..export.sedml import to_sedml

        sedml = to_sedml(text, path.name, days=arguments.days)
    write_text(path, text, overwrite=arguments.force)
    print(f"wrote {path} ({len(text) / 1e3:.0f} kB; libsbml: no errors, {len(warnings)} unit warnings)")
    if sedml is not None:
        write_text(sedml_path, sedml, overwrite=arguments.force)
        print(f"wrote {sedml_path} (SED-ML L1V4; libsedml: no errors)")
