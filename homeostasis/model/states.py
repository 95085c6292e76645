"""The state variables and the plasma concentrations derived from them."""

from __future__ import annotations

from types import SimpleNamespace

import sympy as sp

from .bone import BONE_STATES
from .calcinosis import CALCINOSIS_STATES
from .chemistry import complex_ratio
from .drugs import DRUG_STATES, drug_concentrations
from .hormones import pth_release_rate
from .minerals import reference_ionized_calcium
from .regulation import pos
from .structure import State
from .symbols import TIME, P

def _ecf(name):
    return lambda b: getattr(P, name) * P.ecf_volume


def _in(volume, reference):
    return lambda b: getattr(P, reference) * getattr(P, volume)


def _gland_store(b):
    return P.pth_clearance_rate * P.reference_pth * P.pth_distribution_volume / pth_release_rate(b["ca_ionized"])


STATES = (
    State("ca_gut_lumen", "mmol", "gut lumen", "calcium", "calcium in the absorptive intestinal lumen",
          healthy=lambda b: b["lumen_ca"]),
    State("phosphate_gut_lumen", "mmol", "gut lumen", "phosphate", "phosphate in the absorptive intestinal lumen",
          healthy=lambda b: b["lumen_phosphate"]),
    State("ca_ecf", "mmol", "extracellular fluid", "calcium", "total calcium in plasma and interstitial fluid",
          healthy=_ecf("reference_ca_total"), volume="ecf_volume"),
    State("phosphate_ecf", "mmol", "extracellular fluid", "phosphate", "inorganic phosphate in plasma and interstitial fluid",
          healthy=_in("phosphate_distribution_volume", "reference_phosphate"),
          volume="phosphate_distribution_volume"),
    State("phosphate_cells", "mmol", "intracellular fluid", "phosphate",
          "rapidly exchangeable intracellular (soft-tissue) phosphate",
          healthy=lambda b: P.reference_intracellular_phosphate),
    State("phosphate_cell_reserve", "mmol", "intracellular fluid", "phosphate",
          "slowly mobilised soft-tissue phosphate reserve (given up when plasma phosphate falls low)",
          healthy=lambda b: P.reference_phosphate_reserve),
    State("ca_bone_exchangeable", "mmol", "bone surface", "calcium", "rapidly exchangeable calcium on bone surfaces",
          healthy=lambda b: P.reference_bone_exchangeable_ca),
    State("gut_vdr_activity", "dimensionless", "intestinal epithelium", None,
          "calcitriol-induced transporter expression relative to healthy", healthy=1),
    State("pth_gland", "pmol", "parathyroid glands", None, "PTH stored in parathyroid secretory granules",
          healthy=_gland_store, surgery=True),
    State("pth_plasma", "pmol", "plasma", None, "circulating intact PTH",
          healthy=_in("pth_distribution_volume", "reference_pth"), volume="pth_distribution_volume"),
    State("parathyroid_mass", "dimensionless", "parathyroid glands", None,
          "functional parathyroid cell mass relative to healthy", healthy=1, surgery=True),
    State("calcidiol_amount", "nmol", "plasma", None, "circulating 25(OH)D",
          healthy=_in("calcidiol_distribution_volume", "reference_calcidiol"), volume="calcidiol_distribution_volume"),
    State("hydroxylase_activity", "dimensionless", "kidney", None,
          "renal 1-alpha-hydroxylase (CYP27B1) activity relative to healthy", healthy=1),
    State("dietary_phosphate_signal", "dimensionless", "kidney", None,
          "dietary phosphorus load sensed by the renal 1-alpha-hydroxylase (day-averaged, relative to healthy)",
          healthy=1),
    State("calcitriol_amount", "pmol", "plasma", None, "circulating 1,25(OH)2D",
          healthy=_in("calcitriol_distribution_volume", "reference_calcitriol"), volume="calcitriol_distribution_volume"),
    State("fgf23_amount", "ng", "plasma", None, "circulating intact FGF23",
          healthy=_in("fgf23_distribution_volume", "reference_fgf23"), volume="fgf23_distribution_volume"),
    State("fgf23_expression", "dimensionless", "osteocytes", None,
          "osteocyte FGF23 expression relative to healthy (follows phosphate balance and calcitriol over days)",
          healthy=1),
    State("vitamin_d3_amount", "nmol", "plasma and adipose tissue", None,
          "supplemental cholecalciferol awaiting hepatic 25-hydroxylation", scale_like="calcidiol_amount"),
    State("vitamin_d3_stored", "nmol", "adipose tissue", None,
          "supplemental cholecalciferol held in adipose tissue and released slowly", scale_like="calcidiol_amount"),
    State("adenoma_mass", "dimensionless", "parathyroid adenoma", None,
          "adenoma cell mass relative to the normal total gland mass", scale_like="parathyroid_mass", surgery=True),
    State("pth_adenoma", "pmol", "parathyroid adenoma", None, "PTH stored in adenoma cells",
          scale_like="pth_gland", surgery=True),
    State("cinacalcet_gut", "umol", "gut lumen", None, "cinacalcet awaiting absorption"),
    State("cinacalcet_plasma", "umol", "plasma", None, "cinacalcet in plasma and rapidly equilibrating tissues",
          volume="cinacalcet_central_volume"),
    State("cinacalcet_peripheral", "umol", "peripheral tissues", None,
          "cinacalcet in slowly equilibrating tissues (its long terminal half-life)", scale_like="cinacalcet_plasma"),
    State("hydroxylase_mrna", "dimensionless", "kidney", None,
          "renal CYP27B1 mRNA relative to healthy (induced within hours by PTH1R signalling)", healthy=1),
    State("parathyroid_recent_ca", "dimensionless", "parathyroid glands", None,
          "recent ionized calcium relative to its reference, as traced by the parathyroid (its fall stimulates release)",
          healthy=1),
    State("parathyroid_adapted_ca", "dimensionless", "parathyroid glands", None,
          "ionized calcium relative to its reference that the parathyroid has adapted to over days (its set point follows it)",
          healthy=1),
    State("parathyroid_vdr_signal", "dimensionless", "parathyroid glands", None,
          "VDR signal of the parathyroid cell relative to healthy (follows plasma VDR ligand over about a day)",
          healthy=1),
    State("hydroxylase_pth_adapted", "dimensionless", "kidney", None,
          "PTH1R signal at the renal 1-alpha-hydroxylase the tubule has adapted to, relative to healthy", healthy=1),
) + BONE_STATES + DRUG_STATES + CALCINOSIS_STATES + (
    State("ca_bone_fast", "mmol", "bone fluid and surface mineral", "calcium",
          "calcium in the fast (minutes-hours) physicochemical exchange with bone fluid and surface mineral",
          healthy=lambda b: P.bone_fast_ca_capacity * b["ca_ionized"]),
)


