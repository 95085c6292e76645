"""Steady-state calibration: rate constants derived from the healthy daily budget.

Following baseline-budget.md (and Peterson & Riggs 2010), each flux is written as a rate
constant times regulatory factors that equal 1 at the healthy reference; each rate constant
is then solved from its budgeted flux, so the healthy reference state is an exact steady
state by construction. The derivations are SymPy expressions of the primary parameters; they
are generated into the compiled model (:mod:`homeostasis.numerics.codegen`), so a
:class:`~homeostasis.parameters.ParameterSet` evaluates them without SymPy. The lambdified
versions here are the independent oracle the tests compare the generated code with.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp

from .hormones import cinacalcet_central_volume, cinacalcet_rate_constants, pth_release_rate
from .minerals import reference_ionized_calcium
from .regulation import hill, lambdify_modules
from .states import STATES, vdr_reference
from ..numerics.scales import scale_from_healthy
from ..parameters.table import parameter_names
from .symbols import P


def budget() -> dict[str, sp.Expr]:
    """Healthy fluxes and pools (mmol, mmol/day) implied by the reference parameters."""
    ionized = reference_ionized_calcium()
    gross_ca = P.reference_ca_absorption_fraction * P.reference_ca_intake
    faecal_ca = P.reference_ca_intake + P.reference_ca_gut_secretion - gross_ca
    absorbed_p = P.reference_phosphate_absorption_fraction * P.reference_phosphate_intake
    return {
        "ca_ionized": ionized,
        "ca_complexed": P.reference_ca_total * P.reference_complexed_fraction,
        "gross_ca_absorption": gross_ca,
        "lumen_ca": faecal_ca / P.gut_transit_rate,
        "urine_ca": gross_ca - P.reference_ca_gut_secretion,
        "absorbed_phosphate": absorbed_p,
        "gross_phosphate_absorption": absorbed_p + P.reference_phosphate_gut_secretion,
        "lumen_phosphate": (P.reference_phosphate_intake - absorbed_p) / P.gut_transit_rate,
        "urine_phosphate": absorbed_p,
        "gfr_volume": P.reference_gfr * P.ml_per_min_to_l_per_day,
    }


def _ecf(parameter):
    return parameter * P.ecf_volume


def derived_expressions() -> dict[str, sp.Expr]:
    """Every derived parameter as an expression of primary ones (dependency order)."""
    b = budget()
    d = {}
    bound = P.reference_ca_total * (1 - P.reference_ionized_fraction - P.reference_complexed_fraction)
    d["albumin_ca_capacity"] = bound * (P.albumin_ca_dissociation + b["ca_ionized"]) / b["ca_ionized"]
    d["ca_complex_ratio"] = P.reference_complexed_fraction / P.reference_ionized_fraction
    d.update(_gut(b))
    d.update(_kidney(b))
    d["phosphate_cell_uptake_rate"] = (P.reference_phosphate_cell_exchange
                                       / (P.reference_phosphate * P.phosphate_distribution_volume))
    d["phosphate_cell_release_rate"] = P.reference_phosphate_cell_exchange / P.reference_intracellular_phosphate
    d["phosphate_reserve_uptake_rate"] = (P.reference_phosphate_reserve_exchange
                                          / (P.reference_phosphate * P.phosphate_distribution_volume))
    d["phosphate_reserve_release_rate"] = P.reference_phosphate_reserve_exchange / P.reference_phosphate_reserve
    d["bone_exchange_uptake_rate"] = P.reference_bone_exchange_ca / b["ca_ionized"]
    d["bone_exchange_release_rate"] = P.reference_bone_exchange_ca / P.reference_bone_exchangeable_ca
    # whole-skeleton remodelling; bone.py splits it between cortical and trabecular bone by
    # trabecular_turnover_share, and every cell and signal factor is 1 in health
    d["bone_resorption_rate"] = P.reference_bone_turnover_ca
    d["bone_formation_rate"] = P.reference_bone_turnover_ca
    d.update(_hormones(b))
    d.update(_vitamin_d3())
    d["ppi_production_rate"] = P.ppi_hydrolysis_rate * P.reference_ppi
    return d


def _gut(b) -> dict[str, sp.Expr]:
    transcellular_km = P.ca_transcellular_km_ratio * b["lumen_ca"]
    active_km = P.phosphate_active_km_ratio * b["lumen_phosphate"]
    saturation_ca = b["lumen_ca"] / (transcellular_km + b["lumen_ca"])
    saturation_p = b["lumen_phosphate"] / (active_km + b["lumen_phosphate"])
    return {
        "ca_transcellular_km": transcellular_km,
        "ca_transcellular_vmax": b["gross_ca_absorption"] * P.reference_transcellular_share / saturation_ca,
        "ca_paracellular_rate": b["gross_ca_absorption"] * (1 - P.reference_transcellular_share) / b["lumen_ca"],
        "ca_gut_secretion_rate": P.reference_ca_gut_secretion / _ecf(P.reference_ca_total),
        "phosphate_passive_rate": (b["gross_phosphate_absorption"] * (1 - P.reference_active_phosphate_share)
                                   / b["lumen_phosphate"]),
        "phosphate_active_km": active_km,
        "phosphate_active_vmax": b["gross_phosphate_absorption"] * P.reference_active_phosphate_share / saturation_p,
        "phosphate_gut_secretion_rate": (P.reference_phosphate_gut_secretion
                                         / (P.reference_phosphate * P.phosphate_distribution_volume)),
    }


def _kidney(b) -> dict[str, sp.Expr]:
    filtered_ca = b["gfr_volume"] * (b["ca_ionized"] + b["ca_complexed"])
    after_proximal = 1 - P.reference_proximal_ca_fraction
    tal_of_delivered = P.reference_tal_ca_fraction / after_proximal
    distal_delivery = filtered_ca * (after_proximal - P.reference_tal_ca_fraction)
    distal_fraction = 1 - b["urine_ca"] / distal_delivery
    # the PTH-dependent share is what leaves the healthy urine calcium at reference PTH,
    # given the maximal distal reabsorption: 1 - share (1 - h_pth) - share_d (1 - h_d) = f / max
    pth_unsaturated = 1 - hill(P.reference_pth, P.dct_pth_half, P.dct_pth_hill)
    calcitriol_unsaturated = 1 - hill(vdr_reference(), P.dct_calcitriol_half, 1)
    pth_share = (1 - distal_fraction / P.dct_ca_reabsorption_max
                 - P.dct_calcitriol_share * calcitriol_unsaturated) / pth_unsaturated
    filtrate_p = P.phosphate_ultrafilterable_fraction * P.reference_phosphate
    reabsorbed_p = filtrate_p - b["urine_phosphate"] / b["gfr_volume"]
    n = P.tmp_smoothness
    return {
        # CaSR half-point at which tal_ca_reabsorption_max / (1 + (ca / half)^n) = tal_of_delivered
        "tal_casr_half": b["ca_ionized"] / (P.tal_ca_reabsorption_max / tal_of_delivered - 1) ** (1 / P.tal_casr_hill),
        "dct_pth_share": pth_share,
        # inverse of smooth_minimum: the transport maximum that reabsorbs reabsorbed_p
        "tmp_gfr_max": (reabsorbed_p ** (-n) - filtrate_p ** (-n)) ** (-1 / n),
    }


def _hormones(b) -> dict[str, sp.Expr]:
    pth_clearance = sp.log(2) / (P.pth_half_life / P.minutes_per_day)
    release = pth_release_rate(b["ca_ionized"])
    secretion = pth_clearance * P.reference_pth * P.pth_distribution_volume
    gland_store = secretion / release
    calcidiol_elimination = sp.log(2) / P.calcidiol_half_life
    calcitriol_catabolism = sp.log(2) / (P.calcitriol_half_life / P.hours_per_day)
    fgf23_clearance = sp.log(2) / (P.fgf23_half_life / P.minutes_per_day)
    return {
        "pth_clearance_rate": pth_clearance,
        "pth_synthesis_rate": (release + P.pth_gland_degradation_rate) * gland_store,
        "calcidiol_elimination_rate": calcidiol_elimination,
        "calcidiol_production_rate": calcidiol_elimination * P.reference_calcidiol * P.calcidiol_distribution_volume,
        "calcitriol_catabolism_rate": calcitriol_catabolism,
        # the renal share of the healthy production; the rest is constitutive extrarenal synthesis
        "calcitriol_synthesis_rate": ((1 - P.extrarenal_calcitriol_share) * calcitriol_catabolism
                                      * P.reference_calcitriol * P.calcitriol_distribution_volume),
        "fgf23_clearance_rate": fgf23_clearance,
        "fgf23_secretion_rate": fgf23_clearance * P.reference_fgf23 * P.fgf23_distribution_volume,
        **dict(zip(("cinacalcet_elimination_rate", "cinacalcet_distribution_rate", "cinacalcet_return_rate"),
                   cinacalcet_rate_constants())),
        "cinacalcet_central_volume": cinacalcet_central_volume(),
    }


def _vitamin_d3() -> dict[str, sp.Expr]:
    """Cholecalciferol pool rate constants from its half-life and the converted shares.

    At low pool size the pool turns over at ln 2 / half-life and a share f_low of it becomes
    25(OH)D; when the saturable (CYP2R1) route is saturated only the linear route competes
    with the loss, so the share is f_high.
    """
    turnover = sp.log(2) / P.vitamin_d3_half_life
    loss = (1 - P.d3_converted_fraction_low) * turnover
    linear = P.d3_converted_fraction_high / (1 - P.d3_converted_fraction_high) * loss
    saturable_initial = P.d3_converted_fraction_low * turnover - linear
    return {"d3_loss_rate": loss, "d3_linear_hydroxylation_rate": linear,
            "d3_hydroxylation_km": P.d3_hydroxylation_vmax / saturable_initial}


def reference_state_expressions() -> dict[str, sp.Expr]:
    """The healthy steady state of every state variable, as each State declares it."""
    b = budget()
    return {state.name: state.healthy_expression(b) for state in STATES}


@lru_cache(maxsize=1)
def _derivation_functions():
    expressions = derived_expressions()
    symbols = P.all()
    modules = lambdify_modules("math")
    return {name: sp.lambdify([symbols], expr, modules=modules) for name, expr in expressions.items()}


def derive(primary: dict[str, float]) -> dict[str, float]:
    """Evaluate the derived parameters from primary values (derived ones may chain)."""
    values = dict.fromkeys(parameter_names(), np.nan)
    values.update(primary)
    out = {}
    for name, function in _derivation_functions().items():
        out[name] = values[name] = float(function([values[n] for n in parameter_names()]))
    return out


@lru_cache(maxsize=1)
def _reference_state_function():
    expressions = reference_state_expressions()
    ordered = [expressions[s.name] for s in STATES]
    return sp.lambdify([P.all()], ordered, modules=lambdify_modules("math"))


def reference_state(parameters) -> np.ndarray:
    """The healthy reference state vector for a :class:`ParameterSet`."""
    return np.array(_reference_state_function()(list(parameters.vector)), dtype=float)


def state_scale(parameters) -> np.ndarray:
    """Typical magnitude of each state, for scaling and checkpoints (no zeros).

    Pools that are empty in health (adenoma, drug) take the size of the state they declare
    as ``scale_like``; others take 1 (the rule in :func:`homeostasis.numerics.scales.scale_from_healthy`,
    shared with the compiled model). Without ``State.tolerance_factor``, deliberately: the SBML
    export divides each state by this size (its ``*_scale`` parameters) and the dimension check
    evaluates the model at it, so it must be the state's typical size, not a solver's tolerance
    choice; the factor (a loosened absolute tolerance for the package's own solvers, see
    ``pth_exposure_duty``) is applied only by :meth:`CompiledModel.scale_from
    <homeostasis.numerics.cache.CompiledModel.scale_from>`. The exported SBML, tolerance hints
    included, is therefore unchanged: an external tool follows that share tighter than needed,
    which costs it time, never accuracy.
    """
    return scale_from_healthy(reference_state(parameters), [s.name for s in STATES],
                              {s.name: s.scale_like for s in STATES if s.scale_like})
