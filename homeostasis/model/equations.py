"""The model's equations as text, rendered from the same SymPy objects that are compiled.

Each state's balance is written as a sum of named processes (inflows minus outflows), and each
process is then given with its SymPy rate expression. Because the text is generated from
:func:`homeostasis.model.build_model`, it can never drift from the code that is solved.
"""

from __future__ import annotations

import sympy as sp

from . import build_model


def equations_text(latex: bool = False) -> str:
    """Every state's ODE, every process's rate expression and every observable, as one string.

    Plain text uses SymPy's one-line ``str`` form (the rate expressions are too long for
    two-dimensional pretty printing); ``latex=True`` gives ``\\[ ... \\]`` display equations
    with ``%`` comment headings, ready to paste into a LaTeX document or a notebook.
    """
    model = build_model()
    writer = _LatexWriter(model) if latex else _PlainWriter()
    lines = [writer.heading("Balance equations: d state/dt = inflows - outflows (processes named below)")]
    lines += [writer.balance(state, *_process_names(model, state.name)) for state in model.states]
    lines.append(writer.heading("Processes: rate expressions (parameters and states by name, t in days)"))
    lines += [writer.definition(p.name, f"[{p.unit}] ({_route(p)}): {p.meaning}", p.rate)
              for p in model.processes]
    lines.append(writer.heading("Observables"))
    lines += [writer.definition(o.name, f"[{o.unit}]: {o.meaning}", o.expression) for o in model.observables]
    return "\n".join(lines).lstrip("\n") + "\n"


def _process_names(model, state_name: str) -> tuple[list[str], list[str]]:
    """Names of the processes flowing into and out of one state."""
    inflows = [p.name for p in model.processes if p.target == state_name]
    outflows = [p.name for p in model.processes if p.source == state_name]
    return inflows, outflows


def _signed_sum(inflows: list[str], outflows: list[str]) -> str:
    """'a + b - c - d' from name lists ('0' when nothing flows)."""
    text = " + ".join(inflows)
    for name in outflows:
        text = f"{text} - {name}" if text else f"-{name}"
    return text or "0"


def _per_day(unit: str) -> str:
    return "1/day" if unit == "dimensionless" else f"{unit}/day"


def _route(process) -> str:
    """'source -> target', with 'outside' for a process across the body boundary."""
    return " -> ".join(end if end is not None else "outside" for end in (process.source, process.target))


class _PlainWriter:
    """Plain-text rendering, one equation per line, indented under section headings."""

    def heading(self, title: str) -> str:
        return f"\n{title}\n{'-' * len(title)}"

    def balance(self, state, inflows, outflows) -> str:
        return f"d {state.name}/dt = {_signed_sum(inflows, outflows)}    [{_per_day(state.unit)}]"

    def definition(self, name: str, description: str, expression) -> str:
        return f"{name} {description}\n    = {sp.sstr(expression)}"


class _LatexWriter:
    """LaTeX rendering; names keep their underscores (``\\mathrm{ca\\_ecf}``) instead of
    SymPy's default of turning ``ca_ecf`` into a subscript."""

    def __init__(self, model):
        expressions = [p.rate for p in model.processes] + [o.expression for o in model.observables]
        symbols = set().union(*(expression.free_symbols for expression in expressions))
        self._symbol_names = {symbol: self.name(symbol.name) for symbol in symbols if symbol.name != "t"}

    @staticmethod
    def name(text: str) -> str:
        return r"\mathrm{" + text.replace("_", r"\_") + "}"

    def heading(self, title: str) -> str:
        return f"\n% {title}"

    def balance(self, state, inflows, outflows) -> str:
        named = _signed_sum([self.name(n) for n in inflows], [self.name(n) for n in outflows])
        return rf"\[ \frac{{d\,{self.name(state.name)}}}{{dt}} = {named} \]"

    def definition(self, name: str, description: str, expression) -> str:
        rendered = sp.latex(expression, symbol_names=self._symbol_names)
        return f"% {name} {description}\n" + rf"\[ {self.name(name)} = {rendered} \]"
