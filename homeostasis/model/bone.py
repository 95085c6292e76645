"""Bone remodelling as a living system: bone cells, RANKL/OPG/RANK, TGF-beta coupling, sclerostin.

The cell model follows the Lemaire 2004 / Pivonka 2008 / Peterson & Riggs 2010 line, written
with every cell population and signal *relative to the healthy adult* (1 in health), so each
regulatory factor is 1 at the reference and the healthy state is an exact steady state by
construction (calibration.py derives the mineral rate constants from the budgeted turnover):

* osteoclast precursors (RANK-bearing) are supplied at a constant rate and leave by
  RANKL-driven differentiation into osteoclasts or by death/recycling. While RANKL is
  blocked (denosumab) they accumulate, so stopping the blockade gives the rebound in
  resorption (McDonald et al. 2021, "osteomorphs"; Bone et al. 2011).
* osteoclasts die with a lifespan shortened by matrix-derived TGF-beta (Lemaire 2004) and by
  bone-bound bisphosphonate; RANK signalling also keeps each one resorbing, so near-complete
  RANKL blockade (denosumab) idles the osteoclasts present within days (CTX ~85 % lower by day 3,
  Prolia label), long before they die.
* responding osteoblasts (precursors) are committed in proportion to the osteoclasts resorbing
  (matrix-derived TGF-beta/IGF: the coupling of formation to resorption, one for one, so that
  a lasting change of turnover leaves the remodelling balance of health), raised by
  intermittent PTH and lowered by sclerostin (the Wnt brake); they mature into active
  osteoblasts.
* modelling-based formation: osteoblasts also form bone on quiescent surfaces without prior
  resorption (lining cells turned into osteoblasts within days), recruited by the PTH1R pulse of an
  injection and by a rise of Wnt signalling (sclerostin neutralised by romosozumab) above the one the
  lining cells have adapted to, so P1NP rises within weeks on both anabolic drugs while resorption is
  unchanged or falls, and the Wnt response wanes over months (Chavassieux et al. 2019; McClung et al.
  2014). Zero in health and in any lasting state; its matrix is mineralised like any other. The
  response to daily PTH1R pulses wanes after the first months (the anabolic window closes: a running
  record of the pulses, ``pth_pulse_history``), so the spine gain of teriparatide is front-loaded.
* RANKL and OPG come from osteocytes (Nakashima et al. 2011; Xiong et al. 2011), RANKL under
  PTH1R, VDR and sclerostin stimulation, OPG suppressed by PTH1R; free RANKL competes between
  RANK, OPG and denosumab (rapid binding, quasi-equilibrium).
* PTH acts through a receptor signal and its slowly adapting (desensitised) counterpart: the
  adapted, time-averaged signal drives RANKL and lowers OPG, sclerostin and the matrix
  synthesis of each osteoblast (continuous PTH: resorption up, formation arrested, Horwitz
  et al. 2011); the excess of the instantaneous over the adapted signal (a pulse, as after a
  daily injection) drives osteoblast commitment and survival: the anabolic window
  (Frolik et al. 2003). Time spent with the signal above the one the lineage has settled to over
  weeks (the exposure duty: hours a day after an injection, all day under an infusion) arrests
  osteoblast maturation (matrix synthesis falls over days): a new continuous exposure
  suppresses formation while resorption rises and formation rebounds when it stops
  (Horwitz et al. 2011), while in any lasting state (hyperparathyroidism) the arrest is gone and
  formation follows resorption. Only a rise that comes with raised calcium counts (an infusion,
  a tumour); the secondary rise that defends a falling calcium (denosumab, zoledronate) does not, so
  the osteoblasts already recruited finish their formation period and formation falls over months
  (bone alkaline phosphatase unchanged at 1 week and 1 month of denosumab: Nakamura et al. 2017).

Mineral lives in two compartments, cortical (``ca_bone_mineral``) and trabecular
(``ca_trabecular_mineral``), each resorbed in proportion to osteoclasts and its own mineral and
formed by mineralising its osteoid (matrix laid down by osteoblasts, mineralised over the
mineralisation lag time at a rate set by the Ca x Pi supply), with its own share of the
whole-skeleton turnover (healthy turnover from histomorphometry: cancellous ~30 %/yr, cortical
~6 %/yr; Parfitt 1983; Recker et al. 2004). New bone takes up only part of its mineral at once
(primary mineralisation); the rest (the compartment's mineral deficit) it takes up over about
three years (secondary mineralisation), at a rate set by the Ca x Pi supply like primary
mineralisation, so when turnover falls the skeleton's bone ages and its density rises for years
although formation only matches resorption: the gain on antiresorptives is the refilled
remodelling space plus secondary mineralisation (Boivin et al. 2000 Bone 27:687; Boivin &
Meunier 2002). The large deficit also buffers serum calcium: it takes up less when calcium falls
(denosumab) and more when it rises. Bone mineral density by site is the site's mix of the two
compartments; the distal-third radius has a cortex of its own (``radius_cortical_bone``, tracked beside
the cortical compartment, with the extra PTH-driven resorption of its porous endocortical envelope).
"""

from __future__ import annotations

from .minerals import pth_receptor_activation, reference_ionized_calcium, relaxation
from .regulation import hill, pos, power, relative_hill, stimulation, suppression, tracking_rate
from .structure import Observable, Process, State, state_symbol
from .symbols import P

MMOL_DAY = "mmol/day"
PER_DAY = "1/day"

# relative bone-cell and signalling states (1 in health)
# The exposure duty is a share of the day (at most 1) that acts only through the maturation arrest
# 1 / (1 + (duty / pth_arrest_half)^pth_arrest_hill): an absolute error of a tenth of the relative
# tolerance (its absolute tolerance with this factor on its size 1) moves that factor by at most
# hill / half x 0.1 rtol (0.17 rtol at the defaults, half 1.2 and Hill 2), and near 0, where the duty
# sits in health, by its square for any Hill of 2 or more. With the default 1e-3 x rtol the solvers followed every transient's exponential tail
# (1-day decay) down to 2.5e-12, ~12 % of a varied healthy year's steps, and the RMS error norm over 75
# states let that tail cross zero by over 100 absolute tolerances (3 of 10,000 varied healthy years
# refused as "a state became negative" and re-run alone).
DUTY_TOLERANCE_FACTOR = 100.0

