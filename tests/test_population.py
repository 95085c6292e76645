"""Virtual populations and global sensitivity on Dask (homeostasis.population, its commands)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")
pytest.importorskip("SALib")

import homeostasis  # noqa: E402
from homeostasis.cli import main  # noqa: E402
from homeostasis.errors import ParameterValueError  # noqa: E402
from homeostasis.population import Distribution, load_population, population, sensitivity  # noqa: E402
from homeostasis.population.sampling import draw_patients, parse_distribution  # noqa: E402
from homeostasis.population.sensitivity import ISHIGAMI, ISHIGAMI_S1, ISHIGAMI_ST  # noqa: E402
from homeostasis.scenarios import load_scenario  # noqa: E402
from helpers import run_cli  # noqa: E402

VARY = {"gfr": (60.0, 120.0), "ca_intake": (15.0, 35.0, "normal")}
TEST_SCENARIO = '''
import time
from homeostasis.scenarios import Knob, Scenario

def initial(knobs):
    time.sleep(knobs["delay"])
    if knobs["fail"] > 0.5:
        raise RuntimeError("integration refused on purpose for this patient")
    return {{}}

SCENARIO = Scenario(name="{name}", description="Healthy, with a knob that makes a patient fail and one that slows it.",
                    knobs=(Knob("fail", 0.0, "dimensionless", 0, 1, "fails when above 0.5"),
                           Knob("delay", {delay}, "s", 0, 5, "seconds of sleep before the run")),
                    seeds=initial)
'''


@pytest.fixture(scope="module")
def client():
    """One LocalCluster of two worker processes for the module (started once: ~5 s)."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as active:
            yield active


def scenario_file(folder: Path, delay=0.0, name="test-failing") -> str:
    path = folder / f"{name.replace('-', '_')}.py"
    path.write_text(textwrap.dedent(TEST_SCENARIO.format(name=name, delay=delay)))
    return str(path)


def chunk_files(folder: Path) -> dict:
    return {path.relative_to(folder).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in sorted(folder.glob("*/chunk-*.parquet"))}


# --- sampling (no Dask) -------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["uniform", "loguniform", "normal", "lognormal"])
def test_distributions_stay_in_bounds_and_are_monotone(kind):
    distribution = Distribution(kind, 2.0, 8.0)
    values = distribution.ppf(np.linspace(0, 1, 101))
    assert values.min() >= 2.0 and values.max() <= 8.0
    assert np.all(np.diff(values) > 0)
    assert_allclose(values[[0, -1]], [2.0, 8.0], rtol=1e-9)


def test_quantiles_follow_the_distribution():
    assert_allclose(Distribution("loguniform", 1.0, 100.0).ppf(0.5), 10.0, rtol=1e-12)
    normal = Distribution("normal", 0.0, 10.0)  # mean 5, SD 2.5, truncated at 2 SD
    assert_allclose(normal.ppf(0.5), 5.0, rtol=1e-12)
    assert_allclose(normal.ppf(0.8413), 5.0 + 2.5 * 0.954, rtol=0.02)  # 1 SD of a 2-SD truncated normal
    assert_allclose(Distribution("lognormal", 1.0, 100.0).ppf(0.5), 10.0, rtol=1e-12)


def test_latin_hypercube_fills_every_stratum():
    design = draw_patients(load_scenario("healthy"), {"gfr": (50.0, 150.0)}, 20, sampling="lhs", seed=1)
    strata = np.floor((design.values[:, 0] - 50.0) / 5.0).astype(int)
    assert sorted(strata.tolist()) == list(range(20))


def test_parse_distribution_forms():
    assert parse_distribution("x", "1:10:log") == Distribution("loguniform", 1, 10)
    given = parse_distribution("x", "1:9:normal:4:2")
    assert (given.kind, given.centre, given.spread) == ("normal", 4.0, 2.0)
    with pytest.raises(ParameterValueError, match="low < high"):
        parse_distribution("x", "3:3")


def test_refused_draws_are_resampled_and_counted():
    # dct_pth_half below ~0.9 pmol/L makes the derived PTH-dependent distal share exceed its
    # range (the healthy calibration is infeasible there): refused by the model
    scenario = load_scenario("healthy")
    design = draw_patients(scenario, {"dct_pth_half": (0.5, 3.0)}, 30, seed=2, invalid="resample")
    assert design.status == ["ok"] * 30
    assert design.values[:, 0].min() > 0.75
    refused = sum(design.rejected.values())
    assert refused > 0 and all("dct_pth_share" in reason for reason in design.rejected)
    assert f"{refused} draw(s) rejected" in design.summary()
    kept = draw_patients(scenario, {"dct_pth_half": (0.5, 3.0)}, 30, seed=2, invalid="record")
    assert kept.status.count("rejected") == sum(kept.rejected.values()) > 0
    assert all(error for error, status in zip(kept.errors, kept.status) if status == "rejected")


