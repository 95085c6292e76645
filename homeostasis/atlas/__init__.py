"""The validation atlas: published human experiments, rerun through the public API and scored.

Each record (``experiments/<id>.toml`` + ``<id>.csv``) says what was done, what was measured and
when the model counts as agreeing. :func:`validate` runs them all; :func:`summary` scores them by
mechanism and split; :func:`write_report` draws one figure per experiment. matplotlib is only
imported when a report is written.
"""

from .records import Experiment, load_atlas


def __getattr__(name):
    if name in ("run_experiment", "summary", "validate"):  # the runner needs pandas: imported on use
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'homeostasis.atlas' has no attribute {name!r}")


def write_report(frame, directory, *, force=False):
    """Write ``index.md``, ``index.html`` and ``figures/<id>.png`` (see :mod:`homeostasis.atlas.report`)."""
    from .report import write_report as write

    return write(frame, directory, force=force)


__all__ = ["Experiment", "load_atlas", "run_experiment", "summary", "validate", "write_report"]