CELL_STATES = (
    State("osteoclast_precursors", "dimensionless", "bone marrow", None,
          "RANK-bearing osteoclast precursors relative to healthy", healthy=1),
    State("osteoclasts", "dimensionless", "bone", None, "active osteoclasts relative to healthy", healthy=1),
    State("osteoblast_precursors", "dimensionless", "bone", None,
          "responding (committed) osteoblast precursors relative to healthy", healthy=1),
    State("osteoblasts", "dimensionless", "bone", None, "active matrix-forming osteoblasts relative to healthy",
          healthy=1),
    State("rankl", "dimensionless", "bone", None, "total RANKL expressed by the osteoblast lineage relative to healthy",
          healthy=1),
    State("opg", "dimensionless", "bone", None, "osteoprotegerin relative to healthy", healthy=1),
    State("sclerostin", "dimensionless", "bone", None, "osteocyte sclerostin relative to healthy", healthy=1),
    State("pth_signal_adapted", "dimensionless", "bone", None,
          "desensitised (time-averaged) PTH1R signal in the osteoblast lineage relative to healthy", healthy=1),
    State("pth_exposure_duty", "dimensionless", "bone", None,
          "share of the last day the PTH1R signal spent above the one the osteoblast lineage has settled to "
          "(time above threshold; 0 in health)", scale_like="osteoclasts",
          tolerance_factor=DUTY_TOLERANCE_FACTOR),
    State("pth_pulse_duty", "dimensionless", "bone", None,
          "share of the last day the recruiting PTH1R signal spent above the one the lining cells have adapted "
          "to (how long each rise lasts: hours a day after an injection, most of the day as PTH returns between "
          "cinacalcet doses; 0 in health)", scale_like="osteoclasts", tolerance_factor=DUTY_TOLERANCE_FACTOR),
    State("pth_signal_settled", "dimensionless", "bone", None,
          "PTH1R signal the osteoblast lineage has settled to over weeks (its maturation program re-set) "
          "relative to healthy", healthy=1),
    State("osteoblast_matrix_synthesis", "dimensionless", "bone", None,
          "matrix synthesis per active osteoblast left by the maturation arrest of a new sustained PTH1R "
          "signal relative to healthy", healthy=1),
    State("modelling_osteoblasts", "dimensionless", "bone", None,
          "osteoblasts forming bone on quiescent surfaces without prior resorption (modelling-based formation), "
          "relative to the healthy remodelling osteoblasts (0 in health)", scale_like="osteoblasts"),
    State("wnt_signal_adapted", "dimensionless", "bone", None,
          "Wnt signal (sclerostin relief) the lining cells have adapted to relative to healthy", healthy=1),
    State("pth_signal_floor", "dimensionless", "bone", None,
          "PTH1R signal the distal radius cortex holds through the whole day (rises slowly, falls with the "
          "signal within hours: the trough of daily pulses, the level of a lasting rise) relative to healthy",
          healthy=1),
    State("pth_pulse_history", "dimensionless", "bone", None,
          "running mean over months of the lining cells' response to PTH1R pulses (0 in health and under "
          "continuous PTH): what closes the anabolic window of modelling-based formation", scale_like="osteoclasts"),
    State("cortical_osteoid", "dimensionless", "cortical bone", None,
          "unmineralised matrix (osteoid) on cortical forming surfaces relative to healthy", healthy=1),
    State("trabecular_osteoid", "dimensionless", "trabecular bone", None,
          "unmineralised matrix (osteoid) on trabecular forming surfaces relative to healthy", healthy=1),
)

MINERAL_STATES = (
    State("ca_bone_mineral", "mmol", "cortical bone", "calcium", "calcium in cortical bone mineral (slow, remodelled)",
          healthy=lambda b: (1 - P.trabecular_mineral_fraction) * P.reference_bone_mineral_ca, slow=True),
    State("phosphate_bone_mineral", "mmol", "cortical bone", "phosphate", "phosphate in cortical bone mineral",
          healthy=lambda b: P.hydroxyapatite_p_to_ca * (1 - P.trabecular_mineral_fraction) * P.reference_bone_mineral_ca,
          slow=True),
    State("ca_trabecular_mineral", "mmol", "trabecular bone", "calcium",
          "calcium in trabecular (cancellous) bone mineral (slow, remodelled)",
          healthy=lambda b: P.trabecular_mineral_fraction * P.reference_bone_mineral_ca, slow=True),
    State("phosphate_trabecular_mineral", "mmol", "trabecular bone", "phosphate",
          "phosphate in trabecular bone mineral",
          healthy=lambda b: P.hydroxyapatite_p_to_ca * P.trabecular_mineral_fraction * P.reference_bone_mineral_ca,
          slow=True),
)


def _healthy_deficit(site):
    return lambda b: healthy_deficit_ratio(site) * healthy_mineral(site)


# mineral still missing from formed bone (secondary mineralisation): not a mass, so no species.
# Unlike the mineral it settles in a clinical steady state (a patient has had the disease for years):
# held at its healthy value, a raised Ca x Pi product (CKD) would keep feeding bone calcium at the
# healthy deficit for ever, a calcium sink that lowered end-stage calcium to 1.76 mmol/L
DEFICIT_STATES = tuple(
    State(f"{site}_mineral_deficit", "mmol", f"{site} bone", None,
          f"calcium that {site} bone formed but not yet fully mineralised will still take up "
          "(secondary mineralisation)", healthy=_healthy_deficit(site))
    for site in ("cortical", "trabecular"))

# the distal-third radius cortex, tracked beside the whole-skeleton cortical compartment: its mineral is
# part of ca_bone_mineral (the site is far too small to move the calcium balance), so it is not a mass
# and has no species; slow like the mineral, so a clinical steady state holds it at its reference
SITE_STATES = (
    State("radius_cortical_bone", "dimensionless", "cortical bone (distal radius)", None,
          "cortical bone of the distal third of the radius relative to healthy (its porous, endocortically "
          "remodelled cortex loses more bone under sustained PTH than the whole-skeleton cortex)",
          healthy=1, slow=True),
)

BONE_STATES = MINERAL_STATES + DEFICIT_STATES + SITE_STATES + CELL_STATES

# (calcium state, phosphate state, process prefix, healthy mineral fraction, turnover share)
COMPARTMENTS = {
    "cortical": ("ca_bone_mineral", "phosphate_bone_mineral", "bone"),
    "trabecular": ("ca_trabecular_mineral", "phosphate_trabecular_mineral", "trabecular"),
}


def mineral_fraction(site):
    return P.trabecular_mineral_fraction if site == "trabecular" else 1 - P.trabecular_mineral_fraction


def turnover_share(site):
    return P.trabecular_turnover_share if site == "trabecular" else 1 - P.trabecular_turnover_share


def healthy_mineral(site):
    return mineral_fraction(site) * P.reference_bone_mineral_ca


def healthy_turnover(site):
    """Fraction of a compartment's mineral resorbed per day in health (1/day)."""
    return P.reference_bone_turnover_ca * turnover_share(site) / healthy_mineral(site)


def healthy_deficit_ratio(site):
    """Mineral still to be taken up by secondary mineralisation over the mineral present, in
    health: new bone takes up the primary share at once and the rest over the secondary time,
    while resorption removes bone of every age (steady state of deposit, uptake and removal)."""
    primary, uptake_time = P.primary_mineralization_fraction, P.secondary_mineralization_time
    rate = healthy_turnover(site) * uptake_time
    return (1 - primary) * rate / (1 + primary * rate)


