"""Simulation: the prepared :class:`Simulation`, the one-call facades and results."""

from .prepared import STARTS, Simulation, initial_state, output_times, prepare, scenario_parameters, steady_time
from .results import Result
from .run import simulate, steady_state

__all__ = ["STARTS", "Result", "Simulation", "initial_state", "output_times", "prepare", "scenario_parameters",
           "simulate", "steady_state", "steady_time"]
