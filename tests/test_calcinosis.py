"""Calcinosis: solution chemistry against hand calculation, metastatic and dystrophic paths."""

import numpy as np
import pytest

import homeostasis as h
from homeostasis.saturation import calcification_flag, saturation_indices

TISSUES = ("lung", "gastric_mucosa", "renal_interstitium", "arterial_media", "reference_tissue")
MEANINGFUL = 0.1  # mmol calcium: well below what imaging detects (grams)


def hand_saturation(ca_mmol, phosphate_mmol, ph):
    """Independent arithmetic: Davies activities at I = 0.15 M, 37 C, thermodynamic pKa/pKsp."""
    ionic_strength, davies = 0.15, 0.5211
    log_gamma = lambda z: -davies * z**2 * (np.sqrt(ionic_strength) / (1 + np.sqrt(ionic_strength)) - 0.3 * ionic_strength)  # noqa: E731
    g1, g2, g3 = (10 ** log_gamma(z) for z in (1, 2, 3))
    a_h = 10.0**-ph
    free_p = phosphate_mmol * 0.90 * 0.85 / 1000
    r0 = a_h * g1 / 10**-2.15  # H3PO4 / H2PO4-
    r2 = 10**-7.20 * g1 / (a_h * g2)  # HPO4 / H2PO4
    r3 = r2 * 10**-12.35 * g2 / (a_h * g3)  # PO4 / H2PO4
    h2po4 = free_p / (r0 + 1 + r2 + r3)
    a_ca, a_hpo4, a_po4 = ca_mmol / 1000 * g2, h2po4 * r2 * g2, h2po4 * r3 * g3
    a_oh = 10**-13.62 / a_h
    return {
        "hydroxyapatite": np.log10(a_ca**5 * a_po4**3 * a_oh) + 58.6,
        "brushite": np.log10(a_ca * a_hpo4) + 6.63,
        "octacalcium": np.log10(a_ca**4 * a_h * a_po4**3) + 48.3,
        "amorphous": np.log10(a_ca**3 * a_po4**2) + 25.5,
    }


@pytest.mark.parametrize("ca, phosphate, ph", [(1.25, 1.10, 7.40), (1.05, 2.2, 7.40), (1.40, 0.8, 7.60), (0.9, 3.0, 7.2)])
def test_saturation_indices_match_hand_calculation(ca, phosphate, ph):
    model = saturation_indices(ca, phosphate, ph)
    hand = hand_saturation(ca, phosphate, ph)
    for phase in hand:
        np.testing.assert_allclose(model[phase], hand[phase], rtol=1e-6)


def test_model_observables_use_the_same_chemistry():
    run = h.simulate(days=1)
    hand = hand_saturation(run["ca_ionized"][-1], run["phosphate"][-1], 7.40)
    np.testing.assert_allclose(run["saturation_plasma"][-1], hand["hydroxyapatite"], rtol=1e-6)
    np.testing.assert_allclose(run["saturation_plasma_brushite"][-1], hand["brushite"], rtol=1e-6)
    lung = hand_saturation(run["ca_ionized"][-1], run["phosphate"][-1], 7.55)["hydroxyapatite"]
    np.testing.assert_allclose(run["saturation_lung"][-1], lung, rtol=1e-6)


def test_alkaline_fluid_is_more_supersaturated():
    low, high = saturation_indices(1.25, 1.1, 7.3), saturation_indices(1.25, 1.1, 7.6)
    assert high["hydroxyapatite"] > low["hydroxyapatite"] + 0.5


@pytest.fixture(scope="module")
def healthy_decade():
    return h.simulate(days=3650)


def test_healthy_plasma_supersaturated_but_held(healthy_decade):
    assert healthy_decade["saturation_plasma"][-1] > 0  # supersaturated with hydroxyapatite
    assert healthy_decade["saturation_plasma_brushite"][-1] < 0 and healthy_decade["saturation_plasma_amorphous"][-1] < 0
    for tissue in TISSUES:
        assert healthy_decade[f"mineral_{tissue}"][-1] < MEANINGFUL, tissue
    assert healthy_decade["mineral_lesion"][-1] < MEANINGFUL


@pytest.fixture(scope="module")
def end_stage():
    runs = {}
    for label, interventions in {"untreated": [], "binder": ["phosphate-binder@0:fraction=0.5"],
                                 "dialysis": ["hemodialysis@0"]}.items():
        runs[label] = h.simulate("ckd", start="steady", days=3 * 365, parameters={"gfr_final": 8},
                                 interventions=interventions)
    return runs


