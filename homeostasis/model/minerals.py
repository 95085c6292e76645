"""Calcium and phosphate processes: gut, kidney, cells and bone."""

from __future__ import annotations

import sympy as sp

from .regulation import (emax_effect, hill, pos, power, relative_hill, smooth_minimum, stimulation, suppression,
                         two_branch_hill)
from .structure import Process, state_symbol
from .symbols import P

MMOL_DAY = "mmol/day"


def reference_ionized_calcium():
    """Healthy ionized calcium (mmol/L): the reference total calcium times its ionized fraction."""
    return P.reference_ca_total * P.reference_ionized_fraction


def gut_processes(c) -> list[Process]:
    """Intake, absorption (transcellular + paracellular), endogenous secretion, faecal loss."""
    y = c.y
    vdr = y["gut_vdr_activity"]
    lumen_ca = y["ca_gut_lumen"]
    phosphate_out = phosphate_gut_outflows(c)
    return [
        Process("ca_intake", P.ca_intake, None, "ca_gut_lumen", MMOL_DAY, "dietary calcium"),
        Process("ca_transcellular_absorption",
                P.ca_transcellular_vmax * vdr * glucocorticoid_gut_factor() * lumen_ca / (P.ca_transcellular_km + lumen_ca),
                "ca_gut_lumen", "ca_ecf", MMOL_DAY, "saturable calcitriol-dependent absorption (TRPV6/calbindin)"),
        Process("ca_paracellular_absorption", P.ca_paracellular_rate * lumen_ca,
                "ca_gut_lumen", "ca_ecf", MMOL_DAY, "passive paracellular absorption"),
        Process("ca_gut_secretion", P.ca_gut_secretion_rate * y["ca_ecf"],
                "ca_ecf", "ca_gut_lumen", MMOL_DAY, "endogenous calcium secretion into the gut"),
        Process("ca_faecal_loss", P.gut_transit_rate * lumen_ca,
                "ca_gut_lumen", None, MMOL_DAY, "unabsorbed calcium leaving the absorptive gut"),
        Process("phosphate_intake", P.phosphate_intake, None, "phosphate_gut_lumen", MMOL_DAY, "dietary phosphorus"),
        Process("phosphate_passive_absorption", phosphate_out["passive"],
                "phosphate_gut_lumen", "phosphate_ecf", MMOL_DAY, "passive (paracellular) phosphate absorption"),
        Process("phosphate_active_absorption", phosphate_out["active"],
                "phosphate_gut_lumen", "phosphate_ecf", MMOL_DAY, "calcitriol-dependent NaPi-IIb absorption"),
        Process("phosphate_faecal_loss", phosphate_out["faecal"],
                "phosphate_gut_lumen", None, MMOL_DAY, "unabsorbed phosphate leaving the absorptive gut"),
        Process("phosphate_gut_secretion", phosphate_gut_secretion(c),
                "phosphate_ecf", "phosphate_gut_lumen", MMOL_DAY,
                "endogenous phosphate secreted into the gut (digestive juices), absorbed or bound with the diet's"),
        *relaxation("gut_vdr_activity", gut_vdr_drive(c), P.gut_vdr_time_constant,
                    "intestinal transporter induction by calcitriol"),
    ]


def phosphate_gut_secretion(c):
    """Endogenous phosphate secreted into the gut lumen, mmol/day, rising with ECF phosphate.

    Digestive juices carry plasma phosphate into the lumen, where it mixes with the diet's and is
    reabsorbed or, with an oral binder, bound: aluminium antacids make faecal phosphorus exceed the
    intake and deplete phosphate (Lotz, Zisman & Bartter 1968 N Engl J Med 278:409), and on a low
    phosphorus diet stool losses continue after the urine is free of phosphate. 0 switches it off.

    Saturable in ECF phosphate (ASSUMED Michaelis-Menten at most ``phosphate_gut_secretion_saturation``
    times the healthy secretion, equal to it at the healthy amount): proportional secretion made the
    gut an excretory route in kidney failure (GFR 1: serum phosphate 9.5 against 16.9 mmol/L) and
    left no steady state there; no human measurement of endogenous faecal phosphorus in uraemia was found.
    """
    healthy, most = P.reference_phosphate * P.phosphate_distribution_volume, P.phosphate_gut_secretion_saturation
    amount = c.y["phosphate_ecf"]
    return P.phosphate_gut_secretion_rate * healthy * most * amount / (amount + (most - 1) * healthy)


