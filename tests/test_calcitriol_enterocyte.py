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
    """1 ug/day for 14 days: 1.21x without the enterocyte term, 1.30x with it (measured
    2026-12-01 with the distal PTH gain's lower branch, dct_pth_lower_hill 5: the kidney lets more of
    the absorbed calcium go, so PTH and calcitriol fall less; 1.20x / 1.28x before); Heaney et al.
    1997: doubling at ~3 ug/day, 1.33x at 1 ug/day."""
    with_term, run_on = absorption_ratio()
    without, run_off = absorption_ratio(OFF)
    assert_allclose([without, with_term], [1.21, 1.30], atol=0.015)
    # the gut answers more although plasma calcitriol rises less (the absorbed calcium lowers PTH)
    assert run_on["calcitriol"][-1] < run_off["calcitriol"][-1]


def test_enterocyte_term_scales_with_the_dose():
    low, _ = absorption_ratio(dose=0.5)
    high, _ = absorption_ratio(dose=2.0)
    assert 1.0 < low < high