# --- signals -------------------------------------------------------------------------------

def floor_rate(c):
    """Rate constant (/day) of ``pth_signal_floor``: it rises over ``pth_floor_rise_time`` towards a
    higher PTH1R signal and falls over ``pth_floor_fall_time`` with a lower one (a smooth switch)."""
    return tracking_rate(pth_signal(c), c.y["pth_signal_floor"], P.pth_floor_rise_time, P.pth_floor_fall_time,
                         P.pth_floor_switch)


def pth_signal(c):
    """Instantaneous PTH1R activation in bone relative to healthy (PTH, PTHrP and analogues)."""
    return pth_receptor_activation(c) / P.reference_pth


def adapted_pth(c):
    """The desensitised signal in pmol/L PTH equivalents (the sustained, catabolic arm)."""
    return pos(c.y["pth_signal_adapted"]) * P.reference_pth


def balance_pth(c, signal):
    """The sustained PTH1R signal (pmol/L equivalents) that sets the focal balance of each remodelling unit
    (matrix synthesis per osteoblast, the uncoupled endocortical resorption, the trabecular support of
    formation). Above the healthy signal it is the signal itself (hyperparathyroidism thins the cortex for
    as long as it lasts). Below it, a new fall acts at once (resorption falls within days of a calcium
    load or a thiazide) but once the osteoblast lineage has settled to the lower signal
    (``pth_signal_settled``, over ``pth_arrest_time``) a share ``bone_balance_low_pth_weight`` of the fall
    no longer moves the balance of each unit: a lower PTH lowers the activation frequency of remodelling,
    not the balance of each unit, so bone gains while formation refills the remodelling space opened
    before, for about one remodelling period, and then stops (the remodelling transient: Heaney 1994
    J Bone Miner Res 9:1515; Heaney & Yates 1997 J Bone Miner Res 12:1143), as calcium citrate gave
    about 1 % of bone in the first year and little after (Riggs et al. 1998 J Bone Miner Res 13:168).
    The healthy signal is the one healthy PTH gives at the present PTH1R responsiveness, so the low signal
    of uraemic resistance (Torres et al. 1995) keeps its level-dependent actions."""
    healthy = P.reference_pth * c.pth1r_responsiveness
    settled = pos(c.y["pth_signal_settled"]) * P.reference_pth
    return signal + P.bone_balance_low_pth_weight * pos(healthy - signal - pos(settled - signal))


def anabolic_drive(c):
    """Osteoblast commitment/survival from the excess of the instantaneous over the adapted
    PTH1R signal: large for the hours after an injection, 1 under continuous exposure
    (anabolic window)."""
    return 1 + P.pth_anabolic_emax * pulse_response(c)


def maturation_arrest_target(c):
    """Matrix synthesis per osteoblast that a rise of the uninterrupted PTH1R signal above the one the
    lineage has settled to over weeks drives towards (1 in any lasting state): a new continuous
    PTH or PTHrP exposure arrests osteoblast maturation within days (P1NP -30 to -40 % over a
    7-day infusion while resorption rises: Horwitz et al. 2011 J Bone Miner Res 26:2287; Horwitz
    et al. 2005 J Bone Miner Res 20:1792), while months of hyperparathyroidism raise formation with
    resorption (Rubin et al. 2008). One-sided and measured from at least the healthy signal: PTH
    falling, or returning to normal from suppression, is not a new exposure. Driven by the signal held
    above the settled one (the exposure duty, ``pth_exposure_duty``), not the time-averaged one: what arrests maturation is
    the duration of each exposure, not its peak or area (Frolik et al. 2003 Bone 33:372: the same
    daily PTH(1-34) dose built bone given within 1 h and lost it spread over 6 h; Hodsman et al. 1993
    J Clin Invest 91:1138: formation markers fell during a 24-h PTH(1-34) infusion and rose by more
    than 100 % on daily injections), so a daily injection, gone within hours, does not arrest it."""
    return 1 / (1 + power(pos(c.y["pth_exposure_duty"]) / P.pth_arrest_half, P.pth_arrest_hill))


def above_settled_signal(c):
    """1 while the instantaneous PTH1R signal is above the one the lineage has settled to (or the
    healthy signal if higher), 0 below: a steep switch, so the exposure duty measures the time
    spent above it whatever the peak (Frolik et al. 2003: neither Cmax nor AUC predicted the
    catabolic outcome, the duration of exposure did)."""
    return (hill(rise_above_settled(c, pth_signal(c)), P.pth_exposure_threshold, P.pth_exposure_hill)
            * calcium_exposure_gate(c))


def calcium_exposure_gate(c):
    """Share of a PTH1R rise that counts as an arresting exposure, by the ionized calcium it comes with
    (1 with the gate off, ``pth_arrest_calcium_weight`` 0): a steep switch at the healthy ionized
    calcium, so a rise that comes with hypercalcaemia (a PTH or PTHrP infusion, Horwitz et al. 2005
    J Bone Miner Res 20:1792 and 2011; humoral hypercalcaemia of malignancy) arrests osteoblast
    maturation, while the secondary rise that defends a falling calcium (denosumab: bone alkaline
    phosphatase not lower at 1 week or 1 month while resorption markers fell from 1 week, Nakamura et al.
    2017 Bone Res 5:17021) does not. ASSUMED: the contrast of these data, not a measured mechanism."""
    ratio = c.relative_ca
    weight = P.pth_arrest_calcium_weight
    return 1 - weight + weight * hill(ratio, 1, P.pth_arrest_calcium_hill)


def rise_above_settled(c, signal):
    """Relative rise of a PTH1R signal above the one the bone has settled to over weeks (or the
    healthy signal if higher): 0 in health and in any lasting state."""
    return relative_rise(signal, c.y["pth_signal_settled"])


def relative_rise(signal, reference):
    """Relative rise of a PTH1R signal above a reference signal, or above the healthy signal if that is
    higher (so a reference near 0, after parathyroidectomy, does not divide by 0)."""
    return pos(signal / (1 + pos(reference - 1)) - 1)


def above_adapted_signal(c):
    """1 while the recruiting PTH1R signal is above the one the lining cells have adapted to (by more than
    ``pth_exposure_threshold`` of it, or of the healthy signal if higher), 0 below: the steep switch of the
    exposure duty, so ``pth_pulse_duty`` measures how long each rise lasts, not its height."""
    return hill(relative_rise(pulse_signal(c), c.y["pth_signal_adapted"]), P.pth_exposure_threshold,
                P.pth_exposure_hill)