def phosphate_gut_outflows(c) -> dict:
    """Phosphate leaving the gut lumen, mmol/day: passive (paracellular) and calcitriol-dependent
    (NaPi-IIb) absorption, and faecal loss.

    An oral binder holds its share of what would have been absorbed (``phosphate_binder_share``)
    in the lumen as the insoluble complex, which leaves in the faeces, so the lumen empties as fast
    as without it. Scaling only the absorption rate left the bound phosphate in the lumen for a
    later absorption, so a fraction of 0.3 lowered net absorption by only 13 % (issue 13,
    mechanism 5).
    """
    passive, active = phosphate_absorbable(c)
    bound = phosphate_binder_share(passive + active)
    return {"passive": (1 - bound) * passive, "active": (1 - bound) * active,
            "faecal": P.gut_transit_rate * c.y["phosphate_gut_lumen"] + bound * (passive + active)}


def phosphate_absorbable(c) -> tuple:
    """Passive (paracellular) and calcitriol-dependent (NaPi-IIb) absorption without a binder, mmol/day."""
    lumen_p = c.y["phosphate_gut_lumen"]
    passive = P.phosphate_passive_rate * lumen_p
    active = P.phosphate_active_vmax * c.y["gut_vdr_activity"] * lumen_p / (P.phosphate_active_km + lumen_p)
    return passive, active


def phosphate_binder_share(absorbable):
    """Share of the absorbable phosphate (mmol/day) an oral binder holds in the lumen.

    Two ways to give a binder. ``phosphate_binder_fraction`` takes a fixed share (binders bind
    ~20-45 % of dietary phosphorus at clinical doses and intakes: Daugirdas et al. 2011 Semin Dial
    24:41). An aluminium hydroxide dose binds up to its capacity, dose x
    ``aluminium_hydroxide_phosphate_capacity`` mmol/day, so it binds a fixed *amount* rather than
    a share: the same dose holds nearly all of a restricted intake but only part of a normal one
    (a smooth minimum of the absorbable load and the capacity, splay ``phosphate_binder_sharpness``).
    The two combine as independent binders. Loads are scaled by the healthy absorption so the
    expression stays finite when both are zero.
    """
    scale = P.reference_phosphate_absorption_fraction * P.reference_phosphate_intake
    load = absorbable / scale
    capacity = P.aluminium_hydroxide_dose * P.aluminium_hydroxide_phosphate_capacity / scale
    k = P.phosphate_binder_sharpness
    by_dose = capacity / (load**k + capacity**k + BINDER_FLOOR) ** (1 / k)
    return 1 - (1 - P.phosphate_binder_fraction) * (1 - by_dose)


BINDER_FLOOR = 1e-12  # keeps 0/0 away when the gut is empty and no binder is given (dimensionless)


def phosphate_unbound_share(c):
    """Share of the phosphate reaching the absorptive gut that no binder holds (1 without one)."""
    return 1 - phosphate_binder_share(sum(phosphate_absorbable(c)))


def gut_vdr_drive(c):
    return relative_hill(c.gut_vdr_ligand, c.vdr_reference, P.gut_vdr_calcitriol_half, P.gut_vdr_calcitriol_hill)


def glucocorticoid_gut_factor():
    """Glucocorticoids lower calbindin/TRPV6 and so transcellular calcium absorption."""
    dose = P.glucocorticoid_dose
    return 1 - emax_effect(dose, P.glucocorticoid_gut_max_inhibition, P.glucocorticoid_gut_ic50)


def relaxation(state: str, target, time_constant, meaning: str) -> list[Process]:
    """First-order relaxation of an activity state towards ``target``, as gain and loss."""
    return [
        Process(f"{state}_gain", target / time_constant, None, state, "1/day", meaning),
        Process(f"{state}_loss", state_symbol(state) / time_constant, state, None, "1/day", meaning),
    ]


def pth_receptor_activation(c):
    """Ligand concentration at the PTH/PTHrP receptor (PTH1R) in bone and kidney."""
    return c.pth_receptor


