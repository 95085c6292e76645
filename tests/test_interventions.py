"""Interventions: directions, magnitudes and time scales reported in clinical studies."""

import numpy as np
import pytest
import sympy

import homeostasis as h
from homeostasis.protocol.interventions import Intervention, parse_intervention

MINUTE = 1 / 1440


def value_at(run, variable, day):
    return float(np.interp(day, run.times, run[variable]))


@pytest.fixture(scope="module")
def adenoma_surgery():
    times = np.concatenate([np.arange(0, 1, MINUTE), np.linspace(1, 60, 600)])
    return h.simulate("parathyroid-adenoma", start="steady", times=times, interventions=["parathyroidectomy@0.5"])


def test_check6_pth_washout_after_adenoma_excision(adenoma_surgery):
    before = value_at(adenoma_surgery, "pth", 0.5)
    after_10 = value_at(adenoma_surgery, "pth", 0.5 + 10 * MINUTE) / before
    after_20 = value_at(adenoma_surgery, "pth", 0.5 + 20 * MINUTE) / before
    assert after_10 <= 0.5  # Miami criterion (Vaghaiwalla 2016)
    assert after_20 <= 0.25
    half_life = 5 * np.log(2) / -np.log(value_at(adenoma_surgery, "pth", 0.5 + 5 * MINUTE) / before)
    assert 2 <= half_life <= 5  # minutes


def test_calcium_normalises_within_days_after_surgery(adenoma_surgery):
    assert value_at(adenoma_surgery, "ca_total", 0.5) > 2.6
    assert value_at(adenoma_surgery, "ca_total", 4) < 2.6  # normocalcaemia within days
    # suppressed normal glands recover: PTH back in the reference range within weeks
    assert 1.6 <= value_at(adenoma_surgery, "pth", 30) <= 6.9


def test_hungry_bone_after_surgery(adenoma_surgery):
    # formation outlasts resorption after PTH falls: the skeleton takes up calcium
    assert value_at(adenoma_surgery, "bone_ca_balance", 0.4) < 0
    assert value_at(adenoma_surgery, "bone_ca_balance", 14) > 0.5


def test_total_parathyroidectomy_without_adenoma_causes_hypocalcaemia():
    run = h.simulate(days=60, interventions=["parathyroidectomy@1"])
    assert run["pth"][-1] < 0.1 and run["ca_total"][-1] < 2.1


def test_check7_clamp_intervention_dynamics():
    times = np.arange(0, 0.25, MINUTE)
    run = h.simulate(times=times, interventions=["calcium-clamp@0:delta_ionized=-0.2,hours=6"])
    peak = run["pth"].max() / 3.5
    peak_minutes = run.times[np.argmax(run["pth"])] * 1440
    assert 4 <= peak <= 7 and 5 <= peak_minutes <= 15  # Schwarz 1993: peak 4-7x at 5-15 min
    assert 2 <= value_at(run, "pth", 2 / 24) / 3.5 <= 3.1  # plateau ~2-3x baseline
    # the burst ends within the hour (Schmitt et al. 1996: pulsatile burst in the first 30 min,
    # steady secretion from 30 to 105 min): PTH at 1 h within 10 % of its 2-h plateau
    np.testing.assert_allclose(value_at(run, "pth", 1 / 24), value_at(run, "pth", 2 / 24), rtol=0.1)
    np.testing.assert_allclose(value_at(run, "ca_ionized", 1 / 24), 1.248 - 0.2, atol=0.01)
    high = h.simulate(times=times, interventions=["calcium-clamp@0:delta_ionized=0.2,hours=6"])
    assert value_at(high, "pth", 2 / 24) / 3.5 <= 0.35


def test_cinacalcet_in_primary_hyperparathyroidism():
    run = h.simulate("parathyroid-adenoma", start="steady", days=56, step=1 / 48,
                     interventions=["cinacalcet@0:dose_mg=30,every_hours=12"])
    before = run["pth"][0]
    # Shoback 2003: PTH falls by about half 2-4 h after a dose; calcium normalises within weeks
    assert value_at(run, "pth", 3 / 24) < 0.6 * before
    assert run["ca_total"][0] - value_at(run, "ca_total", 28) >= 0.12


