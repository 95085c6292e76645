"""PEtab: export passes PEtab's linter, reads back to the same fitting problem, and pyPESTO
(libroadrunner as simulator) finds the optimum the package finds on the exported problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import homeostasis as h
from homeostasis.cli import main
from homeostasis.export.petab import FILES, PetabWarning, check_petab, read_petab, to_petab
from homeostasis.fitting import FitResult

pytest.importorskip("petab")  # a declared test dependency ([fit] and [test] extras)

SCENARIO = "granulomatous-calcitriol"
# neither parameter sets a derived rate constant, so the SBML behaves exactly as the package
ESTIMATE = ["burden", "granuloma_calcidiol_km"]
TRUTH = {"burden": 1.8, "granuloma_calcidiol_km": 300.0}
TIMES = np.array([1.0, 3.0, 7.0, 14.0, 21.0])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    grid = np.r_[0.0, TIMES]
    result = h.simulate(SCENARIO, times=grid, parameters=TRUTH)
    rows = []
    for variable, cv in (("calcitriol", 0.08), ("ca_total", 0.015), ("pth", 0.1)):
        values = result[variable][1:]
        sd = cv * np.mean(values)
        rows += [{"time_days": t, "variable": variable, "value": v + rng.normal(0, sd), "sd": sd}
                 for t, v in zip(TIMES, values)]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def exported(data, tmp_path_factory):
    return to_petab(tmp_path_factory.mktemp("petab") / "problem", data, scenario=SCENARIO, estimate=ESTIMATE)


def test_export_passes_petab_lint_and_holds_every_table(exported):
    assert check_petab(exported) == []
    import petab.v1 as petab

    problem = petab.Problem.from_yaml(str(exported))
    assert list(problem.parameter_df.index) == ["granuloma_burden", "granuloma_calcidiol_km"]
    assert set(problem.parameter_df["parameterScale"]) == {"log10"}
    assert set(problem.observable_df["observableFormula"]) == {"calcitriol", "ca_total", "pth"}
    assert len(problem.measurement_df) == 15
    assert problem.sbml_model.getParameter("granuloma_burden") is not None


def test_read_back_gives_the_same_fit_as_the_data(data, exported):
    settings = read_petab(exported)
    assert settings["estimate"] == ESTIMATE and settings["scenario"] == SCENARIO
    np.testing.assert_allclose(settings["data"]["value"], data["value"], rtol=1e-12)
    direct = h.fit(data, scenario=SCENARIO, estimate=ESTIMATE, profile_intervals=False)
    again = h.fit(settings.pop("data"), **settings, profile_intervals=False)
    for name in ESTIMATE:
        np.testing.assert_allclose(again.estimates[name], direct.estimates[name], rtol=1e-6)


def test_command_line_export_then_fit_petab(data, tmp_path, capsys):
    csv = tmp_path / "data.csv"
    data.to_csv(csv, index=False)
    folder = tmp_path / "problem"
    assert main(["export-petab", str(folder), "--data", str(csv), "--scenario", SCENARIO,
                 "--estimate", ",".join(ESTIMATE)]) == 0
    assert "PEtab lint: no errors" in capsys.readouterr().out
    assert main(["export-petab", str(folder), "--data", str(csv), "--scenario", SCENARIO, "--estimate", "burden"]) == 2
    assert "not empty" in capsys.readouterr().err
    out = tmp_path / "fit.json"
    assert main(["fit", "--petab", str(folder / "problem.yaml"), "--no-profile", "--quiet", "--out", str(out)]) == 0
    fitted = FitResult.from_json(out)
    assert set(fitted.estimates) == set(ESTIMATE)


def test_a_foreign_petab_problem_is_refused(exported, tmp_path):
    import shutil

    copy = tmp_path / "foreign"
    shutil.copytree(exported.parent, copy)
    (copy / "homeostasis.json").unlink()
    with pytest.raises(h.HomeostasisError, match="not written by homeostasis export-petab"):
        read_petab(copy / "problem.yaml")


def test_estimating_a_reference_parameter_in_another_tool_moves_its_derived_constants(data, tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", PetabWarning)
        to_petab(tmp_path / "p", data, scenario=SCENARIO, estimate=["burden", "calcitriol_half_life"])


@pytest.mark.slow
def test_pypesto_with_libroadrunner_finds_the_packages_optimum(data, exported):
    """The same exported problem fitted by pyPESTO (libroadrunner simulating the SBML, L-BFGS-B
    with finite differences) and by the package: on pyPESTO's own objective the package's optimum
    is at least as good as pyPESTO's best point, and pyPESTO's point lies inside the package's
    95 % region. (Since granulomas consume the 25(OH)D they convert, granuloma_calcidiol_km is
    nearly unidentifiable from these data (SE ~1100 at 490) and L-BFGS-B stops early along it,
    with an ABNORMAL line search, at burden 1.72-1.91 against the package's 1.89 +- 0.12.)"""
    import petab.v1 as petab
    import pypesto.optimize
    import pypesto.petab
    from pypesto.objective.roadrunner.utils import SolverOptions

    from homeostasis.export.sbml import tolerance_hints

    problem_text = petab.Problem.from_yaml(str(exported))
    _, absolute = tolerance_hints((exported.parent / FILES["sbml"]).read_text(encoding="utf-8"))

    class Tolerances(SolverOptions):  # the export's per-variable absolute tolerances (as tests/test_sbml.py)
        def apply_to_roadrunner(self, runner):
            super().apply_to_roadrunner(runner)
            for name, value in absolute.items():
                runner.integrator.setIndividualTolerance(name, value)

    importer = pypesto.petab.PetabImporter(problem_text, simulator_type="roadrunner")
    problem = importer.create_problem()
    problem.objective.solver_options = Tolerances(relative_tolerance=1e-8, maximum_num_steps=500_000)
    # deterministic: the first start is the exported nominal point (where the package's fit starts),
    # the second a seeded uniform draw (an unseeded draw once stopped L-BFGS-B at 14.26 in CI)
    nominal = problem_text.parameter_df.loc[problem.x_names, "nominalValue"].to_numpy(dtype=float)
    problem.set_x_guesses([np.log10(nominal)])
    np.random.seed(20261130)
    result = pypesto.optimize.minimize(problem, pypesto.optimize.ScipyOptimizer(method="L-BFGS-B"), n_starts=2,
                                       progress_bar=False)
    best = result.optimize_result.list[0]
    ours = h.fit(data, scenario=SCENARIO, estimate=ESTIMATE, profile_intervals=False, progress=False)
    at_ours = problem.objective(np.log10([ours.estimates[name] for name in ESTIMATE]))
    # negative log-likelihoods: ours no worse than theirs (measured 11.792 vs 11.839), and theirs
    # within the 95 % threshold of ours (chi-square 3.84 for one parameter, halved)
    assert at_ours <= best.fval + 1e-3, (at_ours, best.fval, dict(zip(problem.x_names, best.x)))
    assert best.fval - at_ours < 3.84 / 2, (at_ours, best.fval)