# --- bad input: exit 2, one line ----------------------------------------------------------------

@pytest.mark.parametrize("arguments, fragment", [
    (["--n", "10", "--vary", "gfx=60:100"], "did you mean 'gfr'"),
    (["--n", "10", "--vary", "gfr=100:60"], "expected low < high"),
    (["--n", "10", "--vary", "gfr=60:60"], "expected low < high"),
    (["--n", "-4", "--vary", "gfr=60:100"], "expected a positive number of patients, got -4"),
    (["--n", "10", "--vary", "gfr=60:200"], "within the parameter's bounds [1, 150]"),
    (["--n", "10", "--vary", "gfr_final=0.5:20"], "within the knob's bounds [1, 150]"),
    (["--n", "10", "--vary", "ml_per_min_to_l_per_day=1:2"], "is a constant"),
    (["--n", "10", "--vary", "gfr=60:100:cubic"], "expected a distribution in"),
    (["--n", "10"], "expected --n N and at least one --vary"),
])
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, arguments, fragment):
    scenario = "ckd" if "gfr_final" in arguments[-1] else "healthy"
    status, out, err = run_cli(capsys, "population", scenario, *arguments, "--out", tmp_path / "out")
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert fragment in err
    assert not (tmp_path / "out").exists()


def test_an_existing_folder_is_not_overwritten(capsys, tmp_path):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    status, _, err = run_cli(capsys, "population", "healthy", "--n", "4", "--vary", "gfr=60:100", "--out", folder)
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "exists and is not empty" in err and "--force" in err
    assert (folder / "notes.txt").read_text() == "mine"


def test_sensitivity_bad_output_exits_2(capsys):
    status, _, err = run_cli(capsys, "sensitivity", "healthy", "--vary", "gfr=60:100", "--output", "phosphat@30")
    assert status == 2 and len(err.strip().splitlines()) == 1 and "did you mean 'phosphate'" in err


# --- one chunk, in process: one batch call, the same values as each patient alone -----------------

def test_a_chunk_is_one_batch_call_and_matches_each_patient_alone(monkeypatch):
    from homeostasis.numerics import batch
    from homeostasis.population.execution import PatientRuns
    from homeostasis.simulation import Simulation

    sizes = []
    real = batch.simulate_many
    monkeypatch.setattr(batch, "simulate_many", lambda prepared, vectors, *a, **k: sizes.append(len(vectors))
                        or real(prepared, vectors, *a, **k))
    variables, interventions = ("ca_total", "pth", "phosphate"), ("phosphate-load@2",)
    task = PatientRuns("healthy", 30.0, 3.0, variables, interventions)
    settings = [{"gfr": 60.0, "ca_intake": 20.0}, {"gfr": 90.0, "ca_intake": 25.0}, {"gfr": -5.0},
                {"gfr": 120.0, "ca_intake": 30.0}]
    columns, statuses = task.run(list(enumerate(settings)))
    assert sizes == [3], "the three valid patients run in one batch call"
    assert [status for _, status, _, _ in statuses] == ["ok", "ok", "failed", "ok"]
    assert "gfr" in statuses[2][2]
    table = pd.DataFrame(columns)
    for patient in (0, 1, 3):
        alone = Simulation("healthy", parameters=settings[patient], interventions=list(interventions)).solve(
            days=30.0, step=3.0, solver="scipy")
        for name in variables:
            got = table[(table["patient"] == patient) & (table["variable"] == name)]
            assert_allclose(got["time_days"], alone.times, rtol=0, atol=1e-12)
            assert_allclose(got["value"], alone[name], rtol=1e-5)
            assert set(got["unit"]) == {alone.unit(name)}


# --- populations on a two-worker LocalCluster ---------------------------------------------------

def test_population_runs_every_patient_with_its_own_values(client, tmp_path):
    result = population("healthy", n=24, vary=VARY, days=60, variables=("gfr", "ca_total", "ca_x_p"),
                        client=client, out=tmp_path / "run", chunk_size=5, seed=4)
    patients = result.patients
    assert list(patients["patient"]) == list(range(24)) and set(patients["status"]) == {"ok"}
    assert list(result.results.columns) == ["patient", "time_days", "variable", "value", "unit"]
    final = result.results[(result.results["variable"] == "gfr") & (result.results["time_days"] == 60)]
    assert_allclose(final.sort_values("patient")["value"].to_numpy(), patients["gfr"].to_numpy(), rtol=1e-9)
    assert patients["gfr"].between(60, 120).all() and patients["ca_intake"].between(15, 35).all()
    assert len(list((tmp_path / "run" / "results").glob("chunk-*.parquet"))) == 5