def test_cinacalcet_effect_recovers_between_doses():
    # Shoback et al. 2003: PTH falls by more than half 2-4 h after a dose; Peacock et al. 2005:
    # fasting predose PTH only -7.6 % after a year. The effect follows the plasma concentration,
    # so the trough PTH is much nearer baseline than the nadir (cohort at 10.6 mg/dL, 50 mg bid)
    run = h.simulate("parathyroid-adenoma", parameters={"size": 0.95}, start="steady",
                     times=np.array([0, 14.5 - 1e-4, 14.625]), interventions=["cinacalcet@0:dose_mg=50,every_hours=12"])
    trough, nadir = run["pth"][1:] / run["pth"][0]
    assert nadir <= 0.5
    assert trough >= 0.75


def test_cinacalcet_normalises_calcium_in_primary_hyperparathyroidism():
    # Shoback et al. 2003: in a cohort at 10.6 mg/dL (adenoma size 0.9 gives 10.61; 0.95 did before the
    # sigmoid distal PTH gain of 2026-11-30), calcium was
    # normal (<= 10.3 mg/dL = 2.57 mmol/L) after the second dose on day 1 and through day 15 in
    # every dose group, 30 mg twice daily included. The check was once made on the default
    # adenoma (11.6 mg/dL, a cohort 1 mg/dL more severe than the one studied: < 2.6 at day 28).
    run = h.simulate("parathyroid-adenoma", parameters={"size": 0.9}, start="steady", days=15, step=1 / 48,
                     interventions=["cinacalcet@0:dose_mg=30,every_hours=12"])
    np.testing.assert_allclose(run["ca_total"][0], 10.6 * 0.2495, atol=0.01)
    assert value_at(run, "ca_total", 1) <= 2.57
    assert value_at(run, "ca_total", 15) <= 2.57


def test_glucocorticoid_in_sarcoidosis():
    run = h.simulate("granulomatous-calcitriol", start="steady", days=30, step=0.25,
                     interventions=["glucocorticoid@0:dose_mg_per_day=30"])
    assert value_at(run, "calcitriol", 3) < 0.6 * run["calcitriol"][0]  # falls within days
    assert value_at(run, "ca_total", 14) < 2.6  # calcium normal within two weeks (Sharma 1996)
    assert value_at(run, "urine_ca", 14) < 0.7 * run["urine_ca"][0]


def test_glucocorticoid_is_calciuric_and_raises_pth_in_health():
    # Gram et al. 1998 Bone 23:297: prednisolone 10 mg twice daily for 7 days in 48 healthy men
    # raised urinary calcium by 44.7 % and PTH by 18.5 % (maximal changes)
    run = h.simulate(days=7, step=0.05, interventions=["glucocorticoid@0:dose_mg_per_day=20,days=7"])
    assert 1.3 <= run["urine_ca"].max() / run["urine_ca"][0] <= 1.6
    assert 1.1 <= run["pth"].max() / run["pth"][0] <= 1.3


def test_phosphate_binder_in_advanced_ckd():
    run = h.simulate("ckd", start="steady", days=180, parameters={"gfr_final": 12},
                     interventions=["phosphate-binder@0:fraction=0.4"])
    drop = run["phosphate"][0] - run["phosphate"][-1]
    assert 0.1 <= drop <= 0.6  # mmol/L over months
    assert run["pth"][-1] < 0.9 * run["pth"][0] and run["fgf23"][-1] < 0.8 * run["fgf23"][0]


