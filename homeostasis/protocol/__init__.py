"""Protocols: interventions parsed once at the edge, their catalogue of action objects, and the
one event loop."""

from .events import AddAmounts, ClampRelative, Event, RemoveParathyroid, ScaleStates, SetParameters
from .interventions import Intervention, as_interventions, format_intervention, parse_intervention

__all__ = ["AddAmounts", "ClampRelative", "Event", "Intervention", "RemoveParathyroid", "ScaleStates",
           "SetParameters", "as_interventions", "format_intervention", "parse_intervention"]
