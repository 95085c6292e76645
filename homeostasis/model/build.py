"""Assemble the model from its parts."""

from __future__ import annotations

from functools import lru_cache

from .bone import bone_observables, remodelling_processes
from .calcinosis import calcinosis_observables, tissue_processes
from .hormones import hormone_processes
from .minerals import mineral_processes
from .observables import observables
from .states import STATES, concentrations
from .structure import Model
from .dimensions import check_units


@lru_cache(maxsize=1)
def build_model() -> Model:
    """The calcium/phosphate/PTH/vitamin D/FGF23 model (built once per process)."""
    c = concentrations()
    processes = mineral_processes(c) + remodelling_processes(c) + hormone_processes(c) + tissue_processes(c)
    outputs = observables(c, processes) + bone_observables(c, processes) + calcinosis_observables(c)
    return check_units(Model(STATES, processes, outputs))
