"""The validation atlas: record parsing and its errors, acceptance rules, unit conversions,
runs on the healthy scenario, the report and the ``validate`` command, and (slow) every
packaged experiment.

Run on its own: ``python -m pytest -q -o markers=slow tests/test_atlas.py`` (until ``slow`` is
registered in pyproject.toml).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import homeostasis as h
from homeostasis.atlas import Experiment, load_atlas, run_experiment, summary, validate, write_report
from homeostasis.cli.validate import add_parsers, run
from homeostasis.atlas.records import parse_experiment
from homeostasis.atlas.runner import accept, model_quantity, sem_of, unit_factor
from homeostasis.errors import HomeostasisError, UnknownNameError

FIXTURES = Path(__file__).parent / "data" / "atlas"

TOML = """\
id = "{id}"
title = "Synthetic total calcium in healthy adults"
mechanisms = ["healthy-reference"]
split = "calibration"
figure_read = false

[source]
authors = "Doe J, Roe R, Poe P"
journal = "Synthetic Test Journal"
year = 2020
pmid = "00000001"

[population]
n = 16
description = "synthetic"

[protocol]
scenario = "healthy"
settings = {{}}
interventions = [{interventions}]
start = "healthy"
days = {days}
baseline_day = 0.0
requires = [{requires}]

