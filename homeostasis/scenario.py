"""Deprecated alias of :mod:`homeostasis.scenarios`, kept for one release so that scenario
files written for 0.1 still load. Write ``from homeostasis import Knob, Scenario`` instead."""

import warnings

from .scenarios.base import Knob, Scenario, available_scenarios, load_scenario

warnings.warn("homeostasis.scenario is deprecated; import Knob and Scenario from homeostasis",
              DeprecationWarning, stacklevel=2)

__all__ = ["Knob", "Scenario", "available_scenarios", "load_scenario"]
