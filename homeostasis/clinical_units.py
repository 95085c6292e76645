"""SI and clinical (conventional, US) units of the observables, and conversions between them.

The model computes in SI units (mmol/L, pmol/L, mmol/day). Clinicians in many countries read
calcium and phosphate in mg/dL, PTH and calcitriol in pg/mL, 25(OH)D in ng/mL and urine or
gut minerals in mg/day. Each factor below multiplies the SI value to give the clinical value,
and follows from a molar mass:

- calcium 40.078 g/mol: 1 mmol/L = 4.008 mg/dL (2.5 mmol/L = 10.02 mg/dL); 1 mmol = 40.08 mg
- phosphate as phosphorus 30.974 g/mol: 1 mmol/L = 3.097 mg/dL; 1 mmol = 30.97 mg
- intact PTH(1-84) 9425 g/mol: 1 pmol/L = 9.425 pg/mL
- calcitriol 416.6 g/mol: 1 pmol/L = 0.4166 pg/mL; calcidiol 400.6 g/mol: 1 nmol/L = 0.4006 ng/mL
- calcium x phosphate product: 1 mmol^2/L^2 = 4.008 x 3.097 = 12.41 mg^2/dL^2

Observables whose units are the same in both systems (FGF23 pg/mL, GFR mL/min, fractions,
relative parathyroid mass) have no entry in the display table and are never changed there.

Conversions themselves go through pint (:func:`factor`); a conversion between mass and amount
of substance (mg/dL <-> mmol/L, pg/mL <-> pmol/L) uses the variable's molar mass
(:data:`MOLAR_MASS`), so the clinical factors listed above are what pint computes. Measured data
for fitting (``any_unit=True``) may be in any unit pint converts to the observable's (``ng/L``
to ``pg/mL``, ``umol/L`` to ``mmol/L``, ``percent`` to a fraction, ``mg/24h`` to ``mmol/day``),
except a mass unit more than 1000-fold from the variable's clinical unit (calcium in ng/mL is a
mistake); tables and figures accept each variable's SI and clinical units in any spelling pint
reads as the same unit (``mg/dl``, ``mmol/l``).

pint (and the registry of :mod:`homeostasis.model.dimensions`, which imports SymPy) costs about
a second to import and set up, so the conversions every table and figure needs (each variable's
SI <-> clinical units, and each reference range's unit to both) are read from the table
``data/unit_factors.csv``, the factors pint computes written out exactly (``repr``). It is
written by ``python -m homeostasis.clinical_units`` and checked against pint by
``tests/test_compare.py``; any other conversion still goes through pint.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .errors import HomeostasisError
from .protocol.events import CALCIUM_MG_PER_MMOL, PHOSPHORUS_MG_PER_MMOL
from .reference_ranges import reference_range

UNIT_SYSTEMS = ("si", "clinical")
PTH_G_PER_MOL = 9425.0
CALCITRIOL_G_PER_MOL = 416.6
CALCIDIOL_G_PER_MOL = 400.6


# g/mol of the substance each variable measures (phosphate is reported as elemental phosphorus)
MOLAR_MASS = {
    "ca_total": CALCIUM_MG_PER_MMOL, "ca_ionized": CALCIUM_MG_PER_MMOL, "urine_ca": CALCIUM_MG_PER_MMOL,
    "gut_ca_absorption": CALCIUM_MG_PER_MMOL, "bone_ca_balance": CALCIUM_MG_PER_MMOL,
    "gut_ca_true_absorption": CALCIUM_MG_PER_MMOL,
    "bone_resorption": CALCIUM_MG_PER_MMOL, "bone_formation": CALCIUM_MG_PER_MMOL,
    "phosphate": PHOSPHORUS_MG_PER_MMOL, "tmp_gfr": PHOSPHORUS_MG_PER_MMOL, "urine_phosphate": PHOSPHORUS_MG_PER_MMOL,
    "gut_phosphate_absorption": PHOSPHORUS_MG_PER_MMOL,
    "pth": PTH_G_PER_MOL, "calcitriol": CALCITRIOL_G_PER_MOL, "calcidiol": CALCIDIOL_G_PER_MOL,
    "ca_x_p": CALCIUM_MG_PER_MMOL * PHOSPHORUS_MG_PER_MMOL,  # g^2/mol^2: a product of two concentrations
}
PLAUSIBLE_DECADES = 3
# model unit names pint does not know, all dimensionless
_DIMENSIONLESS = {"fraction", "relative", "dimensionless", "", "1", "log10(IAP/Ksp)"}
# per-day spellings pint refuses (a unit with a number in it)
_SPELLINGS = {"mmol/24h": "mmol/day", "mg/24h": "mg/day", "mmol/24 h": "mmol/day", "mg/24 h": "mg/day",
              "µ": "u", "μ": "u"}


class Conversion(NamedTuple):
    """The SI and clinical display units of one observable; ``factor`` (clinical = factor x SI)
    is documentation, :func:`factor` computes it with pint."""

    si: str
    clinical: str
    factor: float


_CALCIUM_MG_DL = CALCIUM_MG_PER_MMOL / 10.0  # mmol/L -> mg/dL (1 dL = 0.1 L)
_PHOSPHORUS_MG_DL = PHOSPHORUS_MG_PER_MMOL / 10.0
_CALCIUM_DAY = Conversion("mmol/day", "mg/day", CALCIUM_MG_PER_MMOL)
_PHOSPHATE_DAY = Conversion("mmol/day", "mg/day", PHOSPHORUS_MG_PER_MMOL)

CONVERSIONS = {
    "ca_total": Conversion("mmol/L", "mg/dL", _CALCIUM_MG_DL),
    "ca_ionized": Conversion("mmol/L", "mg/dL", _CALCIUM_MG_DL),
    "phosphate": Conversion("mmol/L", "mg/dL", _PHOSPHORUS_MG_DL),
    "tmp_gfr": Conversion("mmol/L", "mg/dL", _PHOSPHORUS_MG_DL),
    "ca_x_p": Conversion("mmol^2/L^2", "mg^2/dL^2", _CALCIUM_MG_DL * _PHOSPHORUS_MG_DL),
    "pth": Conversion("pmol/L", "pg/mL", PTH_G_PER_MOL / 1000.0),  # pg/mL = 1e-9 g/L; pmol = 1e-12 mol
    "calcitriol": Conversion("pmol/L", "pg/mL", CALCITRIOL_G_PER_MOL / 1000.0),
    "calcidiol": Conversion("nmol/L", "ng/mL", CALCIDIOL_G_PER_MOL / 1000.0),
    "urine_ca": _CALCIUM_DAY,
    "gut_ca_absorption": _CALCIUM_DAY,
    "gut_ca_true_absorption": _CALCIUM_DAY,
    "bone_ca_balance": _CALCIUM_DAY,
    "bone_resorption": _CALCIUM_DAY,
    "bone_formation": _CALCIUM_DAY,
    "urine_phosphate": _PHOSPHATE_DAY,
    "gut_phosphate_absorption": _PHOSPHATE_DAY,
}

# short panel titles a physiologist reads at a glance (the axis label keeps the variable name)
TITLES = {
    "ca_total": "Total calcium", "ca_ionized": "Ionized calcium", "phosphate": "Phosphate",
    "pth": "PTH", "calcitriol": "Calcitriol (1,25(OH)\u2082D)", "calcidiol": "25(OH)D",
    "fgf23": "FGF23 (intact)", "urine_ca": "Urine calcium", "urine_phosphate": "Urine phosphate",
    "gut_ca_absorption": "Net gut calcium absorption", "gut_ca_true_absorption": "True gut calcium absorption",
    "gut_phosphate_absorption": "Net gut phosphate absorption",
    "bone_ca_balance": "Bone calcium balance", "fe_phosphate": "Fractional excretion of phosphate",
    "fe_ca": "Fractional excretion of calcium", "gfr": "GFR", "ca_x_p": "Calcium \u00d7 phosphate",
    "tmp_gfr": "TmP/GFR", "bone_resorption": "Bone resorption", "bone_formation": "Bone formation",
    "parathyroid_mass": "Parathyroid mass",
    "bmd_lumbar_spine": "Lumbar spine BMD", "bmd_total_hip": "Total hip BMD", "bmd_total_body": "Total body BMD",
    "bmd_femoral_neck": "Femoral neck BMD", "bmd_radius": "One-third radius BMD",
    "ctx": "CTX (resorption marker)", "p1np": "P1NP (formation marker)", "free_rankl": "Free RANKL",
}


def check_unit_system(units) -> None:
    if units is not None and units not in UNIT_SYSTEMS:
        raise HomeostasisError(f"units: expected one of {', '.join(UNIT_SYSTEMS)}, got {units!r}")


def target_unit(variable: str, unit: str, units) -> str:
    """The unit ``variable`` is shown in for the unit system ``units`` (None: as given)."""
    check_unit_system(units)
    conversion = CONVERSIONS.get(variable)
    if units is None or conversion is None:
        return unit
    _check_known(variable, unit, conversion)
    return conversion.clinical if units == "clinical" else conversion.si


def factor(variable: str, from_unit: str, to_unit: str, *, any_unit: bool = False) -> float:
    """Multiply a value of ``variable`` in ``from_unit`` by this to express it in ``to_unit``.

    Computed by pint, mass <-> amount of substance with the variable's molar mass. With
    ``any_unit`` (measured data for fitting) every unit pint can convert is accepted; otherwise
    (tables and figures) a variable with a clinical unit accepts its SI and clinical units in
    any spelling pint reads as the same (``mg/dl``, ``mmol/l``). Otherwise a HomeostasisError
    naming both units.
    """
    from_unit, to_unit = str(from_unit).strip(), str(to_unit).strip()
    if from_unit == to_unit:
        return 1.0
    conversion = CONVERSIONS.get(variable)
    if not any_unit and conversion is not None:
        known = (conversion.si, conversion.clinical)
        if not all(any(_same_unit(variable, unit, k) for k in known) for unit in (from_unit, to_unit)):
            raise HomeostasisError(f"variable {variable!r}: cannot convert {from_unit} to {to_unit}")
    return _factor(variable, from_unit, to_unit)


@lru_cache(maxsize=512)
def _factor(variable: str, from_unit: str, to_unit: str) -> float:
    known = factor_table().get((variable, from_unit, to_unit))
    return known if known is not None else pint_factor(variable, from_unit, to_unit)


FACTOR_TABLE = "unit_factors.csv"
FACTOR_COLUMNS = ("variable", "from_unit", "to_unit", "factor")


@lru_cache(maxsize=1)
def factor_table() -> dict:
    """``{(variable, from unit, to unit): factor}`` of ``data/unit_factors.csv`` (empty without it)."""
    import csv
    from importlib import resources

    try:
        text = resources.files("homeostasis").joinpath("data", FACTOR_TABLE).read_text(encoding="utf-8")
    except OSError:
        return {}
    return {(row["variable"], row["from_unit"], row["to_unit"]): float(row["factor"])
            for row in csv.DictReader(text.splitlines())}


def table_conversions() -> list:
    """The ``(variable, from unit, to unit)`` the table holds: both ways between each variable's
    SI and clinical units, and each reference range's unit to both."""
    from .reference_ranges import reference_ranges

    pairs = []
    for variable, conversion in CONVERSIONS.items():
        units = [conversion.si, conversion.clinical]
        entry = reference_ranges().get(variable)
        pairs += [(variable, a, b) for a in units for b in units if a != b]
        if entry is not None and entry.unit not in units:
            pairs += [(variable, entry.unit, unit) for unit in units]
    return pairs


