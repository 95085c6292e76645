"""Generate Python source from the SymPy model, through the template files in ``templates/``.

The generated functions take the state ``y`` and the whole parameter vector ``p`` as arrays,
so one generated module serves every parameter set; common subexpressions are shared within
each function. Everything the simulator needs (right-hand side, Jacobian, observables, the
derived rate constants, the healthy reference state and the facts about each state) is
generated together, as AMICI does, so nothing symbolic runs at simulation time.
"""

from __future__ import annotations

import ast
from importlib import resources
from string import Template

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter


class _Printer(PythonCodePrinter):
    """Scalar code for numba: math functions, our pos/step helpers, float literals."""

    suffix = ""

    def _print_pos(self, expr):
        return f"_pos{self.suffix}({self._print(expr.args[0])})"

    def _print_step(self, expr):
        return f"_step{self.suffix}({self._print(expr.args[0])})"

    def _print_power(self, expr):
        base, exponent = expr.args
        if exponent == 1:  # x**1 (a Hill exponent of 1 written in the model): x itself
            return f"({self._print(base)})"
        return f"_pow({self._print(base)}, {self._print(exponent)})"

    def _print_Pow(self, expr, rational=False):
        # a parameter as exponent (Hill coefficients, sharpness, resistance exponents) through
        # _pow; numbers as SymPy prints them (sqrt, 1/x, x**2.0, which LLVM folds)
        if expr.exp.is_Number:
            return super()._print_Pow(expr, rational=rational)
        return f"_pow({self._print(expr.base)}, {self._print(expr.exp)})"

    def _print_Rational(self, expr):
        return f"({float(expr.p)}/{float(expr.q)})"

    def _print_Integer(self, expr):
        return f"{float(expr)}"


class _LibmPowPrinter(_Printer):
    """The same with every power written ``**`` (libm's pow): for the Jacobian and the
    sensitivities, evaluated a few times a year or once per step, where ``_pow`` at their
    hundreds of powers only lengthened the compilation (the Jacobian's 9.5 -> 10.6 s of CPU)."""

    def _print_power(self, expr):
        base, exponent = expr.args
        return f"({self._print(base)})**({self._print(exponent)})"

    def _print_Pow(self, expr, rational=False):
        return PythonCodePrinter._print_Pow(self, expr, rational=rational)


class _PlainPrinter(_LibmPowPrinter):
    """The same expressions for plain Python (no numba): helpers with a ``_py`` suffix."""

    suffix = "_py"


def render(template: str, **fields) -> str:
    """The template file ``templates/<template>`` with its ``$fields`` filled in."""
    text = resources.files("homeostasis.numerics").joinpath("templates", template).read_text(encoding="utf-8")
    return Template(text).substitute(**fields)


def _unpack(symbols, array: str, used) -> list[str]:
    return [f"    {s.name} = {array}[{i}]" for i, s in enumerate(symbols) if s in used]


def _load(symbols, array: str, used) -> list[str]:
    """:func:`_unpack` for numba functions, through ``_at`` (see ``numerics/access.py``)."""
    return [f"    {s.name} = _at({array}, {i})" for i, s in enumerate(symbols) if s in used]


def _flat(index, shape) -> int:
    """Position of ``index`` ("i" or "i, j") in a C-contiguous array of ``shape`` (n or "(n, m)")."""
    position, extents, flat = ast.literal_eval(f"({index},)"), ast.literal_eval(f"({shape},)"), 0
    extents = extents[0] if isinstance(extents[0], tuple) else extents
    for i, extent in zip(position, extents[-len(position):]):
        flat = flat * extent + i
    return flat


def function_source(name, args, outputs, shape, model, filler, *, libm_powers=False) -> str:
    """One njit function computing ``outputs`` (a list of (index, expr)) into ``out``
    (``libm_powers``: powers as ``**``, see :class:`_LibmPowPrinter`)."""
    expressions = [expr for _, expr in outputs]
    replacements, reduced = sp.cse(expressions, symbols=sp.numbered_symbols("_c"), optimizations="basic")
    used = set().union(*(e.free_symbols for e in expressions)) if expressions else set()
    printer = (_LibmPowPrinter if libm_powers else _Printer)({"fully_qualified_modules": True})
    lines = ['@njit(cache=True, error_model="numpy")', f"def {name}({', '.join(args)}):"]
    lines += _load(model.state_symbols, "y", used)
    lines += _load(model.parameter_symbols, "p", used)
    lines += [f"    {symbol} = {printer.doprint(expr)}" for symbol, expr in replacements]
    lines.append(f"    out = np.{filler}({shape})")
    for (index, _), expr in zip(outputs, reduced):
        lines.append(f"    _put(out, {_flat(index, shape)}, {printer.doprint(expr)})")
    lines.append("    return out")
    return "\n".join(lines)


