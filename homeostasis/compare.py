"""Run several scenarios (each with its own settings and label) into one tidy table.

A scenario *spec* is a scenario with settings and a label; the label becomes the ``scenario``
column of the table, so it names the line and the legend entry in a figure::

    from .compare import run_comparison
    from .plotting.time_courses import plot_time_courses

    frame = run_comparison(["ckd:gfr_final=45", "ckd:gfr_final=15"], days=3650)
    figure = plot_time_courses(frame, variables=["phosphate", "pth", "fgf23"])

On the command line the same text is used: ``SCENARIO[:NAME=VALUE,...]``, with an optional
``label=TEXT`` among the settings (``ckd:gfr_final=15,label=CKD G4``). Interventions belong
to a spec, so treated and untreated patients sit side by side: each ``+NAME@DAY[:key=value,...]``
adds one (``parathyroid-adenoma+parathyroidectomy@300``), as does the setting
``intervention=NAME@DAY[:key=value;...]`` (options separated by ``;`` there, because ``,``
separates the settings). Interventions given for every spec (``interventions=``,
``--intervention``) leave the ``healthy`` reference untouched and are named in the other labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from ._version import __version__
from .errors import HomeostasisError, UnknownNameError, check_finite_number, warn_renamed
from .protocol.interventions import as_interventions
from .clinical_units import convert_frame
from .plotting.progress import progress
from .scenarios.base import Scenario, load_scenario
from .simulation.results import current_names

SPEC_SYNTAX = "SCENARIO[:NAME=VALUE,...][,intervention=NAME@DAY][,label=TEXT][+NAME@DAY[:key=value,...]]..."
LABEL_KEY = "label"
INTERVENTION_KEY = "intervention"
REFERENCE_SCENARIO = "healthy"  # never given the interventions meant for every scenario
ROUND_OFF = 1e-9  # |values| below this are shown as 0 in summary tables


@dataclass(frozen=True)
class ScenarioSpec:
    """One line of a comparison: a scenario, its settings, interventions and label.

    ``scenario`` is a name, a path to a ``.py`` scenario file or a Scenario; ``settings`` are
    ``{name: value}`` knob or parameter values; ``interventions`` are applied to this run
    only (as strings ``NAME@DAY[:...]``, Intervention objects or tuples); ``label`` defaults
    to the scenario name followed by the settings.
    """

    scenario: object
    settings: dict = field(default_factory=dict)
    label: str | None = None
    interventions: tuple = ()

    def __post_init__(self):
        if not isinstance(self.settings, dict):
            raise TypeError(f"ScenarioSpec settings: expected a dict {{name: value}}, got {type(self.settings).__name__}")
        if self.label is not None and not (isinstance(self.label, str) and self.label.strip()):
            raise HomeostasisError(f"ScenarioSpec label: expected a non-empty string, got {self.label!r}")
        if isinstance(self.interventions, str):
            object.__setattr__(self, "interventions", (self.interventions,))
        object.__setattr__(self, "interventions", tuple(self.interventions))

    @property
    def name(self) -> str:
        """Deprecated: this is the shown label, not the scenario's name; use :attr:`shown_label`."""
        warn_renamed("ScenarioSpec property", "name", "shown_label")
        return self.shown_label

    @property
    def shown_label(self) -> str:
        """The label shown in the figure and in the ``scenario`` column (``label``, or the
        scenario's name followed by its settings and interventions)."""
        if self.label:
            return self.label
        base = load_scenario(self.scenario).name  # a file's scenario is labelled by its own name
        settings = ",".join(f"{key}={value:g}" for key, value in self.settings.items())
        treated = "".join(f"+{_short(item)}" for item in self.interventions)
        return (f"{base}:{settings}" if settings else base) + treated


def parse_spec(text: str) -> ScenarioSpec:
    """``"ckd:gfr_final=15,label=CKD G4"`` to a ScenarioSpec (default label: ``ckd:gfr_final=15``);
    ``"parathyroid-adenoma+parathyroidectomy@300"`` adds an intervention to that spec alone."""
    from .protocol.interventions import parse_intervention

    text = str(text).strip()
    if text.endswith("+"):
        raise HomeostasisError(f"scenario spec {text!r}: expected NAME@DAY after '+', got nothing")
    head, *treatments = (part.strip() for part in re.split(r"\+(?=\s*[A-Za-z])", text))
    scenario, rest = _split_head(head)
    if not scenario:
        raise HomeostasisError(f"scenario spec {text!r}: expected {SPEC_SYNTAX}")
    settings, label, interventions = {}, None, []
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, equals, value = (part.strip() for part in item.partition("="))
        if not equals or not key or not value:
            raise HomeostasisError(f"scenario spec {text!r}: expected NAME=VALUE, got {item!r}")
        if key == LABEL_KEY:
            label = value
        elif key == INTERVENTION_KEY:
            interventions.append(value.replace(";", ","))
        elif key in settings:
            raise HomeostasisError(f"scenario spec {text!r}: {key} is set twice")
        else:
            settings[key] = check_finite_number(key, value)
    interventions += [part for part in treatments]
    for item in interventions:
        if not item:
            raise HomeostasisError(f"scenario spec {text!r}: expected NAME@DAY after '+', got nothing")
        try:
            parse_intervention(item)
        except UnknownNameError:
            raise  # its own message names the spec's intervention and suggests the nearest
        except HomeostasisError as error:
            raise HomeostasisError(f"scenario spec {text!r}: {error}") from None
    checked = as_interventions(interventions)  # unknown names and options fail here, before any run
    return ScenarioSpec(scenario, settings, label, tuple(checked))