def test_calcitriol_suppresses_pth_in_ckd():
    """Calcitriol 0.5 ug/day at GFR 20 for 180 days: PTH 0.207x, calcium +0.307 mmol/L at
    calcitriol_enterocyte_exposure 0.6 (measured 2026-12-01, twelfth session; 0.245x / +0.245 at 0.3,
    0.664x / +0.059 when this test was written). It was a strict xfail at 0.748x until oral calcitriol reached the intestinal VDR on
    its way in (calcitriol_enterocyte_exposure 0.3; 0.748x at 0): bone, phosphate-side and
    calcitriol-kinetics levers measured before are listed in docs/validation.md (s13 and ninth session)."""
    run = h.simulate("ckd", start="steady", days=180, parameters={"gfr_final": 20},
                     interventions=["calcitriol@0:dose_ug_per_day=0.5"])
    assert run["pth"][-1] < 0.7 * run["pth"][0]
    assert run["ca_total"][-1] > run["ca_total"][0]


def test_diet_calcium_raises_urine_calcium():
    run = h.simulate(days=60, interventions=["diet@0:ca_mg_per_day=2000,p_mg_per_day=1200"])
    assert run["urine_ca"][-1] > 1.3 * run["urine_ca"][0]
    assert run["pth"][-1] < run["pth"][0]


def test_diet_lasts_only_for_its_days():
    run = h.simulate(days=200, interventions=["diet@0:ca_mg_per_day=2000,days=30"])
    np.testing.assert_allclose(run["urine_ca"][-1], 5.0, rtol=0.02)


def test_oral_phosphate_load():
    run = h.simulate(times=np.linspace(0, 1, 289), interventions=["phosphate-load@0:p_mg=1000"])
    peak_hours = run.times[np.argmax(run["phosphate"])] * 24
    assert 0.5 <= peak_hours <= 3 and 0.15 <= run["phosphate"].max() - 1.1 <= 0.5
    assert run["urine_phosphate"].max() > 1.5 * run["urine_phosphate"][0]


def test_phosphate_load_emptied_with_a_meal_peaks_later_and_lower():
    # a load taken with a meal leaves the stomach over ~3 h (solid meal 64/25/13/4 % retained at
    # 1/2/3/4 h, Dig Dis Sci 2022): the same phosphate enters the gut, later and more slowly, and
    # plasma phosphate stays up for hours (Volk et al. 2022: +0.15 mmol/L over placebo at 8 h)
    times = np.linspace(0, 1, 97)
    runs = {hours: h.simulate(times=times, start="steady", interventions=[f"phosphate-load@0:p_mg=700,hours={hours}"])
            for hours in (0, 3)}
    peak = {hours: times[np.argmax(run["phosphate"])] * 24 for hours, run in runs.items()}
    rise = {hours: run["phosphate"].max() - run["phosphate"][0] for hours, run in runs.items()}
    assert peak[3] > peak[0] + 1 and rise[3] < rise[0]
    eight_hours = {hours: value_at(run, "phosphate", 8 / 24) - run["phosphate"][0] for hours, run in runs.items()}
    assert eight_hours[3] > eight_hours[0] and 0.075 <= eight_hours[3] <= 0.225
    absorbed = {hours: np.trapezoid(run["gut_phosphate_absorption"] - run["gut_phosphate_absorption"][0], times)
                for hours, run in runs.items()}
    np.testing.assert_allclose(absorbed[3], absorbed[0], rtol=0.1)  # mmol over the day: the same load


def test_pth_infusion_is_calcaemic():
    run = h.simulate(times=np.linspace(0, 1, 289), interventions=["pth-infusion@0:pmol_per_hour=500,hours=24"])
    assert run["ca_total"][-1] > run["ca_total"][0]
    assert value_at(run, "urine_phosphate", 0.5) > 1.1 * run["urine_phosphate"][0]


def test_pth_infusion_is_phosphaturic():
    run = h.simulate(times=np.linspace(0, 1, 289), interventions=["pth-infusion@0:pmol_per_hour=500,hours=24"])
    assert value_at(run, "urine_phosphate", 0.5) > 1.2 * run["urine_phosphate"][0]
    assert value_at(run, "phosphate", 0.5) < run["phosphate"][0] - 0.05