def kidney(c) -> dict:
    """Filtered loads, segmental reabsorption and urinary excretion (intermediate expressions)."""
    filtered_ca = c.gfr_volume * c.ca_ultrafilterable
    tal = (P.tal_ca_reabsorption_max / (1 + (c.ca_ionized / P.tal_casr_half) ** P.tal_casr_hill)
           * (1 - loop_diuretic_inhibition()))
    basal = 1 - P.dct_pth_share - P.dct_calcitriol_share
    distal_pth = distal_pth_occupancy(c)
    distal_regulation = (basal + P.dct_pth_share * distal_pth
                         + P.dct_calcitriol_share * hill(c.vdr_ligand, P.dct_calcitriol_half, 1))
    distal = P.dct_ca_reabsorption_max * distal_regulation
    distal_unreabsorbed = ((1 - distal) * (1 - thiazide_distal_effect(pth_receptor_activation(c)))
                           * glucocorticoid_calciuria() * calcitonin_calciuria())
    urine_ca = filtered_ca * proximal_delivery() * (1 - tal) * distal_unreabsorbed
    filtrate_p = P.phosphate_ultrafilterable_fraction * c.phosphate
    tmp_gfr = (P.tmp_gfr_max
               * suppression(pth_receptor_activation(c), P.reference_pth, P.tmp_pth_half, 1, P.tmp_pth_floor)
               * suppression(c.fgf23, P.reference_fgf23, P.tmp_fgf23_half, 1, P.tmp_fgf23_floor)
               * acidosis_phosphate_threshold())
    reabsorbed_p = smooth_minimum(filtrate_p, tmp_gfr, P.tmp_smoothness)
    urine_p = c.gfr_volume * (filtrate_p - reabsorbed_p)
    return {"filtered_ca": filtered_ca, "urine_ca": urine_ca, "filtered_phosphate": c.gfr_volume * filtrate_p,
            "urine_phosphate": urine_p, "tmp_gfr": tmp_gfr}


def acidosis_phosphate_threshold():
    """Factor on the proximal phosphate threshold (TmP/GFR) set by blood pH, 1 at the reference pH.

    Chronic metabolic acidosis lowers proximal phosphate reabsorption, independently of PTH and
    graded with the acidaemia: renal hypophosphataemia correlated with plasma bicarbonate in
    NH4Cl-loaded men (Krapf et al. 1992 J Clin Invest 90:2456, r = 0.72), the phosphaturia of
    NH4Cl follows the blood pH and goes with its correction in parathyroidectomised rats
    ('Mechanism for the phosphaturia of NH4Cl: dependence on acidemia but not on diet PO4 or PTH',
    1982, abstract), through the proximal sodium-phosphate cotransporters (Nowik et al. 2008
    Pflugers Arch, mice). Exponential in the pH deviation so the
    factor stays positive; ``tmp_ph_sensitivity`` 0 switches it off.
    """
    return sp.exp(P.tmp_ph_sensitivity * (P.ph - P.reference_blood_ph))


def distal_pth_occupancy(c):
    """PTH1R occupancy driving distal (DCT/CNT) calcium reabsorption: today's Hill above normal
    PTH and a branch of its own exponent ``dct_pth_lower_hill`` below it (where calcium loads
    suppress PTH), joined (:func:`two_branch_hill`) where PTH is at its reference, i.e. at the
    receptor signal reference PTH gives under uraemic PTH1R resistance (so CKD's raised PTH stays
    on the upper branch)."""
    joint = P.reference_pth * c.pth1r_responsiveness
    return two_branch_hill(pth_receptor_activation(c), joint, P.dct_pth_half, P.dct_pth_hill, P.dct_pth_lower_hill,
                           P.pth_branch_switch)


def proximal_delivery():
    """Share of filtered calcium leaving the proximal tubule; saline expansion raises it.

    Volume expansion lowers proximal sodium and with it paracellular calcium reabsorption
    (Hosking et al. 1981 Lancet i:1179; Bilezikian 1992 N Engl J Med 326:1196).
    """
    return (1 - P.reference_proximal_ca_fraction) * (1 + P.saline_proximal_gain * P.saline_rate)


def loop_diuretic_inhibition():
    """Daily-averaged share of thick-ascending-limb calcium reabsorption lost to NKCC2 blockade."""
    return emax_effect(P.loop_diuretic_dose, P.loop_diuretic_emax, P.loop_diuretic_ed50)