def pulse_duty_gate(c):
    """Share of a PTH1R rise above the adapted signal that the lining cells answer as an anabolic pulse, by
    how long the rises last (``pth_pulse_duty``, the share of the day spent above the adapted signal): 1
    for the 1-3 h of a daily injection, towards 0 when the signal stays above it for much of the day.
    Intermittent PTH builds bone only when each exposure is short: the same daily PTH(1-34) dose built bone
    given within 1 h and lost it spread over 6 h (Frolik et al. 2003 Bone 33:372), and formation markers
    fell during a 24-h infusion and rose on daily injections (Hodsman et al. 1993 J Clin Invest 91:1138).
    So the return of PTH after each cinacalcet trough, a rise that lasts most of the day, is no pulse:
    cinacalcet lowers bone formation in dialysis patients (paired biopsies after 52 weeks, PubMed 19032526).
    ``pth_pulse_duty_half`` a very large value switches the gate off (1 at any duty)."""
    return 1 / (1 + power(pos(c.y["pth_pulse_duty"]) / P.pth_pulse_duty_half, P.pth_pulse_duty_hill))


def matrix_synthesis_per_osteoblast(c):
    """Sustained PTH1R signalling arrests osteoblast maturation (Horwitz et al. 2011): a lasting
    level-dependent part and the transient arrest of a new exposure (maturation_arrest)."""
    def raw(value):  # written with power(): its derivative stays finite when the signal is 0
        return P.pth_formation_floor + (1 - P.pth_formation_floor) / (
            1 + power(value / P.pth_formation_half, P.pth_formation_hill))
    return raw(balance_pth(c, adapted_pth(c))) / raw(P.reference_pth) * pos(c.y["osteoblast_matrix_synthesis"])


def wnt_signal(c):
    """Wnt signalling in the osteoblast lineage relative to healthy: the relief of the sclerostin brake
    (1 in health, up to 1 + 1/sclerostin_formation_half when sclerostin is neutralised)."""
    return suppression(free_sclerostin(c), 1, P.sclerostin_formation_half, 1)


def modelling_drive(c):
    """Recruitment of osteoblasts on quiescent surfaces, not preceded by resorption (modelling-based
    formation), in healthy-osteoblast units: 0 in health and in any lasting state. Both anabolic drugs
    start formation on smooth (quiescent) cement lines within weeks while resorption is unchanged
    (teriparatide) or falling (romosozumab): after 2 months of romosozumab, modelling-based formation
    covered 18.0 % of the cancellous and 36.7 % of the endocortical surface against 3.8 and 3.0 % on
    placebo, remodelling-based formation unchanged (FRAME biopsies; mineralising surface 5.64 against
    2.31 %, eroded surface lower: Chavassieux et al. 2019 J Bone Miner Res 34:1597). Driven by the PTH1R
    pulse (the excess of the instantaneous over the adapted signal, as the anabolic window) and by the
    rise of the Wnt signal above the one the lining cells have adapted to, so the Wnt arm is transient
    under a lasting sclerostin blockade (P1NP back to baseline within months on monthly romosozumab,
    McClung et al. 2014 N Engl J Med 370:412) and absent in lasting low-sclerostin states; a threshold,
    so that the small falls of sclerostin with PTH (a continuous infusion, Horwitz et al. 2011) do not
    count, while its neutralisation by an antibody does."""
    wnt_rise = pos(wnt_signal(c) - c.y["wnt_signal_adapted"])
    waned = 1 - P.modelling_pth_waning_max * pulse_history_effect(c)
    return (P.modelling_pth_emax * pulse_response(c) * waned
            + P.modelling_wnt_emax * hill(wnt_rise, P.modelling_wnt_half, P.modelling_wnt_hill))


def pulse_response(c, signal=None):
    """Response of the lining cells to a PTH1R pulse (0 to 1): the excess of the instantaneous
    (recruiting, ``pulse_signal``, unless another ``signal`` is given) over the adapted signal, with the
    half-maximal excess and steepness of the anabolic window; 0 in health and on any plateau (continuous PTH),
    and only for rises that last hours a day (``pulse_duty_gate``)."""
    # instantaneous minus adapted signal (in healthy-signal units): 0 in health and on any plateau,
    # including no PTH at all (a ratio would be 0/0 after total parathyroidectomy)
    excess = pos((pulse_signal(c) if signal is None else signal) - c.y["pth_signal_adapted"])
    return hill(excess, P.pth_anabolic_half, P.pth_anabolic_hill) * pulse_duty_gate(c)


def pulse_signal(c):
    """Instantaneous PTH1R signal for osteoblast recruitment relative to healthy: pth_signal, except
    that abaloparatide counts with its transient-signal potency (abaloparatide_anabolic_potency)
    rather than its sustained one (the same for PTH, PTHrP and teriparatide)."""
    return c.pth_pulse_receptor / P.reference_pth


def recorded_pulse_response(c):
    """The pulse response that the lining cells' record (``pth_pulse_history``) integrates: a blend, by
    ``pth_pulse_history_sustained_weight``, of the response to the recruiting (transient) signal and to
    the sustained (tubular, calcaemic) one. The two differ only for abaloparatide, whose selectivity for
    the transient RG conformation of PTH1R gives shorter cAMP signalling than PTH(1-34) (Hattersley et al.
    2016 Endocrinology 157:141), so if the window is closed by the prolonged signal it closes later on
    abaloparatide (spine +9.2 % against +7.2 % on teriparatide at 18 months with less CTX rise: Miller
    et al. 2016 JAMA 316:722)."""
    weight = P.pth_pulse_history_sustained_weight
    return (1 - weight) * pulse_response(c) + weight * pulse_response(c, pth_signal(c))


def pulse_history_effect(c):
    """How far months of daily PTH1R pulses have closed the anabolic window for modelling-based
    formation (0 in health and under continuous PTH, towards 1 after months of injections): lining
    cells answer the first weeks of teriparatide with formation on quiescent surfaces (P1NP about
    doubled at 1 month) and answer less as the pulses go on, so the spine gains most of its density in
    the first 6 months and less in the second year (lumbar spine +6.4 % at 24 weeks of 20 ug/day in a
    Japanese dose-response trial, J Bone Miner Metab 2008 26:624; +9 % over placebo at 21 months, Neer
    et al. 2001). A steep function of the running record of the pulses (``pth_pulse_history``), so the
    closing comes after the first months rather than with the first injections."""
    return hill(pos(c.y["pth_pulse_history"]), P.pth_pulse_history_half, P.pth_pulse_history_hill)


def tgfb_activity(osteoclasts):
    """Active TGF-beta released from the matrix by resorption (Lemaire 2004 pi_C), relative."""
    def raw(x):
        return (x + P.tgfb_basal_fraction * P.tgfb_half_ratio) / (x + P.tgfb_half_ratio)
    return raw(pos(osteoclasts)) / raw(1)


