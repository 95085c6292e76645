"""Parameters as data: validation, calibration on change, and the completeness of the table."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

import homeostasis as h
from homeostasis.model.calibration import reference_state, state_scale
from homeostasis.parameters import ParameterSet, parameter_names, parameter_table


def test_unknown_name_suggests_the_closest(parameters):
    with pytest.raises(h.UnknownNameError, match=r"unknown parameter 'gfrr'; did you mean 'gfr'") as caught:
        parameters.with_values(gfrr=50)
    assert caught.value.suggestions[0] == "gfr"
    with pytest.raises(h.UnknownNameError, match="did you mean 'reference_pth'"):
        parameters.with_values(reference_pht=4.0)
    with pytest.raises(KeyError):  # also a KeyError, for dict-like use
        parameters["calcium_intake_typo"]


def test_unknown_name_through_simulate_is_suggested():
    with pytest.raises(h.UnknownNameError, match="did you mean 'ca_intake'"):
        h.simulate(days=1, parameters={"ca_intak": 10})


@pytest.mark.parametrize("name, value", [("gfr", 500), ("gfr", 0.5), ("pth_half_life", 10), ("ca_intake", -1)])
def test_out_of_range_names_parameter_and_range(parameters, name, value):
    info = parameter_table()[name]
    with pytest.raises(h.ParameterValueError) as caught:
        parameters.with_values({name: value})
    message = str(caught.value)
    assert message.startswith(f"{name}:")
    assert f"[{info.lower:g}, {info.upper:g}]" in message and info.unit in message
    assert f"{value:g}" in message


def test_range_limits_themselves_are_accepted(parameters):
    info = parameter_table()["gfr"]
    for value in (info.lower, info.upper):
        assert_allclose(parameters.with_values(gfr=value)["gfr"], value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "abc", None, [1.0]])
def test_non_numbers_are_rejected(parameters, value):
    with pytest.raises(h.ParameterValueError, match="gfr: expected a finite number"):
        parameters.with_values(gfr=value)


def test_numeric_strings_are_accepted(parameters):
    assert_allclose(parameters.with_values(gfr="45.5")["gfr"], 45.5)


@pytest.mark.parametrize("name", [n for n, i in parameter_table().items() if i.kind == "constant"])
def test_constants_cannot_be_set(parameters, name):
    with pytest.raises(h.ParameterValueError, match=f"{name} is a constant"):
        parameters.with_values({name: parameter_table()[name].default})


def test_parameter_set_is_unchanged_by_with_values(parameters):
    before = parameters.vector.copy()
    changed = parameters.with_values(gfr=30)
    assert_allclose(parameters.vector, before, rtol=0, atol=0)
    assert_allclose(changed["gfr"], 30.0)
    assert changed.changed() == {"gfr": 30.0}


def test_changing_a_reference_rederives_an_exact_steady_state(compiled):
    p = ParameterSet.default().with_values(reference_pth=4.0)
    # the derived secretion rose with the new reference
    assert p["pth_synthesis_rate"] > ParameterSet.default()["pth_synthesis_rate"] * 1.1
    rates = compiled.rhs(0.0, reference_state(p), p.vector)
    assert_allclose(rates / state_scale(p), 0.0, atol=1e-10)
    run = h.simulate(days=100, parameters={"reference_pth": 4.0})
    assert_allclose(run["pth"], 4.0, rtol=1e-6)
    assert_allclose(run["ca_total"], 2.40, rtol=1e-6)


# reference (calibration) values with a physiology input of their own: both move together
COUNTERPART = {"reference_ca_intake": "ca_intake", "reference_phosphate_intake": "phosphate_intake",
               "reference_gfr": "gfr"}
REFERENCES = [n for n, i in parameter_table().items() if i.kind == "reference"]


@pytest.mark.parametrize("name", REFERENCES)
def test_every_reference_value_rederives_an_exact_steady_state(compiled, name):
    info = parameter_table()[name]
    value = info.default + 0.5 * ((info.upper if info.upper > info.default else info.lower) - info.default)
    changes = {name: value, **({COUNTERPART[name]: value} if name in COUNTERPART else {})}
    p = ParameterSet.default().with_values(changes)
    assert abs(value - info.default) > 0
    rates = compiled.rhs(0.0, reference_state(p), p.vector)
    assert_allclose(rates / state_scale(p), 0.0, atol=1e-10, err_msg=name)


def test_changing_the_calcium_reference_moves_the_calibration(observe):
    p = ParameterSet.default().with_values(reference_ca_total=2.30, reference_ca_intake=30, ca_intake=30)
    values = observe(reference_state(p), p)
    assert_allclose(values["ca_total"], 2.30, rtol=1e-12)
    assert_allclose(values["urine_ca"], 0.35 * 30 - 3.75, rtol=1e-10)
    assert_allclose(values["gut_ca_absorption"], values["urine_ca"], rtol=1e-10)
    run = h.simulate(days=30, parameters=p)
    assert_allclose(run["ca_total"], 2.30, rtol=1e-7)


def test_reference_intake_alone_is_a_calibration_point_not_the_diet(compiled):
    # the calibration intake and the actual diet are separate: changing only the former
    # leaves the healthy state out of balance (documented behaviour of 'reference' values)
    p = ParameterSet.default().with_values(reference_ca_intake=30)
    rates = compiled.rhs(0.0, reference_state(p), p.vector)
    assert rates[compiled.state_names.index("ca_gut_lumen")] < -1.0


def test_setting_a_derived_value_overrides_the_derivation(compiled, parameters):
    p = parameters.with_values(pth_clearance_rate=300.0)
    assert_allclose(p["pth_clearance_rate"], 300.0)
    assert_allclose(p["pth_synthesis_rate"], parameters["pth_synthesis_rate"], rtol=1e-12)
    # the override survives later changes of reference values
    assert_allclose(p.with_values(reference_pth=4.0)["pth_clearance_rate"], 300.0)
    # ...and the reference is then no longer a steady state: the gland store was sized for
    # the derived clearance, so PTH settles higher, at 3.5 pmol/L x (derived / overridden)
    rates = compiled.rhs(0.0, reference_state(p), p.vector)
    assert rates[compiled.state_names.index("pth_gland")] > 1.0
    # (calcium feedback on release then trims the rise, so that is an upper bound). The lower
    # bound was 5 %: with PTH's renal and bone-surface effects half-saturated at normal PTH
    # (Nordin & Peacock 1969; Talmage & Mobley 2008; issue 13) the extra PTH raises ionized
    # calcium, which trims the rise to about 4 %; the rise must still be clearly above zero.
    run = h.simulate(days=1, parameters=p)
    no_feedback = 3.5 * (math.log(2) / (3.0 / 1440)) / 300.0
    assert 3.5 * 1.02 < run["pth"][-1] <= no_feedback
    assert run["ca_ionized"][-1] > run["ca_ionized"][0] + 0.002


def test_derived_value_out_of_range_is_rejected(parameters):
    with pytest.raises(h.ParameterValueError, match=r"pth_clearance_rate: expected a value in \[100, 1000\]"):
        parameters.with_values(pth_clearance_rate=50)


def test_default_values_lie_within_their_bounds(parameters):
    table = parameter_table()
    values = parameters.as_dict()
    assert list(values) == list(parameter_names()) == list(table)
    for name, info in table.items():
        assert np.isfinite(values[name]), name
        assert info.lower <= info.upper, name
        assert info.lower <= values[name] <= info.upper, (name, values[name], info.lower, info.upper)
        if info.kind == "derived":
            assert info.default is None, name
        else:
            assert_allclose(values[name], info.default, rtol=0, atol=0, err_msg=name)


def test_every_parameter_is_documented():
    table = parameter_table()
    assert len(table) > 100
    for name, info in table.items():
        for field in ("unit", "meaning", "source"):
            assert getattr(info, field).strip(), (name, field)
        assert info.kind in {"constant", "reference", "physiology", "derived"}, name


def test_derived_sources_say_derived():
    for name, info in parameter_table().items():
        assert (info.kind == "derived") == info.source.startswith("derived"), name


def test_to_frame_lists_every_parameter(parameters):
    frame = parameters.with_values(gfr=60).to_frame()
    assert list(frame["name"]) == list(parameter_names())
    assert_allclose(frame.set_index("name").loc["gfr", "value"], 60.0)
    assert frame[["unit", "meaning", "source"]].map(lambda s: bool(str(s).strip())).all().all()


def _outcome(parameter_set, changes):
    """The set's vector, or the message of the error ``with_values`` raises."""
    try:
        return parameter_set.with_values(changes).vector
    except h.ParameterValueError as error:
        return str(error)