def glucocorticoid_calciuria():
    """Rise of the calcium escaping distal reabsorption under glucocorticoids (1 without them).

    Glucocorticoids lower distal tubular calcium reabsorption within days, independently of
    PTH: prednisolone 20 mg/day for 7 days raised urinary calcium by 45 % and, through the
    calcium lost, PTH by 19 % in healthy men (Gram et al. 1998 Bone 23:297; Lukert & Raisz
    1990 Ann Intern Med 112:352).
    """
    dose = P.glucocorticoid_dose
    return 1 + emax_effect(dose, P.glucocorticoid_renal_ca_emax, P.glucocorticoid_renal_ca_ed50)


def calcitonin_calciuria():
    """Rise of the calcium escaping distal reabsorption under calcitonin (1 without it).

    Calcitonin lowers tubular calcium reabsorption: in hypercalcaemic patients urine calcium rose at
    once as serum calcium fell, and outside Paget's disease the rise accounted for part or all of the
    fall (Cochran, Peacock, Sachs & Nordin 1970 Br Med J 1:135); calcium clearance rises without PTH
    (Haas et al. 1971 J Clin Invest 50:2689). Calcium lost this way is excreted, not stored, so it is
    not handed back as the effect escapes (``calcitonin_calciuria_gain``; size ASSUMED)."""
    return 1 + P.calcitonin_calciuria_gain * P.calcitonin_effect


def thiazide_distal_effect(pth):
    """Fall of the calcium that escapes distal reabsorption under NCC blockade (thiazides).

    The hypocalciuria needs PTH: a thiazide lowered urinary calcium by 44 % in euparathyroid
    patients but by 11 % (then not at all) in hypoparathyroid ones (Parfitt 1972 J Clin Invest
    51:1879), and not at all in hypoparathyroidism at 200 mg/day (Brickman et al. 1972 J Clin
    Invest 51:945): the thiazide potentiates PTH's distal action, so its effect scales, by the
    share ``thiazide_pth_dependence``, with the distal PTH Hill occupancy at the PTH1R signal ``pth``
    relative to its value at normal PTH. It keeps the one-branch Hill (``dct_pth_hill``) below
    normal PTH too: the thiazide still lowered urine calcium by 22 % with PTH suppressed by
    calcifediol (Sakhaee et al. 1984, atlas record), so its PTH dependence is not the steep lower
    branch of :func:`distal_pth_occupancy`.
    """
    pth_term = relative_hill(pth, P.reference_pth, P.dct_pth_half, P.dct_pth_hill)
    scale = 1 - P.thiazide_pth_dependence + P.thiazide_pth_dependence * pth_term
    return emax_effect(P.thiazide_dose, P.thiazide_emax, P.thiazide_ed50) * scale


def kidney_processes(c) -> list[Process]:
    k = kidney(c)
    return [
        Process("urine_ca", k["urine_ca"], "ca_ecf", None, MMOL_DAY,
                "filtered ultrafilterable calcium not reabsorbed (PT, TAL with CaSR, DCT with PTH and calcitriol)"),
        Process("urine_phosphate", k["urine_phosphate"], "phosphate_ecf", None, MMOL_DAY,
                "filtered phosphate above the PTH- and FGF23-regulated transport maximum"),
    ]


def clamp_processes(c) -> list[Process]:
    """A calcium clamp: infusion (or chelation, when negative) proportional to the error; and a
    fixed-rate intravenous calcium infusion (calcium gluconate)."""
    error = P.ca_clamp_target - c.ca_ionized
    return [Process("ca_clamp_infusion", P.ca_clamp_rate * error * P.ecf_volume, None, "ca_ecf", MMOL_DAY,
                    "calcium infusion or citrate/EDTA chelation holding ionized calcium at a target"),
            Process("ca_iv_infusion", P.ca_infusion_rate, None, "ca_ecf", MMOL_DAY,
                    "intravenous calcium (gluconate) infusion at a fixed rate")]


