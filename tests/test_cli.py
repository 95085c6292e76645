"""The command line, run in-process through ``homeostasis.cli.main``."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import homeostasis
from homeostasis.cli import main
from homeostasis.numerics.cache import compile_model
from homeostasis.model import build_model
from homeostasis.reference_ranges import COMPARISON_COLUMNS, flag, reference_range, reference_ranges
from helpers import run_cli

FRAME_COLUMNS = ["scenario", "time_days", "variable", "value", "unit"]


def assert_one_line_error(status, out, err, *fragments):
    assert status == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err


# --- list, parameters, equations -------------------------------------------------------------

def test_list_names_every_scenario_with_its_summary(capsys):
    status, out, _ = run_cli(capsys, "list")
    assert status == 0
    lines = out.splitlines()
    for name, scenario in homeostasis.available_scenarios().items():
        assert any(line.startswith(name) and scenario.summary in line for line in lines)


def test_parameters_csv_lists_every_parameter_with_its_value(capsys):
    status, out, _ = run_cli(capsys, "parameters", "--format", "csv")
    assert status == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["name", "value", "unit", "lower", "upper", "kind", "meaning", "source"]
    defaults = homeostasis.ParameterSet.default().as_dict()
    assert list(table["name"]) == list(defaults)
    assert_allclose(table["value"].to_numpy(), list(defaults.values()), rtol=1e-12)


def test_parameters_table_shows_meaning_and_source(capsys):
    status, out, _ = run_cli(capsys, "parameters")
    assert status == 0
    info = homeostasis.parameter_table()["gfr"]
    line = next(line for line in out.splitlines() if line.startswith("gfr "))
    assert info.meaning in line and info.source in line and info.unit in line


def test_equations_give_every_state_balance_and_every_flux(capsys):
    status, out, _ = run_cli(capsys, "equations")
    assert status == 0
    model = build_model()
    for state in model.states:
        assert f"d {state.name}/dt = " in out
    for process in model.processes:
        assert f"{process.name} [{process.unit}]" in out
    assert "d ca_gut_lumen/dt = ca_intake + ca_gut_secretion - ca_transcellular_absorption" in out


def test_equations_in_latex(capsys):
    status, out, _ = run_cli(capsys, "equations", "--latex")
    assert status == 0
    assert r"\frac{d\,\mathrm{ca\_ecf}}{dt}" in out
    assert out.count(r"\[") == out.count(r"\]") > len(build_model().processes)


# --- run --------------------------------------------------------------------------------------

def test_run_writes_the_tidy_csv(tmp_path, capsys):
    out_file = tmp_path / "healthy.csv"
    status, out, _ = run_cli(capsys, "run", "healthy", "--days", 10, "--step", 1, "--out", out_file)
    assert status == 0
    assert str(out_file) in out
    table = pd.read_csv(out_file)
    assert list(table.columns) == FRAME_COLUMNS
    assert set(table["variable"]) == set(compile_model().observable_names)
    calcium = table[table["variable"] == "ca_total"]
    assert_allclose(calcium["time_days"].to_numpy(), np.arange(11.0))
    # the healthy state is an exact steady state, so the run stays at it
    expected = homeostasis.steady_state("healthy")["ca_total"]
    assert_allclose(calcium["value"].to_numpy(), expected, rtol=1e-6)


def test_run_applies_set_values_like_the_python_api(tmp_path, capsys):
    out_file = tmp_path / "low_gfr.csv"
    status, _, _ = run_cli(capsys, "run", "healthy", "--days", 30, "--set", "gfr=40", "--out", out_file)
    assert status == 0
    table = pd.read_csv(out_file)
    expected = homeostasis.simulate("healthy", days=30, parameters={"gfr": 40}).to_frame()
    assert_allclose(table["value"].to_numpy(), expected["value"].to_numpy(), rtol=1e-9, atol=1e-12)


def test_run_without_out_prints_final_values_with_flags(capsys):
    status, out, _ = run_cli(capsys, "run", "healthy", "--days", 20, "--set", "gfr=30")
    assert status == 0
    assert "day 20" in out
    gfr_line = next(line for line in out.splitlines() if " gfr " in line)
    assert gfr_line.split()[-1] == "low"
    assert "ca_total" in out and "pth" in out


BONE_DRUGS = ("teriparatide", "abaloparatide", "pth-1-84", "denosumab", "zoledronate", "alendronate", "romosozumab")
BONE_OBSERVABLES = ("bmd_lumbar_spine", "bmd_total_hip", "bmd_total_body", "ctx", "p1np", "bone_ca_balance",
                    "bone_formation", "bone_resorption")


def final_values(out) -> dict:
    """``{variable: value}`` from the table ``run`` (without ``--out``) and ``steady-state`` print."""
    rows = [line.split() for line in out.splitlines()]
    return {row[1]: float(row[2]) for row in rows
            if len(row) >= 4 and not row[0].endswith(":") and row[1] != "variable"}


@pytest.mark.parametrize("drug", BONE_DRUGS)
def test_every_bone_drug_runs_from_the_command_line_like_the_python_api(drug, capsys):
    """Issue 14: each drug from the CLI with its catalogue defaults; the bone observables are
    printed without --variables and equal the Python run's."""
    status, out, err = run_cli(capsys, "run", "healthy", "--days", 60, "--intervention", f"{drug}@0")
    assert status == 0, err
    printed = final_values(out)
    assert set(BONE_OBSERVABLES) <= set(printed), sorted(printed)
    run = homeostasis.simulate("healthy", days=60, interventions=[f"{drug}@0"])
    for name in BONE_OBSERVABLES:  # the table prints 4 significant digits
        assert_allclose(printed[name], run[name][-1], rtol=1e-3, atol=1e-3, err_msg=f"{drug} {name}")


