"""SBML export: libsbml consistency, content, CLI errors, and equality with libroadrunner.

libroadrunner compiles a model in ~7 s, so the scenarios are checked on one compiled
document: each scenario's export is parsed, its structure (every rule and event formula) is
required to equal the compiled one, and its own parameter values and initial amounts are
loaded into libroadrunner before the year is simulated. The dosing scenario has events of its
own and is compiled separately.
"""

from __future__ import annotations

import libsbml
import numpy as np
import pytest

import homeostasis
from homeostasis.model.calibration import state_scale
from homeostasis.cli import main
from homeostasis.model import build_model
from homeostasis.parameters import ParameterSet
from homeostasis.export.sbml import check_sbml, observable_errors

import basico  # noqa: E402  (COPASI; declared test dependencies: never skip silently)
import roadrunner  # noqa: E402
from homeostasis.export.sbml import tolerance_hints
from homeostasis.export.sedml import sedml_errors, to_sedml
from helpers import run_cli

AVOGADRO = 6.02214076e23
COPASI_DAYS = 2.0  # COPASI's LSODA takes ~2 s per simulated day at the hinted tolerances

RTOL = 1e-8
OBSERVABLE_RTOL = 1e-4
SCENARIOS = tuple(homeostasis.available_scenarios())
CINACALCET = ["cinacalcet@0:every_hours=12"]


def runner(text):
    """libroadrunner on ``text`` at the tolerances of its annotation (rtol 1e-8, atol 1e-11 of
    each scaled state)."""
    r = roadrunner.RoadRunner(text)
    relative, absolute = tolerance_hints(text)
    r.integrator.relative_tolerance = relative
    r.integrator.maximum_num_steps = 500_000
    for name, value in absolute.items():
        r.integrator.setIndividualTolerance(name, value)
    return r


def structure(text) -> list[str]:
    model = libsbml.readSBMLFromString(text).getModel()
    rules = [f"{r.getVariable()}={libsbml.formulaToL3String(r.getMath())}" for r in model.getListOfRules()]
    events = [libsbml.formulaToL3String(e.getTrigger().getMath()) for e in model.getListOfEvents()]
    return rules + events


def values(text) -> dict[str, float]:
    model = libsbml.readSBMLFromString(text).getModel()
    out = {p.getId(): p.getValue() for p in model.getListOfParameters() if not model.getAssignmentRule(p.getId())}
    out.update({s.getId(): s.getInitialAmount() for s in model.getListOfSpecies()})
    return out


def assert_observables_match(result, table, names):
    """Every observable within 1e-4 of its scale (its largest value; for a balance, the
    size of its terms; for ~0 deposits, BMD changes and fractions, 1: see observable_errors)."""
    worst = observable_errors(result, table, names)
    bad = {n: e for n, e in worst.items() if e > OBSERVABLE_RTOL}
    assert not bad, bad


@pytest.fixture(scope="module")
def healthy_runner():
    text = homeostasis.to_sbml("healthy")
    return text, runner(text)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_scenario_matches_libroadrunner_for_a_year(scenario, healthy_runner):
    reference_text, r = healthy_runner
    text = homeostasis.to_sbml(scenario)
    errors, _ = check_sbml(text)
    assert errors == []
    assert structure(text) == structure(reference_text)
    r.resetAll()
    for name, value in values(text).items():
        r[name] = value
    names = list(build_model().observable_names)
    table = r.simulate(0, 365, 501, selections=["time", *names])
    result = homeostasis.simulate(scenario, rtol=RTOL)
    np.testing.assert_allclose(table["time"], result.times, rtol=1e-12)
    assert_observables_match(result, table, names)


def test_cinacalcet_every_12_hours_as_events_matches_libroadrunner():
    text = homeostasis.to_sbml("parathyroid-adenoma", interventions=CINACALCET)
    errors, _ = check_sbml(text)
    assert errors == []
    model = libsbml.readSBMLFromString(text).getModel()
    assert model.getNumEvents() == 1  # 731 doses as one recurring event
    names = list(build_model().observable_names)
    table = runner(text).simulate(0, 365, 501, selections=["time", *names])
    result = homeostasis.simulate("parathyroid-adenoma", interventions=CINACALCET, rtol=RTOL)
    assert_observables_match(result, table, names)
    assert np.max(result["pth"]) > 1.5 * np.min(result["pth"][250:])  # the doses do act