def coupling_signal(c):
    """Matrix-derived coupling factors (TGF-beta, IGF) released in proportion to the osteoclasts
    resorbing, relative to healthy: osteoblast recruitment follows resorption one for one, so
    at any lasting turnover the remodelling units refill what they resorbed and the
    remodelling balance is that of health. The extra endocortical resorption of sustained PTH
    is not coupled (cortical thinning in hyperparathyroidism, Parisien et al. 1990) (Parfitt 1994 "coupling"; Eriksen 2010 Rev Endocr
    Metab Disord 11:219; FREEDOM: P1NP falls about as far as CTX, Eastell et al. 2011
    J Bone Miner Res 26:530). The factors come from the matrix actually resorbed, so osteoclasts idled
    by RANKL blockade (osteoclast_rank_activity) recruit no osteoblasts."""
    return pos(c.y["osteoclasts"]) * osteoclast_rank_activity(c)


def free_sclerostin(c):
    return pos(c.y["sclerostin"]) / (1 + c.romosozumab / P.romosozumab_sclerostin_ic50)


def free_rankl(c):
    """Free RANKL relative to healthy: decoy binding to OPG and to denosumab (quasi-equilibrium)."""
    y = c.y
    bound_share = P.opg_rankl_bound_ratio
    return (pos(y["rankl"]) * (1 + bound_share)
            / (1 + bound_share * pos(y["opg"]) + c.denosumab / P.denosumab_rankl_ic50))


def rank_occupancy(c):
    """RANK occupancy on osteoclast precursors relative to healthy."""
    return hill(free_rankl(c), P.rank_occupancy_half, 1) / hill(1, P.rank_occupancy_half, 1)


def bisphosphonate_osteoclast_death(c):
    """Osteoclast apoptosis raised by bisphosphonate taken up from the resorbed surface."""
    exposure = (pos(c.y["zoledronate_bone"]) / P.zoledronate_bone_ic50
                + pos(c.y["alendronate_bone"]) / P.alendronate_bone_ic50)
    return 1 + P.bisphosphonate_apoptosis_emax * exposure / (1 + exposure)


# --- cell processes --------------------------------------------------------------------------

def cell_processes(c) -> list[Process]:
    y = c.y
    oc_p, oc, ob_p, ob = y["osteoclast_precursors"], y["osteoclasts"], y["osteoblast_precursors"], y["osteoblasts"]
    occupancy = rank_occupancy(c)
    share = P.osteoclast_precursor_differentiating_share
    tgfb = tgfb_activity(oc)
    anabolic = anabolic_drive(c)
    commitment = coupling_signal(c) * anabolic * wnt_signal(c)
    # osteocytes are the main source of RANKL in the adult skeleton (Nakashima et al. 2011 Nat Med
    # 17:1231; Xiong et al. 2011 Nat Med 17:1235): not proportional to the osteoblasts that coupling
    # recruits, or the loop osteoclasts -> coupling -> RANKL -> osteoclasts would run away both ways
    rankl_drive = (stimulation(adapted_pth(c), P.reference_pth, P.bone_pth_half, 1, P.bone_pth_emax)
                   * stimulation(c.vdr_ligand, c.vdr_reference, P.bone_calcitriol_half, 1, P.bone_calcitriol_emax)
                   * power(pos(free_sclerostin(c)), P.sclerostin_rankl_exponent))
    opg_drive = suppression(adapted_pth(c), P.reference_pth, P.opg_pth_half, 1)  # osteocytes too (Kramer 2010)
    sclerostin_drive = suppression(adapted_pth(c), P.reference_pth, P.sclerostin_pth_half, 1)
    tau_p, tau_c = P.osteoclast_precursor_time_constant, P.osteoclast_time_constant
    tau_r, tau_b = P.osteoblast_precursor_time_constant, P.osteoblast_time_constant
    return [
        Process("osteoclast_precursor_supply",
                stimulation(adapted_pth(c), P.reference_pth, P.bone_pth_half, 1, P.osteoclast_precursor_pth_emax)
                * (1 + P.osteoclast_precursor_pulse_history_gain * pulse_history_effect(c)) / tau_p,
                None, "osteoclast_precursors", PER_DAY,
                "supply of RANK-bearing precursors (M-CSF from the osteoblast lineage, raised by PTH1R)"),
        Process("osteoclast_differentiation", share * occupancy * pos(oc_p) / tau_p, "osteoclast_precursors", None,
                PER_DAY, "RANKL-RANK driven fusion of precursors into osteoclasts"),
        Process("osteoclast_precursor_loss", (1 - share) * oc_p / tau_p, "osteoclast_precursors", None, PER_DAY,
                "death or recycling of precursors not recruited by RANKL"),
        Process("osteoclast_formation", occupancy * pos(oc_p) / tau_c, None, "osteoclasts", PER_DAY,
                "new osteoclasts from RANKL-differentiated precursors"),
        Process("osteoclast_apoptosis",
                power(pos(tgfb), P.tgfb_osteoclast_apoptosis_exponent) * bisphosphonate_osteoclast_death(c) * oc / tau_c, "osteoclasts", None,
                PER_DAY, "osteoclast apoptosis, raised by matrix TGF-beta and by bisphosphonates"),
        Process("osteoblast_commitment", commitment / tau_r, None, "osteoblast_precursors", PER_DAY,
                "commitment of precursors by TGF-beta (coupling), intermittent PTH and Wnt (sclerostin brake)"),
        Process("osteoblast_maturation", ob_p / tau_r, "osteoblast_precursors", None, PER_DAY,
                "maturation of responding precursors into matrix-forming osteoblasts"),
        Process("osteoblast_activation", pos(ob_p) / tau_b, None, "osteoblasts", PER_DAY,
                "new active osteoblasts from matured precursors"),
        Process("osteoblast_apoptosis", ob / (tau_b * anabolic), "osteoblasts", None, PER_DAY,
                "osteoblast apoptosis or burial as osteocytes (delayed by intermittent PTH)"),
        Process("modelling_osteoblast_activation", modelling_drive(c) / P.modelling_osteoblast_time, None,
                "modelling_osteoblasts", PER_DAY,
                "lining cells on quiescent surfaces turned into matrix-forming osteoblasts (modelling-based "
                "formation: PTH1R pulse, Wnt)"),
        Process("modelling_osteoblast_loss", y["modelling_osteoblasts"] / P.modelling_osteoblast_time,
                "modelling_osteoblasts", None, PER_DAY,
                "modelling-based osteoblasts end their formation period (apoptosis, burial, return to lining cells)"),
        Process("pth_pulse_history_gain", recorded_pulse_response(c) / P.pth_pulse_history_time, None,
                "pth_pulse_history", PER_DAY, "lining cells record the PTH1R pulses they responded to"),
        Process("pth_pulse_history_loss", y["pth_pulse_history"] / P.pth_pulse_history_time,
                "pth_pulse_history", None, PER_DAY, "the record of PTH1R pulses fades without them"),
        Process("wnt_signal_adaptation", wnt_signal(c) / P.wnt_adaptation_time, None, "wnt_signal_adapted",
                PER_DAY, "lining cells adapt to the Wnt signal (feedback of the Wnt antagonists)"),
        Process("wnt_signal_recovery", y["wnt_signal_adapted"] / P.wnt_adaptation_time, "wnt_signal_adapted", None,
                PER_DAY, "loss of the adapted state"),
        Process("rankl_expression", rankl_drive / P.rankl_time_constant, None, "rankl", PER_DAY,
                "RANKL expression by the osteoblast lineage (PTH1R, VDR, sclerostin)"),
        Process("rankl_degradation", y["rankl"] / P.rankl_time_constant, "rankl", None, PER_DAY,
                "RANKL shedding and degradation"),
        Process("opg_secretion", opg_drive / P.opg_time_constant, None, "opg", PER_DAY,
                "OPG secretion by active osteoblasts, suppressed by PTH1R"),
        Process("opg_clearance", y["opg"] / P.opg_time_constant, "opg", None, PER_DAY, "OPG clearance"),
        Process("sclerostin_secretion", sclerostin_drive / P.sclerostin_time_constant, None, "sclerostin", PER_DAY,
                "osteocyte sclerostin, suppressed by PTH1R"),
        Process("sclerostin_clearance", y["sclerostin"] / P.sclerostin_time_constant, "sclerostin", None, PER_DAY,
                "sclerostin clearance"),
        Process("pth_signal_adaptation", pth_signal(c) / P.pth_adaptation_time, None, "pth_signal_adapted",
                PER_DAY, "PTH1R desensitisation follows the signal"),
        Process("pth_signal_recovery", y["pth_signal_adapted"] / P.pth_adaptation_time, "pth_signal_adapted", None,
                PER_DAY, "resensitisation"),
        Process("pth_exposure_gain", above_settled_signal(c) / P.pth_exposure_time, None, "pth_exposure_duty",
                PER_DAY, "time the PTH1R signal spends above the settled one (running share of the day)"),
        Process("pth_exposure_loss", y["pth_exposure_duty"] / P.pth_exposure_time, "pth_exposure_duty", None,
                PER_DAY, "the running share forgets earlier exposure"),
        *relaxation("pth_pulse_duty", above_adapted_signal(c), P.pth_exposure_time,
                    "running share of the day the recruiting PTH1R signal spends above the adapted one"),
        Process("pth_signal_floor_rise", floor_rate(c) * pth_signal(c), None, "pth_signal_floor", PER_DAY,
                "the day-long PTH1R floor follows the signal: slowly while the signal is above it"),
        Process("pth_signal_floor_fall", floor_rate(c) * y["pth_signal_floor"], "pth_signal_floor", None, PER_DAY,
                "the day-long PTH1R floor turns over: within hours while the signal is below it"),
        Process("pth_signal_settling", pos(y["pth_signal_adapted"]) / P.pth_arrest_time, None, "pth_signal_settled",
                PER_DAY, "the osteoblast lineage re-sets its maturation program to the sustained signal"),
        Process("pth_signal_unsettling", y["pth_signal_settled"] / P.pth_arrest_time, "pth_signal_settled", None,
                PER_DAY, "loss of the settled state"),
        Process("osteoblast_matrix_program_gain", maturation_arrest_target(c) / P.pth_arrest_onset_time, None,
                "osteoblast_matrix_synthesis", PER_DAY,
                "the maturation (matrix-synthesis) program follows the PTH1R signal over days"),
        Process("osteoblast_matrix_program_loss", y["osteoblast_matrix_synthesis"] / P.pth_arrest_onset_time,
                "osteoblast_matrix_synthesis", None, PER_DAY, "turnover of the matrix-synthesis program"),
    ]


