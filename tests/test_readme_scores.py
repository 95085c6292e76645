"""The README's atlas score table states what `homeostasis validate` measures today.

Several engineers change the model and the atlas at once; the score table in the README is the
figure users quote, so a stale number is a documentation bug this test catches (slow tier: it
reruns the whole atlas)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from homeostasis.atlas import load_atlas
from homeostasis.atlas.runner import run_experiment, summary, split_line

README = Path(__file__).resolve().parents[1] / "README.md"
CELL = re.compile(r"\|\s*\**([a-z][a-z0-9 ,\-]*?)\**\s*\|\s*\**(\d+)/(\d+)\**")


def _readme_scores() -> dict[str, tuple[int, int]]:
    """Every `| name | a/b ...` cell pair of the score table (both halves of each row)."""
    text = README.read_text(encoding="utf-8")
    start = text.index("**Score today**")
    table = text[start:text.index("\n\n", text.index("| mechanism |", start))]
    scores = {}
    for line in table.splitlines():
        for name, passed, total in CELL.findall(line):
            scores[name.strip()] = (int(passed), int(total))
    return scores


README_NAMES = {"calibration split": "calibration", "held-back split": "holdout",
                "held-back, independent of every calibrated value": "holdout, independent"}


@pytest.mark.slow
def test_readme_score_table_and_splits_line_match_the_atlas():
    """One test (one atlas run, whichever worker gets it): the table, then the quoted splits line."""
    import pandas as pd

    atlas_frame = pd.concat([run_experiment(chosen) for chosen in load_atlas()], ignore_index=True)
    measured = {row.name: (row.passed, row.total) for row in summary(atlas_frame).itertuples()}
    stated = {README_NAMES.get(name, name): score for name, score in _readme_scores().items()}
    assert set(stated) == set(measured), f"README table names {sorted(set(stated) ^ set(measured))} differ"
    wrong = {name: (stated[name], measured[name]) for name in measured if stated[name] != measured[name]}
    assert not wrong, f"README score (stated, measured): {wrong}"
    line = split_line(atlas_frame)
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert line in text, f"README does not quote today's `{line}`"
    stale = _readme_tool().rewrite(README.read_text(encoding="utf-8"), atlas_frame) != README.read_text(encoding="utf-8")
    assert not stale, "README's independent-record list or Limitations score is stale: run python tools/readme_scores.py"


def _readme_tool():
    """tools/readme_scores.py, the developer command that rewrites these figures."""
    import importlib.util

    path = README.parent / "tools" / "readme_scores.py"
    spec = importlib.util.spec_from_file_location("readme_scores", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