def test_same_seed_gives_identical_parquet_contents(client, tmp_path):
    runs = [population("healthy", n=20, vary=VARY, days=30, variables=("ca_total", "pth"), client=client,
                       out=tmp_path / f"run{i}", chunk_size=4, seed=11) for i in range(2)]
    first, second = (load_population(tmp_path / f"run{i}") for i in range(2))
    pd.testing.assert_frame_equal(first.results, second.results, check_exact=True)
    pd.testing.assert_frame_equal(first.patients.drop(columns="seconds"), second.patients.drop(columns="seconds"),
                                  check_exact=True)
    other = population("healthy", n=20, vary=VARY, days=30, variables=("ca_total", "pth"), client=client,
                       chunk_size=4, seed=12)
    assert not np.allclose(other.patients["gfr"], runs[0].patients["gfr"])


def test_a_failing_patient_is_recorded_and_the_run_goes_on(client, tmp_path):
    path = scenario_file(tmp_path)
    result = population(path, n=16, vary={"fail": (0.0, 1.0)}, days=30, variables=("ca_total",), client=client,
                        out=tmp_path / "run", chunk_size=4, seed=5)
    patients = result.patients
    failed = patients[patients["status"] == "failed"]
    assert_allclose(len(failed), (patients["fail"] > 0.5).sum())
    assert 0 < len(failed) < 16
    assert failed["error"].str.contains("RuntimeError: integration refused on purpose").all()
    assert set(result.results["patient"]) == set(patients.loc[patients["status"] == "ok", "patient"])
    assert f"{len(failed)} failed" in result.summary()


def test_an_interrupted_run_resumes_without_recomputing(client, tmp_path):
    folder = tmp_path / "run"
    arguments = dict(n=30, vary=VARY, days=30, variables=("ca_total", "phosphate"), client=client, out=folder,
                     chunk_size=5, seed=8)
    complete = population(**arguments)
    reference = complete.results.copy()
    # an interrupted run is one whose last chunks were never written
    for name in ("chunk-00002.parquet", "chunk-00005.parquet"):
        (folder / "patients" / name).unlink()
        (folder / "results" / name).unlink()
    kept = chunk_files(folder)
    resumed = population(**arguments)
    after = chunk_files(folder)
    assert all(after[name] == stamp for name, stamp in kept.items())  # nothing finished was rewritten
    assert len(after) == len(kept) + 4
    assert list(resumed.patients["patient"]) == list(range(30))
    pd.testing.assert_frame_equal(resumed.results, reference, check_exact=True)
    with pytest.raises(homeostasis.errors.OutputExistsError, match="differs in: seed"):
        population(**{**arguments, "seed": 9})


def test_summaries_bands_crossings_and_the_plot_command(client, tmp_path, capsys):
    folder = tmp_path / "ckd"
    result = population("ckd", n=16, vary={"gfr_final": (5.0, 12.0), "phosphate_intake": (40.0, 130.0)},
                        parameters={"years": 1.0}, days=365, client=client, out=folder, seed=3)
    bands = result.bands()
    assert (bands["p5"] <= bands["p50"]).all() and (bands["p50"] <= bands["p95"]).all()
    crossing = result.crossing()
    times, values = result.matrix("ca_x_p")
    expected = (values[:, -1] > 4.4).mean()
    last = crossing[(crossing["variable"] == "ca_x_p") & (crossing["time_days"] == times[-1])]
    assert_allclose(last["fraction"].iloc[0], expected)
    assert 0 < expected <= 1  # late CKD with a high phosphate intake crosses the calcification threshold
    table = result.final_table()
    assert_allclose(table.set_index("variable").loc["ca_x_p", "p50"], np.percentile(values[:, -1], 50))
    status, out, err = run_cli(capsys, "population-plot", folder, "--plot", tmp_path / "bands.png")
    assert status == 0, err
    assert (tmp_path / "bands.png").stat().st_size > 10_000 and "16 ok" in out


# --- global sensitivity -----------------------------------------------------------------------

def test_sobol_indices_of_the_ishigami_function(client):
    pi = np.pi
    result = sensitivity(ISHIGAMI, vary={"x1": (-pi, pi), "x2": (-pi, pi), "x3": (-pi, pi)}, output=None,
                         n=2048, client=client, seed=1)
    assert_allclose(result.frame["S1"], ISHIGAMI_S1, atol=0.05)
    assert_allclose(result.frame["ST"], ISHIGAMI_ST, atol=0.05)
    assert (result.frame["S1_conf"] > 0).all() and (result.frame["S1_conf"] < 0.1).all()


