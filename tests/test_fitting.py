"""Parameter estimation: exact sensitivities, recovery of known parameters, data errors, CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import homeostasis as h
from homeostasis.cli import main as fit_main  # the whole command line (argv starts with "fit")
from homeostasis.fitting.data import DataError, validate_data
from homeostasis.fitting import FitResult
from homeostasis.fitting.objective import Problem

# one estimated subset throughout, so the sensitivity code is compiled once per session
ESTIMATE = ("pth_half_life", "pth_release_set_point", "gut_transit_rate", "reference_pth")
TRUTH = {"pth_half_life": 3.5, "pth_release_set_point": 1.12, "gut_transit_rate": 6.0, "reference_pth": 4.2}
MINUTE = 1.0 / 1440.0
# protocol: a hypocalcaemic clamp (PTH-calcium curve), PTH washout after removal of half of the
# parathyroid tissue (PTH half-life), and an oral phosphate load (gut transit)
PROTOCOL = {
    "clamp": (["calcium-clamp@0.01:delta_ionized=-0.15,hours=1.5"], np.linspace(0.0, 0.1, 13), ("pth", "ca_ionized")),
    "washout": (["parathyroidectomy@0.01:fraction=0.9"], 0.01 + MINUTE * np.array([0, 1, 2, 3, 4, 6, 8, 10, 15, 20, 30]),
                ("pth",)),
    "load": (["phosphate-load@0.02:p_mg=1000"], np.linspace(0.0, 1.0, 13), ("phosphate", "pth")),
}
INTERVENTIONS = {label: items for label, (items, _, _) in PROTOCOL.items()}
CV = 0.04  # noise sd as a fraction of each variable's mean


def observed(result, variables, times):
    grid = result.times
    return {v: result[v][np.searchsorted(grid, times)] for v in variables}


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(20240611)
    rows = []
    for label, (items, times, variables) in PROTOCOL.items():
        result = h.simulate(times=np.unique(np.r_[0.0, times]), parameters=TRUTH, interventions=items)
        for variable, values in observed(result, variables, times).items():
            sd = CV * np.abs(values).mean()
            for t, value in zip(times, values):
                rows.append({"scenario": label, "time_days": t, "variable": variable,
                             "value": value + rng.normal(0.0, sd), "sd": sd})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def fitted(synthetic):
    return h.fit(synthetic, estimate=list(ESTIMATE), interventions=INTERVENTIONS)


def _central_differences(scenario, start, items, times, variables, name, value, step=1e-3):
    # step 1e-3 in log: truncation error ~1e-7 relative; at 1e-4 the rtol-1e-11 solution noise
    # divided by the step already reaches the 1e-4 tolerance (calcitriol after the adenoma's excision)
    grid = np.unique(np.r_[0.0, times])
    out = []
    for sign in (1.0, -1.0):
        result = h.simulate(scenario, times=grid, parameters={name: value * np.exp(sign * step)},
                            interventions=items, start=start, rtol=1e-11)
        out.append(np.concatenate([result[v][np.searchsorted(grid, times)] for v in variables]))
    size = np.concatenate([np.full(len(times), np.abs(result[v]).max()) for v in variables])
    return (out[0] - out[1]) / (2 * step), size  # d/d(log parameter), and each variable's size


@pytest.mark.parametrize("scenario, start, items, end", [
    # clamp (target from the state), dose added to the gut, tissue multiplied by a factor
    ("healthy", "healthy", ["calcium-clamp@0.02:delta_ionized=-0.15,hours=1.5", "phosphate-load@0.05",
                            "parathyroidectomy@0.3:fraction=0.5"], 0.6),
    # steady start (implicit-function sensitivities) and excision of the adenoma
    ("parathyroid-adenoma", "steady", ["parathyroidectomy@0.1"], 2.0),
])
def test_sensitivities_match_central_differences_of_simulate(scenario, start, items, end):
    times = np.linspace(0.01, end, 12)
    variables = ("pth", "ca_ionized", "phosphate", "calcitriol")
    data = pd.DataFrame([{"time_days": t, "variable": v, "value": 1.0} for v in variables for t in times])
    problem = Problem(validate_data(data), ESTIMATE, scenario=scenario, interventions=items, start=start)
    x = problem.to_x(problem.theta0)
    _, exact = problem.simulate(x)  # d(observable)/d(log parameter)
    for column, name in enumerate(ESTIMATE):
        numeric, size = _central_differences(scenario, start, items, times, variables, name, problem.theta0[column])
        largest = np.concatenate([np.full(len(times), np.abs(numeric[i * len(times):(i + 1) * len(times)]).max())
                                  for i in range(len(variables))])
        tolerance = 1e-4 * largest + 1e-7 * size
        error = np.abs(exact[:, column] - numeric)
        assert np.all(error <= tolerance), (name, np.max(error / tolerance))


def test_fit_recovers_known_parameters_within_the_95_percent_intervals(fitted):
    assert fitted.identifiable
    for name, truth in TRUTH.items():
        low, high = fitted.profile_intervals[name]
        assert low < truth < high, (name, low, truth, high)
        low, high = fitted.fisher_intervals[name]
        assert low < truth < high, (name, low, truth, high)
        assert low < fitted.estimates[name] < high
        assert fitted.standard_errors[name] > 0
    # chi-square of a good fit: about the number of data rows minus the parameters
    rows = len(fitted.residuals)
    assert 0.5 * rows < fitted.objective < 1.6 * rows
    assert fitted.n_simulations > 0


def test_fits_from_perturbed_starts_reach_the_same_optimum(synthetic, fitted):
    perturbed = {"pth_half_life": 2.5, "pth_release_set_point": 1.0, "gut_transit_rate": 10.0, "reference_pth": 3.0}
    again = h.fit(synthetic, estimate=list(ESTIMATE), interventions=INTERVENTIONS, start_values=perturbed,
                  profile_intervals=False)
    assert again.objective == pytest.approx(fitted.objective, rel=1e-6)
    for name in ESTIMATE:
        assert again.estimates[name] == pytest.approx(fitted.estimates[name], rel=1e-3)


def test_fitted_parameters_reproduce_the_fit_with_simulate(fitted):
    rows = fitted.residuals[fitted.residuals["scenario"] == "washout"]
    grid = np.unique(np.r_[0.0, rows["time_days"]])
    result = h.simulate(times=grid, parameters=fitted.parameter_sets["washout"],
                        interventions=INTERVENTIONS["washout"])
    assert np.allclose(result["pth"][np.searchsorted(grid, rows["time_days"])], rows["simulated"], rtol=1e-5)
    assert fitted.parameter_sets["washout"]["pth_half_life"] == pytest.approx(fitted.estimates["pth_half_life"])


def test_json_holds_estimates_intervals_and_settings(fitted, tmp_path):
    path = tmp_path / "fit.json"
    document = json.loads(fitted.to_json(path))
    assert json.loads(path.read_text()) == document
    assert set(document["estimates"]) == set(ESTIMATE)
    assert set(document["intervals"]["profile"]) == set(ESTIMATE)
    assert document["settings"]["interventions"]["load"] == ["phosphate-load@0.02:p_mg=1000,hours=0"]
    assert document["settings"]["transform"]["pth_half_life"] == "log"
    with pytest.raises(h.HomeostasisError, match="exists"):
        fitted.to_json(path)


def test_plot_draws_fit_and_data(fitted):
    import matplotlib

    matplotlib.use("Agg")
    figure = fitted.plot()
    assert len(figure.axes) == 3  # pth, ca_ionized, phosphate


def test_individual_parameters_per_subject():
    rng = np.random.default_rng(3)
    rows = []
    times = np.linspace(0.0, 0.1, 9)
    for subject, reference in (("a", 3.0), ("b", 5.0)):
        result = h.simulate(times=times, parameters={"reference_pth": reference, "pth_release_set_point": 1.1},
                            interventions=["calcium-clamp@0.01:delta_ionized=-0.1,hours=2"])
        for t, value in zip(times, result["pth"]):
            rows.append({"scenario": subject, "time_days": t, "variable": "pth",
                         "value": value * (1 + 0.02 * rng.normal()), "sd": 0.02 * value})
    result = h.fit(pd.DataFrame(rows), estimate=["reference_pth", "pth_release_set_point"],
                   individual=["reference_pth"], interventions=["calcium-clamp@0.01:delta_ionized=-0.1,hours=2"],
                   profile_intervals=False)
    assert set(result.estimates) == {"pth_release_set_point", "reference_pth[a]", "reference_pth[b]"}
    assert result.estimates["reference_pth[a]"] == pytest.approx(3.0, rel=0.05)
    assert result.estimates["reference_pth[b]"] == pytest.approx(5.0, rel=0.05)
    assert set(result.parameters) == {"a", "b"}


def test_an_intervention_that_sets_an_estimated_parameter_is_refused():
    data = pd.DataFrame({"time_days": [0.0, 1.0], "variable": ["pth", "pth"], "value": [3.5, 3.0], "sd": [0.3, 0.3]})
    with pytest.raises(h.HomeostasisError, match="cannot estimate ca_intake"):
        h.fit(data, estimate=["ca_intake"], interventions=["diet@0.5:ca_mg_per_day=500"])


GOOD = {"time_days": [0.0, 1.0], "variable": ["pth", "ca_total"], "value": [3.5, 2.4]}


@pytest.mark.parametrize("change, message", [
    ({"time_days": None}, "missing column(s) time_days"),
    ({"variable": ["pth", "ca_totl"]}, "row 2, column 'variable': unknown variable 'ca_totl'; did you mean 'ca_total'"),
    ({"time_days": [0.0, -1.0]}, "row 2, column 'time_days': expected a finite time >= 0"),
    ({"time_days": [np.inf, 1.0]}, "row 1, column 'time_days'"),
    ({"value": [np.nan, 2.4]}, "row 1, column 'value': expected a finite value"),
    ({"value": ["3.5", "high"]}, "row 2, column 'value': expected a number, got 'high'"),
    ({"sd": [0.3, 0.0]}, "row 2, column 'sd': expected a positive, finite sd"),
    ({"sd": [0.3, np.nan]}, "row 2, column 'sd'"),
    ({"scenario": ["a", None]}, "row 2, column 'scenario'"),
    ({"unit": ["pmol/L", "mL/min"]}, "row 2, column 'unit': ca_total is fitted in mmol/L"),
])
def test_bad_data_is_a_clear_error_naming_the_row_or_column(change, message):
    table = dict(GOOD)
    for key, value in change.items():
        if value is None:
            table.pop(key)
        else:
            table[key] = value
    with pytest.raises(DataError) as error:
        validate_data(pd.DataFrame(table))
    assert message in str(error.value)
    assert isinstance(error.value, h.HomeostasisError)


def test_unknown_or_derived_parameter_cannot_be_estimated():
    data = pd.DataFrame(GOOD)
    with pytest.raises(h.UnknownNameError, match="did you mean 'pth_half_life'"):
        h.fit(data, estimate=["pth_half_lif"])
    with pytest.raises(h.ParameterValueError, match="derived"):
        h.fit(data, estimate=["pth_clearance_rate"])


def test_command_line_fit_writes_json_and_figure(tmp_path, capsys):
    times = np.linspace(0.0, 0.1, 11)
    result = h.simulate(times=times, parameters={"pth_release_set_point": 1.1},
                        interventions=["calcium-clamp@0.01:delta_ionized=-0.1,hours=2"])
    csv = tmp_path / "data.csv"
    pd.DataFrame({"time_days": times, "variable": "pth", "value": result["pth"], "sd": 0.1}).to_csv(csv, index=False)
    out, plot = tmp_path / "fit.json", tmp_path / "fit.png"
    argv = ["fit", str(csv), "--estimate", "pth_release_set_point", "--intervention",
            "calcium-clamp@0.01:delta_ionized=-0.1,hours=2", "--out", str(out), "--plot", str(plot)]
    assert fit_main(argv) == 0
    assert json.loads(out.read_text())["estimates"]["pth_release_set_point"] == pytest.approx(1.1, rel=1e-3)
    assert plot.stat().st_size > 0
    assert "pth_release_set_point" in capsys.readouterr().out
    assert fit_main(argv) == 2  # outputs exist
    assert "exists; use --force" in capsys.readouterr().err
    assert fit_main(["fit", str(tmp_path / "missing.csv"), "--estimate", "pth_half_life"]) == 2
    assert "does not exist" in capsys.readouterr().err


# ---- uncertainty: correlated, unidentifiable -------------------------------------------------
SARCOID = "granulomatous-calcitriol"
SARCOID_TRUTH = {"burden": 1.8, "calcitriol_half_life": 7.0}  # strongly correlated (r ~ -0.99)
SARCOID_TIMES = np.array([1.0, 3.0, 7.0, 14.0, 21.0])
SARCOID_NOISE = {"calcitriol": 0.10, "ca_total": 0.02}  # sd as a fraction of the variable's mean


@pytest.fixture(scope="module")
def sarcoid_truth():
    grid = np.r_[0.0, SARCOID_TIMES]
    result = h.simulate(SARCOID, times=grid, parameters=SARCOID_TRUTH)
    return {v: result[v][1:] for v in SARCOID_NOISE}


def sarcoid_data(truth, rng):
    rows = []
    for variable, cv in SARCOID_NOISE.items():
        sd = cv * np.mean(truth[variable])
        rows += [{"time_days": t, "variable": variable, "value": v + rng.normal(0.0, sd), "sd": sd}
                 for t, v in zip(SARCOID_TIMES, truth[variable])]
    return pd.DataFrame(rows)


def test_profile_ends_are_where_refitting_with_the_parameter_fixed_crosses_the_threshold(sarcoid_truth):
    """The issue's case: burden fitted with the calcitriol half-life by its `list` name; each
    profile end, checked by independent fits with burden fixed there, lies at delta chi2 = 3.84."""
    data = sarcoid_data(sarcoid_truth, np.random.default_rng(7))
    fitted = h.fit(data, scenario=SARCOID, estimate=["burden", "calcitriol_half_life"], profile_intervals=["burden"])
    assert fitted.units["burden"] == "relative"
    assert fitted.correlation.loc["burden", "calcitriol_half_life"] < -0.9
    low, high = fitted.profile_intervals["burden"]
    assert fitted.profile_open["burden"] == (False, False)
    assert low < fitted.estimates["burden"] < high
    for end in (low, high):
        fixed = h.fit(data, scenario=SARCOID, estimate=["calcitriol_half_life"], parameters={"burden": end},
                      profile_intervals=False)
        assert_allclose(fixed.objective - fitted.objective, 3.841, atol=0.05)
    # the profile is wider than the Fisher interval suggests on the upper side (skewed likelihood)
    assert fitted.fisher_intervals["burden"][1] != pytest.approx(high, rel=1e-3)


@pytest.mark.slow
def test_profile_intervals_cover_the_truth_in_at_least_90_percent_of_50_noisy_datasets(sarcoid_truth):
    rng = np.random.default_rng(20261129)
    covered = []
    for _ in range(50):
        fitted = h.fit(sarcoid_data(sarcoid_truth, rng), scenario=SARCOID, estimate=["burden", "calcitriol_half_life"],
                       profile_intervals=["burden"], progress=False)
        low, high = fitted.profile_intervals["burden"]
        covered.append(low <= SARCOID_TRUTH["burden"] <= high)
    assert np.mean(covered) >= 0.90, np.mean(covered)


def test_a_structurally_unidentifiable_pair_is_flagged(sarcoid_truth):
    """Granuloma calcitriol synthesis = granuloma_calcitriol_synthesis x burden: only the product is seen."""
    data = sarcoid_data(sarcoid_truth, np.random.default_rng(3))
    from homeostasis.fitting.fit import IdentifiabilityWarning

    with pytest.warns(IdentifiabilityWarning, match="burden.*granuloma_calcitriol_synthesis"):
        fitted = h.fit(data, scenario=SARCOID, estimate=["burden", "granuloma_calcitriol_synthesis"],
                       profile_intervals=["burden"])
    assert set(fitted.unidentifiable) == {"burden", "granuloma_calcitriol_synthesis"}
    assert not fitted.identifiable
    assert all(np.isinf(fitted.standard_errors[n]) for n in fitted.names)
    assert np.isnan(fitted.correlation.loc["burden", "granuloma_calcitriol_synthesis"])
    assert fitted.profile_open["burden"][1]  # flat up to the upper bound 10
    assert fitted.profile_intervals["burden"][1] == pytest.approx(10.0)
    # the product is still determined: it equals the true one
    product = fitted.estimates["burden"] * fitted.estimates["granuloma_calcitriol_synthesis"]
    truth = SARCOID_TRUTH["burden"] * h.parameter_table()["granuloma_calcitriol_synthesis"].default
    assert_allclose(product, truth, rtol=0.15)


@pytest.mark.slow
def test_own_profile_matches_pypesto_profile_on_the_same_problem(sarcoid_truth):
    """The package's profile walker against pyPESTO's parameter_profile (same objective, same
    exact gradients): the interval ends agree within 2 % of the interval width."""
    from homeostasis.fitting.intervals import chi2_threshold, profile_interval
    from homeostasis.fitting.pesto import Scaled, pypesto_profiles

    data = sarcoid_data(sarcoid_truth, np.random.default_rng(7))
    fitted = h.fit(data, scenario=SARCOID, estimate=["burden", "calcitriol_half_life"])
    problem = fitted.problem
    x_hat = problem.to_x(np.array([fitted.estimates[n] for n in fitted.names]))
    lower, upper = problem.search_bounds()
    paths = pypesto_profiles(Scaled(problem), x_hat, lower, upper, threshold=chi2_threshold(0.95))
    for j, name in enumerate(fitted.names):
        values, delta = paths[j]
        ends, _ = profile_interval(values, delta, x_hat[j], chi2_threshold(0.95), lower[j], upper[j])
        theirs = np.exp(ends)
        ours = np.array(fitted.profile_intervals[name])
        assert_allclose(ours, theirs, atol=0.02 * (ours[1] - ours[0])), name


def test_measured_data_in_clinical_units_and_hours_fit_like_si_data(sarcoid_truth):
    si = sarcoid_data(sarcoid_truth, np.random.default_rng(5))
    clinical = si.copy()
    calcium = clinical["variable"] == "ca_total"
    clinical.loc[calcium, ["value", "sd"]] *= 4.008  # mmol/L -> mg/dL
    clinical.loc[~calcium, ["value", "sd"]] *= 0.4166  # calcitriol pmol/L -> pg/mL
    clinical["unit"] = np.where(calcium, "mg/dl", "pg/mL")  # lower-case spelling too
    clinical["time"] = clinical.pop("time_days") * 24.0
    clinical["time_unit"] = "hours"
    table = validate_data(clinical)
    assert_allclose(table["value"], si["value"], rtol=1e-3)
    assert_allclose(table["sd"], si["sd"], rtol=1e-3)
    assert_allclose(table["time_days"], si["time_days"], rtol=1e-12)
    minutes = si.rename(columns={"time_days": "time"}).assign(time=lambda f: f["time"] * 1440.0)
    assert_allclose(validate_data(minutes, time_unit="min")["time_days"], si["time_days"], rtol=1e-12)
    one = h.fit(si, scenario=SARCOID, estimate=["burden"], profile_intervals=False)
    other = h.fit(clinical, scenario=SARCOID, estimate=["burden"], profile_intervals=False)
    assert_allclose(other.estimates["burden"], one.estimates["burden"], rtol=2e-3)


@pytest.mark.parametrize("variable, value, unit, expected", [
    ("pth", 38.0, "ng/L", 4.032),  # 38 pg/mL intact PTH
    ("calcidiol", 30.0, "ng/mL", 74.89),
    ("phosphate", 3.5, "mg/dL", 1.130),
    ("ca_ionized", 1200.0, "umol/L", 1.2),
    ("urine_ca", 200.0, "mg/24h", 4.990),
    ("fe_phosphate", 12.0, "%", 0.12),
])
def test_clinical_units_convert_with_pint(variable, value, unit, expected):
    table = validate_data(pd.DataFrame({"time_days": [1.0], "variable": [variable], "value": [value], "unit": [unit]}))
    assert_allclose(table["value"].iloc[0], expected, rtol=5e-4)


def test_scenario_knobs_are_estimated_by_the_names_list_shows():
    from homeostasis.fitting.names import resolve
    from homeostasis.scenarios.base import load_scenario

    ckd = load_scenario("ckd")
    assert resolve("gfr_final", ckd).parameter == "gfr_final"
    years = resolve("years", ckd)
    assert years.parameter == "gfr_decline_days" and years.factor == pytest.approx(365.25)
    assert resolve("burden", load_scenario(SARCOID)).parameter == "granuloma_burden"
    with pytest.raises(h.UnknownNameError, match="did you mean 'burden'"):
        resolve("burdn", load_scenario(SARCOID))


def test_json_round_trip_and_resume(sarcoid_truth, tmp_path, capsys):
    data = sarcoid_data(sarcoid_truth, np.random.default_rng(9))
    fitted = h.fit(data, scenario=SARCOID, estimate=["burden", "calcitriol_half_life"], profile_intervals=["burden"])
    path = tmp_path / "fit.json"
    fitted.to_json(path)
    again = FitResult.from_json(path)
    assert again.names == fitted.names and again.estimates == fitted.estimates
    assert again.profile_intervals == fitted.profile_intervals and again.profile_open == fitted.profile_open
    assert again.criteria == fitted.criteria
    assert_allclose(again.correlation.to_numpy(), fitted.correlation.to_numpy())
    pd.testing.assert_frame_equal(again.residuals.reset_index(drop=True), fitted.residuals.reset_index(drop=True),
                                  check_dtype=False, check_like=True)
    assert again.parameters["granuloma_burden"] == pytest.approx(fitted.estimates["burden"])
    # AIC, AICc, BIC of a fit with known sd: chi-square plus the constant and the penalty
    n, k = len(data), 2
    assert_allclose(fitted.aic - fitted.criteria["minus_2_log_likelihood"], 2 * k)
    assert_allclose(fitted.aicc - fitted.aic, 2 * k * (k + 1) / (n - k - 1))
    assert_allclose(fitted.bic - fitted.criteria["minus_2_log_likelihood"], k * np.log(n))
    # the command line continues from the saved fit and re-profiles
    out = tmp_path / "again.json"
    assert fit_main(["fit", "--resume", str(path), "--quiet", "--out", str(out), "--profile", "burden",
                     "--residual-plot", str(tmp_path / "r.png"), "--profile-plot", str(tmp_path / "p.png")]) == 0
    resumed = json.loads(out.read_text())
    assert_allclose(resumed["estimates"]["burden"], fitted.estimates["burden"], rtol=1e-4)
    assert_allclose(resumed["intervals"]["profile"]["burden"], fitted.profile_intervals["burden"], rtol=1e-3)
    assert (tmp_path / "r.png").stat().st_size > 0 and (tmp_path / "p.png").stat().st_size > 0
    assert "AIC" in capsys.readouterr().out


def test_progress_is_shown_only_when_asked_or_on_a_terminal(sarcoid_truth, capsys):
    data = sarcoid_data(sarcoid_truth, np.random.default_rng(9))
    h.fit(data, scenario=SARCOID, estimate=["burden"], profile_intervals=False)
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal
    h.fit(data, scenario=SARCOID, estimate=["burden"], multistart=2, progress=True)
    err = capsys.readouterr().err
    assert "multistart: 3/3 done, best objective" in err and "profiles: 1/1 done" in err


def test_command_line_fits_a_knob_from_clinical_units_and_hours(sarcoid_truth, tmp_path, capsys):
    data = sarcoid_data(sarcoid_truth, np.random.default_rng(5))
    calcium = data["variable"] == "ca_total"
    data.loc[calcium, ["value", "sd"]] *= 4.008
    data["unit"] = np.where(calcium, "mg/dL", "pmol/l")
    data["time"] = data.pop("time_days") * 24.0
    csv = tmp_path / "clinical.csv"
    data.to_csv(csv, index=False)
    out = tmp_path / "fit.json"
    half_life = f"calcitriol_half_life={SARCOID_TRUTH['calcitriol_half_life']:g}"
    assert fit_main(["fit", str(csv), "--scenario", SARCOID, "--estimate", "burden", "--time-unit", "h",
                     "--set", half_life, "--no-profile", "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["units"]["burden"] == "relative"
    assert document["settings"]["model_parameters"] == {"burden": "granuloma_burden"}
    assert_allclose(document["estimates"]["burden"], SARCOID_TRUTH["burden"], rtol=0.2)
    assert fit_main(["fit", str(csv), "--scenario", SARCOID, "--estimate", "burdn", "--time-unit", "h"]) == 2
    assert "did you mean 'burden'" in capsys.readouterr().err


def test_difference_jacobian_is_one_batch_per_experiment_and_matches_single_runs(synthetic, monkeypatch):
    from homeostasis.numerics import batch

    problem = Problem(validate_data(synthetic), ESTIMATE, interventions=INTERVENTIONS)
    x = problem.to_x(problem.theta0)
    lower, upper = problem.search_bounds()
    sizes = []
    real = batch.simulate_many
    monkeypatch.setattr(batch, "simulate_many", lambda prepared, vectors, *a, **k: sizes.append(len(vectors))
                        or real(prepared, vectors, *a, **k))
    step = 1e-6
    differences = problem.difference_jacobian(x, lower, upper, step=step)
    assert sizes == [len(x)] * len(problem.experiments), "every step of one experiment in one batch call"
    base = problem.residuals_only(x)
    for j in range(len(x)):  # the same forward differences, one simulation at a time
        point = x.copy()
        point[j] += step * max(1.0, abs(x[j]))
        column = (problem.residuals_only(point) - base) / (point[j] - x[j])
        assert_allclose(differences[:, j], column, rtol=1e-6, atol=1e-6 * np.abs(column).max())
    exact = problem.jacobian(x)
    assert_allclose(differences, exact, rtol=0, atol=0.02 * np.abs(exact).max())
