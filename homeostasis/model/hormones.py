"""Hormone kinetics: PTH (gland store, plasma, gland mass), vitamin D metabolites, FGF23."""

from __future__ import annotations

import sympy as sp

from .minerals import (kidney, phosphate_gut_outflows, phosphate_gut_secretion, phosphate_unbound_share,
                       pth_receptor_activation, reference_ionized_calcium, relaxation)
from .regulation import emax_effect, hill, pos, power, stimulation, suppression, tracking_rate
from .structure import Process
from .symbols import TIME, P


def pth_release_rate(ca_ionized, hill=P.pth_release_hill, minimum=P.pth_release_min, span_factor=1):
    """Fractional release of stored PTH: Brown's four-parameter inverse sigmoid of ionized Ca.

    Release empties a gland store that is refilled by synthesis, so a step fall in calcium
    gives a peak of PTH that settles to a lower plateau as the store depletes (Schwarz 1993).
    ``span_factor`` scales the suppressible part (above the Brown minimum) only.
    """
    span = P.pth_release_max - minimum
    return span * span_factor / (1 + (ca_ionized / P.pth_release_set_point) ** hill) + minimum


def rising_calcium_suppression(c):
    """Extra suppression of the suppressible release as calcium rises above normal and above the level
    the gland has adapted to (1 at every steady state and whenever calcium is at or below either).

    In vivo the normal gland reaches its floor within a few hundredths of a mmol/L above basal
    ionized calcium, while it needs ~0.1-0.2 below basal to reach half its maximum: intact PTH
    fell 75 +/- 5 % for an ionized rise of 5.9 % (+0.07 mmol/L) within 3 h of oral calcium
    (1 g/50 kg) in controls (PMID 2174192), N-terminal PTH 73 +/- 6 % for total calcium +0.085
    (Tohme et al. 1990), about the floor of calcium infusions (Brent et al. 1988, 0.24-0.28x) and of
    a +0.20 clamp (Schwarz et al. 1993, ~1/4). The Brown curve fitted to the stimulated side
    (Hill 16 about the set point) is kept; above the adapted calcium the span shrinks by a Hill 4
    of the relative rise (smooth to third order, as :func:`falling_calcium_stimulation`), so the
    floor (``pth_release_min``) is unchanged. The adapted level is a slow trace of ionized calcium
    (``parathyroid_adapted_ca``): the set point follows a raised calcium over weeks (haemodialysis
    patients whose predialysis calcium was raised for 6 weeks, Pahl et al. 1996 Kidney Int 49:226;
    raised in primary hyperparathyroidism and normal after parathyroidectomy, Schwarz et al. 1994).
    Only upward adaptation is sourced, so below normal the threshold stays at normal calcium (a
    cinacalcet-lowered calcium that dialysis raises back towards normal is not suppressed).
    """
    adapted = c.y["parathyroid_adapted_ca"]
    rise = pos(c.relative_ca - adapted - pos(1 - adapted))
    return 1 - P.pth_release_rise_suppression * hill(rise, P.pth_release_rise_half, 4)


def sensed_calcium(c):
    """Calcium signal at the parathyroid CaSR.

    Calcimimetics raise its sensitivity; VDR activation keeps CaSR expressed (so calcitriol
    deficiency blunts it) and phosphate antagonises the receptor directly.
    """
    occupancy = c.cinacalcet / (c.cinacalcet + P.cinacalcet_ec50)
    expression = parathyroid_vdr_signal(c) ** P.casr_calcitriol_exponent
    antagonism = (c.phosphate / P.reference_phosphate) ** (-P.casr_phosphate_exponent)
    return c.ca_ionized * (1 + P.cinacalcet_emax * occupancy) * expression * antagonism


def parathyroid_vdr_signal(c):
    """VDR signal of the parathyroid cell relative to healthy: plasma VDR ligand through a first-order lag.

    Calcitriol acts on the gland by transcription (PTH gene, CaSR, proliferation), so its effect
    builds and fades over about a day, not with plasma calcitriol itself: in vitro PTH mRNA falls
    over 24-48 h of 1,25(OH)2D3 (Silver et al. 1986 J Clin Invest 78:1296); see
    ``parathyroid_vdr_time_constant``. 1 at every steady state of a healthy VDR ligand.
    """
    return c.y["parathyroid_vdr_signal"]


def parathyroid_vdr_processes(c) -> list[Process]:
    return relaxation("parathyroid_vdr_signal", c.vdr_ligand / c.vdr_reference, P.parathyroid_vdr_time_constant,
                      "parathyroid VDR signal (lagged plasma VDR ligand, relative to healthy)")


def parathyroid_vdr_suppression(c, half, floor=0):
    """An inhibitory factor of the lagged parathyroid VDR signal (1 at a healthy steady state)."""
    return suppression(parathyroid_vdr_signal(c) * c.vdr_reference, c.vdr_reference, half, 1, floor)


