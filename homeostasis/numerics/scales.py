"""The typical size of each state, the one rule both the SymPy model
(:func:`homeostasis.model.calibration.state_scale`) and the compiled model
(:meth:`homeostasis.numerics.cache.CompiledModel.scale_from`) apply. NumPy only, so the compiled
path uses it without importing SymPy."""

from __future__ import annotations

import numpy as np


def scale_from_healthy(healthy, names, scale_like: dict, tolerance_factors: dict | None = None) -> np.ndarray:
    """Typical size of each state (no zeros) from its healthy value ``healthy`` (not changed).

    A pool empty in health (adenoma, drug, a share that is 0 in health) takes the size of the state
    ``scale_like`` names for it (``State.scale_like``), or 1; ``tolerance_factors`` (name -> factor,
    ``State.tolerance_factor``) then multiplies the sizes that only set the solvers' absolute
    tolerance (after every empty pool has taken its analogue's size, so the analogue keeps its own).
    """
    scale = np.array(healthy, dtype=float)
    index = {name: i for i, name in enumerate(names)}
    for i, name in enumerate(names):
        if scale[i] <= 0:
            other = scale_like.get(name)
            scale[i] = scale[index[other]] if other else 1.0
    for name, factor in (tolerance_factors or {}).items():
        scale[index[name]] *= factor
    return scale
