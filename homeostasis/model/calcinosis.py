"""Calcinosis: metastatic deposition in alkaline tissues, a dystrophic lesion, and
phosphate-driven osteogenic transformation of arterial smooth muscle.

Each tissue's interstitial fluid carries plasma ionized calcium and phosphate at its own pH.
Hydroxyapatite deposits where the fluid's supersaturation exceeds a nucleation threshold
raised by the inhibitors fetuin-A and pyrophosphate (PPi); deposits are removed slowly when
the fluid falls below it. Mineral leaves the extracellular pools in hydroxyapatite
stoichiometry, so mass balance holds by construction.
"""

from __future__ import annotations

import sympy as sp

from .chemistry import saturation_indices
from .minerals import reference_ionized_calcium
from .regulation import hill, pos
from .structure import Observable, Process, State, state_symbol
from .symbols import P

TISSUES = ("lung", "gastric_mucosa", "renal_interstitium", "arterial_media", "reference_tissue")
TISSUE_PH = {tissue: getattr(P, f"{tissue}_ph") for tissue in TISSUES}

CALCINOSIS_STATES = (
    *(State(f"mineral_{tissue}", "mmol", tissue.replace("_", " "), "calcium",
            f"calcium deposited as hydroxyapatite in the {tissue.replace('_', ' ')}", slow=True) for tissue in TISSUES),
    State("mineral_lesion", "mmol", "dystrophic lesion", "calcium", "calcium deposited in the dystrophic lesion",
          slow=True),
    State("phosphate_ectopic_mineral", "mmol", "soft tissues", "phosphate", "phosphate in soft-tissue deposits",
          slow=True),
    State("ppi_lesion", "umol/L", "dystrophic lesion", None, "inorganic pyrophosphate in the lesion fluid",
          healthy=lambda b: P.reference_ppi),
    State("vsmc_osteogenic", "dimensionless", "arterial media", None, "fraction of osteogenic (RUNX2+) smooth muscle cells"),
)


def smooth_positive(x):
    """x^2 / (x + w) above zero and exactly 0 below: ~max(x, 0) with a smooth (C1) onset of
    width w = ``deposition_width``, so no mineral at all is laid down below the threshold."""
    excess = pos(x)
    return excess**2 / (excess + P.deposition_width)


def inhibitor_threshold(ppi):
    """Nucleation threshold (log10 supersaturation) raised by fetuin-A and pyrophosphate."""
    return (P.nucleation_threshold + P.fetuin_inhibition * P.fetuin_a
            + P.ppi_inhibition * ppi / P.reference_ppi)


def hydroxyapatite_saturation(c, ph, extra_phosphate=0):
    return saturation_indices(c.ca_ionized, c.phosphate + extra_phosphate, ph)["hydroxyapatite"]


def lesion_tnap():
    return P.tnap_activity * (1 + P.lesion_tnap_induction * P.lesion_injury)


def lesion_saturation(c):
    return hydroxyapatite_saturation(c, P.lesion_ph, P.tnap_local_phosphate * lesion_tnap())


def _deposit(name, state, rate, meaning) -> list[Process]:
    return [Process(f"{name}_calcium", rate, "ca_ecf", state, "mmol/day", meaning),
            Process(f"{name}_phosphate", P.hydroxyapatite_p_to_ca * rate, "phosphate_ecf",
                    "phosphate_ectopic_mineral", "mmol/day", f"{meaning} (phosphate)")]


def _resorb(name, state, excess, meaning) -> list[Process]:
    # deposits are cleared only while the fluid is below its threshold
    rate = P.deposit_resorption_rate * state_symbol(state) / (1 + sp.exp(excess / P.deposition_width))
    return [Process(f"{name}_resorption_calcium", rate, state, "ca_ecf", "mmol/day", meaning),
            Process(f"{name}_resorption_phosphate", P.hydroxyapatite_p_to_ca * rate, "phosphate_ectopic_mineral",
                    "phosphate_ecf", "mmol/day", f"{meaning} (phosphate)")]


