"""Building blocks: states (amounts in compartments), processes and observables.

The right-hand side is *assembled* from the processes: each process removes its rate from
its source state and adds it to its target state. A process with no source enters from
outside the body (intake, synthesis); one with no target leaves it (urine, faeces,
degradation). Mass therefore balances by construction, and :meth:`Model.boundary_flux`
names exactly the terms by which a species' body total can change.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..errors import UnknownNameError
from .symbols import TIME, P


def state_symbol(name: str) -> sp.Symbol:
    """The SymPy symbol of the state called ``name`` (the one State.symbol returns)."""
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class State:
    """One state variable: an amount (or activity) in a compartment, with every fact about it.

    ``healthy`` is its value in the healthy reference state: a number or a function of the
    calibration budget (:func:`homeostasis.model.calibration.budget`) returning a SymPy
    expression. ``slow`` marks reservoirs that change over years and are held fixed in a
    clinical steady state; ``scale_like`` names the state whose healthy size sets this one's
    tolerance when it is empty in health; ``tolerance_factor`` multiplies that size for the
    solvers' absolute tolerance only (a bounded share that acts only through a Hill factor
    need not be followed to 1e-3 of the relative tolerance of its range: see
    ``pth_exposure_duty``); ``volume`` is the parameter giving the volume its
    concentration is read in; ``surgery`` marks what parathyroidectomy removes.
    """

    name: str
    unit: str
    compartment: str
    species: str | None
    meaning: str
    healthy: object = 0
    slow: bool = False
    scale_like: str | None = None
    tolerance_factor: float = 1.0
    volume: str | None = None
    surgery: bool = False

    @property
    def symbol(self) -> sp.Symbol:
        return state_symbol(self.name)

    def healthy_expression(self, budget: dict) -> sp.Expr:
        """The healthy reference value as a SymPy expression of the parameters."""
        return sp.sympify(self.healthy(budget) if callable(self.healthy) else self.healthy)


@dataclass(frozen=True)
class Process:
    """One process: ``rate`` (in ``unit``) from ``source`` to ``target`` (state names or None)."""

    name: str
    rate: sp.Expr
    source: str | None
    target: str | None
    unit: str
    meaning: str


@dataclass(frozen=True)
class Observable:
    """A named output computed from the state, with its unit; ``aliases`` are its former names,
    still accepted (with a deprecation warning) wherever a variable is named."""

    name: str
    expression: sp.Expr
    unit: str
    meaning: str
    aliases: tuple = ()


class Model:
    """States, processes and observables; assembles the ODE right-hand side symbolically."""

    def __init__(self, states, processes, observables):
        self.states = tuple(states)
        self.processes = tuple(processes)
        self.observables = tuple(observables)
        self._check_references()

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def state_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(s.symbol for s in self.states)

    @property
    def observable_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.observables)

    @property
    def time(self) -> sp.Symbol:
        return TIME

    @property
    def parameter_symbols(self) -> tuple[sp.Symbol, ...]:
        return P.all()

    def state(self, name: str) -> State:
        for state in self.states:
            if state.name == name:
                return state
        raise UnknownNameError("state", name, self.state_names)

    def process(self, name: str) -> Process:
        for process in self.processes:
            if process.name == name:
                return process
        raise UnknownNameError("process", name, [p.name for p in self.processes])

    def observable(self, name: str) -> Observable:
        for observable in self.observables:
            if observable.name == name:
                return observable
        raise UnknownNameError("variable", name, self.observable_names)

    def derivative(self, state_name: str) -> sp.Expr:
        """d(state)/dt as the sum of inflows minus outflows."""
        inflow = [p.rate for p in self.processes if p.target == state_name]
        outflow = [p.rate for p in self.processes if p.source == state_name]
        return sp.Add(*inflow) - sp.Add(*outflow)

    def rhs(self) -> sp.Matrix:
        """The assembled right-hand side as a column vector in state order."""
        return sp.Matrix([self.derivative(name) for name in self.state_names])

    def jacobian(self) -> sp.Matrix:
        """Analytic Jacobian d(rhs)/d(state)."""
        return self.rhs().jacobian(sp.Matrix(self.state_symbols))

    def species_states(self, species: str) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if s.species == species)

    def boundary_flux(self, species: str) -> sp.Expr:
        """Net flow of ``species`` across the body boundary (entries minus exits)."""
        own = set(self.species_states(species))
        entering = [p.rate for p in self.processes if p.target in own and p.source not in own]
        leaving = [p.rate for p in self.processes if p.source in own and p.target not in own]
        return sp.Add(*entering) - sp.Add(*leaving)

    def _check_references(self) -> None:
        names = set(self.state_names)
        for process in self.processes:
            for end in (process.source, process.target):
                if end is not None and end not in names:
                    raise UnknownNameError("state", end, names)
            if process.source is None and process.target is None:
                raise ValueError(f"process {process.name}: expected a source or a target, got neither")
