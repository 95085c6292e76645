"""Uraemic VDR resistance (``vdr_uraemic_resistance_exponent``, off by default): genomic VDR action
per unit of ligand falls with uraemic solute clearance, 1 in health (Patel et al. 1995 J Clin
Invest 96:50)."""

from numpy.testing import assert_allclose

import homeostasis as h

RESISTANCE = {"vdr_uraemic_resistance_exponent": 0.2}


def test_healthy_state_unchanged_by_the_resistance():
    healthy = h.steady_state("healthy")
    resistant = h.steady_state("healthy", parameters=RESISTANCE)
    for name in ("pth", "calcitriol", "ca_total", "phosphate"):
        assert_allclose(resistant[name], healthy[name], rtol=1e-6)


def test_resistance_raises_pth_and_lowers_calcium_in_ckd():
    """At GFR 20 the same calcitriol suppresses the gland less and absorbs less calcium."""
    knobs = {"gfr_final": 20}
    without = h.steady_state("ckd", parameters=knobs)
    resistant = h.steady_state("ckd", parameters={**knobs, **RESISTANCE})
    assert resistant["pth"] > 1.1 * without["pth"]
    assert resistant["ca_total"] < without["ca_total"]
    # less calcitriol feedback on CYP27B1 and more PTH: calcitriol rises
    assert resistant["calcitriol"] > without["calcitriol"]
