"""SymPy symbols for parameters and time, created from the parameter table."""

from __future__ import annotations

import sympy as sp

from ..errors import UnknownNameError
from ..parameters.table import parameter_names

TIME = sp.Symbol("t", real=True)


class ParameterSymbols:
    """Attribute access to one SymPy symbol per parameter: ``P.gfr``.

    A misspelt name fails when the model is built, with the closest valid names.
    """

    def __init__(self):
        self._symbols = {name: sp.Symbol(name, real=True) for name in parameter_names()}

    def __getattr__(self, name: str) -> sp.Symbol:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._symbols[name]
        except KeyError:
            raise UnknownNameError("parameter", name, self._symbols) from None

    def all(self) -> tuple[sp.Symbol, ...]:
        return tuple(self._symbols.values())


P = ParameterSymbols()
