"""Parameters as data: the table (value, unit, bounds, kind, meaning, source) and value sets.

:class:`ParameterSet` is imported on first use: it evaluates the derived rate constants with
the compiled model, which the table itself (read by the model) must not depend on.
"""

from .table import ParameterInfo, parameter_names, parameter_table, validate_value

__all__ = ["ParameterInfo", "ParameterSet", "parameter_names", "parameter_table", "validate_value"]


def __getattr__(name):
    if name == "ParameterSet":
        from .set import ParameterSet

        return ParameterSet
    raise AttributeError(f"module 'homeostasis.parameters' has no attribute {name!r}")
