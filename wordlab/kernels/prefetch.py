"""Cache hints for the training kernels: start loading rows before they are used (no effect on results).

The matrices of a large vocabulary do not fit in cache, and a step touches rows at random: issuing
the loads of all the rows a step needs before it touches any makes their cache misses overlap.
"""

from __future__ import annotations

import numpy as np
from llvmlite import binding as _llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from wordlab.kernels.jit import njit

# LLVM 15 made pointers opaque and renamed the intrinsic
_PREFETCH = "llvm.prefetch.p0" if _llvm.llvm_version_info >= (15,) else "llvm.prefetch.p0i8"


@intrinsic
def prefetch_row(typingctx, matrix, row):  # noqa: ANN001, ANN201 (Numba intrinsic)
    """Ask the CPU to start loading matrix[row, :] into cache (a hint: no effect on results).

    Issued for all the rows a step will touch before it touches any, so their cache misses
    (random rows of a matrix larger than the cache) overlap instead of arriving one by one.
    """
    if not (
        isinstance(matrix, types.Array) and matrix.ndim == 2 and isinstance(row, types.Integer)
    ):
        return None

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        aryty, rowty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        r = context.cast(builder, args[1], rowty, types.intp)
        i64, i32 = ir.IntType(64), ir.IntType(32)
        strides = cgutils.unpack_tuple(builder, ary.strides, 2)
        shape = cgutils.unpack_tuple(builder, ary.shape, 2)
        start = builder.add(builder.ptrtoint(ary.data, i64), builder.mul(r, strides[0]))
        nbytes = builder.mul(shape[1], strides[1])
        i8p = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _PREFETCH)
        step = ir.Constant(i64, 64)  # one cache line
        with cgutils.for_range_slice(builder, ir.Constant(i64, 0), nbytes, step) as (off, _):
            ptr = builder.inttoptr(builder.add(start, off), i8p)
            # read access, high temporal locality, data cache
            builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(matrix, row), codegen


@intrinsic
def prefetch_item(typingctx, array, index):  # noqa: ANN001, ANN201 (Numba intrinsic)
    """Ask the CPU to load the cache line holding array[index], bypassing outer caches (a hint)."""
    if not (
        isinstance(array, types.Array) and array.ndim == 1 and isinstance(index, types.Integer)
    ):
        return None

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        i = context.cast(builder, args[1], idxty, types.intp)
        i64, i32 = ir.IntType(64), ir.IntType(32)
        stride = cgutils.unpack_tuple(builder, ary.strides, 1)[0]
        addr = builder.add(builder.ptrtoint(ary.data, i64), builder.mul(i, stride))
        i8p = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _PREFETCH)
        ptr = builder.inttoptr(addr, i8p)
        # locality 0 (prefetchnta): the table is larger than the cache and its lines are used
        # once, so they should not evict the weight rows
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 0), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


@njit(cache=True, nogil=True, fastmath=True)
def prefetch_rows(matrix: np.ndarray, rows: np.ndarray, begin: int, end: int) -> None:
    """prefetch_row for each of rows[begin:end] (a hint: no effect on results)."""
    for d in range(begin, end):
        prefetch_row(matrix, rows[d])
