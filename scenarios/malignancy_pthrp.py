"""Humoral hypercalcaemia of malignancy: tumour PTHrP acting on PTH1R."""

from .base import Knob, Scenario


def changes(knobs):
    return {"pthrp": knobs["pthrp"]}


SCENARIO = Scenario(
    name="malignancy-pthrp",
    description=(
        "Humoral hypercalcaemia of malignancy: a tumour secretes PTH-related protein, which activates "
        "the PTH1 receptor in bone (resorption) and kidney (calcium reabsorption, phosphaturia) but "
        "not 1-alpha-hydroxylase to the same degree in patients. Calcium rises, endogenous PTH is "
        "suppressed, phosphate is low-normal."
    ),
    knobs=(Knob("pthrp", 10.0, "pmol/L", 0.0, 100.0, "circulating PTHrP (normal < 2 pmol/L)"),),
    changes=changes,
    default_variables=("ca_total", "pth", "phosphate", "calcitriol", "urine_ca", "ctx",
                       "bone_ca_balance", "bmd_total_hip", "bmd_radius"),
    references=(
        "Stewart AF. N Engl J Med 2005;352:373 (hypercalcemia associated with cancer).",
        "Horwitz MJ et al. J Clin Endocrinol Metab 2003;88:569 (PTHrP(1-36) vs PTH(1-34) infusions in humans).",
    ),
)