def test_file_carries_units_notes_and_observable_ids(healthy_runner):
    text, _ = healthy_runner
    model = libsbml.readSBMLFromString(text).getModel()
    assert (model.getLevel(), model.getVersion()) == (3, 2)
    assert model.getTimeUnits() == "u_day"
    day = model.getUnitDefinition("u_day").getUnit(0)
    assert day.getKind() == libsbml.UNIT_KIND_SECOND and day.getMultiplier() == 86400
    gfr = model.getParameter("gfr_parameter")
    assert gfr.getUnits() == "u_mL_per_min" and model.getUnitDefinition("u_mL_per_min").getNumUnits() == 2
    assert "Source:" in gfr.getNotesString()
    assert model.getCompartment("ecf").getSize() == 14
    # each state integrated as state / typical size; the state itself in its unit by a rule
    scale = dict(zip(build_model().state_names, state_scale(ParameterSet.default())))
    assert model.getParameter("ca_ecf").getUnits() == "u_mmol" and model.getRateRule("ca_ecf_scaled") is not None
    assert libsbml.formulaToL3String(model.getAssignmentRule("ca_ecf").getMath()) == "ca_ecf_scale * ca_ecf_scaled"
    np.testing.assert_allclose(model.getParameter("ca_ecf_scale").getValue(), scale["ca_ecf"], rtol=1e-12)
    np.testing.assert_allclose(model.getParameter("ca_ecf_scaled").getValue(), 1.0, rtol=1e-9)  # healthy start
    unscaled = libsbml.readSBMLFromString(homeostasis.to_sbml("healthy", scaled=False)).getModel()
    assert unscaled.getSpecies("ca_ecf").getHasOnlySubstanceUnits() and unscaled.getRateRule("ca_ecf") is not None
    for name in build_model().observable_names:
        assert model.getAssignmentRule(name) is not None or model.getRateRule(name) is not None
    assert sum(rule.isRate() for rule in model.getListOfRules()) == len(build_model().states)


def test_steady_start_and_interventions_export_without_errors():
    text = homeostasis.to_sbml("ckd", parameters={"years": 1}, start="steady",
                               interventions=["hemodialysis@0", "parathyroidectomy@100", "calcium-clamp@200"])
    errors, warnings = check_sbml(text)
    assert errors == []
    model = libsbml.readSBMLFromString(text).getModel()
    assert model.getParameter("time_offset").getValue() == pytest.approx(365.25)
    assert not model.getParameter("dialysis_active").getConstant()


def test_cli_writes_a_file_and_refuses_bad_input(tmp_path, capsys):
    path = tmp_path / "model.xml"
    status, out, err = run_cli(capsys, "export-sbml", path, "hypoparathyroidism", "--set", "ca_intake=30")
    assert status == 0, err
    assert "no errors" in out and path.read_text().startswith("<?xml")
    assert libsbml.readSBMLFromString(path.read_text()).getModel().getRateRule("ca_ecf_scaled") is not None
    status, out, err = run_cli(capsys, "export-sbml", tmp_path / "unscaled.xml", "--unscaled")
    assert status == 0, err
    unscaled = libsbml.readSBMLFromString((tmp_path / "unscaled.xml").read_text()).getModel()
    assert unscaled.getRateRule("ca_ecf") is not None and unscaled.getParameter("ca_ecf_scaled") is None
    status, out, err = run_cli(capsys, "export-sbml", tmp_path / "inline.xml", "--inline")
    assert status == 0, err
    inline = libsbml.readSBMLFromString((tmp_path / "inline.xml").read_text()).getModel()
    # no shared subexpressions: a rate rule and a rule for the state in its unit per state, one per observable
    outputs = [n for n in build_model().observable_names if n not in build_model().state_names]
    assert inline.getNumRules() == 2 * len(build_model().states) + len(outputs)
    assert not any(rule.getVariable().startswith("_c") for rule in inline.getListOfRules())
    for arguments, fragment in (((path,), "--force"), ((tmp_path / "new.xml", "no-such-scenario"), "scenario"),
                                ((tmp_path / "new.xml", "--set", "nonsense=1"), "nonsense")):
        status, out, err = run_cli(capsys, "export-sbml", *arguments)
        assert status == 2 and len(err.strip().splitlines()) == 1 and fragment in err, err
    assert not (tmp_path / "new.xml").exists()