# --- mineral processes --------------------------------------------------------------------------

def mineral_supply(c):
    """Mineralisation rate factor from the ionized Ca x phosphate product (1 when healthy).

    Osteoid mineralises at a rate set by the local Ca x Pi supersaturation: a steep response
    makes a sudden fall in resorption (antiresorptives) slow mineral uptake as serum calcium
    falls, instead of draining the extracellular pool (and a low product gives osteomalacia).
    """
    product = c.ca_ionized * c.phosphate
    reference = reference_ionized_calcium() * P.reference_phosphate
    return relative_hill(product, reference, P.mineralization_half_ratio * reference, P.mineralization_hill)


def site_factors(c, site):
    """Compartment-specific PTH actions (1 in health): endocortical resorption by sustained PTH,
    and preserved trabecular formation in hyperparathyroidism (Rubin et al. 2008; Dempster 1999)."""
    if site == "cortical":
        return stimulation(balance_pth(c, adapted_pth(c) * cortical_uraemic_relief(c)), P.reference_pth,
                           P.bone_pth_half, 1,
                           P.cortical_pth_resorption_emax), 1
    return 1, stimulation(balance_pth(c, adapted_pth(c)), P.reference_pth, P.bone_pth_half, 1,
                          P.trabecular_pth_formation_emax)


def cortical_uraemic_relief(c):
    """Share of the uraemic PTH1R resistance that the cortical (endocortical and intracortical)
    resorption escapes, as a factor on its sustained signal (1 in health; 1 at every GFR while
    ``cortical_uraemic_resistance_relief`` is 0, its default). The resistance was measured on the
    iliac trabecular osteoblast surface (Torres et al. 1995 Kidney Int 47:1434); in CKD stages 2-5D
    the cortex thins and turns porous in proportion to time-averaged PTH (Nickolas et al. 2013 J Bone
    Miner Res 28:1811: distal radius cortical porosity +4.2 %/year, total hip -1.3 %/year), as in
    primary hyperparathyroidism. It undoes the clearance part of the resistance
    (``relative_uraemic_clearance`` to the ``pth_resistance_exponent``), not the share that lifts
    when an exogenous PTH(1-34) suppresses the gland's fragments."""
    return c.uraemic_clearance ** (-P.pth_resistance_exponent * P.cortical_uraemic_resistance_relief)


def tumour_formation_factor():
    """Osteoblast activity left by a PTHrP-secreting tumour (1 without one).

    Humoral hypercalcaemia of malignancy uncouples bone: resorption is high but osteoblast and
    osteoid surfaces are low, where primary hyperparathyroidism keeps formation coupled to
    resorption (Stewart et al. 1982 J Clin Endocrinol Metab 55:219: osteoblast surface 2.5 vs
    13.8 %, osteoid surface 12.9 vs 42.0 %, osteoclast surface 8.6 vs 2.7 %). Tumour-borne, so it
    is a setting of the malignancy scenario, not an action of PTHrP on PTH1R.
    """
    return 1 - P.tumour_formation_suppression