def test_steady_state_lists_the_bone_observables(capsys):
    status, out, err = run_cli(capsys, "steady-state", "healthy")
    assert status == 0, err
    printed = final_values(out)
    assert set(BONE_OBSERVABLES) <= set(printed), sorted(printed)
    assert_allclose([printed[name] for name in ("bmd_lumbar_spine", "ctx", "p1np")], [0, 100, 100], atol=1e-6)


def test_a_run_without_a_bone_drug_keeps_the_main_observables(capsys):
    status, out, _ = run_cli(capsys, "run", "healthy", "--days", 5)
    assert status == 0
    assert "bone_ca_balance" in final_values(out) and "ctx" not in final_values(out)


def test_compare_with_bone_drugs_plots_and_prints_the_bone_observables(tmp_path, capsys):
    status, out, err = run_cli(capsys, "compare", "healthy+teriparatide@0", "healthy+denosumab@0",
                               "healthy+zoledronate@0", "--days", 30, "--plot", tmp_path / "bone.png",
                               "--out", tmp_path / "bone.csv")
    assert status == 0, err
    table = pd.read_csv(tmp_path / "bone.csv")
    assert set(BONE_OBSERVABLES) <= set(table["variable"])
    assert (tmp_path / "bone.png").read_bytes().startswith(b"\x89PNG")
    ctx = table[(table["variable"] == "ctx") & (table["time_days"] == table["time_days"].max())]
    by_arm = dict(zip(ctx["scenario"], ctx["value"]))
    assert by_arm["healthy+denosumab@0"] < by_arm["healthy+zoledronate@0"] < 100 < by_arm["healthy+teriparatide@0"]


@pytest.mark.parametrize("extension, magic", [("png", b"\x89PNG"), ("svg", b"<svg"), ("pdf", b"%PDF")])
def test_run_writes_the_figure(tmp_path, capsys, extension, magic):
    figure_file = tmp_path / f"healthy.{extension}"
    status, out, _ = run_cli(capsys, "run", "healthy", "--days", 5, "--plot", figure_file)
    assert status == 0
    assert figure_file.is_file()
    assert magic in figure_file.read_bytes()[:400]
    assert "ca_total" in out  # no --out: the summary is printed as well


def test_run_accepts_a_scenario_file(tmp_path, capsys):
    scenario_file = tmp_path / "low_calcium.py"
    scenario_file.write_text(
        "from homeostasis import Knob, Scenario\n"
        "SCENARIO = Scenario(name='low-calcium', description='Low calcium diet. Half the intake.',\n"
        "    knobs=(Knob('intake', 12.5, 'mmol/day', 0, 60, 'calcium intake'),),\n"
        "    changes=lambda knobs: {'ca_intake': knobs['intake']})\n")
    out_file = tmp_path / "low.csv"
    status, _, _ = run_cli(capsys, "run", scenario_file, "--days", 30, "--set", "intake=10", "--out", out_file)
    assert status == 0
    table = pd.read_csv(out_file)
    assert set(table["scenario"]) == {"low-calcium"}
    expected = homeostasis.simulate("healthy", days=30, parameters={"ca_intake": 10}).to_frame()
    assert_allclose(table["value"].to_numpy(), expected["value"].to_numpy(), rtol=1e-9, atol=1e-12)


def test_run_never_overwrites_without_force(tmp_path, capsys):
    out_file = tmp_path / "kept.csv"
    out_file.write_text("keep me\n")
    status, out, err = run_cli(capsys, "run", "healthy", "--days", 5, "--out", out_file)
    assert_one_line_error(status, out, err, "already exists", "--force")
    assert out_file.read_text() == "keep me\n"
    status, _, _ = run_cli(capsys, "run", "healthy", "--days", 5, "--out", out_file, "--force")
    assert status == 0
    assert list(pd.read_csv(out_file).columns) == FRAME_COLUMNS


def test_run_never_overwrites_a_figure_without_force(tmp_path, capsys):
    figure_file = tmp_path / "kept.png"
    figure_file.write_bytes(b"keep")
    status, out, err = run_cli(capsys, "run", "healthy", "--days", 5, "--plot", figure_file)
    assert_one_line_error(status, out, err, "already exists")
    assert figure_file.read_bytes() == b"keep"


