"""Named scenarios, installed as ``homeostasis.scenarios``.

Each module here defines ``SCENARIO = Scenario(...)``; adding a module makes it available by
name with no registry to edit. Third-party packages add scenarios through the entry-point
group ``homeostasis.scenarios`` (each entry point names a ``Scenario`` object), as PyBaMM's
parameter sets do; a path to a ``.py`` file works too.
"""

from .base import Knob, Scenario, available_scenarios, load_scenario

__all__ = ["Knob", "Scenario", "available_scenarios", "load_scenario"]
