"""Events (what happens at one instant) as action objects, and an intervention's options.

An :class:`Event` is a time and a tuple of actions applied in order. Each action is a small
object with one ``apply(y, p, at)`` that the one event loop
(:mod:`homeostasis.protocol.schedule`) calls, and the facts every other consumer needs:

* ``ops(state_index, parameter_index)``: the action as operations of the compiled event loop
  (:mod:`homeostasis.numerics.driver`), or ``reads_state = True`` when its effect depends on
  the state at its instant (the driver then stops there and the action runs in Python);
* ``carry(...)``: how forward sensitivities pass through it (fitting);
* ``sbml(out)``: its SBML event assignments (export);
* ``parameters_set``: the parameters it overwrites (fitting refuses to estimate those).

:mod:`homeostasis.protocol.catalogue` builds each intervention from these actions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ParameterValueError, UnknownNameError, check_in_bounds, check_one_of
from ..parameters.table import validate_value

# molar masses (g/mol) used to convert clinical doses to the model's amounts
CALCIUM_MG_PER_MMOL = 40.078
PHOSPHORUS_MG_PER_MMOL = 30.974
CINACALCET_MG_PER_UMOL = 0.3575  # cinacalcet free base, 357.4 g/mol
CALCITRIOL_PMOL_PER_UG = 2400.4  # 416.6 g/mol
CHOLECALCIFEROL_NMOL_PER_UG = 2.600  # 384.6 g/mol
CHOLECALCIFEROL_IU_PER_UG = 40.0  # 1 ug = 40 IU (definition)
CALCIFEDIOL_NMOL_PER_UG = 2.496  # 400.6 g/mol
CLAMP_GAIN_PER_DAY = 5000.0  # holds ionized Ca within ~0.01 mmol/L of target
CLAMP_TARGET = "ca_clamp_target"  # the parameter a relative clamp sets from the state
ADENOMA_PRESENT = 1e-6  # relative mass above which an adenoma is "there" to be removed
RESIDUAL_CAPACITY = 0.001  # parathyroid secretory capacity left after total parathyroidectomy

# Operation codes of the compiled event loop (numerics/kernels/driver.py.tmpl: kind 0
# multiplies a state, 1 adds to a state, 2 sets a parameter). Each action below names its code.
SCALE_STATE, ADD_TO_STATE, SET_PARAMETER = 0, 1, 2


@dataclass(frozen=True)
class Instant:
    """What an action may read at its instant: the compiled model, the model time, the
    position of each parameter, and (fitting only) the sensitivity model and active names."""

    compiled: object
    model_time: float
    parameter_index: dict
    sensitivity: object = None
    active: dict | None = None  # active parameter name -> column of dp


def _pairs(values, what) -> tuple:
    if not isinstance(values, dict):
        raise TypeError(f"{what}: expected a dict {{name: value}}, got {type(values).__name__}")
    return tuple(sorted((str(name), float(value)) for name, value in values.items()))


class Action:
    """One thing that happens at an event's instant (see the module docstring)."""

    reads_state = False  # True: the effect depends on the state at the instant (not compiled)
    code = None  # the compiled operation code of actions made of (name, value) pairs

    @property
    def parameters_set(self) -> frozenset:
        return frozenset()

    def apply(self, y, p, at: Instant) -> None:
        """Change the state ``y`` and parameter vector ``p`` in place."""
        raise NotImplementedError

    def ops(self, state_index, parameter_index) -> list:
        """``[(code, position, value), ...]`` for the compiled event loop."""
        raise NotImplementedError(f"{type(self).__name__} reads the state at its instant; it is applied in Python")

    def carry(self, s, dp, before, after, at: Instant) -> None:
        """Carry state sensitivities ``s`` and parameter sensitivities ``dp`` through (in place);
        ``before`` and ``after`` are the (state, parameter vector) pairs around this action."""

    def sbml(self, out: dict) -> None:
        """Add SBML event assignments ``{variable: formula}`` to ``out`` (composed in order)."""
        raise NotImplementedError


@dataclass(frozen=True)
class _Pairs(Action):
    """An action given as ``{name: value}`` (stored as sorted pairs, so it is hashable)."""

    values: tuple

    def __init__(self, values: dict):
        object.__setattr__(self, "values", _pairs(values, type(self).__name__))

    def as_dict(self) -> dict:
        return dict(self.values)


