"""Side by side with another model: its published (or computed) results on the atlas's own protocols.

A peer file (``peers/<name>.toml``, format described at the top of ``peers/openbonemin.toml``)
records what another model's authors published for experiments this atlas also holds: the
value, where it was read (text, printed output or a figure) and how precisely, or (``computed =
true``) a value obtained by running the peer's released equations on the record's protocol outside
this package, with how to reproduce it. :func:`compare` puts each one next to the measured value
and this package's value for the same row of the same record, and says which of the two models is
closer to the data. This package never runs the peer: its numbers are data, like the measurements.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

from ..errors import HomeostasisError, UnknownNameError
from .records import QUANTITIES, _Record, has_identifier

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PACKAGE = "homeostasis"
COLUMNS = ("experiment", "variable", "time_days", "quantity", "unit", "measured", "low", "high", "homeostasis",
           "peer", "homeostasis_distance", "peer_distance", "tie_within", "closer", "homeostasis_passes",
           "peer_passes", "figure_read", "computed", "source", "protocol_match")
_PREDICTION_KEYS = {"experiment", "variable", "time_days", "quantity", "value", "unit", "uncertainty", "source",
                    "figure_read", "computed", "what", "how", "protocol_match"}
_TOP_KEYS = {"peer", "source", "prediction", "unmatched"}


@dataclass(frozen=True)
class PeerPrediction:
    """One value of the peer for one measured row of an atlas record: published by its authors, or
    ``computed`` by running its released equations on the record's protocol (``how`` says where and how)."""

    experiment: str
    variable: str
    time_days: float
    quantity: str
    value: float
    unit: str
    uncertainty: float
    source: str
    figure_read: bool
    what: str
    how: str
    protocol_match: str
    computed: bool = False


@dataclass(frozen=True)
class Peer:
    """A peer model: its name, what was searched, its sources and its published predictions."""

    name: str
    url: str
    searched: str
    sources: dict
    predictions: tuple
    unmatched: tuple
    path: str = ""


# ---------------------------------------------------------------- reading

def available_peers(directory=None) -> list[str]:
    """Names of the peer files (``<name>.toml``) in ``directory`` (default: the packaged ``peers``)."""
    folder = _peers_folder() if directory is None else _as_path(directory)
    if not folder.is_dir():
        return []
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".toml"))


def load_peer(name: str, *, directory=None) -> Peer:
    """The validated peer file ``<name>.toml``; an unknown name is an error with a suggestion."""
    names = available_peers(directory)
    key = str(name).strip().lower()
    if key not in names:
        raise UnknownNameError("peer", str(name), names)
    folder = _peers_folder() if directory is None else _as_path(directory)
    entry = folder.joinpath(f"{key}.toml")
    return parse_peer(entry.read_text(encoding="utf-8"), path=str(entry))


def _peers_folder():
    from importlib import resources

    return resources.files("homeostasis.atlas").joinpath("peers")


def _as_path(directory):
    from pathlib import Path

    return Path(directory)