def write_factor_table() -> Path:
    """Compute every conversion of :func:`table_conversions` with pint and write the table
    (developer command: ``python -m homeostasis.clinical_units``)."""
    import csv
    import io
    from importlib import resources

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FACTOR_COLUMNS)
    for variable, from_unit, to_unit in table_conversions():
        writer.writerow((variable, from_unit, to_unit, repr(pint_factor(variable, from_unit, to_unit))))
    path = Path(str(resources.files("homeostasis").joinpath("data", FACTOR_TABLE)))
    path.write_text(buffer.getvalue(), encoding="utf-8")
    factor_table.cache_clear()
    _factor.cache_clear()
    return path


def pint_factor(variable: str, from_unit: str, to_unit: str) -> float:
    """:func:`factor`'s value computed by pint (no table)."""
    import pint

    try:
        source, target = _unit(from_unit), _unit(to_unit)
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, AssertionError):
        raise HomeostasisError(f"variable {variable!r}: unknown unit {from_unit!r} or {to_unit!r} "
                               f"(expected a unit such as {to_unit})") from None
    quantity = 1.0 * source
    if quantity.is_compatible_with(target):
        return float(quantity.to(target).magnitude)
    molar = MOLAR_MASS.get(variable)
    if molar is not None and _plausible(variable, source, target):
        ureg = _registry()
        mass = ureg.Quantity(molar, "g^2/mol^2" if variable == "ca_x_p" else "g/mol")
        for candidate in (quantity / mass, quantity * mass):
            if candidate.is_compatible_with(target):
                return float(candidate.to(target).magnitude)
    raise HomeostasisError(f"variable {variable!r}: cannot convert {from_unit} to {to_unit}")


