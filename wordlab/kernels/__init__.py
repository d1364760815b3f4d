"""Compiled Numba kernels: plain arrays in and out, no Python objects, `nogil` for the threads.

Loading a cached kernel costs no compiler set-up: numba's cache loader first "refreshes" the
compiling context, importing and registering every implementation numba has (arrays, math,
random, typed containers, ...; about 0.2 s, most of a tiny command's start-up), though machine
code read from the cache needs none of them, only numba's runtime (its memory allocator). Here a
cache load initialises just the runtime; a kernel that is not cached is compiled as before, and
compiling refreshes the context itself.

Editing a kernel: numba's on-disk cache (`cache=True`) checks only the file of the function it
caches, so a kernel that calls an edited function of another file keeps its old machine code.
Delete the `*.nbi`/`*.nbc` files under wordlab/kernels/__pycache__ after editing. (Installs are
not affected: installing a version rewrites every file, so every cache entry is stale.)
"""

from __future__ import annotations


def _load_cached_kernels_lightly() -> None:
    from numba.core.caching import Cache
    from numba.core.runtime import rtsys

    if not all(hasattr(Cache, n) for n in ("_load_overload", "_guard_against_spurious_io_errors")):
        return  # another numba than the loader was written for: keep numba's own

    def load_overload(self, sig, target_context):  # numba's, less the context refresh
        rtsys.initialize(target_context)
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)

    Cache.load_overload = load_overload


_load_cached_kernels_lightly()