def _split_constants(model, replacements, reduced):
    """Common subexpressions that depend on parameters alone (hoisted, in order), those that
    do not (with their positions), and the hoisted ones the others or the outputs read."""
    constant = set(model.parameter_symbols)
    for symbol, expr in replacements:
        if expr.free_symbols <= constant:
            constant.add(symbol)
    hoisted = [(symbol, expr) for symbol, expr in replacements if symbol in constant]
    dynamic = [(j, symbol, expr) for j, (symbol, expr) in enumerate(replacements) if symbol not in constant]
    needed = set().union(*(e.free_symbols for _, _, e in dynamic), *(e.free_symbols for e in reduced))
    return hoisted, dynamic, [symbol for symbol, _ in hoisted if symbol in needed], needed


def _constants_source(name, model, hoisted, kept, printer) -> list[str]:
    """``name(p, k)``: the hoisted subexpressions for ``p``, the ``kept`` ones stored in ``k``."""
    lines = ['@njit(cache=True, error_model="numpy")', f"def {name}(p, k):"]
    lines += _load(model.parameter_symbols, "p", set().union(*(e.free_symbols for _, e in hoisted)))
    lines += [f"    {symbol} = {printer.doprint(expr)}" for symbol, expr in hoisted]
    lines += [f"    _put(k, {i}, {symbol})" for i, symbol in enumerate(kept)]
    return lines + ["    return None"]


def _hoisted_start(model, expressions, constants_name, signature, *, libm_powers=False):
    """The constants function and the start of the hoisted one (its unpacking of the states,
    the parameters and the constants): (lines, the non-constant subexpressions as (position,
    symbol, expression), the reduced outputs, the number of constants, the printer)."""
    replacements, reduced = sp.cse(expressions, symbols=sp.numbered_symbols("_c"), optimizations="basic")
    hoisted, dynamic, kept, needed = _split_constants(model, replacements, reduced)
    printer = (_LibmPowPrinter if libm_powers else _Printer)({"fully_qualified_modules": True})
    lines = _constants_source(constants_name, model, hoisted, kept, printer)
    lines += ["", "", '@njit(cache=True, error_model="numpy")', f"def {signature}:"]
    lines += _load(model.state_symbols, "y", needed)
    lines += _load(model.parameter_symbols, "p", needed)
    lines += [f"    {symbol} = _at(k, {i})" for i, symbol in enumerate(kept)]
    return lines, dynamic, reduced, len(kept), printer


def hoisted_rhs_source(model, rhs) -> tuple[str, int]:
    """``rhs_constants(p, k)`` and ``rhs_hoisted(t, y, p, k, out)``: the right-hand side (into
    ``out``, so that the driver allocates no array per evaluation) with its parameter-only
    subexpressions computed once per parameter vector.

    About 40 % of the right-hand side's transcendental calls (pH-dependent ion fractions,
    ``half ** hill`` of the Hill terms, logarithms of constants) depend on parameters alone; the
    driver computes them into ``k`` once per parameter vector (again after an event changes a
    parameter), and each of its ~600-900 right-hand sides per simulated year reads them back
    (0.98 -> 0.68 µs per call, bitwise the same values as ``rhs``: the same common
    subexpressions in the same order). Returns the source and the length of ``k``.
    """
    lines, dynamic, reduced, count, printer = _hoisted_start(model, rhs, "rhs_constants",
                                                            "rhs_hoisted(t, y, p, k, out)")
    lines += [f"    {symbol} = {printer.doprint(expr)}" for _, symbol, expr in dynamic]
    lines += [f"    _put(out, {index}, {printer.doprint(expr)})" for index, expr in enumerate(reduced)]
    lines.append("    return None")
    return "\n".join(lines), count


def hoisted_jacobian_source(model, entries) -> tuple[str, int]:
    """``jacobian_constants(p, k)`` and ``jacobian_values(t, y, p, k, out)``: the Jacobian's
    structural nonzeros only, row by row (``out[q]`` is the q-th entry, ``out[i, j]``, that
    ``jacobian`` writes, the order of ``sensitivity_driver.structural_pattern``), with its
    parameter-only subexpressions computed once per parameter vector, as
    :func:`hoisted_rhs_source` (bitwise the values of ``jacobian``: the same common
    subexpressions in the same order).

    The forward sensitivities need the Jacobian at every accepted step: the dense form costs
    2.0 µs there (of which zeroing the n x n array and gathering its nonzeros ~0.5 µs), this one
    ~1 µs. Plain runs, which take a Jacobian a few times a year, never compile it. Returns the
    source and the length of ``k``."""
    lines, dynamic, reduced, count, printer = _hoisted_start(model, [expr for _, expr in entries],
                                                            "jacobian_constants", "jacobian_values(t, y, p, k, out)",
                                                            libm_powers=True)
    lines += [f"    {symbol} = {printer.doprint(expr)}" for _, symbol, expr in dynamic]
    lines += [f"    _put(out, {q}, {printer.doprint(expr)})" for q, expr in enumerate(reduced)]
    lines.append("    return None")
    return "\n".join(lines), count


