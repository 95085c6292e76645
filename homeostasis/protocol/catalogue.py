"""The interventions a user can apply, with option names, defaults, units and sources."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import ParameterValueError
from .events import (CALCIFEDIOL_NMOL_PER_UG, CALCITRIOL_PMOL_PER_UG, CALCIUM_MG_PER_MMOL,
                     CHOLECALCIFEROL_IU_PER_UG, CHOLECALCIFEROL_NMOL_PER_UG, CINACALCET_MG_PER_UMOL,
                     CLAMP_GAIN_PER_DAY, EVENT_TIME_DECIMALS, PHOSPHORUS_MG_PER_MMOL, Action, AddAmounts,
                     ClampRelative, Event, InterventionSpec, Option, RemoveParathyroid, ScaleStates, SetParameters,
                     lasting, repeated)

DAYS = Option("days", None, "day", 0, 36525)

REFERENCES = {
    "parathyroidectomy": (
        "Vaghaiwalla TM, Khan ZF, Lew JI. World J Surg Proced 2016;6:1 (PTH falls >=50 % at 10 min).",
        "Schmitt CP et al. J Clin Endocrinol Metab 1996 (PTH half-life 2-3 min).",
        "Witteveen JE et al. Eur J Endocrinol 2013;168:R45 (hungry bone syndrome).",
    ),
    "cinacalcet": (
        "Shoback DM et al. J Clin Endocrinol Metab 2003;88:5644 (PTH nadir 2-4 h after a dose).",
        "Peacock M et al. J Clin Endocrinol Metab 2005;90:135 (calcium normalised in PHPT).",
        "Padhi D, Harris R. Clin Pharmacokinet 2009;48:303 (pharmacokinetics).",
    ),
    "glucocorticoid": (
        "Sharma OP. Chest 1996;109:535 (prednisone corrects sarcoid hypercalcaemia within days).",
        "Baughman RP et al. Sarcoidosis Vasc Diffuse Lung Dis 2013;30:113.",
    ),
    "phosphate-binder": (
        "Daugirdas JT et al. Semin Dial 2011;24:41 (binding capacity of phosphate binders).",
        "Martin P, Wang P, Robinson A et al. Am J Kidney Dis (balance study: phosphorus bound per lanthanum and sevelamer dose).",
        "Block GA et al. J Am Soc Nephrol 2012;23:1407 (binders in CKD 3-4: phosphate, PTH, FGF23).",
    ),
    "calcitriol": ("Coburn JW et al. Am J Kidney Dis 2004;43:877 (active vitamin D lowers PTH in CKD 3-4).",),
    "diet": ("Heaney RP et al. J Bone Miner Res 1989;4:469 (calcium absorption and intake).",),
    "phosphate-load": ("Nishida Y et al. Kidney Int 2006;70:2141 (oral phosphate loading in healthy men).",),
    "calcium-clamp": (
        "Schwarz P et al. Eur J Clin Invest 1993;23:546 (citrate and calcium clamps).",
        "Brent GA et al. J Clin Endocrinol Metab 1988;67:944 (static PTH-calcium curve).",
    ),
    "pth-infusion": ("Horwitz MJ et al. J Clin Endocrinol Metab 2003;88:569 (PTH and PTHrP infusions).",
                     "Forteo (teriparatide) US prescribing information (PTH(1-34) clearance 62 L/h in women).",),
    "calcium-supplement": (
        "Adams ND, Gray RW, Lemann J Jr. J Clin Endocrinol Metab 1979;48:1008 (oral calcium loading lowers calcitriol).",
        "Heaney RP et al. J Bone Miner Res 1989;4:469 (fractional absorption falls as the load rises).",
        "Reid IR et al. Am J Med 1995;98:331 (1 g/day calcium: serum calcium barely changes in healthy women).",
        "Sakhaee K et al. Am J Ther 1999;6:313 (meta-analysis: citrate absorbed 22-27 % better than carbonate).",
        "Recker RR. N Engl J Med 1985;313:70 (carbonate needs gastric acid or a meal; citrate does not).",
    ),
    "calcium-load": (
        "Heaney RP et al. J Bone Miner Res 1989;4:469 (absorption of single calcium loads).",
        "Bristow SM et al. Br J Nutr 2014;112:1611 (serum calcium after a 1 g oral calcium dose).",
        "Sakhaee K et al. Am J Ther 1999;6:313 (meta-analysis: citrate absorbed 22-27 % better than carbonate).",
    ),
    "vitamin-d3": (
        "Barger-Lux MJ, Heaney RP et al. Osteoporos Int 1998;8:222 (25(OH)D after 25-1250 ug/day D3).",
        "Heaney RP et al. Am J Clin Nutr 2003;77:204 (25(OH)D per ug/day of cholecalciferol).",
        "Jones G. Am J Clin Nutr 2008;88:582S (pharmacokinetics of vitamin D toxicity).",
    ),
    "calcifediol": (
        "Barger-Lux MJ, Heaney RP et al. Osteoporos Int 1998;8:222 (25(OH)D after 10-50 ug/day 25(OH)D3).",
        "Jetter A et al. Bone 2014;59:14 (calcifediol 2-3x as potent as vitamin D3).",
        "Minisola S et al. Calcif Tissue Int 2011;89:252 (monthly 500 ug calcifediol).",
    ),
    "hemodialysis": (
        "Kuhlmann MK. Blood Purif 2010;29:137 (phosphate elimination in haemodialysis).",
        "KDIGO 2017 CKD-MBD guideline update (dialysate calcium 1.25-1.50 mmol/L).",
        "Torres A et al. Kidney Int 1995;47:1434 (dialysis patients need less PTH for a normal osteoblast surface).",
        "Casino FG, Lopez T. Nephrol Dial Transplant 1996;11:1574 (equivalent renal urea clearance of haemodialysis).",
        "Rudnicki M et al. Clin Nephrol 1993;40:225 (bicarbonate session: blood pH 7.40 -> 7.47, back after 9 h).",
        "Havlin J, Vankova S. Clin Kidney J 2018, doi 10.1093/ckj/sfy047 (dialysate bicarbonate 32 vs 26 mmol/L: "
        "PTH rises and less calcium is lost, through the alkalosis).",
    ),
    "iv-calcium": (
        "Brent GA et al. J Clin Endocrinol Metab 1988;67:944 (calcium gluconate infusion suppresses PTH).",
        "Ladenson JH et al. J Clin Endocrinol Metab 1978;46:986 (ionized calcium during calcium infusion).",
        "Cooper MS, Gittoes NJL. BMJ 2008;336:1298 (10 mL of 10 % calcium gluconate = 2.25 mmol; infusions).",
    ),
    "thiazide": (
        "Costanzo LS. Am J Physiol 1985;248:F527 (thiazide-enhanced distal calcium reabsorption).",
        "Coe FL et al. Kidney Int 1988;33:1140 (hydrochlorothiazide lowers urine calcium in hypercalciuria).",
        "Reilly RF, Ellison DH. Physiol Rev 2000;80:277 (NCC blockade and calcium transport).",
        "Parfitt AM. J Clin Invest 1972;51:1879 (the hypocalciuria needs PTH: -44 % euparathyroid, -11 % hypoparathyroid).",
    ),
    "loop-diuretic": (
        "Suki WN et al. N Engl J Med 1970;283:836 (furosemide calciuresis).",
        "Rejnmark L et al. Eur J Endocrinol 2006;155:695 (furosemide: urinary calcium up, PTH up).",
        "Brater DC. N Engl J Med 1998;339:387 (loop diuretic dose-response).",
        "Rejnmark L et al. Eur J Clin Invest 2001;31:764 (one daily dose: steep calciuresis and PTH rise, then a "
        "rebound; the option pulse_hours).",
    ),
    "saline": (
        "Hosking DJ et al. Lancet 1981;i:1179 (saline rehydration in hypercalcaemia of malignancy).",
        "Bilezikian JP. N Engl J Med 1992;326:1196 (management of acute hypercalcaemia).",
    ),
    "calcitonin": (
        "Wisneski LA. Calcif Tissue Int 1990;46:S26 (calcitonin in hypercalcaemia: rapid effect, escape).",
        "Austin LA, Heath H 3rd. N Engl J Med 1981;304:269 (calcitonin physiology).",
        "Cochran M, Peacock M, Sachs G, Nordin BEC. Br Med J 1970;1:135 (renal effects of calcitonin: calciuria).",
    ),
    "daily-rhythm": (
        "Jubiz W et al. J Clin Invest 1972;51:2040 (circadian rhythm of serum PTH).",
        "el-Hajj Fuleihan G et al. J Clin Endocrinol Metab 1997;82:281 (24-h PTH rhythm, nocturnal peak).",
        "Portale AA et al. J Clin Invest 1987;80:1147 (circadian phosphorus rhythm with meals).",
    ),
}
PH_REFERENCES = (
    "Hughes WS, Aurbach GD, Sharp ME, Marx SJ. J Lab Clin Med 1984;103:93 (serum ionized calcium varies "
    "0.0060 mmol/L per 0.01 pH unit).",
    "Wang S et al. Clin Chem Lab Med 2002;40:1236 (ionized calcium and pH).",
    "Krapf R, Vetsch R, Vetsch W, Hulter HN. J Clin Invest 1992;90:2456 (chronic NH4Cl acidosis: renal "
    "hypophosphataemia, intact PTH down, 1,25(OH)2D production and serum level up).",
)
REFERENCES["acidosis"] = REFERENCES["alkalosis"] = PH_REFERENCES

STANDARD_DIALYSIS_HOURS = 12.0  # 3 sessions of 4 h a week, the programme dialysis_solute_clearance describes
MEALS = ((7.0, 0.25), (12.0, 0.35), (19.0, 0.40))  # clock hour, share of the day's calcium and phosphorus


def _parathyroidectomy(day, options, base, end):
    fraction = options["fraction"]
    if fraction is None:  # the adenoma if there is one (decided at the event), else all
        return [Event(day, RemoveParathyroid())]
    keep = 1.0 - fraction
    return [Event(day, ScaleStates({"parathyroid_mass": keep, "pth_gland": keep, "adenoma_mass": keep,
                                    "pth_adenoma": keep}),
                  SetParameters({"parathyroid_capacity": max(base["parathyroid_capacity"] * keep, 0.001)}))]


def _cinacalcet(day, options, base, end):
    amount = options["dose_mg"] / CINACALCET_MG_PER_UMOL * base["cinacalcet_bioavailability"]
    stop = day + options["days"] if options.get("days") else end
    return repeated(day, stop, options["every_hours"] / 24.0, AddAmounts({"cinacalcet_gut": amount}))


def _clamp(day, options, base, end):
    # the target is read before the clamp starts: ClampRelative comes first
    return [Event(day, ClampRelative(options["delta_ionized"]), SetParameters({"ca_clamp_rate": CLAMP_GAIN_PER_DAY})),
            Event(day + options["hours"] / 24.0, SetParameters({"ca_clamp_rate": 0.0}))]


PH_RECOVERY_STEP_HOURS = 3.0  # the post-session pH return in steps of at most 3 h: each event restarts the solver


def _session_ph(options, base, interval, length):
    """Blood pH of a bicarbonate session as (hours after the session start, SetParameters): up by
    ``ph_rise`` at the start (bicarbonate enters fast, then levels off) and through the session,
    back to the scenario's pH after the end along a line over ``ph_recovery_hours``, taken at the
    nearest of n + 1 equally spaced points (steps of at most 3 h; cut at the next session).
    Nothing when ``ph_rise`` is 0."""
    rise, hours, end = options["ph_rise"], options["ph_recovery_hours"], length * 24.0
    if not rise:
        return []
    steps = max(int(math.ceil(hours / PH_RECOVERY_STEP_HOURS)), 1)
    step = hours / steps
    schedule = [(0.0, base["ph"] + rise)]
    schedule += [(end + (k + 0.5) * step, base["ph"] + rise * (1.0 - (k + 1) / steps)) for k in range(steps)]
    return [(at, SetParameters({"ph": ph})) for at, ph in schedule if at < interval * 24.0]


def _dialysis(day, options, base, end):
    interval, length = 7.0 / options["sessions_per_week"], options["hours"] / 24.0
    stop = day + options["days"] if options.get("days") else end
    events = []
    on = SetParameters({"dialysis_active": 1.0, "dialysate_ca": options["dialysate_ca"]})
    off = SetParameters({"dialysis_active": 0.0})
    ph = _session_ph(options, base, interval, length)
    for start in repeated(day, stop, interval):
        events.append(Event(start.time, on, *[action for at, action in ph if at == 0.0]))
        events.append(Event(start.time + length, off))
        events.extend(Event(round(start.time + at / 24.0, EVENT_TIME_DECIMALS), action)
                      for at, action in ph if at > 0.0)
    # the programme's uraemic solute clearance, relative to the standard 3 x 4 h a week
    programme = {"dialysis_programme": options["sessions_per_week"] * options["hours"] / STANDARD_DIALYSIS_HOURS}
    events.append(Event(day, SetParameters(programme)))
    if options.get("days"):
        events.append(Event(stop, SetParameters({"dialysis_programme": base["dialysis_programme"]})))
    return sorted(events, key=lambda event: event.time)


PTH_INFUSION_RATES = {"1-84": "pth_infusion_rate", "1-34": "teriparatide_infusion_rate"}
PTH_PEPTIDES = tuple(PTH_INFUSION_RATES)


def _pth_infusion(day, options, base, end):
    """Intravenous PTH: intact PTH(1-84) into the circulating PTH pool (measured as intact PTH, cleared
    like it); PTH(1-34) into the teriparatide pool, cleared at ``teriparatide_clearance`` (Forteo
    label, 62 L/h) and acting on PTH1R through the same receptor sum (``states.pth1r_agonists``)."""
    parameter = PTH_INFUSION_RATES[options["peptide"]]
    return [Event(day, SetParameters({parameter: options["pmol_per_hour"] * 24.0})),
            Event(day + options["hours"] / 24.0, SetParameters({parameter: base[parameter]}))]


def _setting(parameter, option, factor=1.0):
    """A lasting intervention that sets one parameter from one option."""
    return lambda day, options, base, end: lasting(day, options, base, {parameter: options[option] * factor})


# A daily dose acting as a pulse (the option pulse_hours; off by default): the thick ascending limb is
# blocked for pulse_hours after each dose (oral furosemide acts for 6-8 h: Brater 1998), by the sourced
# parameters loop_diuretic_pulse_emax (complete at a saturating dose) and loop_diuretic_pulse_ed50 (half
# at 10 mg), so that 40 mg acting for 6 h gives the daily-averaged block of 40 mg/day.
LOOP_PULSE_SETTINGS = {"loop_diuretic_emax": "loop_diuretic_pulse_emax", "loop_diuretic_ed50": "loop_diuretic_pulse_ed50"}


def _loop_diuretic(day, options, base, end):
    """The daily-averaged block (``loop_diuretic_dose``), or with ``pulse_hours`` a block for that long
    after each daily dose, then none until the next: the steep calciuresis and its rebound that
    Rejnmark et al. 2001 (PMID 11589718) saw after one daily dose."""
    if options.get("pulse_hours") is None:
        return lasting(day, options, base, {"loop_diuretic_dose": options["dose_mg"]})
    stop = day + options["days"] if options.get("days") else end
    on = SetParameters({"loop_diuretic_dose": options["dose_mg"],
                        **{name: base[pulse] for name, pulse in LOOP_PULSE_SETTINGS.items()}})
    off = SetParameters({"loop_diuretic_dose": 0.0})
    events = []
    for dose in repeated(day, stop - 1e-6, 1.0):  # no dose at the stop (repeated allows 1e-9 of slack)
        events += [Event(dose.time, on), Event(min(dose.time + options["pulse_hours"] / 24.0, stop), off)]
    if options.get("days"):
        names = ("loop_diuretic_dose", *LOOP_PULSE_SETTINGS)
        events.append(Event(stop, SetParameters({name: base[name] for name in names})))
    return events


BINDER_FRACTION_DEFAULT = 0.3  # sevelamer/lanthanum/calcium acetate bind ~20-45 % (Daugirdas et al. 2011)


def _phosphate_binder(day, options, base, end):
    """A fixed bound fraction, or an aluminium hydroxide dose that binds up to its capacity
    (``aluminium_hydroxide_phosphate_capacity`` mmol/g): not both, so a dose is never doubled
    by the old default fraction."""
    fraction, dose = options["fraction"], options["aluminium_hydroxide_g_per_day"]
    if fraction is not None and dose is not None:
        raise ParameterValueError("phosphate-binder: expected fraction or aluminium_hydroxide_g_per_day, got both")
    if dose is not None:
        return lasting(day, options, base, {"aluminium_hydroxide_dose": dose})
    return lasting(day, options, base, {"phosphate_binder_fraction": BINDER_FRACTION_DEFAULT if fraction is None
                                        else fraction})


def _diet(day, options, base, end):
    return lasting(day, options, base, {"ca_intake": options["ca_mg_per_day"] / CALCIUM_MG_PER_MMOL,
                                         "phosphate_intake": options["p_mg_per_day"] / PHOSPHORUS_MG_PER_MMOL})


EMPTYING_PORTIONS_PER_HOUR = 4


def _phosphate_load(day, options, base, end):
    """An oral phosphate load into the gut lumen: at once, or emptied from the stomach with a meal
    at a constant rate over ``hours`` (in quarter-hour portions).

    A solid meal leaves the stomach over ~3 h: median retention 64 % at 1 h, 25 % at 2 h, 13 % at
    3 h, 4 % at 4 h in 1365 scintigraphies (Dig Dis Sci 2022, doi 10.1007/s10620-022-07667-6,
    abstract); a constant rate over 3 h leaves 67 / 33 / 0 %.
    """
    amount = options["p_mg"] / PHOSPHORUS_MG_PER_MMOL
    hours = options["hours"]
    if hours <= 0:
        return [Event(day, AddAmounts({"phosphate_gut_lumen": amount}))]
    portions = max(1, round(hours * EMPTYING_PORTIONS_PER_HOUR))
    return [Event(day + hours / 24.0 * (k + 0.5) / portions, AddAmounts({"phosphate_gut_lumen": amount / portions}))
            for k in range(portions)]


CALCIUM_SALTS = ("carbonate", "citrate")
SALT = Option("salt", "carbonate", "", choices=CALCIUM_SALTS)


def _oral_calcium(day, options, base, end):
    """Elemental calcium into the gut lumen, once or every ``every_hours`` (for ``days``).

    Only the share of the salt available for absorption enters the absorptive lumen (the rest
    passes unabsorbed): ``ca_<salt>_relative_absorption``, citrate 1 and carbonate 0.82
    (Sakhaee et al. 1999 meta-analysis: citrate absorbed ~22 % better with meals).
    """
    amount = options["dose_mg"] / CALCIUM_MG_PER_MMOL * base[f"ca_{options['salt']}_relative_absorption"]
    every = options.get("every_hours")
    if every is None:
        return [Event(day, AddAmounts({"ca_gut_lumen": amount}))]
    stop = day + options["days"] if options.get("days") else end
    return repeated(day, stop, every / 24.0, AddAmounts({"ca_gut_lumen": amount}))


def _daily_or_bolus(*, rate_option, bolus_option, rate_parameter, bolus_state, nmol_per_unit):
    """A daily dose (a rate lasting ``days``) or boluses every ``every_days`` (once if not given)."""
    def make_events(day, options, base, end):
        if options.get(bolus_option) is not None:
            factor = base["calcifediol_bioavailability"] if bolus_state == "calcidiol_amount" else 1.0
            amount = options[bolus_option] * nmol_per_unit * factor
            every = options.get("every_days")
            dose = AddAmounts({bolus_state: amount})
            if every is None:
                return [Event(day, dose)]
            stop = day + options["days"] - 1e-9 if options.get("days") else end
            return repeated(day, stop, every, dose)
        if options.get("every_days") is not None:
            raise ParameterValueError(f"every_days: expected it only with {bolus_option}, got it with a daily dose")
        return lasting(day, options, base, {rate_parameter: options[rate_option] * nmol_per_unit})
    return make_events


def _iv_calcium(day, options, base, end):
    """A fixed-rate calcium infusion of ``mmol`` over ``hours``."""
    rate = options["mmol"] / (options["hours"] / 24.0)
    return [Event(day, SetParameters({"ca_infusion_rate": rate})),
            Event(day + options["hours"] / 24.0, SetParameters({"ca_infusion_rate": base["ca_infusion_rate"]}))]


def _calcitonin(day, options, base, end):
    """Doses every ``every_hours``; each sets the effect, which wanes by escape (tachyphylaxis)."""
    dose = options["dose_iu_per_kg"]
    peak = base["calcitonin_emax"] * dose / (dose + base["calcitonin_ed50"])
    stop = day + options["days"] if options.get("days") else end
    escape = base["calcitonin_escape_time"]
    times = [event.time for event in repeated(day, stop - 1e-9, options["every_hours"] / 24.0)]
    events = [Event(t, SetParameters({"calcitonin_effect": peak * math.exp(-(t - day) / escape)})) for t in times]
    if options.get("days"):
        events.append(Event(stop, SetParameters({"calcitonin_effect": base["calcitonin_effect"]})))
    return events


INTAKES = ("ca_intake", "phosphate_intake")
MEAL_STATES = {"ca_intake": "ca_gut_lumen", "phosphate_intake": "phosphate_gut_lumen"}


@dataclass(frozen=True)
class _MealPlaceholder(Action):
    """A daily-rhythm action whose effect depends on the dietary intake in force at its time (a
    ``diet`` may change it): :func:`serve_meals` replaces it before any run, so it never applies."""

    def apply(self, y, p, at):
        raise TypeError(f"{type(self).__name__}: expected serve_meals to replace it before the run")


@dataclass(frozen=True)
class Meal(_MealPlaceholder):
    """``share`` of the day's dietary calcium and phosphorus into the gut lumen at once."""

    share: float