def protein_binding_capacity():
    """Calcium-binding capacity of plasma proteins at the blood pH and albumin in force.

    Capacity scales with albumin and rises with pH (H+ competes with Ca2+ for albumin's
    carboxylate sites), so that ionized calcium falls ~0.05 mmol/L per 0.1 pH unit rise
    (Wang et al. 2002; Fogh-Andersen 1977). Both factors are 1 at the reference.
    """
    return (P.albumin_ca_capacity * (P.albumin / P.reference_albumin)
            * (1 + P.albumin_ca_ph_sensitivity * (P.ph - P.reference_blood_ph)))


def ionized_from_total(total, phosphate):
    """Ionized calcium (mmol/L) from total calcium, by protein binding and complexation.

    total = ionized * (1 + complex_ratio(phosphate)) + capacity * ionized / (Kd + ionized) is a
    quadratic in ionized calcium; its positive root is taken in closed form.
    """
    a = 1 + complex_ratio(phosphate)
    b = a * P.albumin_ca_dissociation + protein_binding_capacity() - total
    return (-b + sp.sqrt(b**2 + 4 * a * P.albumin_ca_dissociation * total)) / (2 * a)


def concentrations() -> SimpleNamespace:
    """Plasma concentrations as expressions of the state (guarded against tiny negatives)."""
    y = {s.name: s.symbol for s in STATES}
    ca_total = pos(y["ca_ecf"]) / P.ecf_volume
    phosphate = pos(y["phosphate_ecf"]) / P.phosphate_distribution_volume
    ca_ionized = ionized_from_total(ca_total, phosphate)
    ca_complex_ratio = complex_ratio(phosphate)
    calcitriol = pos(y["calcitriol_amount"]) / P.calcitriol_distribution_volume
    calcidiol = pos(y["calcidiol_amount"]) / P.calcidiol_distribution_volume
    drugs = drug_concentrations(y)
    plasma_vdr_ligand = dbp_displacement(calcidiol) * (calcitriol + calcidiol_vdr_equivalent(calcidiol))
    pth1r_responsiveness = uraemic_pth1r_responsiveness(y, drugs)
    return SimpleNamespace(
        y=y,
        ca_total=ca_total,
        ca_ionized=ca_ionized,
        ca_complex_ratio=ca_complex_ratio,  # complexed (citrate, bicarbonate, phosphate) per ionized calcium
        ca_ultrafilterable=ca_ionized * (1 + ca_complex_ratio),
        relative_ca=ca_ionized / reference_ionized_calcium(),  # ionized calcium relative to the healthy reference
        phosphate=phosphate,
        pth=pos(y["pth_plasma"]) / P.pth_distribution_volume,
        calcitriol=calcitriol,
        calcidiol=calcidiol,
        fgf23=pos(y["fgf23_amount"]) / P.fgf23_distribution_volume,
        gfr=gfr_at(TIME),
        gfr_volume=gfr_at(TIME) * P.ml_per_min_to_l_per_day,
        uraemic_clearance=relative_uraemic_clearance(),
        pth_receptor=pth1r_signal(y, drugs, "tubule and bone") * pth1r_responsiveness,
        pth1r_responsiveness=pth1r_responsiveness,
        # the transient (RG-conformation) signal that recruits osteoblasts during a pulse
        pth_pulse_receptor=pth1r_signal(y, drugs, "osteoblast pulse") * pth1r_responsiveness,
        # CYP27B1 induction: the same agonists, PTHrP-like ones with a small share, with its own uraemic resistance
        hydroxylase_receptor=(pth1r_signal(y, drugs, "CYP27B1")
                              * (gfr_at(TIME) / P.reference_gfr) ** P.hydroxylase_pth_resistance_exponent),
        vdr_ligand=plasma_vdr_ligand * uraemic_vdr_responsiveness(),
        vdr_reference=vdr_reference(),
        # the enterocyte also sees an oral calcitriol dose on its way in
        gut_vdr_ligand=(plasma_vdr_ligand + oral_calcitriol_enterocyte_ligand()) * uraemic_vdr_responsiveness(),
        cinacalcet=pos(y["cinacalcet_plasma"]) / P.cinacalcet_central_volume * P.nmol_per_umol,
        denosumab=drugs["denosumab"],
        romosozumab=drugs["romosozumab"],
    )


