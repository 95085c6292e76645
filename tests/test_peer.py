"""Side by side with a peer model (OpenBoneMin): the peer file, the closeness arithmetic and the command.

The packaged peer file must parse and every published value in it must name a measured row of an
atlas record and a source; :func:`homeostasis.atlas.peer.compare` is checked on a synthetic table
whose distances are known by hand; one real ``validate --peer openbonemin`` run closes the loop.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from homeostasis.atlas import load_atlas
from homeostasis.atlas.peer import (Peer, PeerPrediction, available_peers, compare, distance, load_peer, parse_peer,
                                    tally, verdict)
from homeostasis.atlas.runner import COLUMNS as RUNNER_COLUMNS
from homeostasis.errors import HomeostasisError, UnknownNameError

from helpers import run_cli

SOURCE = {"key": "s", "citation": "Someone A (2012) J Test 1:1", "doi": "10.1/x", "read_via": "abstract"}


def test_the_packaged_openbonemin_file_parses_with_its_search_and_sources():
    peer = load_peer("OpenBoneMin")
    assert "openbonemin" in available_peers()
    assert peer.name == "OpenBoneMin"
    assert "pages" in peer.searched and "code" in peer.searched  # the search is written down
    assert len(peer.predictions) >= 1 and len(peer.unmatched) >= 1
    for source in peer.sources.values():
        assert source["citation"].strip() and source["read_via"].strip()
        assert any(str(source.get(key, "")).strip() for key in ("doi", "pmid", "url"))
    for entry in (*peer.predictions, *peer.unmatched):
        key = entry.source if isinstance(entry, PeerPrediction) else entry["source"]
        assert key in peer.sources


def test_every_published_value_names_a_measured_row_of_an_existing_record():
    records = {experiment.id: experiment for experiment in load_atlas()}
    for prediction in load_peer("openbonemin").predictions:
        assert prediction.experiment in records, prediction.experiment
        rows = records[prediction.experiment].measurements
        match = rows[(rows["variable"] == prediction.variable)
                     & np.isclose(rows["time_days"].to_numpy(float), prediction.time_days)]
        assert len(match) == 1, (prediction.experiment, prediction.variable, prediction.time_days)
        assert match["quantity"].iloc[0] == prediction.quantity
        assert prediction.how.strip() and prediction.protocol_match.strip()
        if prediction.computed:  # reproducible: the release's commit, and a numerical uncertainty
            assert re.search(r"\b[0-9a-f]{40}\b", prediction.how) and not prediction.figure_read, prediction.how
            assert prediction.uncertainty > 0.0


def test_distance_is_from_the_mean_or_from_the_range():
    assert_allclose([distance(2.5, measured=2.0), distance(1.5, measured=2.0)], [0.5, 0.5])
    assert_allclose([distance(2.3, low=2.1, high=2.5), distance(2.0, low=2.1, high=2.5),
                     distance(2.8, low=2.1, high=2.5), distance(-1.0, low=0.0)], [0.0, 0.1, 0.3, 1.0])
    assert math.isnan(distance(math.nan, measured=1.0))


def test_verdict_names_the_closer_model_and_a_tie_within_the_reading():
    assert verdict(0.1, 0.3, peer="Peer") == "homeostasis"
    assert verdict(0.3, 0.1, peer="Peer") == "Peer"
    assert verdict(0.3, 0.1, peer="Peer", tie_within=0.25) == "tie"
    assert verdict(0.0, 0.0, peer="Peer") == "tie"
    assert verdict(math.nan, 0.1, peer="Peer") == "undecided"


def _frame(rows):
    """A validate-like table from partial rows (the runner's columns, in model units)."""
    base = {column: math.nan for column in RUNNER_COLUMNS}
    return pd.DataFrame([{**base, **row} for row in rows], columns=list(RUNNER_COLUMNS))


def _prediction(experiment, variable, day, quantity, value, unit, uncertainty=0.0):
    return PeerPrediction(experiment, variable, day, quantity, value, unit, uncertainty, "s", True, "what", "how",
                          "exact")


def test_compare_on_a_synthetic_case_converts_units_and_scores_each_row():
    frame = _frame([
        {"id": "a", "variable": "ca_total", "time_days": 10.0, "quantity": "absolute", "unit": "mmol/L",
         "measured": 2.50, "model": 2.45},
        {"id": "b", "variable": "bmd_lumbar_spine", "time_days": 365.0, "quantity": "change", "unit": "%",
         "measured": 9.0, "model": 4.0},
        {"id": "c", "variable": "phosphate", "time_days": 5.0, "quantity": "absolute", "unit": "mmol/L",
         "measured": 1.2, "low": 0.87, "high": 1.48, "model": 1.6, "rule": "band"},  # a band rule reads the range
    ])
    peer = Peer("Peer", "", "searched", {"s": SOURCE}, (
        _prediction("a", "ca_total", 10.0, "absolute", 10.8, "mg/dL"),            # 2.6946 mmol/L
        _prediction("b", "bmd_lumbar_spine", 365.0, "change", 8.0, "%", uncertainty=0.5),
        _prediction("c", "phosphate", 5.0, "absolute", 1.55, "mmol/L", uncertainty=0.05),
    ), ())
    table = compare(peer, frame)
    assert_allclose(table["peer"], [10.8 * 0.2495, 8.0, 1.55], rtol=1e-3)
    assert_allclose(table["homeostasis_distance"], [0.05, 5.0, 0.12], atol=1e-12)
    assert_allclose(table["peer_distance"], [10.8 * 0.2495 - 2.5, 1.0, 0.07], rtol=1e-3)
    assert list(table["closer"]) == ["homeostasis", "Peer", "tie"]
    assert tally(table) == {"homeostasis": 1, "Peer": 1, "tie": 1}
    assert not table["computed"].any() and tally(table, computed=True) == {}


def test_computed_values_are_told_apart_from_published_ones_and_tallied_alone():
    frame = _frame([
        {"id": "a", "variable": "ctx", "time_days": 30.0, "quantity": "percent_change", "unit": "%",
         "measured": -86.0, "model": -80.0},
        {"id": "b", "variable": "ctx", "time_days": 3.0, "quantity": "percent_change", "unit": "%",
         "measured": -85.0, "model": -70.0},
    ])
    computed = PeerPrediction("a", "ctx", 30.0, "percent_change", -88.0, "%", 0.1, "s", False, "w", "h", "exact",
                              computed=True)
    peer = Peer("Peer", "", "s", {"s": SOURCE}, (computed, _prediction("b", "ctx", 3.0, "percent_change", -52.0, "%")),
                ())
    table = compare(peer, frame)
    assert list(table["computed"]) == [True, False]
    assert_allclose(table["peer_distance"], [2.0, 33.0])
    assert tally(table, computed=True) == {"Peer": 1} and tally(table, computed=False) == {"homeostasis": 1}


def test_compare_refuses_a_row_the_record_does_not_measure_or_a_wrong_quantity():
    frame = _frame([{"id": "a", "variable": "ca_total", "time_days": 10.0, "quantity": "absolute",
                     "unit": "mmol/L", "measured": 2.5, "model": 2.4}])
    for prediction, message in ((_prediction("a", "ca_total", 11.0, "absolute", 2.4, "mmol/L"), "day 11"),
                                (_prediction("a", "ca_total", 10.0, "change", 0.1, "mmol/L"), "quantity")):
        with pytest.raises(HomeostasisError, match=message) as caught:
            compare(Peer("Peer", "", "s", {"s": SOURCE}, (prediction,), ()), frame)
        assert "\n" not in str(caught.value)


PEER_TEXT = """
[peer]
name = "Peer"
searched = "pages: peer model"

[[source]]
key = "s"
citation = "Someone A (2012) J Test 1:1"
doi = "10.1/x"
read_via = "abstract"

[[prediction]]
experiment = "a"
variable = "ca_total"
time_days = 10.0
quantity = "absolute"
value = 2.4
unit = "mmol/L"
source = "s"
figure_read = false
what = "calcium"
how = "text"
protocol_match = "exact"
"""


def test_parse_peer_reads_a_valid_file_and_reports_problems_on_one_line():
    peer = parse_peer(PEER_TEXT, path="peer.toml")
    assert_allclose(peer.predictions[0].value, 2.4)
    assert not peer.predictions[0].computed  # published unless the file says computed = true
    assert parse_peer(PEER_TEXT.replace("figure_read = false", "figure_read = false\ncomputed = true")).predictions[0].computed
    bad = {"valeu = 2.4": PEER_TEXT.replace("value = 2.4", "valeu = 2.4"),
           "unknown peer source": PEER_TEXT.replace('source = "s"\nfigure', 'source = "t"\nfigure'),
           "doi, pmid or url": PEER_TEXT.replace('doi = "10.1/x"\n', ""),
           "quantity": PEER_TEXT.replace('quantity = "absolute"', 'quantity = "absolut"'),
           "computed": PEER_TEXT.replace("figure_read = false", 'figure_read = false\ncomputed = "yes"'),
           "not read off a figure": PEER_TEXT.replace("figure_read = false", "figure_read = true\ncomputed = true")}
    for expected, text in bad.items():
        with pytest.raises(HomeostasisError) as caught:
            parse_peer(text, path="peer.toml")
        message = str(caught.value)
        assert "\n" not in message and (expected.split(" =")[0] in message or expected in message), message


def test_an_unknown_peer_suggests_the_right_name():
    with pytest.raises(UnknownNameError, match="did you mean 'openbonemin'"):
        load_peer("openbonmin")


def test_validate_peer_command_prints_the_side_by_side_and_the_tally(capsys):
    status, out, err = run_cli(capsys, "validate", "--peer", "openbonemin")
    assert status == 0, err
    assert "craver-2007-ckd-stage-3-4-kdoqi-ranges ca_total day 2776" in out
    assert "schwarz-1994-cica-clamp-controls pth day 0" in out
    assert re.search(r"OpenBoneMin: \d+ values on atlas records \(\d+ published, (\d+) computed by running its "
                     r"release\); closer to the data: homeostasis \d+", out)
    computed = [line for line in out.splitlines() if "(computed from its release)" in line]
    assert len(computed) == sum(prediction.computed for prediction in load_peer("openbonemin").predictions) >= 1
    assert re.search(r"OpenBoneMin computed values only: closer to the data: homeostasis \d+, OpenBoneMin \d+", out)
    status, out, err = run_cli(capsys, "validate", "--peer", "openbonemin", "--tag", "bone")
    assert status != 0 and err.count("\n") == 1 and "--tag" in err


def test_peer_report_runs_the_named_records_and_scores_the_peer_by_their_rules(tmp_path):
    from pathlib import Path

    from homeostasis.atlas.peer import peer_report

    fixtures = Path(__file__).parent / "data" / "atlas"
    text = PEER_TEXT.replace('experiment = "a"', 'experiment = "healthy-calcium-band"').replace(
        "time_days = 10.0", "time_days = 0.5").replace('value = 2.4\nunit = "mmol/L"', 'value = 10.4\nunit = "mg/dL"')
    (tmp_path / "peer.toml").write_text(text, encoding="utf-8")
    table, peer = peer_report("peer", directory=tmp_path, records=fixtures)
    row = table.iloc[0]
    assert peer.name == "Peer" and row["unit"] == "mmol/L"
    assert_allclose([row["peer"], row["low"], row["high"]], [10.4 * 0.2495, 9.2 * 0.2495, 10.0 * 0.2495], rtol=1e-3)
    assert_allclose(row["peer_distance"], 0.4 * 0.2495, rtol=1e-3)
    assert not row["peer_passes"]  # 10.4 mg/dL is outside the 9.2-10.0 mg/dL band
    assert row["homeostasis_passes"] == (row["homeostasis_distance"] == 0.0)
    assert row["closer"] in ("homeostasis", "tie")
    (tmp_path / "peer.toml").write_text(text.replace('"healthy-calcium-band"', '"healthy-calcium-bnad"'),
                                        encoding="utf-8")
    with pytest.raises(UnknownNameError, match="did you mean 'healthy-calcium-band'"):
        peer_report("peer", directory=tmp_path, records=fixtures)
