"""Helpers shared by the tests: constants of the test protocols and the clinical targets.

The clinical targets (checks 1-4, 6 and 7 of the project's clinical-targets notes) live in
``tests/data/clinical_targets.csv``, copied with their sources. Each row is one number with a
``low``-``high`` range in the model's units (calcium and phosphate fluxes in mmol/day, PTH and
calcitriol in pmol/L, FGF23 in pg/mL). Columns: ``check, quantity, observable, low, high,
unit, source``. ``observable`` names a model observable, one of the :data:`DERIVED` quantities
computed from observables (ratios and balances), or, for the dynamic checks 6 and 7, the
observable the protocol measures (PTH or ionized calcium).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from homeostasis.model.regulation import lambdify_modules

DATA = Path(__file__).parent / "data"
MINUTE = 1.0 / 1440.0  # days
WASHOUT_TIMES = np.linspace(0.0, 30 * MINUTE, 61)  # 30 min every 30 s
PARATHYROIDECTOMY = {"pth_gland": 0.0, "parathyroid_mass": 0.0}

# numeric versions of the model's own SymPy functions (pos = max(x, 0); step = derivative of pos)
LAMBDIFY_MODULES = lambdify_modules("math")  # pos, step and power, as the package defines them

COLUMNS = ("check", "quantity", "observable", "low", "high", "unit", "source")

# quantities of checks 1-4 that are not observables themselves, as functions of observables
DERIVED = {
    "ionized_fraction": lambda v: v["ca_ionized"] / v["ca_total"],
    "ca_balance_residual": lambda v: v["gut_ca_absorption"] - v["urine_ca"] - v["bone_ca_balance"],
    "ca_reabsorption_fraction": lambda v: 1.0 - v["fe_ca"],
    "urine_to_absorbed_phosphate": lambda v: v["urine_phosphate"] / v["gut_phosphate_absorption"],
}


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "clinical_targets.csv", dtype={"check": int, "low": float, "high": float})
    if tuple(frame.columns) != COLUMNS:
        raise ValueError(f"clinical_targets.csv: expected columns {COLUMNS}, got {tuple(frame.columns)}")
    return frame


def clinical_targets(check: int | None = None) -> pd.DataFrame:
    """The clinical targets (all checks, or the rows of one ``check``)."""
    frame = _read().copy()
    if check is not None:
        frame = frame[frame["check"] == check].reset_index(drop=True)
    return frame


def target_value(observable: str, values: dict) -> float:
    """Value of a static target's ``observable`` from a dict of observable values."""
    if observable in DERIVED:
        return float(DERIVED[observable](values))
    return float(values[observable])


def run_cli(capsys, *arguments):
    """Exit status, stdout and stderr of one in-process command (arguments may be paths or numbers)."""
    from homeostasis.cli import main

    status = main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# the [source] table of a synthetic atlas record (tests that parse records written in the test)
SYNTHETIC_SOURCE = """\
[source]
authors = "Doe J"
journal = "Synthetic Test Journal"
year = 2020
pmid = "00000001"
"""


def assert_refused(parse, row: str, rule: str, fragment: str) -> None:
    """A synthetic record with this csv row and acceptance rule is refused, naming ``fragment``."""
    import pytest

    from homeostasis.errors import HomeostasisError

    with pytest.raises(HomeostasisError) as error:
        parse(row, rule)
    assert fragment in str(error.value)


def synthetic_toml(identifier: str, title: str, mechanism: str, protocol: str) -> str:
    """The toml of a synthetic atlas record: held back, the shared [source], the given [protocol]
    lines (scenario, interventions, start, days) and a RULE placeholder for the acceptance rule."""
    return (f'id = "{identifier}"\ntitle = "{title}"\nmechanisms = ["{mechanism}"]\nsplit = "holdout"\n'
            f'figure_read = false\n\n{SYNTHETIC_SOURCE}\n[protocol]\n{protocol}\n\n[acceptance]\nrule = "RULE"\n')


# the csv header of a synthetic atlas record with the optional window column
WINDOW_HEADER = "time_days,variable,quantity,value,unit,spread,spread_kind,n,low,high,note,window_days\n"


def parse_synthetic(toml: str, rows: str, rule: str, path: str):
    """A synthetic record from its toml (with a RULE placeholder for the acceptance rule) and csv rows."""
    from homeostasis.atlas.records import parse_experiment

    return parse_experiment(toml.replace("RULE", rule), WINDOW_HEADER + rows, path=path)