def pth1r_agonists(y, drugs) -> dict:
    """Every circulating PTH1R agonist (pmol/L) with its potency, relative to equimolar intact PTH,
    at the tubule and bone, at the renal 1-alpha-hydroxylase (CYP27B1) and for the osteoblast
    recruitment of a pulse.

    One receptor, one occupancy sum: intact PTH, PTHrP, teriparatide (PTH(1-34), given
    subcutaneously or infused, ``pth-infusion peptide=1-34``) and abaloparatide all enter it, so
    each reaches calcium reabsorption, TmP, CYP27B1 and bone alike. PTH(1-34) carries the whole
    N-terminal activation domain and acts as intact PTH does, CYP27B1 included (Horwitz et al.
    2003, 2005: PTH(1-34) infusions raise 1,25(OH)2D within 24 h). PTHrP and its analogue
    abaloparatide act on tubule and bone but induce CYP27B1 poorly (Horwitz et al. 2003, 2005;
    Stewart et al. 1980); abaloparatide's sustained signal is smaller (it prefers the transient RG
    conformation of PTH1R: Hattersley et al. 2016), while the transient signal of a pulse, which
    recruits osteoblasts, has its own potency (``abaloparatide_anabolic_potency``: in human
    osteoblastic cells 6 h of abaloparatide raised IGF-1 and osteocalcin as teriparatide did but
    RANKL/OPG less, Makino et al. 2018 Calcif Tissue Int 103:289).
    """
    return {
        "intact PTH": (pos(y["pth_plasma"]) / P.pth_distribution_volume, 1, 1, 1),
        "PTHrP": (P.pthrp, P.pthrp_potency, P.pthrp_hydroxylase_potency, P.pthrp_potency),
        "teriparatide": (drugs["teriparatide"], 1, 1, 1),
        "abaloparatide": (drugs["abaloparatide"], P.abaloparatide_pth1r_potency, P.abaloparatide_hydroxylase_potency,
                          P.abaloparatide_anabolic_potency),
    }


