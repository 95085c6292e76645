"""Options shared by several commands, written once: --set, --intervention, --start, --force,
--out, output checks, and the plain text tables every command prints."""

from __future__ import annotations

import math
from pathlib import Path

from ..errors import HomeostasisError, check_finite_number
from ..outputs import STDOUT, TABLE_FORMATS, check_distinct, check_output

STARTS = ("healthy", "steady")  # as homeostasis.simulation.STARTS (not imported: keeps --help fast)


def add_set_option(command, help_text="scenario knob or model parameter value (repeatable)") -> None:
    command.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help=help_text)


def add_intervention_option(command, help_text="apply an intervention from DAY (repeatable), "
                                               "e.g. cinacalcet@30:dose_mg=30,every_hours=12") -> None:
    command.add_argument("--intervention", action="append", default=[], metavar="NAME@DAY[:key=value,...]",
                         help=help_text)


def add_start_option(command, plural: bool = False) -> None:
    whose = "each scenario's" if plural else "the scenario's"
    command.add_argument("--start", choices=STARTS, default="healthy",
                         help=f"healthy: disease begins at day 0; steady: start at {whose} steady state")


def add_time_unit_option(command) -> None:
    command.add_argument("--time-unit", default=None, metavar="UNIT", help="unit of a 'time' column (days, hours, minutes)")


def add_force_option(command) -> None:
    command.add_argument("--force", action="store_true", help="overwrite existing output files")


def add_table_output(command, what="the tidy time-course table") -> None:
    command.add_argument("--out", metavar="FILE", help=f"write {what}: .csv, .json or .parquet by extension; "
                                                       "'-' writes CSV to standard output")


def name_value_pairs(items, option: str, convert=check_finite_number, value_label: str = "VALUE") -> dict:
    """``["a=1", "b=2"]`` to ``{"a": convert("a", "1"), ...}``: the one NAME=VALUE parser of every
    option that takes such pairs; ``convert(name, text)`` checks the value and raises its own message."""
    pairs = {}
    for item in items:
        name, separator, value = item.partition("=")
        if not separator or not name.strip() or not value.strip():
            raise HomeostasisError(f"{option}: expected NAME={value_label}, got {item.strip()!r}")
        pairs[name.strip()] = convert(name.strip(), value.strip())
    return pairs


def parse_settings(items) -> dict[str, float]:
    """``["gfr=30", "ca_intake=20"]`` to ``{"gfr": 30.0, ...}``; names are checked later."""
    return name_value_pairs(items, "--set")


def parse_interventions(items) -> list:
    from ..protocol.interventions import parse_intervention

    return [parse_intervention(text) for text in items]


def names_list(text, option: str) -> list[str]:
    """``"a,b"`` to ``["a", "b"]``; an empty list is refused."""
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    if not names:
        raise HomeostasisError(f"{option}: expected NAME[,NAME...], got {text!r}")
    return names


def variable_names(text) -> list[str]:
    """``--variables a,b``: observable names (a renamed observable's former name still works)."""
    from ..simulation.results import current_names

    return current_names(names_list(text, "--variables"))


def check_outputs(arguments, *, table: str | None = "out", figure: str | None = "plot", other=()) -> None:
    """Validate every output path of a command before any work (formats, folders, clashes)."""
    force = getattr(arguments, "force", False)
    paths = {}
    if table and getattr(arguments, table, None) is not None:
        path = getattr(arguments, table)
        if str(path) != STDOUT:
            target = check_output(path, formats=TABLE_FORMATS, overwrite=force, what=f"--{table}")
            if target.suffix.lower() == ".parquet":
                from ..outputs import _require_pyarrow

                _require_pyarrow()
        paths[f"--{table}"] = path
    if figure and getattr(arguments, figure, None) is not None:
        from ..plotting import check_figure_path

        check_figure_path(getattr(arguments, figure), overwrite=force)
        paths[f"--{figure}"] = getattr(arguments, figure)
    for option, formats in other:
        if getattr(arguments, option, None) is not None:
            check_output(getattr(arguments, option), formats=formats, overwrite=force, what=f"--{option}")
            paths[f"--{option}"] = getattr(arguments, option)
    check_distinct(**paths)


def existing_file(path, option: str) -> Path:
    if not Path(path).is_file():
        raise HomeostasisError(f"{option}: file {str(path)!r} does not exist")
    return Path(path)


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


class TerminalProgress:
    """``done  37 %  (12 s)`` on stderr, rewritten in place; silent unless stderr is a terminal.

    Shown only after ``delay`` seconds, so short runs print nothing.
    """

    def __init__(self, label: str, delay: float = 1.0):
        import sys
        import time

        self.label, self.delay, self._time = label, delay, time.perf_counter
        self.start, self.stream = self._time(), sys.stderr
        self.enabled = self.stream.isatty()
        self.shown = False

    def __call__(self, fraction: float) -> None:
        elapsed = self._time() - self.start
        if not self.enabled or elapsed < self.delay:
            return
        left = elapsed / max(fraction, 1e-9) - elapsed
        self.stream.write(f"\r{self.label}: {100 * fraction:5.1f} %  ({elapsed:.0f} s, about {left:.0f} s left)  ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 70 + "\r")
            self.stream.flush()
