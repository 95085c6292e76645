"""Physiology that generalises (issue 13): each new intervention and mechanism against published
human numbers, with the source of each target in a comment.

Targets the model does not yet reach are marked ``xfail(strict=True)`` with the measured value
in the reason, so that a fix shows up as an unexpected pass and the gap stays visible.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import homeostasis as h
from homeostasis.atlas import load_atlas, run_experiment

BASELINE_CALCIDIOL = 75.0  # nmol/L, the healthy calibration point
IU_PER_UG = 40.0


def value_at(run, variable, day):
    return float(np.interp(day, run.times, run[variable]))


def rise(run, variable, day):
    return value_at(run, variable, day) - float(run[variable][0])


# --- calcium intake is defended (mechanism 1) -------------------------------------------------

@pytest.fixture(scope="module")
def supplemented():
    # fasting = just before the next daily dose
    return h.simulate(days=60, step=0.05, interventions=["calcium-supplement@0:dose_mg=1000,every_hours=24"])


def test_calcium_supplement_lowers_calcitriol_and_raises_urine_calcium(supplemented):
    # Adams et al. 1979 J Clin Endocrinol Metab 48:1008: oral calcium loading lowers plasma
    # 1,25(OH)2D to ~0.55x within days; Heaney et al. 1989 / Reid et al. 1995 Am J Med 98:331:
    # urine calcium rises by part (not all) of the extra absorbed calcium
    fasting = 59.99
    assert 0.4 <= value_at(supplemented, "calcitriol", fasting) / supplemented["calcitriol"][0] <= 0.9
    assert 1.1 <= value_at(supplemented, "urine_ca", fasting) / supplemented["urine_ca"][0] <= 1.8


# passes since 2026-12-01 (tenth session): +0.034 mmol/L with the distal PTH gain's steep lower branch
# (dct_pth_lower_hill 5; +0.047 with one Hill 2 branch, history in docs/validation.md and the parameter's source)
def test_calcium_supplement_barely_moves_fasting_calcium(supplemented):
    # issue 13 / Reid et al. 1995 Am J Med 98:331: 1 g/day moves fasting serum calcium by a few
    # hundredths of a mmol/L at most in healthy adults
    assert abs(rise(supplemented, "ca_total", 59.99)) <= 0.04


@pytest.mark.xfail(strict=True, reason="model: +0.108 mmol/L on main e740b8b (twelfth session: distal upper Hill 3 / 4 +0.088 / +0.070 at 97 / 93 of 128 atlas records); +0.104 (2026-12-01 with the distal lower branch dct_pth_lower_hill 5, which CKD's uraemic PTH1R resistance keeps off: +0.102 without; main 3055630 +0.104; +0.107 before) in CKD G3b after 60 days of 1 g/day carbonate "
                                        "(urine calcium 1.41x, PTH 0.69x, calcitriol 0.71x, CTX 0.79x; +0.118 before the "
                                        "sigmoid distal PTH gain); Hill et al. found the calcium retained with urine calcium "
                                        "unchanged, so this needs a bone/tissue sink, not a steeper kidney (DCT PTH Hill 4, "
                                        "half 2.5, maximum 0.88: +0.074; the atlas record hill-2013 fails the same way; "
                                        "2026-11-30 s9b, CYP27B1 PTH Hill 3 with DCT Hill 3 / 4: +0.082 / +0.068; "
                                        "s10, skeletal sink x (ionized/reference)^E, E 4 / 10 / 30: +0.087 / +0.067 / "
                                        "+0.035 at 52 / 50 / 49 of 71 records; Ca x P product E 10: +0.059, 49/71; s9-calcium: saturable "
                                        "distal transport maximum, share 1 sharpness 6 +0.070, with exponent 4 +0.051, "
                                        "74 and 69 of 115 atlas records; s10-calcium: TAL CaSR Hill 8 +0.085, PTH "
                                        "against the TAL claudin-14 brake (exponent 3) +0.065, both 81/123 from 88; "
                                        "s10-fasting, main 8550d18 +0.102: metastatic deposition "
                                        "is no sink here, deposition_rate x100 / x500 +0.102 / +0.100, plasma supersaturation "
                                        "stays below the inhibited nucleation threshold in CKD 3b)")
def test_calcium_supplement_in_ckd_3b_leaves_calcium_unchanged():
    # Hill et al. 2013 Kidney Int 83:959: calcium carbonate 1500 mg/day in CKD 3b-4 gave a positive
    # calcium balance with no change in serum calcium
    run = h.simulate("ckd", start="steady", parameters={"gfr_final": 38}, days=60, step=0.05,
                     interventions=["calcium-supplement@0:dose_mg=1000,every_hours=24"])
    assert abs(rise(run, "ca_total", 59.99)) <= 0.05


@pytest.mark.parametrize("ca_mg_per_day", [
    pytest.param(300, marks=pytest.mark.xfail(strict=True, reason="model: -0.107 mmol/L on main e740b8b (twelfth session: distal upper Hill 3 / 4 -0.100 / -0.096, lower Hill 8 -0.107; docs/validation.md); -0.104 on main 158496d (PTH 1.48x; eleventh session, s11-intake: PTH synthesis raised by a lasting deficit of sensed calcium, PTH mRNA stabilisation after Yamamoto et al. 1989, emax 1 / 0.5 / 3 (half 0.015): -0.053 / -0.064 / -0.023 at 96 / 96 / 93 of 126 atlas records from 99; the exchangeable bone pool gives ~6.5 mmol in week 1 and ~0 after). Was -0.090 (2026-12-01, unchanged by the distal lower branch dct_pth_lower_hill 5: PTH rises, the upper branch; main 3055630 -0.089; -0.102 before) after 60 days on 300 mg/day "
                                                                  "(PTH 1.47x, calcitriol 1.24x, urine calcium 0.69x, net "
                                                                  "absorption 0.20x; -0.104 before the sigmoid distal PTH "
                                                                  "gain): the same weak renal PTH gain as the supplement "
                                                                  "(DCT PTH Hill 4, half 2.5, maximum 0.88: -0.093; "
                                                                  "with CYP27B1 PTH Hill 3 and DCT Hill 3 / 4: "
                                                                  "-0.086 / -0.082; s10: skeletal sink x (ionized/"
                                                                  "reference)^E, E 4 / 10 / 30: -0.084 / -0.080 / "
                                                                  "-0.070 (the sink can only fall to zero), 52-49 of 71 "
                                                                  "records; transcellular Km ratio 0.3: -0.074; s12b: "
                                                                  "gut VDR Hill 3 / 2.5 -0.084 / -0.087 at 59 / 62 of "
                                                                  "86 records, Km ratio 0.5 -0.082 at 64/86; s9-calcium: "
                                                                  "saturable distal Tm share 1 sharpness 6 -0.067, with "
                                                                  "exponent 4 -0.055, 74 and 69 of 115; s10-calcium: "
                                                                  "TAL CaSR Hill 8 -0.083, TAL claudin-14 PTH "
                                                                  "exponent 3 -0.076, both 81/123 from 88)")),
    pytest.param(2000, marks=pytest.mark.xfail(strict=True, reason="model: +0.068 mmol/L on main e740b8b (twelfth session: distal lower Hill 6 / 8 +0.064 / +0.058, with upper Hill 3 +0.052, losing parfitt-1972 or six records; docs/validation.md); +0.065 (main 158496d, PTH 0.78x; unchanged by the one-sided PTH mRNA term of s11-intake; 2026-12-01 with the distal lower branch dct_pth_lower_hill 5; +0.083 without, main 3055630; +0.085 before) after 60 days on 2000 mg/day "
                                                                   "(PTH 0.72x, calcitriol 0.80x, urine calcium 1.37x; "
                                                                   "+0.090 before the sigmoid distal PTH gain); DCT PTH "
                                                                   "Hill 4, half 2.5, maximum 0.88: +0.064; with "
                                                                   "CYP27B1 PTH Hill 3 and DCT Hill 3 / 4: +0.069 / "
                                                                   "+0.060; s10: skeletal sink x (ionized/reference)^E, "
                                                                   "E 4 / 10 / 30: +0.077 / +0.068 / +0.048, 52-49 of "
                                                                   "71 records; transcellular Km ratio 0.3: +0.068; "
                                                                   "s12b: gut VDR Hill 3 / 2.5 +0.071 / +0.076 at 59 / "
                                                                   "62 of 86 records, Km ratio 0.5 +0.074 at 64/86; "
                                                                   "s9-calcium: saturable distal Tm share 1 sharpness 6 "
                                                                   "+0.057, with exponent 4 +0.043 (passes), 74 and 69 "
                                                                   "of 115; s10-calcium: TAL CaSR Hill 8 +0.072, TAL "
                                                                   "claudin-14 PTH exponent 3 +0.061, both 81/123 "
                                                                   "from 88)")),
])
def test_dietary_calcium_change_barely_moves_calcium(ca_mg_per_day):
    # issue 13 mechanism 1 (the target): changing calcium intake by about 1 g/day moves serum calcium
    # by a few hundredths of a mmol/L at most. Dawson-Hughes et al. 1993 J Bone Miner Res 8:779 (as
    # summarised in the IOM 1997 DRI report, p. 72): from 2000 to 300 mg/day, fractional calcium
    # retention rose from 27 to 37 % over 1-2 weeks, with a decline in serum calcium and a rise in
    # PTH and calcitriol (the size of the decline is not given there)
    run = h.simulate(days=60, step=0.25, interventions=[f"diet@0:ca_mg_per_day={ca_mg_per_day}"])
    assert abs(rise(run, "ca_total", 60)) <= 0.05


def test_calcium_defence_after_a_diet_cut_is_complete_within_two_weeks():
    # Dawson-Hughes et al. 1993 J Bone Miner Res 8:779 (IOM 1997 DRI report, p. 72): from 2000 to
    # 300 mg/day the adaptation of calcium absorption "required 1 to 2 weeks", with a fall of serum
    # calcium and a rise of PTH and 1,25(OH)2D. The loop PTH -> calcitriol -> gut (and kidney) is
    # therefore fast enough for a calcium nadir within two weeks; the late denosumab nadir
    # (tests/test_bone.py) comes from the bone side. Measured 2026-12-01 (tenth session): nadir
    # -0.182 mmol/L on day 8.25, PTH peak 1.95x on day 8.25, calcitriol peak day 9.25, calcium
    # +0.026 above the nadir at day 30
    times, calcium, run = _diet_cut_first_month()
    assert 3 <= times[np.argmin(calcium)] <= 14
    assert times[np.argmax(run["pth"][run.times <= 30])] <= 14
    assert times[np.argmax(run["calcitriol"][run.times <= 30])] <= 14


def _diet_cut_first_month():
    run = h.simulate(days=60, step=0.25, start="steady", parameters={"ca_intake": 50},
                     interventions=["diet@0:ca_mg_per_day=300"])
    first_month = run.times <= 30
    return run.times[first_month], run["ca_total"][first_month], run


@pytest.mark.xfail(strict=True, reason="model: calcium +0.004 mmol/L above its day-8.75 nadir (-0.157) at day 30 "
                                        "(2026-12-01, tenth session, after s10-formation's calcium gate on the "
                                        "osteoblast maturation arrest and the distal lower branch; +0.027 with the "
                                        "gate off, +0.008 with dct_pth_lower_hill 2): once a PTH rise that defends a "
                                        "falling calcium no longer arrests formation, bone keeps taking up calcium, "
                                        "the same drain that keeps the denosumab calcium falling to day ~46 "
                                        "(tests/test_bone.py)")
def test_calcium_recovers_from_its_nadir_within_a_month_of_a_diet_cut():
    # the partial recovery that follows the 1-2 week adaptation (Dawson-Hughes et al. 1993): more
    # than 0.01 mmol/L back from the nadir by day 30 (a judgement of 'adaptation', not a measured value)
    times, calcium, _ = _diet_cut_first_month()
    assert calcium[-1] - calcium.min() > 0.01


def _gross_absorption(run):
    """True (gross) calcium absorption, mmol/day: net absorption plus the endogenous secretion,
    which is proportional to ECF calcium (its reference value at the healthy start)."""
    secretion = run.parameters["reference_ca_gut_secretion"] * run["ca_ecf"] / run["ca_ecf"][0]
    return run["gut_ca_absorption"] + secretion


def test_calcium_absorption_adapts_to_intake_as_the_square_root():
    # Heaney et al. 1989 J Bone Miner Res 4:469 (526 double-isotope/balance studies in 189 women on
    # their own intakes): absorption fraction ~ 1/sqrt(intake), from 0.45 at ~200 mg/day to ~0.15
    # above 2000 mg/day, so true absorption ~ sqrt(intake): 0.548x at 300 and 1.414x at 2000 mg/day
    # against 1000 mg/day. The model (0.517x, 1.400x at day 60) already adapts this much, so the
    # calcium-intake xfails above are not for lack of absorptive adaptation (2026-11-30, s10: a lower
    # transcellular Km, ca_transcellular_km_ratio 0.3, moves them only to -0.074 / +0.068 mmol/L and
    # leaves Heaney's curve). Tolerance 15 %: the spread between women was very broad
    absorbed = {mg: _gross_absorption(h.simulate(days=60, step=0.5, interventions=[f"diet@0:ca_mg_per_day={mg}"]))[-1]
                for mg in (300, 1000, 2000)}
    assert_allclose([absorbed[300] / absorbed[1000], absorbed[2000] / absorbed[1000]],
                    np.sqrt([0.3, 2.0]), rtol=0.15)


# passes since 2026-12-01 (tenth session): FECa 4.53 % with the distal PTH gain's steep lower branch
# (dct_pth_lower_hill 5; 3.7 % with one Hill 2 branch; atlas record syed-2001-hypercalcaemic-clamp-feca)
def test_hypercalcaemic_clamp_with_pth_suppressed_is_markedly_calciuric():
    # Syed et al. 2001 J Clin Endocrinol Metab 86:1525: an 8-h hypercalcaemic clamp to ~10.2 mg/dL
    # with endogenous PTH suppressed gave FECa 6.5 % on average, about twice the 2.5-3.7 % of
    # PTHrP-infused volunteers at the same calcium (no different from normal): PTH-receptor
    # withdrawal near normal PTH halves distal calcium reabsorption. Band 4.5-8.5 % is a judgement
    run = h.simulate(days=8 / 24, step=1 / 96, interventions=["calcium-clamp@0:delta_ionized=0.09,hours=8"])
    assert_allclose(value_at(run, "ca_total", 8 / 24), 2.545, atol=0.04)  # 10.2 mg/dL
    assert 0.045 <= value_at(run, "fe_ca", 8 / 24) <= 0.085


def test_single_calcium_load_is_absorbed_and_excreted_within_a_day():
    # Bristow et al. 2014 Br J Nutr 112:1611: serum calcium peaks 2-6 h after a 1 g oral dose by
    # ~0.05-0.15 mmol/L (total) and returns toward baseline by 8-12 h
    run = h.simulate(times=np.linspace(0, 2, 577), interventions=["calcium-load@0:dose_mg=1000"])
    peak_hours = run.times[np.argmax(run["ca_total"])] * 24
    assert 1 <= peak_hours <= 8
    assert 0.02 <= run["ca_total"].max() - run["ca_total"][0] <= 0.2
    assert value_at(run, "ca_total", 2.0) - run["ca_total"][0] < 0.5 * (run["ca_total"].max() - run["ca_total"][0])


def _absorbed_over_a_day(salt):
    """Calcium (mmol) absorbed in the 24 h after a 1 g load of ``salt``, above the fasting rate."""
    run = h.simulate(times=np.linspace(0, 1, 289), interventions=[f"calcium-load@0:dose_mg=1000,salt={salt}"])
    excess = run["gut_ca_absorption"] - run["gut_ca_absorption"][0]
    return float(np.sum((excess[1:] + excess[:-1]) / 2 * np.diff(run.times)))


def test_calcium_citrate_is_absorbed_better_than_carbonate():
    # Sakhaee et al. 1999 Am J Ther 6:313 (meta-analysis): citrate absorbed 22-27 % better than
    # carbonate; Heaney et al. 1999/2001: about equal with meals. The model takes 1/0.9 (+11 %):
    # the saturable absorption makes the absorbed amounts differ by somewhat less than the doses
    carbonate, citrate = _absorbed_over_a_day("carbonate"), _absorbed_over_a_day("citrate")
    assert 2.0 <= carbonate <= 10.0  # 8-40 % of 25 mmol
    assert 1.05 <= citrate / carbonate <= 1.27


def test_calcium_salt_is_part_of_the_text_form_and_checked():
    from homeostasis.errors import ParameterValueError
    from homeostasis.protocol import format_intervention, parse_intervention

    text = "calcium-supplement@3:dose_mg=500,every_hours=12,salt=citrate"
    assert format_intervention(parse_intervention(text)) == text
    assert parse_intervention("calcium-load@0").options["salt"] == "carbonate"
    with pytest.raises(ParameterValueError, match=r"salt: expected one of 'carbonate', 'citrate', "
                                                  r"got 'carbonat'; did you mean 'carbonate'"):
        parse_intervention("calcium-load@0:salt=carbonat")


# --- acid-base and albumin (mechanism 8) -------------------------------------------------------

@pytest.mark.parametrize("ph, change", [(7.30, 0.05), (7.50, -0.05)])
def test_ph_moves_ionized_calcium_at_constant_total(ph, change):
    # Wang et al. 2002 Clin Chem Lab Med 40:1236; Fogh-Andersen 1977 Clin Chem 23:2122: ionized
    # calcium changes ~0.05 mmol/L per 0.1 pH unit (opposite sign) at constant total calcium
    reference = h.simulate(times=[0, 1e-4], start="healthy")
    run = h.simulate(times=[0, 1e-4], start="healthy", parameters={"ph": ph})
    assert_allclose(run["ca_total"][0], reference["ca_total"][0], rtol=1e-9)
    assert_allclose(run["ca_ionized"][0] - reference["ca_ionized"][0], change, atol=0.012)


@pytest.mark.parametrize("intervention, change", [("acidosis", 0.060), ("alkalosis", -0.060)])
def test_acidosis_and_alkalosis_shift_ionized_calcium_then_recover(intervention, change):
    # Hughes et al. 1984 J Lab Clin Med 103:93: serum ionized calcium varies 0.0060 mmol/L per
    # 0.01 pH unit at constant total calcium (atlas record hughes-1984-serum-ionized-calcium-per-ph);
    # the step lasts 1 h, after which pH and ionized calcium return to the steady state
    run = h.simulate(times=[0, 1.0, 1.0 + 1 / 1440, 1.0 + 2 / 24, 3.0], start="steady",
                     interventions=[f"{intervention}@1:delta_ph=0.1,hours=1"])
    before = float(run["ca_ionized"][1])
    assert_allclose(run["ca_ionized"][2] - before, change, atol=0.015)
    assert_allclose(run["ca_total"][2], run["ca_total"][1], rtol=1e-3)  # the chemistry acts first
    assert_allclose(run["ca_ionized"][4], before, atol=0.002)  # restored after the hour


def test_the_acidosis_phosphate_threshold_moves_no_state_at_the_reference_ph():
    # tmp_ph_sensitivity acts through pH - 7.40 only: at the reference pH the healthy state is that
    # of the model without it (twelfth session, s12-acidosis)
    default = h.simulate(times=[0, 1e-4], start="healthy")
    off = h.simulate(times=[0, 1e-4], start="healthy", parameters={"tmp_ph_sensitivity": 0.0})
    for variable in ("phosphate", "tmp_gfr", "urine_phosphate", "calcitriol", "pth"):
        assert_allclose(default[variable][0], off[variable][0], rtol=1e-9)


def test_acidaemia_lowers_the_phosphate_threshold_at_once():
    # form: TmP/GFR x exp(s (pH - 7.40)); pH 7.32 (the krapf-1992 record's assumed fall) with s = 3
    # lowers it by 21 % before PTH answers (Krapf et al. 1992 J Clin Invest 90:2456: renal
    # hypophosphataemia graded with plasma bicarbonate)
    reference = h.simulate(times=[0, 1e-4], start="healthy")
    run = h.simulate(times=[0, 1e-4], start="healthy", parameters={"ph": 7.32})
    assert_allclose(run["tmp_gfr"][0] / reference["tmp_gfr"][0], np.exp(-3 * 0.08), rtol=0.02)


@pytest.fixture(scope="module")
def nh4cl_acidosis():
    return h.simulate(times=[0, 1.0, 11.0], start="steady", interventions=["acidosis@1:delta_ph=0.08,hours=264"])


def test_chronic_acidosis_lowers_phosphate_and_pth_and_raises_calcitriol(nh4cl_acidosis):
    # Krapf et al. 1992 J Clin Invest 90:2456 (PMC443402 abstract), NH4Cl 4.2 mmol/kg/day, plasma
    # bicarbonate -9.1 mmol/L: renal hypophosphataemia, intact PTH down, serum 1,25(OH)2D up, plasma
    # ionized calcium unchanged (the abstract gives signs, not sizes). Measured 2026-12-01 (s12-acidosis,
    # tmp_ph_sensitivity 3): phosphate -9.1 %, TmP/GFR -12.4 %, PTH -11.7 %, calcitriol +2.5 %, ionized
    # calcium +0.013 mmol/L at day 10
    def change(variable):
        return nh4cl_acidosis[variable][2] / nh4cl_acidosis[variable][1] - 1

    assert -0.30 <= change("phosphate") <= -0.03
    assert change("tmp_gfr") < -0.03
    assert change("pth") < 0
    assert change("calcitriol") > 0
    assert abs(nh4cl_acidosis["ca_ionized"][2] - nh4cl_acidosis["ca_ionized"][1]) <= 0.03


def test_low_albumin_lowers_total_not_ionized_calcium_at_steady_state():
    # Payne et al. 1973 BMJ 4:643: total calcium falls ~0.02 mmol/L per g/L albumin (the
    # correction formula) while the regulated ionized calcium is defended
    normal, low = h.steady_state("healthy"), h.steady_state("healthy", parameters={"albumin": 30.0})
    assert_allclose(low["ca_ionized"], normal["ca_ionized"], atol=0.02)
    assert 0.1 <= normal["ca_total"] - low["ca_total"] <= 0.3


# --- PTHrP is not PTH (mechanism 3) ------------------------------------------------------------

@pytest.fixture(scope="module")
def phpt_and_hhm():
    return h.steady_state("parathyroid-adenoma"), h.steady_state("malignancy-pthrp"), h.steady_state("healthy")


def test_pthrp_raises_calcitriol_far_less_than_pth(phpt_and_hhm):
    # Stewart et al. 1980 N Engl J Med 303:1377: plasma 1,25(OH)2D high in primary
    # hyperparathyroidism, low in humoral hypercalcaemia of malignancy at similar calcium;
    # Horwitz et al. 2005 J Bone Miner Res 20:1792: PTHrP(1-36) infusion stimulates renal
    # calcitriol synthesis poorly compared with PTH(1-34)
    phpt, hhm, healthy = phpt_and_hhm
    assert phpt["calcitriol"] >= 1.2 * healthy["calcitriol"]
    assert hhm["calcitriol"] <= 0.75 * phpt["calcitriol"]
    assert hhm["ca_total"] >= 2.6  # both are hypercalcaemic


def test_calcitriol_is_low_normal_in_hhm(phpt_and_hhm):
    # Stewart et al. 1980: HHM 1,25(OH)2D below the healthy mean; with the tumour's osteoblast
    # suppression (Stewart et al. 1982) bone supplies the calcium and calcitriol is not needed
    _, hhm, healthy = phpt_and_hhm
    assert hhm["calcitriol"] <= 1.0 * healthy["calcitriol"]


def test_hhm_uncouples_formation_from_resorption_unlike_phpt(phpt_and_hhm):
    # Stewart et al. 1982 J Clin Endocrinol Metab 55:219: in HHM osteoclast surface is raised
    # (8.6 vs 2.7 % in PHPT) while osteoblast surface is low (2.5 vs 13.8 %); PHPT stays coupled
    phpt, hhm, healthy = phpt_and_hhm
    assert hhm["p1np"] < healthy["p1np"] and hhm["ctx"] > 1.2 * healthy["ctx"]
    assert hhm["p1np"] / hhm["ctx"] <= 0.6 * phpt["p1np"] / phpt["ctx"]
    assert_allclose(phpt["p1np"] / phpt["ctx"], 1.0, atol=0.1)


# --- FGF23 is a slow osteocyte hormone (mechanism 4) -------------------------------------------

@pytest.fixture(scope="module")
def phosphate_load():
    return h.simulate(times=np.linspace(0, 1, 289), interventions=["phosphate-load@0:p_mg=1000"])


def test_fgf23_stays_flat_after_an_acute_phosphate_load(phosphate_load):
    # Scanni et al. 2014 (no FGF23 rise within hours of an oral phosphate load); Burnett et al.
    # 2006 J Bone Miner Res 21:1187 and Vervloet et al. 2011 Clin J Am Soc Nephrol 6:383: FGF23
    # follows sustained phosphate intake over days, not one load
    ratio = phosphate_load["fgf23"] / phosphate_load["fgf23"][0]
    assert 0.85 <= ratio.min() and ratio.max() <= 1.25
    # ...while serum phosphate stays up for hours (Nishida et al. 2006 Kidney Int: +0.2-0.4 mmol/L)
    assert value_at(phosphate_load, "phosphate", 4 / 24) - phosphate_load["phosphate"][0] >= 0.1


def test_sustained_phosphate_loading_raises_fgf23_over_days():
    # Burnett et al. 2006: +35 % after 5 days of phosphate loading; Vervloet et al. 2011
    run = h.simulate(days=10, step=0.25, interventions=["diet@0:ca_mg_per_day=1000,p_mg_per_day=2500"])
    assert value_at(run, "fgf23", 1.0) / run["fgf23"][0] < value_at(run, "fgf23", 5.0) / run["fgf23"][0]
    assert 1.15 <= value_at(run, "fgf23", 5.0) / run["fgf23"][0] <= 2.0


def test_acute_phosphate_load_raises_pth(phosphate_load):
    # Reiss et al. 1970 J Clin Invest 49:2146: 1 g oral phosphorus raises PTH by 60-125 %, peak at 1 h
    assert phosphate_load["pth"][:int(len(phosphate_load.times) / 6)].max() >= 1.4 * phosphate_load["pth"][0]


# --- the CaHPO4 ion pair (ca_phosphate_complex_share, off by default; 0.21 from Moreno et al. 1966) -----

COMPLEX_ON = {"ca_phosphate_complex_share": 0.21}


def test_the_cahpo4_complex_moves_no_healthy_state():
    off, on = h.steady_state("healthy"), h.steady_state("healthy", parameters=COMPLEX_ON)
    assert_allclose([on["ca_ionized"], on["ca_total"], on["pth"]], [off["ca_ionized"], off["ca_total"], off["pth"]],
                    rtol=1e-6)


def test_the_cahpo4_complex_lowers_ionized_calcium_after_an_oral_phosphate_load():
    # Reiss et al. 1970: the PTH rise after 1 g phosphorus follows a very small fall of ionized calcium;
    # measured 2026-12-01: minimum -0.0004 (off) and -0.0056 mmol/L (on)
    falls = []
    for parameters in ({}, COMPLEX_ON):
        run = h.simulate(times=np.linspace(0, 1 / 6, 49), interventions=["phosphate-load@0:p_mg=1000"],
                         parameters=parameters)
        falls.append(run["ca_ionized"].min() - run["ca_ionized"][0])
    assert_allclose(falls, [-0.0004, -0.0056], atol=0.0015)


def test_the_cahpo4_complex_raises_the_ionized_share_as_dialysis_removes_phosphate():
    # a first session at GFR 3 takes serum phosphate from ~4.8 to ~1.05 mmol/L: the ionized share of
    # total calcium rises by the calcium the CaHPO4 pairs release (measured: +0.006 off, +0.053 on)
    rises = []
    for parameters in ({}, COMPLEX_ON):
        run = h.simulate(times=np.linspace(0, 4 / 24, 25), start="steady", parameters={"gfr": 3, **parameters},
                         interventions=["hemodialysis@0:sessions_per_week=3,hours=4,dialysate_ca=1.25,days=1"])
        share = run["ca_ionized"] / run["ca_total"]
        rises.append(share[-1] - share[0])
    assert_allclose(rises, [0.006, 0.053], atol=0.006)


# --- calcitriol follows dietary phosphorus (mechanism 2) -----------------------------------------

def test_oral_phosphate_lowers_calcitriol_without_moving_serum_phosphate_much():
    # Van den Berg et al. 1980 J Clin Endocrinol Metab 51:998: 2 g/day oral phosphorus for 2 weeks
    # lowered 1,25(OH)2D from 57 to 35 pg/mL (x0.61) with serum phosphorus unchanged
    run = h.simulate(days=14, step=0.5, interventions=["diet@0:ca_mg_per_day=1000,p_mg_per_day=3200,days=14"])
    assert_allclose(run["calcitriol"][-1] / run["calcitriol"][0], 0.61, atol=0.1)
    assert run["phosphate"][-1] - run["phosphate"][0] < 0.15


def test_phosphate_restriction_raises_calcitriol_although_pth_falls():
    # Portale et al. 1986 J Clin Invest 77:7: +80 % after 10 days of 500 mg/day with aluminium
    # hydroxide; Portale et al. 1984 J Clin Invest 73:1580: +60 % while PTH fell 25 % (moderate CKD)
    run = h.simulate(days=10, step=0.5, interventions=["diet@0:ca_mg_per_day=1000,p_mg_per_day=500,days=10",
                                                       "phosphate-binder@0:fraction=0.3,days=10"])
    assert 1.3 <= run["calcitriol"][-1] / run["calcitriol"][0] <= 2.2
    assert run["pth"][-1] < run["pth"][0]


def test_meals_do_not_shift_calcitriol():
    # three meals a day carry the same daily phosphorus as continuous intake: the hydroxylase
    # follows the day-averaged load (Portale et al. 1987 J Clin Invest 80:1147: the 24-h mean)
    run = h.simulate(days=10, step=1 / 24, interventions=["daily-rhythm@0"])
    assert_allclose(run["calcitriol"][run.times >= 9].mean() / run["calcitriol"][0], 1.0, atol=0.04)


# --- vitamin D3 and calcifediol (mechanism 6) --------------------------------------------------

@pytest.mark.parametrize("ug_per_day, measured", [(25, 29.0), (250, 146.0), (1250, 643.0)])
def test_vitamin_d3_dose_response_at_eight_weeks(ug_per_day, measured):
    # Barger-Lux et al. 1998 Osteoporos Int 8:222: 25(OH)D rises by 29, 146 and 643 nmol/L after
    # 8 weeks of 25, 250 and 1250 ug/day cholecalciferol (saturable hepatic 25-hydroxylation)
    run = h.simulate(days=56, step=1, interventions=[f"vitamin-d3@0:dose_iu_per_day={ug_per_day * IU_PER_UG}"])
    assert_allclose(rise(run, "calcidiol", 56), measured, rtol=0.25)


def test_weekly_vitamin_d3_matches_the_same_daily_dose():
    # Ish-Shalom et al. 2008 J Clin Endocrinol Metab 93:3430: daily, weekly and monthly doses of the
    # same cumulative amount give the same 25(OH)D after two months
    weekly = h.simulate(days=56, step=0.5, interventions=["vitamin-d3@0:dose_iu=7000,every_days=7"])
    daily = h.simulate(days=56, step=0.5, interventions=["vitamin-d3@0:dose_iu_per_day=1000"])
    assert_allclose(rise(weekly, "calcidiol", 55.5), rise(daily, "calcidiol", 55.5), rtol=0.2)


def test_single_vitamin_d3_bolus_peaks_modestly_and_stays_above_baseline_for_two_months():
    # Ilahi, Armas & Heaney 2008 Am J Clin Nutr 87:688: 100 000 IU once raised 25(OH)D from 27.1 to
    # a mean maximum of 42.0 ng/mL and kept it above baseline for about two months (adipose storage
    # and slow release of cholecalciferol: d3_storage_share, d3_storage_half_life)
    ng_per_ml = 2.496  # nmol/L per ng/mL
    run = h.simulate(days=112, step=1, start="steady", parameters={"vitamin_d_supply": 27.1 * ng_per_ml / 75},
                     interventions=["vitamin-d3@0:dose_iu=100000,every_days=365,days=1"])
    rise_ng = (run["calcidiol"] - run["calcidiol"][0]) / ng_per_ml
    assert_allclose(rise_ng.max(), 42.0 - 27.1, rtol=0.2)
    assert 3 <= np.argmax(rise_ng) <= 21  # peak within days to weeks
    assert value_at(run, "calcidiol", 56) / ng_per_ml - 27.1 >= 2.0
    assert rise_ng[-1] <= 0.5 * rise_ng.max()


@pytest.mark.parametrize("ug_per_day, measured", [(10, 40.0), (20, 76.0), (50, 206.0)])
def test_calcifediol_dose_response_at_four_weeks(ug_per_day, measured):
    # Barger-Lux et al. 1998: 25(OH)D3 10, 20 and 50 ug/day raise 25(OH)D by ~40, 76 and
    # 206 nmol/L in 4 weeks
    run = h.simulate(days=28, step=1, interventions=[f"calcifediol@0:dose_ug_per_day={ug_per_day}"])
    assert_allclose(rise(run, "calcidiol", 28), measured, rtol=0.25)


def test_calcifediol_is_more_potent_than_vitamin_d3_per_microgram():
    # Jetter et al. 2014 Bone 59:14; Quesada-Gomez & Bouillon 2018: calcifediol raises 25(OH)D
    # 2-3x (up to ~6x at 4 weeks) more per ug than cholecalciferol
    calcifediol = h.simulate(days=28, step=1, interventions=["calcifediol@0:dose_ug_per_day=20"])
    d3 = h.simulate(days=28, step=1, interventions=[f"vitamin-d3@0:dose_iu_per_day={20 * IU_PER_UG}"])
    assert 2.0 <= rise(calcifediol, "calcidiol", 28) / rise(d3, "calcidiol", 28) <= 6.0


def test_vitamin_d_repletion_in_the_normal_range_leaves_pth_nearly_unchanged():
    # issue 13 mechanism 6; Barger-Lux et al. 1998 (no change in PTH at 25 ug/day)
    run = h.simulate(days=56, step=1, interventions=["vitamin-d3@0:dose_iu_per_day=1000"])
    assert abs(value_at(run, "pth", 56) / run["pth"][0] - 1) <= 0.1


def test_calcitriol_nearly_unchanged_when_vitamin_d3_raises_25ohd_to_700_nmol_per_litre():
    # Barger-Lux et al. 1998: 1250 ug/day for 8 weeks raised 25(OH)D by 643 nmol/L without changing
    # serum 1,25(OH)2D: free 25(OH)D is ~0.03 % of the total (Bikle et al. 1986) and binds the VDR
    # hundreds of times more weakly than calcitriol, so the VDR (and its feedback on calcitriol)
    # barely sees it
    run = h.simulate(days=56, step=1, interventions=["vitamin-d3@0:dose_iu_per_day=50000"])
    assert rise(run, "calcidiol", 56) > 500
    assert abs(rise(run, "calcitriol", 56)) <= 20
    assert 2.15 <= value_at(run, "ca_total", 56) <= 2.6


def test_calcitriol_is_maintained_until_25ohd_falls_below_20_nmol_per_litre():
    # Nordin 2010 Nutrients 2:997 (Adelaide data): serum calcitriol is maintained until serum
    # 25(OH)D falls below 20 nmol/L, then falls (hydroxylase_calcidiol_km is calibrated to this)
    def calcitriol_ratio(calcidiol):
        state = h.steady_state("healthy", parameters={"vitamin_d_supply": calcidiol / BASELINE_CALCIDIOL})
        assert_allclose(state["calcidiol"], calcidiol, rtol=0.01)
        return float(state["calcitriol"]) / 100.0
    assert calcitriol_ratio(30.0) >= 0.93
    assert calcitriol_ratio(20.0) >= 0.88
    assert calcitriol_ratio(8.0) <= 0.75


def test_calcitriol_induced_25ohd_catabolism_follows_its_share_and_leaves_health_unchanged():
    # CYP24A1, induced by calcitriol through the VDR, 24-hydroxylates 25(OH)D too (Jones, Prosser &
    # Kaufmann 2014; Clements et al. 1987, 1992): its share of 25(OH)D catabolism rises in proportion
    # to calcitriol, so with production fixed 25(OH)D = 75 / (1 - share + share * calcitriol / 100)
    share = 0.5
    healthy = h.steady_state("healthy", parameters={"cyp24_calcidiol_share": share})
    assert_allclose([healthy["calcidiol"], healthy["calcitriol"]], [BASELINE_CALCIDIOL, 100.0], rtol=1e-9)
    dosed = h.simulate(days=400, step=50, parameters={"cyp24_calcidiol_share": share},
                       interventions=["calcitriol@0:dose_ug_per_day=2"])
    ratio = float(dosed["calcitriol"][-1]) / 100.0
    assert ratio > 1.2
    assert_allclose(dosed["calcidiol"][-1], BASELINE_CALCIDIOL / (1 - share + share * ratio), rtol=0.01)


def test_granuloma_consumes_its_25ohd_substrate_one_for_one():
    # mass balance: each calcitriol the granuloma makes uses one 25(OH)D, so at the sarcoidosis
    # steady state hepatic production = first-order catabolism + granuloma synthesis (nmol/day);
    # low 25(OH)D with high calcitriol is the usual sarcoidosis pattern (Capolongo et al. 2016)
    from scipy.optimize import brentq

    values = h.ParameterSet.default().with_values({"granuloma_burden": 1.0})
    km, reference = values["granuloma_calcidiol_km"], values["reference_calcidiol"]
    clearance = values["calcidiol_elimination_rate"] * values["calcidiol_distribution_volume"]  # L/day

    def balance(calcidiol):
        granuloma = (values["granuloma_calcitriol_synthesis"] * (calcidiol / (km + calcidiol))
                     * (km + reference) / reference / values["pmol_per_nmol"])
        return clearance * reference - clearance * calcidiol - granuloma

    sarcoid = h.steady_state("healthy", parameters={"granuloma_burden": 1.0})
    assert_allclose(sarcoid["calcidiol"], brentq(balance, 1.0, reference), rtol=1e-6)
    assert sarcoid["calcidiol"] < 0.7 * BASELINE_CALCIDIOL


def test_dbp_displacement_leaves_the_healthy_state_unchanged():
    # the free-fraction factor is 1 at the healthy 25(OH)D, so switching it on (sourced capacity
    # ~5 umol/L: Bikle et al. 2017) moves only states with raised 25(OH)D
    off, on = h.steady_state("healthy"), h.steady_state("healthy", parameters={"dbp_binding_sites": 5000.0})
    for name in ("ca_total", "pth", "calcitriol", "phosphate"):
        assert_allclose(on[name], off[name], rtol=1e-9)


# --- dialysis records (mechanism 5/7) -----------------------------------------------------------

@pytest.mark.parametrize("record", ["elias-2018-intradialytic-phosphate", "stremke-2022-postdialysis-phosphate-rebound"])
def test_dialysis_records_run_without_solver_error(record):
    experiment = next(e for e in load_atlas() if e.id == record)
    frame = run_experiment(experiment)
    assert set(frame["status"]) <= {"ok", "FAIL"}
    assert np.all(np.isfinite(frame["model"].astype(float)))


def test_bone_turnover_is_normal_on_dialysis_at_the_torres_pth():
    # Torres et al. 1995 Kidney Int 47:1434 (119 bone biopsies): on haemodialysis a normal
    # osteoblast surface goes with intact PTH 75-260 pg/mL (8-28 pmol/L), before dialysis it needs
    # 300-500 pg/mL: the dialysis programme relieves the uraemic PTH1R resistance
    # (dialysis_solute_clearance). Model (2 years of 3 x 4 h at residual GFR 3): PTH 21.5 pmol/L,
    # CTX and P1NP 94 % of health (63 % and 58 % at the resistance of GFR 3 alone, 1/48: adynamic)
    times = np.array([0.0, 729.99])
    dialysis = ["hemodialysis@0:sessions_per_week=3,hours=4,dialysate_ca=1.25,days=760"]
    run = h.simulate("healthy", parameters={"gfr": 3}, start="steady", times=times, interventions=dialysis,
                     observables=["pth", "ctx", "p1np"])
    assert 8.0 <= run["pth"][-1] <= 27.6
    assert_allclose([run["ctx"][-1], run["p1np"][-1]], 100.0, atol=25.0)


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_a_continuous_session_equilibrates_the_dialysed_calcium_with_the_bath(share):
    # The dialyser moves calcium down the gradient between the dialysate's total calcium and the
    # plasma calcium that crosses the membrane: ultrafilterable (ionized + complexed) calcium at
    # dialysis_ca_complexed_share 1 (PMC4830623: ionic calcium absorbed from the bath while complexed
    # calcium is removed), ionized calcium alone at 0. Two days of continuous dialysis at residual
    # GFR 3 bring that plasma calcium to the bath's 1.25 mmol/L (the gut's few mmol/day shift it by
    # ~0.02 mmol/L at 216 L/day)
    parameters = {"gfr": 3, "dialysis_active": 1.0, "dialysate_ca": 1.25, "dialysis_ca_complexed_share": share}
    run = h.simulate("healthy", times=np.array([0.0, 2.0]), parameters=parameters, start="steady")
    dialysed = run["ca_ionized"][-1] * (1 + share * run.parameters["ca_complex_ratio"])
    assert_allclose(dialysed, 1.25, atol=0.04)


def test_ultrafiltration_carries_ultrafilterable_calcium_out_of_the_body():
    # dialysis_ultrafiltration_rate (off by default) removes the ultrafilterable (ionized +
    # complexed) calcium of the plasma water taken off: 2.8 kg interdialytic weight gain over 4 h
    # = 16.8 L/day while the session runs. Two days of continuous dialysis on a 1.25 mmol/L bath
    # then settle where diffusion in balances convection out, ionized calcium
    # = K bath / (K + Quf (1 + complexed/ionized)) (gut and bone add ~0.02 mmol/L), not at the bath.
    parameters = {"gfr": 3, "dialysis_active": 1.0, "dialysate_ca": 1.25, "dialysis_ultrafiltration_rate": 16.8}
    run = h.simulate("healthy", times=np.array([0.0, 2.0]), parameters=parameters, start="steady")
    k, ratio = run.parameters["dialysis_ca_clearance"], run.parameters["ca_complex_ratio"]
    expected = k * 1.25 / (k + 16.8 * (1 + ratio))
    assert_allclose(run["ca_ionized"][-1], expected, atol=0.03)
    assert expected < 1.25 - 0.06


def test_intradialytic_phosphate_reaches_its_plateau_within_the_first_hour():
    # Elias et al. 2018 Kidney Blood Press Res 43:110: serum phosphate -47.4 % at 1 h and -45.1 %
    # at the end of a 4-h session (the fall is complete by 1 h); Man et al. 1991 ASAIO Trans
    # 37:M463 and Spalding et al. 2002: plateau at ~0.8-0.9 mmol/L. The rapidly accessible
    # phosphate volume (phosphate_distribution_volume, 8 L: Agar 2011, Leypoldt 2013, Elias 2018) sets the
    # speed: with the 14 L ECF the 1-h fall was only 79 % of the 4-h fall. Elias's patients ate
    # ~1000 mg/day (pre-dialysis 4.7 mg/dL, as the atlas record); the plateau level, not the
    # fractional fall, is independent of the pre-dialysis phosphate (Man 1991), so on 1200 mg/day
    # (pre-dialysis ~2.1 mmol/L) only the plateau is checked. Read after two years on the schedule, as
    # the record (maintenance haemodialysis patients; re-coded 2026-12-01 from a 4-week run-in)
    start = 728.0
    session = start + np.linspace(0, 4, 49) / 24
    runs = {intake: h.simulate("healthy", times=np.concatenate([[0.0], session]), start="steady",
                               parameters={"gfr": 3, "phosphate_intake": intake},
                               interventions=["hemodialysis@0:sessions_per_week=3,hours=4,days=740"])
            for intake in (32.3, 39.0)}
    fall = 1 - runs[32.3]["phosphate"][1:] / runs[32.3]["phosphate"][1]
    one_hour, end = float(np.interp(start + 1 / 24, session, fall)), float(fall[-1])
    assert 0.40 <= end <= 0.55
    assert one_hour >= 0.85 * end
    # the plateau, mmol/L: ~0.8-0.9 (Man 1991); Elias's own means give 4.7 mg/dL x 0.526 = 0.80 at 1 h and
    # x 0.549 = 0.83 mmol/L at 4 h. Measured 2026-12-01 (phosphate_reserve_hill 16, two-year run-in):
    # 0.790 on 1000 mg/day and 0.834 on 1200 mg/day (0.797 / 0.846 with the former 4-week run-in)
    for run in runs.values():
        assert 0.78 <= run["phosphate"][-1] <= 1.0


# --- interventions for hypercalcaemia and diuretics (issue 13, interventions to add) ------------

def test_iv_calcium_raises_calcium_suppresses_pth_and_wears_off():
    # Brent et al. 1988 J Clin Endocrinol Metab 67:944: calcium gluconate infusion suppresses PTH
    # to ~0.2-0.35x; Ladenson et al. 1978: ionized calcium rises by tenths of a mmol/L during
    # infusion; urinary calcium rises (calciuria) and calcium returns to baseline within a day
    run = h.simulate(times=np.linspace(0, 2, 577), interventions=["iv-calcium@0.1:mmol=10,hours=1"])
    end = 0.1 + 1 / 24
    assert 0.15 <= value_at(run, "ca_ionized", end) - run["ca_ionized"][0] <= 0.5
    assert value_at(run, "pth", end) / run["pth"][0] <= 0.35
    assert value_at(run, "urine_ca", end) >= 2 * run["urine_ca"][0]
    assert abs(value_at(run, "ca_total", 1.1) - run["ca_total"][0]) <= 0.06


def test_thiazide_lowers_urine_calcium():
    # Coe et al. 1988 Kidney Int 33:1140; Reilly & Ellison 2000: hydrochlorothiazide 25-50 mg/day
    # lowers urinary calcium by ~30-40 % and raises serum calcium slightly (mild volume contraction
    # and distal reabsorption; thiazide hypercalcaemia is usually < 0.1 mmol/L)
    run = h.simulate(days=60, step=0.5, interventions=["thiazide@0:dose_mg=25"])
    assert 0.55 <= value_at(run, "urine_ca", 1) / run["urine_ca"][0] <= 0.85
    assert 0.6 <= value_at(run, "urine_ca", 60) / run["urine_ca"][0] <= 0.9
    assert 0.0 < value_at(run, "ca_total", 60) - run["ca_total"][0] <= 0.1


def test_thiazide_hypocalciuria_needs_pth():
    # Parfitt 1972 J Clin Invest 51:1879: a thiazide lowered urinary calcium by 44 % in euparathyroid
    # patients but by 11 % (then not at all) in hypoparathyroidism; Brickman et al. 1972 J Clin Invest
    # 51:945: no fall in hypoparathyroidism. The fall is PTH-dependent, so smaller without PTH.
    def fall(scenario):
        run = h.simulate(scenario, start="steady", days=2, step=0.25, interventions=["thiazide@0:dose_mg=50"])
        return 1 - value_at(run, "urine_ca", 1) / run["urine_ca"][0]

    healthy, hypoparathyroid = fall("healthy"), fall("hypoparathyroidism")
    assert 0.25 <= healthy <= 0.5
    assert 0.0 <= hypoparathyroid <= 0.7 * healthy


def test_loop_diuretic_is_calciuric_and_raises_pth():
    # Suki et al. 1970 N Engl J Med 283:836 (furosemide calciuresis); Rejnmark et al. 2006 Eur J
    # Endocrinol 155:695: furosemide raises urinary calcium and PTH; serum calcium stays unchanged
    # (Fujita et al. 1984 Nephron 38:109; PMID 11489064)
    run = h.simulate(days=30, step=0.5, interventions=["loop-diuretic@0:dose_mg=40"])
    assert 1.2 <= value_at(run, "urine_ca", 1) / run["urine_ca"][0] <= 2.5
    assert value_at(run, "pth", 30) > 1.05 * run["pth"][0]
    assert abs(value_at(run, "ca_total", 30) - run["ca_total"][0]) < 0.02


def test_loop_diuretic_raises_pth_at_unchanged_calcium():
    # Fujita et al. 1984 Nephron 38:109 and PMID 11489064 (bumetanide 7 days): serum calcium unchanged
    # while PTH rose; Muller et al. 2015 Pflugers Arch 467:2413: a direct (NKCC1) parathyroid action.
    # loop_diuretic_pth_gain is calibrated to the unchanged ionized calcium at day 7 of 40 mg/day
    def week(gain):
        run = h.simulate(start="steady", times=np.array([0.0, 7.0]), parameters={"loop_diuretic_pth_gain": gain},
                         interventions=["loop-diuretic@0:dose_mg=40"])
        return run["ca_ionized"][1] - run["ca_ionized"][0], run["pth"][1] / run["pth"][0]

    (calcium, pth), (calcium_without, pth_without) = week(0.3), week(0.0)
    assert_allclose(calcium, 0.0, atol=0.005)
    assert calcium_without < -0.015
    assert_allclose(pth, 1.21, rtol=0.03)
    assert pth > pth_without + 0.03


def test_one_frusemide_dose_raises_pth_for_hours_with_ionized_calcium_nearly_unchanged():
    # Nephrol Dial Transplant 1992 7(1), doi 10.1093/oxfordjournals.ndt.a091995: 80 mg oral frusemide
    # in 7 normal subjects, median PTH 2.17x at 3 h and 1.54x at 6 h against a control day, ionised
    # calcium not changed significantly; one dose is the 6-h pulse (loop-diuretic option pulse_hours)
    run = h.simulate(start="steady", times=np.array([1.0, 1.125, 1.25]),
                     interventions=["loop-diuretic@1:dose_mg=80,days=1,pulse_hours=6"])
    assert_allclose(run["pth"][1:] / run["pth"][0], [1.592, 1.639], rtol=0.03)
    assert np.all(np.abs(run["ca_ionized"][1:] - run["ca_ionized"][0]) < 0.02)


def test_saline_is_calciuric_and_lowers_calcium_in_hypercalcaemia():
    # Hosking et al. 1981 Lancet i:1179; Bilezikian 1992 N Engl J Med 326:1196: saline expansion
    # raises calcium excretion and lowers serum calcium over 1-2 days (more in dehydrated patients,
    # whose GFR saline restores; the model has no dehydration, so only the tubular effect is tested)
    run = h.simulate("malignancy-pthrp", start="steady", days=3, step=0.05,
                     interventions=["saline@0:litres_per_day=3,days=2"])
    assert value_at(run, "urine_ca", 1) >= 1.3 * run["urine_ca"][0]
    assert value_at(run, "ca_total", 2) <= run["ca_total"][0] - 0.05


def test_calcitonin_acts_within_hours_then_escapes():
    # Wisneski 1990 Calcif Tissue Int 46:S26; Austin & Heath 1981 N Engl J Med 304:269: calcitonin
    # 4 IU/kg every 12 h lowers serum calcium by ~0.3-0.5 mmol/L within 4-6 h; escape within ~48-72 h
    # (at 3.5 days less than half of the largest fall is left while the doses continue)
    run = h.simulate("malignancy-pthrp", start="steady", days=4, step=1 / 48,
                     interventions=["calcitonin@0:dose_iu_per_kg=4,every_hours=12"])
    falls = run["ca_total"] - run["ca_total"][0]
    assert -0.6 <= value_at(run, "ca_total", 0.25) - run["ca_total"][0] <= -0.2
    assert value_at(run, "ca_total", 3.5) - run["ca_total"][0] >= 0.5 * falls.min()


def test_daily_rhythm_has_a_nocturnal_pth_peak_and_meal_driven_phosphate():
    # Jubiz et al. 1972 J Clin Invest 51:2040; el-Hajj Fuleihan et al. 1997 J Clin Endocrinol Metab
    # 82:281: PTH peaks at night (02:00-06:00) ~10-40 % above its mean, trough late morning;
    # Portale et al. 1987 J Clin Invest 80:1147: serum phosphorus swings ~0.1-0.3 mmol/L over the day
    run = h.simulate(days=3, step=1 / 96, interventions=["daily-rhythm@0"])
    last = run.times >= 2
    pth, hours = run["pth"][last], (run.times[last] % 1) * 24
    assert 1.08 <= pth.max() / pth.mean() <= 1.4
    assert 1 <= hours[np.argmax(pth)] <= 7
    assert 0.1 <= np.ptp(run["phosphate"][last]) <= 0.35
    assert_allclose(run["ca_total"][last].mean(), 2.40, atol=0.03)


def test_healthy_default_stays_a_true_steady_state_without_the_rhythm():
    run = h.simulate(days=2, step=1 / 24)
    assert_allclose(run["pth"], run["pth"][0], rtol=1e-6)
    assert_allclose(run["phosphate"], run["phosphate"][0], rtol=1e-6)


@pytest.mark.parametrize("text, message", [
    ("thiazide@0:dose_mg=500", r"\[0, 200\]"),
    ("saline@0:litres=3", "litres_per_day"),
    ("iv-calcium@0:hours=0", r"\[0.05, 72\]"),
    ("calcitonin@0:dose_iu_per_kg=-1", r"\[0, 20\]"),
])
def test_new_intervention_options_are_checked(text, message):
    with pytest.raises(h.HomeostasisError, match=message):
        h.simulate(days=1, interventions=[text])


# --- intestinal phosphate absorption across intakes (issue 13, mechanism 5) -----------------------

def test_fractional_phosphate_absorption_barely_moves_with_intake():
    # IOM 1997 (DRI, phosphorus): net absorption 60-65 % on mixed diets and "virtually constant
    # across a broad range of intakes" (mostly passive); calcitriol raises it somewhat on restriction
    fractions = {}
    for mg in (500, 1500, 2500):
        run = h.simulate(days=30, step=1, start="steady", interventions=[f"diet@0:ca_mg_per_day=1000,p_mg_per_day={mg}"])
        fractions[mg] = run["gut_phosphate_absorption"][-1] / (mg / 30.974)
    assert all(0.55 <= f <= 0.75 for f in fractions.values()), fractions
    assert 0 < fractions[500] - fractions[2500] < 0.15


def nordin_serum_phosphate(absorbed):
    """Serum Pi (mmol/L) against absorbed phosphorus (mmol/day) in adults with normal kidneys:
    IOM 1997 DRI Figure 5-1 (after Nordin 1989), Pi = 0.00765 A + 0.8194 (1 - exp(-0.2635 A))."""
    return 0.00765 * absorbed + 0.8194 * (1 - np.exp(-0.2635 * absorbed))


@pytest.mark.parametrize("p_mg_per_day", [
    pytest.param(500, marks=pytest.mark.xfail(strict=True, reason=(
        "model: serum phosphate 1.013 mmol/L at 11.31 mmol/day absorbed (60 days on 500 mg/day; 2026-12-01 s11-fgf23, "
        "FGF23 balance term off: TmP/GFR 1.075, FGF23 0.78x; 1.039 on main 158496d, 1.043 before) against 0.865 on the "
        "IOM/Nordin curve (+0.15; +0.13 at 800 mg, +0.11 at 1000 mg on main 158496d). The curve "
        "(IOM 1997 DRI Fig. 5-1, Heaney's illustration after Nordin 1989) is an empirical approximation on the renal "
        "threshold relation and fasting data, not a measured steady state on 500 mg/day, and gives 1.05 at the "
        "model's healthy 30 mmol/day absorbed (0.06 below the sourced healthy level). The kidney holds phosphate "
        "too well at low intake (TmP/GFR 1.12 vs 0.97 mmol/L at rest as PTH falls 21 % and FGF23 33 %), the gap "
        "left by portale-1987 (-18.3 vs -40 % with aluminium hydroxide); the cell pools (2026-11-30, eighth "
        "session) change only the speed, not this steady state; fgf23_phosphate_floor 1.1 (off) gives 1.016 "
        "(eleventh session; TmP/GFR 1.080 against 1.110, FGF23 0.76x against 0.66x); "
        "the gut phosphate secretion (off; 3 mmol/day, ninth session) 1.040 at 10.8 mmol/day absorbed "
        "against 0.855, TmP/GFR 1.126 mmol/L"))),
    1500, 2500])
def test_serum_phosphate_follows_absorbed_intake(p_mg_per_day):
    # judged tolerance 0.1 mmol/L: the curve is a population mean; serum Pi SD ~0.15 mmol/L
    run = h.simulate(days=60, step=5, start="steady",
                     interventions=[f"diet@0:ca_mg_per_day=1000,p_mg_per_day={p_mg_per_day}"])
    absorbed = run["gut_phosphate_absorption"][-1]
    assert_allclose(run["phosphate"][-1], nordin_serum_phosphate(absorbed), atol=0.1)


BURNETT_DEPLETION = ["diet@0:ca_mg_per_day=1000,p_mg_per_day=500,days=5", "phosphate-binder@0:fraction=0.3,days=5"]


def _burnett_fgf23_changes():
    changes, urine = {}, {}
    for exponent in (0.0, 0.3):
        run = h.simulate(days=5, step=0.5, start="steady", interventions=BURNETT_DEPLETION,
                         parameters={"fgf23_phosphate_balance_exponent": exponent})
        changes[exponent] = run["fgf23"][-1] / run["fgf23"][0] - 1
        urine[exponent] = run["urine_phosphate"][-1] / run["urine_phosphate"][0]
    return changes, urine


def test_fgf23_follows_serum_phosphate_not_the_collapse_of_urinary_phosphate():
    # Burnett et al. 2006 J Bone Miner Res 21:1187: intact FGF23 -9 +- 16 % after 5 days of depletion;
    # Isakova et al. 2011 Nephrol Dial Transplant 26:584: no FGF23 fall while urinary phosphate fell 66 %.
    # With the urinary balance term off (fgf23_phosphate_balance_exponent 0, s11-fgf23) the model reads
    # -23.8 % on s11-fgf23's base and -25.1 % once merged with s11-calcitriol; the former exponent 0.3 gave -36.7 %
    changes, urine = _burnett_fgf23_changes()
    assert urine[0.0] < 0.5  # the phosphate passing through the body collapses
    assert changes[0.3] < changes[0.0] - 0.1


@pytest.mark.xfail(strict=True, reason="model: intact FGF23 -25.07 % after 5 days of Burnett's depletion (2026-12-01, "
                   "main after the s11-calcitriol and s11-fgf23 merges; -23.8 % on s11-fgf23 alone), just outside one SD "
                   "of Burnett's -9 +- 16 %: serum phosphate alone still drives FGF23 down through the steep CKD-calibrated "
                   "phosphate response (docs/validation.md, eleventh session, s11-fgf23)")
def test_fgf23_falls_within_one_sd_of_burnett_on_phosphate_depletion():
    changes, _ = _burnett_fgf23_changes()
    assert -0.25 <= changes[0.0] <= -0.09 + 0.16


GUT_SECRETION = {"reference_phosphate_gut_secretion": 3.0}
BINDER_RESTRICTION = ["diet@0:ca_mg_per_day=1000,p_mg_per_day=500,days=10",
                      "phosphate-binder@0:aluminium_hydroxide_g_per_day=6,days=10"]


def test_gut_phosphate_secretion_keeps_the_healthy_net_absorption():
    # the endogenous secretion (2026-12-01, on since the ninth session's second pass): the gross absorption is recalibrated so
    # that the healthy net absorption stays the reference 64.1 % of 39 mmol/day, in balance with urine
    run = h.simulate(days=1, step=1, start="steady", parameters=GUT_SECRETION)
    assert_allclose(run["gut_phosphate_absorption"][-1], 0.641 * 39, rtol=2e-3)
    assert_allclose(run["urine_phosphate"][-1], 0.641 * 39, rtol=2e-3)
    assert_allclose(run["phosphate"][-1], 1.10, atol=0.02)


def test_a_binder_holds_the_secreted_phosphate_too():
    # Lotz, Zisman & Bartter 1968 N Engl J Med 278:409: on aluminium antacids faecal phosphorus
    # exceeds the intake. portale-1987's restriction (500 mg/day + 6 g/day aluminium hydroxide):
    # net absorption -0.54 mmol/day with the secretion, +0.95 without (measured 2026-12-01)
    runs = {name: h.simulate(days=10, step=0.5, start="steady", interventions=BINDER_RESTRICTION,
                             parameters={"phosphate_intake": 48.4, **values})
            for name, values in {"off": {"reference_phosphate_gut_secretion": 0.0}, "on": GUT_SECRETION}.items()}
    assert runs["on"]["gut_phosphate_absorption"][-1] < 0 < runs["off"]["gut_phosphate_absorption"][-1]
    falls = {name: 1 - run["phosphate"][-1] / run["phosphate"][0] for name, run in runs.items()}
    assert falls["on"] > falls["off"] + 0.015


def test_gut_phosphate_secretion_follows_the_meals():
    # under daily-rhythm the (switched-off) secretion comes in the 3 h after each meal (digestive
    # juices: Keller & Layer 2005 Gut 54 Suppl 6:vi1), the same daily amount as the continuous secretion
    from homeostasis.protocol.catalogue import CATALOGUE
    base = dict(h.simulate(days=1, step=1, parameters=GUT_SECRETION).parameters)
    rate = base["phosphate_gut_secretion_rate"]
    assert_allclose(rate, 3 / (1.10 * base["phosphate_distribution_volume"]), rtol=1e-12)
    events = CATALOGUE["daily-rhythm"].events(0.0, {"days": 1}, base, 1.0)
    settings = [(event.time, dict(action.values)["phosphate_gut_secretion_rate"]) for event in events
                for action in event.actions if "phosphate_gut_secretion_rate" in getattr(action, "parameters_set", ())]
    times, values = np.array([t for t, _ in settings]), np.array([v for _, v in settings])
    daily = np.sum(values[:-1] * np.diff(times))  # the last setting restores the continuous rate at the end
    assert_allclose(daily, rate, rtol=1e-9)
    assert_allclose(values[-1], rate, rtol=1e-12)
    assert not any("phosphate_gut_secretion_rate" in getattr(action, "parameters_set", ())
                   for event in CATALOGUE["daily-rhythm"].events(0.0, {"days": 1}, {**base, "phosphate_gut_secretion_rate": 0.0}, 1.0)
                   for action in event.actions)  # off: no extra events
    quiet = h.simulate(days=3, step=1 / 24, interventions=["daily-rhythm@0"], parameters={"reference_phosphate_gut_secretion": 0.0})
    meals = h.simulate(days=3, step=1 / 24, interventions=["daily-rhythm@0"], parameters=GUT_SECRETION)
    last = meals.times >= 2
    # the meal-driven phosphate swing is that of meals without the secretion (measured 2026-12-01 with
    # exchange 400 and uptake Hill 4: 24-h range 0.170 against 0.174 mmol/L; 0.187 with a continuous
    # secretion, which lifted the post-dinner PTH above its nocturnal peak)
    assert_allclose(np.ptp(meals["phosphate"][last]), np.ptp(quiet["phosphate"][last]), atol=0.01)


def test_bone_exchange_buffers_an_iv_calcium_load():
    # issue 13, mechanism 7: 0.33 mmol/kg calcium gluconate over 3 h (23.1 mmol at 70 kg; Rouen
    # 2007 Eur J Endocrinol 157:351: total calcium 2.33 -> 3.21 at the end and 2.94 3 h later). The
    # fast bone-fluid pool (1-h time constant) fills while ionized calcium is high, which lowers the
    # peak, and starts to empty as calcium falls; the saturable uptake into the slow PTH-regulated
    # pool limits the sink that PTH suppression opens after the infusion.
    times = np.array([0.999, 1.125, 1.25])
    infusion = ["iv-calcium@1:mmol=23.1,hours=3"]
    settings = {"packaged": {}, "no fast pool": {"bone_fast_ca_capacity": 0.0},
                "linear slow uptake": {"bone_surface_uptake_half": 1000.0}}
    runs = {name: h.simulate(times=times, interventions=infusion, start="steady", parameters=values)
            for name, values in settings.items()}
    pool, total = runs["packaged"]["ca_bone_fast"], runs["packaged"]["ca_total"]
    assert_allclose(pool[0], 11.0 * runs["packaged"]["ca_ionized"][0], rtol=1e-6)  # in equilibrium at rest
    assert 3.0 <= pool[1] - pool[0] <= 8.0  # mmol taken up during the infusion
    assert pool[2] < pool[1] - 0.3  # handed back as calcium falls
    assert 3.11 <= total[1] <= 3.31 < runs["no fast pool"]["ca_total"][1] - 0.2
    assert 2.78 <= total[2] <= 3.10
    assert runs["linear slow uptake"]["ca_total"][2] < total[2] - 0.08


# --- CYP27B1 integrates a PTH1R pulse (issue 13, mechanism 2) ------------------------------------

@pytest.fixture(scope="module")
def single_teriparatide():
    return h.simulate(days=3, step=1 / 24, interventions=["teriparatide@0:dose_ug=28.2,every_hours=672"])


def test_single_teriparatide_injection_raises_calcitriol_for_a_day(single_teriparatide):
    # teriparatide-2012 (Osteoporos Int, PMID 23093347): 1,25(OH)2D ~80 % above baseline after one
    # sc injection, while the peptide is gone within hours; the enzyme made during the pulse outlasts it
    run = single_teriparatide
    ratio = run["calcitriol"] / run["calcitriol"][0]
    assert_allclose(ratio[np.argmin(abs(run.times - 1.0))], 1.8, atol=0.3)
    assert ratio[np.argmin(abs(run.times - 0.25))] > 1.1  # rising within hours (6-h PTH(1-34) infusions)
    assert ratio[-1] < ratio[np.argmin(abs(run.times - 1.0))]  # and falling back once the enzyme turns over


def test_cyp27b1_pulse_term_leaves_sustained_pth_responses_alone():
    # the pulse term compares the signal with the one the tubule has adapted to: a lasting rise
    # keeps the steady-state drive (PHPT calcitriol 1.0-1.8x; Horwitz et al. 2011: unaltered over a
    # 7-day low-dose PTH(1-34) infusion), so switching it off changes neither
    off = {"hydroxylase_pulse_emax": 0.0}
    assert_allclose(h.steady_state("parathyroid-adenoma")["calcitriol"],
                    h.steady_state("parathyroid-adenoma", parameters=off)["calcitriol"], rtol=1e-6)
    infusion = ["pth-infusion@0:pmol_per_hour=140,hours=168,peptide=1-34"]
    on = h.simulate(days=7, step=1, interventions=infusion)
    without = h.simulate(days=7, step=1, interventions=infusion, parameters=off)
    assert on["calcitriol"][-1] / on["calcitriol"][0] <= 1.3
    assert_allclose(on["calcitriol"][-1], without["calcitriol"][-1], rtol=0.02)


def test_daily_teriparatide_wears_the_cyp27b1_pulse_induction_down():
    # Cosman et al. 2012 Bone 50:1368 (PMID 22426307): median 1,25(OH)2D +27 % at 1 month and +19 %
    # at 12 months of teriparatide 20 ug/day in women (men +22 %, +14 %), whereas one injection
    # raises it ~80 % a day later: the adapted PTH1R signal follows the daily peaks (slow release),
    # not their mean; with release = climb the pulse term keeps its single-injection size
    interventions = ["teriparatide@365:dose_ug=20,every_hours=24",
                     "calcium-supplement@0.5:dose_mg=1000,every_hours=24", "vitamin-d3@0:dose_iu_per_day=800"]
    times = np.array([0.0, 365.0, 395.0, 730.0])
    run = h.simulate(times=times, interventions=interventions, start="steady")
    rise = 100 * (run["calcitriol"][2:] / run["calcitriol"][1] - 1)
    assert_allclose(rise, [27.0, 19.0], atol=10.0)  # judged band: holds the men's medians and placebo drift
    symmetric = {"hydroxylase_pth_deadaptation_time": 6.0}
    run = h.simulate(times=times, interventions=interventions, start="steady", parameters=symmetric)
    assert run["calcitriol"][2] / run["calcitriol"][1] > 1.6


# passes since 2026-12-01 (eleventh session): +61.1 pmol/L with hydroxylase_time_constant 0.6 d and
# hydroxylase_mrna_half_life 1.5 h (+30.1 with 0.83 d and 3 h; history in the parameters' sources)
def test_pth_infusion_raises_calcitriol_within_six_hours_in_hypoparathyroidism():
    # McElduff, Lackmann & Wilkinson 1992 Calcif Tissue Int 51:121 (PMID 1422950, abstract): a 6-h
    # hPTH(1-34) infusion raised 1,25(OH)2D by at least 58 pmol/L in PTH-responsive hypoparathyroid
    # subjects; the dose is not in the abstract (ASSUMED 560 pmol/h, the Fraher 1999 rate)
    run = h.simulate(scenario="hypoparathyroidism", times=np.array([0.0, 0.25]), start="steady",
                     interventions=["pth-infusion@0:pmol_per_hour=560,hours=6,peptide=1-34"])
    assert run["calcitriol"][-1] - run["calcitriol"][0] >= 58


@pytest.mark.xfail(strict=True, reason="model: calcitriol 0.847x at 24 h of CaCO3 loading (0.606x at day 4; 0.871x / "
                                        "0.663x before the rise suppression of PTH release, 2026-12-01; measured "
                                        "0.548x within 18-24 h, band to 0.674; 0.908x with the former CYP27B1 lags 0.83 d / 3 h, "
                                        "0.938x with the former 15-h half-life): PTH is still 0.68x at 24 h, 8 h after a dose (the oral "
                                        "calcium PTH fall is two thirds of the measured one, tohme-1990 -47 vs -73 %) and the "
                                        "steady CYP27B1 drive falls only to ~0.6x; 0.842x with enzyme 0.4 d and mRNA 1.5 h, "
                                        "0.743x at every lag's lower bound (enzyme 0.1 d, mRNA 0.5 h, half-life 4 h)")
def test_calcitriol_falls_within_a_day_of_calcium_loading():
    # Adams, Gray & Lemann 1979 J Clin Endocrinol Metab 48:1008 (abstract): oral CaCO3 39-130 mmol/day;
    # serum calcium rose within 6 h, PTH fell promptly, plasma 1,25(OH)2D fell within 18-24 h from
    # 84 +/- 19 to 46 +/- 28 pmol/L (n = 32); band: 0.548 +/- 2 SEM of the ratio (atlas record)
    run = h.simulate(times=np.array([0.0, 1.0]), start="steady",
                     interventions=["calcium-supplement@0:dose_mg=1133,every_hours=8"])
    assert run["calcitriol"][-1] / run["calcitriol"][0] <= 0.674


# --- the parathyroid adenoma keeps a release calcium cannot suppress --------------------------

def adenoma_oral_calcium_pth_fall(parameters=None):
    """Percent change of PTH 3 h after 25 mg/kg (1750 mg) oral calcium in the adenoma steady state."""
    run = h.simulate(scenario="parathyroid-adenoma", times=np.array([0.0, 0.125]), start="steady",
                     interventions=["calcium-load@0:dose_mg=1750,salt=citrate"], parameters=parameters)
    return 100 * (run["pth"][-1] / run["pth"][0] - 1)


def test_adenoma_cells_are_suppressed_by_at_most_ninety_percent():
    # Brown et al. 1978 J Clin Endocrinol Metab 46:267: dispersed cells of most adenomas are
    # suppressed 52-90 % by high calcium (a third by less than half); the packaged minimum sits at
    # the 90 % end, so steady secretion (release / (release + degradation)) at saturating calcium
    # is 10 % of its value at maximal release, where the normal gland's falls to ~9 % (7 % until the
    # Brown minimum was raised 1.8 -> 2.2 /day with the rise suppression, 2026-12-01: its +0.20 clamp floor)
    values = h.ParameterSet.default()
    degradation, maximum = values["pth_gland_degradation_rate"], values["pth_release_max"]

    def secretion(release):
        return release / (release + degradation)

    assert_allclose(secretion(values["adenoma_release_min"]) / secretion(maximum), 0.10, atol=0.005)
    assert secretion(values["pth_release_min"]) / secretion(maximum) < 0.09


def test_adenoma_pth_falls_less_on_oral_calcium_for_its_non_suppressible_release():
    # Tohme et al. 1990: 25 mg/kg oral calcium lowers N-PTH by 21 +/- 4 % (SEM, n = 9) at 3 h in
    # PHPT; with the normal gland's minimum the adenoma fell 32.5 %, beyond 2 SEM
    packaged = adenoma_oral_calcium_pth_fall()
    assert_allclose(packaged, -21.0, atol=8.0)
    normal_minimum = adenoma_oral_calcium_pth_fall({"adenoma_release_min": 1.8})
    assert packaged > normal_minimum + 3.0


def test_parathyroid_vdr_signal_lags_plasma_calcitriol():
    # calcitriol suppresses PTH gene transcription over about a day (Silver et al. 1986 J Clin Invest
    # 78:1296), so the gland's VDR signal trails plasma calcitriol when calcium is clamped high and
    # calcitriol falls; every steady state is independent of the lag (parathyroid_vdr_time_constant)
    quick = {"parathyroid_vdr_time_constant": 0.1}
    assert_allclose(h.steady_state("healthy")["pth"], h.steady_state("healthy", parameters=quick)["pth"], rtol=1e-6)
    clamp = {"ca_clamp_rate": 5000.0, "ca_clamp_target": h.steady_state("healthy")["ca_ionized"] + 0.2}
    times = np.array([0.0, 0.5])
    lagged = h.simulate(times=times, parameters=clamp)
    instant = h.simulate(times=times, parameters={**clamp, **quick})
    assert lagged["calcitriol"][-1] < lagged["calcitriol"][0]
    assert lagged["pth"][-1] < instant["pth"][-1]


# --- the normal gland is suppressed steeply above the calcium it has adapted to --------------------

def oral_load_pth_ratio(parameters=None, scenario="healthy"):
    """PTH 3 h after 25 mg/kg (1750 mg) oral calcium citrate over its value at the dose."""
    run = h.simulate(scenario=scenario, times=np.array([0.0, 0.125]), start="steady", parameters=parameters,
                     interventions=["calcium-load@0:dose_mg=1750,salt=citrate"])
    return run["pth"][-1] / run["pth"][0]


def test_rising_calcium_suppression_leaves_every_steady_state_unchanged():
    # the threshold is the adapted (slow-trace) calcium or normal, whichever is higher: a steady state,
    # hypercalcaemic (adenoma) or hypocalcaemic (kidney failure), has no rise above it
    for scenario, settings in (("healthy", {}), ("parathyroid-adenoma", {}), ("healthy", {"gfr": 10})):
        on = h.simulate(scenario=scenario, times=np.array([0.0, 0.01]), start="steady", parameters=settings)
        off = h.simulate(scenario=scenario, times=np.array([0.0, 0.01]), start="steady",
                         parameters={**settings, "pth_release_rise_suppression": 0})
        assert_allclose(on["pth"][0], off["pth"][0], rtol=1e-6)
        assert_allclose(on["ca_ionized"][0], off["ca_ionized"][0], rtol=1e-6)


def test_oral_calcium_lowers_pth_more_with_the_rise_suppression():
    # Tohme et al. 1990 (N-terminal PTH -73 +/- 6 % at 3 h) and PMID 2174192 (intact PTH -75 % for an
    # ionized rise of +0.07 mmol/L); the Brown curve alone gives -35 %, the packaged rise suppression
    # about -47 % (its calcium rise is smaller: the bone surface takes up more calcium as PTH falls)
    off = oral_load_pth_ratio({"pth_release_rise_suppression": 0})
    on = oral_load_pth_ratio()
    assert 0.60 <= off <= 0.70
    assert 0.45 <= on <= 0.58
    assert on < off - 0.08


def test_adenoma_oral_calcium_fall_is_not_changed_by_the_rise_suppression():
    # the adenoma keeps its own flat curve (tohme-1990 PHPT arm: -21 +/- 4 %)
    on = oral_load_pth_ratio(scenario="parathyroid-adenoma")
    off = oral_load_pth_ratio({"pth_release_rise_suppression": 0}, scenario="parathyroid-adenoma")
    assert_allclose(on, off, atol=0.03)
