"""Clinical validation targets (checks 1-4, 6 and 7 of the project's clinical-targets notes).

The targets live in ``data/clinical_targets.csv``, copied with their sources so that the
package never reads anything outside itself. Each row is one number with a ``low``-``high``
range in the model's units (calcium and phosphate fluxes in mmol/day, PTH and calcitriol in
pmol/L, FGF23 in pg/mL). Columns: ``check, quantity, observable, low, high, unit, source``.

``observable`` names a model observable, one of the :data:`DERIVED` quantities computed from
observables (ratios and balances), or, for the dynamic checks 6 and 7, the observable the
protocol measures (PTH or ionized calcium).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from io import StringIO

import pandas as pd

COLUMNS = ("check", "quantity", "observable", "low", "high", "unit", "source")

# quantities of checks 1-4 that are not observables themselves, as functions of observables
DERIVED = {
    "ionized_fraction": lambda v: v["ca_ionized"] / v["ca_total"],
    "ca_balance_residual": lambda v: v["gut_ca_absorption"] - v["urine_ca"] - v["bone_ca_balance"],
    "ca_reabsorption_fraction": lambda v: 1.0 - v["fe_calcium"],
    "urine_to_absorbed_phosphate": lambda v: v["urine_phosphate"] / v["gut_phosphate_absorption"],
}


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    text = resources.files("homeostasis.data").joinpath("clinical_targets.csv").read_text()
    frame = pd.read_csv(StringIO(text), dtype={"check": int, "low": float, "high": float})
    if tuple(frame.columns) != COLUMNS:
        raise ValueError(f"clinical_targets.csv: expected columns {COLUMNS}, got {tuple(frame.columns)}")
    return frame


def clinical_targets(check: int | None = None) -> pd.DataFrame:
    """The packaged clinical targets (all checks, or the rows of one ``check``)."""
    frame = _read().copy()
    if check is not None:
        frame = frame[frame["check"] == check].reset_index(drop=True)
    return frame


def target_value(observable: str, values: dict) -> float:
    """Value of a static target's ``observable`` from a dict of observable values."""
    if observable in DERIVED:
        return float(DERIVED[observable](values))
    return float(values[observable])
