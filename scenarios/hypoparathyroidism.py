"""Hypoparathyroidism: a fraction of normal PTH secretory capacity left."""

from .base import Knob, Scenario


def changes(knobs):
    return {"parathyroid_capacity": knobs["residual"]}


def initial(knobs):
    return {"parathyroid_mass": knobs["residual"]}


SCENARIO = Scenario(
    name="hypoparathyroidism",
    description=(
        "Hypoparathyroidism (post-surgical or autoimmune): only a fraction of the parathyroid "
        "secretory mass remains and cannot regrow. PTH falls, renal calcium reabsorption and "
        "phosphaturia lose their PTH drive, calcitriol synthesis falls, so calcium falls, phosphate "
        "rises and urine calcium is high for the serum calcium."
    ),
    knobs=(Knob("residual", 0.05, "fraction", 0.001, 1.0, "fraction of normal PTH secretory capacity left"),),
    changes=changes,
    seeds=initial,
    steady_guess=initial,
    default_variables=("pth", "ca_total", "ca_ionized", "phosphate", "calcitriol", "urine_ca",
                       "fe_ca", "ca_x_p", "bmd_lumbar_spine"),
    references=(
        "Bilezikian JP et al. J Bone Miner Res 2011;26:2317 (hypoparathyroidism: presentation and biochemistry).",
        "Mannstadt M et al. Nat Rev Dis Primers 2017;3:17055 (hypoparathyroidism).",
    ),
)
