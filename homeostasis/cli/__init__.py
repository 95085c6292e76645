"""The command line: one parser and one function per command (``homeostasis --help``)."""

from .main import main

__all__ = ["main"]