def pth_synthesis_regulation(c):
    return (parathyroid_vdr_suppression(c, P.pth_synthesis_calcitriol_half, P.pth_synthesis_calcitriol_floor)
            * phosphate_excess_stimulation(c))


def phosphate_excess_stimulation(c):
    """Phosphate above normal raises PTH secretion by the gland directly, within hours and
    independently of calcium and calcitriol (Almaden et al. 1996 and 1998; Slatopolsky et al.
    1996; in man, Reiss et al. 1970: PTH up within 1-2 h of an oral phosphate load). The
    stimulus is the excess over the healthy level, so phosphate restriction and the low
    phosphate of primary hyperparathyroidism leave synthesis unchanged (1 at and below normal).
    """
    excess = pos(c.phosphate - P.reference_phosphate)
    return 1 + P.pth_synthesis_phosphate_emax * hill(excess, P.pth_synthesis_phosphate_half,
                                                     P.pth_synthesis_phosphate_hill)


def parathyroid_growth_drive(c):
    """Steady-state gland mass: low calcium (CaSR), low calcitriol (VDR) and high phosphate."""
    return (suppression(sensed_calcium(c), reference_ionized_calcium(), P.gland_ca_half, P.gland_ca_hill)
            * parathyroid_vdr_suppression(c, P.gland_calcitriol_half)
            * (c.phosphate / P.reference_phosphate) ** P.gland_phosphate_exponent)


def pth_rhythm():
    """Endogenous circadian modulation of PTH release (1 when pth_rhythm_amplitude is 0).

    Intact PTH has a nocturnal peak in the early morning hours and a trough in the late
    morning, independent of meals (Jubiz et al. 1972 J Clin Invest 51:2040; el-Hajj Fuleihan
    et al. 1997 J Clin Endocrinol Metab 82:281). TIME is in days.
    """
    phase = 2 * sp.pi * (TIME * P.hours_per_day - P.pth_rhythm_peak_hour) / P.circadian_period
    return 1 + P.pth_rhythm_amplitude * sp.cos(phase)


def falling_calcium_stimulation(c):
    """Extra release of stored PTH while ionized calcium is falling (1 at every steady state).

    The gland answers the fall of calcium below its recent level, not only the level itself:
    during recovery from induced hypercalcaemia PTH rises again while calcium is still high
    (hysteresis, Conlin et al. 1989 J Clin Endocrinol Metab 69:593, recalled; a fall of plasma
    calcium releases PTH whatever the starting level, even in hypercalcaemia, De Cristofaro et al.,
    Nephrol Dial Transplant; a burst of pulsatile secretion in the first 30 min of a fall, Schmitt
    et al. 1996 J Clin Endocrinol Metab 81:4236). The stimulus is the fall of relative ionized
    calcium below its own recent value (a first-order trace, ``parathyroid_recent_ca``), so a rise
    or a steady level leaves release unchanged. Hill 4 on the positive part keeps the right-hand
    side smooth to third order at every steady state (with Hill 2 the central-difference Jacobian
    at the reference missed the analytic one by 0.04 /day).
    """
    fall = pos(c.y["parathyroid_recent_ca"] - c.relative_ca)
    return 1 + P.pth_fall_emax * hill(fall, P.pth_fall_half, 4)


def loop_diuretic_parathyroid_stimulation():
    """Rise of PTH synthesis and release under a loop diuretic (1 without one): it scales both, so
    that it lasts (a release gain alone only empties the gland store).

    Furosemide raises PTH within hours with ionized calcium unchanged: 80 mg orally, median PTH
    3.9 vs 1.8 pmol/L at 3 h and 4.0 vs 2.6 at 6 h in seven normal subjects, an effect specific to
    frusemide among antihypertensives, thiazides included (Nephrol Dial Transplant 1992 7(1), doi
    10.1093/oxfordjournals.ndt.a091995); 20 mg iv, a sharp rise without electrolyte change, blunted by
    cinacalcet, with NKCC1 (which loop diuretics block; not NKCC2) in human parathyroid tissue
    (Muller et al. 2015 Pflugers Arch 467:2413, doi 10.1007/s00424-015-1714-4). The signal is the
    loop diuretic's occupancy at its half dose; the adenoma gets the same factor (ASSUMPTION).
    """
    occupancy = emax_effect(P.loop_diuretic_dose, 1, P.loop_diuretic_ed50)
    return 1 + P.loop_diuretic_pth_gain * occupancy