@dataclass(frozen=True)
class MealWindow(_MealPlaceholder):
    """Meals start (``open``) or stop: continuous intake off, or back at the dietary intake."""

    open: bool


def serve_meals(events, base: dict) -> list:
    """``events`` (in time order) with meals holding the dietary intake in force at their time.

    The dietary intake starts at the scenario's and follows every setting of ``ca_intake`` /
    ``phosphate_intake`` (``diet``); while meals are served it is eaten as meals, so those
    settings keep the continuous intake at zero, and the intake returns when the meals stop.
    """
    diet, eating = {name: base[name] for name in INTAKES}, False
    served, portions = [], {}  # one AddAmounts per (share, diet): the compiled driver encodes each once
    for event in events:
        actions = []
        for action in event.actions:
            if isinstance(action, MealWindow):
                eating = action.open
                action = SetParameters({name: 0.0 if eating else diet[name] for name in INTAKES})
            elif isinstance(action, Meal):
                key = (action.share, diet["ca_intake"], diet["phosphate_intake"])
                if key not in portions:
                    portions[key] = AddAmounts({MEAL_STATES[name]: diet[name] * action.share for name in INTAKES})
                action = portions[key]
            elif isinstance(action, SetParameters) and action.parameters_set & set(INTAKES):
                values = action.as_dict()
                diet.update({name: values[name] for name in INTAKES if name in values})
                if eating:  # the new diet is eaten as meals: no continuous intake meanwhile
                    action = SetParameters({**values, **{name: 0.0 for name in INTAKES if name in values}})
            actions.append(action)
        served.append(Event(event.time, *actions))
    return served


