"""Pharmacokinetics of the bone drugs (published human studies; sources in parameters.csv).

* teriparatide (PTH 1-34), abaloparatide (PTHrP 1-34 analogue) and PTH(1-84): subcutaneous
  depot with first-order absorption. Teriparatide and abaloparatide have their own plasma
  pool and clearance and act on PTH1R (they enter the one receptor sum of bone, tubule and
  CYP27B1: ``states.pth1r_agonists``); intravenous PTH(1-34) enters the teriparatide pool;
  PTH(1-84) joins the circulating intact PTH pool (it *is* PTH, cleared like it).
* denosumab and romosozumab: subcutaneous depot, one central pool with linear clearance plus a
  saturable (target-mediated) elimination (Sutjandra et al. 2011 quasi-steady-state TMDD).
* zoledronate (iv) and alendronate (oral, ~0.6 % absorbed): plasma pool cleared by the kidney
  (GFR-scaled) and by skeletal uptake; bone-bound drug is released again only as bone is
  resorbed (slow release, years), back into plasma. Drug on the bone surface is buried by the
  new bone that formation lays over it: buried drug no longer reaches osteoclasts (only the
  surface pool acts) and comes back only when that bone is resorbed.

Amounts: pmol (peptides), mg (antibodies), umol (bisphosphonates).
"""

from __future__ import annotations

import sympy as sp

from .regulation import pos
from .structure import Process, State, state_symbol
from .symbols import P

DRUG_STATES = (
    State("teriparatide_depot", "pmol", "subcutaneous depot", None, "teriparatide awaiting absorption",
          scale_like="pth_plasma"),
    State("teriparatide_plasma", "pmol", "plasma", None, "circulating teriparatide (PTH 1-34)",
          scale_like="pth_plasma", volume="teriparatide_volume"),
    State("abaloparatide_depot", "pmol", "subcutaneous depot", None, "abaloparatide awaiting absorption",
          scale_like="pth_plasma"),
    State("abaloparatide_plasma", "pmol", "plasma", None, "circulating abaloparatide",
          scale_like="pth_plasma", volume="abaloparatide_volume"),
    State("pth_1_84_depot", "pmol", "subcutaneous depot", None,
          "recombinant PTH(1-84) awaiting slow absorption (the share that gives the 2-3 h apparent half-life)",
          scale_like="pth_plasma"),
    State("pth_1_84_fast_depot", "pmol", "subcutaneous depot", None,
          "recombinant PTH(1-84) awaiting fast absorption (the share that gives the peak 5-30 min after injection)",
          scale_like="pth_plasma"),
    State("denosumab_depot", "mg", "subcutaneous depot", None, "denosumab awaiting absorption"),
    State("denosumab_plasma", "mg", "plasma", None, "circulating free denosumab", volume="denosumab_volume"),
    State("romosozumab_depot", "mg", "subcutaneous depot", None, "romosozumab awaiting absorption"),
    State("romosozumab_plasma", "mg", "plasma", None, "circulating romosozumab", volume="romosozumab_volume"),
    State("zoledronate_plasma", "umol", "plasma", None, "zoledronate in plasma and soft tissue"),
    State("zoledronate_bone", "umol", "bone surface", None, "zoledronate bound to bone mineral"),
    State("zoledronate_buried", "umol", "bone matrix", None,
          "zoledronate buried under new bone (out of the osteoclasts' reach until that bone is resorbed)"),
    State("alendronate_plasma", "umol", "plasma", None, "alendronate in plasma and soft tissue"),
    State("alendronate_bone", "umol", "bone surface", None, "alendronate bound to bone mineral"),
    State("alendronate_buried", "umol", "bone matrix", None,
          "alendronate buried under new bone (out of the osteoclasts' reach until that bone is resorbed)"),
)


def drug_concentrations(y) -> dict:
    """Plasma concentrations: peptides in pmol/L, antibodies in mg/L (= ug/mL)."""
    return {
        "teriparatide": pos(y["teriparatide_plasma"]) / P.teriparatide_volume,
        "abaloparatide": pos(y["abaloparatide_plasma"]) / P.abaloparatide_volume,
        "denosumab": pos(y["denosumab_plasma"]) / P.denosumab_volume,
        "romosozumab": pos(y["romosozumab_plasma"]) / P.romosozumab_volume,
    }


def _rate(half_life, hours=False):
    """First-order rate constant (1/day) from a half-life in days (or hours)."""
    return sp.log(2) / (half_life / P.hours_per_day if hours else half_life)


def _subcutaneous(drug, absorption_half_life, unit, target=None, hours=False, depot="depot"):
    return Process(f"{drug}_{depot.removesuffix('depot')}absorption",
                   _rate(absorption_half_life, hours) * state_symbol(f"{drug}_{depot}"),
                   f"{drug}_{depot}", target or f"{drug}_plasma", unit,
                   f"first-order subcutaneous absorption of {drug} ({depot.replace('_', ' ')})")