def pth_processes(c) -> list[Process]:
    y = c.y
    mass = y["parathyroid_mass"]
    trace_time = P.pth_fall_time_constant / P.minutes_per_day
    diuretic = loop_diuretic_parathyroid_stimulation()
    return relaxation("parathyroid_recent_ca", c.relative_ca, trace_time,
                      "recent ionized calcium sensed by the parathyroid (trace of its fall)") + relaxation(
        "parathyroid_adapted_ca", c.relative_ca, P.pth_set_point_adaptation_time,
        "ionized calcium the parathyroid has adapted to (slow trace)") + parathyroid_vdr_processes(c) + [
        Process("pth_synthesis", P.pth_synthesis_rate * pos(mass) * pth_synthesis_regulation(c) * diuretic,
                None, "pth_gland", "pmol/day", "PTH synthesis, proportional to functional gland mass"),
        Process("pth_release", pth_release_rate(sensed_calcium(c), span_factor=rising_calcium_suppression(c))
                * falling_calcium_stimulation(c) * pth_rhythm()
                * diuretic * y["pth_gland"],
                "pth_gland", "pth_plasma", "pmol/day", "calcium-regulated exocytosis of stored PTH"),
        Process("pth_infusion", P.pth_infusion_rate, None, "pth_plasma", "pmol/day", "intravenous PTH infusion"),
        Process("pth_gland_degradation", P.pth_gland_degradation_rate * y["pth_gland"],
                "pth_gland", None, "pmol/day", "intracellular degradation of stored PTH"),
        Process("pth_clearance", P.pth_clearance_rate * y["pth_plasma"],
                "pth_plasma", None, "pmol/day", "hepatic and renal clearance of intact PTH"),
        Process("parathyroid_proliferation", P.parathyroid_turnover_rate * mass * parathyroid_growth_drive(c),
                None, "parathyroid_mass", "1/day", "parathyroid cell proliferation (hyperplasia)"),
        Process("parathyroid_involution", P.parathyroid_turnover_rate * mass * pos(mass) / P.parathyroid_capacity,
                "parathyroid_mass", None, "1/day", "parathyroid cell loss (crowding-limited)"),
    ]


def adenoma_processes(c) -> list[Process]:
    """An autonomous adenoma: its own store, a raised set point, a flatter calcium response and a
    larger release that calcium cannot suppress (fewer CaSR on adenoma cells: in vitro most
    adenomas are suppressed by only 50-90 % by high calcium, some by less than half, Brown et al.
    1978 and 1979), logistic growth."""
    y = c.y
    adenoma = y["adenoma_mass"]
    release = pth_release_rate(sensed_calcium(c) - P.adenoma_set_point_shift, P.adenoma_release_hill,
                               minimum=P.adenoma_release_min)
    diuretic = loop_diuretic_parathyroid_stimulation()
    growth = P.adenoma_growth_rate * adenoma * (1 - pos(adenoma) / P.adenoma_capacity)
    return [
        Process("adenoma_growth", growth, None, "adenoma_mass", "1/day", "logistic adenoma growth"),
        Process("adenoma_pth_synthesis", P.pth_synthesis_rate * pos(adenoma) * pth_synthesis_regulation(c) * diuretic,
                None, "pth_adenoma", "pmol/day", "PTH synthesis by adenoma cells"),
        Process("adenoma_pth_release", release * diuretic * y["pth_adenoma"], "pth_adenoma", "pth_plasma", "pmol/day",
                "release of adenoma PTH, suppressed only at a higher calcium"),
        Process("adenoma_pth_degradation", P.pth_gland_degradation_rate * y["pth_adenoma"],
                "pth_adenoma", None, "pmol/day", "intracellular degradation in adenoma cells"),
    ]


def cinacalcet_rate_constants():
    """Two-compartment micro-constants (1/day): elimination k10, distribution k12, return k21
    (derived parameters, :mod:`.calibration`), a valid model for every value within the table's bounds.

    Plasma cinacalcet falls in two phases, an initial half-life of ~6 h and a terminal one of
    30-40 h, with ~1000 L at steady state (Sensipar prescribing information; Padhi & Harris 2009):
    the hybrid rates alpha and beta are the roots of s^2 - (k10 + k12 + k21) s + k10 k21. The third
    disposition parameter is the share of a dose's AUC in the terminal phase, ``g`` (for
    C = A e^-alpha t + B e^-beta t, g = (B/beta) / (A/alpha + B/beta)), not the central volume: since
    CL = Vc k10 = dose / AUC and AUC = (A + B) / k10, k10 = (1 - g) alpha + g beta, the AUC-weighted
    mean of the hybrid rates, k21 = alpha beta / k10 and k12 = alpha + beta - k10 - k21
    = (alpha - k21)(k21 - beta) / k21. For any g in (0, 1) and alpha != beta all three lie between
    beta and alpha (k12 > 0), whereas two half-lives and two volumes admit a model only if
    (alpha + beta)^2 >= 4 (Vss/Vc) alpha beta (the former parametrisation, whose default sat 10 %
    from that boundary: 129 of 200 sets drawn x0.8-1.2 were refused). A small g (most of a dose
    eliminated in the initial phase) lets a dose's effect wane within the dosing interval: PTH
    nadir 2-4 h after a dose, near baseline at trough (Shoback et al. 2003).
    """
    alpha = sp.log(2) / (P.cinacalcet_initial_half_life / P.hours_per_day)
    beta = sp.log(2) / (P.cinacalcet_half_life / P.hours_per_day)
    share = P.cinacalcet_terminal_auc_fraction
    k10 = (1 - share) * alpha + share * beta
    k21 = alpha * beta / k10
    return k10, (alpha - k21) * (k21 - beta) / k21, k21