def test_pth_1_34_infusion_enters_the_teriparatide_pool():
    # infused PTH(1-34) is teriparatide: it sets the teriparatide infusion, not the intact-PTH one
    base = {"pth_infusion_rate": 0.0, "teriparatide_infusion_rate": 0.0}
    for peptide, parameter in (("1-84", "pth_infusion_rate"), ("1-34", "teriparatide_infusion_rate")):
        on = dict(Intervention("pth-infusion", 0, {"pmol_per_hour": 140, "peptide": peptide})
                  .events(base, 10)[0].actions[0].values)
        assert set(on) == {parameter}
        np.testing.assert_allclose(on[parameter], 140 * 24, rtol=1e-12)


def test_pth_1_34_infusion_is_cleared_like_teriparatide_and_reaches_cyp27b1():
    # 140 pmol/h of PTH(1-34): plasma level rate / 62 L/h (Forteo label clearance, 5-min half-life,
    # so steady within the hour); an intact-PTH assay does not see it, and the endogenous hormone
    # falls as calcium rises; through the PTH1R sum it induces CYP27B1 as subcutaneous teriparatide
    # does (Horwitz et al. 2003, 2005: 1,25(OH)2D rises within a day of PTH(1-34) infusion)
    run = h.simulate(times=np.linspace(0, 2, 97), interventions=["pth-infusion@0:pmol_per_hour=140,hours=48,peptide=1-34"])
    level = value_at(run, "teriparatide_plasma", 0.5) / run.parameters["teriparatide_volume"]
    np.testing.assert_allclose(level, 140 / 62.0, rtol=0.01)
    assert value_at(run, "pth", 0.5) < 0.9 * run["pth"][0]
    assert value_at(run, "calcitriol", 1.0) > 1.05 * run["calcitriol"][0]


def test_teriparatide_exposure_rises_in_severe_renal_impairment():
    # Forteo label: a single dose gave a 73 % larger AUC in 5 patients with CrCl < 30 mL/min
    # (taken at 15 mL/min); the renal share of clearance falls with GFR
    def auc(gfr):
        run = h.simulate(times=np.linspace(0, 1, 1441), parameters={"gfr": gfr},
                         interventions=["teriparatide@0:dose_ug=20,every_hours=672"])
        return np.trapezoid(run["teriparatide_plasma"], run.times)
    np.testing.assert_allclose(auc(15) / auc(100), 1.73, rtol=0.02)


def test_every_pth1r_agonist_reaches_tubule_bone_and_cyp27b1():
    from homeostasis.model.drugs import drug_concentrations
    from homeostasis.model.states import STATES, pth1r_agonists, pth1r_signal
    y = {s.name: s.symbol for s in STATES}
    drugs = drug_concentrations(y)
    assert set(pth1r_agonists(y, drugs)) == {"intact PTH", "PTHrP", "teriparatide", "abaloparatide"}
    for target in ("tubule and bone", "CYP27B1"):
        signal = pth1r_signal(y, drugs, target).free_symbols
        assert {y["pth_plasma"], y["teriparatide_plasma"], y["abaloparatide_plasma"]} <= signal


def test_pth_infusion_rejects_an_unknown_peptide():
    with pytest.raises(ValueError, match="1-34"):
        Intervention("pth-infusion", 0, {"peptide": "1-38"})


def test_hemodialysis_removes_phosphate_within_a_session():
    run = h.simulate("ckd", start="steady", days=7, step=1 / 96, parameters={"gfr_final": 5},
                     interventions=["hemodialysis@0.5:sessions_per_week=3,hours=4"])
    before, after = value_at(run, "phosphate", 0.5), value_at(run, "phosphate", 0.5 + 4 / 24)
    # intradialytic fall of 30-75 %: the session ends near the 0.8-1.0 mmol/L plateau whatever the
    # pre-dialysis level (Man et al. 1991 ASAIO Trans 37:M463; Spalding et al. 2002 Kidney Int 61:655),
    # so this first session from untreated uraemia (3.59 mmol/L) ends at 1.08 mmol/L, -70.0 %
    assert 0.25 <= after / before <= 0.7
    assert value_at(run, "phosphate", 2.3) > after  # rebound between sessions


