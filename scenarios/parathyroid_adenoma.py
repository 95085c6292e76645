"""Primary hyperparathyroidism from a single parathyroid adenoma."""

from .base import Knob, Scenario

SEED_FRACTION = 0.01  # adenoma cells present at day 0, as a fraction of the final size


def changes(knobs):
    return {"adenoma_capacity": knobs["size"], "adenoma_set_point_shift": knobs["set_point_shift"],
            "adenoma_growth_rate": knobs["growth_rate"]}


def initial(knobs):
    return {"adenoma_mass": SEED_FRACTION * knobs["size"]}


def steady_guess(knobs):
    return {"adenoma_mass": knobs["size"]}


SCENARIO = Scenario(
    name="parathyroid-adenoma",
    description=(
        "Primary hyperparathyroidism: an autonomous adenoma grows to a multiple of the normal "
        "parathyroid mass, and its cells need more calcium to suppress PTH release (Brown set point "
        "1.32 instead of 1.13 mmol/L). Calcium rises until the normal glands are suppressed and "
        "involute; PTH stays inappropriately high, phosphate falls through PTH-driven phosphaturia, "
        "calcitriol rises and bone loses mineral."
    ),
    knobs=(
        Knob("size", 4.5, "x normal gland mass", 0.1, 50, "adenoma secretory mass relative to the normal total gland mass"),
        Knob("set_point_shift", 0.19, "mmol/L", 0.0, 0.6, "rise of the adenoma's calcium set point (Schwarz 1994: +0.19)"),
        Knob("growth_rate", 0.02, "1/day", 0.001, 1.0, "logistic growth rate of the adenoma from a small seed"),
    ),
    changes=changes,
    seeds=initial,
    steady_guess=steady_guess,
    default_variables=("ca_total", "pth", "phosphate", "calcitriol", "urine_ca", "ctx",
                       "bmd_radius", "bmd_total_hip", "mineral_gastric_mucosa"),
    references=(
        "Schwarz P et al. Eur J Clin Invest 1994;24:553 (set point 1.32 vs 1.13 mmol/L in PHPT).",
        "Shoback DM et al. J Clin Endocrinol Metab 2003;88:5644 (PHPT Ca 10.6 mg/dL, PTH 102 pg/mL).",
        "Rubin MR et al. J Clin Endocrinol Metab 2008;93:3462 (cortical bone loss in untreated PHPT).",
        "Vaghaiwalla TM, Khan ZF, Lew JI. World J Surg Proced 2016;6:1 (Miami criterion: >=50% PTH fall at 10 min).",
    ),
)
