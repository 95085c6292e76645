"""SBML Level 3 Version 2 export of a scenario (python-libsbml): :func:`to_sbml`.

The document holds

* one compartment per place a state lives in; a distribution volume of the parameter table
  gives its size where one exists (ECF, and the plasma hormones), otherwise its size is a
  nominal 1 L (every state is an amount, so no volume enters any rate),
* per state ``x`` (``scaled=True``, the default) a dimensionless parameter ``x_scaled`` with the
  rate rule (the state divided by its healthy typical size ``x_scale``, so every integrated
  variable is of order 1 and the one default absolute tolerance of COPASI and libroadrunner suits
  them all) and ``x`` itself, in its unit, as the assignment rule ``x_scale * x_scaled``; with
  ``scaled=False``, one species per amount state (``hasOnlySubstanceUnits``) and one parameter per
  other state (activities, relative masses), each with the rate rule. A rate rule is the assembled
  right-hand side of the package, with common subexpressions (SymPy ``cse``) as assignment rules
  ``_c0, _c1, ...``,
* one constant parameter per parameter value of the scenario (derived values included) with
  its unit, its meaning as the name and its meaning, source, kind and bounds as notes,
* one assignment rule per observable, whose id is the package's observable name; an
  observable that is a state (``parathyroid_mass``, ``mineral_*``) is that state itself, and
  the parameter ``gfr`` (the starting GFR) is exported as ``gfr_parameter`` so that ``gfr``
  is the observable,
* the interventions as events: equally spaced identical events (doses, dialysis sessions)
  become one recurring event with a counter (``<id>_next``), others one event each.

Model time is days; a steady start of a time-varying scenario (``ckd``) continues at the
time at which its steady state was found, held in the parameter ``time_offset``.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import numpy as np

from .._version import __version__
from ..errors import ParameterValueError, check_finite_number
from ..protocol.interventions import format_intervention
from ..parameters.table import parameter_table

AMOUNT_UNITS = ("mmol", "umol", "nmol", "pmol", "ng")


def to_sbml(scenario="healthy", *, parameters=None, start="healthy", interventions=None, days=365.0,
            scaled=True, shared=True) -> str:
    """SBML L3V2 text of ``scenario`` (as :func:`homeostasis.simulate` takes it, or a prepared
    :class:`~homeostasis.simulation.Simulation`, whose settings are then used as they are).

    ``parameters``: knob and parameter values or a ParameterSet; ``start``: ``"healthy"`` or
    ``"steady"`` (the initial state); ``interventions``: as for ``simulate``; ``days``: the
    end of the run, up to which repeated interventions without their own ``days`` continue;
    ``scaled``: integrate each state divided by its typical size (``x_scaled``; ``x`` stays
    available in its unit), so that other tools' default tolerances work (see the README);
    ``shared``: common subexpressions as assignment rules ``_cN`` (a small file, fast in COPASI);
    ``shared=False`` writes every rule in full (a file ten times larger that libroadrunner,
    which expands every assignment rule where it is used, loads about three times faster).
    """
    from ..model import build_model
    from ..simulation.prepared import Simulation, output_times

    prepared = scenario if isinstance(scenario, Simulation) else \
        Simulation(scenario, parameters=parameters, interventions=interventions, start=start)
    for name, flag in (("scaled", scaled), ("shared", shared)):
        if not isinstance(flag, (bool, np.bool_)):
            raise ParameterValueError(f"to_sbml {name}: expected True or False, got {flag!r}")
    chosen, parameter_set, knobs = prepared.scenario, prepared.parameter_set, prepared.knobs
    days = float(output_times(days=days)[-1])  # validated as for a simulation
    import libsbml  # noqa: F401  (imported here: ``import homeostasis`` stays fast; fails early if missing)

    y0, offset, base = prepared.initial_state, prepared.time_offset, parameter_set.as_dict()
    events = [e for e in prepared.events(days) if 0 <= e.time <= days]
    model = build_model()
    notes = [f"homeostasis {__version__}, scenario {chosen.name}: {chosen.description.strip()}",
             f"start: {prepared.start}; knobs: {knobs}; changed parameters: {parameter_set.changed()}",
             "interventions: " + (", ".join(format_intervention(i) for i in prepared.interventions) or "none"),
             "model time in days" + (f", offset by time_offset = {offset:g} days" if offset else "")]
    writer = _Writer(model, notes, scaled=bool(scaled), shared=bool(shared))
    writer.units_and_compartments(base)
    targets = _event_targets(events)
    writer.parameters(base, targets, offset)
    writer.initial_assignments(set(parameter_set.overridden_derived) | targets, offset)
    writer.states(y0, parameter_set)
    writer.rules(offset)
    writer.tolerance_hints(parameter_set)
    writer.events(events)
    return libsbml.writeSBMLToString(writer.document)


TOLERANCE_NAMESPACE = "https://homeostasis.invalid/sbml/tolerances"
RELATIVE_TOLERANCE = 1e-8  # what the package's own checks use; the hint's absolute values follow it
ABSOLUTE_PER_SCALE = 1e-3  # absolute tolerance of a state = rtol x this x its typical size


def tolerance_hints(text: str) -> tuple[float, dict[str, float]]:
    """(relative tolerance, {state: absolute tolerance}) from an export's annotation."""
    import libsbml

    model = libsbml.readSBMLFromString(text).getModel()
    node = model.getAnnotation()
    relative, absolute = None, {}
    for i in range(node.getNumChildren() if node is not None else 0):
        child = node.getChild(i)
        if child.getName() != "tolerances":
            continue
        relative = float(child.getAttrValue("relative"))
        for j in range(child.getNumChildren()):
            entry = child.getChild(j)
            if entry.getName() == "absolute":
                absolute[entry.getAttrValue("id")] = float(entry.getAttrValue("value"))
    if relative is None:
        raise ValueError("the SBML text carries no homeostasis tolerance annotation")
    return relative, absolute


