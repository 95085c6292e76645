"""Observables: what users plot and compare, with their units.

Names and units are part of the public interface (README, ``result.to_frame()``).
"""

from __future__ import annotations

from .minerals import kidney
from .structure import Observable
from .symbols import P


def observables(c, processes) -> list[Observable]:
    rate = {p.name: p.rate for p in processes}
    k = kidney(c)
    true_ca = rate["ca_transcellular_absorption"] + rate["ca_paracellular_absorption"]
    gut_ca = true_ca - rate["ca_gut_secretion"]
    gut_p = rate["phosphate_passive_absorption"] + rate["phosphate_active_absorption"] - rate["phosphate_gut_secretion"]
    resorbed = rate["ca_bone_resorption"] + rate["ca_trabecular_resorption"]  # cortical + trabecular
    formed = rate["ca_bone_formation"] + rate["ca_trabecular_formation"]
    bone_ca = formed - resorbed
    return [
        Observable("ca_total", c.ca_total, "mmol/L", "total serum calcium"),
        Observable("ca_ionized", c.ca_ionized, "mmol/L", "ionized serum calcium"),
        Observable("phosphate", c.phosphate, "mmol/L", "serum inorganic phosphate"),
        Observable("pth", c.pth, "pmol/L", "intact PTH"),
        Observable("calcitriol", c.calcitriol, "pmol/L", "1,25-dihydroxyvitamin D"),
        Observable("calcidiol", c.calcidiol, "nmol/L", "25-hydroxyvitamin D"),
        Observable("fgf23", c.fgf23, "pg/mL", "intact FGF23"),
        Observable("urine_ca", k["urine_ca"], "mmol/day", "urinary calcium excretion"),
        Observable("urine_phosphate", k["urine_phosphate"], "mmol/day", "urinary phosphate excretion"),
        Observable("gut_ca_absorption", gut_ca, "mmol/day", "net intestinal calcium absorption (absorbed minus secreted)"),
        Observable("gut_ca_true_absorption", true_ca, "mmol/day",
                   "true intestinal calcium absorption (before endogenous secretion; what isotope tests measure)"),
        Observable("gut_phosphate_absorption", gut_p, "mmol/day", "net intestinal phosphate absorption"),
        Observable("bone_ca_balance", bone_ca, "mmol/day", "bone formation minus resorption (calcium)"),
        Observable("fe_phosphate", k["urine_phosphate"] / k["filtered_phosphate"], "fraction",
                   "fractional excretion of filtered phosphate"),
        Observable("gfr", c.gfr, "mL/min", "glomerular filtration rate"),
        Observable("ca_x_p", c.ca_total * c.phosphate, "mmol^2/L^2", "total calcium x phosphate product"),
        Observable("fe_ca", k["urine_ca"] / k["filtered_ca"], "fraction",
                   "fractional excretion of filtered calcium", aliases=("fe_calcium",)),
        Observable("tmp_gfr", k["tmp_gfr"] / P.phosphate_ultrafilterable_fraction, "mmol/L",
                   "renal phosphate threshold TmP/GFR (serum basis)"),
        Observable("bone_resorption", resorbed, "mmol/day", "bone calcium resorption"),
        Observable("bone_formation", formed, "mmol/day", "bone calcium formation"),
        Observable("parathyroid_mass", c.y["parathyroid_mass"], "relative", "functional parathyroid mass (healthy = 1)"),
    ]
