"""Dimensional analysis of the model: every rate, observable and derived value against its unit.

The model's expressions are plain numbers in the units of the parameter table and of the
states; nothing stops a flux from multiplying a GFR in mL/min by a concentration in mmol/L
and calling the result mmol/day. :func:`check_units` therefore evaluates each expression
twice at the same point:

* with plain floats, exactly as the compiled model computes it, and
* with every parameter and state as a pint ``Quantity`` in its declared unit,

and requires (a) that the pint result has the dimension of the declared unit and (b) that,
converted to that unit, its magnitude equals the float result (relative tolerance 1e-9).
(b) catches what a dimension-only check misses: a missing or wrong conversion constant
(mL/min x mmol/L is an amount per time, but it is 1.44 times too small as mmol/day), or a
rate constant whose table unit is off by a prefix.

Two points are checked: the healthy reference state, and the same state with every input
that is zero in health (PTHrP, dialysis, clamp, drugs, adenoma, ...) switched on, so that
terms multiplied by zero in health are checked too. The custom functions are mapped to
their unit behaviour: ``pos(x) -> x`` and ``step(x) -> 1``.

:func:`check_units` runs once when :func:`homeostasis.model.build_model` builds the model
(only on a cold start; a warm start loads compiled code and never builds the model).
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from functools import lru_cache, reduce

import numpy as np
import sympy as sp

from ..errors import HomeostasisError, UnitCheckError

RTOL = 1e-9
TIME_UNIT = "day"
UNIT_ALIASES = {"fraction": "dimensionless", "relative": "dimensionless", "": "dimensionless"}
_MATH = {"log": math.log, "exp": math.exp, "sqrt": math.sqrt, "Abs": abs,
         "sin": math.sin, "cos": math.cos, "tanh": math.tanh}


class _Problem(Exception):
    """Raised inside an evaluation; becomes one line of a UnitCheckError."""


@lru_cache(maxsize=1)
def registry():
    """The pint unit registry (created on first use; importing pint costs ~0.15 s)."""
    import pint

    return pint.UnitRegistry()


@lru_cache(maxsize=None)
def parse_unit(text: str):
    """A unit string of the parameter table or model ('fraction' and 'relative' are 1)."""
    return registry().Unit(UNIT_ALIASES.get(text.strip(), text.strip()))


def _is_quantity(value) -> bool:
    return isinstance(value, registry().Quantity)


def _plain(value, what: str) -> float:
    """A dimensionless value as a float (exponents, function arguments, conditions)."""
    if _is_quantity(value):
        if not value.dimensionless:
            raise _Problem(f"{what} must be dimensionless, got {_show(value)}")
        return float(value.to("dimensionless").magnitude)
    return float(value)


def _show(value) -> str:
    if _is_quantity(value):
        return f"{value.units} (dimension {value.dimensionality})"
    return "dimensionless"


def _dimensionality(value):
    return value.dimensionality if _is_quantity(value) else registry().Quantity(1.0).dimensionality


def _tidy(quantity):
    """Round unit exponents to simple fractions: ((mmol/L)^-6)^(-1/6) is mmol/L, not ^1.0000001."""
    units = []
    for name, exponent in quantity.unit_items():
        fraction = Fraction(exponent).limit_denominator(64)
        exact = fraction.numerator if fraction.denominator == 1 else float(fraction)
        units.append(registry().Unit(name) ** (exact if abs(float(fraction) - exponent) < 1e-9 else exponent))
    unit = reduce(operator.mul, units, registry().Unit("dimensionless"))
    return registry().Quantity(quantity.magnitude, unit)


class _Evaluator:
    """Evaluates SymPy expressions over floats or pint quantities (memoised per point)."""

    def __init__(self, values: dict):
        self.values = values
        self.memo: dict = {}

    def __call__(self, expr):
        try:
            return self.memo[expr]
        except KeyError:
            value = self.memo[expr] = self._evaluate(expr)
            return value

    def _evaluate(self, expr):
        if expr.is_Symbol:
            if expr not in self.values:
                raise _Problem(f"no value for symbol {expr}")
            return self.values[expr]
        if expr.is_Number or isinstance(expr, sp.NumberSymbol):
            return float(expr)
        if expr.is_Add:
            return self._add(expr, [self(a) for a in expr.args])
        if expr.is_Mul:
            return reduce(operator.mul, (self(a) for a in expr.args))
        if expr.is_Pow:
            return self._power(self(expr.base), self(expr.exp))
        if isinstance(expr, sp.Piecewise):
            for branch, condition in expr.args:
                if self._truth(condition):
                    return self(branch)
            raise _Problem(f"no branch of {expr} applies")
        if isinstance(expr, (sp.Min, sp.Max)):
            return self._extreme(expr, [self(a) for a in expr.args])
        name = type(expr).__name__
        if name == "pos":  # max(x, 0) keeps the unit of x
            return self(expr.args[0])
        if name == "step":  # Heaviside: a pure number
            return 1.0
        if name == "power":  # x**n written so that its derivative is finite at x = 0
            return self._power(self(expr.args[0]), self(expr.args[1]))
        if name in _MATH:
            return _MATH[name](_plain(self(expr.args[0]), f"the argument of {name}"))
        raise _Problem(f"cannot evaluate {name} ({expr}) with units")

    def _add(self, expr, terms):
        first = terms[0]
        for term, value in zip(expr.args[1:], terms[1:]):
            if _dimensionality(value) != _dimensionality(first):
                raise _Problem(f"cannot add {_show(first)} and {_show(value)} "
                               f"(term {_brief(term)} of {_brief(expr)})")
        quantities = [t for t in terms if _is_quantity(t)]
        if not quantities:
            return math.fsum(terms)
        unit = quantities[0].units
        total = math.fsum(t.to(unit).magnitude if _is_quantity(t) else
                          registry().Quantity(t).to(unit).magnitude for t in terms)
        return registry().Quantity(total, unit)

    def _power(self, base, exponent):
        exponent = _plain(exponent, "an exponent")
        if _is_quantity(base):
            if base.dimensionless:
                base = float(base.to("dimensionless").magnitude)
            else:
                return _tidy(base ** exponent)
        if base < 0 and exponent != int(exponent):
            raise _Problem(f"negative base {base:g} raised to the fractional power {exponent:g}")
        return base ** exponent

    def _extreme(self, expr, values):
        first = values[0]
        for value in values[1:]:
            if _dimensionality(value) != _dimensionality(first):
                raise _Problem(f"{type(expr).__name__} of {_show(first)} and {_show(value)}")
        choose = min if isinstance(expr, sp.Min) else max
        return choose(values, key=lambda v: _magnitude_in(v, first))

    def _truth(self, condition) -> bool:
        if condition in (sp.true, True):
            return True
        if condition in (sp.false, False):
            return False
        if isinstance(condition, sp.And):
            return all(self._truth(c) for c in condition.args)
        if isinstance(condition, sp.Or):
            return any(self._truth(c) for c in condition.args)
        if isinstance(condition, sp.Not):
            return not self._truth(condition.args[0])
        if isinstance(condition, sp.core.relational.Relational):
            left, right = self(condition.lhs), self(condition.rhs)
            a, b = _comparable(left, right, condition)
            return {"<=": a <= b, "<": a < b, ">=": a >= b, ">": a > b,
                    "==": a == b, "!=": a != b}[condition.rel_op]
        raise _Problem(f"cannot evaluate the condition {condition}")


def _magnitude_in(value, reference) -> float:
    if _is_quantity(reference):
        return (value if _is_quantity(value) else registry().Quantity(value)).to(reference.units).magnitude
    return _plain(value, "a compared value")


def _comparable(left, right, condition):
    """Magnitudes of both sides of a comparison in one unit (a bare 0 compares with anything)."""
    for zero, other in ((left, right), (right, left)):
        if not _is_quantity(zero) and zero == 0 and _is_quantity(other):
            value = other.magnitude
            return (0.0, value) if zero is left else (value, 0.0)
    if _dimensionality(left) != _dimensionality(right):
        raise _Problem(f"cannot compare {_show(left)} with {_show(right)} in {condition}")
    return _magnitude_in(left, left), _magnitude_in(right, left)


def _brief(expr, width: int = 70) -> str:
    text = sp.sstr(expr)
    return text if len(text) <= width else text[: width - 3] + "..."


# --- the points at which the model is checked ------------------------------------------------

def _points(model, parameters):
    """(label, time, parameter values, state values) of the healthy reference and of the
    same state with every input that is zero in health switched on."""
    from .calibration import reference_state, state_scale
    from ..parameters.table import parameter_table

    table = parameter_table()
    healthy = parameters.as_dict()
    switched_on = dict(healthy)
    for name, value in healthy.items():
        info = table[name]
        if value == 0 and info.kind != "constant" and info.upper > 0:
            switched_on[name] = 0.5 * (max(info.lower, 0.0) + info.upper)
    return [("healthy reference state", 0.0, healthy, reference_state(parameters)),
            ("check point with the inputs that are zero in health switched on", 100.0, switched_on,
             state_scale(parameters))]


def _values(model, time, parameter_values, state_values, with_units: bool) -> dict:
    from ..parameters.table import parameter_table

    table = parameter_table()
    quantity = registry().Quantity if with_units else None

    def wrap(value, unit):
        if not with_units or UNIT_ALIASES.get(unit.strip(), unit.strip()) == "dimensionless":
            return float(value)  # pure numbers stay plain floats (pint and symbolic exponents)
        return quantity(float(value), parse_unit(unit))

    values = {model.time: wrap(time, TIME_UNIT)}
    for symbol in model.parameter_symbols:
        values[symbol] = wrap(parameter_values[symbol.name], table[symbol.name].unit)
    for state, value in zip(model.states, state_values):
        values[state.symbol] = wrap(value, state.unit)
    return values


# --- the checks ---------------------------------------------------------------------------------

def _compare(label, kind, name, expr, unit_text, plain, with_units) -> str | None:
    """None if ``expr`` has ``unit_text`` and the same value with and without units."""
    try:
        expected = parse_unit(unit_text)
    except Exception as error:  # pint's UndefinedUnitError and parse errors
        return f"{kind} {name!r}: cannot read its unit {unit_text!r} ({error})"
    if expr.is_Number and expr == 0:
        return None  # a literal 0 (an empty pool) has every unit
    try:
        value = plain(expr)
        quantity = with_units(expr)
    except _Problem as problem:
        return f"{kind} {name!r} (declared {unit_text}) at the {label}: {problem}"
    except (ArithmeticError, ValueError) as error:
        return f"{kind} {name!r} at the {label}: could not be evaluated ({error})"
    if not _is_quantity(quantity):
        quantity = registry().Quantity(quantity)
    if not quantity.is_compatible_with(expected):
        return (f"{kind} {name!r}: expected {unit_text} (dimension {expected.dimensionality}), "
                f"got {_show(quantity)}")
    converted = float(quantity.to(expected).magnitude)
    scale = _scale(expr, plain)
    if not math.isclose(converted, value, rel_tol=RTOL, abs_tol=RTOL * scale):
        ratio = converted / value if value else math.inf
        return (f"{kind} {name!r}: expected {unit_text}, got {_show(quantity)}: dimensionally "
                f"compatible, but at the {label} it is {converted:.6g} {unit_text} while the model "
                f"computes {value:.6g}: it lacks a factor of {ratio:.6g} (a unit conversion constant is "
                f"missing or wrong)")
    return None


def _scale(expr, plain) -> float:
    """Size of the terms of a sum (a balance such as formation - resorption may be ~0)."""
    terms = expr.args if expr.is_Add else (expr,)
    return sum(abs(plain(t)) for t in terms)


def _flow_unit_problems(model) -> list[str]:
    """Every process's unit must be (unit of its source and target state) per day."""
    problems = []
    for process in model.processes:
        for end in (process.source, process.target):
            if end is None:
                continue
            state_unit = model.state(end).unit
            per_day = parse_unit(state_unit) / parse_unit(TIME_UNIT)
            try:
                factor = registry().Quantity(1.0, parse_unit(process.unit)).to(per_day).magnitude
            except Exception:
                factor = None
            if factor is None or not math.isclose(factor, 1.0, rel_tol=RTOL):
                problems.append(f"process {process.name!r}: expected {state_unit}/day (it flows "
                                f"{'out of' if end == process.source else 'into'} {end!r}, in "
                                f"{state_unit}), got {process.unit}")
    return problems