def parse_peer(text: str, *, path: str = "<peer>.toml") -> Peer:
    """Build a :class:`Peer` from the text of its file; every problem is one line naming the file."""
    record = _Record(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise HomeostasisError(f"{path}: expected valid TOML, got {' '.join(str(error).split())}") from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise record.fail("top-level key", f"one of {', '.join(sorted(_TOP_KEYS))}", unknown[0])
    header = record.table(data, "peer")
    sources = _sources(record, data.get("source", []))
    predictions = tuple(_prediction(record, entry, sources, index)
                        for index, entry in enumerate(_tables(record, data, "prediction")))
    unmatched = tuple(_unmatched(record, entry, sources, index)
                      for index, entry in enumerate(_tables(record, data, "unmatched")))
    return Peer(record.string(header, "name", "peer"), str(header.get("url", "")),
                record.string(header, "searched", "peer"), sources, predictions, unmatched, path)


def _tables(record: _Record, data: dict, key: str) -> list:
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise record.fail(f"[[{key}]]", "an array of tables", entries)
    return entries


def _sources(record: _Record, entries) -> dict:
    sources = {}
    for entry in _tables(record, {"source": entries}, "source"):
        key = record.string(entry, "key", "source")
        record.string(entry, "citation", "source")
        record.string(entry, "read_via", "source")
        if not has_identifier(entry):
            raise HomeostasisError(f"{record.path}: [[source]] {key}: expected a doi, pmid or url, got none")
        sources[key] = dict(entry)
    return sources


def _source_key(record: _Record, entry: dict, sources: dict, where: str) -> str:
    key = record.string(entry, "source", where)
    if key not in sources:
        raise UnknownNameError("peer source", key, list(sources))
    return key


def _prediction(record: _Record, entry: dict, sources: dict, index: int) -> PeerPrediction:
    where = f"prediction {index + 1}"
    unknown = sorted(set(entry) - _PREDICTION_KEYS)
    if unknown:
        raise record.fail(f"[[prediction]] {index + 1}", f"only the keys {', '.join(sorted(_PREDICTION_KEYS))}",
                          unknown[0])
    figure_read = _flag(record, entry, "figure_read", where, required=True)
    computed = _flag(record, entry, "computed", where, required=False)
    if computed and figure_read:
        raise record.fail(f"[{where}] figure_read", "false for a computed value (it is not read off a figure)",
                          figure_read)
    return PeerPrediction(
        record.string(entry, "experiment", where), record.string(entry, "variable", where),
        record.number(entry, "time_days", where, low=0.0), record.choice(entry, "quantity", QUANTITIES, where),
        record.number(entry, "value", where), record.string(entry, "unit", where),
        record.number(entry, "uncertainty", where, default=0.0, low=0.0), _source_key(record, entry, sources, where),
        figure_read, record.string(entry, "what", where), record.string(entry, "how", where),
        record.string(entry, "protocol_match", where), computed)


def _flag(record: _Record, entry: dict, key: str, where: str, *, required: bool) -> bool:
    value = record.need(entry, key, where) if required else entry.get(key, False)
    if not isinstance(value, bool):
        raise record.fail(f"[{where}] {key}", "true or false", value)
    return value


def _unmatched(record: _Record, entry: dict, sources: dict, index: int) -> dict:
    where = f"unmatched {index + 1}"
    _source_key(record, entry, sources, where)
    for key in ("what", "how", "reason"):
        record.string(entry, key, where)
    return dict(entry)


# ---------------------------------------------------------------- comparing

def distance(value: float, *, measured: float = math.nan, low: float = math.nan, high: float = math.nan) -> float:
    """How far a model value is from the data: from the mean, or from a range (0 inside it)."""
    if not math.isfinite(value):
        return math.nan
    if math.isfinite(measured):
        return abs(value - measured)
    low = low if math.isfinite(low) else -math.inf
    high = high if math.isfinite(high) else math.inf
    return max(low - value, 0.0, value - high)


def verdict(package_distance: float, peer_distance: float, *, peer: str, tie_within: float = 0.0) -> str:
    """``"homeostasis"``, the peer's name, ``"tie"`` (closer by no more than ``tie_within``) or ``"undecided"``."""
    if not (math.isfinite(package_distance) and math.isfinite(peer_distance)):
        return "undecided"
    gap = abs(package_distance - peer_distance)
    if gap <= tie_within or math.isclose(gap, tie_within, rel_tol=1e-9):  # a gap equal to the reading is a tie
        return "tie"
    return PACKAGE if package_distance < peer_distance else peer


def compare(peer: Peer, frame, experiments=None) -> "pandas.DataFrame":
    """One row per peer prediction: measured, this package, the peer, both distances and the closer one.

    ``frame`` is a :func:`homeostasis.atlas.runner.validate` table holding the named records; its
    values are in the model's units, and each peer value is converted to them. The reading
    uncertainty of a peer value is the margin within which the two count as a tie. With
    ``experiments`` (``{id: Experiment}``) the peer value is also scored by the record's own
    acceptance rule (``peer_passes``, beside the package's ``homeostasis_passes``).
    """
    import pandas as pd

    rows = []
    for prediction in peer.predictions:
        row = _atlas_row(frame, prediction)
        compared = _compared(peer, prediction, row)
        if experiments is not None:
            compared["peer_passes"] = _passes(experiments[prediction.experiment], prediction, row,
                                              compared["peer"])
        rows.append(compared)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _atlas_row(frame, prediction: PeerPrediction) -> dict:
    from .runner import without_attrs

    plain = without_attrs(frame)
    rows = plain[(plain["id"] == prediction.experiment) & (plain["variable"] == prediction.variable)
                 & ((plain["time_days"] - prediction.time_days).abs() < 1e-6)]
    if rows.empty:
        raise HomeostasisError(f"peer prediction {prediction.experiment} {prediction.variable} day "
                               f"{prediction.time_days:g}: expected a measured row of that record, got none")
    row = rows.iloc[0].to_dict()
    if row["quantity"] != prediction.quantity:
        raise HomeostasisError(f"peer prediction {prediction.experiment} {prediction.variable}: expected quantity "
                               f"{row['quantity']!r} (the record's), got {prediction.quantity!r}")
    return row


def _compared(peer: Peer, prediction: PeerPrediction, row: dict) -> dict:
    scale = _scale(prediction, row["unit"])
    value, tie_within = prediction.value * scale, prediction.uncertainty * scale
    bounds = {"measured": row["measured"], "low": row["low"], "high": row["high"]}
    judged = {"low": row["low"], "high": row["high"]} if row.get("rule") == "band" else bounds  # as the rule reads
    ours, theirs = distance(row["model"], **judged), distance(value, **judged)
    return {"experiment": prediction.experiment, "variable": prediction.variable, "time_days": prediction.time_days,
            "quantity": prediction.quantity, "unit": row["unit"], **bounds, "homeostasis": row["model"],
            "peer": value, "homeostasis_distance": ours, "peer_distance": theirs, "tie_within": tie_within,
            "closer": verdict(ours, theirs, peer=peer.name, tie_within=tie_within),
            "homeostasis_passes": row.get("passed"), "peer_passes": None,
            "figure_read": prediction.figure_read, "computed": prediction.computed, "source": peer.sources[prediction.source]["citation"],
            "protocol_match": prediction.protocol_match}


def _passes(experiment, prediction: PeerPrediction, row: dict, value: float) -> bool:
    """Whether the peer value satisfies the record's acceptance rule, as the runner scores the model."""
    import numpy as np

    from .records import RELATIVE_UNITS
    from .runner import accept, unit_factor

    rule, measured = experiment.acceptance, experiment.measurements
    match = measured[(measured["variable"] == prediction.variable)
                     & np.isclose(measured["time_days"].to_numpy(float), prediction.time_days)]
    scale = 1.0 if prediction.quantity in RELATIVE_UNITS else unit_factor(prediction.variable, match["unit"].iloc[0],
                                                                       row["unit"])
    return bool(accept(rule.rule, value, measured=row["measured"], sem=row["spread"], low=row["low"],
                       high=row["high"], k=rule.k, abs_tolerance=rule.abs_tolerance * scale,
                       min_fraction=rule.min_fraction, quantity=prediction.quantity))


def _scale(prediction: PeerPrediction, unit: str) -> float:
    """Factor from the peer value's unit to the unit of the atlas row (the model's)."""
    from .records import RELATIVE_UNITS
    from .runner import unit_factor

    if prediction.quantity in RELATIVE_UNITS:
        expected = RELATIVE_UNITS[prediction.quantity]
        if prediction.unit != expected:
            raise HomeostasisError(f"peer prediction {prediction.experiment} {prediction.variable}: expected unit "
                                   f"{expected!r} for {prediction.quantity}, got {prediction.unit!r}")
        return 1.0
    return unit_factor(prediction.variable, prediction.unit, unit)


def peer_report(name: str, *, directory=None, records=None):
    """Run the records a peer file names and compare (see :func:`compare`); returns the table and the peer."""
    from .records import load_atlas
    from .runner import validate

    peer = load_peer(name, directory=directory)
    known = {experiment.id: experiment for experiment in load_atlas(records)}
    for prediction in peer.predictions:
        if prediction.experiment not in known:
            raise UnknownNameError("experiment", prediction.experiment, sorted(known))
    only = sorted({prediction.experiment for prediction in peer.predictions})
    frame = validate(only=only, directory=records, progress=False) if only else None
    return compare(peer, frame, experiments=known), peer


def tally(table, *, computed=None) -> dict:
    """How many comparisons each side wins: ``{"homeostasis": n, <peer>: m, "tie": k, "undecided": u}``;
    with ``computed`` True or False, only over the computed or over the published peer values."""
    if computed is not None:
        table = table[table["computed"].astype(bool) == bool(computed)]
    return {str(name): int(count) for name, count in table["closer"].value_counts().items()}
