"""The units an atlas record may be written in (read by the record checks and the runner)."""

from __future__ import annotations

# units that are another unit under another name, and conversions the clinical table does not hold
_ALIASES = {"ng/L": "pg/mL", "mg/d": "mg/day", "mmol/d": "mmol/day", "mg/24h": "mg/day", "mmol/24h": "mmol/day",
            "mM": "mmol/L", "pM": "pmol/L", "nM": "nmol/L"}
_GENERIC = {("%", "fraction"): 0.01, ("fraction", "%"): 100.0}
_MODEL_UNITS = ("mmol/L", "pmol/L", "nmol/L", "pg/mL", "mmol/day", "fraction", "mL/min", "relative", "mmol^2/L^2")
_CLINICAL_UNITS = ("mg/dL", "ng/mL", "mg/day", "%", "ratio")


def known_units() -> set:
    """Every unit a record may be written in (whether it suits its variable is checked when run)."""
    return set(_MODEL_UNITS) | set(_CLINICAL_UNITS) | set(_ALIASES)