class ScaleStates(_Pairs):
    """Multiply states by factors (surgery removing a fraction of a tissue)."""

    code = SCALE_STATE

    def apply(self, y, p, at):
        for name, factor in self.values:
            y[at.compiled.state_index[name]] *= factor

    def ops(self, state_index, parameter_index):
        return [(self.code, state_index[name], factor) for name, factor in self.values]

    def carry(self, s, dp, before, after, at):
        for name, factor in self.values:
            s[at.compiled.state_index[name]] *= factor

    def sbml(self, out):
        for name, factor in self.values:
            out[name] = f"({out.get(name, name)}) * {factor!r}"


class AddAmounts(_Pairs):
    """Add amounts to states (a dose into its depot). A dose does not change sensitivities."""

    code = ADD_TO_STATE

    def apply(self, y, p, at):
        for name, amount in self.values:
            y[at.compiled.state_index[name]] += amount

    def ops(self, state_index, parameter_index):
        return [(self.code, state_index[name], amount) for name, amount in self.values]

    def sbml(self, out):
        for name, amount in self.values:
            out[name] = f"({out.get(name, name)}) + {amount!r}"


class SetParameters(_Pairs):
    """Set parameters to values (a drug's rate, a diet); validated against the table's bounds."""

    code = SET_PARAMETER

    def __init__(self, values: dict):
        super().__init__(values)
        for name, value in self.values:
            validate_value(name, value)

    @property
    def parameters_set(self):
        return frozenset(name for name, _ in self.values)

    def apply(self, y, p, at):
        for name, value in self.values:
            p[at.parameter_index[name]] = value

    def ops(self, state_index, parameter_index):
        return [(self.code, parameter_index[name], value) for name, value in self.values]

    def carry(self, s, dp, before, after, at):
        _no_longer_estimated(dp, self.parameters_set, at)

    def sbml(self, out):
        for name, value in self.values:
            out[name] = repr(value)


def _no_longer_estimated(dp, names, at):
    """A parameter set to a fixed value no longer follows the estimated ones."""
    for name in names:
        if name in at.active:
            dp[at.active[name]] = 0.0


@dataclass(frozen=True)
class ClampRelative(Action):
    """Set the clamp's ionized-calcium target to the value at this instant + ``delta``."""

    delta: float
    reads_state = True

    @property
    def parameters_set(self):
        return frozenset({CLAMP_TARGET})

    def apply(self, y, p, at):
        p[at.parameter_index[CLAMP_TARGET]] = _ionized(at, y, p) + self.delta

    def carry(self, s, dp, before, after, at):
        # the target inherits the sensitivity of ionized calcium just before the instant
        ionized = at.compiled.observable_names.index("ca_ionized")
        column = at.active[CLAMP_TARGET]
        y, p = before
        dp[column] = at.sensitivity.observable_sensitivity(at.model_time, y, s, p, dp)[ionized]

    def sbml(self, out):
        out[CLAMP_TARGET] = f"ca_ionized + {float(self.delta)!r}"


def _ionized(at, y, p) -> float:
    names = at.compiled.observable_names
    return float(at.compiled.observables([at.model_time], y[None, :], p)[0][names.index("ca_ionized")])


@dataclass(frozen=True)
class RemoveParathyroid(Action):
    """Parathyroidectomy decided at its instant: the adenoma if one is present, else all
    parathyroid tissue (the states the model declares ``surgery=True``), leaving a residual
    secretory capacity."""

    reads_state = True

    @property
    def parameters_set(self):
        return frozenset({"parathyroid_capacity"})

    def apply(self, y, p, at):
        index = at.compiled.state_index
        if _adenoma_present(y, index):
            y[index["adenoma_mass"]] = y[index["pth_adenoma"]] = 0.0
            return
        for name in at.compiled.surgery_states:
            y[index[name]] = 0.0
        p[at.parameter_index["parathyroid_capacity"]] = RESIDUAL_CAPACITY

    def carry(self, s, dp, before, after, at):
        index = at.compiled.state_index
        for name in at.compiled.surgery_states:  # a state emptied by surgery loses its sensitivity
            if after[0][index[name]] == 0.0:
                s[index[name]] = 0.0
        if not _adenoma_present(before[0], index):
            _no_longer_estimated(dp, self.parameters_set, at)

    def sbml(self, out):
        present = f"adenoma_mass > {ADENOMA_PRESENT!r}"
        out.update({"adenoma_mass": "0", "pth_adenoma": "0",
                    "parathyroid_mass": f"piecewise(parathyroid_mass, {present}, 0)",
                    "pth_gland": f"piecewise(pth_gland, {present}, 0)",
                    "parathyroid_capacity": f"piecewise(parathyroid_capacity, {present}, {RESIDUAL_CAPACITY!r})"})


