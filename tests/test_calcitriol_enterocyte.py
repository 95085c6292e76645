"""Oral calcitriol reaches the intestinal VDR on its way in (``calcitriol_enterocyte_exposure``):
the gut answers an oral dose more than its plasma level says (Ardissino et al. 2000 Kidney Int
58:981: oral and i.v. boli raised strontium absorption alike at half the plasma AUC). Without an oral
dose the healthy state is unchanged: tests/test_calcitriol_kidney_failure.py."""

from numpy.testing import assert_allclose

import homeostasis as h

OFF = {"calcitriol_enterocyte_exposure": 0.0}


def absorption_ratio(parameters=None, dose=1.0, days=14):
    """True calcium absorption after ``days`` of oral calcitriol relative to its untreated value."""
    run = h.simulate("healthy", start="steady", days=days, step=1, parameters=parameters or {},
                     interventions=[f"calcitriol@0:dose_ug_per_day={dose}"])
    return float(run["gut_ca_true_absorption"][-1] / run["gut_ca_true_absorption"][0]), run


def test_enterocyte_exposure_raises_absorption_of_an_oral_dose():
    """1 ug/day for 14 days: 1.215x without the enterocyte term, 1.377x with it at 0.6 (measured
    2026-12-01, twelfth session; 1.299x at the former 0.3); Heaney et al. 1997: doubling at ~3 ug/day,
    1.33x at 1 ug/day; Kumari et al. 2010: ~1.71x after 0.5 then 1 ug/day (rule: from 1.357x)."""
    with_term, run_on = absorption_ratio()
    without, run_off = absorption_ratio(OFF)
    assert_allclose([without, with_term], [1.215, 1.377], atol=0.015)
    # the gut answers more although plasma calcitriol rises less (the absorbed calcium lowers PTH)
    assert run_on["calcitriol"][-1] < run_off["calcitriol"][-1]


def test_absorption_follows_heaneys_dose_slope():
    """Heaney et al. 1997 (J Clin Endocrinol Metab 82:4111): active from 0.5 ug/day, absorption
    doubling at ~3 ug/day, read as 1 + dose/3 after 14 days. Measured 2026-12-01 (exposure 0.6):
    1.196x / 1.377x / 1.657x at 0.5 / 1 / 2 ug/day (1.152x / 1.299x / 1.549x at 0.3). Tolerance 0.06,
    inside the record's 0.08 for 'approximately 3' (doubling dose 2.5-4 ug/day)."""
    ratios = [absorption_ratio(dose=dose)[0] for dose in (0.5, 1.0, 2.0)]
    assert_allclose(ratios, [1 + 0.5 / 3, 1 + 1.0 / 3, 1 + 2.0 / 3], atol=0.06)


def test_enterocyte_term_scales_with_the_dose():
    low, _ = absorption_ratio(dose=0.5)
    high, _ = absorption_ratio(dose=2.0)
    assert 1.0 < low < high
