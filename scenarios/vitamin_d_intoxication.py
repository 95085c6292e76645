"""Vitamin D intoxication: sustained very high 25(OH)D."""

from .base import Knob, Scenario

HEALTHY_CALCIDIOL = 75.0  # nmol/L, the reference_calcidiol of the packaged parameter set


def changes(knobs):
    # 25(OH)D production and elimination are first order, so its level scales with supply
    return {"vitamin_d_supply": knobs["calcidiol"] / HEALTHY_CALCIDIOL}


SCENARIO = Scenario(
    name="vitamin-d-intoxication",
    description=(
        "Vitamin D intoxication: excess vitamin D intake raises 25(OH)D over weeks to a sustained "
        "level. At micromolar concentrations 25(OH)D itself activates the vitamin D receptor (its "
        "free fraction is small and its affinity low, so below ~1000 nmol/L calcium stays normal), "
        "so gut calcium absorption and bone resorption rise even though PTH suppression holds renal "
        "calcitriol synthesis down; calcitriol is often normal. Hypercalcaemia, hypercalciuria and "
        "suppressed PTH follow."
    ),
    knobs=(Knob("calcidiol", 2000.0, "nmol/L", 10.0, 3000.0,
                "sustained 25(OH)D level (2000 nmol/L = 800 ng/mL)"),),
    changes=changes,
    default_variables=("calcidiol", "calcitriol", "ca_total", "pth", "urine_ca",
                       "gut_ca_absorption", "phosphate", "mineral_gastric_mucosa", "bmd_total_hip"),
    references=(
        "Jones G. Am J Clin Nutr 2008;88:582S (pharmacokinetics of vitamin D toxicity; 25(OH)D > 375 nmol/L).",
        "Tebben PJ, Singh RJ, Kumar R. Endocr Rev 2016;37:521.",
        "Marcinowska-Suchowierska E et al. Front Endocrinol 2018;9:550 (vitamin D toxicity: clinical perspective).",
        "Araki T et al. J Clin Endocrinol Metab 2011;96:3603 (hypercalcaemia at 25(OH)D 1220 ng/mL; normocalcaemia below 400 ng/mL).",
        "McCullough PJ et al. J Steroid Biochem Mol Biol 2019;189:228 (no hypercalcaemia on 5000-50 000 IU/day, 25(OH)D up to 202 ng/mL).",
    ),
)
