"""Scenario declarations and their discovery in ``homeostasis.scenarios`` and entry points.

A scenario module defines ``SCENARIO = Scenario(...)``. Adding a module to ``scenarios/``
makes it available by name with no registry to edit; a path to a ``.py`` file works too.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import traceback
from functools import lru_cache
from importlib import metadata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import HomeostasisError, ParameterValueError, ScenarioFileError, UnknownNameError, check_in_bounds


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
    return check_in_bounds(knob.name, value, knob.lower, knob.upper, knob.unit)


def available_scenarios() -> dict[str, Scenario]:
    """Every scenario (this folder's modules, then entry points), keyed by its command-line name."""
    return dict(_discovered())


@lru_cache(maxsize=1)
def _discovered() -> tuple:
    package = importlib.import_module(__package__)
    found = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name == "base" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        scenario = getattr(module, "SCENARIO", None)
        if isinstance(scenario, Scenario):
            found[scenario.name] = scenario
    for entry in metadata.entry_points(group="homeostasis.scenarios"):
        scenario = entry.load()
        if isinstance(scenario, Scenario):
            found.setdefault(scenario.name, scenario)
    return tuple(sorted(found.items(), key=lambda item: (item[0] != "healthy", item[0])))


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
        raise ScenarioFileError(f"scenario file {str(path)!r} does not exist")
    spec = importlib.util.spec_from_file_location(f"user_scenario_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise ScenarioFileError(f"{path}, line {error.lineno}: expected valid Python, got a syntax error "
                                f"({error.msg})") from None
    except (Exception, SystemExit) as error:  # a user's file may raise anything, even sys.exit
        raise ScenarioFileError(f"{path}, line {_user_line(error, path)}: expected the file to import, got "
                                f"{type(error).__name__}: {' '.join(str(error).split())}") from None
    scenario = getattr(module, "SCENARIO", None)
    if not isinstance(scenario, Scenario):
        found = "none" if scenario is None else type(scenario).__name__
        raise ScenarioFileError(f"{path}: expected a module-level SCENARIO = Scenario(...), found {found}")
    return _checked(scenario, str(path))


def _user_line(error, path) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == path]
    return str(frames[-1].lineno) if frames else "?"


def _checked(scenario: Scenario, where: str) -> Scenario:
    """Call the scenario's functions once with default knobs: wrong results fail here, clearly."""
    knobs = {k.name: k.default for k in scenario.knobs}
    for what in ("changes", "initial", "steady_guess"):
        try:
            value = getattr(scenario, what)(knobs)
        except Exception as error:
            raise ScenarioFileError(f"{where}: {what}(knobs) raised {type(error).__name__}: "
                                    f"{' '.join(str(error).split())}") from None
        if value is not None and not isinstance(value, dict):
            raise ScenarioFileError(f"{where}: expected {what}(knobs) to return a dict {{name: value}}, "
                                    f"got {type(value).__name__}")
    return scenario
