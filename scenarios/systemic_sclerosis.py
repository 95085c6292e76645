"""Systemic sclerosis: dystrophic calcinosis from a disturbed pyrophosphate balance."""

from .base import Knob, Scenario


def changes(knobs):
    return {"lesion_injury": knobs["injury"], "enpp1_activity": knobs["enpp1"],
            "ankh_activity": knobs["ankh"], "tnap_activity": knobs["tnap"]}


SCENARIO = Scenario(
    name="systemic-sclerosis",
    description=(
        "Systemic sclerosis calcinosis cutis: serum calcium and phosphate stay normal, but chronic "
        "inflammation and ischaemic damage of the skin and soft tissue lower the local production "
        "of pyrophosphate (ENPP1, ANKH) and raise its destruction by tissue-nonspecific alkaline "
        "phosphatase (TNAP), which also frees phosphate. Without its inhibitor, damaged tissue "
        "nucleates hydroxyapatite (dystrophic calcification)."
    ),
    knobs=(
        Knob("injury", 0.3, "relative", 0.0, 5.0, "extent of damaged tissue offering nucleation sites"),
        Knob("enpp1", 0.5, "x healthy", 0.0, 5.0, "ENPP1 activity in the damaged tissue"),
        Knob("ankh", 0.5, "x healthy", 0.0, 5.0, "ANKH activity in the damaged tissue"),
        Knob("tnap", 2.0, "x healthy", 0.0, 10.0, "TNAP activity in the damaged tissue"),
    ),
    changes=changes,
    default_variables=("mineral_lesion", "saturation_lesion", "mineral_reference_tissue", "ca_total",
                       "phosphate", "pth"),
    references=(
        "Davies CA et al. Rheumatology 2011 (calcinosis in systemic sclerosis).",
        "Orriss IR, Arnett TR, Russell RGG. Curr Opin Pharmacol 2016;28:57 (pyrophosphate and TNAP).",
        "Millan JL. Calcif Tissue Int 2013;93:299 (TNAP in mineralisation).",
        "Giachelli CM. Am J Pathol 1999;154:671 (ectopic calcification: dystrophic and metastatic).",
    ),
)