def modelling_site_weight(site):
    """Modelling-based osteoblasts on a compartment per healthy remodelling osteoblast there, so that
    the turnover-weighted sum over the compartments is the whole-skeleton count: modelling-based
    formation covers the surfaces facing the marrow (cancellous and endocortical, FRAME biopsies:
    Chavassieux et al. 2019), not the intracortical (Haversian) envelope, so a share
    ``modelling_trabecular_share`` of it falls on the trabecular compartment."""
    share = P.modelling_trabecular_share
    return share / turnover_share(site) if site == "trabecular" else (1 - share) / turnover_share(site)


def matrix_formation(c, site):
    """Relative collagen (matrix) synthesis of one compartment: osteoblasts x activity."""
    forming = pos(c.y["osteoblasts"]) + modelling_site_weight(site) * pos(c.y["modelling_osteoblasts"])
    return (forming * matrix_synthesis_per_osteoblast(c) * site_factors(c, site)[1]
            * tumour_formation_factor())


def osteoclast_activation(c):
    """Resorption per osteoclast raised by a new rise of the sustained PTH1R signal above the one the
    bone has settled to over weeks (1 in health and in any lasting state): continuous PTH or PTHrP
    activates the osteoclasts already on the surface within a day or two, before new ones are
    recruited (Horwitz et al. 2011 J Bone Miner Res 26:2287: resorption markers rose rapidly during a
    7-day infusion and reversed promptly when it stopped), so serum calcium keeps rising over the
    first two days of an infusion (Wesseling-Perry et al. 2010: +2.7 mg/dL at 46 h against +0.08
    mmol/L ionized at 8 h, Fraher et al. 1999), while months of hyperparathyroidism raise resorption
    only through the osteoclast number. Driven by the adapted signal (a day's lag) over the settled
    one (weeks), both from the osteoblast lineage that activates the osteoclasts (RANKL)."""
    rise = rise_above_settled(c, pos(c.y["pth_signal_adapted"]))
    return 1 + P.osteoclast_activation_emax * hill(rise, P.osteoclast_activation_half, P.osteoclast_activation_hill)


def osteoclast_rank_activity(c):
    """Resorption per osteoclast kept by RANK signalling (1 in health and above): RANKL is an
    activation and survival signal of the mature osteoclast, not only a differentiation signal of its
    precursors, so blocking it (denosumab) stops resorption within days, long before the osteoclasts
    present have died (Prolia label, clinical pharmacology: serum CTX about 85 % lower by day 3, the
    largest fall by 1 month; Block et al. 2012 J Bone Miner Res 27:1471: CTX down from the first
    sample at day 2 in every renal-function group). One-sided: more RANKL than in health raises
    turnover through the osteoclast number and the PTH-driven activation, not through this term; and
    threshold-like, so the mild RANKL changes of calcium loading or kidney disease leave the activity of
    the osteoclasts present almost whole, while near-complete blockade removes it."""
    lost = hill(pos(1 - rank_occupancy(c)), P.osteoclast_rank_loss_half, P.osteoclast_rank_loss_hill)
    return 1 - (1 - P.osteoclast_rank_activity_floor) * lost


def resorption(c, site, amount=None):
    """Calcium resorbed per day from a compartment's mineral (or from ``amount``, anything held in
    the bone in proportion to it, such as its mineral deficit): osteoclasts remove bone of every age.

    Calcitonin stops the osteoclasts present within minutes (its receptor is on the osteoclast;
    Austin & Heath 1981 N Engl J Med 304:269; Takahashi et al. 1995 J Clin Invest: receptor
    down-regulation within 12 h underlies the escape), by ``calcitonin_osteoclast_weight`` times its
    effect; the calcium not resorbed stays in the mineral."""
    share = turnover_share(site)
    held = c.y[COMPARTMENTS[site][0]] if amount is None else amount
    return (P.bone_resorption_rate * share * pos(c.y["osteoclasts"]) * osteoclast_activation(c)
            * osteoclast_rank_activity(c) * (1 - P.calcitonin_osteoclast_weight * P.calcitonin_effect)
            * site_factors(c, site)[0] * held / healthy_mineral(site))


def mineralization_lag(site):
    return P.trabecular_mineralization_lag if site == "trabecular" else P.cortical_mineralization_lag


def mineralization(c, site):
    """Relative mineralisation of one compartment's osteoid: the osteoid present times the
    Ca x Pi supply. Matrix is laid down first and mineralised over the mineralisation lag
    time, so in a steady state mineral deposition equals matrix formation whatever the
    Ca x Pi product (a high product cannot mineralise matrix that was never made; a low one
    widens the osteoid seams instead: osteomalacia)."""
    return pos(c.y[f"{site}_osteoid"]) * mineral_supply(c)


def formation(c, site):
    """Bone (matrix with its full mineral, in mmol calcium) made per day: the mineralised osteoid.
    In health it exceeds the resorbed mineral by the healthy deficit ratio, since resorbed bone
    is on average not yet fully mineralised."""
    return (P.bone_formation_rate * turnover_share(site) * (1 + healthy_deficit_ratio(site))
            * mineralization(c, site))


def deficit(c, site):
    return pos(c.y[f"{site}_mineral_deficit"])


def secondary_mineralization(c, site):
    """Slow uptake of the mineral still missing from formed bone (Fuchs et al. 2008), at a rate set
    by the Ca x Pi supply like primary mineralisation (crystal growth in the matrix is fed from the
    extracellular fluid): the large mineral deficit of the skeleton buffers serum calcium for months,
    taking up less when calcium falls (denosumab) and more when it rises (vitamin D excess)."""
    return deficit(c, site) / P.secondary_mineralization_time * mineral_supply(c)


def mineral_deposition(c, site):
    """Calcium laid down: the primary share of newly formed bone plus secondary mineralisation
    of older bone. When turnover falls (antiresorptives, parathyroidectomy) the skeleton's
    bone ages and takes up mineral for years although formation only matches resorption
    (Boivin et al. 2000; Boivin & Meunier 2002)."""
    return P.primary_mineralization_fraction * formation(c, site) + secondary_mineralization(c, site)


def deficit_processes(c) -> list[Process]:
    processes = []
    for site in COMPARTMENTS:
        state = f"{site}_mineral_deficit"
        processes += [
            Process(f"{site}_deficit_formation", (1 - P.primary_mineralization_fraction) * formation(c, site),
                    None, state, MMOL_DAY, f"mineral new {site} bone will take up after its primary mineralisation"),
            Process(f"{site}_secondary_mineralization", secondary_mineralization(c, site), state, None, MMOL_DAY,
                    f"secondary mineralisation of {site} bone (its calcium flux is in the formation process)"),
            Process(f"{site}_deficit_resorption", resorption(c, site, deficit(c, site)), state,
                    None, MMOL_DAY, f"the missing mineral of {site} bone removed with the bone resorbed"),
        ]
    return processes