def cinacalcet_central_volume():
    """Central volume (L) from the steady-state volume: Vss = Vc (1 + k12/k21), so Vc lies between
    Vss 4 alpha beta / (alpha + beta)^2 and Vss (derived parameter, :mod:`.calibration`)."""
    _, k12, k21 = cinacalcet_rate_constants()
    return P.cinacalcet_distribution_volume * k21 / (k12 + k21)


def cinacalcet_processes(c) -> list[Process]:
    y = c.y
    k10, k12, k21 = P.cinacalcet_elimination_rate, P.cinacalcet_distribution_rate, P.cinacalcet_return_rate
    return [
        Process("cinacalcet_absorption", P.cinacalcet_absorption_rate * y["cinacalcet_gut"],
                "cinacalcet_gut", "cinacalcet_plasma", "umol/day", "oral absorption of cinacalcet"),
        Process("cinacalcet_elimination", k10 * y["cinacalcet_plasma"],
                "cinacalcet_plasma", None, "umol/day", "hepatic elimination of cinacalcet"),
        Process("cinacalcet_distribution", k12 * y["cinacalcet_plasma"], "cinacalcet_plasma",
                "cinacalcet_peripheral", "umol/day", "cinacalcet distribution into slowly equilibrating tissues"),
        Process("cinacalcet_redistribution", k21 * y["cinacalcet_peripheral"], "cinacalcet_peripheral",
                "cinacalcet_plasma", "umol/day", "cinacalcet return from slowly equilibrating tissues"),
    ]


def hydroxylase_drive(c):
    """Renal CYP27B1 expression: up with PTH; down with FGF23, phosphate and calcitriol.

    The PTH signal is PTH plus a small share of PTHrP: PTHrP activates PTH1R in bone and
    tubule but induces CYP27B1 weakly (Horwitz et al. 2003 and 2005; Stewart et al. 1980:
    low calcitriol in humoral hypercalcaemia of malignancy, high in PHPT). Phosphate acts
    directly around its normal level (Portale et al. 1986, 1989) and through the dietary
    phosphate load (its post-prandial excursions, see :func:`dietary_phosphate_load`).
    """
    return (stimulation(c.hydroxylase_receptor, P.reference_pth, P.hydroxylase_pth_half, P.hydroxylase_pth_hill,
                        P.hydroxylase_pth_emax)
            * suppression(c.fgf23, P.reference_fgf23, P.hydroxylase_fgf23_half, P.hydroxylase_fgf23_hill,
                          P.hydroxylase_fgf23_floor)
            * suppression(c.phosphate, P.reference_phosphate, P.hydroxylase_phosphate_half, P.hydroxylase_phosphate_hill)
            # suppression with its half-point at the healthy load (1), written with power() so the
            # Jacobian stays finite when the load is zero (no intake)
            * 2 / (1 + power(pos(c.y["dietary_phosphate_signal"]), P.hydroxylase_dietary_phosphate_hill))
            * suppression(c.vdr_ligand, c.vdr_reference, P.hydroxylase_calcitriol_half, 1))


def hydroxylase_induction_processes(c) -> list[Process]:
    """Renal CYP27B1 in two steps: its mRNA follows the transcriptional drive within hours, the
    enzyme protein follows the mRNA with its own, slower turnover (``hydroxylase_time_constant``).

    PTH1R signalling (cAMP/PKA) raises CYP27B1 transcription through cAMP response elements of
    its promoter (Kong et al. 1999 PNAS 96:6988; Brenza et al. 1998), and serum 1,25(OH)2D rises
    within a 6-h PTH(1-34) infusion; the enzyme made meanwhile keeps synthesising calcitriol after
    the PTH pulse has gone, so a single teriparatide injection raises 1,25(OH)2D for a day or two.
    At any steady state the mRNA settles to the drive (:func:`hydroxylase_drive`; the pulse term
    is 1 there) and the enzyme to the mRNA, so steady states are those of a one-step enzyme.
    """
    mrna_time_constant = P.hydroxylase_mrna_half_life / sp.log(2) / P.hours_per_day
    signal = c.hydroxylase_receptor / P.reference_pth
    return [
        *pth_adaptation_processes(c, signal),
        *relaxation("hydroxylase_mrna", hydroxylase_drive(c) * hydroxylase_pulse_induction(c, signal),
                    mrna_time_constant,
                    "renal CYP27B1 mRNA (transcription driven by PTH1R, repressed by FGF23, phosphate, calcitriol)"),
        *relaxation("hydroxylase_activity", c.y["hydroxylase_mrna"], P.hydroxylase_time_constant,
                    "renal CYP27B1 enzyme protein, translated from its mRNA"),
    ]