def test_a_bicarbonate_session_gains_calcium_through_its_alkalosis():
    # the intradialytic alkalosis (ph_rise, Rudnicki et al. 1993: 7.40 -> 7.47) binds more calcium to
    # albumin; the dialyser holds ionized calcium near the bath, so the patient takes up calcium
    # (higher dialysate bicarbonate: less calcium lost per session, PMC6366132). Measured
    # 2026-12-01: end-of-session total calcium +0.047 mmol/L, ionized calcium -0.004 mmol/L
    runs = {rise: h.simulate("ckd", start="steady", days=1, step=1 / 96, parameters={"gfr_final": 5},
                             interventions=[f"hemodialysis@0.5:sessions_per_week=3,hours=4,ph_rise={rise}"])
            for rise in (0.0, 0.07)}
    end = 0.5 + 4 / 24
    gain = value_at(runs[0.07], "ca_total", end) - value_at(runs[0.0], "ca_total", end)
    np.testing.assert_allclose(gain, 0.047, atol=0.015)
    np.testing.assert_allclose(value_at(runs[0.07], "ca_ionized", end), value_at(runs[0.0], "ca_ionized", end),
                               atol=0.01)
    assert value_at(runs[0.07], "ca_total", 0.5) == pytest.approx(value_at(runs[0.0], "ca_total", 0.5), rel=1e-6)


def _bech_session(parameters):
    # bech-2013's protocol: two years on a 1.25 mmol/L bath (3 x 4 h a week), then one session (day 728)
    run = h.simulate("healthy", start="steady", times=np.array([0, 727.5, 728.0, 728 + 4 / 24]),
                     parameters={"gfr": 3, "phosphate_intake": 32.3, **parameters},
                     interventions=["hemodialysis@0:sessions_per_week=3,hours=4,dialysate_ca=1.25,days=740"])
    return value_at(run, "ca_ionized", 728.0), value_at(run, "ca_ionized", 728 + 4 / 24)


def test_the_dialysers_gradient_not_acidosis_sets_the_pre_dialysis_ionized_calcium():
    # twelfth session (docs/validation.md): bech-2013 measured 1.15 before and 1.09 mmol/L after the session.
    # Measured 2026-12-01: default 1.2754 / 1.2433; pH 7.35 1.2785 / 1.2450 (acidosis lowers protein binding:
    # higher, not lower); ultrafilterable gradient against the bath's total (dialysis_ca_complexed_share 1,
    # OFF by default) 1.175 / 1.100 (1.148 / 1.093 before the pulse-duty gate of s12-cinabone)
    default, acidotic = _bech_session({}), _bech_session({"ph": 7.35})
    gradient = _bech_session({"dialysis_ca_complexed_share": 1})
    np.testing.assert_allclose(default, [1.2754, 1.2433], atol=0.005)
    assert acidotic[0] > default[0]
    np.testing.assert_allclose(gradient, [1.175, 1.100], atol=0.01)


def test_parse_intervention_text():
    item = parse_intervention("cinacalcet@10:dose_mg=60,every_hours=24")
    assert item.name == "cinacalcet"
    np.testing.assert_allclose([item.day, item.options["dose_mg"], item.options["every_hours"]], [10, 60, 24])


@pytest.mark.parametrize("text, message", [
    ("cinacalcat@1", "did you mean 'cinacalcet'"),
    ("cinacalcet@x", "intervention day"),
    ("cinacalcet@1:dose=30", "dose_mg"),
    ("cinacalcet@1:dose_mg=-5", r"\[0, 360\]"),
    ("cinacalcet", "NAME@DAY"),
])
def test_bad_intervention_text_is_a_clear_error(text, message):
    with pytest.raises(h.HomeostasisError, match=message):
        parse_intervention(text)


def test_intervention_objects_pickle():
    import pickle

    item = Intervention("diet", 5, {"ca_mg_per_day": 500})
    assert pickle.loads(pickle.dumps(item)) == item


