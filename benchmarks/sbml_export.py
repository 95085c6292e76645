"""A minimal SBML exporter, for the benchmark only (SBML export proper is a separate issue).

The model becomes an SBML Level 3 Version 2 document with

* one constant global parameter per :class:`~homeostasis.ParameterSet` value (derived values
  included, so a simulator needs no calibration code), and
* one non-constant global parameter per state, with a rate rule
  ``d state/dt = assembled right-hand side`` (the same SymPy expression that is compiled).

SymPy expressions are printed as SBML L3 infix formulas by the package's
:class:`homeostasis.sbml_math.FormulaPrinter` and parsed with ``libsbml.parseL3Formula``.
Units are not annotated (``homeostasis.to_sbml`` writes the full, annotated document).
"""

from __future__ import annotations

import libsbml
import sympy as sp

from homeostasis.model.calibration import reference_state
from homeostasis.model import build_model
from homeostasis.parameters import ParameterSet, parameter_names
from homeostasis.export.sbml_math import FormulaPrinter  # the package's SymPy -> SBML formula printer


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
    printer = FormulaPrinter(model.time)
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