def _meal_secretion(share, base) -> SetParameters:
    """The endogenous gut phosphate secretion while a meal is digested: pancreatic (and biliary)
    secretion rises within the first postprandial hour and returns to the low interdigestive
    range 3-4 h after a meal (Keller & Layer 2005 Gut 54 Suppl 6:vi1, doi 10.1136/gut.2005.065946);
    ASSUMED all of it in the ``digestive_secretion_hours`` after each meal, in proportion to the
    meal's share of the day's food, so the daily amount is that of the continuous secretion."""
    rate = base["phosphate_gut_secretion_rate"] * share * base["hours_per_day"] / base["digestive_secretion_hours"]
    return SetParameters({"phosphate_gut_secretion_rate": rate})


def _daily_rhythm(day, options, base, end):
    """Three meals a day instead of continuous intake, and the circadian PTH rhythm. The meals
    carry the dietary intake in force when they are eaten (:func:`serve_meals`); the endogenous
    gut phosphate secretion, when on, follows the meals (:func:`_meal_secretion`)."""
    stop = day + options["days"] if options.get("days") else end
    events = [Event(day, MealWindow(True), SetParameters({"pth_rhythm_amplitude": base["pth_rhythm_amplitude_daily"]}))]
    secreting = base["phosphate_gut_secretion_rate"] > 0
    if secreting:
        events.append(Event(day, SetParameters({"phosphate_gut_secretion_rate": 0.0})))
    first = math.floor(day)
    for hour, share in MEALS:
        start = first + hour / 24.0
        if start < day:
            start += 1.0
        events += repeated(start, stop - 1e-9, 1.0, Meal(share))
        if secreting:
            events += repeated(start, stop - 1e-9, 1.0, _meal_secretion(share, base))
            events += repeated(start + base["digestive_secretion_hours"] / base["hours_per_day"], stop - 1e-9, 1.0,
                               SetParameters({"phosphate_gut_secretion_rate": 0.0}))
    if options.get("days"):
        restored = {"pth_rhythm_amplitude": base["pth_rhythm_amplitude"]}
        if secreting:
            restored["phosphate_gut_secretion_rate"] = base["phosphate_gut_secretion_rate"]
        events.append(Event(stop, MealWindow(False), SetParameters(restored)))
    return sorted(events, key=lambda event: event.time)


