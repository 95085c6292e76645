"""Sarcoidosis: PTH-independent calcitriol synthesis by granuloma macrophages."""

from .base import Knob, Scenario


def changes(knobs):
    return {"granuloma_burden": knobs["burden"]}


SCENARIO = Scenario(
    name="granulomatous-calcitriol",
    description=(
        "Granulomatous disease (sarcoidosis): activated macrophages express 1-alpha-hydroxylase "
        "that converts 25(OH)D to calcitriol without regulation by PTH, FGF23 or phosphate, so "
        "production depends on substrate supply. Calcitriol rises, gut calcium absorption and bone "
        "resorption increase, PTH is suppressed, urine calcium rises well before serum calcium, and "
        "phosphate stays normal or high-normal (unlike PHPT). Glucocorticoids suppress the "
        "macrophage enzyme."
    ),
    knobs=(Knob("burden", 1.0, "relative", 0.0, 10.0,
                "granuloma burden (1 = a typical hypercalcaemic patient, 0 = none)"),),
    changes=changes,
    default_variables=("calcitriol", "ca_total", "urine_ca", "gut_ca_absorption", "pth",
                       "phosphate", "calcidiol", "mineral_gastric_mucosa", "bmd_total_hip"),
    references=(
        "Baughman RP et al. Sarcoidosis Vasc Diffuse Lung Dis 2013;30:113 (hypercalcaemia 6 %, calcitriol raised in 11 %).",
        "Tebben PJ, Singh RJ, Kumar R. Endocr Rev 2016;37:521 (vitamin D-mediated hypercalcaemia mechanisms).",
        "Sharma OP. Chest 1996;109:535 (hypercalciuria ~3x more frequent than hypercalcaemia; steroid response).",
    ),
)