def hoisted_observables_source(model, expressions) -> tuple[str, int]:
    """``observe_constants(p, k)`` and ``observe_hoisted(t, y, p, k, which, need, out)``: what
    ``observe_into`` computes, with its parameter-only subexpressions (26 of its 42
    transcendental calls) computed once per parameter vector, as :func:`hoisted_rhs_source`.
    ``need`` indexes the same common subexpressions as ``observe_into``'s (``OBSERVABLE_NEEDS``).
    Returns the source and the length of ``k``."""
    lines, dynamic, reduced, count, printer = _hoisted_start(model, expressions, "observe_constants",
                                                            "observe_hoisted(t, y, p, k, which, need, out)")
    lines += [f"    {symbol} = 0.0" for _, symbol, _ in dynamic]
    for j, symbol, expr in dynamic:
        lines += [f"    if _at(need, {j}):", f"        {symbol} = {printer.doprint(expr)}"]
    lines += _selected_outputs(reduced, printer)
    return "\n".join(lines), count


def _selected_outputs(reduced, printer) -> list[str]:
    """The loop writing observable ``which[k]`` into ``out[k]``."""
    lines = ["    for k in range(which.shape[0]):", "        i = which[k]"]
    for i, expr in enumerate(reduced):
        lines += [f"        {'if' if i == 0 else 'elif'} i == {i}:", f"            out[k] = {printer.doprint(expr)}"]
    return lines

def selected_observables_source(model, expressions) -> tuple[str, tuple]:
    """``observe_into(t, y, p, which, need, out)``: only observables ``which`` into ``out``.

    The driver evaluates observables at every output time; a caller who reads three of them
    should not pay for all of them. Subexpressions are shared as in ``observables`` but each
    is computed only when ``need[j]`` says a requested observable uses it. Returns the source
    and, per observable, the subexpressions it needs (``OBSERVABLE_NEEDS``).
    """
    replacements, reduced = sp.cse(expressions, symbols=sp.numbered_symbols("_c"), optimizations="basic")
    used = set().union(*(e.free_symbols for e in expressions)) if expressions else set()
    position = {symbol: j for j, (symbol, _) in enumerate(replacements)}
    closure = []  # temporaries each temporary needs, itself included (replacements are in order)
    for symbol, expr in replacements:
        closure.append({position[symbol]}.union(*(closure[position[s]] for s in expr.free_symbols if s in position)))
    needs = tuple(tuple(sorted(set().union(*(closure[position[s]] for s in expr.free_symbols if s in position))))
                  for expr in reduced)
    printer = _Printer({"fully_qualified_modules": True})
    lines = ['@njit(cache=True, error_model="numpy")', "def observe_into(t, y, p, which, need, out):"]
    lines += _load(model.state_symbols, "y", used)
    lines += _load(model.parameter_symbols, "p", used)
    lines += [f"    {symbol} = 0.0" for symbol, _ in replacements]
    for j, (symbol, expr) in enumerate(replacements):
        lines += [f"    if _at(need, {j}):", f"        {symbol} = {printer.doprint(expr)}"]
    lines += _selected_outputs(reduced, printer)
    return "\n".join(lines), needs


def _derive_source(model, derived: dict) -> str:
    """Plain Python ``derive(p)``: the vector with every derived value computed in order."""
    printer = _PlainPrinter({"fully_qualified_modules": True})
    index = {s.name: i for i, s in enumerate(model.parameter_symbols)}
    used = set().union(*(e.free_symbols for e in derived.values())) if derived else set()
    lines = ["def derive(p):", '    """Parameter vector with the derived rate constants filled in (dependency order)."""',
             "    out = [float(v) for v in p]"]
    lines += [line for line in _unpack(model.parameter_symbols, "out", used) if line.split(" = ")[0].strip() not in derived]
    for name, expr in derived.items():
        lines.append(f"    {name} = {printer.doprint(expr)}")
        lines.append(f"    out[{index[name]}] = {name}")
    lines.append("    return np.array(out)")
    return "\n".join(lines)


