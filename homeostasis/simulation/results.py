"""Simulation results as arrays and as a tidy pandas DataFrame carrying provenance."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import UnknownNameError
from ..numerics.cache import compile_model


def current_names(names) -> list:
    """Variable names with renamed observables' former names replaced (each with a warning)."""
    compiled = compile_model()
    return [compiled.current_name(name) for name in names]


class ObservableValues(dict):
    """``{observable: value}`` that still answers to an observable's former name (warning)."""

    def __missing__(self, name):
        current = compile_model().current_name(name)
        if current == name:
            raise KeyError(name)
        return self[current]


@dataclass(frozen=True)
class Result:
    """Output of :func:`homeostasis.simulate`: time courses of states and observables.

    ``times`` are in days. ``observables`` has one column per name in ``observable_names``.
    """

    scenario: str
    times: np.ndarray
    states: np.ndarray
    observables: np.ndarray
    state_names: tuple
    observable_names: tuple
    observable_units: tuple
    parameters: dict
    metadata: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        """Time course of one observable (or state) by name."""
        name = compile_model().current_name(name)
        if name in self.observable_names:
            return self.observables[:, self.observable_names.index(name)]
        if name in self.state_names:
            return self.states[:, self.state_names.index(name)]
        raise UnknownNameError("variable", name, self.observable_names + self.state_names)

    def unit(self, name: str) -> str:
        name = compile_model().current_name(name)
        if name not in self.observable_names:
            raise UnknownNameError("variable", name, self.observable_names)
        return self.observable_units[self.observable_names.index(name)]

    def final(self) -> dict[str, float]:
        """Observable values at the last output time."""
        return ObservableValues(zip(self.observable_names, self.observables[-1].tolist()))

    def to_frame(self, variables=None):
        """Tidy table with columns ``scenario, time_days, variable, value, unit``.

        ``attrs`` carries the package version, the scenario, the parameter values and the
        solver settings, so a saved table says how it was made.
        """
        names = list(self.observable_names) if variables is None else list(variables)
        for name in names:
            self.unit(name)  # validates the name
        columns = [self.observable_names.index(n) for n in names]
        n_times = len(self.times)
        import pandas as pd  # only tables need pandas; simulate() does not

        frame = pd.DataFrame({
            "scenario": self.scenario,
            "time_days": np.tile(self.times, len(names)),
            "variable": np.repeat(names, n_times),
            "value": self.observables[:, columns].T.reshape(-1),
            "unit": np.repeat([self.observable_units[c] for c in columns], n_times),
        })
        frame.attrs.update(self.provenance())
        return frame

    def provenance(self) -> dict:
        return {"scenario": self.scenario, "parameters": dict(self.parameters), **self.metadata}

    def __repr__(self) -> str:
        return (f"Result(scenario={self.scenario!r}, {len(self.times)} times from {self.times[0]:g} "
                f"to {self.times[-1]:g} days, {len(self.observable_names)} observables)")
