"""Chronic kidney disease: GFR falling over years through the KDIGO stages."""

from .base import Knob, Scenario

DAYS_PER_YEAR = 365.25


def changes(knobs):
    return {"gfr": knobs["gfr"], "gfr_final": knobs["gfr_final"],
            "gfr_decline_days": knobs["years"] * DAYS_PER_YEAR}


SCENARIO = Scenario(
    name="ckd",
    description=(
        "Chronic kidney disease: GFR falls linearly from gfr to gfr_final over the given years. "
        "Nothing else is imposed: phosphate retention per nephron raises FGF23 first, renal "
        "1-alpha-hydroxylase falls with nephron mass and FGF23, calcitriol deficiency and phosphate "
        "drive secondary hyperparathyroidism and parathyroid hyperplasia, and hyperphosphataemia "
        "appears late. The steady state is the one at gfr_final."
    ),
    knobs=(
        Knob("gfr", 90.0, "mL/min", 5, 150, "GFR at day 0", aliases=("start_gfr",)),
        Knob("gfr_final", 15.0, "mL/min", 1, 150, "GFR at the end of the decline", aliases=("final_gfr",)),
        Knob("years", 10.0, "years", 0.01, 100, "duration of the linear decline"),
    ),
    changes=changes,
    default_variables=("gfr", "fgf23", "phosphate", "calcitriol", "pth", "ca_total",
                       "parathyroid_mass", "fe_phosphate", "bmd_total_hip"),
    references=(
        "Levin A et al. Kidney Int 2007;71:31 (SEEK: prevalence of abnormal mineral metabolism by eGFR).",
        "Gutierrez O et al. J Am Soc Nephrol 2005;16:2205 (FGF23 rises before phosphate in CKD).",
        "Isakova T et al. Kidney Int 2011;79:1370 (CRIC: FGF23 excess precedes secondary HPT and hyperphosphataemia).",
        "KDIGO 2017 CKD-MBD guideline update. Kidney Int Suppl 2017;7:1.",
    ),
)