def teriparatide_renal_factor(c):
    """Teriparatide clearance relative to normal renal function: its renal share falls with GFR.

    Forteo label / Lilly medical information: in 5 patients with severe renal impairment
    (CrCl < 30 mL/min) a single dose gave a 73 % larger AUC and a 77 % longer half-life; in 11
    with mild or moderate impairment (CrCl 30-72) no significant difference."""
    return 1 - P.teriparatide_renal_share * (1 - c.gfr / P.reference_gfr)


def peptide_processes(c) -> list[Process]:
    y = c.y
    return [
        _subcutaneous("teriparatide", P.teriparatide_absorption_half_life, "pmol/day", hours=True),
        Process("teriparatide_infusion", P.teriparatide_infusion_rate, None, "teriparatide_plasma", "pmol/day",
                "intravenous PTH(1-34) infusion (pth-infusion peptide=1-34)"),
        Process("teriparatide_clearance",
                P.teriparatide_clearance * P.hours_per_day / P.teriparatide_volume * teriparatide_renal_factor(c)
                * y["teriparatide_plasma"],
                "teriparatide_plasma", None, "pmol/day", "renal and hepatic clearance of teriparatide"),
        _subcutaneous("abaloparatide", P.abaloparatide_absorption_half_life, "pmol/day", hours=True),
        Process("abaloparatide_clearance",
                P.abaloparatide_clearance * P.hours_per_day / P.abaloparatide_volume * y["abaloparatide_plasma"],
                "abaloparatide_plasma", None, "pmol/day", "proteolytic and renal clearance of abaloparatide"),
        # two parallel depots: the label's double peak (5-30 min, then 1-2 h) and 2.8 h terminal half-life
        _subcutaneous("pth_1_84", P.pth_1_84_fast_absorption_half_life, "pmol/day", target="pth_plasma", hours=True,
                      depot="fast_depot"),
        _subcutaneous("pth_1_84", P.pth_1_84_absorption_half_life, "pmol/day", target="pth_plasma", hours=True),
    ]


def antibody_processes(c) -> list[Process]:
    y = c.y
    return [
        _subcutaneous("denosumab", P.denosumab_absorption_half_life, "mg/day"),
        Process("denosumab_linear_clearance", P.denosumab_clearance / P.denosumab_volume * y["denosumab_plasma"],
                "denosumab_plasma", None, "mg/day", "linear (reticuloendothelial) clearance of the IgG2"),
        Process("denosumab_target_elimination",
                P.denosumab_target_vmax * c.denosumab / (P.denosumab_target_km + c.denosumab),
                "denosumab_plasma", None, "mg/day", "saturable RANKL-mediated elimination (TMDD)"),
        _subcutaneous("romosozumab", P.romosozumab_absorption_half_life, "mg/day"),
        Process("romosozumab_linear_clearance",
                P.romosozumab_clearance / P.romosozumab_volume * y["romosozumab_plasma"],
                "romosozumab_plasma", None, "mg/day", "linear clearance of the IgG2"),
        Process("romosozumab_target_elimination",
                P.romosozumab_target_vmax * c.romosozumab / (P.romosozumab_target_km + c.romosozumab),
                "romosozumab_plasma", None, "mg/day", "saturable sclerostin-mediated elimination (TMDD)"),
    ]


def bisphosphonate_processes(c) -> list[Process]:
    y = c.y
    renal = c.gfr / P.reference_gfr
    turnover = pos(y["osteoclasts"])
    formation = pos(y["osteoblasts"]) + pos(y["modelling_osteoblasts"])
    processes = []
    for drug in ("zoledronate", "alendronate"):
        plasma, bone, buried = y[f"{drug}_plasma"], y[f"{drug}_bone"], y[f"{drug}_buried"]
        elimination = _rate(getattr(P, f"{drug}_plasma_half_life"), hours=True)
        uptake = getattr(P, f"{drug}_bone_fraction")
        processes += [
            Process(f"{drug}_renal_excretion", elimination * (1 - uptake) * renal * plasma,
                    f"{drug}_plasma", None, "umol/day", f"renal excretion of unbound {drug} (GFR-scaled)"),
            Process(f"{drug}_skeletal_uptake", elimination * uptake * plasma, f"{drug}_plasma", f"{drug}_bone",
                    "umol/day", f"{drug} binding to bone mineral"),
            Process(f"{drug}_skeletal_release", turnover * bone / P.bisphosphonate_release_time,
                    f"{drug}_bone", f"{drug}_plasma", "umol/day",
                    f"{drug} released from bone as it is resorbed (slow)"),
            Process(f"{drug}_burial", formation * bone / P.bisphosphonate_burial_time,
                    f"{drug}_bone", f"{drug}_buried", "umol/day",
                    f"surface {drug} covered by newly formed bone (out of the osteoclasts' reach)"),
            Process(f"{drug}_buried_release", turnover * buried / P.bisphosphonate_release_time,
                    f"{drug}_buried", f"{drug}_plasma", "umol/day",
                    f"buried {drug} released as the bone over it is resorbed"),
        ]
    return processes


def drug_processes(c) -> list[Process]:
    return peptide_processes(c) + antibody_processes(c) + bisphosphonate_processes(c)
