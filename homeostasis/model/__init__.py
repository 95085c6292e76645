"""Model definition: states, processes between compartments, and observables, as SymPy."""

from .build import build_model
from .structure import Model, Observable, Process, State

__all__ = ["Model", "Observable", "Process", "State", "build_model"]
