"""The ahead-of-time compiled driver (``numerics/aot.py``): a warm start without numba.

The fast tests check the fallbacks (no extension, a stale one, a damaged one, one that does not
load: the numba path runs) and the facts module; the slow one builds the extension (about a
minute) and checks that a fresh process simulates on it without importing numba, with the
numba path's results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import homeostasis
from homeostasis.numerics import aot
from homeostasis.numerics.cache import _load_facts, compile_model
from homeostasis.numerics.driver import Driver, _linked_driver, driver_key, load_driver
from homeostasis.parameters import ParameterSet


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """An empty cache folder for the extension's files (the model stays loaded as it is)."""
    monkeypatch.setenv("HOMEOSTASIS_CACHE", str(tmp_path))
    _linked_driver.cache_clear()
    yield aot.paths(compile_model().key, driver_key())
    _linked_driver.cache_clear()


def _fake_build(paths, content=b"not an extension", key=None, sha=None):
    paths["extension"].write_bytes(content)
    manifest = {"key": key or paths["key"], "sha256": sha or aot._digest(paths["extension"])}
    paths["manifest"].write_text(json.dumps(manifest), encoding="utf-8")


def test_without_an_extension_the_numba_driver_runs(empty_cache):
    assert _linked_driver(compile_model().key) is None
    assert isinstance(load_driver(), Driver)


def test_a_stale_manifest_is_not_loaded(empty_cache):
    _fake_build(empty_cache, key="0" * 20)
    assert aot.load_extension(compile_model().key, driver_key()) is None
    assert isinstance(load_driver(), Driver)


def test_a_damaged_extension_is_not_loaded(empty_cache):
    _fake_build(empty_cache, sha="0" * 64)
    assert aot.load_extension(compile_model().key, driver_key()) is None


def test_an_extension_that_fails_to_load_falls_back(empty_cache):
    _fake_build(empty_cache)  # checksum right, but no shared library
    assert aot.load_extension(compile_model().key, driver_key()) is None
    result = homeostasis.simulate("healthy", days=1)
    np.testing.assert_allclose(result["ca_total"][-1], result["ca_total"][0], rtol=1e-3)


def test_no_background_build_when_switched_off_or_already_building(empty_cache, monkeypatch):
    key = compile_model().key
    monkeypatch.setenv("HOMEOSTASIS_AOT", "0")
    assert aot.start_background_build(key, driver_key(), "raise SystemExit(1)") is None
    assert _load_facts(key) is None and aot.load_extension(key, driver_key()) is None
    monkeypatch.setenv("HOMEOSTASIS_AOT", "1")
    empty_cache["claim"].touch()  # another process is building it
    assert aot.start_background_build(key, driver_key(), "raise SystemExit(1)") is None
    assert aot.build_into_cache(key, driver_key(), None, None) is False
    os.utime(empty_cache["claim"], (0, 0))  # a claim left by a process that died long ago
    assert not aot._being_built(empty_cache["claim"]) and not empty_cache["claim"].exists()
    empty_cache["failed"].write_text("CompileError: no compiler", encoding="utf-8")  # failed before
    assert aot.start_background_build(key, driver_key(), "raise SystemExit(1)") is None


def test_aot_key_changes_with_the_model():
    assert aot.aot_key("a" * 20, driver_key()) != aot.aot_key("b" * 20, driver_key())
    assert aot.aot_key("a" * 20, "c" * 20) != aot.aot_key("a" * 20, driver_key())
    assert len(aot.aot_key(compile_model().key, driver_key())) == 20


def test_facts_module_gives_the_generated_models_facts(tmp_path):
    compiled = compile_model()
    source = open(compiled.module.__file__, encoding="utf-8").read().partition("\n")[2]
    facts = aot.facts_source(source)
    assert "from numba" not in facts and "@njit" not in facts and "_at(" not in facts
    path = tmp_path / "homeostasis_facts_test.py"
    path.write_text(facts, encoding="utf-8")
    namespace: dict = {}
    exec(compile(facts, str(path), "exec"), namespace)
    assert namespace["STATE_NAMES"] == compiled.module.STATE_NAMES
    assert namespace["OBSERVABLE_NEEDS"] == compiled.module.OBSERVABLE_NEEDS
    vector = ParameterSet.default().vector
    np.testing.assert_allclose(namespace["derive"](vector), compiled.module.derive(vector), rtol=0, atol=0)
    np.testing.assert_allclose(namespace["reference_state"](vector), compiled.module.reference_state(vector),
                               rtol=0, atol=0)
    assert "rhs" not in namespace and "jacobian" not in namespace


RUNS = {"healthy": dict(scenario="healthy", days=30),
        "ckd": dict(scenario="ckd", days=365),
        "dosing": dict(scenario="healthy", days=20, interventions=["cinacalcet@1:days=10", "calcitriol@2:days=5"])}

_AOT_RUNS = """
import sys, json, numpy as np, homeostasis
runs = json.loads(sys.argv[1])
results = {name: homeostasis.simulate(**run) for name, run in runs.items()}
out = {name: [r.states.tolist(), r.observables.tolist()] for name, r in results.items()}
print(json.dumps({"numba": "numba" in sys.modules, "scipy": "scipy" in sys.modules, "results": out}))
"""


@pytest.mark.slow
def test_extension_runs_without_numba_and_matches_the_numba_path(tmp_path):
    environment = dict(os.environ, HOMEOSTASIS_CACHE=str(tmp_path), HOMEOSTASIS_AOT="1")
    environment.pop("NUMBA_CACHE_DIR", None)
    subprocess.run([sys.executable, "-m", "homeostasis.numerics.driver"], check=True, env=environment,
                   cwd=tmp_path, capture_output=True)
    assert list(tmp_path.glob("homeostasis_aot_*.json")), list(tmp_path.iterdir())
    done = subprocess.run([sys.executable, "-c", _AOT_RUNS, json.dumps(RUNS)], check=True, env=environment,
                          cwd=tmp_path, capture_output=True, text=True)
    report = json.loads(done.stdout)
    assert report["numba"] is False and report["scipy"] is False
    for name, run in RUNS.items():
        expected = homeostasis.simulate(**run)
        states, observables = (np.array(values) for values in report["results"][name])
        np.testing.assert_allclose(states, expected.states, rtol=1e-12, atol=0, err_msg=name)
        np.testing.assert_allclose(observables, expected.observables, rtol=1e-12, atol=0, err_msg=name)