def test_a_population_is_refused_row_by_row_with_the_same_messages(parameters):
    """ParameterSet.refusals checks rows as one array; each refused row has with_values' message
    (naming the parameter and its range): values out of bounds, not finite, and derived
    constants out of range (a low ``dct_pth_half`` puts ``dct_pth_share`` above 0.8)."""
    rng = np.random.default_rng(3)
    names = ("dct_pth_half", "reference_pth", "gfr")
    table = parameter_table()
    rows = np.array([[table[n].default * rng.uniform(0.2, 4.0) for n in names] for _ in range(300)])
    rows[:, 0] = table["dct_pth_half"].default * rng.uniform(0.2, 1.0, len(rows))
    rows[5, 2], rows[7, 1] = -1.0, np.nan
    refusals = parameters.refusals(names, rows)
    outcomes = [_outcome(parameters, dict(zip(names, row.tolist()))) for row in rows]
    assert [type(o) is str for o in outcomes] == [r is not None for r in refusals]
    assert all(str(r) == o for r, o in zip(refusals, outcomes) if r is not None)
    assert 0 < sum(r is not None for r in refusals) < len(rows)  # both kinds of row occur
    assert "gfr: expected a value in [" in str(refusals[5]) and "reference_pth" in str(refusals[7])
    assert "dct_pth_share (derived from calcidiol_vdr_reference_equivalent, " in " ".join(map(str, refusals))
    assert "these values cannot occur together" in " ".join(map(str, refusals))
    with pytest.raises(h.UnknownNameError, match="did you mean 'gfr'"):
        parameters.refusals(("gfrr",), [[90.0]])


