"""Parameter estimation with exact (forward-sensitivity) gradients: :func:`fit` and :class:`FitResult`."""

from .data import validate_data
from .fit import FitResult, fit

__all__ = ["FitResult", "fit", "validate_data"]
