"""Atlas records: one published experiment = ``<id>.toml`` (what was done) + ``<id>.csv`` (what was measured).

Records are validated when they are loaded, so that a typo in a record is reported once, on one
line naming the file, instead of surfacing later as a wrong score. The format is described in
the atlas format note (``docs/atlas-format.md``); the constants below are its vocabulary.
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import HomeostasisError
from ..protocol.interventions import split_intervention

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MECHANISMS = (
    "healthy-reference", "calcium-intake", "phosphate-intake", "calcium-clamp", "pth-secretion",
    "pth-infusion", "calcitriol-dosing", "vitamin-d", "phpt", "parathyroidectomy", "cinacalcet",
    "hypoparathyroidism", "sarcoidosis", "glucocorticoid", "vitamin-d-intoxication", "hhm", "ckd",
    "hemodialysis", "fgf23", "bone", "diuretics",
    "acid-base", "iv-calcium", "daily-rhythm", "saline", "calcitonin",
)
SPLITS = ("calibration", "holdout")
STARTS = ("healthy", "steady")
RULES = ("within", "band", "direction")
# a 24-h cosine fitted to the model over the row's window (window_days required): its amplitude, in
# the variable's unit, or its acrophase, a clock hour (atlas.runner.cosinor)
COSINOR_QUANTITIES = ("cosinor_amplitude", "cosinor_acrophase")
# the maximum (peak) or minimum (nadir) of the model over the row's window (window_days required), as a level or
# relative to the model at the baseline day as change, percent_change or ratio: what a paper's Cmax / 'peak' /
# 'maximum', or 'nadir' / 'lowest value' / 'maximal fall', measures (atlas.runner.window_extreme)
EXTREME_QUANTITIES = tuple(extreme + form for extreme in ("peak", "nadir")
                           for form in ("", "_change", "_percent_change", "_ratio"))
QUANTITIES = ("absolute", "change", "percent_change", "ratio", *COSINOR_QUANTITIES, *EXTREME_QUANTITIES)
WINDOW_QUANTITIES = COSINOR_QUANTITIES + EXTREME_QUANTITIES  # one number read off the whole window
SPREAD_KINDS = ("sd", "sem", "ci95", "none")
COLUMNS = ("time_days", "variable", "quantity", "value", "unit", "spread", "spread_kind", "n", "low", "high", "note")
# optional: the length (days) of a timed collection ending at time_days (blank: a value at one moment)
OPTIONAL_COLUMNS = ("window_days",)


def relative_form(quantity: str) -> str:
    """How a quantity relates to the model at the baseline day: absolute, change, percent_change or
    ratio (``nadir_ratio`` -> ``ratio``, ``peak`` -> ``absolute``; a cosinor quantity is absolute)."""
    if quantity in COSINOR_QUANTITIES:
        return "absolute"
    if quantity in EXTREME_QUANTITIES:
        return quantity.partition("_")[2] or "absolute"
    return quantity


def extreme_kind(quantity: str) -> str | None:
    """``'maximum'`` for a peak quantity, ``'minimum'`` for a nadir quantity, None for any other."""
    if quantity not in EXTREME_QUANTITIES:
        return None
    return "maximum" if quantity.startswith("peak") else "minimum"


# the only unit each relative quantity may have
RELATIVE_UNITS = {quantity: {"percent_change": "%", "ratio": "ratio"}[relative_form(quantity)]
                  for quantity in QUANTITIES if relative_form(quantity) in ("percent_change", "ratio")}
FIXED_UNITS = {**RELATIVE_UNITS, "cosinor_acrophase": "h"}  # quantities with one unit, whatever the variable

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_VARIABLE = re.compile(r"[a-z][a-z0-9_]*")
_PROTOCOL_KEYS = {"scenario", "settings", "interventions", "start", "days", "baseline_day", "requires"}
_ACCEPTANCE_KEYS = {"rule", "k", "abs_tolerance", "min_fraction", "note", "known_failure"}


@dataclass(frozen=True)
class Protocol:
    """How the experiment is reproduced with :func:`homeostasis.simulate`."""

    scenario: str
    days: float
    settings: dict = field(default_factory=dict)
    interventions: tuple = ()
    start: str = "healthy"
    baseline_day: float = 0.0
    requires: tuple = ()


@dataclass(frozen=True)
class Acceptance:
    """When the model agrees with the publication (the rule is stated per record, with a reason)."""

    rule: str
    k: float = 2.0
    abs_tolerance: float = 0.0
    min_fraction: float = 0.5
    note: str = ""
    known_failure: str = ""  # the mechanism the model lacks, when it does not yet reproduce the record


@dataclass(frozen=True, eq=False)
class Experiment:
    """One validated atlas record; ``measurements`` holds the csv with numeric columns as floats."""

    id: str
    title: str
    mechanisms: tuple
    split: str
    figure_read: bool
    source: dict
    population: dict
    protocol: Protocol
    acceptance: Acceptance
    measurements: "pandas.DataFrame"
    path: str = ""

    @property
    def mechanism(self) -> str:
        """The first (primary) mechanism tag: the one the score table groups by."""
        return self.mechanisms[0]

    @property
    def citation(self) -> str:
        """Short citation, ``"Brent GA et al. (1988) J Clin Endocrinol Metab"``."""
        authors = [a.strip() for a in str(self.source.get("authors", "")).split(",") if a.strip()]
        if len(authors) > 2:
            names = f"{authors[0]} et al."
        else:
            names = " and ".join(authors)
        year = self.source.get("year")
        year = f"{year:.0f}" if isinstance(year, (int, float)) else "n.d."
        return f"{names} ({year}) {self.source.get('journal', '')}".strip()


def calibration_uses(experiment: Experiment) -> tuple:
    """Parameters whose source says they were calibrated with this experiment's paper: the row's
    source says "calibrat" and names the record's id, or its first author with the year within a
    few words (a strict reading: a paper cited there only as a check also counts). A held-back
    record cited this way no longer tests the model independently, and the score says so
    (:func:`.runner.summary`)."""
    from ..parameters.table import parameter_table

    authors = str(experiment.source.get("authors", "")).split(",")
    surname = authors[0].strip().split(" ")[0] if authors and authors[0].strip() else ""
    year = experiment.source.get("year")
    if not surname or not isinstance(year, (int, float)):
        return ()
    cited = re.compile(rf"\b{re.escape(surname)}\b[^;()]{{0,40}}?\b{year:.0f}\b")
    return tuple(name for name, info in parameter_table().items()
                 if "calibrat" in info.source.lower() and (experiment.id in info.source or cited.search(info.source)))


class _Record:
    """Error reporting for one file: every problem becomes a one-line HomeostasisError naming it."""

    def __init__(self, path):
        self.path = str(path)

    def fail(self, what: str, expected: str, got) -> HomeostasisError:
        shown = " ".join(repr(got).split())
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return HomeostasisError(f"{self.path}: {what}: expected {expected}, got {shown}")

    def need(self, table: dict, key: str, where: str = ""):
        if key not in table:
            label = f"[{where}] {key}" if where else key
            raise HomeostasisError(f"{self.path}: missing key {label!r}")
        return table[key]

    def string(self, table, key, where="", *, default=None):
        value = table.get(key, default) if default is not None else self.need(table, key, where)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(_label(key, where), "a non-empty string", value)
        return value.strip()

    def number(self, table, key, where="", *, default=None, low=-math.inf, high=math.inf):
        value = table.get(key, default) if default is not None else self.need(table, key, where)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not low <= value <= high:
            raise self.fail(_label(key, where), f"a number in [{low:g}, {high:g}]", value)
        return float(value)

    def choice(self, table, key, choices, where="", *, default=None):
        value = table.get(key, default) if default is not None else self.need(table, key, where)
        if value not in choices:
            raise self.fail(_label(key, where), f"one of {', '.join(choices)}", value)
        return value

    def strings(self, table, key, where="", *, default=None):
        value = table.get(key, default) if default is not None else self.need(table, key, where)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(_label(key, where), "a list of non-empty strings", value)
        return tuple(v.strip() for v in value)

    def table(self, data, key, *, required=True, allowed=None):
        value = data.get(key) if not required else self.need(data, key)
        value = {} if value is None else value
        if not isinstance(value, dict):
            raise self.fail(f"[{key}]", "a table", value)
        unknown = sorted(set(value) - allowed) if allowed else []
        if unknown:
            raise self.fail(f"[{key}]", f"only the keys {', '.join(sorted(allowed))}", unknown[0])
        return value


def _label(key, where):
    return f"[{where}] {key}" if where else key


def load_atlas(directory=None) -> list[Experiment]:
    """Every record of ``directory`` (default: the packaged ``homeostasis/atlas/experiments``), by id.

    A folder that does not exist holds no records (the packaged one may be empty on a branch).
    """
    folder = _experiments_folder() if directory is None else Path(directory)
    if not folder.is_dir():
        return []
    files = {entry.name: entry for entry in folder.iterdir() if entry.is_file()}
    stems = {name[:-5] for name in files if name.endswith(".toml")}
    for name in sorted(files):
        if name.endswith(".csv") and name[:-4] not in stems:
            raise HomeostasisError(f"{_join(folder, name)}: expected a matching {name[:-4]}.toml, got none")
    experiments = []
    for stem in sorted(stems):
        csv_name = f"{stem}.csv"
        if csv_name not in files:
            raise HomeostasisError(f"{_join(folder, stem + '.toml')}: expected a matching {csv_name}, got none")
        experiments.append(parse_experiment(files[f"{stem}.toml"].read_text(encoding="utf-8"),
                                            files[csv_name].read_text(encoding="utf-8"),
                                            path=_join(folder, f"{stem}.toml"), stem=stem))
    return experiments


def _experiments_folder():
    from importlib import resources

    return resources.files("homeostasis.atlas").joinpath("experiments")


def _join(folder, name) -> str:
    return str(folder.joinpath(name)) if hasattr(folder, "joinpath") else f"{folder}/{name}"


def parse_experiment(toml_text: str, csv_text: str, *, path="<record>.toml", stem=None) -> Experiment:
    """Build one validated :class:`Experiment` from the text of its two files."""
    record = _Record(path)
    try:
        data = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as error:
        raise HomeostasisError(f"{path}: expected valid TOML, got {' '.join(str(error).split())}") from None
    identifier = record.string(data, "id")
    if not _ID.fullmatch(identifier):
        raise record.fail("id", "lowercase words joined by hyphens", identifier)
    if stem is not None and identifier != stem:
        raise record.fail("id", f"the file stem {stem!r}", identifier)
    mechanisms = record.strings(data, "mechanisms")
    if not mechanisms:
        raise record.fail("mechanisms", "at least one tag", [])
    for tag in mechanisms:
        if tag not in MECHANISMS:
            raise record.fail("mechanisms", f"tags of the atlas vocabulary{_hint(tag, MECHANISMS)}", tag)
    figure_read = record.need(data, "figure_read")
    if not isinstance(figure_read, bool):
        raise record.fail("figure_read", "true or false", figure_read)
    protocol = _protocol(record, record.table(data, "protocol", allowed=_PROTOCOL_KEYS))
    acceptance = _acceptance(record, record.table(data, "acceptance", allowed=_ACCEPTANCE_KEYS))
    population = record.table(data, "population", required=False)
    if "n" in population:
        record.number(population, "n", "population", low=1)
    csv_path = str(path)[:-5] + ".csv" if str(path).endswith(".toml") else f"{path}.csv"
    measurements = _measurements(_Record(csv_path), csv_text, protocol, acceptance, population)
    return Experiment(identifier, record.string(data, "title"), mechanisms,
                      record.choice(data, "split", SPLITS), figure_read, _source(record, data),
                      dict(population), protocol, acceptance, measurements, str(path))


def _hint(name, valid) -> str:
    import difflib

    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


IDENTIFIERS = ("doi", "pmid", "url")  # a url only where a source has neither (a drug label)


def has_identifier(entry: dict) -> bool:
    """Whether a source (an atlas record's or a peer record's) names a doi, pmid or url."""
    return any(str(entry.get(key, "")).strip() for key in IDENTIFIERS)


def _source(record: _Record, data: dict) -> dict:
    source = record.table(data, "source")
    record.string(source, "authors", "source")
    record.string(source, "journal", "source")
    record.number(source, "year", "source", low=1800, high=2100)
    if not has_identifier(source):
        raise HomeostasisError(f"{record.path}: [source]: expected a doi, pmid or url (a label), got none")
    return dict(source)


def _protocol(record: _Record, table: dict) -> Protocol:
    days = record.number(table, "days", "protocol", low=1e-9)
    settings = table.get("settings", {})
    if not isinstance(settings, dict):
        raise record.fail("[protocol] settings", "a table {name = number}", settings)
    for name in settings:
        record.number(settings, name, "protocol.settings")
    interventions = record.strings(table, "interventions", "protocol", default=[])
    for text in interventions:
        if split_intervention(text) is None:
            raise record.fail("[protocol] interventions", "NAME@DAY[:key=value,...]", text)
    return Protocol(record.string(table, "scenario", "protocol"), days, dict(settings), interventions,
                    record.choice(table, "start", STARTS, "protocol", default="healthy"),
                    record.number(table, "baseline_day", "protocol", default=0.0, low=0.0, high=days),
                    record.strings(table, "requires", "protocol", default=[]))


def _acceptance(record: _Record, table: dict) -> Acceptance:
    rule = record.choice(table, "rule", RULES, "acceptance")
    note, known = table.get("note", ""), table.get("known_failure", "")
    if not isinstance(note, str):
        raise record.fail("[acceptance] note", "a string", note)
    if not isinstance(known, str):
        raise record.fail("[acceptance] known_failure", "a string naming the missing mechanism", known)
    return Acceptance(rule, record.number(table, "k", "acceptance", default=2.0, low=0.0),
                      record.number(table, "abs_tolerance", "acceptance", default=0.0, low=0.0),
                      record.number(table, "min_fraction", "acceptance", default=0.5, low=0.0, high=1.0),
                      note, known)


def _measurements(record: _Record, text: str, protocol: Protocol, acceptance: Acceptance,
                  population: dict):
    """The csv as a frame (numbers as floats, blanks as NaN), every row checked against the rule."""
    rows = list(csv.reader(io.StringIO(text)))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise record.fail("header", ",".join(COLUMNS), "an empty file")
    header = [cell.strip() for cell in rows[0]]
    given = [c for c in header if c not in OPTIONAL_COLUMNS]
    if sorted(given) != sorted(COLUMNS) or len(set(header)) != len(header):
        extra = [c for c in given if c not in COLUMNS] or [c for c in COLUMNS if c not in given] or header
        raise record.fail("header", f"the columns {','.join(COLUMNS)} (optionally {','.join(OPTIONAL_COLUMNS)})",
                          ",".join(header) if not extra else extra[0])
    if len(rows) < 2:
        raise record.fail("rows", "at least one measurement", "none")
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise record.fail(f"line {line}", f"{len(header)} cells", len(row))
        out.append(_row(record, line, dict(zip(header, (c.strip() for c in row))), protocol, acceptance, population))
    import pandas as pd  # imported when records are read, not when the CLI starts

    return pd.DataFrame(out, columns=[*COLUMNS, *OPTIONAL_COLUMNS])


def _row(record, line, cells, protocol, acceptance, population) -> dict:
    row = {"variable": cells["variable"], "quantity": cells["quantity"], "unit": cells["unit"],
           "spread_kind": cells["spread_kind"] or "none", "note": cells["note"]}
    where = f"line {line}"
    for name in ("time_days", "value", "spread", "n", "low", "high"):
        row[name] = _cell_number(record, where, name, cells[name])
    if math.isnan(row["time_days"]) or not 0.0 <= row["time_days"] <= protocol.days + 1e-9:
        raise record.fail(f"{where} time_days", f"a day in [0, {protocol.days:g}] (protocol days)", cells["time_days"])
    row["window_days"] = _cell_number(record, where, "window_days", cells.get("window_days", ""))
    if not math.isnan(row["window_days"]) and not 0.0 < row["window_days"] <= row["time_days"] + 1e-9:
        raise record.fail(f"{where} window_days", f"a collection length in (0, {row['time_days']:g}] days "
                          "(it ends at time_days and starts at or after day 0) or an empty cell", cells["window_days"])
    if not _VARIABLE.fullmatch(row["variable"]):
        raise record.fail(f"{where} variable", "an observable name such as ca_total", row["variable"])
    if row["quantity"] not in QUANTITIES:
        raise record.fail(f"{where} quantity", f"one of {', '.join(QUANTITIES)}", row["quantity"])
    if row["quantity"] in WINDOW_QUANTITIES and math.isnan(row["window_days"]):
        raise record.fail(f"{where} window_days", f"the length of the profile the {row['quantity']} is read over",
                          "")
    _check_unit(record, where, row)
    if row["spread_kind"] not in SPREAD_KINDS:
        raise record.fail(f"{where} spread_kind", f"one of {', '.join(SPREAD_KINDS)}", row["spread_kind"])
    if row["spread_kind"] != "none" and not row["spread"] >= 0:
        raise record.fail(f"{where} spread", f"a number >= 0 for spread_kind {row['spread_kind']}", cells["spread"])
    if row["spread_kind"] == "sd" and math.isnan(row["n"]):
        row["n"] = float(population.get("n", math.nan))
        if math.isnan(row["n"]):
            raise record.fail(f"{where} n", "the number of subjects (spread_kind sd), here or in [population] n", "")
    if not math.isnan(row["n"]) and row["n"] < 1:
        raise record.fail(f"{where} n", "a number of subjects >= 1", cells["n"])
    if acceptance.rule == "band":
        if math.isnan(row["low"]) or math.isnan(row["high"]) or row["low"] > row["high"]:
            raise record.fail(f"{where} low,high", "numbers with low <= high (rule band)", f"{cells['low']},{cells['high']}")
    elif math.isnan(row["value"]):
        raise record.fail(f"{where} value", f"a number (rule {acceptance.rule})", cells["value"])
    if acceptance.rule == "direction" and relative_form(row["quantity"]) == "absolute":
        raise record.fail(f"{where} quantity", "change, percent_change or ratio (rule direction)", row["quantity"])
    return row


def _cell_number(record, where, name, text) -> float:
    if text == "":
        return math.nan
    try:
        number = float(text)
    except ValueError:
        raise record.fail(f"{where} {name}", "a number or an empty cell", text) from None
    if not math.isfinite(number):
        raise record.fail(f"{where} {name}", "a finite number", text)
    return number


def _check_unit(record, where, row) -> None:
    from .conversions import known_units

    wanted = FIXED_UNITS.get(row["quantity"])
    if wanted is not None and row["unit"] != wanted:
        raise record.fail(f"{where} unit", f"{wanted!r} for quantity {row['quantity']}", row["unit"])
    if wanted is None and row["unit"] not in known_units():
        raise record.fail(f"{where} unit", f"one of {', '.join(sorted(known_units()))}", row["unit"])