def _blood_ph(sign):
    """Blood pH moved by ``sign`` x delta_ph from the scenario's value, for ``hours`` if given.

    pH acts at once on the calcium bound to albumin (``albumin_ca_ph_sensitivity``) and on the
    calcium-phosphate chemistry, at constant total calcium: the acute shift of ionized calcium
    that acidosis and alkalosis cause before PTH answers it. Over days it also moves the proximal
    phosphate threshold (``tmp_ph_sensitivity``): a lasting acidosis wastes phosphate, lowers
    PTH and raises calcitriol (Krapf et al. 1992 J Clin Invest 90:2456).
    """
    def make_events(day, options, base, end):
        events = [Event(day, SetParameters({"ph": base["ph"] + sign * options["delta_ph"]}))]
        if options.get("hours") is not None:
            events.append(Event(day + options["hours"] / 24.0, SetParameters({"ph": base["ph"]})))
        return events
    return make_events


PH_OPTIONS = (Option("delta_ph", 0.1, "pH unit", 0, 0.4), Option("hours", None, "h", 0.01, 876600))


def _spec(name, description, options, make_events):
    return InterventionSpec(name, description, options, make_events, REFERENCES[name])


CATALOGUE = {spec.name: spec for spec in (
    _spec("parathyroidectomy", "surgical removal of parathyroid tissue (default: the adenoma, else all)",
          (Option("fraction", None, "fraction", 0, 1),), _parathyroidectomy),
    _spec("cinacalcet", "oral calcimimetic (sensitises the parathyroid CaSR), repeated doses",
          (Option("dose_mg", 30, "mg", 0, 360), Option("every_hours", 12, "h", 1, 168), DAYS), _cinacalcet),
    _spec("glucocorticoid", "prednisolone-equivalent daily dose",
          (Option("dose_mg_per_day", 30, "mg/day", 0, 200), DAYS),
          _setting("glucocorticoid_dose", "dose_mg_per_day")),
    _spec("phosphate-binder", "oral phosphate binder: a fixed fraction of the absorbable phosphate (default 0.3), "
          "or aluminium_hydroxide_g_per_day binding up to its capacity",
          (Option("fraction", None, "fraction", 0, 0.9), Option("aluminium_hydroxide_g_per_day", None, "g/day", 0, 20),
           DAYS), _phosphate_binder),
    _spec("calcitriol", "oral calcitriol (active vitamin D)",
          (Option("dose_ug_per_day", 0.5, "ug/day", 0, 8), DAYS),
          _setting("calcitriol_dose_rate", "dose_ug_per_day", CALCITRIOL_PMOL_PER_UG)),
    _spec("diet", "new daily calcium and phosphorus intakes",
          (Option("ca_mg_per_day", 1000, "mg/day", 0, 4000), Option("p_mg_per_day", 1200, "mg/day", 0, 4000), DAYS),
          _diet),
    _spec("phosphate-load", "a single oral phosphate load, at once or emptied with a meal over hours",
          (Option("p_mg", 1000, "mg", 0, 5000), Option("hours", 0, "h", 0, 12)), _phosphate_load),
    _spec("calcium-clamp", "hold ionized calcium at its start value + delta (Ca or citrate/EDTA infusion)",
          (Option("delta_ionized", -0.2, "mmol/L", -0.6, 0.6), Option("hours", 2, "h", 0.01, 240)), _clamp),
    _spec("pth-infusion", "intravenous PTH infusion, peptide=1-84 (intact PTH pool) or 1-34 (teriparatide pool, cleared at teriparatide_clearance)",
          (Option("pmol_per_hour", 100, "pmol/h", 0, 40000), Option("hours", 24, "h", 0.01, 8760),
           Option("peptide", "1-84", "", choices=PTH_PEPTIDES)), _pth_infusion),
    _spec("calcium-supplement", "oral elemental calcium every every_hours, as salt=carbonate (with meals) or citrate",
          (Option("dose_mg", 1000, "mg", 0, 4000), Option("every_hours", 24, "h", 1, 168), DAYS, SALT),
          _oral_calcium),
    _spec("calcium-load", "a single oral dose of elemental calcium, as salt=carbonate (with a meal) or citrate",
          (Option("dose_mg", 1000, "mg", 0, 4000), SALT), _oral_calcium),
    _spec("vitamin-d3", "oral cholecalciferol: a daily dose, or boluses of dose_iu every every_days",
          (Option("dose_iu_per_day", 1000, "IU/day", 0, 100000), Option("dose_iu", None, "IU", 0, 1000000),
           Option("every_days", None, "day", 1, 365), DAYS),
          _daily_or_bolus(rate_option="dose_iu_per_day", bolus_option="dose_iu", rate_parameter="vitamin_d3_dose_rate",
                          bolus_state="vitamin_d3_amount",
                          nmol_per_unit=CHOLECALCIFEROL_NMOL_PER_UG / CHOLECALCIFEROL_IU_PER_UG)),
    _spec("calcifediol", "oral calcifediol (25(OH)D3): a daily dose, or boluses of dose_ug every every_days",
          (Option("dose_ug_per_day", 20, "ug/day", 0, 1000), Option("dose_ug", None, "ug", 0, 10000),
           Option("every_days", None, "day", 1, 365), DAYS),
          _daily_or_bolus(rate_option="dose_ug_per_day", bolus_option="dose_ug", rate_parameter="calcifediol_dose_rate",
                          bolus_state="calcidiol_amount", nmol_per_unit=CALCIFEDIOL_NMOL_PER_UG)),
    _spec("iv-calcium", "intravenous calcium gluconate: mmol of elemental calcium over hours",
          (Option("mmol", 10, "mmol", 0, 200), Option("hours", 1, "h", 0.05, 72)), _iv_calcium),
    _spec("thiazide", "hydrochlorothiazide once daily (distal calcium reabsorption up, urine calcium down)",
          (Option("dose_mg", 25, "mg/day", 0, 200), DAYS), _setting("thiazide_dose", "dose_mg")),
    _spec("loop-diuretic", "oral furosemide once daily (thick-ascending-limb calcium reabsorption down), "
          "averaged over the day, or acting for pulse_hours after each dose",
          (Option("dose_mg", 40, "mg/day", 0, 2000), Option("pulse_hours", None, "h", 0.5, 20), DAYS), _loop_diuretic),
    _spec("saline", "intravenous 0.9 % saline (volume expansion: proximal calcium reabsorption down)",
          (Option("litres_per_day", 3, "L/day", 0, 10), Option("days", 2, "day", 0, 36525)),
          _setting("saline_rate", "litres_per_day")),
    _spec("calcitonin", "salmon calcitonin every every_hours (osteoclasts and bone-surface efflux down, calciuria, escape within days)",
          (Option("dose_iu_per_kg", 4, "IU/kg", 0, 20), Option("every_hours", 12, "h", 1, 168), DAYS), _calcitonin),
    _spec("daily-rhythm", "three meals a day (07:00, 12:00, 19:00) and the circadian PTH rhythm", (DAYS,),
          _daily_rhythm),
    _spec("acidosis", "blood pH lowered by delta_ph (less calcium bound to albumin: ionized calcium up; "
          "over days a lower phosphate threshold: phosphate down, calcitriol up)",
          PH_OPTIONS, _blood_ph(-1.0)),
    _spec("alkalosis", "blood pH raised by delta_ph (more calcium bound to albumin: ionized calcium down; "
          "over days a higher phosphate threshold)",
          PH_OPTIONS, _blood_ph(+1.0)),
    _spec("hemodialysis", "intermittent haemodialysis sessions (the programme's uraemic solute clearance eases the "
          "uraemic PTH1R resistance while it lasts; ph_rise > 0: blood pH up by it during each session, back "
          "over ph_recovery_hours)",
          (Option("sessions_per_week", 3, "1/week", 1, 7), Option("hours", 4, "h", 1, 12),
           Option("dialysate_ca", 1.25, "mmol/L", 0.5, 2.0), Option("ph_rise", 0.0, "pH unit", 0, 0.3),
           Option("ph_recovery_hours", 9, "h", 0, 20), DAYS), _dialysis),
)}


