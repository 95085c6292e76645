"""Bad-input corpus: every bad input is refused cleanly.

The command line promises, for bad input: exit status 2, exactly one line on stderr starting
with ``homeostasis: error:``, no traceback, and no file created or changed (nothing is
overwritten without ``--force``). The Python API promises a ``HomeostasisError`` (or a
TypeError/ValueError) with a one-line message naming the argument.

The cases are data: ``tests/data/bad_cli_inputs.csv`` (``id,args,creates,note``; ``args`` is
split with ``shlex.split`` and the placeholders ``{tmp}``, ``{existing}`` and ``{data}`` are
replaced in each word) and ``tests/data/bad_api_inputs.py`` (``CASES``). Each command runs in
its own subprocess (so the tests spread over ``pytest -n``) with the fresh temporary folder
as working directory, a 60 s timeout and a 4 GB address-space limit, so that a missing check
cannot exhaust the shared machine's memory.

Run on its own: ``python -m pytest tests/test_bad_inputs.py -o markers=integration -n 2``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import homeostasis
import homeostasis.compare
import homeostasis.plotting
import homeostasis.protocol
import homeostasis.saturation

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_SECONDS = 60
MEMORY_LIMIT_BYTES = 4 * 1024 ** 3
API_EXTRA_MEMORY_BYTES = 3 * 1024 ** 3
ERROR_PREFIX = "homeostasis: error:"
EXISTING_NAME = "existing.png"  # a figure extension, so that every output option reaches the existence check
EXISTING_BYTES = b"existing file: must not be replaced\n"

# valid small fit data (two variables, with sd)
FIT_DATA = "time_days,variable,value,sd\n0,ca_total,2.4,0.05\n1,ca_total,2.41,0.05\n2,pth,3.5,0.3\n3,pth,3.4,0.3\n"

# files created in {tmp} for every CLI case: broken scenario modules, broken data tables
SCENARIO_HEADER = "from homeostasis import Knob, Scenario\n"
FIXTURE_FILES = {
    "broken_syntax.py": "def changes(knobs:\n    return {}\n",
    "raises_at_import.py": "raise RuntimeError('scenario module fails at import')\n",
    "missing_import.py": "import homeostasis_no_such_module_xyz\n",
    "sys_exit_0.py": "import sys\nsys.exit(0)\n",
    "sys_exit_message.py": "import sys\nsys.exit('leaving from a scenario file')\n",
    "no_scenario.py": "X = 1\n",
    "wrong_type.py": "SCENARIO = 'healthy'\n",
    "wrong_type_dict.py": "SCENARIO = {'name': 'x', 'description': 'a dict'}\n",
    "changes_list.py": SCENARIO_HEADER + "SCENARIO = Scenario('changes-list', 'Changes as a list.', changes=lambda knobs: [1, 2])\n",
    "changes_none.py": SCENARIO_HEADER + "SCENARIO = Scenario('changes-none', 'Changes return None.', changes=lambda knobs: None)\n",
    "changes_raises.py": SCENARIO_HEADER + "SCENARIO = Scenario('changes-raise', 'Changes raise.', changes=lambda knobs: 1 / 0)\n",
    "changes_unknown.py": SCENARIO_HEADER + "SCENARIO = Scenario('changes-unknown', 'Unknown name.', changes=lambda knobs: {'gfrr': 30})\n",
    "changes_nan.py": SCENARIO_HEADER + "SCENARIO = Scenario('changes-nan', 'NaN value.', changes=lambda knobs: {'gfr': float('nan')})\n",
    "changes_no_args.py": SCENARIO_HEADER + "SCENARIO = Scenario('changes-no-args', 'Wrong arity.', changes=lambda: {})\n",
    "initial_list.py": SCENARIO_HEADER + "SCENARIO = Scenario('initial-list', 'Initial list.', seeds=lambda knobs: [1.0])\n",
    "initial_unknown.py": SCENARIO_HEADER + "SCENARIO = Scenario('initial-unknown', 'Unknown state.', seeds=lambda knobs: {'bogus': 1.0})\n",
    "initial_negative.py": SCENARIO_HEADER + "SCENARIO = Scenario('initial-negative', 'Negative.', seeds=lambda knobs: {'ca_ecf': -1.0})\n",
    "steady_guess_list.py": SCENARIO_HEADER + "SCENARIO = Scenario('guess-list', 'Guess list.', steady_guess=lambda knobs: [1.0])\n",
    "knobs_strings.py": SCENARIO_HEADER + "SCENARIO = Scenario('knobs-strings', 'Knobs are strings.', knobs=('x',))\n",
    "description_none.py": SCENARIO_HEADER + "SCENARIO = Scenario('description-none', None)\n",
    "scenario.txt": "not a scenario\n",
    "empty.csv": "",
    "data_header_only.csv": "time_days,variable,value,sd\n",
    "data_missing_column.csv": "time_days,variable,sd\n0,ca_total,0.05\n1,pth,0.3\n",
    "data_unknown_variable.csv": "time_days,variable,value,sd\n0,ca_totl,2.4,0.05\n1,pth,3.5,0.3\n",
    "data_bad_unit.csv": "time_days,variable,value,sd,unit\n0,ca_total,9.6,0.2,mg/dL\n1,pth,3.5,0.3,pmol/L\n",
    "data_negative_time.csv": "time_days,variable,value,sd\n-1,ca_total,2.4,0.05\n1,pth,3.5,0.3\n",
    "data_nan_value.csv": "time_days,variable,value,sd\n0,ca_total,nan,0.05\n1,pth,3.5,0.3\n",
    "data_text_value.csv": "time_days,variable,value,sd\n0,ca_total,high,0.05\n1,pth,3.5,0.3\n",
    "data_zero_sd.csv": "time_days,variable,value,sd\n0,ca_total,2.4,0\n1,pth,3.5,0.3\n",
    "data_partial_sd.csv": "time_days,variable,value,sd\n0,ca_total,2.4,\n1,pth,3.5,0.3\n2,pth,3.4,0.3\n",
    "data_empty_label.csv": "time_days,variable,value,sd,scenario\n0,ca_total,2.4,0.05,\n1,pth,3.5,0.3,a\n",
    "measured_unknown_variable.csv": "scenario,time_days,variable,value,unit\nhealthy,0.5,pthh,3.5,pmol/L\n",
    "measured_bad_unit.csv": "scenario,time_days,variable,value,unit\nhealthy,0.5,pth,3.5,furlong\n",
    "measured_non_numeric.csv": "scenario,time_days,variable,value,unit\nhealthy,0.5,pth,high,pmol/L\n",
}
FIXTURE_FOLDERS = ("folder.py", "folder.png")
BINARY_NAME = "binary.csv"


def _read_cli_cases():
    with open(DATA / "bad_cli_inputs.csv", newline="") as handle:
        return [pytest.param(row["args"], [p for p in row["creates"].split(";") if p], id=row["id"])
                for row in csv.DictReader(handle)]


def _read_api_cases():
    spec = importlib.util.spec_from_file_location("bad_api_inputs", DATA / "bad_api_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [pytest.param(source, tuple(expected), id=case_id) for case_id, source, expected, _note in module.CASES]


CLI_CASES = _read_cli_cases()
API_CASES = _read_api_cases()

# these print help and must exit 0 without a traceback
HELP_CASES = [
    pytest.param(["--help"], id="help"),
    pytest.param(["-h"], id="help-short"),
    pytest.param(["--version"], id="version"),
    pytest.param(["list", "--help"], id="list-help"),
    pytest.param(["parameters", "--help"], id="parameters-help"),
    pytest.param(["run", "--help"], id="run-help"),
    pytest.param(["compare", "--help"], id="compare-help"),
    pytest.param(["steady-state", "--help"], id="steady-state-help"),
    pytest.param(["equations", "--help"], id="equations-help"),
    pytest.param(["fit", "--help"], id="fit-help"),
    pytest.param(["export-sbml", "--help"], id="export-sbml-help"),
]


def _environment():
    environment = dict(os.environ)
    environment["MPLBACKEND"] = "Agg"
    environment["PYTHONDONTWRITEBYTECODE"] = "1"  # importing a scenario file must leave {tmp} as it was
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    return environment


def _limit_memory():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def _run(arguments, cwd):
    try:
        return subprocess.run([sys.executable, "-m", "homeostasis.cli", *arguments], cwd=cwd, env=_environment(),
                              capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                              preexec_fn=_limit_memory if os.name == "posix" else None)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within {TIMEOUT_SECONDS} s: homeostasis {shlex.join(arguments)}")


def _prepare(tmp: Path) -> dict[str, str]:
    for name, text in FIXTURE_FILES.items():
        (tmp / name).write_text(text)
    for name in FIXTURE_FOLDERS:
        (tmp / name).mkdir()
    (tmp / BINARY_NAME).write_bytes(bytes(range(256)) * 8)
    (tmp / EXISTING_NAME).write_bytes(EXISTING_BYTES)
    (tmp / "data.csv").write_text(FIT_DATA)
    return {"{tmp}": str(tmp), "{existing}": str(tmp / EXISTING_NAME), "{data}": str(tmp / "data.csv")}


def _expand(args: str, places: dict[str, str]) -> list[str]:
    words = []
    for word in shlex.split(args):
        for key, value in places.items():
            word = word.replace(key, value)
        words.append(word)
    return words


def _snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> content hash of every file below ``folder`` (folders as 'dir')."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        found[str(path.relative_to(folder))] = ("dir" if path.is_dir() else
                                               hashlib.sha256(path.read_bytes()).hexdigest())
    return found


@pytest.mark.parametrize(("args", "creates"), CLI_CASES)
def test_bad_command_line_input_in_process(args, creates, tmp_path, monkeypatch, capsys):
    """The whole corpus through ``homeostasis.cli.main`` in this process (fast: no start-up)."""
    from homeostasis.cli import main

    places = _prepare(tmp_path)
    before = _snapshot(tmp_path)
    arguments = _expand(args, places)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    with _bounded_memory():
        status = main(arguments)
    captured = capsys.readouterr()
    completed = subprocess.CompletedProcess(arguments, status, captured.out, captured.err)
    _check_refused(completed, arguments, creates, tmp_path, before)


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize(("args", "creates"), CLI_CASES)
def test_bad_command_line_input_is_one_line_error(args, creates, tmp_path):
    """The same corpus as a user meets it: a fresh process per command."""
    places = _prepare(tmp_path)
    before = _snapshot(tmp_path)
    arguments = _expand(args, places)
    completed = _run(arguments, tmp_path)
    _check_refused(completed, arguments, creates, tmp_path, before)


def _check_refused(completed, arguments, creates, tmp_path, before):
    after = _snapshot(tmp_path)
    shown = f"homeostasis {shlex.join(arguments)}\nexit {completed.returncode}\nstderr:\n{completed.stderr[-3000:]}"
    assert "Traceback" not in completed.stderr + completed.stdout, shown
    assert completed.returncode == 2, shown
    lines = completed.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), shown
    assert lines[0].startswith(ERROR_PREFIX), shown
    for relative in creates:
        assert not (tmp_path / relative).exists(), f"{relative} was created\n{shown}"
    assert (tmp_path / EXISTING_NAME).read_bytes() == EXISTING_BYTES, f"{EXISTING_NAME} was changed\n{shown}"
    created = sorted(set(after) - set(before))
    changed = sorted(name for name in before if after.get(name) != before[name])
    assert not created and not changed, f"created {created}, changed or removed {changed}\n{shown}"


@pytest.mark.integration
@pytest.mark.parametrize("arguments", HELP_CASES)
def test_help_exits_cleanly(arguments, tmp_path):
    completed = _run(arguments, tmp_path)
    shown = f"homeostasis {shlex.join(arguments)}\nexit {completed.returncode}\nstderr:\n{completed.stderr[-3000:]}"
    assert "Traceback" not in completed.stderr + completed.stdout, shown
    assert completed.returncode == 0, shown
    assert completed.stdout.strip(), shown
    assert not list(tmp_path.iterdir()), shown


def _exception_class(name: str):
    import builtins

    for place in (homeostasis, homeostasis.errors, builtins):
        if hasattr(place, name):
            return getattr(place, name)
    from homeostasis.fitting import data as fitting_data

    return getattr(fitting_data, name)


def _namespace(tmp_path):
    import numpy as np
    import pandas as pd

    return {"homeostasis": homeostasis, "np": np, "pd": pd, "tmp": str(tmp_path)}


@contextlib.contextmanager
def _bounded_memory(extra_bytes=API_EXTRA_MEMORY_BYTES):
    """At most ``extra_bytes`` more address space while a case runs (an unchecked 1e9-point grid
    must fail with MemoryError, not swap the shared machine); no limit off Linux."""
    try:
        import resource

        pages = int(Path("/proc/self/statm").read_text().split()[0])
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = pages * os.sysconf("SC_PAGE_SIZE") + extra_bytes
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize(("source", "expected"), API_CASES)
def test_bad_api_input_raises_a_named_error(source, expected, tmp_path):
    classes = tuple(_exception_class(name) for name in expected)
    before = _snapshot(tmp_path)
    namespace = _namespace(tmp_path)
    try:
        with _bounded_memory():
            returned = eval(source, namespace)  # noqa: S307 - the corpus is trusted test data
    except Exception as error:  # noqa: BLE001 - the type is what is being tested
        assert isinstance(error, classes), (f"{source}\nraised {type(error).__module__}.{type(error).__name__}: "
                                            f"{error}\nexpected one of {expected}")
        message = str(error)
        assert message.strip() and "\n" not in message.strip(), f"{source}\nmessage is not one line: {message!r}"
    else:
        text = repr(returned)
        pytest.fail(f"{source}\nreturned {text[:300]} without raising; expected one of {expected}")
    assert _snapshot(tmp_path) == before, f"{source}\ncreated or changed files in the temporary folder"