def pth1r_signal(y, drugs, target):
    """PTH1R agonism in intact-PTH equivalents (pmol/L) at ``target``: "tubule and bone", "CYP27B1" or
    "osteoblast pulse"."""
    column = {"tubule and bone": 1, "CYP27B1": 2, "osteoblast pulse": 3}[target]
    return sum(ligand[0] * ligand[column] for ligand in pth1r_agonists(y, drugs).values())


def uraemic_pth1r_responsiveness(y, drugs):
    """PTH1R responsiveness of bone and tubule (1 in health), lowered by uraemia.

    Uraemic toxins, not nephron mass as such, blunt the receptor (Torres et al. 1995: on
    maintenance dialysis a normal osteoblast surface needs intact PTH 75-260 pg/mL, before
    dialysis 300-500 pg/mL), so a dialysis programme adds its time-averaged solute clearance to
    the GFR here. The renal 1-alpha-hydroxylase keeps the nephron-mass form (dialysis restores
    no tubule). A share of the resistance (``pth_resistance_fragment_share``) is antagonism by
    the large non-(1-84) PTH fragments the gland secretes with intact PTH, so it scales with the
    endogenous share of the agonists (``endogenous_pth1r_share``) and lifts when an exogenous
    PTH(1-34) suppresses the gland: the rise of serum calcium on 46 h of PTH(1-34) in dialysis
    patients whose PTH(7-84) fragments fell, none where they did not (Wesseling-Perry et al.
    2010 J Clin Endocrinol Metab 95:2772, PMID 20382692); non-(1-84) PTH is secreted and
    suppressed with 1-84 PTH within the hour (Kidney Int 2003 64:1867, PMID 14531822)."""
    fragments = 1 - P.pth_resistance_fragment_share * (1 - endogenous_pth1r_share(y, drugs))
    return relative_uraemic_clearance() ** (P.pth_resistance_exponent * fragments)


def endogenous_pth1r_share(y, drugs):
    """Share of the PTH1R agonists at tubule and bone that is the gland's own intact PTH (1 without
    an exogenous PTH(1-34) or abaloparatide; PTHrP is left out, so every steady state without those
    drugs keeps exactly 1)."""
    agonists = pth1r_agonists(y, drugs)
    own = agonists["intact PTH"][0] + P.pth_fragment_share_floor
    exogenous = sum(agonists[name][0] * agonists[name][1] for name in ("teriparatide", "abaloparatide"))
    return own / (own + exogenous)


def relative_uraemic_clearance():
    """Clearance of uraemic solutes relative to health: the GFR plus, on a dialysis programme, its
    time-averaged solute clearance (1 at the reference GFR)."""
    return (gfr_at(TIME) + P.dialysis_programme * P.dialysis_solute_clearance) / P.reference_gfr


def uraemic_vdr_responsiveness():
    """Genomic VDR action per unit of ligand (1 in health), lowered by uraemic toxins.

    VDRs from renal failure rats bind the osteocalcin VDRE with half the capacity of normal ones
    despite identical calcitriol binding, and uraemic plasma ultrafiltrate removes > 50 % of the
    VDRE binding sites of normal VDRs and blocks calcitriol-induced reporter activity (Patel, Ke,
    Vanholder, Koenig & Hsu 1995 J Clin Invest 96:50, abstract): the calcitriol resistance of
    renal failure. Toxins, so a dialysis programme's solute clearance counts (as for PTH1R).
    Acts on every VDR target (parathyroid, gut, bone, tubule, CYP27B1 feedback, FGF23). Off
    (exponent 0) by default: see ``vdr_uraemic_resistance_exponent``."""
    return relative_uraemic_clearance() ** P.vdr_uraemic_resistance_exponent