def test_values_and_changes_match_the_dict_definition(parameters):
    """The vector-backed set: values by name, the changed ones by np.isclose, a pickle round trip."""
    import pickle

    changed = parameters.with_values(gfr=80.0, reference_pth=4.0, pth_synthesis_rate=1.0)
    defaults = parameters.as_dict()
    expected = {n: v for n, v in changed.as_dict().items()
                if not np.isclose(v, defaults[n], rtol=1e-12, atol=0)}
    assert changed.changed() == expected and {"gfr", "reference_pth", "pth_synthesis_rate"} <= set(expected)
    assert_allclose([changed[n] for n in parameter_names()], changed.vector, rtol=0)
    assert changed.overridden_derived == {"pth_synthesis_rate"}
    copy = pickle.loads(pickle.dumps(changed))
    assert copy == changed and copy.changed() == changed.changed()
    assert_allclose(copy.with_values(gfr=70.0).vector, changed.with_values(gfr=70.0).vector, rtol=0)


CINACALCET_PK = ("cinacalcet_initial_half_life", "cinacalcet_half_life", "cinacalcet_terminal_auc_fraction",
                 "cinacalcet_distribution_volume")
CINACALCET_DERIVED = ("cinacalcet_elimination_rate", "cinacalcet_distribution_rate", "cinacalcet_return_rate",
                      "cinacalcet_central_volume")