def catalogue_frame():
    """Every intervention and option: name, description, option, default, unit, bounds (or the
    names a choice option takes), sources."""
    import pandas as pd

    rows = []
    for spec in CATALOGUE.values():
        sources = " | ".join(spec.references)
        options = spec.options or (None,)
        for option in options:
            rows.append({"intervention": spec.name, "description": spec.description,
                         "option": option.name if option else "",
                         "default": float("nan") if option is None or option.default is None else option.default,
                         "unit": option.unit if option else "", "lower": option.lower if option else float("nan"),
                         "upper": option.upper if option else float("nan"),
                         "choices": " | ".join(option.choices) if option else "", "sources": sources})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Bone drugs (issue 14). Doses become amounts in the model's depot/plasma states (bioavailable
# fraction only); pharmacokinetics and actions live in homeostasis/model/drugs.py and bone.py.
# ---------------------------------------------------------------------------------------------

TERIPARATIDE_UG_PER_NMOL = 4.1178  # PTH(1-34), 4117.8 g/mol
ABALOPARATIDE_UG_PER_NMOL = 3.9610  # 3961 g/mol
PTH_1_84_UG_PER_NMOL = 9.4248  # 9424.8 g/mol
ZOLEDRONATE_MG_PER_UMOL = 0.2721  # zoledronic acid (anhydrous), 272.1 g/mol
ALENDRONATE_MG_PER_UMOL = 0.2491  # alendronic acid, 249.1 g/mol (doses are stated as the acid)