def pth_adaptation_processes(c, signal) -> list[Process]:
    """The PTH1R signal the tubule's CYP27B1 response has adapted to: it climbs with the signal
    over ``hydroxylase_pth_adaptation_time`` but lets go only over ``hydroxylase_pth_deadaptation_time``.

    With equal times it follows the mean signal; with a slower release it follows the peaks of
    repeated pulses, so daily teriparatide settles near +20-30 % calcitriol after a month (Cosman
    et al. 2012 Bone 50:1368: +27 % at 1 month, +19 % at 12 months in women) although one injection
    gives ~+80 % a day later (teriparatide-2012). A lasting signal still ends at the signal, so every
    steady state is unchanged. The rate constant passes from the release to the climbing one over a
    logistic switch of width ``hydroxylase_pth_adaptation_switch`` around signal = adapted: a hard
    switch (max(x, 0) on either side) put a kink at every steady state, where the analytic Jacobian
    then read 0 instead of the mean of the two rate constants.
    """
    adapted = c.y["hydroxylase_pth_adapted"]
    rate = tracking_rate(signal, adapted, P.hydroxylase_pth_adaptation_time, P.hydroxylase_pth_deadaptation_time,
                         P.hydroxylase_pth_adaptation_switch)
    meaning = "PTH1R signal at CYP27B1 the proximal tubule has adapted to"
    return [
        Process("hydroxylase_pth_adapted_gain", rate * signal, None, "hydroxylase_pth_adapted", "1/day",
                meaning + " (towards the signal)"),
        Process("hydroxylase_pth_adapted_loss", rate * adapted, "hydroxylase_pth_adapted", None, "1/day",
                meaning + " (turnover)"),
    ]


def hydroxylase_pulse_induction(c, signal):
    """Extra CYP27B1 transcription while the PTH1R signal is well above the one the tubule has
    adapted to (1 in any lasting state, so every steady state keeps :func:`hydroxylase_drive`).

    A lasting rise of PTH raises calcitriol little (primary hyperparathyroidism: 1.0-1.8x at PTH
    several-fold normal; Horwitz et al. 2011 J Bone Miner Res 26:2287: unaltered over a 7-day
    PTH(1-34) infusion), whereas a single teriparatide injection, whose PTH1R signal is tens of
    times normal for 2-3 h, raises it by ~80 % a day later (teriparatide-2012, PMID 23093347) and
    a 6-h PTH(1-34) infusion within hours. The model reads this as the tubule's CYP27B1 response
    adapting to a sustained signal over days (``hydroxylase_pth_adaptation_time``: an assumption,
    no human measurement of the adaptation itself was found; Hulter et al. 1985 J Clin Invest
    76:695: a 12-day PTH infusion in dogs did not hold calcitriol up). Steep (Hill
    ``hydroxylase_pulse_hill``), so the +24 % of a low-dose infusion or the day-to-day scatter of
    PTH do not count.
    """
    excess = pos(signal / c.y["hydroxylase_pth_adapted"] - 1)
    return 1 + P.hydroxylase_pulse_emax * hill(excess, P.hydroxylase_pulse_half, P.hydroxylase_pulse_hill)


def dietary_phosphate_load(c):
    """Unbound dietary phosphorus passing through the gut, relative to the healthy intake (1 in health).

    It stands for the post-prandial rise of serum phosphate after each meal, which a model with
    continuous intake does not show: calcitriol production follows dietary phosphorus through the
    24-h mean serum phosphate, not the fasting level (Portale et al. 1986 J Clin Invest 77:7 and
    1987 J Clin Invest 80:1147: restriction abolishes the afternoon rise; supplementation lowers
    calcitriol by 29 % with the fasting phosphate unchanged; Van den Berg et al. 1980 J Clin
    Endocrinol Metab 51:998: 2 g/day of oral phosphorus lowers calcitriol by ~40 % with fasting
    serum phosphate and PTH unchanged). It acts independently of PTH: on restriction calcitriol
    rises although PTH falls (Portale et al. 1984 J Clin Invest 73:1580: +60 % with PTH -25 %).
    It is read from the phosphate leaving the gut lumen (absorbed plus faecal), which equals the
    intake at steady state whatever calcitriol does to absorption, and averages to it over a day
    when intake comes as meals (``daily-rhythm``); the binder-bound share is taken off. The
    hydroxylase sees it averaged over about a day (``dietary_phosphate_signal``), as the 24-h
    mean serum phosphate of Portale et al. 1987, so three meals a day do not raise calcitriol.
    """
    dietary = sum(phosphate_gut_outflows(c).values()) - phosphate_gut_secretion(c)
    return phosphate_unbound_share(c) * dietary / P.reference_phosphate_intake


def substrate_factor(c, km=P.hydroxylase_calcidiol_km):
    """Michaelis-Menten dependence of calcitriol synthesis on 25(OH)D, 1 when healthy."""
    return (c.calcidiol / (km + c.calcidiol)) * ((km + P.reference_calcidiol) / P.reference_calcidiol)


