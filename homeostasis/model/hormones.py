"""Hormone kinetics: PTH (gland store, plasma, gland mass), vitamin D metabolites, FGF23."""

from __future__ import annotations

from .minerals import pth_receptor_activation, relaxation
from .regulation import pos, stimulation, suppression
from .structure import Process
from .symbols import P


def pth_release_rate(ca_ionized):
    """Fractional release of stored PTH: Brown's four-parameter inverse sigmoid of ionized Ca.

    Release empties a gland store that is refilled by synthesis, so a step fall in calcium
    gives a peak of PTH that settles to a lower plateau as the store depletes (Schwarz 1993).
    """
    span = P.pth_release_max - P.pth_release_min
    return span / (1 + (ca_ionized / P.pth_release_set_point) ** P.pth_release_hill) + P.pth_release_min


def pth_synthesis_regulation(c):
    return (suppression(c.calcitriol, P.reference_calcitriol, P.pth_synthesis_calcitriol_half, 1,
                        P.pth_synthesis_calcitriol_floor)
            * stimulation(c.phosphate, P.reference_phosphate, P.pth_synthesis_phosphate_half,
                          P.pth_synthesis_phosphate_hill, P.pth_synthesis_phosphate_emax))


def parathyroid_growth_drive(c):
    """Steady-state gland mass: low calcium (CaSR), low calcitriol (VDR) and high phosphate."""
    reference_ionized = P.reference_ca_total * P.reference_ionized_fraction
    return (suppression(c.ca_ionized, reference_ionized, P.gland_ca_half, P.gland_ca_hill)
            * suppression(c.calcitriol, P.reference_calcitriol, P.gland_calcitriol_half, 1)
            * (c.phosphate / P.reference_phosphate) ** P.gland_phosphate_exponent)


def pth_processes(c) -> list[Process]:
    y = c.y
    mass = y["parathyroid_mass"]
    return [
        Process("pth_synthesis", P.pth_synthesis_rate * pos(mass) * pth_synthesis_regulation(c),
                None, "pth_gland", "pmol/day", "PTH synthesis, proportional to functional gland mass"),
        Process("pth_release", pth_release_rate(c.ca_ionized) * y["pth_gland"],
                "pth_gland", "pth_plasma", "pmol/day", "calcium-regulated exocytosis of stored PTH"),
        Process("pth_gland_degradation", P.pth_gland_degradation_rate * y["pth_gland"],
                "pth_gland", None, "pmol/day", "intracellular degradation of stored PTH"),
        Process("pth_clearance", P.pth_clearance_rate * y["pth_plasma"],
                "pth_plasma", None, "pmol/day", "hepatic and renal clearance of intact PTH"),
        Process("parathyroid_proliferation", P.parathyroid_turnover_rate * mass * parathyroid_growth_drive(c),
                None, "parathyroid_mass", "1/day", "parathyroid cell proliferation (hyperplasia)"),
        Process("parathyroid_involution", P.parathyroid_turnover_rate * mass * pos(mass),
                "parathyroid_mass", None, "1/day", "parathyroid cell loss (crowding-limited)"),
    ]


def hydroxylase_drive(c):
    """Renal CYP27B1 expression: up with PTH; down with FGF23, phosphate and calcitriol."""
    return (stimulation(pth_receptor_activation(c), P.reference_pth, P.hydroxylase_pth_half, 1, P.hydroxylase_pth_emax)
            * suppression(c.fgf23, P.reference_fgf23, P.hydroxylase_fgf23_half, 1)
            * suppression(c.phosphate, P.reference_phosphate, P.hydroxylase_phosphate_half, P.hydroxylase_phosphate_hill)
            * suppression(c.calcitriol, P.reference_calcitriol, P.hydroxylase_calcitriol_half, 1))


def substrate_factor(c):
    """Michaelis-Menten dependence of calcitriol synthesis on 25(OH)D, 1 when healthy."""
    km = P.hydroxylase_calcidiol_km
    return (c.calcidiol / (km + c.calcidiol)) * ((km + P.reference_calcidiol) / P.reference_calcidiol)


def vitamin_d_processes(c) -> list[Process]:
    y = c.y
    renal_mass = P.gfr / P.reference_gfr  # intact-nephron hypothesis: CYP27B1 scales with nephrons
    return [
        Process("calcidiol_production", P.calcidiol_production_rate * P.vitamin_d_supply,
                None, "calcidiol_amount", "nmol/day", "hepatic 25-hydroxylation of vitamin D"),
        Process("calcidiol_elimination", P.calcidiol_elimination_rate * y["calcidiol_amount"],
                "calcidiol_amount", None, "nmol/day", "25(OH)D catabolism"),
        *relaxation("hydroxylase_activity", hydroxylase_drive(c), P.hydroxylase_time_constant,
                    "renal 1-alpha-hydroxylase expression"),
        Process("calcitriol_synthesis",
                P.calcitriol_synthesis_rate * y["hydroxylase_activity"] * renal_mass * substrate_factor(c),
                None, "calcitriol_amount", "pmol/day", "renal 1-alpha-hydroxylation of 25(OH)D"),
        Process("calcitriol_catabolism",
                P.calcitriol_catabolism_rate * stimulation(c.fgf23, P.reference_fgf23, P.cyp24_fgf23_half, 1,
                                                           P.cyp24_fgf23_emax) * y["calcitriol_amount"],
                "calcitriol_amount", None, "pmol/day", "CYP24A1 24-hydroxylation (induced by FGF23)"),
    ]


def fgf23_processes(c) -> list[Process]:
    secretion = (P.fgf23_secretion_rate
                 * stimulation(c.phosphate, P.reference_phosphate, P.fgf23_phosphate_half,
                               P.fgf23_phosphate_hill, P.fgf23_phosphate_emax)
                 * stimulation(c.calcitriol, P.reference_calcitriol, P.fgf23_calcitriol_half, 1,
                               P.fgf23_calcitriol_emax))
    return [
        Process("fgf23_secretion", secretion, None, "fgf23_amount", "ng/day",
                "osteocyte FGF23 secretion, stimulated by phosphate and calcitriol"),
        Process("fgf23_clearance", P.fgf23_clearance_rate * c.y["fgf23_amount"], "fgf23_amount", None,
                "ng/day", "clearance of intact FGF23"),
    ]


def hormone_processes(c) -> list[Process]:
    return pth_processes(c) + vitamin_d_processes(c) + fgf23_processes(c)
