"""Faults a user meets: an interrupted run and a damaged compiled-model cache.

An interrupted command (SIGINT as from Ctrl-C, or SIGTERM) exits 130 or 143 with one line and
leaves no partial output file; a cached model file that is truncated or edited is regenerated
instead of crashing the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

import homeostasis as h
from homeostasis.numerics import cache

LONG_RUN = ["run", "healthy", "--days", "3650", "--intervention", "cinacalcet@0:every_hours=1", "--step", "0.01"]


def _as_from_a_terminal():
    """In the child before it starts Python: SIGINT and SIGTERM with their default disposition and
    unblocked, as in a command started from a shell. A child inherits ignored dispositions and the
    signal mask of the process that starts it, and a test worker may have either changed by the
    components earlier tests ran in it (an ignored SIGINT at start-up leaves Python without its
    KeyboardInterrupt handler, so Ctrl-C could never reach the command under test)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _start(arguments, cwd):
    environment = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.Popen([sys.executable, "-m", "homeostasis.cli", *arguments], cwd=cwd, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_as_from_a_terminal)


@pytest.mark.slow
@pytest.mark.parametrize("sent, status, word", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_an_interrupted_run_exits_with_one_line_and_no_partial_file(tmp_path, sent, status, word):
    h.simulate("healthy", days=1)  # the compiled model is in the cache: the child starts working at once
    process = _start([*LONG_RUN, "--out", "out.csv"], tmp_path)
    time.sleep(6.0)
    assert process.poll() is None, process.communicate()
    process.send_signal(sent)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"no exit within 60 s of {sent.name} (this worker: SIGINT handler "
                             f"{signal.getsignal(signal.SIGINT)!r}, blocked {sorted(signal.pthread_sigmask(signal.SIG_BLOCK, []))}); "
                             f"stderr: {err[-2000:]}") from None
    assert process.returncode == status, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and word in lines[0] and "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == [], "a partial or temporary file was left behind"


def test_the_checksum_detects_a_damaged_file(tmp_path):
    path = tmp_path / "homeostasis_model_x.py"
    path.write_text(cache._with_checksum("VALUE = 1\n"))
    assert cache._verified(path)
    path.write_text(path.read_text()[:-3])  # truncated
    assert not cache._verified(path)
    path.write_text(cache._with_checksum("VALUE = 1\n").replace("VALUE = 1", "VALUE = 2"))  # edited
    assert not cache._verified(path)


def test_a_damaged_generated_module_is_regenerated(tmp_path, monkeypatch):
    monkeypatch.setenv("HOMEOSTASIS_CACHE", str(tmp_path))
    calls = []

    def source():
        calls.append(1)
        return "VALUE = 42\n"

    module = cache.load_generated("probe", "k1", source)
    assert module.VALUE == 42 and len(calls) == 1
    assert cache.load_generated("probe", "k1", source).VALUE == 42 and len(calls) == 1  # verified: reused
    path = tmp_path / "homeostasis_probe_k1.py"
    path.write_text(path.read_text()[:20])  # truncated, as by a crash while copying
    assert cache.load_generated("probe", "k1", source).VALUE == 42 and len(calls) == 2
    path.write_text(cache._with_checksum("raise ImportError('damaged')\n"))  # valid checksum, fails to import
    assert cache.load_generated("probe", "k1", source).VALUE == 42 and len(calls) == 3


@pytest.mark.slow
def test_a_truncated_model_cache_is_rebuilt_by_the_next_run(tmp_path):
    """The real model, in a fresh cache: truncate the generated file, and the next run still works."""
    environment = {**os.environ, "HOMEOSTASIS_CACHE": str(tmp_path), "MPLBACKEND": "Agg"}
    code = "import homeostasis; print(homeostasis.simulate('healthy', days=1)['ca_total'][-1])"
    first = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    (model,) = tmp_path.glob("homeostasis_model_*.py")
    model.write_text(model.read_text(encoding="utf-8")[:1000], encoding="utf-8")
    second = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert_allclose(float(second.stdout), float(first.stdout), rtol=1e-12)
    assert cache._verified(model)
