"""The package's layout: no import cycles (late imports included), no prefix families, and a
cheap ``import homeostasis``."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import homeostasis

PACKAGE = Path(homeostasis.__file__).parent
SCENARIOS = Path(homeostasis.scenarios.__file__).parent if hasattr(homeostasis, "scenarios") else None


def _module_files():
    import homeostasis.scenarios as scenarios

    files = {}
    for root, prefix in ((PACKAGE, "homeostasis"), (Path(scenarios.__file__).parent, "homeostasis.scenarios")):
        for path in root.rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join([prefix, *parts])
            files[name] = path
    return files


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def import_graph() -> dict[str, set[str]]:
    """module -> package modules it imports, at module level or inside functions."""
    files = _module_files()
    graph = defaultdict(set)
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                source = _resolve(module, is_package, node.level, node.module) if node.level else node.module
                if not source or not source.startswith("homeostasis"):
                    continue
                for alias in node.names:  # "from . import x" may name a submodule
                    candidate = f"{source}.{alias.name}"
                    graph[module].add(candidate if candidate in files else source)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("homeostasis"):
                        graph[module].add(alias.name)
    return {m: {t for t in targets if t in files and t != m} for m, targets in graph.items()}


def find_cycle(graph):
    """One cycle as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_import_graph_has_no_cycles_even_with_late_imports():
    graph = import_graph()
    assert len(graph) > 40  # the check sees the whole package
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_prefix_families_at_the_top_level():
    """Families of modules are folders (cli/, plotting/, export/, protocol/), not name prefixes."""
    names = [p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")]
    prefixes = defaultdict(list)
    for name in names:
        prefixes[name.split("_")[0]].append(name)
    families = {prefix: members for prefix, members in prefixes.items() if len(members) > 1}
    assert families == {}, families


def test_importing_the_package_imports_neither_sympy_pandas_nor_matplotlib():
    code = ("import sys, homeostasis; heavy = [m for m in ('sympy', 'pandas', 'matplotlib', 'scipy') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_a_warm_simulation_needs_no_sympy_or_pandas():
    homeostasis.simulate("healthy", days=1)  # the compiled model is in the cache now
    code = ("import sys, homeostasis; homeostasis.simulate('healthy', days=1); "
            "print(','.join(m for m in ('sympy', 'pandas', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
