"""Parameter estimation with exact (forward-sensitivity) gradients, pyPESTO multistart and profile
likelihoods: :func:`fit` and :class:`FitResult`."""

from .data import validate_data
from .fit import FitResult, IdentifiabilityWarning, fit

__all__ = ["FitResult", "IdentifiabilityWarning", "fit", "validate_data"]
