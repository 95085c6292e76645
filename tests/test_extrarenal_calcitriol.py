"""Constitutive extrarenal 1-alpha-hydroxylation: a share of the healthy production that follows
25(OH)D and ignores PTH/FGF23, with the renal rate derived so the healthy total is unchanged."""

import pytest
from numpy.testing import assert_allclose

import homeostasis as h

SHARE = {"extrarenal_calcitriol_share": 0.2}


def test_healthy_calcitriol_unchanged_by_the_extrarenal_share():
    healthy = h.steady_state("healthy", parameters=SHARE)
    assert_allclose(healthy["calcitriol"], 100.0, rtol=1e-6)
    assert_allclose(healthy["pth"], h.steady_state("healthy")["pth"], rtol=1e-6)


@pytest.mark.parametrize("supply", [1.0, 2.0])
def test_kidney_failure_keeps_calcitriol_that_follows_25ohd(supply):
    """At GFR 10 the renal enzyme is suppressed (FGF23, nephron loss): the extrarenal share adds
    calcitriol there, and more the more 25(OH)D it is given (substrate-limited)."""
    knobs = {"gfr": 10, "vitamin_d_supply": supply}
    without = h.steady_state("healthy", parameters=knobs)["calcitriol"]
    with_share = h.steady_state("healthy", parameters={**knobs, **SHARE})["calcitriol"]
    # 20 % of the healthy 100 pmol/L at healthy substrate, less faster catabolism and feedback
    assert with_share - without > 5.0 * supply


def test_extrarenal_rise_with_25ohd_exceeds_the_renal_one_in_kidney_failure():
    def rise(parameters):
        low = h.steady_state("healthy", parameters={"gfr": 10, **parameters})["calcitriol"]
        high = h.steady_state("healthy", parameters={"gfr": 10, "vitamin_d_supply": 2.0, **parameters})
        return high["calcitriol"] - low

    assert rise(SHARE) > rise({}) + 5.0
