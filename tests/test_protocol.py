"""Interventions as action objects: each action applied by the one event loop, encoded for the
compiled driver, carried through sensitivities and written as SBML by its own methods."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from homeostasis.errors import ParameterValueError
from homeostasis.numerics import driver
from homeostasis.protocol.catalogue import CATALOGUE
from homeostasis.protocol.events import (ADENOMA_PRESENT, ADD_TO_STATE, CLAMP_TARGET, RESIDUAL_CAPACITY,
                                         SCALE_STATE, SET_PARAMETER, Action, AddAmounts, ClampRelative, Event,
                                         RemoveParathyroid, ScaleStates, SetParameters)
from homeostasis.protocol.schedule import apply_event, parameter_index, run_schedule
from homeostasis.simulation.prepared import Simulation


@pytest.fixture(scope="module")
def healthy():
    return Simulation("healthy")


def _apply(simulation, *actions, y=None):
    y = simulation.initial_state if y is None else y
    return apply_event(simulation.compiled, Event(1.0, *actions), y, simulation.vector, 1.0)


def test_each_compiled_action_changes_what_it_names(healthy):
    index, p_index = healthy.compiled.state_index, parameter_index()
    y0, p0 = healthy.initial_state, healthy.vector
    y, p = _apply(healthy, ScaleStates({"ca_gut_lumen": 0.5}), AddAmounts({"cinacalcet_gut": 12.5}),
                  SetParameters({"ca_intake": 20.0}))
    assert_allclose(y[index["ca_gut_lumen"]], 0.5 * y0[index["ca_gut_lumen"]], rtol=1e-15)
    assert_allclose(y[index["cinacalcet_gut"]], y0[index["cinacalcet_gut"]] + 12.5, rtol=1e-15)
    assert_allclose(p[p_index["ca_intake"]], 20.0, rtol=1e-15)
    changed_states = np.flatnonzero(y != y0)
    changed_parameters = np.flatnonzero(p != p0)
    assert sorted(changed_states) == sorted([index["ca_gut_lumen"], index["cinacalcet_gut"]])
    assert list(changed_parameters) == [p_index["ca_intake"]]
    assert_allclose(healthy.initial_state, y0, rtol=0)  # the inputs are not modified


def test_actions_encode_themselves_for_the_compiled_loop(healthy):
    index, p_index = healthy.compiled.state_index, parameter_index()
    event = Event(2.0, ScaleStates({"pth_gland": 0.25}), AddAmounts({"ca_gut_lumen": 3.0}),
                  SetParameters({"ca_intake": 20.0}))
    encoded = driver.EncodedEvents(healthy.compiled, [(2.0, [event])], 0.5)
    assert list(encoded.op_kind) == [SCALE_STATE, ADD_TO_STATE, SET_PARAMETER]
    assert list(encoded.op_index) == [index["pth_gland"], index["ca_gut_lumen"], p_index["ca_intake"]]
    assert_allclose(encoded.op_value, [0.25, 3.0, 20.0], rtol=0)
    assert_allclose(encoded.bounds, [2.5], rtol=0)


def test_the_compiled_loop_and_python_apply_the_same_actions(healthy):
    events = [Event(0.5, ScaleStates({"ca_gut_lumen": 0.5}), AddAmounts({"cinacalcet_gut": 10.0}),
                    SetParameters({"ca_intake": 20.0})),
              Event(1.0, ClampRelative(-0.1), SetParameters({"ca_clamp_rate": 5000.0}))]
    grid = np.linspace(0.0, 1.5, 13)
    states, _ = run_schedule(healthy.compiled, healthy.initial_state, grid, healthy.vector, events,
                             scale=healthy.scale, rtol=healthy.rtol)
    compiled_states, _ = driver.run_compiled(healthy.compiled, healthy.initial_state, grid, healthy.vector,
                                             events, scale=healthy.scale, rtol=healthy.rtol)
    assert_allclose(compiled_states / healthy.scale, states / healthy.scale, rtol=1e-4, atol=1e-6)


def test_state_reading_actions_are_not_compiled():
    assert ClampRelative(0.1).reads_state and RemoveParathyroid().reads_state
    assert not any(a.reads_state for a in (ScaleStates({}), AddAmounts({}), SetParameters({})))
    assert Event(0, SetParameters({"ca_intake": 1.0}), ClampRelative(0.1)).reads_state
    with pytest.raises(NotImplementedError, match="reads the state"):
        RemoveParathyroid().ops({}, {})


def test_relative_clamp_targets_ionized_calcium_at_its_instant(healthy):
    y, p = _apply(healthy, ClampRelative(-0.2))
    ionized = healthy.compiled.observables([1.0], healthy.initial_state[None, :], healthy.vector)[0][
        healthy.compiled.observable_names.index("ca_ionized")]
    assert_allclose(p[parameter_index()[CLAMP_TARGET]], ionized - 0.2, rtol=1e-12)
    assert 0.9 < ionized < 1.4  # mmol/L: a healthy ionized calcium


def test_parathyroidectomy_removes_the_adenoma_when_present_else_everything(healthy):
    index, capacity = healthy.compiled.state_index, parameter_index()["parathyroid_capacity"]
    y0 = healthy.initial_state.copy()
    y0[index["adenoma_mass"]], y0[index["pth_adenoma"]] = 2.0, 5.0
    y, p = _apply(healthy, RemoveParathyroid(), y=y0)
    assert y[index["adenoma_mass"]] == 0.0 and y[index["pth_adenoma"]] == 0.0
    assert_allclose(y[index["parathyroid_mass"]], y0[index["parathyroid_mass"]], rtol=0)
    assert_allclose(p[capacity], healthy.vector[capacity], rtol=0)
    y0[index["adenoma_mass"]] = ADENOMA_PRESENT / 2
    y, p = _apply(healthy, RemoveParathyroid(), y=y0)
    assert set(healthy.compiled.surgery_states) == {"adenoma_mass", "pth_adenoma", "parathyroid_mass", "pth_gland"}
    assert all(y[index[name]] == 0.0 for name in healthy.compiled.surgery_states)
    assert_allclose(p[capacity], RESIDUAL_CAPACITY, rtol=0)


def test_actions_are_values_and_name_the_parameters_they_set():
    assert SetParameters({"ca_intake": 1, "phosphate_intake": 2}) == SetParameters({"phosphate_intake": 2.0,
                                                                                     "ca_intake": 1.0})
    assert len({AddAmounts({"ca_gut_lumen": 1.0}), AddAmounts({"ca_gut_lumen": 1.0})}) == 1
    event = Event(3, ClampRelative(0.1), SetParameters({"ca_clamp_rate": 1.0}), RemoveParathyroid())
    assert event.parameters_set == {CLAMP_TARGET, "ca_clamp_rate", "parathyroid_capacity"}
    assert ScaleStates({"pth_gland": 0.5}).parameters_set == frozenset()


def test_events_refuse_what_is_not_an_action():
    with pytest.raises(TypeError, match="expected Action objects, got dict"):
        Event(1.0, {"ca_intake": 1.0})
    with pytest.raises(TypeError, match="expected a dict"):
        SetParameters([("ca_intake", 1.0)])
    with pytest.raises(ParameterValueError, match="ca_intake"):
        SetParameters({"ca_intake": -5.0})


def test_sbml_assignments_compose_in_order():
    event = Event(0, ScaleStates({"pth_gland": 0.5}), AddAmounts({"pth_gland": 2.0}),
                  SetParameters({"ca_intake": 20.0}), ClampRelative(-0.2))
    assert event.sbml_assignments() == {"pth_gland": "((pth_gland) * 0.5) + 2.0", "ca_intake": "20.0",
                                        CLAMP_TARGET: "ca_ionized + -0.2"}
    removed = Event(0, RemoveParathyroid()).sbml_assignments()
    assert removed["adenoma_mass"] == "0" and "piecewise" in removed["parathyroid_capacity"]


def test_every_catalogue_intervention_is_made_of_actions(healthy):
    base = healthy.parameter_set.as_dict()
    for name, spec in CATALOGUE.items():
        events = spec.events(1.0, spec.validate({}), base, 30.0)
        assert events, name
        assert all(isinstance(a, Action) for e in events for a in e.actions), name
        assert not any(hasattr(e, flag) for e in events for flag in ("relative_clamp", "remove_adenoma_or_all"))


def test_hemodialysis_programme_lasts_as_long_as_the_sessions(healthy):
    # the uraemic solute clearance of the programme (dialysis_programme, 1 for 3 x 4 h a week) holds
    # between sessions, unlike dialysis_active, and ends with the programme
    base = healthy.parameter_set.as_dict()
    spec = CATALOGUE["hemodialysis"]
    events = spec.events(1.0, spec.validate({"sessions_per_week": 4, "hours": 4.5, "days": 10}), base, 30.0)
    programme = [(e.time, dict(a.values)["dialysis_programme"]) for e in events for a in e.actions
                 if isinstance(a, SetParameters) and "dialysis_programme" in dict(a.values)]
    assert_allclose(programme, [(1.0, 4 * 4.5 / 12), (11.0, base["dialysis_programme"])])


def test_a_bicarbonate_session_raises_blood_ph_and_it_returns_over_the_recovery_hours(healthy):
    # Rudnicki et al. 1993 (Clin Nephrol 40:225): pH 7.40 -> 7.47 during a session, back at the
    # pre-dialysis level nine hours after it (ph_rise 0.07; off by default, ph_recovery_hours 9)
    base = healthy.parameter_set.as_dict()
    spec = CATALOGUE["hemodialysis"]
    events = spec.events(1.0, spec.validate({"days": 2, "ph_rise": 0.07}), base, 30.0)
    ph = [(e.time, dict(a.values)["ph"]) for e in events for a in e.actions
          if isinstance(a, SetParameters) and "ph" in dict(a.values)]
    times, values = np.array(ph).T
    assert_allclose(values[0] - base["ph"], 0.07)  # up at the start of the first session (day 1)
    assert_allclose(times[0], 1.0)
    after_end = (times - 1.0) * 24.0 - 4.0  # hours after the end of the first session
    def in_force(hours):
        return values[np.flatnonzero(after_end <= hours + 1e-6)[-1]] - base["ph"]
    assert_allclose(in_force(0.0), 0.07)  # the end-of-session sample is drawn at the session's pH
    assert_allclose(in_force(2.0), 0.07 * (1 - 3 / 9))  # 1.5-4.5 h after: the line's value at 3 h
    assert_allclose(in_force(9.0), 0.0, atol=1e-12)  # back by 9 h
    assert len(values) == 4 and np.all(np.diff(values) < 0)
    off = spec.events(1.0, spec.validate({"days": 2}), base, 30.0)  # the default: no pH events
    assert not any("ph" in dict(a.values) for e in off for a in e.actions if isinstance(a, SetParameters))
