"""Scenario declarations and their automatic discovery in the top-level ``scenarios`` package.

A scenario module defines ``SCENARIO = Scenario(...)``. Adding a module to ``scenarios/``
makes it available by name with no registry to edit; a path to a ``.py`` file works too.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import HomeostasisError, ParameterValueError, UnknownNameError, check_finite_number


@dataclass(frozen=True)
class Knob:
    """A named scenario setting with default, unit, bounds and meaning."""

    name: str
    default: float
    unit: str
    lower: float
    upper: float
    meaning: str


def _no_changes(knobs):
    return {}


@dataclass(frozen=True)
class Scenario:
    """A named condition: parameter changes (a function of the knobs) and references.

    ``changes(knobs)`` returns ``{parameter: value}``; ``initial(knobs)`` returns state amounts
    set at day 0 of a healthy start (e.g. a seed of adenoma cells); ``steady_guess(knobs)``
    returns state amounts that put the steady-state search on the disease branch.
    """

    name: str
    description: str
    knobs: tuple = ()
    changes: Callable = _no_changes
    references: tuple = field(default_factory=tuple)
    initial: Callable = _no_changes
    steady_guess: Callable = _no_changes

    @property
    def summary(self) -> str:
        return self.description.strip().split(". ")[0].rstrip(".") + "."

    def knob_names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.knobs)

    def split_settings(self, settings: dict) -> tuple[dict, dict]:
        """Separate knob values from model parameter values in user settings."""
        knobs = {k.name: k.default for k in self.knobs}
        parameters = {}
        for name, value in (settings or {}).items():
            if name in knobs:
                knobs[name] = _validate_knob(self._knob(name), value)
            else:
                parameters[name] = value
        return knobs, parameters

    def parameter_changes(self, knobs: dict) -> dict:
        return dict(self.changes(knobs))

    def _knob(self, name):
        return next(k for k in self.knobs if k.name == name)


def _validate_knob(knob: Knob, value) -> float:
    number = check_finite_number(knob.name, value)
    if not knob.lower <= number <= knob.upper:
        raise ParameterValueError(
            f"{knob.name}: expected a value in [{knob.lower:g}, {knob.upper:g}] {knob.unit}, got {number:g}")
    return number


def available_scenarios() -> dict[str, Scenario]:
    """Every scenario in the ``scenarios`` package, keyed by its command-line name."""
    import scenarios

    found = {}
    for info in sorted(pkgutil.iter_modules(scenarios.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"scenarios.{info.name}")
        scenario = getattr(module, "SCENARIO", None)
        if isinstance(scenario, Scenario):
            found[scenario.name] = scenario
    return dict(sorted(found.items(), key=lambda item: (item[0] != "healthy", item[0])))


def load_scenario(name_or_path) -> Scenario:
    """A scenario by name, or from a Python file that defines ``SCENARIO``."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    text = str(name_or_path)
    if text.endswith(".py"):
        return _scenario_from_file(Path(text))
    scenarios = available_scenarios()
    if text not in scenarios:
        raise UnknownNameError("scenario", text, scenarios)
    return scenarios[text]


def _scenario_from_file(path: Path) -> Scenario:
    if not path.is_file():
        raise HomeostasisError(f"scenario file {str(path)!r} does not exist")
    spec = importlib.util.spec_from_file_location(f"user_scenario_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scenario = getattr(module, "SCENARIO", None)
    if not isinstance(scenario, Scenario):
        raise HomeostasisError(f"{path}: expected a module-level SCENARIO = Scenario(...), found none")
    return scenario