def _reference_source(model, reference: dict) -> str:
    """Plain Python ``reference_state(p)``: the healthy state for a full parameter vector."""
    printer = _PlainPrinter({"fully_qualified_modules": True})
    expressions = [reference[name] for name in model.state_names]
    used = set().union(*(e.free_symbols for e in expressions))
    lines = ["def reference_state(p):", '    """The healthy reference state (exact steady state) for parameter vector p."""']
    lines += _unpack(model.parameter_symbols, "p", used)
    lines.append("    return np.array([")
    lines += [f"        {printer.doprint(expr)}," for expr in expressions]
    lines.append("    ])")
    return "\n".join(lines)


def generate_source(model, derived: dict, reference: dict) -> str:
    """Source of the compiled model module (see ``templates/model.py.tmpl``)."""
    n = len(model.states)
    rhs = list(model.rhs())
    jac = model.jacobian()
    jac_entries = [(f"{i}, {j}", jac[i, j]) for i in range(n) for j in range(n) if jac[i, j] != 0]
    obs = [o.expression for o in model.observables]
    depends = {name: tuple(sorted(s.name for s in expr.free_symbols)) for name, expr in derived.items()}
    selected, needs = selected_observables_source(model, obs)
    hoisted, constants = hoisted_rhs_source(model, rhs)
    observe_hoisted, observe_constants = hoisted_observables_source(model, obs)
    jacobian_values, jacobian_constants = hoisted_jacobian_source(model, jac_entries)
    return render(
        "model.py.tmpl",
        state_names=repr(model.state_names),
        observable_names=repr(model.observable_names),
        observable_units=repr(tuple(o.unit for o in model.observables)),
        observable_aliases=repr({alias: o.name for o in model.observables for alias in o.aliases}),
        parameter_names=repr(tuple(s.name for s in model.parameter_symbols)),
        slow_states=repr(tuple(s.name for s in model.states if s.slow)),
        surgery_states=repr(tuple(s.name for s in model.states if s.surgery)),
        scale_like=repr({s.name: s.scale_like for s in model.states if s.scale_like}),
        tolerance_factors=repr({s.name: s.tolerance_factor for s in model.states if s.tolerance_factor != 1}),
        volumes=repr({s.name: s.volume for s in model.states if s.volume}),
        derived_names=repr(tuple(derived)),
        derived_depends=repr(depends),
        rhs=function_source("rhs", ["t", "y", "p"], list(enumerate(rhs)), n, model, "empty"),
        rhs_hoisted=hoisted,
        rhs_constants=repr(constants),
        jacobian=function_source("jacobian", ["t", "y", "p"], jac_entries, f"({n}, {n})", model, "zeros",
                                 libm_powers=True),
        jacobian_values=jacobian_values,
        jacobian_constants=repr(jacobian_constants),
        jacobian_nonzeros=repr(len(jac_entries)),
        observe_into=selected,
        observe_hoisted=observe_hoisted,
        observe_constants=repr(observe_constants),
        observable_needs=repr(needs),
        derive=_derive_source(model, derived),
        reference_state=_reference_source(model, reference),
    ).rstrip() + "\n"


def _partials(rows, columns):
    out = []
    for i, expr in enumerate(rows):
        for j, symbol in enumerate(columns):
            value = sp.diff(expr, symbol)
            if value != 0:
                out.append((f"{i}, {j}", value))
    return out


def generate_sensitivity_source(model, derived: dict, reference: dict, estimated, active, chained,
                                model_module: str) -> str:
    """Source of a sensitivity module (see ``templates/sensitivities.py.tmpl``).

    ``dfdp``, ``dgdy``, ``dgdp``, ``dy0dp`` and ``dderived`` take ``(t, y, p)``; their parameter
    columns are ``active`` in order.
    """
    symbols = [sp.Symbol(name, real=True) for name in active]
    m, n = len(active), len(model.states)
    rhs = list(model.rhs())
    observables = [o.expression for o in model.observables]
    k = len(observables)
    return render(
        "sensitivities.py.tmpl",
        estimated=", ".join(estimated),
        model_module=model_module,
        active=repr(tuple(active)),
        dfdp=function_source("dfdp", ["t", "y", "p"], _partials(rhs, symbols), f"({n}, {m})", model, "zeros",
                             libm_powers=True),
        dgdy=function_source("dgdy", ["t", "y", "p"], _partials(observables, model.state_symbols), f"({k}, {n})",
                             model, "zeros", libm_powers=True),
        dgdp=function_source("dgdp", ["t", "y", "p"], _partials(observables, symbols), f"({k}, {m})", model, "zeros",
                             libm_powers=True),
        dy0dp=function_source("dy0dp", ["t", "y", "p"], _partials([reference[s] for s in model.state_names], symbols),
                              f"({n}, {m})", model, "zeros", libm_powers=True),
        dderived=function_source("dderived", ["t", "y", "p"], _partials([derived[c] for c in chained], symbols),
                                 f"({max(len(chained), 1)}, {m})", model, "zeros", libm_powers=True),
    ).rstrip() + "\n"
