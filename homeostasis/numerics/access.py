"""Loads and stores at constant positions of contiguous arrays, for the generated model code.

The generated functions read every state, parameter and hoisted constant they use from an array
at a literal position and write each output at one (~500 such accesses in ``rhs_hoisted``, ~700
in ``jacobian``). numba types and lowers ``a[i]`` through its general indexing (negative-index
wrap-around, any layout, slices): about 3.6 ms of compile CPU per read and 3.8 ms per write on
this machine, against 1.7 and 2.4 ms through :func:`_at` and :func:`_put` (a pointer offset and
one load or store; `benchmarks/compile_functions.py`). The values are the same loads and
stores, so results are bitwise those of ``a[i]``. Only C-contiguous arrays are accepted (a
two-dimensional one indexed by its flat position) and the positions are the generator's own,
never negative or out of range.
"""

from numba import types
from numba.extending import intrinsic


def _contiguous(array) -> bool:
    return isinstance(array, types.Array) and array.layout == "C"


def _pointer(context, builder, array_type, array, index):
    data = context.make_array(array_type)(context, builder, array).data
    return builder.gep(data, [index])


@intrinsic
def _at(typingctx, array, index):
    """``array.flat[index]`` of a C-contiguous array (``index`` within range, not negative)."""
    if not (_contiguous(array) and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, signature, arguments):
        pointer = _pointer(context, builder, signature.args[0], arguments[0], arguments[1])
        return context.unpack_value(builder, signature.args[0].dtype, pointer)

    return array.dtype(array, types.intp), codegen


@intrinsic
def _put(typingctx, array, index, value):
    """``array.flat[index] = value`` of a C-contiguous array (``index`` within range; ``value``
    cast to the array's type as ``array[index] = value`` casts it, a comparison to 0.0 or 1.0)."""
    scalar = isinstance(value, (types.Number, types.Boolean))
    if not (_contiguous(array) and isinstance(index, types.Integer) and scalar):
        return None

    def codegen(context, builder, signature, arguments):
        array_type = signature.args[0]
        pointer = _pointer(context, builder, array_type, arguments[0], arguments[1])
        stored = context.cast(builder, arguments[2], signature.args[2], array_type.dtype)
        context.pack_value(builder, array_type.dtype, stored, pointer)
        return context.get_dummy_value()

    return types.none(array, types.intp, types.unliteral(value)), codegen