[acceptance]
rule = "{rule}"
k = 2.0
abs_tolerance = 0.0
min_fraction = 0.5
note = "synthetic"
"""
HEADER = "time_days,variable,quantity,value,unit,spread,spread_kind,n,low,high,note\n"
BAND_ROW = "1.0,ca_total,absolute,2.40,mmol/L,,none,,{low},{high},synthetic\n"


def record(*, id="synthetic", rule="band", days=1.0, interventions="", requires="", rows=None, low=2.3, high=2.5,
           **replace) -> tuple[str, str]:
    """TOML and CSV text of a synthetic record; ``replace`` swaps substrings of the TOML."""
    toml = TOML.format(id=id, rule=rule, days=days, interventions=interventions, requires=requires)
    for old, new in replace.items():
        toml = toml.replace(old.replace("__", " "), new)
    return toml, HEADER + (rows if rows is not None else BAND_ROW.format(low=low, high=high))


def experiment(**options) -> Experiment:
    toml, csv = record(**options)
    return parse_experiment(toml, csv, path=f"{options.get('id', 'synthetic')}.toml")


def write_record(folder: Path, stem: str, toml: str, csv: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.toml").write_text(toml)
    (folder / f"{stem}.csv").write_text(csv)


# ---------------------------------------------------------------- records

def test_fixture_records_load_with_their_fields():
    experiments = {e.id: e for e in load_atlas(FIXTURES)}
    assert sorted(experiments) == ["clamp-pth-ratio", "healthy-calcium-band", "supplement-missing"]
    band = experiments["healthy-calcium-band"]
    assert band.mechanisms == ("healthy-reference", "pth-secretion") and band.mechanism == "healthy-reference"
    assert band.split == "calibration" and band.figure_read is False
    assert band.citation == "Doe J et al. (2020) Synthetic Test Journal"
    assert band.protocol.scenario == "healthy" and band.acceptance.rule == "band"
    assert_allclose(band.protocol.days, 1.0)
    assert_allclose(band.measurements["low"], [2.3, 9.2])
    clamp = experiments["clamp-pth-ratio"]
    assert clamp.citation == "Doe J (2021) Synthetic Test Journal"
    assert clamp.protocol.interventions == ("calcium-clamp@0:delta_ionized=-0.2,hours=2",)
    assert_allclose(clamp.acceptance.min_fraction, 0.2)
    assert_allclose(clamp.acceptance.k, 2.0)  # default
    assert experiments["supplement-missing"].protocol.requires == ("calcium-supplement",)


def test_missing_folder_holds_no_records(tmp_path):
    assert load_atlas(tmp_path / "none") == []


MALFORMED = {
    "missing key": ({"title__=": "titel__="}, "missing key 'title'"),
    "unexpected protocol key": ({"days__=": "dayz__="}, "[protocol]: expected only the keys"),
    "missing protocol key": ({"days__=__1.0\n": ""}, "missing key '[protocol] days'"),
    "unknown rule": ({'rule = "band"': 'rule = "nearly"'}, "within, band, direction"),
    "unknown mechanism": ({'"healthy-reference"]': '"healthy-referense"]'}, "did you mean 'healthy-reference'"),
    "unknown split": ({'split = "calibration"': 'split = "training"'}, "calibration, holdout"),
    "no doi, pmid or url": ({'pmid = "00000001"': ""}, "[source]: expected a doi, pmid or url (a label), got none"),
    "bad start": ({'start = "healthy"': 'start = "cold"'}, "healthy, steady"),
    "bad intervention": ({"interventions = []": 'interventions = ["clamp"]'}, "NAME@DAY"),
    "figure_read not boolean": ({"figure_read = false": 'figure_read = "no"'}, "true or false"),
    "bad toml": ({"[source]": "[source"}, "valid TOML"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_toml_is_one_line_naming_the_file(tmp_path, case):
    replace, fragment = MALFORMED[case]
    toml, csv = record()
    for old, new in replace.items():
        assert old.replace("__", " ") in toml, case
        toml = toml.replace(old.replace("__", " "), new.replace("__", " "))
    write_record(tmp_path, "synthetic", toml, csv)
    with pytest.raises(HomeostasisError) as error:
        load_atlas(tmp_path)
    message = str(error.value)
    assert "\n" not in message and "synthetic.toml" in message and fragment in message, message


BAD_ROWS = {
    "unknown quantity": ("1.0,ca_total,level,2.4,mmol/L,,none,,2.3,2.5,x\n", "absolute, change"),
    "unknown spread_kind": ("1.0,ca_total,absolute,2.4,mmol/L,0.1,range,,2.3,2.5,x\n", "sd, sem, ci95, none"),
    "not a number": ("1.0,ca_total,absolute,2.4,mmol/L,,none,,low,2.5,x\n", "line 2 low"),
    "time after the run": ("4.0,ca_total,absolute,2.4,mmol/L,,none,,2.3,2.5,x\n", "time_days"),
    "band without limits": ("1.0,ca_total,absolute,2.4,mmol/L,,none,,,,x\n", "low <= high"),
    "ratio not in ratio": ("1.0,pth,ratio,2.0,%,,none,,1.5,2.5,x\n", "'ratio' for quantity ratio"),
    "unknown unit": ("1.0,ca_total,absolute,2.4,furlongs,,none,,2.3,2.5,x\n", "mg/dL"),
    "bad variable": ("1.0,Ca Total,absolute,2.4,mmol/L,,none,,2.3,2.5,x\n", "observable name"),
    "short row": ("1.0,ca_total,absolute\n", "11 cells"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_malformed_csv_is_one_line_naming_the_file(tmp_path, case):
    row, fragment = BAD_ROWS[case]
    toml, _ = record()
    write_record(tmp_path, "synthetic", toml, HEADER + row)
    with pytest.raises(HomeostasisError) as error:
        load_atlas(tmp_path)
    message = str(error.value)
    assert "\n" not in message and "synthetic.csv" in message and fragment in message, message


def test_record_file_errors(tmp_path):
    toml, csv = record(id="other-name")
    write_record(tmp_path / "stem", "synthetic", toml, csv)
    with pytest.raises(HomeostasisError, match=r"synthetic\.toml: id: expected the file stem 'synthetic'"):
        load_atlas(tmp_path / "stem")
    toml, csv = record()
    write_record(tmp_path / "header", "synthetic", toml, csv.replace("spread_kind", "spread_type"))
    with pytest.raises(HomeostasisError, match=r"synthetic\.csv: header: expected the columns"):
        load_atlas(tmp_path / "header")
    (tmp_path / "lonely").mkdir()
    (tmp_path / "lonely" / "synthetic.toml").write_text(toml)
    with pytest.raises(HomeostasisError, match=r"synthetic\.toml: expected a matching synthetic\.csv"):
        load_atlas(tmp_path / "lonely")
    with pytest.raises(HomeostasisError, match=r"rule direction"):
        experiment(rule="direction", rows="1.0,pth,absolute,4.0,pmol/L,0.5,sem,,,,x\n")
    no_n = record(rows="1.0,pth,change,1.0,pmol/L,0.5,sd,,,,x\n", rule="within")
    with pytest.raises(HomeostasisError, match=r"line 2 n: expected the number of subjects"):
        parse_experiment(no_n[0].replace("n = 16\n", ""), no_n[1], path="synthetic.toml")


# ---------------------------------------------------------------- rules and units

def test_sem_from_each_spread_kind():
    assert_allclose(sem_of(2.0, "sd", 16), 0.5)
    assert_allclose(sem_of(0.3, "sem", 16), 0.3)
    assert_allclose(sem_of(1.96, "ci95", 16), 1.0)
    assert_allclose(sem_of(5.0, "none", 16), 0.0)


def test_within_rule():
    assert accept("within", 2.45, measured=2.40, sem=0.03, k=2.0)  # 0.05 <= 0.06
    assert not accept("within", 2.47, measured=2.40, sem=0.03, k=2.0)  # 0.07 > 0.06
    assert accept("within", 2.47, measured=2.40, sem=0.03, k=2.0, abs_tolerance=0.02)
    assert not accept("within", math.nan, measured=2.40, sem=1.0)


def test_band_rule():
    assert accept("band", 2.40, low=2.3, high=2.5)
    assert accept("band", 2.30, low=2.3, high=2.5)
    assert not accept("band", 2.51, low=2.3, high=2.5)


def test_direction_rule():
    assert accept("direction", -0.6, measured=-1.0, min_fraction=0.5)
    assert not accept("direction", -0.4, measured=-1.0, min_fraction=0.5)
    assert not accept("direction", 0.8, measured=-1.0, min_fraction=0.5)
    assert accept("direction", 1.6, measured=2.0, min_fraction=0.5, quantity="ratio")  # 0.6 >= 0.5 x 1.0
    assert not accept("direction", 0.9, measured=2.0, min_fraction=0.5, quantity="ratio")


def test_model_quantities_relative_to_baseline():
    assert_allclose(model_quantity([2.0, 3.0], 2.0, "absolute"), [2.0, 3.0])
    assert_allclose(model_quantity([2.0, 3.0], 2.0, "change"), [0.0, 1.0])
    assert_allclose(model_quantity([2.0, 3.0], 2.0, "ratio"), [1.0, 1.5])
    assert_allclose(model_quantity([2.0, 3.0], 2.0, "percent_change"), [0.0, 50.0])


@pytest.mark.parametrize(("variable", "value", "unit", "model_unit", "expected"), [
    ("ca_total", 10.0, "mg/dL", "mmol/L", 2.495),
    ("ca_ionized", 5.0, "mg/dL", "mmol/L", 1.2476),
    ("phosphate", 3.1, "mg/dL", "mmol/L", 1.0009),
    ("pth", 40.0, "pg/mL", "pmol/L", 4.244),
    ("pth", 40.0, "ng/L", "pmol/L", 4.244),
    ("calcitriol", 40.0, "pg/mL", "pmol/L", 96.0),
    ("calcidiol", 30.0, "ng/mL", "nmol/L", 74.89),
    ("urine_ca", 200.0, "mg/day", "mmol/day", 4.990),
    ("urine_phosphate", 800.0, "mg/day", "mmol/day", 25.83),
    ("fgf23", 50.0, "pg/mL", "pg/mL", 50.0),
    ("fgf23", 50.0, "ng/L", "pg/mL", 50.0),
    ("fe_phosphate", 12.0, "%", "fraction", 0.12),
    ("ca_total", 2.4, "mmol/L", "mmol/L", 2.4),
])
def test_unit_conversions(variable, value, unit, model_unit, expected):
    assert_allclose(value * unit_factor(variable, unit, model_unit), expected, rtol=5e-4)


def test_unit_that_does_not_suit_the_variable():
    with pytest.raises(HomeostasisError, match=r"ca_total: expected a unit convertible to mmol/L, got 'ng/mL'"):
        unit_factor("ca_total", "ng/mL", "mmol/L")


# ---------------------------------------------------------------- running

def test_band_on_the_healthy_scenario_passes_and_fails():
    good = run_experiment(experiment())
    assert list(good["status"]) == ["ok"] and bool(good["passed"].all())
    assert_allclose(good["model"], [2.40], atol=1e-6)
    assert good["unit"].iloc[0] == "mmol/L" and good["source"].iloc[0] == "Doe J et al. (2020) Synthetic Test Journal"
    bad = run_experiment(experiment(low=3.0, high=3.2))
    assert list(bad["status"]) == ["FAIL"] and not bad["passed"].any()
    course = good.attrs["time_courses"]["synthetic"]
    assert 1.0 in course["time_days"] and course["units"] == {"ca_total": "mmol/L"}


def test_passed_is_per_row_and_status_per_experiment():
    rows = "1.0,ca_total,absolute,2.4,mmol/L,,none,,2.3,2.5,x\n1.0,phosphate,absolute,2.0,mmol/L,,none,,1.9,2.1,x\n"
    frame = run_experiment(experiment(rows=rows))
    assert list(frame["passed"]) == [True, False] and list(frame["status"]) == ["FAIL", "FAIL"]


def test_measurements_in_clinical_units_are_converted():
    rows = ("0.5,ca_total,absolute,9.6,mg/dL,0.2,sd,16,,,x\n"
            "0.5,pth,absolute,33.0,pg/mL,4.0,sem,,,,x\n")
    frame = run_experiment(experiment(rule="within", rows=rows))
    assert_allclose(frame["measured"], [9.6 * 0.24951, 33.0 * 0.10610], rtol=1e-3)
    assert_allclose(frame["spread"], [0.05 * 0.24951, 4.0 * 0.10610], rtol=1e-3)
    assert list(frame["unit"]) == ["mmol/L", "pmol/L"]
    assert_allclose(frame["model"], [2.40, 3.5], rtol=1e-4)
    assert list(frame["status"]) == ["ok", "ok"]


def test_ratio_matches_the_public_simulation():
    rows = "0.0833333,pth,ratio,2.0,ratio,0.3,sd,9,,,x\n"
    chosen = experiment(rule="direction", days=0.25, rows=rows,
                        interventions='"calcium-clamp@0:delta_ionized=-0.2,hours=2"')
    frame = run_experiment(chosen)
    result = h.simulate("healthy", times=[0.0, 0.0833333],
                        interventions=["calcium-clamp@0:delta_ionized=-0.2,hours=2"])
    assert_allclose(frame["model"], [result["pth"][-1] / result["pth"][0]], rtol=1e-4)
    assert frame["model"].iloc[0] > 1.5 and frame["status"].iloc[0] == "ok"
    assert_allclose(frame["spread"], [0.1])  # sd 0.3 over sqrt(9)


def test_unknown_intervention_is_missing_not_an_error():
    # an intervention the catalogue does not have (earlier examples, calcium-supplement and
    # teriparatide, now exist)
    frame = run_experiment(experiment(interventions='"vitamin-k2@0:dose_ug=180"', requires='"vitamin-k2"'))
    assert list(frame["status"]) == ["missing: vitamin-k2"]
    assert not frame["passed"].any() and np.isnan(frame["model"]).all()


def test_required_mechanism_the_package_lacks_is_missing_even_when_it_runs():
    frame = run_experiment(experiment(requires='"skull-remodelling"'))
    assert list(frame["status"]) == ["missing: skull-remodelling"] and not frame["passed"].any()
    future = run_experiment(experiment(rows="1.0,bmd_skull,percent_change,-1.0,%,0.5,sem,,-2,0,x\n"))
    assert list(future["status"]) == ["missing: bmd_skull"]


def test_solver_or_value_errors_are_reported_and_the_run_goes_on(tmp_path):
    toml, csv = record(id="broken")
    write_record(tmp_path, "broken", toml.replace("settings = {}", "settings = { gfr = -5.0 }"), csv)
    write_record(tmp_path, "synthetic", *record())
    frame = validate(directory=tmp_path, progress=False)
    status = dict(zip(frame["id"], frame["status"]))
    assert status["broken"].startswith("error: ") and "\n" not in status["broken"]
    assert status["synthetic"] == "ok"


def test_validate_selects_and_scores():
    frame = validate(directory=FIXTURES, progress=False)
    assert set(frame["id"]) == {"clamp-pth-ratio", "healthy-calcium-band", "supplement-missing"}
    assert frame.attrs["homeostasis_version"] == h.__version__
    assert set(frame.attrs["time_courses"]) == {"clamp-pth-ratio", "healthy-calcium-band"}
    for column in ("id", "title", "source", "mechanism", "mechanisms", "split", "time_days", "variable", "quantity",
                   "unit", "measured", "spread", "low", "high", "model", "passed", "status"):
        assert column in frame.columns
    scores = summary(frame).set_index(["group", "name"])
    assert set(frame.attrs["time_courses"]) == {"clamp-pth-ratio", "healthy-calcium-band"}  # kept by summary
    assert scores.loc[("all", "all"), "score"] == "2/3"
    assert scores.loc[("split", "holdout"), "score"] == "1/2"
    assert scores.loc[("split", "holdout"), "missing"] == 1
    assert scores.loc[("split", "holdout, independent"), "score"] == "1/2"  # no parameter cites the fixtures
    assert scores.loc[("mechanism", "calcium-clamp"), "passed"] == 1
    assert set(validate(directory=FIXTURES, split="holdout", progress=False)["id"]) == {"clamp-pth-ratio",
                                                                                     "supplement-missing"}
    assert set(validate(directory=FIXTURES, tag="pth-secretion", progress=False)["id"]) == {
        "clamp-pth-ratio", "healthy-calcium-band"}
    assert set(validate(directory=FIXTURES, only="clamp-pth-ratio", progress=False)["id"]) == {"clamp-pth-ratio"}
    with pytest.raises(UnknownNameError, match="did you mean 'clamp-pth-ratio'"):
        validate(directory=FIXTURES, only=["clamp-pth-rato"])
    with pytest.raises(UnknownNameError, match="did you mean 'pth-secretion'"):
        validate(directory=FIXTURES, tag="pth-secrtion")


def test_progress_callable_is_called_per_experiment():
    calls = []
    validate(directory=FIXTURES, progress=lambda done, total, name: calls.append((done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


# ---------------------------------------------------------------- report and command

@pytest.fixture(scope="module")
def fixture_frame():
    return validate(directory=FIXTURES, progress=False)


def test_report_is_self_contained_and_refuses_to_overwrite(tmp_path, fixture_frame):
    folder = tmp_path / "report"
    write_report(fixture_frame, folder)
    for name in ("index.md", "index.html", "figures/clamp-pth-ratio.png", "figures/healthy-calcium-band.png",
                 "figures/supplement-missing.png"):
        assert (folder / name).stat().st_size > 0, name
    page = (folder / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 3 and "http" not in page
    index = (folder / "index.md").read_text()
    assert "2/3" in index and "figures/clamp-pth-ratio.png" in index and "| holdout | 1/2 |" in index
    assert (folder / "figures" / "clamp-pth-ratio.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(folder.rglob("*.tmp"))
    with pytest.raises(HomeostasisError, match="expected a new or empty directory"):
        write_report(fixture_frame, folder)
    write_report(fixture_frame, folder, force=True)


def test_validate_command_prints_a_line_per_experiment_and_the_score(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="homeostasis")
    add_parsers(parser.add_subparsers(dest="command"))
    arguments = parser.parse_args(["validate", "--records", str(FIXTURES), "--report", str(tmp_path / "r")])
    assert run(arguments) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2] == "atlas: 2/3 experiments pass"
    assert lines[-1] == "splits: calibration 1/1, holdout 1/2 (independent of every calibrated value 1/2)"
    assert lines[0].startswith("ok ") and "clamp-pth-ratio  pth: model" in lines[0]
    assert lines[2].startswith("missing ") and "calcium-supplement" in lines[2]
    assert (tmp_path / "r" / "index.html").exists()
    failing = tmp_path / "failing"
    write_record(failing, "synthetic", *record(low=3.0, high=3.2))
    assert run(argparse.Namespace(only=None, tag=None, split=None, report=None, directory=str(failing))) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("FAIL ") and "ca_total: model 2.4 vs measured [3, 3.2] mmol/L (day 1)" in out[0]
    assert out[-2] == "atlas: 0/1 experiments pass"
    with pytest.raises(UnknownNameError):
        run(parser.parse_args(["validate", "--records", str(FIXTURES), "--tag", "nope"]))


def test_validate_command_builds_the_experiment_table_once(capsys, monkeypatch):
    from homeostasis.atlas import runner

    built = []
    original = runner.experiment_table
    monkeypatch.setattr(runner, "experiment_table", lambda frame: built.append(len(frame)) or original(frame))
    run(argparse.Namespace(only=None, tag=None, split=None, report=None, directory=str(FIXTURES)))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(built) == 1, built  # the score line and the splits line share one table
    assert out[-2:] == ["atlas: 2/3 experiments pass",
                        "splits: calibration 1/1, holdout 1/2 (independent of every calibrated value 1/2)"]


# ---------------------------------------------------------------- every packaged experiment

def _packaged():
    """One parameter per packaged record; a skip when there are none, a failure when they do not load."""
    try:
        experiments = load_atlas()
    except HomeostasisError as error:
        return [pytest.param(error, id="load-atlas")]
    if not experiments:
        return [pytest.param(None, id="empty", marks=pytest.mark.skip(reason="no packaged atlas records yet"))]
    params = []
    for chosen in experiments:
        marks = []
        if chosen.protocol.requires:
            marks.append(pytest.mark.xfail(strict=True, reason="missing mechanism: "
                                           + ", ".join(chosen.protocol.requires)))
        elif chosen.acceptance.known_failure:  # runs, but the model lacks a mechanism to reproduce it
            marks.append(pytest.mark.xfail(strict=True, reason="known failure: " + chosen.acceptance.known_failure))
        params.append(pytest.param(chosen, id=chosen.id, marks=marks))
    return params


@pytest.mark.slow
@pytest.mark.parametrize("chosen", _packaged())
def test_packaged_experiment_passes(chosen):
    if isinstance(chosen, HomeostasisError):
        raise chosen
    frame = run_experiment(chosen)
    failing = frame[~frame["passed"]]
    shown = "; ".join(f"{r.variable} day {r.time_days:g}: model {r.model:.4g} vs "
                      + (f"[{r.low:.4g}, {r.high:.4g}]" if r.rule == "band" else f"{r.measured:.4g}") + f" {r.unit}"
                      for r in failing.itertuples())
    assert frame["status"].iloc[0] == "ok", f"{frame['status'].iloc[0]}: {shown}"


def test_an_empty_atlas_gives_an_empty_table_and_report(tmp_path, capsys):
    frame = validate(directory=tmp_path / "none", progress=False)
    assert frame.empty and "status" in frame.columns
    assert summary(frame).set_index("group").loc["all", "score"] == "0/0"
    write_report(frame, tmp_path / "report")
    assert "0/0 experiments pass" in (tmp_path / "report" / "index.md").read_text()
    assert run(argparse.Namespace(only=None, tag=None, split=None, report=None, directory=str(tmp_path))) == 0
    assert capsys.readouterr().out.strip() == "atlas: 0/0 experiments pass"


def test_importing_the_atlas_does_not_import_matplotlib():
    code = ("import sys, homeostasis.atlas, homeostasis.cli.validate; "
            "print(any(m.startswith('matplotlib') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert out.stdout.strip() == "False"


def test_a_held_back_record_whose_paper_calibrated_a_parameter_is_not_counted_as_independent():
    """A held-back record is an independent test only while no parameter was calibrated with its
    paper: calibration_uses reads the parameter sources (the record's id, or its first author and
    year, in a row that says it was calibrated)."""
    from homeostasis.atlas.records import calibration_uses, load_atlas

    atlas = {e.id: e for e in load_atlas()}
    # rubin-2008 radius set cortical_pth_resorption_emax (2026-11-30); stremke-2022 is cited by id
    assert "cortical_pth_resorption_emax" in calibration_uses(atlas["rubin-2008-phpt-15-year-bmd"])
    assert "reference_phosphate_cell_exchange" in calibration_uses(atlas["stremke-2022-postdialysis-phosphate-rebound"])
    assert calibration_uses(atlas["muntner-2009-nhanes-pth-by-egfr"]) == ()