BONE_DRUG_REFERENCES = {
    "teriparatide": (
        "Neer RM et al. N Engl J Med 2001;344:1434 (Fracture Prevention Trial: BMD, serum calcium).",
        "Forteo (teriparatide) US prescribing information (bioavailability 95 %, CL 62 L/h, V 0.12 L/kg).",
        "Satterwhite J et al. Calcif Tissue Int 2010;87:485 (pharmacokinetics).",
    ),
    "abaloparatide": (
        "Miller PD et al. JAMA 2016;316:722 (ACTIVE trial).",
        "Tymlos (abaloparatide) US prescribing information (bioavailability 36 %, half-life 1.7 h).",
    ),
    "pth-1-84": (
        "Mannstadt M et al. Lancet Diabetes Endocrinol 2013;1:275 (REPLACE: rhPTH(1-84) in hypoparathyroidism).",
        "Natpara US prescribing information (bioavailability 53 %, half-life 3 h).",
    ),
    "denosumab": (
        "Cummings SR et al. N Engl J Med 2009;361:756 (FREEDOM: CTX -86 % at 1 month).",
        "Bone HG et al. J Clin Endocrinol Metab 2011;96:972 (discontinuation: rebound of turnover, BMD loss).",
        "Sutjandra L et al. Clin Pharmacokinet 2011;50:793 (population pharmacokinetics, TMDD).",
    ),
    "romosozumab": (
        "McClung MR et al. N Engl J Med 2014;370:412 (phase 2: P1NP rise, CTX fall, BMD).",
        "Evenity US prescribing information (bioavailability 81 %, half-life 12.8 days).",
    ),
    "zoledronate": (
        "Black DM et al. N Engl J Med 2007;356:1809 (HORIZON-PFT: BMD, CTX, post-dose hypocalcaemia).",
        "Chen T et al. J Clin Pharmacol 2002;42:1228 (pharmacokinetics: 39 % urinary, rest to bone).",
    ),
    "alendronate": (
        "Schnitzer T et al. Aging (Milano) 2000;12:1 (70 mg once weekly vs 10 mg daily: BMD, markers).",
        "Fosamax US prescribing information (oral bioavailability 0.64 %; ~50 % of absorbed dose to bone).",
    ),
}