def _adenoma_present(y, index) -> bool:
    return y[index["adenoma_mass"]] > ADENOMA_PRESENT


@dataclass(frozen=True, init=False)
class Event:
    """At ``time`` (days), ``actions`` applied in order: ``Event(2.0, SetParameters({...}))``."""

    time: float
    actions: tuple

    def __init__(self, time, *actions):
        for action in actions:
            if not isinstance(action, Action):
                raise TypeError(f"event at day {time:g}: expected Action objects, got {type(action).__name__}")
        object.__setattr__(self, "time", float(time))
        object.__setattr__(self, "actions", tuple(actions))

    @property
    def reads_state(self) -> bool:
        """True when an action depends on the state at this instant (applied in Python)."""
        return any(action.reads_state for action in self.actions)

    @property
    def parameters_set(self) -> frozenset:
        return frozenset().union(*(action.parameters_set for action in self.actions))

    def apply(self, y, p, at: Instant):
        """The state and parameter vector just after this event (new arrays)."""
        y, p = np.array(y, dtype=float), np.array(p, dtype=float)
        for action in self.actions:
            action.apply(y, p, at)
        return y, p

    def apply_carrying(self, y, s, p, dp, at: Instant):
        """:meth:`apply` with forward sensitivities: new (y, s, p, dp) just after this event."""
        y, p, s, dp = (np.array(a, dtype=float) for a in (y, p, s, dp))
        for action in self.actions:
            before = (y.copy(), p.copy())
            action.apply(y, p, at)
            action.carry(s, dp, before, (y, p), at)
        return y, s, p, dp

    def ops(self, state_index, parameter_index) -> list:
        return [op for action in self.actions for op in action.ops(state_index, parameter_index)]

    def sbml_assignments(self) -> dict:
        out = {}
        for action in self.actions:
            action.sbml(out)
        return out


@dataclass(frozen=True)
class Option:
    """One option of an intervention: a number within [lower, upper] in ``unit``, or, when
    ``choices`` is given, one of those names (then ``lower``/``upper`` are unused)."""

    name: str
    default: float | str | None
    unit: str
    lower: float = float("nan")
    upper: float = float("nan")
    choices: tuple = ()

    def check(self, owner: str, value):
        """The validated value of this option given to intervention ``owner``."""
        if self.choices:
            return check_one_of(f"{owner} {self.name}", value.strip() if isinstance(value, str) else value,
                                self.choices)
        return check_in_bounds(f"{owner} {self.name}", value, self.lower, self.upper, self.unit)


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
            values[key] = known[key].check(self.name, value)
        return values

    def events(self, day, options, base, end):
        """The events of one use of this intervention (options already validated)."""
        return self.make_events(day, options, base, end)


def lasting(day, options, base, settings: dict) -> list[Event]:
    """Set ``settings`` from ``day``; restore the scenario values after ``days`` if given."""
    events = [Event(day, SetParameters(settings))]
    if options.get("days"):
        events.append(Event(day + options["days"], SetParameters({k: base[k] for k in settings})))
    return events


MAX_EVENTS = 1_000_000  # a dose every hour for a century; more would not fit in memory sensibly
EVENT_TIME_DECIMALS = 9  # event times are rounded to ~0.1 ms so they meet output times exactly


def repeated(day, end, interval, *actions) -> list[Event]:
    """Events of ``actions`` at day, day + interval, ... up to ``end``.

    The actions are immutable values shared by every event (a schedule of 87,600 hourly doses
    holds one ``AddAmounts``, and the compiled driver encodes it once).

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
    return [Event(time, *actions) for time in times if time <= end + 1e-9]
