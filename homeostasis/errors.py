"""Every exception the package raises on purpose, the validators used everywhere, and the
warning given for a deprecated name.

All of them derive from :class:`HomeostasisError`; each also derives from the builtin that
describes it (``KeyError``, ``ValueError``, ``RuntimeError``, ``FileExistsError``), so callers
can catch by kind. Messages read "NAME: expected X, got Y" and fit on one line (except the
unit report, which lists every problem).
"""

from __future__ import annotations

import difflib
import math


class HomeostasisError(Exception):
    """Base class of every error this package raises on purpose."""


def suggest(name, valid, n: int = 3) -> list[str]:
    """The names in ``valid`` closest to ``name`` (for "did you mean" hints)."""
    return difflib.get_close_matches(str(name), [str(v) for v in valid], n=n, cutoff=0.5)


class UnknownNameError(HomeostasisError, KeyError):
    """A scenario, parameter, variable or intervention name that does not exist."""

    def __init__(self, kind: str, name: str, valid):
        self.kind, self.name = kind, name
        self.suggestions = suggest(name, valid)
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {name!r}{hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]


class ParameterValueError(HomeostasisError, ValueError):
    """A parameter value that is not a finite number or lies outside its bounds."""


class DataError(HomeostasisError, ValueError):
    """Measurement data that cannot be used (a missing column, an unknown variable, ...)."""


class ScenarioFileError(HomeostasisError, ValueError):
    """A user's scenario ``.py`` file that cannot be loaded or does not define a scenario."""


class OutputExistsError(HomeostasisError, FileExistsError):
    """An output file that exists and may not be overwritten (pass ``--force``/``overwrite``)."""

    def __str__(self) -> str:
        return self.args[0]


class OutputPathError(HomeostasisError, ValueError):
    """An output path that cannot be written (unknown format, missing folder, clash)."""


class ExportError(HomeostasisError, RuntimeError):
    """A model expression or document that cannot be written in an exchange format."""


class UnitCheckError(HomeostasisError, ValueError):
    """A rate, observable or derived value whose units do not match its declaration."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} unit problem(s) in the model:\n  "
                         + "\n  ".join(self.problems))


class SolverError(HomeostasisError, RuntimeError):
    """The integrator or the steady-state solver failed.

    Carries the time (days), the state at failure and the parameter values so that the
    failure can be reproduced.
    """

    def __init__(self, message: str, *, time=None, state=None, parameters=None):
        self.time, self.state, self.parameters = time, state, parameters
        detail = message
        if time is not None:
            detail += f" at t = {time:.6g} days"
        self.summary = detail  # the message without the state (for a one-line record of the failure)
        if state is not None:
            shown = ", ".join(f"{k}={v:.4g}" for k, v in state.items())
            detail += f"; state: {shown}"
        super().__init__(detail)


def check_finite_number(name: str, value) -> float:
    """Return ``value`` as a float, or raise a ParameterValueError naming ``name``."""
    if isinstance(value, bool):
        raise ParameterValueError(f"{name}: expected a finite number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterValueError(f"{name}: expected a finite number, got {value!r}") from None
    if not math.isfinite(number):
        raise ParameterValueError(f"{name}: expected a finite number, got {value!r}")
    return number


def check_in_bounds(name: str, value, lower: float, upper: float, unit: str = "") -> float:
    """``value`` as a finite float within [lower, upper], or a ParameterValueError naming ``name``."""
    number = check_finite_number(name, value)
    if not lower <= number <= upper:
        unit = f" {unit}" if unit else ""
        raise ParameterValueError(f"{name}: expected a value in [{lower:g}, {upper:g}]{unit}, got {number:g}")
    return number


def check_one_of(name: str, value, choices) -> str:
    """``value`` if it is one of ``choices``, else a ParameterValueError listing them (with a
    "did you mean" hint when a choice is close to what was given)."""
    if value not in choices:
        close = suggest(value, choices) if isinstance(value, str) else []
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ParameterValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {value!r}{hint}")
    return value


class HomeostasisDeprecationWarning(DeprecationWarning):
    """An old name that still works (the command line prints it as one line on stderr)."""


def warn_renamed(what: str, old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` is the deprecated name of ``new`` (kept as an alias for one release)."""
    import warnings

    warnings.warn(f"{what} {old!r} is deprecated: use {new!r} (the old name still works for now)",
                  HomeostasisDeprecationWarning, stacklevel=stacklevel)


def renamed_keyword(function: str, old: str, new: str, old_value, new_value):
    """The value of keyword ``new``, also accepted under its deprecated name ``old`` (warning)."""
    if old_value is None:
        return new_value
    if new_value is not None:
        raise TypeError(f"{function}(): give {new}= only ({old}= is its deprecated name), not both")
    warn_renamed(f"{function}() keyword", old, new, stacklevel=4)
    return old_value