def _plausible(variable, source, target) -> bool:
    """A mass unit within 1000-fold of the variable's usual clinical unit (calcium in ng/mL is a
    mistake, not a conversion); the same for the target."""
    conversion = CONVERSIONS.get(variable)
    if conversion is None:
        return True
    clinical = _unit(conversion.clinical)
    for unit in (source, target):
        if (1.0 * unit).is_compatible_with(clinical):
            size = abs(np.log10((1.0 * unit).to(clinical).magnitude))
            if size > PLAUSIBLE_DECADES:
                return False
    return True


def _registry():
    from .model.dimensions import registry

    return registry()


def _unit(text: str):
    for spelling, plain in _SPELLINGS.items():
        text = text.replace(spelling, plain)
    if text in _DIMENSIONLESS:
        return _registry().dimensionless
    return _registry().Unit(text)


def _same_unit(variable, unit, known) -> bool:
    if unit == known:
        return True
    try:
        return abs(_factor(variable, unit, known) - 1.0) < 1e-12 and (1.0 * _unit(unit)).is_compatible_with(_unit(known))
    except HomeostasisError:
        return False


def convertible(variable: str, from_unit: str, to_unit: str, *, any_unit: bool = False) -> bool:
    """Whether :func:`factor` can convert ``from_unit`` to ``to_unit`` for ``variable``."""
    try:
        factor(variable, from_unit, to_unit, any_unit=any_unit)
    except HomeostasisError:
        return False
    return True