class _DefaultValues:
    """The packaged defaults with derived values from the SymPy calibration itself: the unit
    check runs while the model is built, before any compiled code exists."""

    def __init__(self):
        from ..parameters.table import parameter_names, parameter_table
        from .calibration import derive

        primary = {n: i.default for n, i in parameter_table().items() if i.kind != "derived"}
        values = {**primary, **derive(primary)}
        self._values = {name: values[name] for name in parameter_names()}
        self.vector = np.array(list(self._values.values()), dtype=float)

    def as_dict(self) -> dict:
        return dict(self._values)


def unit_problems(model, parameters=None, *, calibration: bool = True) -> list[str]:
    """Every unit inconsistency found (an empty list when the model is consistent).

    Checks processes, observables and, with ``calibration``, the derived parameters and the
    healthy reference state against the units of the parameter table and of the states.
    """
    from ..parameters.table import parameter_table

    parameters = parameters if parameters is not None else _DefaultValues()
    table = parameter_table()
    targets = [("process", p.name, p.rate, p.unit) for p in model.processes]
    targets += [("observable", o.name, o.expression, o.unit) for o in model.observables]
    if calibration:
        from .calibration import derived_expressions, reference_state_expressions

        targets += [("derived parameter", n, e, table[n].unit) for n, e in derived_expressions().items()]
        references = reference_state_expressions()
        targets += [("reference state", s.name, sp.sympify(references[s.name]), s.unit)
                    for s in model.states if s.name in references]
    problems = _flow_unit_problems(model)
    seen = set()
    for label, time, parameter_values, state_values in _points(model, parameters):
        plain = _Evaluator(_values(model, time, parameter_values, state_values, with_units=False))
        with_units = _Evaluator(_values(model, time, parameter_values, state_values, with_units=True))
        for kind, name, expr, unit in targets:
            if (kind, name) in seen:
                continue  # one report per item (the first point that shows it)
            problem = _compare(label, kind, name, sp.sympify(expr), unit, plain, with_units)
            if problem:
                problems.append(problem)
                seen.add((kind, name))
    return problems


def check_units(model, parameters=None, *, calibration: bool = True):
    """Raise :class:`UnitCheckError` listing every unit inconsistency; return ``model``.

    :func:`homeostasis.model.build_model` calls it on every model it builds; ``parameters``
    defaults to the packaged values (the point of evaluation: the healthy reference state).
    """
    problems = unit_problems(model, parameters, calibration=calibration)
    if problems:
        raise UnitCheckError(problems)
    return model
