"""homeostasis: human calcium and phosphate regulation as a SymPy-built, SciPy-solved ODE model.

Entry points: :func:`simulate`, :func:`steady_state`, :class:`ParameterSet`.
"""

__version__ = "0.1.0"

from .errors import HomeostasisError, ParameterValueError, SolverError, UnknownNameError  # noqa: E402
from .parameters import ParameterSet, parameter_table  # noqa: E402
from .results import Result  # noqa: E402
from .scenario import Knob, Scenario, available_scenarios, load_scenario  # noqa: E402
from .simulation import simulate, steady_state  # noqa: E402
from .fitting import FitResult, fit  # noqa: E402
from .sbml import to_sbml  # noqa: E402

__all__ = [
    "HomeostasisError", "Knob", "ParameterSet", "ParameterValueError", "Result", "Scenario",
    "SolverError", "UnknownNameError", "available_scenarios", "load_scenario", "parameter_table",
    "simulate", "steady_state", "__version__",
]
__all__ += ["FitResult", "fit"]
__all__ += ["to_sbml"]