def _split_head(head: str) -> tuple[str, str]:
    """SCENARIO and its settings text; a path ending in .py may itself hold ':'."""
    lower = head.lower()
    if ".py" in lower:
        end = lower.rindex(".py") + 3
        rest = head[end:].strip()
        if not rest or rest.startswith(":"):
            return head[:end].strip(), rest[1:]
    scenario, _, rest = head.partition(":")
    return scenario.strip(), rest


def _short(item) -> str:
    """``name@day`` of an intervention (string, Intervention or tuple), for a label."""
    if isinstance(item, str):
        return item.strip().split(":")[0].replace(" ", "")
    name, day = (item.name, item.day) if hasattr(item, "name") else (item[0], item[1])
    return f"{name}@{float(day):g}"


def as_specs(items) -> list[ScenarioSpec]:
    """ScenarioSpecs from specs, ``"name:key=value"`` strings or Scenarios (at least one)."""
    if isinstance(items, (str, ScenarioSpec, Scenario)):
        items = [items]
    specs = [item if isinstance(item, ScenarioSpec) else
             ScenarioSpec(item) if isinstance(item, Scenario) else parse_spec(item) for item in items or []]
    if not specs:
        raise HomeostasisError("compare: expected at least one scenario")
    labels = [spec.shown_label for spec in specs]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise HomeostasisError(f"compare: scenario label(s) {', '.join(map(repr, repeated))} given more than "
                               f"once; give each a different label=TEXT")
    return specs


def run_comparison(specs, *, days=None, times=None, step=None, variables=None, parameters=None,
                   interventions=None, start="healthy", units=None, rtol=None) -> pd.DataFrame:
    """Simulate every spec on the same time grid; return one tidy table.

    ``parameters`` and ``interventions`` apply to every run (a spec's own settings win over
    ``parameters``; its own interventions are added). ``variables`` limits the observables
    (default all); ``units`` is None (SI, as simulated), ``"si"`` or ``"clinical"``. The
    table's ``attrs`` hold ``runs`` (each run's provenance by label) and ``interventions``
    (``{label: ["name@day:key=value,...", ...]}``, which the figures mark).
    """
    from .numerics.cache import compile_model
    from .simulation.prepared import Simulation, output_times

    if parameters is not None and not isinstance(parameters, dict):
        raise TypeError(f"parameters: expected a dict {{name: value}}, got {type(parameters).__name__}")
    specs = as_specs(specs)
    common = as_interventions(interventions)
    names = None if variables is None else current_names([variables] if isinstance(variables, str) else variables)
    if names is not None:
        _check_variables(names, compile_model().observable_names)
    extra = {} if rtol is None else {"rtol": rtol}
    output_times(days, times, step)  # validate everything before the first run
    prepared = []
    for spec in specs:
        shared = [] if is_reference(spec) else common
        label = spec.shown_label
        prepared.append((label, Simulation(spec.scenario, parameters={**dict(parameters or {}), **spec.settings},
                                           interventions=shared + as_interventions(spec.interventions),
                                           start=start, **extra)))
    frames = {}
    with progress(len(prepared), "compare") as advance:
        for label, simulation in prepared:
            frames[label] = simulation.solve(days=days, times=times, step=step).to_frame(names)
            advance(label)
    combined = concat_frames(frames)
    combined.attrs["shared_interventions"] = [_short(item) for item in common]  # named so in the legend
    return convert_frame(combined, units)


def is_reference(spec: ScenarioSpec) -> bool:
    """The healthy reference line: the ``healthy`` scenario with no settings of its own."""
    return (isinstance(spec.scenario, str) and spec.scenario == REFERENCE_SCENARIO and not spec.settings
            and not spec.interventions)