def dialysis_processes(c) -> list[Process]:
    """Haemodialysis while ``dialysis_active`` is 1: phosphate removal and calcium exchange.

    Calcium crosses the membrane as ultrafilterable (diffusible) calcium, ionized plus complexed
    (citrate, bicarbonate, phosphate), against the dialysate's total calcium: protein-bound calcium
    stays in the blood. "Quantification of dialytic removal and extracellular calcium mass balance
    during a weekly cycle of hemodialysis" (PMC4830623, abstract read: 25 patients on 1.35 mmol/L
    dialysate) found ionic calcium absorbed from the dialysis fluid while complexed calcium was
    removed from the body; Gotch's calcium kinetic model takes the dialyser flux from the ionized,
    diffusible calcium of a well-mixed extracellular pool. ``dialysis_ca_complexed_share`` is the
    share of the complexed calcium counted (1: ultrafilterable calcium; 0, the default: ionized
    calcium alone, the model before this term, kept because the ultrafilterable gradient loses
    the cinacalcet-on-dialysis PTH records; see that parameter's source).

    Ultrafiltration carries ultrafilterable calcium (ionized plus complexed) out with the plasma
    water removed (``dialysis_ultrafiltration_rate``, 0 by default: off, see its source); the
    water gained between sessions carries almost none, so it is a net loss."""
    on = P.dialysis_active
    diffusible = c.ca_ionized * (1 + P.dialysis_ca_complexed_share * c.ca_complex_ratio)
    return [
        Process("dialysis_phosphate_removal", on * P.dialysis_phosphate_clearance * c.phosphate,
                "phosphate_ecf", None, MMOL_DAY, "diffusive phosphate removal by the dialyser"),
        Process("dialysis_ca_exchange", on * P.dialysis_ca_clearance * (P.dialysate_ca - diffusible),
                None, "ca_ecf", MMOL_DAY,
                "diffusive calcium exchange with the dialysate (ionized plus the counted share of complexed calcium)"),
        Process("dialysis_ca_convection", on * P.dialysis_ultrafiltration_rate * c.ca_ultrafilterable,
                "ca_ecf", None, MMOL_DAY, "ultrafilterable calcium leaving with the ultrafiltrate"),
    ]


def cell_uptake_saturation(c):
    """Sigmoid, saturable cellular phosphate uptake (PiT-1/PiT-2), 1 at the healthy serum phosphate.

    Saturation keeps the rapidly exchangeable intracellular pool bounded when serum phosphate is
    several-fold high (end-stage CKD): intracellular inorganic phosphate is held within narrow
    limits rather than tracking plasma. The sigmoid onset makes cells give up phosphate when
    plasma phosphate falls below ~0.8-0.9 mmol/L, so serum phosphate plateaus during
    haemodialysis at about that level whatever its pre-dialysis value (Man et al. 1991
    ASAIO Trans 37:M463; Spalding et al. 2002 Kidney Int 61:655: biphasic regulation).
    """
    return normalised_uptake(c, P.phosphate_cell_uptake_half, P.phosphate_cell_uptake_hill)


def normalised_uptake(c, half, n):
    """Sigmoid uptake factor ``(P/ref)^(n-1) (half^n + ref^n) / (half^n + P^n)``: 1 at the healthy
    serum phosphate, so the uptake flux is the rate constant x ECF phosphate x this factor."""
    reference = P.reference_phosphate
    return power(c.phosphate / reference, n - 1) * (half**n + reference**n) / (half**n + power(c.phosphate, n))


def reserve_uptake_saturation(c):
    """Uptake into the slowly mobilised soft-tissue phosphate reserve, 1 at the healthy serum phosphate.

    A steep sigmoid (``phosphate_reserve_hill``) around ``phosphate_reserve_half``: the reserve's
    equilibrium content barely moves while serum phosphate stays above ~0.85 mmol/L (dietary
    restriction, oral loads), and the reserve is mobilised only when plasma phosphate falls
    below that, as during haemodialysis (the biphasic regulation of Spalding et al. 2002).
    """
    return normalised_uptake(c, P.phosphate_reserve_half, P.phosphate_reserve_hill)


def cell_processes(c) -> list[Process]:
    """Phosphate exchange with cells: the free intracellular inorganic phosphate (hours) and, when
    ``reference_phosphate_reserve_exchange`` > 0, a slowly mobilised soft-tissue reserve."""
    y = c.y
    return [
        Process("phosphate_cell_uptake", P.phosphate_cell_uptake_rate * y["phosphate_ecf"] * cell_uptake_saturation(c),
                "phosphate_ecf", "phosphate_cells", MMOL_DAY, "saturable phosphate uptake into cells"),
        Process("phosphate_cell_release", P.phosphate_cell_release_rate * y["phosphate_cells"],
                "phosphate_cells", "phosphate_ecf", MMOL_DAY, "phosphate release from cells"),
        Process("phosphate_reserve_uptake",
                P.phosphate_reserve_uptake_rate * y["phosphate_ecf"] * reserve_uptake_saturation(c),
                "phosphate_ecf", "phosphate_cell_reserve", MMOL_DAY,
                "phosphate uptake into the slowly mobilised soft-tissue reserve"),
        Process("phosphate_reserve_release", P.phosphate_reserve_release_rate * y["phosphate_cell_reserve"],
                "phosphate_cell_reserve", "phosphate_ecf", MMOL_DAY,
                "phosphate release from the soft-tissue reserve"),
    ]


