"""Healthy adult: the calibrated reference state."""

from .base import Scenario

SCENARIO = Scenario(
    name="healthy",
    description=(
        "Healthy 70 kg adult on 1000 mg calcium and 1200 mg phosphorus a day, GFR 100 mL/min and "
        "25(OH)D 75 nmol/L. Every rate constant is derived from the daily mineral budget so this "
        "state is an exact steady state: 5 mmol/day of calcium absorbed net and excreted, 25 mmol/day "
        "of phosphate, bone resorption equal to formation at 12.5 mmol/day."
    ),
    default_variables=("ca_total", "phosphate", "pth", "calcitriol", "fgf23", "urine_ca",
                       "bone_ca_balance", "gfr"),
    references=(
        "Peterson MC, Riggs MM. A physiologically based mathematical model of integrated calcium "
        "homeostasis and bone remodeling. Bone 2010;46:49-63.",
        "Ross AC et al. The 2011 report on dietary reference intakes for calcium and vitamin D "
        "from the Institute of Medicine. J Clin Endocrinol Metab 2011;96:53-58.",
    ),
)
