"""Events (what happens at one instant) and the declaration of an intervention's options.

An event sets parameter values and/or changes state amounts at one instant; the solver
integrates between events. :mod:`homeostasis.protocol.catalogue` declares each intervention
with these pieces, and :mod:`homeostasis.protocol.schedule` applies them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import ParameterValueError, UnknownNameError, check_in_bounds

# molar masses (g/mol) used to convert clinical doses to the model's amounts
CALCIUM_MG_PER_MMOL = 40.078
PHOSPHORUS_MG_PER_MMOL = 30.974
CINACALCET_MG_PER_UMOL = 0.3575  # cinacalcet free base, 357.4 g/mol
CALCITRIOL_PMOL_PER_UG = 2400.4  # 416.6 g/mol
CHOLECALCIFEROL_NMOL_PER_UG = 2.600  # 384.6 g/mol
CHOLECALCIFEROL_IU_PER_UG = 40.0  # 1 ug = 40 IU (definition)
CALCIFEDIOL_NMOL_PER_UG = 2.496  # 400.6 g/mol
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
class InterventionSpec:
    name: str
    description: str
    options: tuple
    make_events: object
    references: tuple = ()

    def validate(self, given: dict) -> dict:
        if given is not None and not isinstance(given, dict):
            raise TypeError(f"{self.name} options: expected a dict {{option: value}}, got {type(given).__name__}")
        known = {o.name: o for o in self.options}
        values = {o.name: o.default for o in self.options}
        for key, value in (given or {}).items():
            if key not in known:
                raise UnknownNameError(f"option of {self.name}", key, known)
            option = known[key]
            values[key] = check_in_bounds(f"{self.name} {key}", value, option.lower, option.upper, option.unit)
        return values

    def events(self, day, options, base, end):
        """The events of one use of this intervention (options already validated)."""
        return self.make_events(day, options, base, end)


def _lasting(day, options, base, settings: dict) -> list[Event]:
    """Set ``settings`` from ``day``; restore the scenario values after ``days`` if given."""
    events = [Event(day, parameters=settings)]
    if options.get("days"):
        events.append(Event(day + options["days"], parameters={k: base[k] for k in settings}))
    return events


MAX_EVENTS = 1_000_000  # a dose every hour for a century; more would not fit in memory sensibly
EVENT_TIME_DECIMALS = 9  # event times are rounded to ~0.1 ms so they meet output times exactly


def _repeated(day, end, interval, make) -> list[Event]:
    """``make(time)`` at day, day + interval, ... up to ``end``.

    Times are computed as day + k * interval (not by accumulation) and rounded: an accumulated
    sum drifts by ulps (12 x 7/3 = 27.999999999999996), which put an event a few ulps before an
    output time and made LSODA refuse a segment too short to start ("Illegal input detected").
    The count is checked before any event is made.
    """
    count = int(math.floor((end - day) / interval + 1e-9)) + 1 if end >= day else 0
    if count > MAX_EVENTS:
        raise ParameterValueError(f"repeated doses: {count:.3g} events from day {day:g} to {end:g} every "
                                  f"{interval * 24:g} h; expected at most {MAX_EVENTS:,} (shorten the run or "
                                  f"give the intervention a 'days' option)")
    times = (round(day + k * interval, EVENT_TIME_DECIMALS) for k in range(count))
    return [make(time) for time in times if time <= end + 1e-9]


