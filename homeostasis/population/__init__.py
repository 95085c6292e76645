"""Virtual populations and global sensitivity on Dask.

:func:`population` draws virtual patients (scenario knobs and model parameters from bounded
distributions, or a CSV), runs them in chunks as Dask tasks and writes each finished chunk to
a Parquet dataset; :class:`PopulationResult` summarises it (percentile bands, threshold
crossings, final values, figures); :func:`sensitivity` computes Sobol indices or Morris
elementary effects with SALib on the same execution.

Dask, pyarrow and SALib are optional (``pip install 'homeostasis[dask,sensitivity]'``) and are
imported only when a population or an analysis is run.
"""

import sys
import types

from .runner import DEFAULT_VARIABLES, population
from .sampling import Distribution, parse_vary
from .sensitivity import ISHIGAMI, SensitivityResult, sensitivity
from .summaries import PERCENTILES, THRESHOLDS, PopulationResult, load_population, plot_bands

__all__ = ["DEFAULT_VARIABLES", "ISHIGAMI", "PERCENTILES", "THRESHOLDS", "Distribution", "PopulationResult",
           "SensitivityResult", "load_population", "parse_vary", "plot_bands", "population", "sensitivity"]


class _CallableModule(types.ModuleType):
    """``homeostasis.population(...)`` works even after ``import homeostasis.population``,
    which binds the name to this module on the package."""

    def __call__(self, *args, **kwargs):
        return population(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