def tissue_processes(c) -> list[Process]:
    plasma_ppi = P.reference_ppi + P.ppi_supplement
    processes = []
    for tissue in TISSUES:
        excess = hydroxyapatite_saturation(c, TISSUE_PH[tissue]) - inhibitor_threshold(plasma_ppi)
        state = f"mineral_{tissue}"
        processes += _deposit(f"{tissue}_deposition", state, P.deposition_rate * smooth_positive(excess),
                              f"metastatic hydroxyapatite deposition in the {tissue.replace('_', ' ')}")
        processes += _resorb(tissue, state, excess, "slow removal of deposits")
    return processes + vascular_processes(c) + lesion_processes(c)


def vascular_processes(c) -> list[Process]:
    osteogenic = state_symbol("vsmc_osteogenic")
    # only phosphate above the healthy level drives the transition (none in health)
    excess = pos(c.phosphate / P.reference_phosphate - 1)
    drive = hill(excess, P.vsmc_phosphate_excess_half, P.vsmc_phosphate_hill)
    product = c.ca_ionized * c.phosphate / (reference_ionized_calcium() * P.reference_phosphate)
    return [
        Process("vsmc_osteogenic_transition", P.vsmc_transition_rate * drive * (1 - osteogenic), None,
                "vsmc_osteogenic", "1/day", "phosphate-driven RUNX2 osteogenic transition"),
        Process("vsmc_osteogenic_reversal", P.vsmc_transition_rate * (1 - drive) * osteogenic, "vsmc_osteogenic",
                None, "1/day", "return to the contractile phenotype"),
        *_deposit("arterial_media_osteogenic", "mineral_arterial_media",
                  P.vsmc_mineralization_rate * pos(osteogenic) * product,
                  "matrix-vesicle mineralisation by osteogenic smooth muscle cells"),
    ]


def lesion_processes(c) -> list[Process]:
    ppi = state_symbol("ppi_lesion")
    supply = P.enpp1_share * P.enpp1_activity + (1 - P.enpp1_share) * P.ankh_activity
    threshold = (inhibitor_threshold(pos(ppi))
                 - P.lesion_nucleation_lowering * P.lesion_injury / (1 + P.lesion_injury))
    excess = lesion_saturation(c) - threshold
    return [
        Process("ppi_lesion_production", P.ppi_production_rate * supply, None, "ppi_lesion", "umol/L/day",
                "PPi generation by ENPP1 and export by ANKH"),
        Process("ppi_lesion_exchange", P.ppi_exchange_rate * (P.reference_ppi + P.ppi_supplement - ppi), None,
                "ppi_lesion", "umol/L/day", "exchange of lesion PPi with plasma"),
        Process("ppi_lesion_hydrolysis", P.ppi_hydrolysis_rate * lesion_tnap() * ppi, "ppi_lesion", None,
                "umol/L/day", "TNAP hydrolysis of PPi"),
        *_deposit("lesion_deposition", "mineral_lesion",
                  P.lesion_deposition_rate * P.lesion_injury * smooth_positive(excess),
                  "dystrophic deposition on necrotic nucleation sites"),
        *_resorb("lesion", "mineral_lesion", excess, "slow removal of lesion deposits"),
    ]


def calcinosis_observables(c) -> list[Observable]:
    plasma = saturation_indices(c.ca_ionized, c.phosphate, P.ph)
    out = [Observable("saturation_plasma", plasma["hydroxyapatite"], "dimensionless",
                      "hydroxyapatite saturation index of plasma")]
    out += [Observable(f"saturation_plasma_{phase}", plasma[phase], "dimensionless",
                       f"{phase} saturation index of plasma") for phase in ("brushite", "octacalcium", "amorphous")]
    out += [Observable(f"saturation_{t}", hydroxyapatite_saturation(c, TISSUE_PH[t]), "dimensionless",
                       f"hydroxyapatite saturation index of {t.replace('_', ' ')} fluid") for t in TISSUES]
    out.append(Observable("saturation_lesion", lesion_saturation(c), "dimensionless",
                          "hydroxyapatite saturation index of the lesion fluid"))
    out += [Observable(f"mineral_{t}", c.y[f"mineral_{t}"], "mmol", f"calcium deposited in the {t.replace('_', ' ')}")
            for t in (*TISSUES, "lesion")]
    out.append(Observable("vsmc_osteogenic", c.y["vsmc_osteogenic"], "fraction",
                          "osteogenic fraction of arterial smooth muscle cells"))
    return out