def _doses(state, amount, interval_days):
    """Repeated doses: ``amount`` added to ``state`` every ``interval_days`` until the end (or ``days``)."""
    return _split_doses(lambda options, base: {state: amount(options, base)}, interval_days)


def _split_doses(amounts, interval_days):
    """Repeated doses shared between states: ``amounts(options, base)`` gives the amount per state."""
    def make_events(day, options, base, end):
        stop = day + options["days"] if options.get("days") else end
        return repeated(day, stop, interval_days(options), AddAmounts(amounts(options, base)))
    return make_events


def _single(state, amount):
    return lambda day, options, base, end: [Event(day, AddAmounts({state: amount(options, base)}))]


def _bone_spec(name, description, options, make_events):
    return InterventionSpec(name, description, options, make_events, BONE_DRUG_REFERENCES[name])


def _peptide_doses(drug: str, ug_per_nmol: float):
    """Subcutaneous doses of a peptide into ``<drug>_depot`` (pmol absorbed: ug / (ug/nmol) x 1000
    x ``<drug>_bioavailability``), every ``every_hours``."""
    return _doses(f"{drug}_depot", lambda o, b: o["dose_ug"] / ug_per_nmol * 1000 * b[f"{drug}_bioavailability"],
                  lambda o: o["every_hours"] / 24.0)