def test_end_stage_ckd_calcifies_alkaline_tissues_first(end_stage):
    run = end_stage["untreated"]
    mineral = {t: run[f"mineral_{t}"][-1] for t in TISSUES}
    assert mineral["gastric_mucosa"] > MEANINGFUL and mineral["arterial_media"] > MEANINGFUL
    assert mineral["gastric_mucosa"] > mineral["lung"] > mineral["reference_tissue"]
    assert mineral["reference_tissue"] < 0.01 * mineral["gastric_mucosa"]
    # arterial media calcifies through the osteogenic path, not by supersaturation alone
    assert run["vsmc_osteogenic"][-1] > 0.5 and run["saturation_arterial_media"][-1] < run["saturation_lung"][-1]


@pytest.mark.parametrize("treatment", ["binder", "dialysis"])
def test_lowering_phosphate_slows_calcification(end_stage, treatment):
    for tissue in ("gastric_mucosa", "arterial_media"):
        assert end_stage[treatment][f"mineral_{tissue}"][-1] < 0.8 * end_stage["untreated"][f"mineral_{tissue}"][-1]


def test_mineral_leaves_the_extracellular_pools():
    run = h.simulate(days=365, parameters={"lesion_injury": 1})
    calcium = sum(run[s] for s in run.state_names if s.startswith("ca_") or s.startswith("mineral_"))
    assert run["mineral_lesion"][-1] > 1.0
    # total body calcium changes only by intake minus losses (checked exactly elsewhere); here
    # the deposit is drawn from the extracellular and bone pools, not created
    assert calcium[-1] - calcium[0] < run["mineral_lesion"][-1]


def lesion(**settings):
    return h.simulate(days=365, parameters={"lesion_injury": 1, **settings})


def test_dystrophic_lesion_calcifies_with_normal_serum():
    run = lesion()
    assert run["mineral_lesion"][-1] > 1.0
    assert 2.15 <= run["ca_total"][-1] <= 2.6 and 0.81 <= run["phosphate"][-1] <= 1.45


@pytest.mark.parametrize("treatment", [{"tnap_activity": 0.2}, {"ppi_supplement": 5.0}])
def test_tnap_inhibition_or_ppi_slows_the_lesion(treatment):
    assert lesion(**treatment)["mineral_lesion"][-1] < 0.5 * lesion()["mineral_lesion"][-1]


def test_systemic_sclerosis_calcifies_where_healthy_tissue_does_not():
    sclerosis = h.simulate("systemic-sclerosis", days=365)
    same_injury = h.simulate(days=365, parameters={"lesion_injury": 0.3})
    assert sclerosis["mineral_lesion"][-1] > MEANINGFUL
    assert same_injury["mineral_lesion"][-1] < 0.01
    assert sclerosis["ca_x_p"][-1] < 4.4  # serum chemistry normal


@pytest.mark.parametrize("product, flag", [(2.6, ""), (4.5, "calcification risk"), (5.7, "high risk")])
def test_kdoqi_flags(product, flag):
    assert calcification_flag(product) == flag


def soft_tissue_calcium(run, index=-1):
    return sum(float(run[f"mineral_{t}"][index]) for t in TISSUES)


def test_dialysis_deposits_calcium_on_the_scale_of_vascular_calcification():
    # Coronary calcium of incident haemodialysis patients rose by a median 235 Agatston units in
    # 30 months (J Nephrol 2009;22:255, PMID 19384844); 0.18 mg hydroxyapatite per Agatston unit
    # (calibrated mass score 16.8 mg at Agatston 92, PMID 28189204) and 39.9 % calcium by mass make
    # that ~17 mg of calcium, ~0.34 mmol in two years: the whole-body deposit is at least this and,
    # ASSUMED, below 1 g (25 mmol, ~60x the coronary accrual) - so the calcinosis module cannot be
    # the grams-per-month sink that calcium supplements would need in CKD (docs/validation.md)
    run = h.simulate(parameters={"gfr": 3}, days=730, step=5,
                     interventions=["hemodialysis@0:sessions_per_week=3,hours=4,dialysate_ca=1.25,days=740"])
    assert 0.34 < soft_tissue_calcium(run) < 25.0


def test_metastatic_deposition_takes_almost_none_of_a_supplement_in_ckd_3b():
    # Hill et al. 2013 Kidney Int 83:959: 1500 mg/day carbonate at eGFR 36 for 3 weeks; at the
    # measured serum chemistry of CKD 3b the plasma is no more supersaturated than in health, so
    # no tissue passes its inhibited nucleation threshold except a little gastric mucosa
    run = h.simulate("ckd", start="steady", parameters={"gfr_final": 36}, days=21, step=0.25,
                     interventions=["calcium-supplement@0:dose_mg=500,every_hours=8,salt=carbonate"])
    np.testing.assert_allclose(run["saturation_plasma"][0], 9.65, atol=0.05)
    assert soft_tissue_calcium(run) < MEANINGFUL
