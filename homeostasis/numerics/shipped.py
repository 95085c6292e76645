"""The generated model source shipped with the package, so a first run skips SymPy.

Building the model with SymPy and generating its code takes ~15-30 s, the larger part of a
first run on a fresh machine. The generated text depends only on the model's source files,
the code templates and the parameter table, so it is generated once by the developers and
shipped in ``numerics/generated/model.py.txt`` with a header naming the hash of those inputs.
:func:`homeostasis.numerics.cache.compile_model` uses it when the hash matches (numba then
only compiles it) and generates the code with SymPy otherwise. After changing the model,
regenerate it with::

    python -m homeostasis.numerics.shipped

``tests/test_driver.py`` fails when the shipped file is stale.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

HEADER = "# homeostasis generated model, inputs "


def inputs_key() -> str:
    """Hash of the files the generated model text is made from (no library versions)."""
    from ..parameters.table import parameter_names

    digest = hashlib.sha256()
    package = resources.files("homeostasis")
    for folder, names in (("numerics", ("codegen.py",)), ("model", None)):
        for file in sorted(package.joinpath(folder).iterdir(), key=lambda f: f.name):
            if file.name.endswith(".py") and (names is None or file.name in names):
                digest.update(file.read_bytes())
    for file in sorted(package.joinpath("numerics", "templates").iterdir(), key=lambda f: f.name):
        if file.name.endswith(".tmpl"):
            digest.update(file.read_bytes())
    digest.update(",".join(parameter_names()).encode())
    return digest.hexdigest()[:20]


def shipped_path() -> Path:
    return Path(str(resources.files("homeostasis.numerics").joinpath("generated", "model.py.txt")))


def shipped_key() -> str | None:
    """The inputs hash recorded in the shipped file, or None without one."""
    try:
        with shipped_path().open(encoding="utf-8") as handle:
            first = handle.readline()
    except OSError:
        return None
    return first[len(HEADER):].strip() if first.startswith(HEADER) else None


def shipped_source() -> str | None:
    """The shipped generated source when it matches the current model, else None."""
    if shipped_key() != inputs_key():
        return None
    return shipped_path().read_text(encoding="utf-8").partition("\n")[2]


def generate_model_source() -> str:
    """Build the model with SymPy and generate its code."""
    from ..model import build_model
    from ..model.calibration import derived_expressions, reference_state_expressions
    from .codegen import generate_source

    return generate_source(build_model(), derived_expressions(), reference_state_expressions())


def model_source() -> str:
    """The shipped source when it matches the current model, else generated with SymPy now."""
    return shipped_source() or generate_model_source()


def regenerate() -> Path:
    """Generate the model source with SymPy and write the shipped file (developer command)."""
    path = shipped_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{HEADER}{inputs_key()}\n{generate_model_source()}", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote {regenerate()}")
