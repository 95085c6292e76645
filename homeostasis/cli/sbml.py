"""Command line ``homeostasis export-sbml``: write a scenario as SBML Level 3 Version 2.

``register(subparsers)`` adds the command to the main parser (homeostasis/cli.py). Errors
follow cli.py: a HomeostasisError ends with exit status 2 and one line on stderr.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import HomeostasisError
from ..simulation.prepared import STARTS


def register(subparsers):
    """Add ``export-sbml`` to an argparse subparsers object; returns the new parser."""
    command = subparsers.add_parser(
        "export-sbml", help="write a scenario as SBML L3V2 (units, notes, observables, events)",
        description="Export the model with a scenario's parameter values, initial state and interventions to SBML.")
    command.add_argument("file", metavar="FILE.xml", help="output file")
    command.add_argument("scenario", metavar="SCENARIO", nargs="?", default="healthy",
                         help="scenario name or path to a .py file (default healthy)")
    command.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                         help="scenario knob or model parameter value (repeatable)")
    command.add_argument("--start", choices=STARTS, default="healthy")
    command.add_argument("--intervention", action="append", default=[], metavar="NAME@DAY[:key=value,...]",
                         help="intervention exported as SBML events (repeatable)")
    command.add_argument("--days", type=float, default=365.0,
                         help="end of repeated interventions that have no days option (default 365)")
    command.add_argument("--force", action="store_true", help="overwrite an existing file")
    command.set_defaults(handler=command_export_sbml)
    return command


def command_export_sbml(arguments) -> None:
    from .main import parse_settings
    from ..export.sbml import check_sbml, to_sbml

    path = Path(arguments.file)
    if path.exists() and not arguments.force:
        raise HomeostasisError(f"{path} exists; use --force to overwrite it")
    text = to_sbml(arguments.scenario, parameters=parse_settings(arguments.set), start=arguments.start,
                   interventions=list(arguments.intervention), days=arguments.days)
    errors, warnings = check_sbml(text)
    if errors:
        raise HomeostasisError(f"libsbml reports {len(errors)} error(s) in the export: {errors[0]}")
    path.write_text(text)
    print(f"wrote {path} ({len(text) / 1e3:.0f} kB; libsbml: no errors, {len(warnings)} unit warnings)")