def bone_processes(c) -> list[Process]:
    """Bone-surface calcium exchange within hours: the PTH-regulated surface pool and the faster
    bone-fluid exchange (remodelling lives in :mod:`homeostasis.model.bone`)."""
    y = c.y
    return [
        Process("ca_bone_surface_uptake", P.bone_exchange_uptake_rate * c.ca_ionized * bone_surface_uptake_saturation(c),
                "ca_ecf", "ca_bone_exchangeable", MMOL_DAY, "ionized calcium binding to bone surfaces"),
        Process("ca_bone_surface_release",
                P.bone_exchange_release_rate * y["ca_bone_exchangeable"] * bone_surface_pth_factor(c),
                "ca_bone_exchangeable", "ca_ecf", MMOL_DAY,
                "calcium release from bone surfaces (rapid, PTH-stimulated osteocyte/lining-cell efflux)"),
        *bone_fast_exchange(c),
    ]


def bone_fast_exchange(c) -> list[Process]:
    """Physicochemical calcium exchange with bone fluid and surface mineral within an hour or two.

    A pool that follows ionized calcium (capacity x ionized calcium at equilibrium, no hormone):
    it takes up part of an intravenous calcium load while it is given (4.8 of 23.1 mmol over 3 h
    at 0.33 mmol/kg: total calcium 3.27 instead of 3.56 mmol/L at the end) and hands it back as
    calcium falls (issue 13, mechanism 7; rouen-2007). The slower PTH-regulated surface pool is
    :func:`bone_processes`' ``ca_bone_exchangeable``.
    """
    rate = P.bone_fast_exchange_rate
    return [
        Process("ca_bone_fast_uptake", rate * P.bone_fast_ca_capacity * c.ca_ionized,
                "ca_ecf", "ca_bone_fast", MMOL_DAY, "ionized calcium entering bone fluid and surface mineral"),
        Process("ca_bone_fast_release", rate * c.y["ca_bone_fast"],
                "ca_bone_fast", "ca_ecf", MMOL_DAY, "calcium returning from bone fluid and surface mineral"),
    ]


def bone_surface_uptake_saturation(c):
    """Saturable binding of ionized calcium to the slow bone-surface pool, 1 at the healthy level
    (``bone_surface_uptake_half`` very large: linear uptake).

    With linear uptake the slow pool, whose PTH-stimulated release falls by a quarter when an
    intravenous load suppresses PTH, kept taking up 5-7 mmol in the 3 h after the load, and total
    calcium fell back twice as fast as measured (rouen-2007); a finite number of binding sites caps
    that sink. Chronic states are unchanged: in a steady state the pool's net flux is zero."""
    half = P.bone_surface_uptake_half
    return (half + reference_ionized_calcium()) / (half + c.ca_ionized)


def bone_surface_pth_factor(c):
    """PTH's rapid calcaemic action: efflux from the exchangeable bone-surface pool within hours,
    independent of osteoclast recruitment (Talmage & Mobley 2008; Parfitt 1976; Horwitz et al.
    2003: calcium rises within hours of a PTH infusion). 1 at the healthy reference.

    Calcitonin inhibits it by its effect times ``calcitonin_surface_weight``: calcium whose efflux is
    held back stays in the pool and returns as calcitonin escapes, so with the whole effect here the
    model's calcium sprang 0.14 mmol/L above pretreatment at 96 h of treatment in humoral
    hypercalcaemia (Wisneski et al. 1978: mean below pretreatment throughout); the osteoclast
    (:func:`homeostasis.model.bone.resorption`) and the kidney (:func:`calcitonin_calciuria`) carry
    the rest of its action."""
    return (stimulation(pth_receptor_activation(c), P.reference_pth, P.bone_surface_pth_half, 1,
                        P.bone_surface_pth_emax)
            * (1 - P.calcitonin_surface_weight * P.calcitonin_effect))


def mineral_processes(c) -> list[Process]:
    return (gut_processes(c) + kidney_processes(c) + cell_processes(c) + bone_processes(c) + clamp_processes(c)
            + dialysis_processes(c))
