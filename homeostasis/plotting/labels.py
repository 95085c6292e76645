"""Words for figures: a title per observable and axis labels with units
(``Total calcium (mmol/L)``); saturation indices read "log10 IAP/Ksp"; the time axis in
hours, days or years chosen from the length of the run."""

from __future__ import annotations

from ..clinical_units import TITLES as CLINICAL_TITLES

TITLES = {
    **CLINICAL_TITLES,
    "saturation_plasma": "Plasma saturation (hydroxyapatite)",
    "saturation_plasma_brushite": "Plasma saturation (brushite)",
    "saturation_plasma_octacalcium": "Plasma saturation (octacalcium phosphate)",
    "saturation_plasma_amorphous": "Plasma saturation (amorphous calcium phosphate)",
    "saturation_lung": "Lung saturation", "saturation_gastric_mucosa": "Gastric mucosa saturation",
    "saturation_renal_interstitium": "Renal interstitium saturation",
    "saturation_arterial_media": "Arterial media saturation",
    "saturation_reference_tissue": "Soft tissue saturation", "saturation_lesion": "Lesion saturation",
    "mineral_lung": "Lung mineral", "mineral_gastric_mucosa": "Gastric mucosa mineral",
    "mineral_renal_interstitium": "Renal interstitium mineral", "mineral_arterial_media": "Arterial media mineral",
    "mineral_reference_tissue": "Soft tissue mineral", "mineral_lesion": "Calcinosis lesion mineral",
    "vsmc_osteogenic": "Osteogenic vascular smooth muscle cells",
}
SATURATION_UNIT = "log10 IAP/Ksp"
UNIT_WORDS = {"fraction": "fraction", "relative": "relative to healthy", "dimensionless": ""}
HOURS_BELOW_DAYS = 2.0  # runs shorter than this are drawn in hours
YEARS_FROM_DAYS = 730.0  # runs at least this long are drawn in years
DAYS_PER_YEAR = 365.25


def title(name: str) -> str:
    """A title in words; an unknown name is made readable ('my_output' -> 'My output')."""
    return TITLES.get(name) or name.replace("_", " ").capitalize()


def display_unit(unit: str) -> str:
    """A unit as printed on an axis: 'mmol^2/L^2' becomes 'mmol²/L²'."""
    return str(unit).replace("^2", "\u00b2").replace("^3", "\u00b3")


def axis_label(name: str, unit: str) -> str:
    """``Total calcium (mmol/L)``; a saturation index ``... (log10 IAP/Ksp)``."""
    shown = SATURATION_UNIT if name.startswith("saturation") else UNIT_WORDS.get(unit, display_unit(unit))
    return f"{title(name)} ({shown})" if shown else title(name)


def time_unit(span_days: float) -> tuple[str, float]:
    """(unit, days per unit) for a run of ``span_days``: hours, days or years."""
    if span_days < HOURS_BELOW_DAYS:
        return "hours", 1.0 / 24.0
    if span_days >= YEARS_FROM_DAYS:
        return "years", DAYS_PER_YEAR
    return "days", 1.0


def time_label(unit: str) -> str:
    return f"time ({unit})"