def test_every_cinacalcet_disposition_within_bounds_is_a_two_compartment_model(parameters):
    """Cinacalcet's micro-constants follow from the two half-lives and the terminal-phase share of
    the AUC, the central volume from the steady-state volume as well: any share in (0, 1) gives a
    model (with half-lives and a central volume, 129 of 200 population draws x0.8-1.2 had none and
    were refused). Random draws over the whole bounds, corners included, all give finite positive
    values, and each set has the hybrid rates of its half-lives and its steady-state volume."""
    table = parameter_table()
    lower = np.array([table[n].lower for n in CINACALCET_PK])
    upper = np.array([table[n].upper for n in CINACALCET_PK])
    rng = np.random.default_rng(7)
    unit_corners = np.array(np.meshgrid(*[[0, 1]] * len(CINACALCET_PK))).reshape(len(CINACALCET_PK), -1).T
    corners = lower + (upper - lower) * unit_corners
    former_refusal = [6.94, 28.25, parameters["cinacalcet_terminal_auc_fraction"], 1000.0]  # Vss/Vc was 1.82
    draws = np.vstack([[former_refusal], corners, rng.uniform(lower, upper, (300, len(CINACALCET_PK)))])
    assert parameters.refusals(CINACALCET_PK, draws.tolist()) == [None] * len(draws)
    for initial, terminal, share, vss in draws[:: 10]:
        changed = parameters.with_values(dict(zip(CINACALCET_PK, (initial, terminal, share, vss))))
        k10, k12, k21, vc = (changed[n] for n in CINACALCET_DERIVED)
        assert np.all(np.isfinite([k10, k12, k21, vc])) and min(k10, k12, k21, vc) > 0
        alpha, beta = np.log(2) / (initial / 24), np.log(2) / (terminal / 24)
        # the hybrid rates are the roots of s^2 - (k10 + k12 + k21) s + k10 k21; Vss = Vc (1 + k12/k21)
        assert_allclose([k10 + k12 + k21, k10 * k21, vc * (1 + k12 / k21)], [alpha + beta, alpha * beta, vss],
                        rtol=1e-10)


def test_cinacalcet_defaults_keep_the_former_two_compartment_model(parameters):
    """The default share reproduces the micro-constants of the former parametrisation (6 h and 35 h
    half-lives, 1000 L at steady state, 550 L central), so the atlas does not move: alpha and beta
    from the half-lives, Vss from the table, and the central volume 550 L."""
    k10, k12, k21, vc = (parameters[n] for n in CINACALCET_DERIVED)
    alpha, beta = np.log(2) / (6.0 / 24), np.log(2) / (35.0 / 24)
    ratio = 1000 / 550
    former_k21 = ((alpha + beta) - np.sqrt((alpha + beta) ** 2 - 4 * ratio * alpha * beta)) / (2 * ratio)
    assert_allclose([k10, k12, k21], [alpha * beta / former_k21, (ratio - 1) * former_k21, former_k21], rtol=1e-12)
    assert_allclose([k10 + k12 + k21, k10 * k21, vc * (1 + k12 / k21), vc],
                    [alpha + beta, alpha * beta, 1000.0, 550.0], rtol=1e-12)


def test_an_edited_table_with_impossible_derived_constants_is_refused(monkeypatch):
    """Editing parameters.csv so that a derived constant leaves its range (a DCT PTH Hill of 4 with
    its half-point at 2 pmol/L puts dct_pth_share at ~1.5, above 0.8) stops at the default set with
    the constant named, instead of giving NaN rates to every simulation."""
    import dataclasses

    from homeostasis.parameters import set as parameter_sets, table as tables

    original = tables.parameter_table()
    edited = {name: (dataclasses.replace(info, default=4.0) if name == "dct_pth_hill" else
                     dataclasses.replace(info, default=2.0) if name == "dct_pth_half" else info)
              for name, info in original.items()}
    monkeypatch.setattr(parameter_sets, "parameter_table", lambda: edited)
    parameter_sets._default_set.cache_clear()
    try:
        with pytest.raises(h.ParameterValueError, match=r"dct_pth_share \(derived from .*expected a value in \[0, 0.8\]"):
            parameter_sets._default_set()
    finally:
        parameter_sets._default_set.cache_clear()
