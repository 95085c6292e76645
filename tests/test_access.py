"""The generated code's constant-position loads and stores (``homeostasis.numerics.access``)."""

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from homeostasis.numerics.access import _at, _put


@njit
def _copy_through(source, flags, target, matrix):
    # what the generated functions do: literal positions, a comparison stored as a float
    _put(target, 0, _at(source, 2) * 2.0)
    _put(target, 1, _at(source, 0) > 0.5)
    _put(matrix, 5, _at(source, 1))  # (1, 2) of a 2 x 3 array
    return _at(flags, 1)


def test_loads_and_stores_match_indexing():
    source, flags = np.array([0.25, -3.5, 7.0]), np.array([False, True])
    target, matrix = np.full(2, np.nan), np.zeros((2, 3))
    flag = _copy_through(source, flags, target, matrix)
    np.testing.assert_array_equal(target, [14.0, 0.0])
    np.testing.assert_array_equal(matrix, [[0.0, 0.0, 0.0], [0.0, 0.0, -3.5]])
    assert flag is True


def test_a_strided_array_is_refused():
    @njit
    def load(array):
        return _at(array, 1)

    with pytest.raises(TypingError):
        load(np.arange(6.0)[::2])


def test_the_compiled_model_accepts_strided_states():
    """A state taken as a column of a 2-D array (not contiguous) gives the same derivatives and
    Jacobian as its contiguous copy: the compiled model's entry points copy it first."""
    from homeostasis.numerics.cache import compile_model
    from homeostasis.parameters import ParameterSet

    compiled = compile_model()
    p = compiled.derive(ParameterSet.default().vector)
    y = compiled.reference_state(p) * 1.01
    columns = np.stack([y, 2 * y], axis=1)
    np.testing.assert_allclose(compiled.rhs(0.0, columns[:, 0], p), compiled.rhs(0.0, y, p), rtol=0, atol=0)
    np.testing.assert_allclose(compiled.jacobian(0.0, columns[:, 0], p), compiled.jacobian(0.0, y, p),
                               rtol=0, atol=0)
