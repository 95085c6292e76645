"""Files the package writes: checked before any work, written atomically, never clobbered.

Every command and function that writes a file goes through here, so the promises hold
everywhere: an output path is validated (known format, existing writable folder, not an
existing file unless ``overwrite``, no two outputs naming the same file) before the first
simulation; and each file is written to a temporary file in the same folder and renamed into
place, so an interrupted run (Ctrl-C, SIGTERM, an error while writing) leaves no partial file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputExistsError, OutputPathError

TABLE_FORMATS = {".csv": "CSV", ".json": "JSON", ".parquet": "Parquet (pyarrow)"}
STDOUT = "-"


def check_output(path, *, formats=None, overwrite: bool = False, what: str = "output") -> Path:
    """``path`` as a Path, or an OutputPathError/OutputExistsError saying what is wrong.

    ``formats`` is a collection of allowed suffixes (``{".csv", ".json"}``); None allows any.
    """
    text = "" if path is None else str(path)
    if not text.strip():
        raise OutputPathError(f"{what}: expected a file name, got an empty string")
    target = Path(text)
    suffix = target.suffix.lower()
    if formats is not None and suffix not in formats:
        raise OutputPathError(f"{what} {text}: expected a file ending in {', '.join(sorted(formats))}, "
                              f"got {suffix or 'no extension'!r}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputPathError(f"{what} {text}: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise OutputPathError(f"{what} {text}: folder {str(folder)!r} is not writable")
    if target.is_dir():
        raise OutputPathError(f"{what} {text}: expected a file, got a folder")
    if target.exists() and not overwrite:
        raise OutputExistsError(f"{text} already exists; use --force (overwrite=True) to replace it")
    return target


def check_distinct(**paths) -> None:
    """Refuse two outputs that name the same file (``--out x --plot x``)."""
    seen = {}
    for option, path in paths.items():
        if path is None or str(path) == STDOUT:
            continue
        key = Path(path).resolve()
        if key in seen:
            raise OutputPathError(f"{seen[key]} and {option} name the same file {str(path)!r}")
        seen[key] = option


def write_atomically(path, write, *, overwrite: bool = False) -> Path:
    """Call ``write(temporary_path)`` and move the result to ``path`` in one step.

    The temporary file lives in the target folder (so the rename is atomic) and is removed
    if ``write`` fails or the process is interrupted.
    """
    target = Path(path)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent or ".")
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        if target.exists() and not overwrite:
            raise OutputExistsError(f"{target} already exists; use --force (overwrite=True) to replace it")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def write_text(path, text: str, *, overwrite: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically."""
    return write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"), overwrite=overwrite)


def write_table(frame, path, *, overwrite: bool = False, stdout=None) -> str:
    """Write a tidy table as CSV, JSON (records) or Parquet by extension; ``-`` is CSV on stdout.

    Returns a short description of what was written.
    """
    if str(path) == STDOUT:
        (stdout or _stdout()).write(frame.to_csv(index=False))
        return "CSV on standard output"
    target = check_output(path, formats=TABLE_FORMATS, overwrite=overwrite)
    suffix = target.suffix.lower()
    if suffix == ".parquet":
        _require_pyarrow()
        write_atomically(target, lambda t: frame.to_parquet(t, index=False), overwrite=overwrite)
    elif suffix == ".json":
        write_atomically(target, lambda t: frame.to_json(t, orient="records", indent=1), overwrite=overwrite)
    else:
        write_atomically(target, lambda t: frame.to_csv(t, index=False), overwrite=overwrite)
    return str(target)


def _stdout():
    import sys

    return sys.stdout


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise OutputPathError("writing Parquet needs pyarrow: pip install 'homeostasis[parquet]' "
                              "(or pyarrow)") from None