def copasi(text, tmp_path, days, points):
    """COPASI (basico) on ``text`` at the tolerances of its annotation; columns by SBML id."""
    path = tmp_path / "model.xml"
    path.write_text(text)
    model = basico.load_model(str(path))
    relative, absolute = tolerance_hints(text)
    basico.set_task_settings(basico.T.TIME_COURSE, {"method": {
        "Relative Tolerance": relative, "Absolute Tolerance": min(absolute.values()),
        "Max Internal Steps": 1_000_000}}, model=model)
    try:
        return basico.run_time_course(duration=days, intervals=points - 1, model=model, use_numbers=True,
                                      use_sbml_id=True)
    finally:
        basico.remove_datamodel(model)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_scenario_runs_in_copasi_and_matches(scenario, tmp_path):
    text = homeostasis.to_sbml(scenario)
    table = copasi(text, tmp_path, COPASI_DAYS, 41)
    names = [n for n in build_model().observable_names if n in table.columns]
    assert len(names) == len(build_model().observable_names)
    assert np.all(np.isfinite(table[names].to_numpy())), "COPASI saw NaN or infinity"
    result = homeostasis.simulate(scenario, times=table.index.to_numpy(float), rtol=RTOL)
    model = libsbml.readSBMLFromString(text).getModel()
    # with use_numbers, COPASI gives a species (an observable that is a state) as a particle number
    # of its amount read in COPASI's quantity unit (the number in the SBML's own unit, mmol here)
    columns = {n: table[n].to_numpy() / AVOGADRO if model.getSpecies(n) is not None
               else table[n].to_numpy() for n in names}
    assert_observables_match(result, columns, names)


def test_derived_constants_are_initial_assignments_of_their_sources(healthy_runner):
    text, _ = healthy_runner
    document = libsbml.readSBMLFromString(text)
    model = document.getModel()
    assignment = model.getInitialAssignment("pth_clearance_rate")
    assert assignment is not None and "pth_half_life" in libsbml.formulaToL3String(assignment.getMath())
    from homeostasis.model.calibration import derived_expressions

    assert model.getNumInitialAssignments() == len(derived_expressions())  # every derived constant
    model.getParameter("pth_half_life").setValue(3.5)  # as a user of another tool would change it
    r = roadrunner.RoadRunner(libsbml.writeSBMLToString(document))
    expected = ParameterSet.default().with_values({"pth_half_life": 3.5})["pth_clearance_rate"]
    np.testing.assert_allclose(r["pth_clearance_rate"], expected, rtol=1e-12)


def test_no_division_by_zero_in_the_gfr_decline(healthy_runner):
    text, _ = healthy_runner
    model = libsbml.readSBMLFromString(text).getModel()
    assert model.getParameter("gfr_decline_days").getValue() == 0
    formulas = [libsbml.formulaToL3String(rule.getMath()) for rule in model.getListOfRules()]
    formulas = [f for f in formulas if "gfr_decline_days" in f]
    assert formulas and all("piecewise(gfr_decline_days, gfr_decline_days > 0, 1)" in f for f in formulas)
    assert not any("/ gfr_decline_days" in f for f in formulas)  # never 0 x infinity, in any branch


def test_model_is_lean_and_carries_tolerance_hints(healthy_runner):
    text, _ = healthy_runner
    model = libsbml.readSBMLFromString(text).getModel()
    # lean: every intermediate rule (a shared subexpression _cN) is used at least twice, so none
    # could be inlined (the 492 rules could not be reproduced: 0.1.0 had 246)
    import re
    from collections import Counter

    formulas = [libsbml.formulaToL3String(model.getRule(i).getMath()) for i in range(model.getNumRules())]
    uses = Counter(name for text in formulas for name in re.findall(r"\b_c\d+\b", text))
    intermediates = [model.getRule(i).getVariable() for i in range(model.getNumRules())
                     if model.getRule(i).getVariable().startswith("_c")]
    assert intermediates and all(uses[name] >= 2 for name in intermediates)
    relative, absolute = tolerance_hints(text)
    assert relative == pytest.approx(1e-8)
    assert set(absolute) == {f"{name}_scaled" for name in build_model().state_names}
    np.testing.assert_allclose(list(absolute.values()), 1e-11, rtol=1e-12)  # every state scaled to ~1
    _, unscaled = tolerance_hints(homeostasis.to_sbml("healthy", scaled=False))
    scale = dict(zip(build_model().state_names, state_scale(ParameterSet.default())))
    np.testing.assert_allclose(unscaled["ca_ecf"], 1e-11 * scale["ca_ecf"], rtol=1e-12)