def test_a_single_intervention_string_is_one_intervention():
    """``interventions="cinacalcet@0.5"`` means one intervention, not one per character."""
    from numpy.testing import assert_allclose

    one = h.simulate("healthy", days=1, interventions="cinacalcet@0.5")
    listed = h.simulate("healthy", days=1, interventions=["cinacalcet@0.5"])
    assert one.metadata["interventions"] == ["cinacalcet@0.5:dose_mg=30,every_hours=12"]
    assert_allclose(one["pth"], listed["pth"], rtol=1e-12)


# --- phosphate binder: a dose binds an amount (issue 13, mechanism 5) ---------------------------

def _absorption_with_binder(p_mg_per_day, binder=None):
    interventions = [f"diet@0:ca_mg_per_day=1000,p_mg_per_day={p_mg_per_day}"] + ([binder] if binder else [])
    return h.simulate(days=10, step=1, start="steady", interventions=interventions)["gut_phosphate_absorption"][-1]


def test_aluminium_hydroxide_binds_an_amount_not_a_share():
    # a dose binds up to dose x aluminium_hydroxide_phosphate_capacity (2.4 mmol/g: Daugirdas et al.
    # 2011 relative coefficients x Martin et al. in vivo binding): 6 g/day holds nearly all of a
    # restricted intake (500 mg/day) and about its capacity (14.4 mmol/day) of a high one
    dose = "phosphate-binder@0:aluminium_hydroxide_g_per_day=6"
    capacity = 6 * h.ParameterSet.default()["aluminium_hydroxide_phosphate_capacity"]
    restricted, restricted_bound = _absorption_with_binder(500), _absorption_with_binder(500, dose)
    high, high_bound = _absorption_with_binder(1500), _absorption_with_binder(1500, dose)
    assert restricted_bound < 0.15 * restricted
    np.testing.assert_allclose(high - high_bound, capacity, rtol=0.15)
    assert high_bound / high > 2 * restricted_bound / restricted  # a share would be the same at both


def test_phosphate_binder_old_spelling_keeps_the_fraction_default():
    plain = h.simulate("ckd", start="steady", days=2, interventions=["phosphate-binder@0"])
    spelled = h.simulate("ckd", start="steady", days=2, interventions=["phosphate-binder@0:fraction=0.3"])
    np.testing.assert_allclose(plain["gut_phosphate_absorption"], spelled["gut_phosphate_absorption"], rtol=1e-9)
    assert spelled["gut_phosphate_absorption"][-1] < 0.8 * spelled["gut_phosphate_absorption"][0]


def test_phosphate_binder_refuses_a_fraction_and_a_dose_together():
    with pytest.raises(h.HomeostasisError, match="fraction or aluminium_hydroxide_g_per_day, got both"):
        h.simulate(days=1, interventions=["phosphate-binder@0:fraction=0.3,aluminium_hydroxide_g_per_day=6"])
    with pytest.raises(h.HomeostasisError, match=r"\[0, 20\]"):
        h.simulate(days=1, interventions=["phosphate-binder@0:aluminium_hydroxide_g_per_day=50"])


def gut_calcium_input(interventions, first=10.0, last=11.0):
    """The calcium entering the gut over [first, last) days, mg/day: meals plus continuous intake."""
    prepared = h.prepare(interventions=interventions)
    eaten, intake = 0.0, prepared.parameter_set.as_dict()["ca_intake"]
    for event in prepared.events(last + 1):
        for action in event.actions:
            values = action.as_dict() if hasattr(action, "as_dict") else {}
            if first <= event.time < last and type(action).__name__ == "AddAmounts":
                eaten += values.get("ca_gut_lumen", 0.0)
            if event.time <= first and "ca_intake" in values:
                intake = values["ca_intake"]
    return (eaten + intake * (last - first)) / (last - first) * 40.078