def _pth_1_84_doses():
    """Subcutaneous PTH(1-84) split between a fast and a slow depot (``pth_1_84_fast_fraction``):
    one first-order depot cannot give both the 15-min peak and the 2-3 h apparent half-life."""
    def amounts(options, base):
        absorbed = options["dose_ug"] / PTH_1_84_UG_PER_NMOL * 1000 * base["pth_1_84_bioavailability"]
        fast = base["pth_1_84_fast_fraction"]
        return {"pth_1_84_fast_depot": fast * absorbed, "pth_1_84_depot": (1 - fast) * absorbed}
    return _split_doses(amounts, lambda o: o["every_hours"] / 24.0)


_DAILY_HOURS = Option("every_hours", 24, "h", 1, 24 * 28)
_BONE_DRUGS = (
    _bone_spec("teriparatide", "subcutaneous teriparatide (PTH 1-34), acting on PTH1R like PTH",
               (Option("dose_ug", 20, "ug", 0, 200), _DAILY_HOURS, DAYS),
               _peptide_doses("teriparatide", TERIPARATIDE_UG_PER_NMOL)),
    _bone_spec("abaloparatide", "subcutaneous abaloparatide (PTHrP 1-34 analogue) acting on PTH1R",
               (Option("dose_ug", 80, "ug", 0, 400), _DAILY_HOURS, DAYS),
               _peptide_doses("abaloparatide", ABALOPARATIDE_UG_PER_NMOL)),
    _bone_spec("pth-1-84", "subcutaneous recombinant PTH(1-84) (replacement in hypoparathyroidism)",
               (Option("dose_ug", 100, "ug", 0, 400), _DAILY_HOURS, DAYS),
               _pth_1_84_doses()),
    _bone_spec("denosumab", "subcutaneous denosumab (RANKL antibody); stopping gives a rebound in resorption",
               (Option("dose_mg", 60, "mg", 0, 240), Option("every_days", 182, "day", 7, 3650), DAYS),
               _doses("denosumab_depot", lambda o, b: o["dose_mg"] * b["denosumab_bioavailability"],
                      lambda o: o["every_days"])),
    _bone_spec("romosozumab", "subcutaneous romosozumab (sclerostin antibody)",
               (Option("dose_mg", 210, "mg", 0, 420), Option("every_days", 30, "day", 7, 365), DAYS),
               _doses("romosozumab_depot", lambda o, b: o["dose_mg"] * b["romosozumab_bioavailability"],
                      lambda o: o["every_days"])),
    _bone_spec("zoledronate", "intravenous zoledronic acid infusion (single dose unless every_days is given)",
               (Option("dose_mg", 5, "mg", 0, 10), Option("every_days", None, "day", 30, 3650), DAYS),
               lambda day, options, base, end: (
                   _single("zoledronate_plasma", lambda o, b: o["dose_mg"] / ZOLEDRONATE_MG_PER_UMOL)(day, options, base, end)
                   if not options["every_days"] else
                   _doses("zoledronate_plasma", lambda o, b: o["dose_mg"] / ZOLEDRONATE_MG_PER_UMOL,
                          lambda o: o["every_days"])(day, options, base, end))),
    _bone_spec("alendronate", "oral alendronate (about 0.6 % absorbed)",
               (Option("dose_mg", 70, "mg", 0, 140), Option("every_days", 7, "day", 1, 30), DAYS),
               _doses("alendronate_plasma",
                      lambda o, b: o["dose_mg"] / ALENDRONATE_MG_PER_UMOL * b["alendronate_bioavailability"],
                      lambda o: o["every_days"])),
)
CATALOGUE.update({spec.name: spec for spec in _BONE_DRUGS})
BONE_DRUG_NAMES = frozenset(spec.name for spec in _BONE_DRUGS)