def test_an_output_that_depends_on_one_parameter_only(client):
    # the gfr observable is the gfr parameter in a healthy patient: all its variance is gfr's
    vary = {"gfr": (60.0, 120.0), "pth_half_life": (2.0, 4.0)}
    result = sensitivity("healthy", vary=vary, output="gfr@20", n=64, client=client, seed=2)
    indices = result.frame.set_index("parameter")
    assert_allclose(indices.loc["gfr", ["S1", "ST"]].to_numpy(float), [1.0, 1.0], atol=0.02)
    assert_allclose(indices.loc["pth_half_life", ["S1", "ST"]].to_numpy(float), [0.0, 0.0], atol=0.02)
    morris = sensitivity("healthy", vary=vary, output="gfr@20", method="morris", n=10, client=client, seed=2)
    effects = morris.frame.set_index("parameter")["mu_star"]
    assert_allclose(effects["gfr"], 60.0, rtol=1e-6)  # one unit of quantile is the whole 60 mL/min range
    assert_allclose(effects["pth_half_life"], 0.0, atol=1e-9)


# --- faults (slow: own clusters, subprocesses) ------------------------------------------------

@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_every_patient_is_present(tmp_path):
    from distributed import Client, LocalCluster

    path = scenario_file(tmp_path, delay=0.15, name="test-slow")
    folder = tmp_path / "run"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as active:
        outcome = {}

        def run():
            outcome["result"] = population(path, n=40, vary={"fail": (0.0, 0.4)}, days=10, variables=("ca_total",),
                                           client=active, out=folder, chunk_size=4, seed=1)

        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.time() + 60
        while not list((folder / "patients").glob("chunk-*.parquet")) and time.time() < deadline:
            time.sleep(0.05)
        pids = active.run(os.getpid)
        os.kill(next(iter(pids.values())), signal.SIGKILL)
        thread.join(120)
    patients = outcome["result"].patients
    assert list(patients["patient"]) == list(range(40)) and set(patients["status"]) == {"ok"}
    assert set(outcome["result"].results["patient"]) == set(range(40))


@pytest.mark.slow
def test_ctrl_c_keeps_finished_chunks_and_the_rerun_resumes(tmp_path):
    path = scenario_file(tmp_path, delay=0.1, name="test-slow")
    folder = tmp_path / "run"
    command = [sys.executable, "-m", "homeostasis.cli", "population", path, "--n", "60", "--vary", "fail=0:0.4",
               "--days", "10", "--variables", "ca_total", "--workers", "2", "--chunk-size", "4", "--out", str(folder)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 90
    while len(list((folder / "patients").glob("chunk-*.parquet"))) < 2 and time.time() < deadline:
        assert process.poll() is None, process.communicate()[1]
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "interrupted" in err
    kept = chunk_files(folder)
    assert 0 < len(kept) < 30 and not list(folder.rglob("*.part"))
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    after = chunk_files(folder)
    assert all(after[name] == stamp for name, stamp in kept.items())
    patients = load_population(folder).patients
    assert list(patients["patient"]) == list(range(60)) and set(patients["status"]) == {"ok"}


def test_the_commands_on_an_existing_scheduler(client, capsys, tmp_path):
    address = client.scheduler.address
    status, out, err = run_cli(capsys, "population", "healthy", "--n", "8", "--vary", "gfr=60:120:log", "--days", "20",
                               "--scheduler", address, "--out", tmp_path / "run")
    assert status == 0, err
    assert "8 ok" in out and "ca_x_p" in out
    status, out, err = run_cli(capsys, "population", "healthy", "--n", "8", "--vary", "gfr=60:120:log", "--days", "20",
                               "--scheduler", address, "--out", tmp_path / "run")
    assert status == 0 and "8 ok" in out  # the finished run is read back, not recomputed
    status, out, err = run_cli(capsys, "sensitivity", "healthy", "--vary", "gfr=60:120", "--vary", "ca_intake=15:35",
                               "--output", "gfr@10", "--n", "64", "--scheduler", address, "--out", tmp_path / "s.csv")
    assert status == 0, err
    table = pd.read_csv(tmp_path / "s.csv").set_index("parameter")
    assert_allclose(table.loc["gfr", "ST"], 1.0, atol=0.02)


def test_drawn_rows_are_validated_as_one_array_with_the_reasons_of_each_row():
    """validation_errors (one parameter set for the scenario, rows as an array) gives the same
    reasons as validating each patient's settings on its own, over fixed settings too."""
    from homeostasis.population.sampling import validation_error, validation_errors

    scenario = load_scenario("healthy")
    rng = np.random.default_rng(5)
    names = ("dct_pth_half", "gfr")
    rows = np.column_stack([rng.uniform(0.5, 3.0, 200), rng.uniform(20.0, 130.0, 200)])
    rows[3, 1] = 500.0
    fixed = {"phosphate_intake": 40.0}
    each = [validation_error(scenario, {**fixed, **dict(zip(names, row.tolist()))}) for row in rows]
    assert validation_errors(scenario, names, rows, fixed) == each
    assert each[3].startswith("gfr: expected a value in [") and 0 < sum(e is not None for e in each) < len(rows)
