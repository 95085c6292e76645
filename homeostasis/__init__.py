"""homeostasis: human calcium and phosphate regulation as a SymPy-built, SciPy-solved ODE model.

Entry points: :func:`simulate`, :func:`steady_state`, :func:`prepare` (a prepared
:class:`Simulation` shared by every caller), :class:`ParameterSet`, :func:`fit`, :func:`to_sbml`.

Importing the package is cheap: SymPy, pandas, SciPy and matplotlib are imported only by the
functions that need them, so ``import homeostasis`` costs little more than numpy.
"""

from importlib import import_module

from ._version import __version__
from .errors import HomeostasisError, ParameterValueError, SolverError, UnknownNameError

# public name -> module that defines it; imported on first access (PEP 562)
_LAZY = {
    "ParameterSet": "homeostasis.parameters",
    "parameter_table": "homeostasis.parameters",
    "Result": "homeostasis.simulation",
    "Simulation": "homeostasis.simulation",
    "prepare": "homeostasis.simulation",
    "simulate": "homeostasis.simulation",
    "steady_state": "homeostasis.simulation",
    "Knob": "homeostasis.scenarios",
    "Scenario": "homeostasis.scenarios",
    "available_scenarios": "homeostasis.scenarios",
    "load_scenario": "homeostasis.scenarios",
    "FitResult": "homeostasis.fitting",
    "fit": "homeostasis.fitting",
    "to_sbml": "homeostasis.export",
    "validate": "homeostasis.atlas",
    "population": "homeostasis.population",
}

__all__ = ["HomeostasisError", "ParameterValueError", "SolverError", "UnknownNameError", "__version__",
           *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'homeostasis' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