def osteoid_processes(c) -> list[Process]:
    processes = []
    for site in COMPARTMENTS:
        lag = mineralization_lag(site)
        processes += [
            Process(f"{site}_osteoid_deposition", matrix_formation(c, site) / lag, None, f"{site}_osteoid", PER_DAY,
                    f"matrix (osteoid) laid down by osteoblasts on {site} surfaces"),
            Process(f"{site}_osteoid_mineralization", mineralization(c, site) / lag, f"{site}_osteoid", None,
                    PER_DAY, f"osteoid turned into {site} bone by mineralisation (mineralisation lag time)"),
        ]
    return processes


def mineral_processes(c) -> list[Process]:
    processes = []
    for site, (ca, phosphate, prefix) in COMPARTMENTS.items():
        resorbed, formed = resorption(c, site), mineral_deposition(c, site)
        processes += [
            Process(f"ca_{prefix}_resorption", resorbed, ca, "ca_ecf", MMOL_DAY,
                    f"osteoclastic resorption of {site} bone mineral (calcium)"),
            Process(f"phosphate_{prefix}_resorption", P.hydroxyapatite_p_to_ca * resorbed, phosphate, "phosphate_ecf",
                    MMOL_DAY, f"phosphate released with resorbed {site} calcium"),
            Process(f"ca_{prefix}_formation", formed, "ca_ecf", ca, MMOL_DAY,
                    f"primary mineralisation of new {site} bone and secondary mineralisation of older bone (calcium)"),
            Process(f"phosphate_{prefix}_formation", P.hydroxyapatite_p_to_ca * formed, "phosphate_ecf", phosphate,
                    MMOL_DAY, f"phosphate laid down with {site} calcium"),
        ]
    return processes


def radius_porosity_factor(c):
    """Extra intracortical and endocortical resorption of the distal radius under sustained PTH1R
    signal, on top of the whole-skeleton cortical one (1 in health): in primary hyperparathyroidism
    the distal third of the radius loses 3.5 times as much density as the femoral neck over 15 years
    (Rubin et al. 2008 J Clin Endocrinol Metab 93:3462: -35 +/- 5 % against -10 +/- 3 %), with thinner,
    less dense radial cortices by HR-pQCT (Stein et al. 2013 J Bone Miner Res 28:1029) that recover
    after parathyroidectomy (Cusano et al. 2018 J Clin Endocrinol Metab 103:196). It answers the signal
    held through the whole day (``pth_signal_floor``), not the daily mean: the catabolic outcome
    follows the hours of exposure in each day (Frolik et al. 2003 Bone 33:372), and daily teriparatide,
    back to baseline within hours, leaves the radius cortex near its loss on the whole cortex (Watts
    et al. 2019 Osteoporos Int 30:1187: one-third radius -1.66 % at 18 months)."""
    floor = pos(c.y["pth_signal_floor"]) * P.reference_pth * cortical_uraemic_relief(c)
    return stimulation(floor, P.reference_pth, P.bone_pth_half, 1, P.radius_pth_resorption_emax)


def radius_processes(c) -> list[Process]:
    """The distal radius cortex renews at the cortical rate: it gains what cortical bone deposits
    (primary and secondary mineralisation, relative to the healthy flux) and loses what its own
    osteoclasts resorb, with the radius's extra PTH-driven resorption."""
    site = "cortical"
    healthy_flux = P.bone_resorption_rate * turnover_share(site)
    held = c.y["radius_cortical_bone"] * healthy_mineral(site)
    return [
        Process("radius_cortical_formation", mineral_deposition(c, site) / healthy_flux * healthy_turnover(site),
                None, "radius_cortical_bone", PER_DAY, "bone laid down in the distal radius cortex"),
        Process("radius_cortical_resorption",
                resorption(c, site, held) * radius_porosity_factor(c) / healthy_mineral(site),
                "radius_cortical_bone", None, PER_DAY,
                "bone resorbed from the distal radius cortex (with its extra PTH-driven porosity)"),
    ]


def remodelling_processes(c) -> list[Process]:
    """Bone mineral remodelling, the bone cells and signals, and the bone drugs."""
    from .drugs import drug_processes

    return (mineral_processes(c) + deficit_processes(c) + osteoid_processes(c) + radius_processes(c)
            + cell_processes(c) + drug_processes(c))


# --- observables -----------------------------------------------------------------------------

# DXA site -> trabecular share of the measured mineral (the rest is cortical)
SITES = {
    "bmd_lumbar_spine": ("lumbar spine L1-L4", "spine_trabecular_share"),
    "bmd_total_hip": ("total hip", "hip_trabecular_share"),
    "bmd_femoral_neck": ("femoral neck", "femoral_neck_trabecular_share"),
    "bmd_radius": ("distal third of the radius", "radius_trabecular_share"),
}


# DXA sites with a cortex of their own (else the whole-skeleton cortical compartment)
SITE_CORTEX = {"bmd_radius": "radius_cortical_bone"}


def site_cortex(c, name):
    """The site's own relative cortex, or None for the whole-skeleton cortical compartment."""
    return c.y[SITE_CORTEX[name]] if name in SITE_CORTEX else None


def relative_mineral(c, site):
    return c.y[COMPARTMENTS[site][0]] / healthy_mineral(site)


def bmd_percent(c, trabecular_share, cortical=None):
    """Per cent change of a site's mineral from the healthy reference skeleton, which is the
    start of every run that starts from a (clinical) steady state: mineral is slow, so the
    steady state holds it at its reference. ``cortical`` is the site's own relative cortex
    (the distal radius), else the whole-skeleton cortical compartment."""
    cortex = relative_mineral(c, "cortical") if cortical is None else cortical
    mix = trabecular_share * relative_mineral(c, "trabecular") + (1 - trabecular_share) * cortex
    return P.percent_per_fraction * (mix - 1)


def bone_observables(c, processes) -> list[Observable]:
    rate = {p.name: p.rate for p in processes}
    resorbed = rate["ca_bone_resorption"] + rate["ca_trabecular_resorption"]
    matrix = sum(turnover_share(site) * matrix_formation(c, site) for site in COMPARTMENTS)
    outputs = [Observable(name, bmd_percent(c, getattr(P, share), site_cortex(c, name)), "%",
                          f"{title} bone mineral density, per cent change from the start (healthy reference)")
               for name, (title, share) in SITES.items()]
    outputs += [
        Observable("bmd_total_body", bmd_percent(c, P.trabecular_mineral_fraction), "%",
                   "total-body bone mineral, per cent change from the start (healthy reference)"),
        Observable("ctx", P.percent_per_fraction * resorbed / P.bone_resorption_rate, "%",
                   "serum CTX (collagen degradation by resorption), per cent of healthy baseline"),
        Observable("p1np", P.percent_per_fraction * matrix, "%",
                   "serum P1NP (type I collagen synthesis by osteoblasts), per cent of healthy baseline"),
        Observable("free_rankl", free_rankl(c), "relative", "free RANKL (healthy = 1)"),
    ]
    return outputs