def check_sbml(text: str) -> tuple[list[str], list[str]]:
    """libsbml's consistency checks (units included): (errors, warnings) as one-line texts."""
    import libsbml

    document = libsbml.readSBMLFromString(text)
    document.checkConsistency()
    errors, warnings = [], []
    for i in range(document.getNumErrors()):
        error = document.getError(i)
        line = f"{error.getErrorId()} {error.getCategoryAsString()}: {' '.join(error.getMessage().split())}"
        (errors if error.getSeverity() >= libsbml.LIBSBML_SEV_ERROR else warnings).append(line)
    return errors, warnings


def _guard_divisions(expression):
    """A Piecewise branch guarded by ``x <= 0`` may divide by ``x`` in a later branch: tools
    that evaluate every branch (COPASI) would get 0 x infinity, so the later branches divide
    by ``piecewise(x, x > 0, 1)`` instead (the GFR decline with ``gfr_decline_days = 0``)."""
    import sympy as sp

    from .sbml_math import nonzero

    def guard(piecewise):
        pieces, zero = [], []
        for value, condition in piecewise.args:
            for symbol in zero:
                value = value.xreplace({symbol: nonzero(symbol)})
            pieces.append((value, condition))
            if isinstance(condition, sp.core.relational.LessThan) and condition.lhs.is_Symbol and condition.rhs == 0:
                zero.append(condition.lhs)
        return sp.Piecewise(*pieces, evaluate=False)

    return expression.replace(lambda e: isinstance(e, sp.Piecewise), guard)


def _inline_single_use(replacements, reduced):
    """Inline every common subexpression used once (fewer assignment rules, a faster load) and
    every condition (a rule must hold a number)."""
    from collections import Counter

    import sympy as sp

    symbols = {symbol for symbol, _ in replacements}
    uses = Counter()
    for expression in [e for _, e in replacements] + list(reduced):
        uses.update(node for node in sp.preorder_traversal(expression) if node in symbols)
    inline, kept = {}, []
    for symbol, expression in replacements:
        expression = expression.xreplace(inline)
        # a condition (x <= 0, a And/Or) stays inside its piecewise: an assignment rule holds a
        # number, and COPASI reads a boolean-valued parameter as 0 whatever the condition
        if uses[symbol] <= 1 or isinstance(expression, sp.logic.boolalg.Boolean):
            inline[symbol] = expression
        else:
            kept.append((symbol, expression))
    return kept, [e.xreplace(inline) for e in reduced]


def _event_targets(events) -> set:
    names = set()
    for event in events:
        names |= event.parameters_set
    return names


def check(status, what):
    from .sbml_math import check as checked

    checked(status, what)


def parse_formula(formula, what):
    from .sbml_math import parse_formula as parsed

    return parsed(formula, what)