def constitutive_extrarenal_synthesis(c):
    """Calcitriol made outside the kidney (and by what the renal model does not regulate): substrate-
    limited, not induced by PTH nor suppressed by FGF23, phosphate or calcitriol.

    CYP27B1 is expressed in macrophages, parathyroid, skin, bone and placenta, and its product
    reaches the plasma: haemodialysis patients keep measurable 1,25(OH)2D that rises with 25(OH)D
    (five haemodialysis patients given oral 25-OH-D3 for 4 weeks: 25-OH-D3 26 -> 108 ng/mL,
    1,25(OH)2D3 6.6 -> 21.7 pg/mL, abstract of "Plasma vitamin D metabolite concentrations in chronic
    renal failure: effect of oral administration of 25-hydroxyvitamin D3", read on scilit.net;
    cholecalciferol 40 000 IU/day made 1,25(OH)2D3 detectable in anephric dialysis patients,
    "Evidence for extrarenal metabolism of 25-hydroxyvitamin D3", Clin Sci 71:89, abstract), so
    nutritional vitamin D raises calcitriol on dialysis (Armas et al. 2013). In health the kidney makes nearly all of it, so the share
    ``extrarenal_calcitriol_share`` is small there; the renal rate is derived so that the healthy
    total is unchanged. Its 25(OH)D is part of the first-order ``calcidiol_elimination`` (as the renal one).
    """
    share = P.extrarenal_calcitriol_share
    healthy_total = P.calcitriol_catabolism_rate * P.reference_calcitriol * P.calcitriol_distribution_volume
    return share * healthy_total * substrate_factor(c, P.extrarenal_calcidiol_km)


def granuloma_synthesis(c):
    """Substrate-limited, unregulated macrophage CYP27B1, suppressed by glucocorticoids."""
    substrate = substrate_factor(c, P.granuloma_calcidiol_km)
    steroid = P.glucocorticoid_granuloma_ic50 / (P.glucocorticoid_granuloma_ic50 + P.glucocorticoid_dose)
    return P.granuloma_calcitriol_synthesis * P.granuloma_burden * substrate * steroid


def calcidiol_catabolism_induction(c):
    """25(OH)D catabolism relative to health: its CYP24A1 share rises in proportion to serum calcitriol.

    CYP24A1, induced by calcitriol through the VDR, 24-hydroxylates 25(OH)D as well as calcitriol
    (Jones, Prosser & Kaufmann 2014), so high calcitriol shortens the 25(OH)D half-life: secondary
    hyperparathyroidism of calcium deprivation (Clements et al. 1987 Nature 325:62), primary
    hyperparathyroidism (Clements et al. 1987 Clin Sci 73:659) and raised calcitriol in human
    subjects (Clements et al. 1992 Clin Endocrinol 37:17; Davies et al. 1997 J Clin Endocrinol
    Metab 82:209). Serum calcitriol, not 25(OH)D, is the inducer: 24,25(OH)2D rises in proportion
    to 25(OH)D on cholecalciferol at normal calcitriol (Wagner et al. 2011), i.e. first order in
    25(OH)D. FGF23 is left out: 24,25(OH)2D falls with eGFR in CKD despite high FGF23
    (Bosworth et al. 2012). 1 in health, so the healthy state is unchanged.
    """
    share = P.cyp24_calcidiol_share
    return 1 - share + share * c.calcitriol / P.reference_calcitriol


def calcitriol_renal_clearance_factor(c):
    """Calcitriol clearance relative to normal renal function: its renal share falls with GFR.

    The kidney is a main site of CYP24A1, and uraemia slows calcitriol clearance despite high
    FGF23: metabolic clearance of i.v. calcitriol 23.5 +/- 4.3 mL/min in healthy men against
    10.1 +/- 1.4 mL/min in uraemic patients (Brandi, Egfjord & Olgaard, Nephrol Dial Transplant,
    abstract); oral calcitriol half-time 5-8 h in normal subjects against 18-44 h in chronic renal
    failure (Clin Sci 62:427, abstract); serum 24,25(OH)2D falls with eGFR (Bosworth et al. 2012).
    1 at the reference GFR, so health is unchanged. Packaged share 0.87 with CYP27B1 capacity in
    proportion to nephron mass (``hydroxylase_nephron_exponent`` 1), so that CKD G3-G4 calcitriol
    still falls to the clinical targets (see the parameters' sources)."""
    return 1 - P.calcitriol_renal_clearance_share * (1 - c.gfr / P.reference_gfr)


