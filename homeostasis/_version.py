"""The installed version, read once from the package metadata (no back-imports of the package)."""

from importlib import metadata

try:
    __version__ = metadata.version("homeostasis")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
