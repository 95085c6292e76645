"""Command line: ``homeostasis COMMAND ...``, one parser and one function per command.

Every user error (an unknown name, a value out of bounds, an output file that exists) ends
with exit status 2 and a single line on stderr, never a traceback. Ctrl-C ends with status 130
and SIGTERM with 143, each with one line, and no partial output file (files are written
atomically). Warnings from the numerical libraries are not printed: a failed integration is
reported as the package's own one-line error. A deprecated name (``--set final_gfr=15``)
still works and prints one ``homeostasis: warning:`` line.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import warnings

from .._version import __version__
from ..errors import HomeostasisDeprecationWarning, HomeostasisError
from . import compare, export, fit, petab, population, simulate, validate

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM
COMMAND_MODULES = (simulate, compare, fit, export, petab, validate, population)


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (the default also prints the whole usage)."""

    def error(self, message):
        command = self.prog.partition(" ")[2]
        where = f"{command}: " if command else ""
        self.exit(EXIT_USAGE, f"homeostasis: error: {where}{' '.join(message.split())} (see {self.prog} --help)\n")


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C (finished files stay, partial ones are removed)."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="homeostasis",
                     description="Human calcium and phosphate homeostasis: scenarios, steady states, fitting, "
                                 "validation against published experiments.")
    parser.add_argument("--version", action="version", version=f"homeostasis {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.add_parsers(commands)
    return parser


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    with _sigterm_as_interrupt(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("default", HomeostasisDeprecationWarning)  # an old name: say so, once
        warnings.showwarning = _show_deprecation  # restored by catch_warnings
        try:
            arguments = parser.parse_args(argv)
            status = arguments.handler(arguments)
        except SystemExit as stop:  # argparse (--help, usage errors): report its status, do not exit
            return stop.code if isinstance(stop.code, int) else EXIT_USAGE
        except KeyboardInterrupt as stop:
            terminated = isinstance(stop, _Terminated)
            print(f"homeostasis: {'terminated' if terminated else 'interrupted'}; files already finished are kept, "
                  "no partial file was written", file=sys.stderr)
            return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
        except (HomeostasisError, OSError) as error:
            _report(error)
            return EXIT_USAGE
        except Exception as error:  # a bug: still one line, and the traceback on request
            if os.environ.get("HOMEOSTASIS_DEBUG"):
                raise
            print(f"homeostasis: internal error: {type(error).__name__}: {' '.join(str(error).split())} "
                  "(please report it; set HOMEOSTASIS_DEBUG=1 for the traceback)", file=sys.stderr)
            return 1
    return int(status or 0)


def _show_deprecation(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"homeostasis: warning: {' '.join(str(message).split())}", file=sys.stderr)


def _report(error) -> None:
    message = " ".join(str(error).split())  # one line, whatever the message holds
    if isinstance(error, OSError) and not isinstance(error, HomeostasisError):
        message = f"{error.strerror or type(error).__name__}: {error.filename}" if error.filename else message
    print(f"homeostasis: error: {message}", file=sys.stderr)


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Turn SIGTERM into an exception while a command runs (main thread only)."""
    def handler(signum, frame):
        raise _Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. a notebook worker): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
