"""Clinical interventions applied at a time: each becomes a schedule of events.

An event sets parameter values and/or changes state amounts at one instant; the solver
integrates between events. Drugs and diets last to the end of the run unless ``days`` is
given, after which the parameters return to the scenario's values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import HomeostasisError, ParameterValueError, UnknownNameError, check_finite_number

# molar masses (g/mol) used to convert clinical doses to the model's amounts
CALCIUM_MG_PER_MMOL = 40.078
PHOSPHORUS_MG_PER_MMOL = 30.974
CINACALCET_MG_PER_UMOL = 0.3575  # cinacalcet free base, 357.4 g/mol
CALCITRIOL_PMOL_PER_UG = 2400.4  # 416.6 g/mol
CLAMP_GAIN_PER_DAY = 5000.0  # holds ionized Ca within ~0.01 mmol/L of target


@dataclass(frozen=True)
class Event:
    """At ``time`` (days): set parameters, add to states, and multiply states."""

    time: float
    parameters: dict = field(default_factory=dict)
    add: dict = field(default_factory=dict)
    multiply: dict = field(default_factory=dict)
    relative_clamp: float | None = None  # ionized calcium target = value at this time + delta
    remove_adenoma_or_all: bool = False  # parathyroidectomy without a fraction


@dataclass(frozen=True)
class Option:
    name: str
    default: float | None
    unit: str
    lower: float
    upper: float


@dataclass(frozen=True)
class Intervention:
    """A named intervention starting on ``day`` with ``options`` (validated on creation)."""

    name: str
    day: float = 0.0
    options: dict = field(default_factory=dict)

    def __post_init__(self):
        spec = _spec(self.name)
        day = check_finite_number("intervention day", self.day)
        if day < 0:
            raise ParameterValueError(f"{self.name}: expected a start day >= 0, got {day:g}")
        object.__setattr__(self, "options", spec.validate(self.options))

    def events(self, base: dict, end: float) -> list[Event]:
        return _spec(self.name).schedule(self.day, self.options, base, end)


@dataclass(frozen=True)
class InterventionSpec:
    name: str
    description: str
    options: tuple
    schedule_function: object
    references: tuple = ()

    def validate(self, given: dict) -> dict:
        known = {o.name: o for o in self.options}
        values = {o.name: o.default for o in self.options}
        for key, value in (given or {}).items():
            if key not in known:
                raise UnknownNameError(f"option of {self.name}", key, known)
            option = known[key]
            number = check_finite_number(f"{self.name} {key}", value)
            if not option.lower <= number <= option.upper:
                raise ParameterValueError(f"{self.name} {key}: expected a value in [{option.lower:g}, "
                                          f"{option.upper:g}] {option.unit}, got {number:g}")
            values[key] = number
        return values

    def schedule(self, day, options, base, end):
        return self.schedule_function(day, options, base, end)


def _lasting(day, options, base, settings: dict) -> list[Event]:
    """Set ``settings`` from ``day``; restore the scenario values after ``days`` if given."""
    events = [Event(day, parameters=settings)]
    if options.get("days"):
        events.append(Event(day + options["days"], parameters={k: base[k] for k in settings}))
    return events


def _repeated(day, end, interval, make) -> list[Event]:
    events, time = [], day
    while time <= end + 1e-12:
        events.append(make(time))
        time += interval
    return events


def parse_intervention(text: str) -> Intervention:
    """Parse ``NAME@DAY[:key=value,...]`` as used on the command line."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_-]+)\s*@\s*([^:]+?)\s*(?::(.*))?", text or "")
    if not match:
        raise HomeostasisError(f"intervention: expected NAME@DAY[:key=value,...], got {text!r}")
    name, day, rest = match.groups()
    options = {}
    for item in filter(None, (rest or "").split(",")):
        if "=" not in item:
            raise HomeostasisError(f"intervention {name}: expected key=value, got {item!r}")
        key, value = item.split("=", 1)
        options[key.strip()] = value.strip()
    return Intervention(name, check_finite_number("intervention day", day), options)


def _spec(name: str) -> InterventionSpec:
    from .intervention_catalogue import CATALOGUE

    if name not in CATALOGUE:
        raise UnknownNameError("intervention", name, CATALOGUE)
    return CATALOGUE[name]


def as_interventions(items) -> list[Intervention]:
    """Accept Intervention objects, ``"name@day:..."`` strings, or (name, day, options) tuples."""
    out = []
    for item in items or []:
        if isinstance(item, Intervention):
            out.append(item)
        elif isinstance(item, str):
            out.append(parse_intervention(item))
        else:
            out.append(Intervention(*item))
    return out