def vitamin_d_processes(c) -> list[Process]:
    y = c.y
    # CYP27B1 capacity falls with nephron mass, less than proportionally (remnant hypertrophy)
    renal_mass = (c.gfr / P.reference_gfr) ** P.hydroxylase_nephron_exponent
    return [
        Process("calcidiol_production", P.calcidiol_production_rate * P.vitamin_d_supply,
                None, "calcidiol_amount", "nmol/day", "hepatic 25-hydroxylation of vitamin D"),
        *vitamin_d3_processes(c),
        Process("calcifediol_dosing", P.calcifediol_bioavailability * P.calcifediol_dose_rate, None,
                "calcidiol_amount", "nmol/day", "oral calcifediol (25(OH)D3) absorbed"),
        Process("calcidiol_elimination", P.calcidiol_elimination_rate * calcidiol_catabolism_induction(c)
                * y["calcidiol_amount"], "calcidiol_amount", None, "nmol/day",
                "25(OH)D catabolism (CYP24A1 share induced by calcitriol)"),
        *relaxation("dietary_phosphate_signal", dietary_phosphate_load(c), P.dietary_phosphate_signal_time_constant,
                    "day-averaged dietary phosphorus load sensed by the kidney"),
        *hydroxylase_induction_processes(c),
        Process("calcitriol_synthesis",
                P.calcitriol_synthesis_rate * y["hydroxylase_activity"] * renal_mass * substrate_factor(c),
                None, "calcitriol_amount", "pmol/day", "renal 1-alpha-hydroxylation of 25(OH)D"),
        Process("calcitriol_constitutive_extrarenal_synthesis", constitutive_extrarenal_synthesis(c), None,
                "calcitriol_amount", "pmol/day",
                "extrarenal and residual 1-alpha-hydroxylation of 25(OH)D (substrate-limited, unregulated)"),
        Process("calcitriol_extrarenal_synthesis", granuloma_synthesis(c), None, "calcitriol_amount",
                "pmol/day", "granuloma macrophage 1-alpha-hydroxylation (PTH-, FGF23- and phosphate-insensitive)"),
        # the substrate of that synthesis, one 25(OH)D per calcitriol (the renal conversion, ~4 nmol/day
        # in health, is part of the first-order calcidiol_elimination it was calibrated with)
        Process("calcidiol_granuloma_uptake", granuloma_synthesis(c) / P.pmol_per_nmol, "calcidiol_amount", None,
                "nmol/day", "25(OH)D consumed by granuloma macrophage 1-alpha-hydroxylation"),
        Process("calcitriol_dosing", P.calcitriol_dose_rate, None, "calcitriol_amount", "pmol/day",
                "oral calcitriol"),
        Process("calcitriol_catabolism",
                P.calcitriol_catabolism_rate * calcitriol_renal_clearance_factor(c)
                * stimulation(c.fgf23, P.reference_fgf23, P.cyp24_fgf23_half, 1, P.cyp24_fgf23_emax)
                * y["calcitriol_amount"],
                "calcitriol_amount", None, "pmol/day",
                "CYP24A1 24-hydroxylation (induced by FGF23; its renal share falls with GFR)"),
    ]


def vitamin_d3_processes(c) -> list[Process]:
    """Supplemental cholecalciferol: a plasma pool cleared by hepatic 25-hydroxylation, by
    uptake into adipose tissue (which releases it again over weeks) and by catabolism.

    25-hydroxylation has a high-affinity saturable component (CYP2R1, half-saturated at a few
    tens of ug/day of intake) and a low-affinity, effectively linear one (CYP27A1), so the
    share of each pass through the plasma pool that becomes 25(OH)D falls from 25 % at low
    doses to 6.5 % when CYP2R1 is saturated; what fat returns passes again (Barger-Lux et al.
    1998; Heaney et al. 2003; Ilahi et al. 2008; Jetter et al. 2014). The healthy supply stays
    in ``calcidiol_production``; both pools are empty in health.
    """
    # no positive-part clamp: the pool is empty in health, where a clamp would make its
    # derivative (and so the steady-state Jacobian used by the fitting sensitivities) singular
    d3 = c.y["vitamin_d3_amount"]
    saturable = P.d3_hydroxylation_vmax * d3 / (P.d3_hydroxylation_km + d3)
    return [
        Process("vitamin_d3_dosing", P.vitamin_d3_dose_rate, None, "vitamin_d3_amount", "nmol/day",
                "oral cholecalciferol absorbed"),
        Process("vitamin_d3_25_hydroxylation", saturable + P.d3_linear_hydroxylation_rate * d3,
                "vitamin_d3_amount", "calcidiol_amount", "nmol/day",
                "hepatic 25-hydroxylation (saturable CYP2R1 + linear CYP27A1)"),
        Process("vitamin_d3_loss", (1 - P.d3_storage_share) * P.d3_loss_rate * d3, "vitamin_d3_amount", None,
                "nmol/day", "cholecalciferol catabolism other than 25-hydroxylation"),
        *vitamin_d3_storage_processes(c),
    ]


