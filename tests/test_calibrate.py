"""Joint calibration against atlas records: a known answer, the result files, the command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import homeostasis as h
from homeostasis.atlas.calibrate import _Objective, _prior, calibrate, row_residuals
from homeostasis.cli import main
from test_atlas import record, write_record

TRUE_HALF = 8.0  # hydroxylase_pth_half used to make the synthetic data (default differs)


@pytest.fixture(scope="module")
def synthetic_atlas(tmp_path_factory):
    """Two records made by the model itself with hydroxylase_pth_half = TRUE_HALF: a PTH
    infusion and a calcium clamp (calcitriol responds to PTH through that half-saturation)."""
    folder = tmp_path_factory.mktemp("records")
    for stem, intervention in (("infusion", "pth-infusion@0:pmol_per_hour=300,hours=48"),
                               ("clamp", "calcium-clamp@0:delta_ionized=-0.1,hours=48")):
        result = h.simulate("healthy", times=[0.0, 1.0, 2.0], parameters={"hydroxylase_pth_half": TRUE_HALF},
                            interventions=[intervention])
        rows = "".join(f"{t:g},calcitriol,absolute,{v:.6g},pmol/L,1.0,sem,,,,synthetic\n"
                       for t, v in zip(result.times[1:], result["calcitriol"][1:]))
        toml, csv = record(id=stem, rule="within", days=2.0, interventions=f'"{intervention}"', rows=rows)
        write_record(folder, stem, toml, csv.split("\n", 1)[0] + "\n" + rows)
    return folder


def test_calibration_recovers_a_known_half_saturation(synthetic_atlas):
    result = calibrate(estimate=["hydroxylase_pth_half"], directory=synthetic_atlas, max_evaluations=20, workers=1,
                       prior_factor=None)
    assert set(result.experiments) == {"infusion", "clamp"}
    assert_allclose(result.estimates["hydroxylase_pth_half"], TRUE_HALF, rtol=0.02)
    assert result.objective_after < 1e-2 * result.objective_before
    assert result.lower["hydroxylase_pth_half"] < TRUE_HALF < result.upper["hydroxylase_pth_half"]
    assert_allclose(result.residuals["residual"], 0.0, atol=0.2)


def test_results_are_written_with_the_experiments_named(synthetic_atlas, tmp_path):
    result = calibrate(estimate=["hydroxylase_pth_half"], directory=synthetic_atlas, max_evaluations=3, workers=1,
                       split=None, prior_widths={"hydroxylase_pth_half": 0.2})
    folder = result.write(tmp_path / "out")
    payload = json.loads((folder / "estimates.json").read_text())
    settings = payload["settings"]
    assert settings["split"] is None and settings["splits"] == ["calibration"]  # the synthetic records' one split
    prior = settings["prior"]["hydroxylase_pth_half"]
    assert_allclose([prior["centre"], prior["relative_width"], prior["log_sd"]],
                    [h.ParameterSet.default()["hydroxylase_pth_half"], 0.2, np.log(1.2)], rtol=1e-12)
    assert settings["prior_widths"] == {"hydroxylase_pth_half": 0.2} and settings["records"] == str(synthetic_atlas)
    assert payload["experiments"] == ["clamp", "infusion"] or sorted(payload["experiments"]) == ["clamp", "infusion"]
    table = pd.read_csv(folder / "parameters.csv")
    row = table[table["name"] == "hydroxylase_pth_half"].iloc[0]
    assert "calibrated jointly to atlas experiments" in row["source"] and "infusion" in row["source"]
    assert_allclose(row["value"], payload["estimates"]["hydroxylase_pth_half"], rtol=1e-12)
    with pytest.raises(h.HomeostasisError, match="not empty"):
        result.write(folder)


def test_a_tight_prior_holds_the_estimate_near_its_sourced_value(synthetic_atlas):
    start = h.ParameterSet.default()["hydroxylase_pth_half"]
    loose = calibrate(estimate=["hydroxylase_pth_half"], directory=synthetic_atlas, max_evaluations=20, workers=1,
                      prior_factor=2.0)
    tight = calibrate(estimate=["hydroxylase_pth_half"], directory=synthetic_atlas, max_evaluations=20, workers=1,
                      prior_factor=1.0001)
    assert abs(np.log(tight.estimates["hydroxylase_pth_half"] / start)) < 0.05 * abs(np.log(TRUE_HALF / start))
    assert abs(np.log(loose.estimates["hydroxylase_pth_half"] / TRUE_HALF)) < 0.5 * abs(np.log(TRUE_HALF / start))
    assert tight.settings["prior_factor"] == pytest.approx(1.0001)
    robust = calibrate(estimate=["hydroxylase_pth_half"], directory=synthetic_atlas, max_evaluations=20, workers=1,
                       prior_factor=None, loss="soft_l1")
    assert_allclose(robust.estimates["hydroxylase_pth_half"], TRUE_HALF, rtol=0.02)  # exact data: same optimum
    assert robust.settings["loss"] == "soft_l1"
    with pytest.raises(h.HomeostasisError, match="loss: expected one of"):
        calibrate(estimate=["hydroxylase_pth_half"], directory=synthetic_atlas, loss="l2", workers=1)
    with pytest.raises(h.HomeostasisError, match="prior_factor: expected a number above 1"):
        calibrate(estimate=["hydroxylase_pth_half"], directory=synthetic_atlas, prior_factor=0.5, workers=1)


def test_a_prior_width_sets_that_parameters_prior_residual_only():
    start = {"a": 10.0, "b": 4.0, "c": 2.0}
    names = ("a", "b", "c")
    moved = np.log([10.0 * 1.2, 4.0 * 2.0, 2.0 * 1.5])  # a by its width 0.2, b by the factor 2, c by 1.5
    prior = _prior(start, names, 2.0, {"a": 0.2, "c": 0.5})
    assert_allclose(_Objective([], names, {}, prior).prior_residuals(moved), [1.0, 1.0, 1.0], rtol=1e-12)
    only_named = _prior(start, names, None, {"a": 0.2})  # no factor: the other parameters have no prior term
    assert_allclose(_Objective([], names, {}, only_named).prior_residuals(moved), [1.0], rtol=1e-12)
    assert _prior(start, names, None, {}) is None
    with pytest.raises(h.HomeostasisError, match="prior_widths: hydroxylase_pth_half: expected a relative one-SD "
                                                 r"width above 0 \(0.2 = 20 %\), got -0.1"):
        calibrate(estimate=["hydroxylase_pth_half"], prior_widths={"hydroxylase_pth_half": -0.1}, workers=1)


class Interrupt(Exception):
    pass


def interrupt_after(evaluations):
    def progress(done, objective, seconds):
        if done >= evaluations:
            raise Interrupt
    return progress


def test_an_interrupted_calibration_resumes_to_the_uninterrupted_result(synthetic_atlas, tmp_path):
    options = dict(estimate=["hydroxylase_pth_half", "hydroxylase_time_constant"], directory=synthetic_atlas,
                   max_evaluations=4, workers=1)
    whole = calibrate(**options)
    checkpoint = tmp_path / "checkpoint.json"
    with pytest.raises(Interrupt):
        calibrate(**options, checkpoint=checkpoint, progress=interrupt_after(5))
    kept = len(json.loads(checkpoint.read_text(encoding="utf-8"))["points"])
    assert kept >= 5
    with pytest.raises(h.HomeostasisError, match="prior differ"):
        calibrate(**options, checkpoint=checkpoint, prior_widths={"hydroxylase_pth_half": 0.2})
    resumed = calibrate(**options, checkpoint=checkpoint)
    assert resumed.settings["replayed"] == kept
    assert resumed.settings["evaluations"] == whole.settings["evaluations"] - kept
    for name, value in whole.estimates.items():
        assert_allclose(resumed.estimates[name], value, rtol=1e-12)
    assert_allclose(resumed.objective_after, whole.objective_after, rtol=1e-12)


def test_a_checkpoint_of_another_calibration_is_refused(synthetic_atlas, tmp_path):
    checkpoint = tmp_path / "checkpoint.json"
    calibrate(estimate=["hydroxylase_pth_half"], directory=synthetic_atlas, max_evaluations=1, workers=1,
              checkpoint=checkpoint)
    with pytest.raises(h.HomeostasisError, match="different calibration"):
        calibrate(estimate=["hydroxylase_time_constant"], directory=synthetic_atlas, max_evaluations=1, workers=1,
                  checkpoint=checkpoint)
    checkpoint.write_text("{not json", encoding="utf-8")
    with pytest.raises(h.HomeostasisError, match="not a readable calibration checkpoint"):
        calibrate(estimate=["hydroxylase_pth_half"], directory=synthetic_atlas, max_evaluations=1, workers=1,
                  checkpoint=checkpoint)


@pytest.mark.slow
def test_jacobian_columns_on_a_dask_cluster_give_the_in_process_result(synthetic_atlas):
    pytest.importorskip("distributed")
    options = dict(estimate=["hydroxylase_pth_half", "hydroxylase_time_constant"], directory=synthetic_atlas,
                   max_evaluations=3)
    here = calibrate(**options, workers=1)
    on_dask = calibrate(**options, workers=2)
    for name, value in here.estimates.items():
        assert_allclose(on_dask.estimates[name], value, rtol=1e-10)
    assert on_dask.settings["evaluations"] == here.settings["evaluations"]


def test_residual_weights_follow_the_acceptance_rules():
    frame = pd.DataFrame({"status": ["ok"] * 4 + ["error: x"], "rule": ["within", "band", "band", "direction", "within"],
                          "model": [2.5, 2.45, 2.7, -0.1, 1.0], "measured": [2.4, np.nan, np.nan, -0.4, 1.0],
                          "spread": [0.05, np.nan, np.nan, np.nan, 0.1], "low": [np.nan, 2.3, 2.3, np.nan, np.nan],
                          "high": [np.nan, 2.5, 2.5, np.nan, np.nan], "passed": [False, True, False, False, False]})
    assert_allclose(row_residuals(frame), [2.0, 0.0, 0.2 / 0.05, 0.3 / 0.1, 30.0])


def test_the_command_runs_end_to_end_on_a_packaged_subset(tmp_path, capsys):
    out = tmp_path / "calibration"
    status = main(["calibrate", "--estimate", "hydroxylase_pth_half", "--experiments",
                   "brent-1988-edta-infusion-pth-max", "--max-evaluations", "2", "--workers", "1",
                   "--split", "all", "--prior-width", "hydroxylase_pth_half=0.2", "--set", "hydroxylase_pth_half=5",
                   "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "objective" in captured.out and "experiments pass" in captured.out
    assert {p.name for p in out.iterdir()} == {"estimates.json", "residuals.csv", "scores.csv", "parameters.csv",
                                               "checkpoint.json"}
    payload = json.loads((out / "estimates.json").read_text())
    settings = payload["settings"]
    assert settings["split"] is None and settings["splits"] == ["calibration"]
    prior = settings["prior"]["hydroxylase_pth_half"]  # --set gives the start and the prior's centre
    assert_allclose([prior["relative_width"], prior["centre"], payload["start_values"]["hydroxylase_pth_half"]],
                    [0.2, 5.0, 5.0], rtol=1e-12)
    scores = pd.read_csv(out / "scores.csv")
    assert set(scores["when"]) == {"before", "after"} and set(scores["split"]) == {"calibration", "holdout"}


def test_the_command_resumes_an_interrupted_folder_and_guards_a_finished_one(tmp_path, capsys):
    out = tmp_path / "calibration"
    command = ["calibrate", "--estimate", "hydroxylase_pth_half", "--experiments",
               "brent-1988-edta-infusion-pth-max", "--max-evaluations", "1", "--workers", "1", "--out", str(out)]
    with pytest.raises(Interrupt):
        calibrate(estimate=["hydroxylase_pth_half"], experiments="brent-1988-edta-infusion-pth-max",
                  max_evaluations=1, workers=1, checkpoint=out / "checkpoint.json", progress=interrupt_after(1))
    assert main(command) == 0
    captured = capsys.readouterr()
    assert "resuming the calibration" in captured.err
    assert main(command) == 2
    assert "use --force" in capsys.readouterr().err
    assert main([*command, "--force"]) == 0


@pytest.mark.parametrize("arguments, fragment", [
    (["--workers", "0"], "workers"),
    (["--estimate", "hydroxylase_pth_hal"], "did you mean 'hydroxylase_pth_half'"),
    (["--estimate", "minutes_per_day"], "constant"),
    (["--experiments", "no-such-record"], "unknown experiment"),
    (["--multistart", "-1"], "non-negative"),
    (["--prior-width", "hydroxylase_pth_hal=0.2"], "did you mean 'hydroxylase_pth_half'"),
    (["--prior-width", "hydroxylase_pth_half=0"], "hydroxylase_pth_half: expected a relative one-SD width above 0"),
    (["--prior-width", "hydroxylase_pth_half=wide"], "hydroxylase_pth_half: expected a relative one-SD width"),
    (["--prior-width", "hydroxylase_pth_half"], "expected NAME=W"),
    (["--estimate", "hydroxylase_pth_half", "--prior-width", "tal_casr_half=0.2"], "tal_casr_half is not estimated"),
])
def test_bad_calibration_input_is_one_line(tmp_path, capsys, arguments, fragment):
    status = main(["calibrate", *arguments, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and fragment in err, err
    assert not (tmp_path / "out").exists()
