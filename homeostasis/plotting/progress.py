"""Progress on a terminal: one line on stderr, rewritten in place, only when stderr is a TTY
(a pipe, a log file or a test sees nothing)."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

MIN_SECONDS = 0.5  # a run shorter than this shows nothing


@contextmanager
def progress(total: int, what: str, *, stream=None):
    """``with progress(n, "compare") as advance: ... advance(label)`` after each of n steps."""
    stream = sys.stderr if stream is None else stream
    shown = bool(getattr(stream, "isatty", lambda: False)()) and total > 1
    start, done = time.perf_counter(), [0]

    def advance(label: str = "") -> None:
        done[0] += 1
        if shown and time.perf_counter() - start > MIN_SECONDS or shown and done[0] < total:
            stream.write(f"\r{what}: {done[0]}/{total} {label}"[:120].ljust(80))
            stream.flush()

    try:
        yield advance
    finally:
        if shown and done[0]:
            stream.write(f"\r{what}: {done[0]}/{total} done in {time.perf_counter() - start:.1f} s".ljust(80) + "\n")
            stream.flush()


LONG_RUN_DAYS = 3650.0  # a run this long (about ten years) says what it is doing on a terminal


@contextmanager
def announced(what: str, *, stream=None, show: bool = True):
    """One line on a terminal ("ckd: simulating 3652 days ... done in 4.1 s") around a long step."""
    stream = sys.stderr if stream is None else stream
    shown = show and bool(getattr(stream, "isatty", lambda: False)())
    start = time.perf_counter()
    if shown:
        stream.write(f"{what} ...")
        stream.flush()
    try:
        yield
    finally:
        if shown:
            stream.write(f" done in {time.perf_counter() - start:.1f} s\n")
            stream.flush()
