"""The interventions a user can apply, with option names, defaults, units and sources."""

from __future__ import annotations

from .interventions import (CALCITRIOL_PMOL_PER_UG, CALCIUM_MG_PER_MMOL, CINACALCET_MG_PER_UMOL,
                            CLAMP_GAIN_PER_DAY, PHOSPHORUS_MG_PER_MMOL, Event, InterventionSpec, Option,
                            _lasting, _repeated)

DAYS = Option("days", None, "day", 0, 36525)


def _parathyroidectomy(day, options, base, end):
    fraction = options["fraction"]
    if fraction is None:  # remove the adenoma if there is one (decided at the event), else all
        return [Event(day, remove_adenoma_or_all=True)]
    keep = 1.0 - fraction
    return [Event(day, multiply={"parathyroid_mass": keep, "pth_gland": keep, "adenoma_mass": keep,
                                 "pth_adenoma": keep},
                  parameters={"parathyroid_capacity": max(base["parathyroid_capacity"] * keep, 0.001)})]


def _cinacalcet(day, options, base, end):
    amount = options["dose_mg"] / CINACALCET_MG_PER_UMOL * base["cinacalcet_bioavailability"]
    stop = day + options["days"] if options.get("days") else end
    return _repeated(day, stop, options["every_hours"] / 24.0, lambda t: Event(t, add={"cinacalcet_gut": amount}))


def _clamp(day, options, base, end):
    return [Event(day, parameters={"ca_clamp_rate": CLAMP_GAIN_PER_DAY}, relative_clamp=options["delta_ionized"]),
            Event(day + options["hours"] / 24.0, parameters={"ca_clamp_rate": 0.0})]


def _dialysis(day, options, base, end):
    interval, length = 7.0 / options["sessions_per_week"], options["hours"] / 24.0
    stop = day + options["days"] if options.get("days") else end
    events = []
    for start in _repeated(day, stop, interval, lambda t: Event(t)):
        events.append(Event(start.time, parameters={"dialysis_active": 1.0, "dialysate_ca": options["dialysate_ca"]}))
        events.append(Event(start.time + length, parameters={"dialysis_active": 0.0}))
    return events


def _timed(day, hours, on: dict, off: dict) -> list[Event]:
    return [Event(day, parameters=on), Event(day + hours / 24.0, parameters=off)]


CATALOGUE = {spec.name: spec for spec in (
    InterventionSpec("parathyroidectomy", "surgical removal of parathyroid tissue (default: the adenoma, else all)",
                     (Option("fraction", None, "fraction", 0, 1),), _parathyroidectomy),
    InterventionSpec("cinacalcet", "oral calcimimetic (sensitises the parathyroid CaSR), repeated doses",
                     (Option("dose_mg", 30, "mg", 0, 360), Option("every_hours", 12, "h", 1, 168), DAYS), _cinacalcet),
    InterventionSpec("glucocorticoid", "prednisolone-equivalent daily dose",
                     (Option("dose_mg_per_day", 30, "mg/day", 0, 200), DAYS),
                     lambda d, o, b, e: _lasting(d, o, b, {"glucocorticoid_dose": o["dose_mg_per_day"]})),
    InterventionSpec("phosphate-binder", "oral phosphate binder",
                     (Option("fraction", 0.3, "fraction", 0, 0.9), DAYS),
                     lambda d, o, b, e: _lasting(d, o, b, {"phosphate_binder_fraction": o["fraction"]})),
    InterventionSpec("calcitriol", "oral calcitriol (active vitamin D)",
                     (Option("dose_ug_per_day", 0.5, "ug/day", 0, 8), DAYS),
                     lambda d, o, b, e: _lasting(d, o, b, {"calcitriol_dose_rate": o["dose_ug_per_day"] * CALCITRIOL_PMOL_PER_UG})),
    InterventionSpec("diet", "new daily calcium and phosphorus intakes",
                     (Option("ca_mg_per_day", 1000, "mg/day", 0, 4000), Option("p_mg_per_day", 1200, "mg/day", 0, 4000), DAYS),
                     lambda d, o, b, e: _lasting(d, o, b, {"ca_intake": o["ca_mg_per_day"] / CALCIUM_MG_PER_MMOL,
                                                           "phosphate_intake": o["p_mg_per_day"] / PHOSPHORUS_MG_PER_MMOL})),
    InterventionSpec("phosphate-load", "a single oral phosphate load",
                     (Option("p_mg", 1000, "mg", 0, 5000),),
                     lambda d, o, b, e: [Event(d, add={"phosphate_gut_lumen": o["p_mg"] / PHOSPHORUS_MG_PER_MMOL})]),
    InterventionSpec("calcium-clamp", "hold ionized calcium at its start value + delta (Ca or citrate/EDTA infusion)",
                     (Option("delta_ionized", -0.2, "mmol/L", -0.6, 0.6), Option("hours", 2, "h", 0.01, 240)), _clamp),
    InterventionSpec("pth-infusion", "intravenous PTH(1-84) infusion",
                     (Option("pmol_per_hour", 100, "pmol/h", 0, 40000), Option("hours", 24, "h", 0.01, 8760)),
                     lambda d, o, b, e: _timed(d, o["hours"], {"pth_infusion_rate": o["pmol_per_hour"] * 24.0},
                                               {"pth_infusion_rate": b["pth_infusion_rate"]})),
    InterventionSpec("hemodialysis", "intermittent haemodialysis sessions",
                     (Option("sessions_per_week", 3, "1/week", 1, 7), Option("hours", 4, "h", 1, 12),
                      Option("dialysate_ca", 1.25, "mmol/L", 0.5, 2.0), DAYS), _dialysis),
)}
