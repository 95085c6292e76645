"""A minimal SBML exporter, for the benchmark only (SBML export proper is a separate issue).

The model becomes an SBML Level 3 Version 2 document with

* one constant global parameter per :class:`~homeostasis.ParameterSet` value (derived values
  included, so a simulator needs no calibration code), and
* one non-constant global parameter per state, with a rate rule
  ``d state/dt = assembled right-hand side`` (the same SymPy expression that is compiled).

SymPy expressions are printed as SBML L3 infix formulas and parsed with
``libsbml.parseL3Formula``. ``pos(x)`` (max(x, 0)) becomes ``piecewise(x, x > 0, 0)``,
``step(x)`` becomes ``piecewise(1, x > 0, 0)``, ``power(x, n)`` becomes ``x ^ n``, ``Min``/``Max`` become piecewise
comparisons, ``log`` becomes ``ln`` (the L3 parser reads ``log`` as log10) and model time
``t`` becomes the csymbol ``time``. Units are not annotated.
"""

from __future__ import annotations

import libsbml
import sympy as sp

from homeostasis.calibration import reference_state
from homeostasis.model import build_model
from homeostasis.parameters import ParameterSet, parameter_names


class _FormulaPrinter:
    """SymPy expression -> SBML L3 infix formula (fully parenthesised, floats in repr form)."""

    def __init__(self, time_symbol):
        self.time_symbol = time_symbol
        self.memo: dict = {}

    def __call__(self, expr) -> str:
        try:
            return self.memo[expr]
        except KeyError:
            text = self.memo[expr] = self._print(expr)
            return text

    def _print(self, expr) -> str:
        if expr == self.time_symbol:
            return "time"
        if expr.is_Symbol:
            return expr.name
        if expr is sp.true:
            return "true"
        if expr is sp.false:
            return "false"
        if expr.is_Number or isinstance(expr, sp.NumberSymbol):
            return _number(float(expr))
        if expr.is_Add:
            return "(" + " + ".join(self(a) for a in expr.args) + ")"
        if expr.is_Mul:
            return "(" + " * ".join(self(a) for a in expr.args) + ")"
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
            op = "<=" if isinstance(expr, sp.Min) else ">="
            args = [self(a) for a in expr.args]
            text = args[0]
            for other in args[1:]:
                text = f"piecewise({text}, {text} {op} {other}, {other})"
            return text
        if isinstance(expr, sp.core.relational.Relational):
            return f"({self(expr.lhs)} {expr.rel_op} {self(expr.rhs)})"
        if isinstance(expr, sp.And):
            return "(" + " && ".join(self(a) for a in expr.args) + ")"
        if isinstance(expr, sp.Or):
            return "(" + " || ".join(self(a) for a in expr.args) + ")"
        name = type(expr).__name__
        if name == "pos":
            x = self(expr.args[0])
            return f"piecewise({x}, {x} > 0, 0)"
        if name == "step":
            x = self(expr.args[0])
            return f"piecewise(1, {x} > 0, 0)"
        if name == "power":  # homeostasis's x**n with a finite derivative at 0: a plain power here
            return f"({self(expr.args[0])} ^ {self(expr.args[1])})"
        if name in ("log", "exp", "Abs"):
            function = {"log": "ln", "exp": "exp", "Abs": "abs"}[name]
            return f"{function}({self(expr.args[0])})"
        raise NotImplementedError(f"no SBML form for {name}: {expr}")


def _number(value: float) -> str:
    text = repr(value)
    return f"({text})" if value < 0 else text


def _parse(formula: str, what: str):
    math = libsbml.parseL3Formula(formula)
    if math is None:
        raise RuntimeError(f"cannot parse the formula of {what}: {libsbml.getLastParseL3Error()}")
    return math


def _check(status, what):
    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(f"libsbml failed to {what}: {libsbml.OperationReturnValue_toString(status)}")


def export_sbml(parameters: ParameterSet | None = None, initial_state=None, style: str = "inline") -> str:
    """SBML L3V2 text of the model with ``parameters`` and the initial state ``initial_state``
    (default: the healthy reference state of ``parameters``).

    ``style="inline"``: each rate rule is the whole assembled right-hand side expression.
    ``style="cse"``: common subexpressions of the right-hand side (SymPy ``cse``, as the compiled
    model uses) become assignment-rule parameters ``_c0, _c1, ...`` used by the rate rules.
    """
    parameters = parameters if parameters is not None else ParameterSet.default()
    model = build_model()
    y0 = reference_state(parameters) if initial_state is None else initial_state
    document = libsbml.SBMLDocument(3, 2)
    sbml = document.createModel()
    _check(sbml.setId("homeostasis"), "set the model id")
    _check(sbml.setTimeUnits("dimensionless"), "set time units")
    values = parameters.as_dict()
    for name in parameter_names():
        p = sbml.createParameter()
        _check(p.setId(name), f"set id {name}")
        _check(p.setValue(values[name]), f"set {name}")
        _check(p.setConstant(True), f"make {name} constant")
    for state, value in zip(model.states, y0):
        p = sbml.createParameter()
        _check(p.setId(state.name), f"set id {state.name}")
        _check(p.setValue(float(value)), f"set {state.name}")
        _check(p.setConstant(False), f"make {state.name} variable")
    printer = _FormulaPrinter(model.time)
    rates = list(model.rhs())
    if style == "cse":
        replacements, rates = sp.cse(rates, symbols=sp.numbered_symbols("_c"), optimizations="basic")
        for symbol, expr in replacements:
            p = sbml.createParameter()
            _check(p.setId(symbol.name), f"set id {symbol.name}")
            _check(p.setConstant(False), f"make {symbol.name} variable")
            rule = sbml.createAssignmentRule()
            _check(rule.setVariable(symbol.name), f"set the assignment rule variable {symbol.name}")
            _check(rule.setMath(_parse(printer(expr), symbol.name)), f"set the assignment rule of {symbol.name}")
    elif style != "inline":
        raise ValueError(f"style: expected 'inline' or 'cse', got {style!r}")
    for state, rhs in zip(model.states, rates):
        formula = printer(rhs) if rhs != 0 else "0"
        rule = sbml.createRateRule()
        _check(rule.setVariable(state.name), f"set the rate rule variable {state.name}")
        _check(rule.setMath(_parse(formula, state.name)), f"set the rate rule of {state.name}")
    return libsbml.writeSBMLToString(document)


if __name__ == "__main__":  # python benchmarks/sbml_export.py > homeostasis.xml
    print(export_sbml())
