"""Rewrite the README's atlas figures from one run of the whole atlas (a developer command).

    python tools/readme_scores.py            # run the atlas, rewrite README.md in place
    python tools/readme_scores.py --check    # run the atlas, exit 1 if README.md is stale

What it rewrites (everything else in the README is prose written by hand): the score table
under "**Score today**" (each mechanism's passing/total; the 0.1.0 figures in brackets are
kept by name, "–" for a mechanism that version did not have), the quoted `splits: ...` line, the
count of held-back records cited by a calibrated parameter, the list of independent held-back
records by status, the score sentence of the Limitations section and the count of records and
sources ("holds N published human experiments from M sources").
`tests/test_readme_scores.py` (slow tier) checks the table and the splits line.
"""
from __future__ import annotations

import argparse
import re
import sys
import textwrap
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"\|\s*\**([a-z][a-z0-9 ,\-]*?)\**\s*\|\s*\**\d+/\d+\**\s*(\([^)]*\))?")
SPLITS = re.compile(r"splits: calibration \d+/\d+, holdout \d+/\d+ \(independent of every calibrated value \d+/\d+\)")
CITED = re.compile(r"Of the \d+ held-back records \d+ are cited")
INDEPENDENT = re.compile(r"The \d+ that remain independent \(\d+ pass: [^;]*; \d+ fail:[^)]*\)", re.S)
LIMITATION = re.compile(r"The atlas score is \d+ of \d+ published experiments \(calibration split \d+/\d+, "
                        r"held-back \d+/\d+;\s+of the held-back records only \d+ are still independent of every "
                        r"calibrated value, and \d+ of those\s+pass", re.S)
HOLDS = re.compile(r"holds \d+ published human experiments from \d+ sources")
TOTALS = {"calibration": "calibration split", "holdout": "held-back split", "all": "all",
          "holdout, independent": "held-back, independent of every calibrated value"}


def fill(text: str) -> str:
    """Wrapped at the README's 100 columns, never inside a record id."""
    return textwrap.fill(text, width=100, break_on_hyphens=False, break_long_words=False)


def run_atlas():
    """The tidy atlas frame of today's model (every packaged record)."""
    import pandas as pd

    from homeostasis.atlas import load_atlas
    from homeostasis.atlas.runner import run_experiment

    return pd.concat([run_experiment(chosen) for chosen in load_atlas()], ignore_index=True)


def old_brackets(text: str) -> dict[str, str]:
    """The 0.1.0 figure in brackets after each name of today's table."""
    start = text.index("**Score today**")
    table = text[start:text.index("\n\n", text.index("| mechanism |", start))]
    return {name.strip(): (bracket or "") for name, bracket in ROW.findall(table)}


def score_table(scores, brackets: dict[str, str]) -> str:
    """The two-column markdown table: mechanisms in order, then the splits and the total."""
    def cell(name, label, bold=False):
        passed, total = scores[name]
        figure = f"{passed}/{total}"
        bracket = brackets.get(label, "(–)" if not bold else "")
        text_label, text_figure = (f"**{label}**", f"**{figure}**") if bold else (label, figure)
        return f"{text_label} | {text_figure}{' ' + bracket if bracket else ''}"

    mechanisms = sorted(name for name in scores if name not in TOTALS)
    half = (len(mechanisms) + 1) // 2
    left, right = mechanisms[:half], mechanisms[half:]
    lines = ["| mechanism | passing | | mechanism | passing |", "|---|---|---|---|---|"]
    for index, name in enumerate(left):
        other = f" | {cell(right[index], right[index])} |" if index < len(right) else " | | |"
        lines.append(f"| {cell(name, name)} |{other}")
    lines.append(f"| {cell('calibration', TOTALS['calibration'], True)} | | "
                 f"{cell('holdout', TOTALS['holdout'], True)} |")
    lines.append(f"| {cell('all', 'all', True)} | | {cell('holdout, independent', TOTALS['holdout, independent'], True)} |")
    return "\n".join(lines)


def holdings() -> str:
    """How many records the atlas holds and from how many sources (distinct doi, PMID or url)."""
    from homeostasis.atlas import load_atlas

    records = load_atlas()
    sources = {str(chosen.source.get("doi") or chosen.source.get("pmid") or chosen.source.get("url")
                   or chosen.id).lower() for chosen in records}
    return f"holds {len(records)} published human experiments from {len(sources)} sources"


def rewrite(text: str, frame) -> str:
    """``text`` with every figure listed in the module docstring set from ``frame``."""
    from homeostasis.atlas.runner import experiment_table, split_line, summary

    experiments = experiment_table(frame)
    scores = {row.name: (int(row.passed), int(row.total)) for row in summary(frame, experiments=experiments).itertuples()}
    start = text.index("| mechanism |", text.index("**Score today**"))
    end = text.index("\n\n", start)
    text = text[:start] + score_table(scores, old_brackets(text)) + text[end:]
    text = SPLITS.sub(split_line(frame, experiments=experiments), text)
    held = experiments[experiments["split"] == "holdout"]
    independent = held[held["calibration_uses"] == ""]
    text = CITED.sub(f"Of the {len(held)} held-back records {len(held) - len(independent)} are cited", text)
    passing = sorted(independent[independent["passed"]]["id"])
    failing = sorted(independent[~independent["passed"]]["id"])
    listing = fill(f"The {len(independent)} that remain independent ({len(passing)} pass: " + ", ".join(passing)
                   + f"; {len(failing)} fail: " + ", ".join(failing) + ")")
    text = INDEPENDENT.sub(lambda _: listing, text)
    total, calibration, holdout = scores["all"], scores["calibration"], scores["holdout"]
    limitation = (f"The atlas score is {total[0]} of {total[1]} published experiments (calibration split "
                  f"{calibration[0]}/{calibration[1]}, held-back {holdout[0]}/{holdout[1]};\n  of the held-back "
                  f"records only {len(independent)} are still independent of every calibrated value, and "
                  f"{len(passing)} of those\n  pass")
    text = HOLDS.sub(holdings(), text)
    return LIMITATION.sub(lambda _: limitation, text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale; change nothing")
    options = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    new = rewrite(text, run_atlas())
    if options.check:
        print("README atlas figures are " + ("up to date" if new == text else "stale"))
        return int(new != text)
    README.write_text(new, encoding="utf-8")
    print("README.md " + ("unchanged" if new == text else "rewritten"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
