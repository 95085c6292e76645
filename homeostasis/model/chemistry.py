"""Calcium phosphate solution chemistry: phosphate speciation, activities, saturation.

Activities use the Davies equation at the fluid's ionic strength; phosphate speciation uses
thermodynamic pKa values corrected by those activity coefficients. A saturation index is
log10(ion activity product / solubility product) of one formula unit: positive means
supersaturated. Works on SymPy expressions (the model) and, through lambdify, on numbers.
"""

from __future__ import annotations

import sympy as sp

from .symbols import P

PHASES = ("hydroxyapatite", "brushite", "octacalcium", "amorphous")


def activity_coefficient(charge):
    """Davies equation: log10 gamma = -A z^2 (sqrt(I)/(1 + sqrt(I)) - 0.3 I)."""
    root = sp.sqrt(P.ionic_strength)
    return 10 ** (-P.davies_constant * charge**2 * (root / (1 + root) - sp.Rational(3, 10) * P.ionic_strength))


def phosphate_species(total_free, ph):
    """Molar concentrations of H2PO4-, HPO4 2- and PO4 3- (mol/L) from free phosphate (mol/L)."""
    hydrogen = 10 ** (-ph)  # activity of H+
    g1, g2, g3 = activity_coefficient(1), activity_coefficient(2), activity_coefficient(3)
    k1, k2, k3 = 10 ** (-P.phosphate_pka1), 10 ** (-P.phosphate_pka2), 10 ** (-P.phosphate_pka3)
    # concentration ratios relative to H2PO4- (H3PO4 is included for completeness)
    h3po4 = hydrogen * g1 / k1
    hpo4 = k2 * g1 / (hydrogen * g2)
    po4 = hpo4 * k3 * g2 / (hydrogen * g3)
    h2po4 = total_free / (h3po4 + 1 + hpo4 + po4)
    return {"h2po4": h2po4, "hpo4": h2po4 * hpo4, "po4": h2po4 * po4}


def log_ion_activity_products(ca_ionized, phosphate, ph):
    """log10 ion activity products of each phase, from mmol/L ionized Ca and total phosphate."""
    ca = ca_ionized / P.standard_concentration * activity_coefficient(2)
    free = phosphate * P.phosphate_ultrafilterable_fraction * P.phosphate_free_fraction / P.standard_concentration
    species = phosphate_species(free, ph)
    hpo4 = species["hpo4"] * activity_coefficient(2)
    po4 = species["po4"] * activity_coefficient(3)
    log = lambda x: sp.log(x, 10)  # noqa: E731
    log_ca, log_po4, log_h = log(ca), log(po4), -ph
    return {
        "hydroxyapatite": 5 * log_ca + 3 * log_po4 + (ph - P.water_pkw),  # Ca5(PO4)3OH
        "brushite": log_ca + log(hpo4),  # CaHPO4.2H2O
        "octacalcium": 4 * log_ca + log_h + 3 * log_po4,  # Ca4H(PO4)3.2.5H2O
        "amorphous": 3 * log_ca + 2 * log_po4,  # Ca3(PO4)2
    }


def saturation_indices(ca_ionized, phosphate, ph):
    """log10(IAP/Ksp) for each phase."""
    iap = log_ion_activity_products(ca_ionized, phosphate, ph)
    pksp = {"hydroxyapatite": P.hydroxyapatite_pksp, "brushite": P.brushite_pksp,
            "octacalcium": P.octacalcium_pksp, "amorphous": P.amorphous_pksp}
    return {phase: iap[phase] + pksp[phase] for phase in PHASES}


def complex_ratio(phosphate):
    """Complexed calcium per unit ionized calcium (dimensionless) at serum phosphate ``phosphate`` (mmol/L).

    Ionized calcium pairs with citrate, bicarbonate and HPO4 2- by mass action, each complex
    proportional to ionized calcium times its free anion; the CaHPO4 part
    (``ca_phosphate_complex_share`` of the healthy complexed calcium) scales with serum phosphate
    (free HPO4 2- is a fixed share of it at a given pH), the rest is fixed. Equals
    ``ca_complex_ratio`` at the reference phosphate, so no healthy state moves.
    """
    return P.ca_complex_ratio * (1 + P.ca_phosphate_complex_share * (phosphate / P.reference_phosphate - 1))