def test_sedml_beside_the_sbml(tmp_path, capsys):
    path = tmp_path / "phpt.xml"
    status, out, err = run_cli(capsys, "export-sbml", path, "parathyroid-adenoma", "--sedml", "--days", 100)
    assert status == 0, err
    sedml = (tmp_path / "phpt.sedml").read_text()
    assert sedml_errors(sedml) == []
    import libsedml

    document = libsedml.readSedMLFromString(sedml)
    assert (document.getLevel(), document.getVersion()) == (1, 4)
    (model,) = document.getListOfModels()
    assert model.getSource() == "phpt.xml"
    (simulation,) = document.getListOfSimulations()
    assert simulation.getOutputEndTime() == 100
    generators = {g.getId() for g in document.getListOfDataGenerators()}
    sbml = libsbml.readSBMLFromString(path.read_text()).getModel()
    for generator in document.getListOfDataGenerators():
        for variable in generator.getListOfVariables():
            assert variable.getTaskReference() == "task"
            target = variable.getTarget()
            if target:
                assert sbml.getElementBySId(target.split("'")[1]) is not None, target
    for output in document.getListOfOutputs():
        for curve in getattr(output, "getListOfCurves", lambda: [])():
            assert {curve.getXDataReference(), curve.getYDataReference()} <= generators
    titles = [o.getName() for o in document.getListOfOutputs()]
    assert "Total calcium (mmol/L)" in titles


# --- the tools at their own default settings ----------------------------------------------------
# libroadrunner: CVODE, relative 1e-6, absolute 1e-12 times each state's value at the start of a
# run (sys-bio/roadrunner#1349), 20,000 steps; COPASI: LSODA, relative 1e-6, absolute 1e-12,
# 100,000 steps. Nothing is set: the export alone must make these work.
DEFAULT_POINTS = 501


@pytest.fixture(scope="module")
def default_runner(healthy_runner):
    text, _ = healthy_runner
    return roadrunner.RoadRunner(text)  # a second instance with the integrator as it comes


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_scenario_at_libroadrunner_defaults_matches_for_a_year(scenario, default_runner, healthy_runner):
    reference_text, _ = healthy_runner
    text = homeostasis.to_sbml(scenario)
    assert structure(text) == structure(reference_text)
    r = default_runner
    assert r.integrator.relative_tolerance == pytest.approx(1e-6) and r.integrator.absolute_tolerance == 1e-12
    r.resetAll()
    for name, value in values(text).items():
        r[name] = value
    names = list(build_model().observable_names)
    table = r.simulate(0, 365, DEFAULT_POINTS, selections=["time", *names])
    result = homeostasis.simulate(scenario, rtol=RTOL)
    assert_observables_match(result, table, names)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_scenario_at_copasi_defaults_matches_for_a_year(scenario, tmp_path):
    path = tmp_path / "model.xml"
    path.write_text(homeostasis.to_sbml(scenario))
    model = basico.load_model(str(path))
    try:
        method = basico.get_task_settings(basico.T.TIME_COURSE, model=model)["method"]
        assert method["Relative Tolerance"] == pytest.approx(1e-6) and method["Absolute Tolerance"] == 1e-12
        table = basico.run_time_course(duration=365, intervals=DEFAULT_POINTS - 1, model=model, use_numbers=True,
                                       use_sbml_id=True)
    finally:
        basico.remove_datamodel(model)
    names = list(build_model().observable_names)
    assert np.all(np.isfinite(table[names].to_numpy())), "COPASI saw NaN or infinity"
    result = homeostasis.simulate(scenario, times=table.index.to_numpy(float), rtol=RTOL)
    assert_observables_match(result, {n: table[n].to_numpy() for n in names}, names)


def test_no_assignment_rule_holds_a_condition():
    """A shared condition (``x <= 0``) stays inside its piecewise: COPASI reads a boolean-valued
    parameter as 0, which once moved the healthy state within a day."""
    from homeostasis.export.sbml import to_sbml

    model = libsbml.readSBMLFromString(to_sbml("healthy")).getModel()
    conditions = [r.getVariable() for r in model.getListOfRules()
                  if r.getMath().isRelational() or r.getMath().isLogical()]
    assert conditions == []
    assert model.getNumRules() > 100