def add_unit_definition(model, text):
    from .sbml_math import add_unit_definition as added

    return added(model, text)


def _notes(*paragraphs) -> str:
    body = "".join(f"<p>{escape(str(p))}</p>" for p in paragraphs if p)
    return f'<body xmlns="http://www.w3.org/1999/xhtml">{body}</body>'


def _sid(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


class _Writer:
    def __init__(self, model, notes, *, scaled, shared):
        import libsbml
        self.model = model
        self.scaled, self.shared = scaled, shared
        self.document = libsbml.SBMLDocument(3, 2)
        self.sbml = self.document.createModel()
        check(self.sbml.setId("homeostasis"), "set the model id")
        check(self.sbml.setName("homeostasis: calcium and phosphate regulation"), "name the model")
        check(self.sbml.setNotes(_notes(*notes)), "write the model notes")
        self.observable_names = set(model.observable_names)
        self.rename = {n: f"{n}_parameter" for n in parameter_table() if n in self.observable_names}

    def units_and_compartments(self, base):
        check(self.sbml.setTimeUnits(add_unit_definition(self.sbml, "day")), "set the time units")
        check(self.sbml.setVolumeUnits("litre"), "set the volume units")
        table = parameter_table()
        self.compartment = {}
        for state in self.model.states:
            volume = state.volume
            identifier = volume.replace("_volume", "") if volume else "c_" + _sid(state.compartment)
            self.compartment[state.name] = identifier
            if self.sbml.getCompartment(identifier) is not None:
                continue
            c = self.sbml.createCompartment()
            check(c.setId(identifier), f"set the compartment id {identifier}")
            check(c.setName(table[volume].meaning if volume else state.compartment), "name a compartment")
            check(c.setSpatialDimensions(3), "set spatial dimensions")
            check(c.setSize(base[volume] if volume else 1.0), "set a compartment size")
            check(c.setUnits("litre"), "set compartment units")
            check(c.setConstant(True), "make a compartment constant")
            check(c.setNotes(_notes(f"volume: the parameter {volume}" if volume else
                                    "nominal size: the model tracks amounts here; no volume enters a rate")),
                  "write compartment notes")

    def parameters(self, base, changed, offset):
        for name, info in parameter_table().items():
            p = self._parameter(self.rename.get(name, name), base[name], info.unit, constant=name not in changed)
            check(p.setName(info.meaning), f"name {name}")
            check(p.setNotes(_notes(info.meaning, f"Source: {info.source}", f"Kind: {info.kind}; unit {info.unit}; "
                                    f"valid range [{info.lower:g}, {info.upper:g}]",
                                    f"Package parameter name: {name}" if name in self.rename else "")),
                  f"write the notes of {name}")
        if offset:
            self._parameter("time_offset", offset, "day").setName("model time at the start of the run")

    def initial_assignments(self, fixed, offset):
        """Derived rate constants as initial assignments of the reference values and half-lives
        they come from, so that changing one of those in another tool has its effect; a derived
        value set directly (or changed by an event) stays a plain number."""
        from ..model.calibration import derived_expressions
        from .sbml_math import FormulaPrinter

        printer = FormulaPrinter(self.model.time, "(time + time_offset)" if offset else "time", self.rename)
        for name, expression in derived_expressions().items():
            if name in fixed:
                continue
            assignment = self.sbml.createInitialAssignment()
            check(assignment.setSymbol(self.rename.get(name, name)), f"set the initial assignment of {name}")
            check(assignment.setMath(parse_formula(printer(expression), name)), f"set the derivation of {name}")

    def tolerance_hints(self, parameter_set):
        """Absolute tolerance of each integrated variable (rtol x 1e-3 x its typical size: 1e-11
        for the scaled states) as an annotation, for tools that read tolerances per variable."""
        from ..model.calibration import state_scale

        scale = np.ones(len(self.model.states)) if self.scaled else state_scale(parameter_set)
        entries = "".join(f'<homeostasis:absolute id="{self.integrated(state.name)}" value="{float(RELATIVE_TOLERANCE * ABSOLUTE_PER_SCALE * max(abs(s), 1e-12))!r}"/>'
                          for state, s in zip(self.model.states, scale))
        annotation = (f'<annotation><homeostasis:tolerances xmlns:homeostasis="{TOLERANCE_NAMESPACE}" '
                      f'relative="{RELATIVE_TOLERANCE!r}">{entries}</homeostasis:tolerances></annotation>')
        check(self.sbml.setAnnotation(annotation), "write the tolerance annotation")

    def _parameter(self, identifier, value, unit, constant=True):
        p = self.sbml.createParameter()
        check(p.setId(identifier), f"set the parameter id {identifier}")
        check(p.setValue(float(value)), f"set {identifier}")
        check(p.setUnits(add_unit_definition(self.sbml, unit)), f"set the units of {identifier}")
        check(p.setConstant(constant), f"set {identifier} constant or not")
        return p

    def integrated(self, name: str) -> str:
        """The id that carries the rate rule of state ``name``."""
        return f"{name}_scaled" if self.scaled else name

    def states(self, y0, parameter_set):
        from ..model.calibration import state_scale

        for state, value, scale in zip(self.model.states, y0, state_scale(parameter_set)):
            if self.scaled:
                self._scaled_state(state, float(value), float(scale))
                continue
            if state.unit in AMOUNT_UNITS:
                s = self.sbml.createSpecies()
                check(s.setId(state.name), f"set the species id {state.name}")
                check(s.setCompartment(self.compartment[state.name]), f"place {state.name}")
                check(s.setInitialAmount(float(value)), f"set {state.name}")
                check(s.setSubstanceUnits(add_unit_definition(self.sbml, state.unit)), f"set units of {state.name}")
                for setter in (s.setHasOnlySubstanceUnits, s.setConstant, s.setBoundaryCondition):
                    check(setter(setter == s.setHasOnlySubstanceUnits), f"set a flag of {state.name}")
            else:
                s = self._parameter(state.name, value, state.unit, constant=False)
            check(s.setName(state.meaning), f"name {state.name}")
            check(s.setNotes(_notes(state.meaning, f"unit {state.unit}; compartment {state.compartment}")),
                  f"write the notes of {state.name}")

    def _scaled_state(self, state, value, scale):
        """``x_scale`` (its healthy typical size), ``x_scaled`` (integrated, of order 1) and ``x``
        in its unit as the assignment rule ``x_scale * x_scaled``."""
        name = state.name
        self._parameter(f"{name}_scale", scale, state.unit).setName(f"typical size of {name}")
        integrated = self._parameter(f"{name}_scaled", value / scale, "dimensionless", constant=False)
        check(integrated.setName(f"{state.meaning} / {name}_scale"), f"name {name}_scaled")
        check(integrated.setNotes(_notes(f"{state.meaning}, divided by its typical size {name}_scale "
                                         f"({scale:g} {state.unit}): the variable that is integrated")),
              f"write the notes of {name}_scaled")
        physical = self._parameter(name, value, state.unit, constant=False)
        check(physical.setName(state.meaning), f"name {name}")
        check(physical.setNotes(_notes(state.meaning, f"unit {state.unit}; compartment {state.compartment}; "
                                       f"= {name}_scale * {name}_scaled")), f"write the notes of {name}")
        self._assignment(name, f"{name}_scale * {name}_scaled")

    def rules(self, offset):
        import sympy as sp

        from .sbml_math import FormulaPrinter

        printer = FormulaPrinter(self.model.time, "(time + time_offset)" if offset else "time", self.rename)
        outputs = [o for o in self.model.observables if o.name not in self.model.state_names]
        expressions = list(self.model.rhs()) + [o.expression for o in outputs]
        expressions = [_guard_divisions(e) for e in expressions]
        replacements, reduced = [], expressions
        if self.shared:
            replacements, reduced = sp.cse(expressions, symbols=sp.numbered_symbols("_c"), optimizations="basic")
            replacements, reduced = _inline_single_use(replacements, reduced)
        for symbol, expr in replacements:
            self._parameter(symbol.name, 0.0, "dimensionless", constant=False).unsetUnits()
            self._assignment(symbol.name, printer(expr))
        n = len(self.model.states)
        for state, rhs in zip(self.model.states, reduced[:n]):
            rule = self.sbml.createRateRule()
            formula = f"({printer(rhs)}) / {state.name}_scale" if self.scaled else printer(rhs)
            check(rule.setVariable(self.integrated(state.name)), f"set the rate rule variable {state.name}")
            check(rule.setMath(parse_formula(formula, state.name)), f"set the rate rule of {state.name}")
        for observable, expr in zip(outputs, reduced[n:]):
            p = self._parameter(observable.name, 0.0, observable.unit, constant=False)
            check(p.setName(observable.meaning), f"name {observable.name}")
            check(p.setNotes(_notes(observable.meaning, f"unit {observable.unit}")), f"notes of {observable.name}")
            self._assignment(observable.name, printer(expr))

    def _assignment(self, variable, formula):
        rule = self.sbml.createAssignmentRule()
        check(rule.setVariable(variable), f"set the assignment rule variable {variable}")
        check(rule.setMath(parse_formula(formula, variable)), f"set the assignment rule of {variable}")

    def events(self, events):
        groups = {}
        for order, event in enumerate(events):  # same-time events apply in this order, as in run_schedule
            groups.setdefault(event.actions, []).append((order, event))  # actions are hashable values
        count = 0
        for members in groups.values():
            times = np.array([e.time for _, e in members])
            gaps = np.diff(times)
            if len(times) >= 3 and gaps[0] > 0 and np.allclose(gaps, gaps[0], rtol=1e-9, atol=0):
                count += 1
                self._event(f"event_{count}", members[0], times, gaps[0], len(members))
            else:
                for member in members:
                    count += 1
                    self._event(f"event_{count}", member, None, None, 1)

    def _event(self, identifier, member, times, interval, repeats):
        order, event = member
        e = self.sbml.createEvent()
        check(e.setId(identifier), f"set the event id {identifier}")
        check(e.setUseValuesFromTriggerTime(True), "set useValuesFromTriggerTime")
        label = f"at day {event.time:g}" if times is None else \
            f"{repeats} times every {interval:g} days from day {times[0]:g} to {times[-1]:g}"
        check(e.setNotes(_notes(f"intervention event {label}")), "write event notes")
        trigger = e.createTrigger()
        check(trigger.setInitialValue(False), "set the trigger's initial value")
        check(trigger.setPersistent(True), "make the trigger persistent")
        if times is None:
            formula = f"time >= {event.time!r}"
        else:
            self._parameter(f"{identifier}_next", times[0], "day", constant=False).setName("time of the next repeat")
            self._parameter(f"{identifier}_last", times[-1] + 1e-6 * interval, "day").setName("last repeat")
            formula = f"(time >= {identifier}_next) && ({identifier}_next <= {identifier}_last)"
        check(trigger.setMath(parse_formula(formula, identifier)), f"set the trigger of {identifier}")
        priority = e.createPriority()
        check(priority.setMath(parse_formula(repr(float(-order)), identifier)), "set the priority")
        assignments = self._assignments(event)
        if times is not None:
            assignments[f"{identifier}_next"] = f"{identifier}_next + {float(interval)!r}"
        for variable, formula in assignments.items():
            assignment = e.createEventAssignment()
            check(assignment.setVariable(variable), f"set an assignment of {identifier}")
            check(assignment.setMath(parse_formula(formula, f"{identifier}: {variable}")), "set an assignment")

    def _assignments(self, event) -> dict:
        """Each action's SBML assignments (``Action.sbml``), with parameters renamed as exported;
        a state is changed through its integrated, scaled variable when the export is scaled."""
        out = {self.rename.get(name, name): formula for name, formula in event.sbml_assignments().items()}
        if self.scaled:
            states = set(self.model.state_names)
            out = {(f"{k}_scaled" if k in states else k): (f"({v}) / {k}_scale" if k in states else v)
                   for k, v in out.items()}
        return out


def observable_errors(result, columns, names=None) -> dict[str, float]:
    """Largest difference of each observable between another tool's ``columns`` (by SBML id,
    in the package's units) and the package's ``result``, relative to the observable's scale:
    its largest value; for ``bone_ca_balance`` the size of its terms (bone formation); for
    deposits, BMD changes (per cent) and fractions that are ~0 in health, their scale of 1."""
    names = list(names if names is not None else result.observable_names)
    floors = {"bone_ca_balance": float(np.max(np.abs(result["bone_formation"])))}
    floors.update({n: 1.0 for n in names if n.startswith(("mineral_", "bmd_"))
                   or n in ("vsmc_osteogenic", "parathyroid_mass")})
    errors = {}
    for name in names:
        ours, theirs = np.asarray(result[name], float), np.asarray(columns[name], float)
        scale = max(float(np.max(np.abs(ours))), floors.get(name, 0.0), 1e-300)
        errors[name] = float(np.max(np.abs(theirs - ours))) / scale
    return errors
