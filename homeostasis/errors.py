"""The package's own exceptions: every user-facing failure is one of these."""

from __future__ import annotations

import difflib

import numpy as np


class HomeostasisError(Exception):
    """Base class of every error this package raises on purpose."""


class UnknownNameError(HomeostasisError, KeyError):
    """A scenario, parameter, variable or intervention name that does not exist."""

    def __init__(self, kind: str, name: str, valid):
        self.kind, self.name = kind, name
        self.suggestions = difflib.get_close_matches(str(name), list(valid), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {name!r}{hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]


class ParameterValueError(HomeostasisError, ValueError):
    """A parameter value that is not a finite number or lies outside its bounds."""


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
        if state is not None:
            shown = ", ".join(f"{k}={v:.4g}" for k, v in state.items())
            detail += f"; state: {shown}"
        super().__init__(detail)


def check_finite_number(name: str, value) -> float:
    """Return ``value`` as a float, or raise a ParameterValueError naming ``name``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterValueError(f"{name}: expected a finite number, got {value!r}") from None
    if not np.isfinite(number):
        raise ParameterValueError(f"{name}: expected a finite number, got {value!r}")
    return number
