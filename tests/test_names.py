"""Names that explain themselves: knobs named as the parameters they set, one meaning for
``initial``, and the old names kept as deprecated aliases that still work."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

import homeostasis as h
from homeostasis.cli.main import main
from homeostasis.compare import run_comparison
from homeostasis.errors import HomeostasisDeprecationWarning, HomeostasisError, ParameterValueError
from homeostasis.fitting.names import resolve
from homeostasis.scenarios.base import load_scenario
from homeostasis.simulation import prepared

RENAMED_KNOBS = {"final_gfr": "gfr_final", "start_gfr": "gfr"}


def test_ckd_knobs_carry_the_names_of_the_parameters_they_set():
    ckd = load_scenario("ckd")
    knobs = {k.name: k.default for k in ckd.knobs}
    changes = ckd.parameter_changes(knobs)
    for name in ("gfr", "gfr_final"):
        assert name in ckd.knob_names()
        assert_allclose(changes[name], knobs[name], rtol=0)


@pytest.mark.parametrize(("old", "new"), sorted(RENAMED_KNOBS.items()))
def test_an_old_knob_name_still_works_with_a_deprecation_warning(old, new):
    value = 20.0 if new == "gfr_final" else 60.0
    with pytest.warns(DeprecationWarning, match=f"'{old}' is deprecated: use '{new}'"):
        old_run = h.simulate("ckd", days=30, parameters={old: value, "years": 0.05})
    new_run = h.simulate("ckd", days=30, parameters={new: value, "years": 0.05})
    assert_allclose(old_run["gfr"], new_run["gfr"], rtol=1e-12)
    assert old_run.metadata["knobs"] == new_run.metadata["knobs"]
    assert_allclose(new_run.metadata["knobs"][new], value, rtol=0)


def test_a_knob_set_by_both_names_is_refused():
    with pytest.warns(HomeostasisDeprecationWarning), pytest.raises(ParameterValueError, match="gfr_final: set twice"):
        h.simulate("ckd", days=1, parameters={"gfr_final": 20, "final_gfr": 30})


def test_old_knob_names_work_in_compare_specs_fitting_and_populations():
    from homeostasis.population.sampling import checked_vary

    ckd = load_scenario("ckd")
    with pytest.warns(HomeostasisDeprecationWarning):
        frame = run_comparison(["ckd:final_gfr=20,years=0.05"], days=30, step=10)
    assert_allclose(frame.loc[frame["variable"] == "gfr", "value"].iloc[-1], 20.0, rtol=1e-9)
    with pytest.warns(HomeostasisDeprecationWarning):
        estimated = resolve("final_gfr", ckd)
    assert estimated.parameter == "gfr_final" and estimated.name == "final_gfr"
    with pytest.warns(HomeostasisDeprecationWarning):
        vary = checked_vary(ckd, {"final_gfr": (10.0, 20.0)})
    assert list(vary) == ["gfr_final"]


def test_command_line_accepts_an_old_knob_name_and_says_so(capsys):
    status = main(["steady-state", "ckd", "--set", "final_gfr=20", "--variables", "gfr"])
    captured = capsys.readouterr()
    assert status == 0
    assert captured.err.strip() == ("homeostasis: warning: scenario ckd knob 'final_gfr' is deprecated: use "
                                    "'gfr_final' (the old name still works for now)")
    assert "20" in captured.out


def test_simulate_initial_is_the_deprecated_name_of_initial_amounts():
    amounts = {"ca_gut_lumen": 40.0}
    with pytest.warns(HomeostasisDeprecationWarning, match="simulate\\(\\) keyword 'initial'"):
        old = h.simulate("healthy", days=1, initial=amounts)
    new = h.simulate("healthy", days=1, initial_amounts=amounts)
    assert_allclose(old.states, new.states, rtol=1e-12)
    assert_allclose(new["ca_gut_lumen"][0], 40.0, rtol=0)
    with pytest.raises(TypeError, match="give initial_amounts= only"):
        h.simulate("healthy", days=1, initial=amounts, initial_amounts=amounts)


def test_fit_initial_is_the_deprecated_name_of_start_values():
    with pytest.raises(TypeError, match="give start_values= only"):
        h.fit("no-such.csv", estimate=["reference_pth"], initial={"reference_pth": 3}, start_values={})
    with pytest.warns(HomeostasisDeprecationWarning, match="fit\\(\\) keyword 'initial'"), \
            pytest.raises(HomeostasisError):
        h.fit("no-such.csv", estimate=["reference_pth"], initial={"reference_pth": 3})


def test_steady_state_is_solved_once_per_parameter_vector(monkeypatch):
    calls = []
    solve = prepared.find_steady_state

    def counted(*args, **kwargs):
        calls.append(1)
        return solve(*args, **kwargs)

    monkeypatch.setattr(prepared, "find_steady_state", counted)
    monkeypatch.setattr(prepared, "_steady_cache", {})
    simulation = prepared.Simulation("hypoparathyroidism", start="steady")
    first = simulation.steady_state()
    again = simulation.steady_state()
    assert simulation.initial_state is not None
    assert h.steady_state("hypoparathyroidism") == pytest.approx(first, rel=1e-12)
    assert len(calls) == 1
    assert again == pytest.approx(first, rel=1e-12)
    changed = simulation.with_parameters({"ca_intake": 30.0}).steady_state()
    assert len(calls) == 2
    assert not np.isclose(changed["ca_total"], first["ca_total"], rtol=1e-9, atol=0)


def test_calcium_is_spelled_ca_in_every_observable_name():
    names = h.simulate("healthy", days=1).observable_names
    assert "fe_ca" in names and "fe_calcium" not in names
    words = [name.split("_") for name in names]
    assert not [name for name, parts in zip(names, words) if "calcium" in parts]  # "octacalcium" is a mineral


def test_a_renamed_observable_still_answers_to_its_former_name(capsys):
    result = h.simulate("hypoparathyroidism", days=2)
    with pytest.warns(HomeostasisDeprecationWarning, match="observable 'fe_calcium' is deprecated: use 'fe_ca'"):
        old = result["fe_calcium"]
    assert_allclose(old, result["fe_ca"], rtol=0)
    assert 0.0 < result["fe_ca"][-1] < 0.2
    with pytest.warns(HomeostasisDeprecationWarning):
        assert result.final()["fe_calcium"] == pytest.approx(result["fe_ca"][-1], rel=1e-12)
        frame = run_comparison(["healthy"], days=2, step=1, variables=["fe_calcium"])
    assert list(frame["variable"].unique()) == ["fe_ca"]
    assert main(["steady-state", "healthy", "--variables", "fe_calcium"]) == 0
    captured = capsys.readouterr()
    assert "'fe_calcium' is deprecated" in captured.err and "fe_ca" in captured.out


def test_former_names_of_scenario_seeds_and_the_shown_label_still_work():
    from homeostasis.compare import ScenarioSpec

    seeds = lambda knobs: {"adenoma_mass": 0.01}  # noqa: E731
    with pytest.warns(HomeostasisDeprecationWarning, match="Scenario\\(\\) keyword 'initial'"):
        scenario = h.Scenario("seeded", "Seeded.", initial=seeds)
    assert scenario.seed_amounts({}) == {"adenoma_mass": 0.01}
    spec = ScenarioSpec("ckd", {"gfr_final": 20.0})
    assert spec.shown_label == "ckd:gfr_final=20"
    with pytest.warns(HomeostasisDeprecationWarning, match="'name' is deprecated: use 'shown_label'"):
        assert spec.name == "ckd:gfr_final=20"