def vitamin_d3_storage_processes(c) -> list[Process]:
    """Cholecalciferol taken up by adipose tissue and released back to plasma over weeks.

    Most body vitamin D3 sits in fat (Heaney et al. 2009 J Am Coll Nutr 28:252; Mawer et al.
    1972 Clin Sci 43:413), so a large bolus raises 25(OH)D less at its peak and for longer than
    the plasma pool alone would give: 100 000 IU raises it from 27 to a mean maximum of 42 ng/mL
    and keeps it above baseline for about two months (Ilahi, Armas & Heaney 2008 Am J Clin Nutr
    87:688). Both pools are empty in health.
    """
    d3, stored = c.y["vitamin_d3_amount"], c.y["vitamin_d3_stored"]
    release = sp.log(2) / P.d3_storage_half_life
    return [
        Process("vitamin_d3_storage", P.d3_storage_share * P.d3_loss_rate * d3, "vitamin_d3_amount",
                "vitamin_d3_stored", "nmol/day", "cholecalciferol taken up by adipose tissue"),
        Process("vitamin_d3_release", release * stored, "vitamin_d3_stored", "vitamin_d3_amount", "nmol/day",
                "cholecalciferol released from adipose tissue"),
    ]


def fgf23_drive(c):
    """Osteocyte FGF23 expression target (1 when healthy).

    Nephron loss raises FGF23 in proportion (the per-nephron phosphate load, with Klotho
    deficiency: Isakova et al. 2011); serum phosphate and VDR activation stimulate it. The
    body's phosphate balance term (urinary phosphate, equal to net absorption at steady state)
    is off (``fgf23_phosphate_balance_exponent`` 0): FGF23 does not follow a 66 % fall of
    urinary phosphate on restriction (Isakova et al. 2011 Nephrol Dial Transplant 26:584) and
    returns to normal on a sustained high intake that leaves serum phosphate unchanged
    (Trautvetter et al. 2016 Nutr J 15:7).
    """
    healthy_urine = P.reference_phosphate_absorption_fraction * P.reference_phosphate_intake
    balance = pos(kidney(c)["urine_phosphate"]) / healthy_urine  # absorbed phosphate at steady state
    return ((c.gfr / P.reference_gfr) ** (-P.fgf23_nephron_load_exponent)
            * balance ** P.fgf23_phosphate_balance_exponent
            * stimulation(fgf23_sensed_phosphate(c.phosphate), fgf23_sensed_phosphate(P.reference_phosphate),
                          P.fgf23_phosphate_half, P.fgf23_phosphate_hill, P.fgf23_phosphate_emax)
            * stimulation(c.vdr_ligand, c.vdr_reference, P.fgf23_calcitriol_half, 1,
                          P.fgf23_calcitriol_emax))


def fgf23_sensed_phosphate(phosphate):
    """Serum phosphate as the osteocyte's FGF23 response sees it: a smooth maximum with
    ``fgf23_phosphate_floor`` (sharpness ``fgf23_phosphate_floor_sharpness``; a floor of 0 gives
    the phosphate itself).

    FGF23 rises with phosphate loading but barely falls on depletion (Burnett et al. 2006 J Bone
    Miner Res 21:1187: intact FGF23 +35 +- 29 % on loading, -9 +- 16 % on depletion over 5 days),
    so the steep phosphate stimulation that drives FGF23 up in CKD must not pull it down by half
    when serum phosphate falls by a fifth on restriction.
    """
    k = P.fgf23_phosphate_floor_sharpness
    return (power(phosphate, k) + P.fgf23_phosphate_floor**k) ** (1 / k)


def nephron_phosphate_load(c):
    """Phosphate excreted per remaining nephron relative to health (urine P / nephron mass)."""
    from .minerals import kidney

    healthy_urine = P.reference_phosphate_absorption_fraction * P.reference_phosphate_intake
    return pos(kidney(c)["urine_phosphate"]) / (c.gfr / P.reference_gfr) / healthy_urine


def fgf23_processes(c) -> list[Process]:
    """FGF23 is a slow osteocyte hormone: its secretion follows an expression state that relaxes
    towards the phosphate and calcitriol drive over days (Vervloet et al. 2011; Burnett et al.
    2006; Scanni et al. 2014: no FGF23 rise within hours of a phosphate load)."""
    secretion = P.fgf23_secretion_rate * pos(c.y["fgf23_expression"])
    return [
        *relaxation("fgf23_expression", fgf23_drive(c), P.fgf23_expression_time_constant,
                    "osteocyte FGF23 expression following phosphate balance and calcitriol"),
        Process("fgf23_secretion", secretion, None, "fgf23_amount", "ng/day",
                "osteocyte FGF23 secretion at its current expression"),
        Process("fgf23_clearance", P.fgf23_clearance_rate * c.y["fgf23_amount"], "fgf23_amount", None,
                "ng/day", "clearance of intact FGF23"),
    ]


def hormone_processes(c) -> list[Process]:
    return (pth_processes(c) + adenoma_processes(c) + cinacalcet_processes(c) + vitamin_d_processes(c)
            + fgf23_processes(c))
