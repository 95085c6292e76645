"""Humoral hypercalcaemia of malignancy: tumour PTHrP acting on PTH1R."""

from .base import Knob, Scenario


def changes(knobs):
    return {"pthrp": knobs["pthrp"], "tumour_formation_suppression": knobs["tumour_formation_suppression"]}


SCENARIO = Scenario(
    name="malignancy-pthrp",
    description=(
        "Humoral hypercalcaemia of malignancy: a tumour secretes PTH-related protein, which activates "
        "the PTH1 receptor in bone (resorption) and kidney (calcium reabsorption, phosphaturia) but "
        "not 1-alpha-hydroxylase to the same degree in patients, while the tumour suppresses osteoblasts, "
        "uncoupling formation from resorption (unlike primary hyperparathyroidism). Calcium rises, "
        "endogenous PTH is suppressed, phosphate is low-normal and calcitriol is low-normal."
    ),
    knobs=(Knob("pthrp", 10.0, "pmol/L", 0.0, 100.0, "circulating PTHrP (normal < 2 pmol/L)"),
           Knob("tumour_formation_suppression", 0.5, "fraction", 0.0, 0.95,
                "share of osteoblast matrix synthesis suppressed by the tumour (Stewart et al. 1982)")),
    changes=changes,
    default_variables=("ca_total", "pth", "phosphate", "calcitriol", "urine_ca", "ctx",
                       "bone_ca_balance", "bmd_total_hip", "bmd_radius"),
    references=(
        "Stewart AF. N Engl J Med 2005;352:373 (hypercalcemia associated with cancer).",
        "Horwitz MJ et al. J Clin Endocrinol Metab 2003;88:569 (PTHrP(1-36) vs PTH(1-34) infusions in humans).",
        "Stewart AF et al. J Clin Endocrinol Metab 1982;55:219 (HHM bone histomorphometry: formation uncoupled from resorption).",
    ),
)