def oral_calcitriol_enterocyte_ligand():
    """Calcitriol (pmol/L) the intestinal VDR sees from an oral dose on top of the plasma level.

    An oral dose crosses the enterocytes before it reaches plasma, so the gut answers it more
    than its plasma level says: in 20 children with chronic renal failure an oral calcitriol bolus
    gave half the plasma AUC of the same dose i.v. (1399 against 2793 pg/mL.h over 72 h) but the
    same intestinal strontium absorption 24 h later (Ardissino et al. 2000 Kidney Int 58:981,
    abstract read on the Elsevier Pure page); in goats protected oral 1,25(OH)2D3 raised 47Ca
    absorption as much as i.v. infusion at 2-5-fold lower plasma levels (double-isotope study,
    abstract read on scilit.net). Sized as ``calcitriol_enterocyte_exposure`` times the steady
    plasma rise the dose would give at healthy clearance (dose / (Vd x catabolism rate)); 0 off."""
    clearance = P.calcitriol_distribution_volume * P.calcitriol_catabolism_rate
    return P.calcitriol_enterocyte_exposure * P.calcitriol_dose_rate / clearance


def vdr_reference():
    """Healthy VDR ligand in calcitriol equivalents (calcitriol plus weighted 25(OH)D)."""
    return P.reference_calcitriol + calcidiol_vdr_equivalent(P.reference_calcidiol)


def dbp_displacement(calcidiol):
    """Rise of the free fractions of calcitriol and 25(OH)D as 25(OH)D fills the DBP sites (1 when healthy).

    Vitamin D binding protein carries ~99.97 % of 25(OH)D and ~99.6 % of calcitriol (Bikle et al.
    1985 J Clin Endocrinol Metab 61:969, 1986 63:954) on one site per molecule, present in large
    excess (~5 umol/L; < 5 % occupied in health). Each free fraction is inversely proportional to
    the unoccupied sites, so it barely moves in the normal range but rises steeply when 25(OH)D
    reaches micromolar levels in intoxication, displacing calcitriol (Tebben et al. 2016 Endocr
    Rev 37:521). A tenth of the sites are kept free so that the form stays finite. Off (1) while
    ``dbp_binding_sites`` is 0: at the sourced 5 umol/L it lowers total calcitriol at 700 nmol/L
    25(OH)D more than Barger-Lux et al. 1998 observed (see the parameter's source).
    """
    free_sites = sp.Max(P.dbp_binding_sites - calcidiol, P.dbp_binding_sites / 10)
    return sp.Piecewise((sp.S.One, P.dbp_binding_sites <= 0),
                        ((P.dbp_binding_sites - P.reference_calcidiol) / free_sites, True))


def calcidiol_vdr_equivalent(calcidiol):
    """VDR activation by 25(OH)D in pmol/L of calcitriol (before DBP displacement): a saturable
    intracrine part and a direct part.

    Direct: free 25(OH)D binds the VDR. Its free fraction is ~0.03 % against ~0.4 % for calcitriol
    (Bikle et al. 1985 J Clin Endocrinol Metab 61:969, 1986 63:954) and its VDR affinity a few
    hundred times lower (Jones 2008 Am J Clin Nutr 88:582S; Tebben et al. 2016 Endocr Rev 37:521),
    so total 25(OH)D acts like ``calcidiol_vdr_potency`` times as much calcitriol: negligible in
    the normal range, hundreds of pmol/L of calcitriol equivalents at micromolar intoxication levels.
    Intracrine: target cells (parathyroid, bone, gut) convert 25(OH)D to calcitriol themselves; this
    part saturates (half at ``calcidiol_vdr_half``), which is why PTH stops falling once 25(OH)D is
    replete. Together they are ``calcidiol_vdr_reference_equivalent`` at the healthy 25(OH)D, the
    share of the healthy VDR ligand the clinical checks were calibrated with.
    """
    def direct(level):
        return P.calcidiol_vdr_potency * P.pmol_per_nmol * level

    def saturation(level):
        return level / (P.calcidiol_vdr_half + level)

    intracrine_reference = P.calcidiol_vdr_reference_equivalent - direct(P.reference_calcidiol)
    return direct(calcidiol) + intracrine_reference * saturation(calcidiol) / saturation(P.reference_calcidiol)


def gfr_at(time):
    """GFR (mL/min): constant, or falling linearly to ``gfr_final`` over ``gfr_decline_days``."""
    progress = sp.Piecewise((sp.S.Zero, P.gfr_decline_days <= 0),
                            (sp.Min(time / P.gfr_decline_days, sp.S.One), True))
    return P.gfr + (P.gfr_final - P.gfr) * progress
