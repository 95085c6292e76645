"""Clinical interventions applied at a time: each becomes a schedule of events.

Interventions are written ``NAME@DAY[:key=value,...]`` (one canonical text form, parsed by
:func:`parse_intervention` and written by :func:`format_intervention`). Drugs and diets last
to the end of the run unless ``days`` is given, after which the parameters return to the
scenario's values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import HomeostasisError, ParameterValueError, UnknownNameError, check_finite_number
from .events import Event
from .catalogue import CATALOGUE, serve_meals


@dataclass(frozen=True)
class Intervention:
    """A named intervention starting on ``day`` with ``options`` (validated on creation)."""

    name: str
    day: float = 0.0
    options: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"intervention name: expected a string, got {type(self.name).__name__}")
        spec = _spec(self.name)
        day = check_finite_number("intervention day", self.day)
        if day < 0:
            raise ParameterValueError(f"{self.name}: expected a start day >= 0, got {day:g}")
        object.__setattr__(self, "options", spec.validate(self.options))

    def events(self, base: dict, end: float) -> list[Event]:
        return _spec(self.name).events(self.day, self.options, base, end)


def schedule_events(interventions, base: dict, end: float) -> list[Event]:
    """Every event of ``interventions`` up to run day ``end``, in time order (``base``: the
    scenario's parameter values, which settings return to), meals holding the dietary intake
    in force when they are eaten."""
    events = [event for item in interventions for event in item.events(base, end)]
    return serve_meals(sorted(events, key=lambda event: event.time), base)


TEXT_FORM = re.compile(r"\s*([A-Za-z0-9_-]+)\s*@\s*([^:]+?)\s*(?::(.*))?")  # NAME@DAY[:key=value,...]


def split_intervention(text: str):
    """``(name, day text, options text or None)`` of ``NAME@DAY[:key=value,...]``, or None if
    ``text`` is not in that form (the one reader of the text form: parsing, plot markers and
    atlas records all use it)."""
    match = TEXT_FORM.fullmatch(text) if isinstance(text, str) else None
    return match.groups() if match else None


def parse_intervention(text: str) -> Intervention:
    """Parse ``NAME@DAY[:key=value,...]`` as used on the command line."""
    if not isinstance(text, str):
        raise TypeError(f"intervention: expected a 'NAME@DAY[:key=value,...]' string, got {type(text).__name__}")
    parts = split_intervention(text)
    if parts is None:
        raise HomeostasisError(f"intervention: expected NAME@DAY[:key=value,...], got {text!r}")
    name, day, rest = parts
    options = {}
    for item in filter(None, (rest or "").split(",")):
        if "=" not in item:
            raise HomeostasisError(f"intervention {name}: expected key=value, got {item!r}")
        key, value = (part.strip() for part in item.split("=", 1))
        if key in options:
            raise HomeostasisError(f"intervention {name}: option {key!r} given more than once")
        options[key] = value
    return Intervention(name, check_finite_number("intervention day", day), options)


def _spec(name: str):
    if name not in CATALOGUE:
        raise UnknownNameError("intervention", name, CATALOGUE)
    return CATALOGUE[name]


def as_interventions(items) -> list[Intervention]:
    """Accept Intervention objects, ``"name@day:..."`` strings, or (name, day, options) tuples."""
    if isinstance(items, (str, Intervention)):
        items = [items]
    out = []
    for item in items or []:
        if isinstance(item, Intervention):
            out.append(item)
        elif isinstance(item, str):
            out.append(parse_intervention(item))
        elif isinstance(item, (tuple, list)) and 1 <= len(item) <= 3:
            out.append(Intervention(*item))
        else:
            raise TypeError(f"interventions: expected 'NAME@DAY[:key=value,...]' strings, Intervention objects or "
                            f"(name, day, options) tuples, got {item!r}")
    return out


def format_intervention(item: Intervention) -> str:
    """The canonical text of an intervention: ``NAME@DAY[:key=value,...]`` (unset options left out)."""
    options = ",".join(f"{k}={v}" if isinstance(v, str) else f"{k}={v:g}"
                       for k, v in item.options.items() if v is not None)
    return f"{item.name}@{item.day:g}" + (f":{options}" if options else "")
