"""Protocols: interventions parsed once at the edge, their catalogue, and the event loop."""

from .interventions import Intervention, as_interventions, parse_intervention

__all__ = ["Intervention", "as_interventions", "parse_intervention"]
