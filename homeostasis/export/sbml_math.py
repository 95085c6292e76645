"""SymPy expressions and unit strings in SBML form (helpers of :mod:`homeostasis.sbml`).

Formulas are printed as SBML Level 3 infix text and parsed by ``libsbml.parseL3Formula``
(the printer follows ``benchmarks/sbml_export.py``): ``pos(x)`` (max(x, 0)) becomes
``(x + abs(x)) / 2`` and ``Min``/``Max`` ``(a + b -/+ abs(a - b)) / 2``, not ``piecewise``:
libroadrunner makes every piecewise condition a CVODE root function, and one on a state that
sits at 0 (a drug, a deposit) fires again and again, each time restarting the integrator with
tolerances from the current, tiny values; ``step(x)`` is ``piecewise(1, x > 0, 0)``,
``power(x, n)`` ``x ^ n``, ``log`` ``ln`` (the L3 parser reads ``log`` as log10), and model time
``t`` the csymbol ``time`` (plus a time offset for a steady start).

Unit strings of the parameter table and the model are read with pint and written as SBML unit
definitions: each pint unit becomes an SBML base kind with a multiplier (``day`` is 86400
``second``, ``mmol`` is 0.001 ``mole``, ``mL`` is 0.001 ``litre``).
"""

from __future__ import annotations

import re

import libsbml
import sympy as sp

from ..model.dimensions import UNIT_ALIASES, parse_unit, registry

# SBML base kinds, tried in order, with the pint unit each one is
SBML_KINDS = (("mole", "mole", libsbml.UNIT_KIND_MOLE), ("litre", "liter", libsbml.UNIT_KIND_LITRE),
              ("second", "second", libsbml.UNIT_KIND_SECOND), ("gram", "gram", libsbml.UNIT_KIND_GRAM),
              ("metre", "meter", libsbml.UNIT_KIND_METRE))


class nonzero(sp.Function):  # noqa: N801  (printed as piecewise(x, x > 0, 1): a divisor that is never 0)
    """``x`` where it is positive, else 1: the divisor of a branch that another branch excludes."""


class FormulaPrinter:
    """SymPy expression -> SBML L3 infix formula (fully parenthesised, floats in repr form)."""

    def __init__(self, time_symbol, time_text: str = "time", rename=None):
        self.time_symbol, self.time_text, self.rename = time_symbol, time_text, dict(rename or {})
        self.memo: dict = {}

    def __call__(self, expr) -> str:
        try:
            return self.memo[expr]
        except KeyError:
            text = self.memo[expr] = self._print(expr)
            return text

    def _print(self, expr) -> str:
        if expr == self.time_symbol:
            return self.time_text
        if expr.is_Symbol:
            return self.rename.get(expr.name, expr.name)
        if expr is sp.true or expr is sp.false:
            return "true" if expr is sp.true else "false"
        if expr.is_Number or isinstance(expr, sp.NumberSymbol):
            value = float(expr)
            return f"({value!r})" if value < 0 else repr(value)
        if expr.is_Add or expr.is_Mul:
            return "(" + (" + " if expr.is_Add else " * ").join(self(a) for a in expr.args) + ")"
        if expr.is_Pow:
            if expr.exp == sp.S.Half:
                return f"sqrt({self(expr.base)})"
            if expr.exp == -1:
                return f"(1 / {self(expr.base)})"
            return f"({self(expr.base)} ^ {self(expr.exp)})"
        if isinstance(expr, sp.Piecewise):
            parts = []
            for value, condition in expr.args:
                if condition is sp.true:
                    parts.append(self(value))
                    break
                parts += [self(value), self(condition)]
            return "piecewise(" + ", ".join(parts) + ")"
        if isinstance(expr, (sp.Min, sp.Max)):
            sign = "-" if isinstance(expr, sp.Min) else "+"
            args = [self(a) for a in expr.args]
            text = args[0]
            for other in args[1:]:
                text = f"(({text} + {other} {sign} abs({text} - {other})) / 2)"
            return text
        if isinstance(expr, sp.core.relational.Relational):
            return f"({self(expr.lhs)} {expr.rel_op} {self(expr.rhs)})"
        if isinstance(expr, (sp.And, sp.Or)):
            return "(" + (" && " if isinstance(expr, sp.And) else " || ").join(self(a) for a in expr.args) + ")"
        name = type(expr).__name__
        if name == "pos":
            x = self(expr.args[0])
            return f"(({x} + abs({x})) / 2)"
        if name == "nonzero":
            x = self(expr.args[0])
            return f"piecewise({x}, {x} > 0, 1)"
        if name == "step":
            return f"piecewise(1, {self(expr.args[0])} > 0, 0)"
        if name == "power":  # x**n with a finite derivative at 0 in the package; a plain power here
            return f"({self(expr.args[0])} ^ {self(expr.args[1])})"
        if name in ("log", "exp", "Abs", "cos", "sin"):
            function = {"log": "ln", "exp": "exp", "Abs": "abs", "cos": "cos", "sin": "sin"}[name]
            return f"{function}({self(expr.args[0])})"
        raise NotImplementedError(f"no SBML form for {name}: {expr}")


def parse_formula(formula: str, what: str):
    math = libsbml.parseL3Formula(formula)
    if math is None:
        raise RuntimeError(f"cannot parse the formula of {what}: {libsbml.getLastParseL3Error()}")
    return math


def check(status, what: str) -> None:
    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(f"libsbml failed to {what}: {libsbml.OperationReturnValue_toString(status)}")


def unit_id(text: str) -> str:
    """The SBML unit id of a unit string ('dimensionless' for pure numbers)."""
    text = UNIT_ALIASES.get(text.strip(), text.strip())
    if text == "dimensionless":
        return "dimensionless"
    text = text.replace("/", "_per_").replace("*", "_").replace("^", "_pow_")
    return "u_" + re.sub(r"[^A-Za-z0-9_]", "", text).strip("_")


def unit_factors(text: str) -> list[tuple[int, float, float]]:
    """(SBML kind, exponent, multiplier) for each factor of a unit string."""
    factors = []
    for name, exponent in parse_unit(UNIT_ALIASES.get(text.strip(), text.strip()))._units.items():
        one = registry().Quantity(1.0, name)
        for _, pint_name, kind in SBML_KINDS:
            if one.is_compatible_with(pint_name):
                factors.append((kind, float(exponent), float(one.to(pint_name).magnitude)))
                break
        else:  # a count ('unit' of an enzyme activity, ...): a pure number
            factors.append((libsbml.UNIT_KIND_DIMENSIONLESS, 1.0, float(one.to_base_units().magnitude)))
    return factors


def add_unit_definition(model, text: str) -> str:
    """Define the unit of ``text`` in ``model`` once; return its id."""
    identifier = unit_id(text)
    if identifier == "dimensionless" or model.getUnitDefinition(identifier) is not None:
        return identifier
    definition = model.createUnitDefinition()
    check(definition.setId(identifier), f"set the unit id {identifier}")
    check(definition.setName(text), f"name the unit {identifier}")
    for kind, exponent, multiplier in unit_factors(text) or [(libsbml.UNIT_KIND_DIMENSIONLESS, 1.0, 1.0)]:
        unit = definition.createUnit()
        check(unit.setKind(kind), f"set a unit kind of {text}")
        check(unit.setExponent(exponent), f"set an exponent of {text}")
        check(unit.setScale(0), f"set a scale of {text}")
        check(unit.setMultiplier(multiplier), f"set a multiplier of {text}")
    return identifier