def concat_frames(frames) -> pd.DataFrame:
    """Concatenate tidy frames (or Results), keeping each one's provenance and interventions.

    ``frames`` is a list, or a ``{label: frame}`` dict whose labels replace the ``scenario``
    column. Each label must be unique, because it is the hue of a figure.
    """
    if not isinstance(frames, dict):
        frames = list(frames)
        labels = [_single_label(frame) for frame in frames]
        frames = dict(zip(labels, frames)) if len(set(labels)) == len(labels) else _duplicate(labels)
    if not frames:
        raise HomeostasisError("concat_frames: expected at least one frame")
    tables, runs = [], {}
    for label, frame in frames.items():
        table = frame.to_frame() if hasattr(frame, "to_frame") else frame
        if not isinstance(table, pd.DataFrame):
            raise HomeostasisError(f"concat_frames: {label!r} is a {type(frame).__name__}, "
                                   f"not a DataFrame or Result")
        table = table.copy()
        table["scenario"] = str(label)
        tables.append(table)
        runs[str(label)] = dict(table.attrs)
    combined = pd.concat(tables, ignore_index=True)
    combined.attrs = {"homeostasis_version": __version__, "runs": runs,
                      "interventions": {label: list(run.get("interventions", [])) for label, run in runs.items()}}
    return combined


def _single_label(frame) -> str:
    table = frame.to_frame() if hasattr(frame, "to_frame") else frame
    labels = list(pd.unique(table["scenario"])) if "scenario" in getattr(table, "columns", ()) else []
    if len(labels) != 1:
        raise HomeostasisError(f"concat_frames: each frame must hold one scenario, found {labels}; "
                               f"pass a {{label: frame}} dict to name them")
    return str(labels[0])


def _duplicate(labels):
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    raise HomeostasisError(f"concat_frames: scenario {', '.join(map(repr, repeated))} appears in more than one "
                           f"frame; pass a {{label: frame}} dict to tell them apart")


def _check_variables(names, valid) -> None:
    from .errors import UnknownNameError

    if not names:
        raise HomeostasisError("variables: expected at least one variable name")
    for name in names:
        if name not in valid:
            raise UnknownNameError("variable", name, valid)


def steady_states(specs, *, variables=None, parameters=None, units=None) -> pd.DataFrame:
    """Each spec's steady state as a tidy table ``scenario, variable, value, unit``.

    ``time_days`` is 0 for every row, so the table can also be drawn or concatenated with
    time courses; ``units`` is None (SI), ``"si"`` or ``"clinical"``.
    """
    from .numerics.cache import compile_model
    from .simulation.prepared import Simulation

    specs = as_specs(specs)
    compiled = compile_model()
    all_units = dict(zip(compiled.observable_names, compiled.observable_units))
    names = list(all_units) if variables is None else current_names([variables] if isinstance(variables, str)
                                                                    else variables)
    _check_variables(names, compiled.observable_names)
    rows = []
    for spec in specs:
        settings = {**dict(parameters or {}), **spec.settings}
        values = Simulation(spec.scenario, parameters=settings, start="steady").steady_state()
        rows += [{"scenario": spec.shown_label, "time_days": 0.0, "variable": name, "value": values[name],
                  "unit": all_units[name]} for name in names]
    return convert_frame(pd.DataFrame(rows), units)


def _check_tidy(frame, where: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{where}: expected a tidy pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in ("scenario", "variable", "value", "unit") if c not in frame.columns]
    if missing:
        raise HomeostasisError(f"{where}: expected columns scenario, variable, value, unit; missing {', '.join(missing)}")
    if frame.empty:
        raise HomeostasisError(f"{where}: expected at least one row, got an empty table")


def summary_table(frame: pd.DataFrame, *, digits: int = 3) -> pd.DataFrame:
    """A table to read by eye: one row per variable (with its unit and healthy range), one
    column per scenario, each value rounded to ``digits`` significant digits and marked
    ``↑``/``↓`` when above/below the healthy range. Uses the last time of each scenario.
    """
    from .clinical_units import range_in_unit

    _check_tidy(frame, "summary_table")
    if "time_days" in frame.columns:
        frame = frame[frame["time_days"] == frame.groupby("scenario")["time_days"].transform("max")]
    scenarios, names = list(pd.unique(frame["scenario"])), list(pd.unique(frame["variable"]))
    rows = []
    for name in names:
        subset = frame[frame["variable"] == name].set_index("scenario")
        unit = str(subset["unit"].iloc[0])
        limits = range_in_unit(name, unit)
        row = {"variable": name, "unit": unit,
               "healthy range": "" if limits is None else f"{limits[0]:.{digits}g}\u2013{limits[1]:.{digits}g}"}
        for label in scenarios:
            value = float(subset.loc[label, "value"]) if label in subset.index else float("nan")
            value = 0.0 if abs(value) < ROUND_OFF else value  # not '-1.8e-15' for a zero balance
            mark = "" if limits is None else " \u2191" if value > limits[1] * (1 + 1e-9) else \
                " \u2193" if value < limits[0] * (1 - 1e-9) else ""
            row[label] = f"{value:.{digits}g}{mark}"
        rows.append(row)
    return pd.DataFrame(rows).set_index("variable")
