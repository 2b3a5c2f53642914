"""Matrix views into flat buffers that hold no reference: the compiled kernels' per-step products and loops.

Every numba array view (a slice, a reshape, an item of a list of arrays, ``a.T``) carries the owner's memory
record, and making or dropping one is an atomic reference-count update. The kernels made ~20-60 such views per
step, and those updates measured 27% of the BLAS kernel's time at d = 16 and 26% of the loop kernel's at
d = 4 (perf, one thread). :func:`block` builds the same view without the record: no update, no ownership.

Contract for callers: the buffer a block views must stay alive while the block is used (the kernels keep the
owning arrays as named locals live across their whole step loop; a block of a temporary, ``block(np.arange(n),
...)``, reads freed memory), a block must not leave the kernel, and a block must not be the target of an array
expression (``block(...)[:, :] = x``) inside a ``prange`` loop: numba's parfor pass turns that into a nested
parallel loop and miscompiled it here (wrong results with two threads); the kernels copy with explicit loops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from numba import types
from numba.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array


@intrinsic
def _block(typingctx: Any, base: Any, start: Any, rows: Any, cols: Any) -> Any:  # noqa: ARG001
    """``base[start : start + rows * cols].reshape(rows, cols)``, C-contiguous, holding no reference to ``base``.

    ``base`` is a contiguous 1-d array; nothing is checked (the kernels compute every offset from the model's
    shapes, which :mod:`theorycheck.dynamics._inputs` has validated).
    """
    if not (isinstance(base, types.Array) and base.ndim == 1 and base.layout == "C"):
        return None  # a typing error: blocks view contiguous 1-d buffers only
    view = types.Array(base.dtype, 2, "C")

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        base_value, start_value, rows_value, cols_value = args
        source = make_array(signature.args[0])(context, builder, base_value)  # type: ignore[no-untyped-call]
        out = make_array(view)(context, builder)  # type: ignore[no-untyped-call]
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(base.dtype)))
        populate_array(  # type: ignore[no-untyped-call]
            out,
            data=builder.gep(source.data, [start_value]),
            shape=[rows_value, cols_value],
            strides=[builder.mul(cols_value, itemsize), itemsize],
            itemsize=itemsize,
            meminfo=None,  # no owner: the caller keeps base alive (module docstring)
        )
        return out._getvalue()  # noqa: SLF001  # numba's documented way to hand a built struct back

    return view(base, types.intp, types.intp, types.intp), codegen


#: :func:`_block` as the kernels call it (``block(base, start, rows, cols)``; numba supplies the typing context)
block = cast("Callable[[Any, Any, Any, Any], Any]", _block)
