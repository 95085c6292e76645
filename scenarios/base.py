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
from dataclasses import InitVar, dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import (ParameterValueError, ScenarioFileError, UnknownNameError, check_finite_number,
                      check_in_bounds, warn_renamed)


@dataclass(frozen=True)
class Knob:
    """A named scenario setting with default, unit, bounds and meaning.

    A knob that sets one model parameter carries that parameter's name (``gfr_final``);
    ``aliases`` are its former names, still accepted with a deprecation warning.
    """

    name: str
    default: float
    unit: str
    lower: float
    upper: float
    meaning: str
    aliases: tuple = ()

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ScenarioFileError(f"Knob name: expected an identifier, got {self.name!r}")
        if isinstance(self.aliases, str) or not all(isinstance(a, str) and a.isidentifier() for a in self.aliases):
            raise ScenarioFileError(f"knob {self.name}: expected aliases to be a tuple of identifiers, "
                                    f"got {self.aliases!r}")
        object.__setattr__(self, "aliases", tuple(self.aliases))
        lower = check_finite_number(f"knob {self.name} lower", self.lower)
        upper = check_finite_number(f"knob {self.name} upper", self.upper)
        if lower > upper:
            raise ScenarioFileError(f"knob {self.name}: expected lower <= upper, got [{lower:g}, {upper:g}]")
        check_in_bounds(f"knob {self.name} default", self.default, lower, upper, self.unit)


def _no_changes(knobs):
    return {}


@dataclass(frozen=True)
class Scenario:
    """A named condition: parameter changes (a function of the knobs) and references.

    ``changes(knobs)`` returns ``{parameter: value}``; ``seeds(knobs)`` returns state amounts
    set at day 0 of a healthy start (e.g. a seed of adenoma cells); ``steady_guess(knobs)``
    returns state amounts that put the steady-state search on the disease branch;
    ``default_variables`` are the observables a figure of this scenario shows by default
    (those that show its disease; empty: the main clinical ones).
    (``initial=`` is the 0.1 name of ``seeds=``, still accepted with a deprecation warning.)
    """

    name: str
    description: str
    knobs: tuple = ()
    changes: Callable = _no_changes
    references: tuple = field(default_factory=tuple)
    seeds: Callable = _no_changes
    steady_guess: Callable = _no_changes
    default_variables: tuple = ()
    initial: InitVar[Callable | None] = None

    def __post_init__(self, initial):
        if initial is not None:
            warn_renamed("Scenario() keyword", "initial", "seeds", stacklevel=4)
            object.__setattr__(self, "seeds", initial)
        if not isinstance(self.name, str) or not self.name.strip():
            raise ScenarioFileError(f"Scenario name: expected a non-empty string, got {self.name!r}")
        if not isinstance(self.description, str) or not self.description.strip():
            raise ScenarioFileError(f"scenario {self.name}: expected a description string, got {self.description!r}")
        object.__setattr__(self, "knobs", tuple(self.knobs))
        if isinstance(self.default_variables, str) or not all(isinstance(n, str) for n in self.default_variables):
            raise ScenarioFileError(f"scenario {self.name}: expected default_variables to be a tuple of "
                                    f"observable names, got {self.default_variables!r}")
        object.__setattr__(self, "default_variables", tuple(self.default_variables))
        for knob in self.knobs:
            if not isinstance(knob, Knob):
                raise ScenarioFileError(f"scenario {self.name}: expected knobs to be Knob(...) objects, "
                                        f"got {type(knob).__name__} {knob!r}")
        for what in ("changes", "seeds", "steady_guess"):
            if not callable(getattr(self, what)):
                raise ScenarioFileError(f"scenario {self.name}: expected {what} to be a function of the knobs, "
                                        f"got {type(getattr(self, what)).__name__}")

    @property
    def summary(self) -> str:
        return self.description.strip().split(". ")[0].rstrip(".") + "."

    def knob_names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.knobs)

    def canonical_name(self, name: str) -> str:
        """The current name of a knob written by a deprecated alias (warning), else ``name``."""
        for knob in self.knobs:
            if name in knob.aliases:
                warn_renamed(f"scenario {self.name} knob", name, knob.name, stacklevel=4)
                return knob.name
        return name

    def canonical_settings(self, settings: dict) -> dict:
        """``settings`` with deprecated knob names replaced (one value per knob)."""
        out = {}
        for name, value in (settings or {}).items():
            current = self.canonical_name(name)
            if current in out:
                raise ParameterValueError(f"{current}: set twice (as {current!r} and by its old name {name!r})"
                                          if current != name else f"{current}: set twice")
            out[current] = value
        return out

    def split_settings(self, settings: dict) -> tuple[dict, dict]:
        """Separate knob values from model parameter values in user settings."""
        knobs = {k.name: k.default for k in self.knobs}
        parameters = {}
        for name, value in self.canonical_settings(settings).items():
            if name in knobs:
                knobs[name] = _validate_knob(self._knob(name), value)
            else:
                parameters[name] = value
        return knobs, parameters

    def parameter_changes(self, knobs: dict) -> dict:
        """``{parameter: value}`` for these knob values (checked: a dict of names to numbers)."""
        return self._call("changes", knobs)

    def seed_amounts(self, knobs: dict) -> dict:
        """``{state: amount}`` set at day 0 of a healthy start."""
        return self._call("seeds", knobs)

    def guess_amounts(self, knobs: dict) -> dict:
        """``{state: amount}`` that put the steady-state search on the disease branch."""
        return self._call("steady_guess", knobs)

    def _call(self, what: str, knobs: dict) -> dict:
        try:
            value = getattr(self, what)(knobs)
        except Exception as error:  # a scenario's own code, possibly a user's
            raise ScenarioFileError(f"scenario {self.name}: {what}(knobs) raised {type(error).__name__}: "
                                    f"{' '.join(str(error).split())}") from None
        if not isinstance(value, dict):
            raise ScenarioFileError(f"scenario {self.name}: expected {what}(knobs) to return a dict "
                                    f"{{name: value}}, got {type(value).__name__}")
        for name, number in value.items():
            check_finite_number(f"scenario {self.name} {what} {name}", number)
        return dict(value)

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
    try:
        scenario.parameter_changes(knobs), scenario.seed_amounts(knobs), scenario.guess_amounts(knobs)
    except ScenarioFileError as error:
        raise ScenarioFileError(f"{where}: {error}") from None
    return scenario
