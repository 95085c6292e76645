"""Bone remodelling and the bone drugs against published human numbers (issue 14).

Each test names its source; tolerances say how close the model must come. The runs are
months to years of simulated time but take a second or two each (the compiled model).
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import homeostasis as h
from homeostasis.model.bone import BONE_STATES
from homeostasis.model.drugs import DRUG_STATES

BMD = ("bmd_lumbar_spine", "bmd_total_hip", "bmd_femoral_neck", "bmd_radius", "bmd_total_body")
MG_DL_PER_MMOL_L = 4.008  # calcium


def value_at(result, name, day):
    return float(np.interp(day, result.times, result[name]))


# --- the healthy state and the observables --------------------------------------------------

def test_bone_states_are_an_exact_steady_state_in_health(compiled, reference, scale, parameters):
    rates = compiled.rhs(0.0, reference, parameters.vector)
    for state in BONE_STATES + DRUG_STATES:
        i = compiled.state_names.index(state.name)
        assert_allclose(rates[i] / scale[i], 0.0, atol=1e-12, err_msg=state.name)


@pytest.mark.parametrize("scenario", ["healthy", "parathyroid-adenoma"])
def test_bmd_observables_are_zero_and_markers_defined_at_the_start(scenario):
    run = h.simulate(scenario, days=1, start="steady")
    for name in BMD:
        assert_allclose(run[name][0], 0.0, atol=1e-9, err_msg=name)
    if scenario == "healthy":
        assert_allclose([run["ctx"][0], run["p1np"][0]], 100.0, rtol=1e-9)


def test_five_healthy_years_leave_bone_density_unchanged():
    run = h.simulate(days=5 * 365, times=np.linspace(0, 5 * 365, 11))
    for name in BMD:
        assert_allclose(run[name], 0.0, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("scenario", ["healthy", "parathyroid-adenoma", "ckd"])
def test_modelling_based_formation_is_absent_in_any_lasting_state(scenario):
    # modelling-based formation answers a PTH1R pulse or a new rise of Wnt signalling only: in a
    # clinical steady state (low sclerostin in PHPT, high in CKD) the lining cells have adapted
    run = h.simulate(scenario, days=1, start="steady")
    assert_allclose(run["modelling_osteoblasts"][0], 0.0, atol=1e-9)
    assert run["wnt_signal_adapted"][0] > 0


# --- PTH: intermittent builds bone, continuous destroys it ---------------------------------

@pytest.fixture(scope="module")
def teriparatide():
    return h.simulate(days=639, times=np.linspace(0, 639, 640), interventions=["teriparatide@0:dose_ug=20"])


def test_daily_teriparatide_builds_spine_bone_like_neer_2001(teriparatide):
    # Neer et al. 2001 N Engl J Med 344:1434: +9 % (spine) and +3 % (femoral neck) vs placebo at
    # a median 21 months on 20 ug/day
    assert_allclose(teriparatide["bmd_lumbar_spine"][-1], 9.0, atol=3.0)
    assert 0.5 < teriparatide["bmd_femoral_neck"][-1] < teriparatide["bmd_lumbar_spine"][-1]
    # formation rises before resorption (anabolic window): P1NP up more than CTX at 6 months
    assert value_at(teriparatide, "p1np", 182) > value_at(teriparatide, "ctx", 182) > 100


def test_continuous_pth_of_the_same_daily_amount_loses_bone():
    # the teriparatide daily dose (20 ug = 4857 pmol, 95 % bioavailable) infused continuously:
    # sustained PTH1R signalling raises resorption and arrests formation (Horwitz et al. 2011;
    # Frolik et al. 2003): the skeleton as a whole and its cortical sites lose bone (trabecular bone is
    # spared, as in PHPT: Rubin et al. 2008) while the daily injection builds the spine
    per_hour = 4857 * 0.95 / 24
    continuous = h.simulate(days=365, times=np.linspace(0, 365, 366),
                            interventions=[f"pth-infusion@0:pmol_per_hour={per_hour},hours={365 * 24}"])
    pulsed = h.simulate(days=365, times=np.linspace(0, 365, 366), interventions=["teriparatide@0:dose_ug=20"])
    assert continuous["bmd_total_body"][-1] < 0 < pulsed["bmd_total_body"][-1]
    assert continuous["bmd_radius"][-1] < 0
    assert pulsed["bmd_lumbar_spine"][-1] > continuous["bmd_lumbar_spine"][-1] + 3.0
    assert continuous["ctx"][-1] > 100
    # the day-long PTH1R floor that drives the radius porosity rises under the infusion, not the pulses
    assert continuous["pth_signal_floor"][-1] > pulsed["pth_signal_floor"][-1] + 0.1


def test_continuous_pth_suppresses_formation_in_the_first_week():
    # Horwitz et al. 2011 J Bone Miner Res 26:2287: formation markers -30 to -40 % over 7 days of
    # PTH(1-34) 2 pmol/kg/h while resorption rises, and formation rebounds once the infusion stops:
    # the exposure duty (time above the settled signal) arrests osteoblast maturation
    run = h.simulate(days=10, times=np.linspace(0, 10, 11),
                     interventions=["pth-infusion@0:pmol_per_hour=140,hours=168,peptide=1-34"])
    assert 60 < value_at(run, "p1np", 7) < 70 and value_at(run, "ctx", 7) > 105
    assert value_at(run, "p1np", 10) > value_at(run, "p1np", 7) + 8  # formation recovers within days


def test_daily_injection_does_not_arrest_formation_where_the_same_dose_infused_does():
    # Frolik et al. 2003 Bone 33:372 (the duration of each day's exposure, not its peak or area,
    # decides between anabolic and catabolic) and Hodsman et al. 1993 J Clin Invest 91:1138
    # (formation markers fell during a 24-h PTH(1-34) infusion, rose > 100 % on daily injections)
    per_hour = 4857 * 0.95 / 24
    pulsed = h.simulate(days=14, times=np.linspace(0, 14, 14 * 48 + 1), interventions=["teriparatide@0:dose_ug=20"])
    continuous = h.simulate(days=14, times=np.linspace(0, 14, 15),
                            interventions=[f"pth-infusion@0:pmol_per_hour={per_hour},hours={14 * 24},peptide=1-34"])
    # at day 7 (Horwitz 2011's week); over the second week the lineage settles to the infusion and
    # the duty eases (0.98 at day 7, 0.78 at day 14 since infused PTH(1-34) enters the teriparatide pool)
    assert pulsed["pth_exposure_duty"].max() < 0.3 < 0.8 < continuous["pth_exposure_duty"][7]
    assert pulsed["osteoblast_matrix_synthesis"].min() > 0.95 > 0.8 > continuous["osteoblast_matrix_synthesis"][7]


def test_formation_arrest_fades_in_lasting_hyperparathyroidism():
    # the arrest follows a rise of the PTH1R signal above the one the lineage has settled to, so
    # chronic primary hyperparathyroidism keeps formation raised with resorption (Rubin et al.
    # 2008; Horwitz et al. 2005: osteoblast activity increased in HPT)
    phpt = h.steady_state("parathyroid-adenoma")
    assert phpt["p1np"] > 115 and phpt["ctx"] > 115


# --- denosumab -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def denosumab_stopped():
    """Four doses (24 months of treatment), then 30 months off (Bone et al. 2011)."""
    return h.simulate(days=1461, times=np.linspace(0, 1461, 1462),
                      interventions=["denosumab@0:dose_mg=60,every_days=182,days=550"])


def test_denosumab_suppresses_ctx_like_freedom(denosumab_stopped):
    # Prolia label (clinical pharmacology 12.2): CTX about 85 % lower by day 3, the largest fall by
    # 1 month (below the assay's limit of quantitation in 39-68 % of women at 1-3 months); Cummings et
    # al. 2009 N Engl J Med 361:756: CTX -86 % at 1 month, -72 % at 6 months. RANKL blockade idles
    # the osteoclasts present within days (osteoclast_rank_activity), not only as they die
    assert_allclose(value_at(denosumab_stopped, "ctx", 3), 15, atol=10)
    assert value_at(denosumab_stopped, "ctx", 30) < 14 + 10  # at least FREEDOM's month-1 fall (model -97 %)
    assert_allclose(value_at(denosumab_stopped, "ctx", 181), 28, atol=25)


def resorption_per_osteoclast(run, day):
    """CTX per osteoclast relative to healthy (the RANK-kept activity times any PTH activation)."""
    return value_at(run, "ctx", day) / (100 * value_at(run, "osteoclasts", day))


def test_rankl_blockade_idles_osteoclasts_but_calcium_loading_does_not():
    # RANKL is essential for osteoclast function and survival, not only formation (Prolia label 12.1):
    # near-complete blockade idles the osteoclasts present within days (CTX ~85 % lower by day 3),
    # while the mild RANKL fall of a year of 1 g/day calcium (PTH lower) leaves each one resorbing.
    # Compared with the same run without the RANK-kept activity (floor 1), which isolates it from the
    # PTH-driven cortical factor and the mineral held
    def per_osteoclast(interventions, days, **parameters):
        run = h.simulate(days=days, times=np.linspace(0, days, 13), interventions=interventions,
                         parameters=parameters or None)
        return resorption_per_osteoclast(run, days), value_at(run, "osteoclasts", days)

    blocked = ["denosumab@0:dose_mg=60"]
    loaded = ["calcium-supplement@0:dose_mg=1000,every_hours=24"]
    (idled, osteoclasts), (whole, _) = per_osteoclast(blocked, 3), per_osteoclast(blocked, 3, osteoclast_rank_activity_floor=1)
    assert idled / whole < 0.25 and osteoclasts > 0.7
    (kept, _), (reference, _) = per_osteoclast(loaded, 365), per_osteoclast(loaded, 365, osteoclast_rank_activity_floor=1)
    assert_allclose(kept / reference, 1.0, atol=0.01)


def test_denosumab_lowers_calcium_and_raises_pth_in_the_first_month(denosumab_stopped):
    run = denosumab_stopped
    first_month = run.times <= 30
    assert run["ca_total"][first_month].min() < run["ca_total"][0]
    assert run["pth"][first_month].max() > 1.2 * run["pth"][0]


def test_denosumab_formation_holds_for_weeks_then_falls(denosumab_stopped):
    # Nakamura et al. 2017 Bone Res 5:17021 (denosumab alone, 18 patients): resorption markers lower
    # from 1 week, bone alkaline phosphatase only from 2 months (atlas record
    # nakamura-2017-denosumab-formation-marker-month-1, +-15 % a judgement). The osteoblasts already
    # recruited finish their formation period (~3 months, Parfitt 1994; osteoblast_time_constant), and
    # the secondary PTH rise that defends the falling calcium does not arrest them (calcium gate on the
    # exposure duty; the infusion of Horwitz et al. 2011, with calcium raised, still does). Measured
    # 2026-12-01: P1NP 93.8 / 85.8 / 38.7 % at day 7 / 30 / 91, matrix synthesis per osteoblast >= 0.996
    run = denosumab_stopped
    assert_allclose([value_at(run, "p1np", 7), value_at(run, "p1np", 30)], 100.0, atol=15.0)
    assert value_at(run, "p1np", 91) < 60
    assert run["osteoblast_matrix_synthesis"][run.times <= 60].min() > 0.98


def test_calcium_gate_off_lets_the_secondary_pth_rise_arrest_formation():
    # pth_arrest_calcium_weight 0 restores the ungated arrest (main 4046032 with pth_arrest_half 1.2:
    # P1NP -37 % at day 7, matrix synthesis per osteoblast 0.66); the gate itself is 0.88 for the
    # +4 % ionized calcium of a PTH(1-34) infusion and 0.05 for the -6 % of denosumab (Hill 50)
    gated = h.simulate(times=np.linspace(0, 7, 8), interventions=["denosumab@0:dose_mg=60"])
    ungated = h.simulate(times=np.linspace(0, 7, 8), interventions=["denosumab@0:dose_mg=60"],
                         parameters={"pth_arrest_calcium_weight": 0.0, "pth_arrest_half": 1.2})
    assert gated["osteoblast_matrix_synthesis"][-1] > 0.98 > 0.8 > ungated["osteoblast_matrix_synthesis"][-1]
    assert_allclose(ungated["p1np"][-1], 63.0, atol=3.0)


def first_week_share_of_the_fall(run, start_day):
    """Share of the largest calcium fall of the first dosing interval reached 7 days after the dose."""
    start = value_at(run, "ca_total", start_day)
    interval = (run.times >= start_day) & (run.times <= start_day + 182)
    return (start - value_at(run, "ca_total", start_day + 7)) / (start - run["ca_total"][interval].min())


@pytest.mark.xfail(strict=True, reason="model (no supplements, 2026-12-01 s10-formation): calcium -0.143 mmol/L at day 7, "
                                        "nadir -0.206 at day 46 (share of the fall by day 7 0.69, PTH peak 1.96x): "
                                        "since the secondary PTH rise no longer arrests formation (calcium gate, "
                                        "pth_arrest_calcium_weight 1; P1NP -6 / -14 % at day 7 / 30 as published), "
                                        "the osteoblasts recruited before the dose keep laying down matrix for weeks "
                                        "and mineralising it, so bone takes up calcium until day ~45. Before: -0.136 "
                                        "at day 7, nadir -0.153 at day 25 (share 0.89), P1NP -37 / -46 %, the arrest "
                                        "(a PTH-infusion mechanism) having stopped formation. What the published course "
                                        "asks for (formation held, calcium back up after day 7) is a fall of the "
                                        "calcium taken into bone between day 7 and 30 while matrix synthesis holds "
                                        "(docs/validation.md, s10-bonecalcium and s10-formation)")
def test_denosumab_lowers_calcium_within_the_first_week(denosumab_stopped):
    # the calcium nadir comes about 10 days after a dose in people with normal kidney function (Prolia
    # label, as quoted by Medscape; Miyaoka et al. 2018 Osteoporos Int: corrected calcium lowest at day 7
    # in 77 osteoporotic patients): most of the fall is there within a week, as resorption stops within
    # days. Measured: unsupplemented -0.136 mmol/L at day 7, nadir -0.153 at day 25 (share 0.89; 0.35
    # before osteoclast_rank_activity, nadir -0.146 at day 83). The model's nadir still comes late: the
    # calcium stays near it while the osteoblasts already recruited refill the remodelling space
    run = denosumab_stopped
    assert first_week_share_of_the_fall(run, 0) > 0.8
    assert run["ca_total"][run.times <= 182].min() > run["ca_total"][0] - 0.2


def test_denosumab_calcium_defence_is_mostly_in_place_within_a_week(denosumab_stopped):
    # the gut and kidney answer to the resorption block (PTH -> calcitriol -> absorption, PTH -> distal
    # reabsorption) is as fast as after a cut in dietary calcium (1-2 weeks: Dawson-Hughes et al. 1993,
    # tests/test_physiology.py), so what keeps the model's nadir late is the bone side, not the
    # defence. Measured 2026-12-01 (tenth session): at day 7 net absorption +1.67 and urine -2.02
    # mmol/day, 85 % and 91 % of their change at day 28 (+1.96, -2.22), while the bone's net uptake
    # (formation - resorption) grows from 4.05 to 4.19 mmol/day as the idled osteoclasts die
    run = denosumab_stopped
    change = {name: value_at(run, name, 7) - run[name][0] for name in ("gut_ca_absorption", "urine_ca")}
    month = {name: value_at(run, name, 28) - run[name][0] for name in ("gut_ca_absorption", "urine_ca")}
    assert all(change[name] / month[name] > 0.75 for name in change)


FREEDOM_SUPPLEMENTS = ["calcium-supplement@0:dose_mg=1000,every_hours=24", "vitamin-d3@0:dose_iu_per_day=400"]


FREEDOM_RUN_IN = 365


@pytest.fixture(scope="module")
def denosumab_supplemented():
    """A first dose after a year on the FREEDOM supplements, followed for one dosing interval."""
    days = FREEDOM_RUN_IN + 182
    return h.simulate(days=days, times=np.linspace(0, days, 4 * days + 1),
                      interventions=[f"denosumab@{FREEDOM_RUN_IN}:dose_mg=60,every_days=182", *FREEDOM_SUPPLEMENTS])


def test_freedom_supplements_soften_the_denosumab_calcium_fall(denosumab_stopped, denosumab_supplemented):
    # FREEDOM (Cummings et al. 2009) gave >= 1000 mg calcium and >= 400 IU vitamin D daily, as the
    # atlas records do (a 365-day run-in on them, the first dose at day 365). Measured: the fall is
    # -0.104 mmol/L at day 7 and the nadir -0.121 mmol/L at day ~26 (without them -0.136 and -0.153 at
    # day 25); PTH peaks at 1.57x its supplemented baseline (1.71x without)
    run_in, run = FREEDOM_RUN_IN, denosumab_supplemented
    treated = run.times >= run_in
    start, pth_start = value_at(run, "ca_total", run_in), value_at(run, "pth", run_in)
    fall = start - run["ca_total"][treated].min()
    unsupplemented = denosumab_stopped["ca_total"][0] - denosumab_stopped["ca_total"][denosumab_stopped.times <= 182].min()
    assert first_week_share_of_the_fall(run, run_in) > 0.8
    assert_allclose(fall, 0.12, atol=0.04)
    assert fall < unsupplemented - 0.015
    assert 1.2 < run["pth"][treated].max() / pth_start < denosumab_stopped["pth"][:183].max() / denosumab_stopped["pth"][0]


@pytest.mark.xfail(strict=True, reason="model 2026-12-01 (s10-formation, calcium-gated maturation arrest): calcium "
                                        "-0.083/-0.106/-0.113/-0.118/-0.124 mmol/L at day 3/7/10/14/28, nadir -0.124 at "
                                        "day 29, PTH peak 1.59x at day 30, P1NP -4/-17/-60 % at day 7/30/91. Before, "
                                        "model (FREEDOM supplements, dose after a 365-day run-in): calcium "
                                        "-0.085/-0.108/-0.113/-0.117/-0.121 mmol/L at day 3/7/10/14/28, nadir -0.121 "
                                        "at day 26 and PTH peak 1.57x at day 26 (calcitriol 1.31x at day 7, 1.37x at "
                                        "day 28): a plateau from day 10 (0.008 mmol/L lower at day 26), no recovery. "
                                        "Bone calcium uptake (formation - resorption) 4.89 mmol/day at day 7, 5.28 at "
                                        "day 21-28 (the idled osteoclasts' residual resorption 0.68 -> 0.20 as they "
                                        "die; formation 5.57 -> 5.48), gut absorption 7.65 -> 8.11, urine 4.85 -> "
                                        "4.60. Measured 2026-11-30, nadir still on day 19-32: "
                                        "mineralisation lags 10/5 and 40 days, mineralisation Hill 8, half ratio "
                                        "0.96, osteoblast lifetime 30 d, precursor residence 10 d, secondary "
                                        "mineralisation 500 d, primary fraction 0.5, osteoclast lifetime 20 d, "
                                        "activity floor 0.2, denosumab IC50 x5-x125 (x125: day 19, CTX back to -30 % by day 28). Only osteoblast lifetime 20 d "
                                        "with precursors 5 d gives a day-10-13 nadir, at P1NP -63 % by day 14 "
                                        "(published P1NP falls only from month 2: Nakamura et al. 2015; bone alkaline phosphatase likewise, Nakamura et al. 2017 Bone Res 5:17021). Measured "
                                        "2026-11-30 (s11): osteoid mineralisation led by the osteoblasts' apposition "
                                        "(rate ~ osteoid^a x matrix^(1-a) x Ca.Pi supply; a = 0.5 / 0.2) nadir -0.116 "
                                        "day 25 / -0.112 day 23, with activity floor 0.05 as well -0.114 day 21 (CTX "
                                        "day 3 -91 %); a = 0 fails to integrate (cortical osteoid -> 0). Tenth session "
                                        "(s10-bonecalcium): the defence is not slow (gut and urine 85 / 91 % of their "
                                        "day-28 change by day 7); nadir day with gut_vdr_time_constant 5: 11, PTH peak 12 "
                                        "(passes) but atlas 87/123 (bolscher-2000 lost); 3: 26; osteoclast lifetime 30 d: "
                                        "30 (atlas 87, barger-lux-1998 lost), with mineralisation lags 10/5: 25; "
                                        "tgfb_osteoclast_apoptosis_exponent 2: 26; mineralization_hill 1.5: 21 (fall "
                                        "0.132); the s9-calcitriol2 hydroxylase candidate: 26 (fall 0.115); "
                                        "pth_arrest_time 365 / 3: 27 / 29")
def test_denosumab_calcium_nadir_and_pth_peak_come_within_two_weeks(denosumab_supplemented):
    # The calcium nadir comes about 10 days after a dose (Prolia label as quoted by Medscape; Miyaoka
    # et al. 2018 Osteoporos Int: corrected calcium lowest at day 7 in 77 patients); PTH and
    # 1,25(OH)2D were significantly higher at 1 week and fell gradually thereafter (Nakamura et al. 2015
    # BMC Endocr Disord, doi 10.1186/s12902-015-0077-3, abstract: 11 women on denosumab alone), while
    # P1NP was lower only at 2 and 4 months. Calcium was still lower at 1 month and back at baseline
    # at 6 months (Makras et al. 2013 Clin Endocrinol 79:499, abstract; PTH +63.5 +/- 28.2 % at
    # month 1 on 1 g calcium and 800 IU D3). No day-by-day values were read, so the test asks only for
    # the timing: the lowest calcium and the highest PTH of the first 60 days within 14 days of the dose
    run = denosumab_supplemented
    window = (run.times >= FREEDOM_RUN_IN) & (run.times <= FREEDOM_RUN_IN + 60)
    days = run.times[window] - FREEDOM_RUN_IN
    assert days[np.argmin(run["ca_total"][window])] <= 14
    assert days[np.argmax(run["pth"][window])] <= 14


def test_healthy_turnover_by_compartment_follows_histomorphometry():
    # Parfitt 1983; Recker et al. 2004 J Bone Miner Res 19:1628: cancellous bone remodels ~20-35 %
    # a year in adults (postmenopausal women at the top), cortical bone a few per cent, the whole
    # skeleton ~10 %
    p = h.ParameterSet.default()
    per_year = 365 * p["reference_bone_turnover_ca"] / p["reference_bone_mineral_ca"]
    trabecular = per_year * p["trabecular_turnover_share"] / p["trabecular_mineral_fraction"]
    cortical = per_year * (1 - p["trabecular_turnover_share"]) / (1 - p["trabecular_mineral_fraction"])
    assert 0.2 <= trabecular <= 0.35 and 0.02 <= cortical <= 0.08 and 0.07 <= per_year <= 0.13


def test_stopping_denosumab_gives_a_resorption_rebound_and_bone_loss(denosumab_stopped):
    # Bone et al. 2011 J Clin Endocrinol Metab 96:972: turnover above baseline within months of
    # stopping; BMD falls back towards baseline within a year
    run = denosumab_stopped
    off = run.times > 546 + 182
    assert run["ctx"][off].max() > 110
    peak = value_at(run, "bmd_lumbar_spine", 546 + 182)
    assert run["bmd_lumbar_spine"][-1] < peak - 2.0


# --- bisphosphonates -----------------------------------------------------------------------------

def test_zoledronate_gives_a_small_transient_fall_of_calcium():
    # Black et al. 2007 N Engl J Med 356:1809 (HORIZON): calcium measured 9-11 days after the
    # infusion fell a little (values < 2.075 mmol/L in a few per cent of women)
    run = h.simulate(days=60, times=np.linspace(0, 60, 241), interventions=["zoledronate@0:dose_mg=5"])
    fall = run["ca_total"][0] - value_at(run, "ca_total", 10)
    assert 0.01 < fall < 0.2
    assert value_at(run, "ctx", 30) < 70


def test_zoledronate_yearly_bmd_like_horizon():
    # Black et al. 2007: +6.71 % spine, +6.02 % total hip vs placebo at 36 months; CTX -59 % at 12 months
    run = h.simulate(days=1095, times=np.linspace(0, 1095, 366),
                     interventions=["zoledronate@0", "zoledronate@365", "zoledronate@730"])
    assert_allclose(run["bmd_lumbar_spine"][-1], 6.71, atol=2.5)
    assert_allclose(run["bmd_total_hip"][-1], 6.02, atol=2.5)
    assert_allclose(value_at(run, "ctx", 364), 41, atol=20)


def single_zoledronate_ctx(dose_mg):
    """CTX (per cent of baseline) at 1 and 5 years after one infusion."""
    run = h.simulate(times=np.array([0.0, 365, 1826]), interventions=[f"zoledronate@0:dose_mg={dose_mg}"])
    return run["ctx"][1], run["ctx"][2]


def test_single_zoledronate_suppression_is_near_maximal_at_low_dose_and_wanes_sooner():
    # J Clin Endocrinol Metab 2012 97:286 (PMID 22072741, abstract): beta-CTX and P1NP at least 40 %
    # below placebo through the first year after each of 1, 2.5 and 5 mg, with a dose trend; after one
    # 5 mg infusion beta-CTX was still 48 % below placebo at 5 years (Grey et al., BoneKEy Watch doi
    # 10.1038/bonekey.2012.123); BMD stayed above baseline 2-3 years after 1 mg and at least 5 years
    # after 5 mg (Grey et al. 2017 CMAJ). Surface drug is buried by formation
    # (bisphosphonate_burial_time), so the small dose wanes first. Measured: CTX 54.9 / 73.6 % (1 mg),
    # 43.8 / 50.5 % (5 mg) of baseline at 1 / 5 years
    low_1, low_5 = single_zoledronate_ctx(1)
    high_1, high_5 = single_zoledronate_ctx(5)
    assert low_1 < 60 and high_1 < low_1
    assert_allclose(high_5, 52, atol=8)
    assert low_5 - low_1 > 2 * (high_5 - high_1)


def test_weekly_alendronate_lowers_ctx_and_raises_bmd():
    # Schnitzer et al. 2000 Aging 12:1: 70 mg weekly, spine BMD +5.1 % at 12 months, markers
    # -50 to -70 %
    run = h.simulate(days=365, times=np.linspace(0, 365, 366), interventions=["alendronate@0:dose_mg=70,every_days=7"])
    assert_allclose(run["bmd_lumbar_spine"][-1], 5.1, atol=2.5)
    assert 25 < value_at(run, "ctx", 182) < 60


# --- primary hyperparathyroidism by site --------------------------------------------------------

def test_phpt_loses_cortical_more_than_trabecular_bone():
    # Rubin et al. 2008 J Clin Endocrinol Metab 93:3462: over 15 years the spine was stable while
    # the femoral neck (-10 %) and the distal radius (-35 %) lost bone
    run = h.simulate("parathyroid-adenoma", days=15 * 365, times=np.linspace(0, 15 * 365, 16), start="steady")
    spine, neck, radius = (run[name][-1] for name in ("bmd_lumbar_spine", "bmd_femoral_neck", "bmd_radius"))
    assert radius < neck < spine
    assert abs(spine) < 8.0 and neck < -4.0
    # the distal radius has a cortex of its own, with the extra resorption of its porous
    # endocortical envelope: it loses more than the femoral neck's share of the cortical
    # compartment gives (model -35.2 % against -27.4 % when the sites shared one cortex). With less
    # whole-skeleton cortical resorption (cortical_pth_resorption_emax 3.4 -> 2.8) the neck loses
    # -14.3 % (was -15.2) and the ratio is 2.44 (was 2.28; people 3.5, which block-2004 does not allow)
    assert_allclose(radius, -35.0, atol=2.5 * 2)  # 2 SEM of the published -35 +/- 5 %
    assert_allclose(neck, -10.0, atol=3.0 * 2)  # 2 SEM of the published -10 +/- 3 %
    assert radius / neck > 2.35


def ckd_year(relief):
    return h.simulate("ckd", days=365, times=[0.0, 365.0], start="steady",
                      parameters={"gfr_final": 30, "cortical_uraemic_resistance_relief": relief})


def test_cortical_uraemic_relief_is_neutral_in_health_and_phpt():
    # the relief scales the cortical signal by the uraemic responsiveness, which is 1 at the healthy GFR
    for scenario in ("healthy", "parathyroid-adenoma"):
        runs = [h.simulate(scenario, days=365, times=[0.0, 365.0], start="steady",
                           parameters={"cortical_uraemic_resistance_relief": relief}) for relief in (0.0, 1.0)]
        for name in ("bmd_radius", "bmd_total_hip", "pth"):
            assert_allclose(runs[1][name], runs[0][name], rtol=1e-6, atol=1e-9, err_msg=f"{scenario} {name}")


def test_cortex_escaping_the_uraemic_resistance_loses_bone_in_ckd_like_nickolas_2013():
    # Nickolas et al. 2013 J Bone Miner Res 28:1811 (CKD 2-5D): total hip -1.3 %/year (95 % CI -2.1 to
    # -0.6), ultradistal radius -2.4 %/year (-4.0 to -0.9). Off by default (it loses kendrick-2012
    # and elias-2018, see cortical_uraemic_resistance_relief); measured at relief 1: hip -1.31 %,
    # radius -2.11 %, PTH 7.5 pmol/L (9.9 at relief 0)
    run = ckd_year(1.0)
    assert -2.1 < run["bmd_total_hip"][-1] < -0.6
    assert -4.0 < run["bmd_radius"][-1] < -0.9
    assert_allclose(run["bmd_radius"][-1], -2.11, atol=0.3)


@pytest.mark.xfail(strict=True, reason="model (default, relief 0): CKD GFR 30 gains bone in a year, hip +0.17 %, "
                                       "radius +0.74 % (Nickolas et al. 2013: -1.3 and -2.4 %/year); the uraemic PTH1R "
                                       "resistance holds the cortical signal at 0.75 of healthy at PTH 9.9 pmol/L")
def test_ckd_loses_radius_bone_at_the_default():
    assert ckd_year(0.0)["bmd_radius"][-1] < -0.9


def test_parathyroidectomy_restores_the_radius_cortex():
    # Cusano et al. 2018 J Clin Endocrinol Metab 103:196: radial cortical thickness and density rise
    # after parathyroidectomy; the radius cortex follows the cortical compartment back up
    run = h.simulate("parathyroid-adenoma", days=365, times=np.linspace(0, 365, 13),
                     interventions=["parathyroidectomy@0"], start="steady")
    assert run["radius_cortical_bone"][-1] > run["radius_cortical_bone"][0]
    assert run["bmd_radius"][-1] > 0


def test_parathyroidectomy_regains_bone():
    # Koumakis et al. 2013 J Clin Endocrinol Metab: spine +4.0 +/- 3.8 % (SD), hip +3.2 +/- 4.2 % one
    # year after surgery for hypercalcaemic PHPT
    run = h.simulate("parathyroid-adenoma", days=365, times=np.linspace(0, 365, 366),
                     interventions=["parathyroidectomy@0"], start="steady")
    assert run["bmd_lumbar_spine"][-1] > 0.5 and run["bmd_total_hip"][-1] > 0.5
    assert value_at(run, "ctx", 60) < run["ctx"][0]


def test_every_bone_drug_runs_from_its_catalogue_defaults():
    for drug in ("teriparatide", "abaloparatide", "pth-1-84", "denosumab", "romosozumab", "zoledronate",
                 "alendronate"):
        run = h.simulate(days=60, times=np.linspace(0, 60, 61), interventions=[f"{drug}@0"])
        assert np.all(np.isfinite(run["ctx"])), drug
        assert run["ca_total"].min() > 1.8, drug


# --- modelling-based formation: the anabolic drugs form bone without prior resorption ----------

@pytest.fixture(scope="module")
def romosozumab():
    return h.simulate(days=366, times=np.linspace(0, 366, 367), start="steady",
                      interventions=["romosozumab@0:dose_mg=210,every_days=30"])


def test_romosozumab_raises_formation_while_resorption_falls(romosozumab):
    # McClung et al. 2014 N Engl J Med 370:412 (P1NP about +150 % at 1 month, CTX down) and the FRAME
    # month-2 biopsies (Chavassieux et al. 2019: mineralising surface 5.64 vs 2.31 %, eroded surface lower)
    assert_allclose(value_at(romosozumab, "p1np", 30), 250.0, atol=50.0)
    assert value_at(romosozumab, "ctx", 30) < 80 and value_at(romosozumab, "ctx", 14) < 50
    assert value_at(romosozumab, "modelling_osteoblasts", 30) > 1


def test_romosozumab_formation_response_wanes_under_continued_dosing(romosozumab):
    # P1NP back at or below baseline from about month 7 of monthly dosing; cancellous formation below
    # placebo at month 12 (Chavassieux et al. 2019)
    assert value_at(romosozumab, "p1np", 274) < 115
    assert value_at(romosozumab, "p1np", 365) < 100
    assert value_at(romosozumab, "bmd_lumbar_spine", 365) > value_at(romosozumab, "bmd_total_hip", 365) > 0


@pytest.mark.xfail(strict=True, reason="model 2026-12-01 (s10-formation, calcium-gated maturation arrest, "
                                        "modelling_wnt_emax 2.2): -0.102/-0.144/-0.175/-0.260/-0.227/-0.210 mmol/L at "
                                        "day 7/14/30/45/60/90, PTH 1.45/1.66/1.80/2.17/2.06/2.00x. Before, "
                                        "model (no supplements): total calcium -0.112/-0.148/-0.173/-0.257/-0.225/"
                                        "-0.220 mmol/L at day 7/14/30/45/60/90 (-10.7 % at day 45), PTH 1.51/1.68/1.80/"
                                        "2.17/2.05/2.05x; with 1 g calcium + 800 IU D3 -0.175/-0.231/-0.218 at day 30/45/60. "
                                        "Days 0-14 are the antiresorptive arm (resorption -4.7 mmol/day, mineral formation "
                                        "below baseline; modelling_wnt_emax 0: -0.094/-0.100 at day 7/14); from week 3 the "
                                        "modelling-based mineral (+2.2/+4.2/+5.0 mmol/day at day 30/60/90), met by urine "
                                        "-2.3/-2.7/-2.7 and absorption +2.1/+2.5/+2.5 mmol/day: the weak renal PTH gain of "
                                        "the diet xfails. Not the osteoid: trabecular lag 42 d -0.142/-0.214/-0.181 at day "
                                        "30/45/60, cortical lag 21 d -0.165/-0.247/-0.216, primary fraction 0.5 "
                                        "-0.158/-0.234/-0.199")
def test_romosozumab_lowers_calcium_by_a_few_percent_at_most(romosozumab):
    # the largest fall of serum corrected calcium over 12 months of romosozumab was 3.7 % (at month
    # 12; prospective cohort, PMC8085670 abstract), and on the Evenity label (FRAME + ARCH) calcium
    # fell below 8.3 mg/dL as often as on the control drug (0.2 %), nadir by month 1
    first_quarter = romosozumab.times <= 90
    fall = romosozumab["ca_total"][0] - romosozumab["ca_total"][first_quarter].min()
    assert fall <= 0.037 * romosozumab["ca_total"][0]


def test_teriparatide_raises_p1np_within_the_first_month(teriparatide):
    # formation markers rise within weeks of daily teriparatide, before resorption (Hodsman et al. 1993)
    assert value_at(teriparatide, "p1np", 30) > 125
    assert value_at(teriparatide, "p1np", 30) - 100 > value_at(teriparatide, "ctx", 30) - 100


def test_teriparatide_spine_gain_is_front_loaded(teriparatide):
    # most of the spine gain comes in the first months: +6.4 % at 24 weeks (Japanese dose-response
    # trial, J Bone Miner Metab 2008 26:624, abstract), +7.1 % at 12 months (McClung 2014), +9 % at
    # 21 months (Neer 2001): the 12/21-month ratio ~0.79 (0.48 before the anabolic window closed)
    at_12, at_21 = value_at(teriparatide, "bmd_lumbar_spine", 365), teriparatide["bmd_lumbar_spine"][-1]
    assert_allclose(at_12 / at_21, 0.79, atol=0.08)
    assert value_at(teriparatide, "bmd_lumbar_spine", 168) > 4.4


def abaloparatide_18_months(weight=None):
    parameters = None if weight is None else {"pth_pulse_history_sustained_weight": weight}
    return h.simulate(days=548, times=np.linspace(0, 548, 549), parameters=parameters,
                      interventions=["abaloparatide@0:dose_ug=80"])


def test_abaloparatide_builds_more_spine_than_teriparatide_with_less_resorption(teriparatide):
    # ACTIVE at 18 months (Miller et al. 2016 JAMA 316:722): lumbar spine +9.2 % on abaloparatide 80 ug
    # against +7.2 % on teriparatide 20 ug, with a smaller CTX rise. The record of PTH1R pulses that closes
    # the anabolic window is fed partly by the sustained signal, which abaloparatide's RG selectivity keeps
    # short (Hattersley et al. 2016): measured +9.59 % (teriparatide +9.34 %), CTX +39 against +48 % at
    # 5.5 months; with pth_pulse_history_sustained_weight 0 the order was reversed (+7.89 %)
    aba = abaloparatide_18_months()
    spine = value_at(aba, "bmd_lumbar_spine", 548)
    assert_allclose(spine, 9.2, atol=1.0)
    assert spine > value_at(teriparatide, "bmd_lumbar_spine", 548)
    assert value_at(aba, "ctx", 167) < value_at(teriparatide, "ctx", 167)
    assert value_at(abaloparatide_18_months(0.0), "bmd_lumbar_spine", 548) < spine - 1.0


def test_teriparatide_p1np_stays_up_after_the_first_month(teriparatide):
    # P1NP +105 % at 1 month and +218 % at 6 months (as cited in a Japanese weekly-teriparatide paper,
    # secondary), high through 24 months (Yamamoto et al. 2015 Clin Interv Aging 10:1101, abstract):
    # the late rise of the osteoclast precursor supply as the anabolic window closes keeps coupled
    # remodelling, and so P1NP, up (measured 2026-12-01: +139 / +152 / +150 % at 1 / 3 / 6 months)
    assert value_at(teriparatide, "p1np", 182) >= value_at(teriparatide, "p1np", 30)


def test_radius_porosity_answers_a_lasting_rise_of_pth_not_daily_pulses(teriparatide):
    # the extra distal-radius cortical resorption calibrated to primary hyperparathyroidism (Rubin et
    # al. 2008) follows the PTH1R signal held through the day: daily teriparatide, back to baseline
    # within hours, leaves the one-third radius near Watts et al. 2019 (-1.66 % at 18 months,
    # 95 % CI -2.27 to -1.06; measured -1.53 %), thinner radial cortices in PHPT (Hansen et al. 2010)
    # against thicker ones on teriparatide (Hansen et al. 2013)
    assert -2.27 < value_at(teriparatide, "bmd_radius", 548) < -1.06
    assert value_at(teriparatide, "pth_signal_floor", 548) < 1.05


# --- cinacalcet on haemodialysis: the return of PTH after each dose is no anabolic pulse ------

DIALYSIS_START, YEAR = 730.33, 364.0


def cinacalcet_on_dialysis(**parameters):
    """A 2-year haemodialysis run-in (GFR 3 mL/min, 3 x 4 h, dialysate calcium 1.25 mmol/L; the
    protocol of the atlas records goodman-2003, block-2004 and cinacalcet-hd-2008) then 52 weeks of
    cinacalcet 50 mg once daily, read before a session 24 h after a dose."""
    times = np.concatenate([[0.0], DIALYSIS_START + np.linspace(0, YEAR, 53)])
    return h.simulate(times=times, start="steady", parameters={"gfr": 3, **parameters},
                      interventions=["hemodialysis@0:sessions_per_week=3,hours=4,dialysate_ca=1.25,days=1100",
                                     f"cinacalcet@{DIALYSIS_START + 0.01}:dose_mg=50,every_hours=24,days=364"])


@pytest.mark.parametrize("complexed_share", [0.0, 1.0])
def test_cinacalcet_on_dialysis_lowers_bone_formation(complexed_share):
    # paired biopsies after 52 weeks of cinacalcet in 4 haemodialysis patients: the dynamic formation
    # parameters fell in all (PubMed 19032526, abstract; no group value, so any fall passes, as in the
    # atlas record cinacalcet-hd-2008). Measured 2026-12-01 (s12-cinabone): -24.2 % at the default
    # dialyser and -14.0 % with dialysis_ca_complexed_share 1, where without the pulse-duty gate PTH
    # returning after each dose counted as an anabolic pulse and formation rose +87 % (12.4 -> 23.2 mmol/day)
    run = cinacalcet_on_dialysis(dialysis_ca_complexed_share=complexed_share)
    change = 100 * (value_at(run, "bone_formation", DIALYSIS_START + YEAR)
                    / value_at(run, "bone_formation", DIALYSIS_START) - 1)
    assert -100 < change < 0
    # formation on quiescent surfaces (the anabolic pulse's share) stays negligible against the
    # remodelling osteoblasts (1.1-1.6 healthy units here)
    assert run["modelling_osteoblasts"][1:].max() < 0.05


def test_pulse_duty_separates_injections_from_the_cinacalcet_return():
    # Frolik et al. 2003 Bone 33:372: the same daily PTH(1-34) dose built bone given within 1 h and lost
    # it spread over 6 h. The share of the day the signal spends above the adapted one stays well below
    # the gate's half on daily teriparatide (measured 0.06-0.15 at day 60) and above it between
    # cinacalcet doses on dialysis (0.28-0.59 at dialysis_ca_complexed_share 1)
    half = h.parameter_table()["pth_pulse_duty_half"].default
    run = h.simulate(times=np.concatenate([[0.0], np.linspace(20, 21, 145)]),
                     interventions=["teriparatide@0:dose_ug=20"])
    assert run["pth_pulse_duty"][1:].max() < half / 1.5


# --- the remodelling transient of a calcium supplement -----------------------------------------

SUPPLEMENT_DAYS = (30, 365, 1460)


def supplemented_years(**parameters):
    # 1600 mg/day calcium citrate in two doses, 4 years (Riggs et al. 1998 J Bone Miner Res 13:168),
    # each sampled over a whole day so the daily means take in both doses
    times = np.concatenate([[0.0]] + [np.linspace(day, day + 1, 49) for day in SUPPLEMENT_DAYS])
    return h.simulate(times=times, start="steady", parameters=parameters or None,
                      interventions=["calcium-supplement@0:dose_mg=800,every_hours=12,salt=citrate"])


def daily_bone_balance(run, day):
    within = (run.times >= day) & (run.times <= day + 1)
    return float(np.mean(run["bone_formation"][within] - run["bone_resorption"][within]))


def test_supplement_bone_balance_is_a_remodelling_transient():
    # Heaney 1994 J Bone Miner Res 9:1515; Heaney & Yates 1997 J Bone Miner Res 12:1143: an agent that
    # lowers the activation of remodelling gains bone only while formation refills the remodelling space
    # opened before (one remodelling period, 3-8 months), then bone balance returns to about 0; calcium
    # citrate gave +0.4 % total-body mineral at year 1 and +0.9 % at year 4 over placebo (Riggs et al.
    # 1998). Measured 2026-12-01 (s12-transient, bone_balance_low_pth_weight 1): +1.47 / +0.12 / -0.28
    # mmol/day at days 30 / 365 / 1460, total body +0.99 / +0.52 % at years 1 / 4; with the weight 0 (the
    # focal balance of each unit positive below healthy PTH) +1.69 / +0.59 / +0.25 and +1.55 / +3.35 %
    run = supplemented_years()
    balance = [daily_bone_balance(run, day) for day in SUPPLEMENT_DAYS]
    assert balance[0] > 0.5  # the transient: resorption falls at once, formation follows after a period
    assert_allclose(np.array(balance[1:]) / balance[0], 0.0, atol=0.25)
    total_body = [value_at(run, "bmd_total_body", day) for day in SUPPLEMENT_DAYS[1:]]
    assert total_body[1] < total_body[0] + 0.5  # no lasting gain (Riggs: +0.5 % from year 1 to year 4)


@pytest.mark.xfail(strict=True, reason="measured 2026-12-01 (s12-transient): with bone_balance_low_pth_weight 0 the "
                                        "balance is +0.59 / +0.25 mmol/day at days 365 / 1460 against +1.69 at day 30 "
                                        "(ratio 0.35 / 0.15): the gain of a supplement goes on for years")
def test_level_dependent_focal_balance_keeps_the_supplement_gain_going():
    run = supplemented_years(bone_balance_low_pth_weight=0.0)
    balance = [daily_bone_balance(run, day) for day in SUPPLEMENT_DAYS]
    assert_allclose(np.array(balance[1:]) / balance[0], 0.0, atol=0.25)


def test_uraemic_resistance_keeps_its_level_dependent_bone_actions():
    # the low PTH1R signal of uraemia is resistance (Torres et al. 1995), not a lower PTH: the weight acts
    # only below the signal healthy PTH gives at the present responsiveness, so CKD G3b is unchanged
    times = np.array([0.0, 365.0])
    runs = [h.simulate(times=times, start="steady", parameters={"gfr": 30, "bone_balance_low_pth_weight": weight})
            for weight in (0.0, 1.0)]
    for name in ("bmd_total_hip", "pth", "ca_total", "ctx", "p1np"):
        assert_allclose(runs[1][name], runs[0][name], rtol=1e-6, atol=1e-6, err_msg=name)