def convert_frame(frame: pd.DataFrame, units) -> pd.DataFrame:
    """A copy of a tidy frame with ``value`` (and ``sd``) in the unit system ``units``.

    ``units`` is ``"si"``, ``"clinical"`` or None (no change). Rows already in the target
    unit are left alone; a unit that is neither the SI nor the clinical unit of its variable
    is an error. ``attrs`` are kept.
    """
    check_unit_system(units)
    out = frame.copy()
    if units is None or out.empty:
        return out
    values = out["value"].to_numpy(dtype=float, copy=True)
    sd = out["sd"].to_numpy(dtype=float, copy=True) if "sd" in out.columns else None
    new_units = out["unit"].astype(str).to_numpy(dtype=object, copy=True)
    for (variable, unit), rows in out.groupby(["variable", "unit"], sort=False).indices.items():
        wanted = target_unit(variable, unit, units)
        scale = factor(variable, unit, wanted)
        values[rows] *= scale
        if sd is not None:
            sd[rows] *= scale
        new_units[rows] = wanted
    out["value"], out["unit"] = values, new_units
    if sd is not None:
        out["sd"] = sd
    return out


def range_in_unit(variable: str, unit: str):
    """The healthy reference range ``(low, high)`` of ``variable`` expressed in ``unit``, or None."""
    entry = reference_range(variable)
    if entry is None:
        return None
    try:
        scale = factor(variable, entry.unit, unit)
    except HomeostasisError:  # a unit the range cannot be expressed in: no shading
        return None
    return float(np.float64(entry.low) * scale), float(np.float64(entry.high) * scale)


def _check_known(variable: str, unit: str, conversion: Conversion) -> None:
    """A displayed frame's unit must be the SI or the clinical unit of its variable, in any
    spelling pint reads as the same unit (``mg/dl`` is ``mg/dL``); data for fitting accept
    any convertible unit (:mod:`homeostasis.fitting.data`)."""
    if not any(_same_unit(variable, unit, known) for known in (conversion.si, conversion.clinical)):
        raise HomeostasisError(f"variable {variable!r} is in {unit!r}; expected {conversion.si} (SI) "
                               f"or {conversion.clinical} (clinical)")


if __name__ == "__main__":
    print(f"wrote {write_factor_table()}")
