"""Compiled Numba kernels: plain arrays in and out, no Python objects, `nogil` for the threads.

Importing this package first spares every process numba's start-up check for a BLAS: when numba
loads its array functions it imports SciPy's BLAS bindings just to note that `np.dot` could be
compiled, which costs a fifth of a second of SciPy start-up in every short command. No wordlab
kernel calls BLAS; should one ever do, numba's own check still runs when that kernel compiles.

Editing a kernel: numba's on-disk cache (`cache=True`) checks only the file of the function it
caches, so a kernel that calls an edited function of another file keeps its old machine code.
Delete the `*.nbi`/`*.nbc` files under wordlab/kernels/__pycache__ after editing. (Installs are
not affected: installing a version rewrites every file, so every cache entry is stale.)
"""

from __future__ import annotations

import sys


def _skip_blas_check_at_startup() -> None:
    if "numba.np.arraymath" in sys.modules:
        return
    import numba.np.linalg as linalg

    check = linalg.ensure_blas
    linalg.ensure_blas = lambda: None  # what numba.np.arraymath runs at import time
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        linalg.ensure_blas = check


_skip_blas_check_at_startup()