@pytest.mark.parametrize("arguments, fragments", [
    (["run", "helthy"], ["unknown scenario 'helthy'", "did you mean 'healthy'"]),
    (["steady-state", "helthy"], ["did you mean 'healthy'"]),
    (["run", "healthy", "--set", "ca_intak=20"], ["unknown parameter 'ca_intak'", "'ca_intake'"]),
    (["run", "healthy", "--set", "gfr=nan"], ["gfr", "finite"]),
    (["run", "healthy", "--set", "gfr=abc"], ["gfr", "finite"]),
    (["run", "healthy", "--set", "gfr=1e9"], ["gfr", "expected a value in [1, 150]"]),
    (["run", "healthy", "--set", "gfr"], ["NAME=VALUE"]),
    (["run", "healthy", "--set", "=3"], ["NAME=VALUE"]),
    (["run", "healthy", "--days", "0"], ["days", "positive"]),
    (["run", "healthy", "--days", "-5"], ["days", "positive"]),
    (["run", "healthy", "--days", "inf"], ["days", "finite"]),
    (["run", "healthy", "--days", "abc"], ["--days"]),
    (["run", "healthy", "--start", "sideways"], ["--start"]),
    (["run", "healthy", "--plot", "figure.xyz"], [".png"]),
    (["run", "missing_scenario.py"], ["does not exist"]),
    (["steady-state", "--format", "xml"], ["--format"]),
    (["frobnicate"], ["invalid choice"]),
    ([], ["required"]),
])
def test_bad_input_exits_2_with_one_line(capsys, arguments, fragments):
    status, out, err = run_cli(capsys, *arguments)
    assert_one_line_error(status, out, err, *fragments)


def test_missing_output_folder_is_one_line(tmp_path, capsys):
    status, out, err = run_cli(capsys, "run", "healthy", "--out", tmp_path / "absent" / "x.csv")
    assert_one_line_error(status, out, err, "does not exist")


def test_help_exits_0(capsys):
    status, out, _ = run_cli(capsys, "run", "--help")
    assert status == 0
    assert "--force" in out


# --- steady-state -----------------------------------------------------------------------------

def steady_table(capsys, *arguments) -> pd.DataFrame:
    status, out, _ = run_cli(capsys, "steady-state", *arguments, "--format", "csv")
    assert status == 0
    return pd.read_csv(io.StringIO(out), keep_default_na=False, na_values={"low": [""], "high": [""]})


def test_steady_state_csv_columns_and_values(capsys):
    table = steady_table(capsys)
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    assert list(table["variable"]) == list(compile_model().observable_names)
    assert set(table["scenario"]) == {"healthy"}
    expected = homeostasis.steady_state("healthy")
    assert_allclose(table["value"].to_numpy(), [expected[name] for name in table["variable"]], rtol=1e-9)
    assert list(table["unit"]) == list(compile_model().observable_units)


def test_healthy_steady_state_raises_no_flag(capsys):
    table = steady_table(capsys)
    assert (table["flag"] == "").all(), table[table["flag"] != ""]


def test_steady_state_flags_low_gfr(capsys):
    table = steady_table(capsys, "healthy", "--set", "gfr=30").set_index("variable")
    assert table.loc["gfr", "flag"] == "low"
    assert table.loc["pth", "flag"] == "high"
    assert_allclose(table.loc["gfr", "value"], 30.0)
    assert set(table["flag"]) <= {"", "low", "high"}


def test_steady_state_ranges_match_the_packaged_table(capsys):
    table = steady_table(capsys).set_index("variable")
    for name, entry in reference_ranges().items():
        assert_allclose([table.loc[name, "low"], table.loc[name, "high"]], [entry.low, entry.high])
    assert np.isnan(table.loc["parathyroid_mass", "low"])  # no clinical range for this one


def test_steady_state_json_and_table(capsys):
    status, out, _ = run_cli(capsys, "steady-state", "--format", "json")
    assert status == 0
    records = json.loads(out)
    assert [record["variable"] for record in records] == list(compile_model().observable_names)
    assert set(records[0]) == set(COMPARISON_COLUMNS)
    bone = next(record for record in records if record["variable"] == "bone_ca_balance")
    assert bone["low"] is None and bone["flag"] == ""
    status, out, _ = run_cli(capsys, "steady-state")
    assert status == 0
    assert out.splitlines()[0].split() == list(COMPARISON_COLUMNS)


# --- reference ranges -------------------------------------------------------------------------

def test_reference_ranges_use_the_observable_units():
    units = {observable.name: observable.unit for observable in build_model().observables}
    for name, entry in reference_ranges().items():
        assert name in units, f"reference range for unknown observable {name}"
        assert entry.unit == units[name], name
        assert entry.source.startswith("clinical-targets")


def test_flag_limits():
    calcium = reference_range("ca_total")
    assert flag("ca_total", calcium.low * 0.99) == "low"
    assert flag("ca_total", calcium.high * 1.01) == "high"
    assert flag("ca_total", (calcium.low + calcium.high) / 2) == ""
    assert flag("bone_resorption", 12.5 * (1 + 1e-13)) == ""  # round-off at a limit is inside
    assert flag("parathyroid_mass", 100.0) == ""  # no range, no flag
    assert flag("ca_total", float("nan")) == ""