def test_meals_follow_a_diet_change():
    # the meals carry the intake in force when they are eaten, not the one the run started with
    base = h.prepare().parameter_set.as_dict()["ca_intake"] * 40.078
    np.testing.assert_allclose(gut_calcium_input(["daily-rhythm@0"]), base, rtol=1e-6)
    np.testing.assert_allclose(gut_calcium_input(["daily-rhythm@0", "diet@5:ca_mg_per_day=300,p_mg_per_day=500"]),
                               300.0, rtol=1e-6)
    np.testing.assert_allclose(gut_calcium_input(["diet@0:ca_mg_per_day=300,p_mg_per_day=500", "daily-rhythm@0"]),
                               300.0, rtol=1e-6)
    # after a diet lasting 3 days, and after the meals stop, the continuous intake is the diet's
    np.testing.assert_allclose(gut_calcium_input(["daily-rhythm@0", "diet@5:ca_mg_per_day=300,p_mg_per_day=500,days=3"]),
                               base, rtol=1e-6)
    np.testing.assert_allclose(gut_calcium_input(["daily-rhythm@0:days=8", "diet@5:ca_mg_per_day=300,p_mg_per_day=500"]),
                               300.0, rtol=1e-6)


def test_meals_after_a_diet_absorb_like_the_diet_eaten_continuously():
    # 24-h mean net absorption on days 10-11: meals and continuous intake of the same new diet agree
    # within the saturation of active transport by a meal (meals absorb 11 % less at the usual diet,
    # 19 % less at 300 mg/day; before the fix the meals still carried the old diet: 5.1 vs 1.5 mmol/day)
    diet = "diet@5:ca_mg_per_day=300,p_mg_per_day=500"
    meals = h.simulate(days=11, step=1 / 48, interventions=["daily-rhythm@0", diet])
    continuous = h.simulate(days=11, step=1 / 48, interventions=[diet])
    window = (meals.times >= 10) & (meals.times < 11)
    np.testing.assert_allclose(meals["gut_ca_absorption"][window].mean(),
                               continuous["gut_ca_absorption"][window].mean(), rtol=0.25)


def _responsiveness_at(pth, teriparatide, share, gfr=3.0):
    from homeostasis.model.drugs import drug_concentrations
    from homeostasis.model.states import STATES, uraemic_pth1r_responsiveness
    from homeostasis.model.symbols import TIME, P
    from homeostasis.parameters.table import parameter_table
    y = {s.name: s.symbol for s in STATES}
    expression = uraemic_pth1r_responsiveness(y, drug_concentrations(y))
    values = {getattr(P, name): info.default for name, info in parameter_table().items() if info.default is not None}
    values.update({P.pth_resistance_fragment_share: share, P.gfr: gfr, P.dialysis_programme: 1.0,
                   P.gfr_decline_days: 0.0, TIME: 0.0, P.teriparatide_volume: 1.0, P.abaloparatide_volume: 1.0})
    values.update({y["pth_plasma"]: pth * values[P.pth_distribution_volume],
                   y["teriparatide_plasma"]: teriparatide, y["abaloparatide_plasma"]: 0.0})
    from homeostasis.model.regulation import lambdify_modules
    return float(sympy.lambdify([], expression.subs(values), modules=lambdify_modules("math"))())


def test_the_fragment_share_of_the_uraemic_pth1r_resistance_lifts_only_with_an_exogenous_agonist():
    # Wesseling-Perry et al. 2010 (PMID 20382692): on 46 h of PTH(1-34) serum calcium rose in dialysis
    # patients whose PTH(7-84) fragments fell with the suppressed gland. Without an exogenous agonist
    # the responsiveness is the uraemic one whatever the fragment share (every steady state unchanged:
    # ((3 + 15)/100)^1.1 = 0.152 on 3 x 4 h haemodialysis at GFR 3); with PTH(1-34) dominating the
    # agonists the fragment share (0.4) of the resistance exponent lifts: 0.18^(1.1 x 0.6) = 0.322
    for share in (0.0, 0.4):
        np.testing.assert_allclose(_responsiveness_at(21.5, 0.0, share), 0.18 ** 1.1, rtol=1e-6)
    np.testing.assert_allclose(_responsiveness_at(21.5, 1e4, 0.0), 0.18 ** 1.1, rtol=1e-6)
    np.testing.assert_allclose(_responsiveness_at(1e-6, 1e4, 0.4), 0.18 ** (1.1 * 0.6), rtol=1e-3)
    np.testing.assert_allclose(_responsiveness_at(21.5, 0.0, 0.4, gfr=100.0), 1.15 ** 1.1, rtol=1e-6)


@pytest.fixture(scope="module")
def calcitonin_in_hhm():
    # humoral hypercalcaemia of malignancy at the budayr-1989 PTHrP level, salmon calcitonin 4 IU/kg
    # every 12 h for 4 days from day 1 (the wisneski-1978 atlas record's protocol)
    return h.simulate("malignancy-pthrp", parameters={"pthrp": 6.5}, start="steady", days=8, step=1 / 48,
                      interventions=["calcitonin@1:dose_iu_per_kg=4,every_hours=12,days=4"])


def test_calcitonin_is_calciuric_at_once(calcitonin_in_hhm):
    # Cochran, Peacock, Sachs & Nordin 1970 Br Med J 1:135: in hypercalcaemic patients urine calcium
    # rose at once as serum calcium fell; Haas et al. 1971 J Clin Invest 50:2689: calcium clearance
    # rises within the 3-h infusion. Size not in the abstracts: at least 1.3x (judgement), measured 2.1x
    run = calcitonin_in_hhm
    before = value_at(run, "urine_ca", 0.99)
    assert 1.3 <= value_at(run, "urine_ca", 1 + 2 / 24) / before <= 3.0
    assert value_at(run, "ca_total", 1 + 2 / 24) < value_at(run, "ca_total", 0.99)


def test_calcitonin_lowers_calcium_within_hours(calcitonin_in_hhm):
    # Wisneski 1990 Calcif Tissue Int 46:S26: 0.3-0.5 mmol/L within 4-6 h (model -0.34 at 6 h)
    run = calcitonin_in_hhm
    fall = value_at(run, "ca_total", 1.25) - value_at(run, "ca_total", 0.99)
    assert -0.5 <= fall <= -0.25


def test_calcitonin_escape_drifts_back_without_a_rebound(calcitonin_in_hhm):
    # Wisneski et al. 1978 Clin Pharmacol Ther: mean calcium below pretreatment throughout 96 h of
    # treatment, normal or near-normal in 82 % of patients at 30 h (the most) but 31 % at 96 h
    # (escape); Austin & Heath 1981: tachyphylaxis within days. At least half of the largest fall
    # left at 30 h, at least half of it gone by 96 h, and no rise above pretreatment in the 3 days
    # after the last dose (model: largest -0.48 at 12 h, -0.41 at 30 h, -0.11 at 96 h).
    run = calcitonin_in_hhm
    before = value_at(run, "ca_total", 0.99)
    during = (run.times >= 1) & (run.times <= 5)
    falls = run["ca_total"][during] - before
    assert np.all(falls < 0)
    assert value_at(run, "ca_total", 2.25) - before <= 0.5 * falls.min()  # still most of it at 30 h
    assert value_at(run, "ca_total", 5) - before >= 0.5 * falls.min()
    assert np.max(run["ca_total"][run.times > 5] - before) <= 0.02


def test_calcitonin_holds_little_calcium_in_the_bone_surface_pool(calcitonin_in_hhm):
    # the mechanism behind the missing rebound: calcium held back by the osteoclast stays in the
    # mineral and the calciuria excretes it; the surface pool (half the effect) holds < 8 mmol at most
    # (17 mmol, springing 0.14 mmol/L above pretreatment at 96 h, when it carried the whole effect)
    run = calcitonin_in_hhm
    stored = run["ca_bone_exchangeable"] - value_at(run, "ca_bone_exchangeable", 0.99)
    assert stored.max() <= 8
    assert abs(value_at(run, "ca_bone_exchangeable", 5) - value_at(run, "ca_bone_exchangeable", 0.99)) <= 2
