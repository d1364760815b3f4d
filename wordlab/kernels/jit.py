"""numba's `njit` for every kernel module, with cached kernels loaded without compiler set-up.

Loading a cached kernel costs no compiler set-up: numba's cache loader first "refreshes" the
compiling context, importing and registering every implementation numba has (arrays, math,
random, typed containers, ...; about 0.2 s, most of a tiny command's start-up), though machine
code read from the cache needs none of them, only numba's runtime (its memory allocator). Here a
cache load initialises just the runtime; a kernel that is not cached is compiled as before, and
compiling refreshes the context itself. Importing this module imports numba, so the package
itself does not (see wordlab.kernels.ahead for the commands that run without it).
"""

from __future__ import annotations

from numba import njit
from numba.core.caching import Cache
from numba.core.runtime import rtsys

__all__ = ["njit"]


def _load_cached_kernels_lightly() -> None:
    if not all(hasattr(Cache, n) for n in ("_load_overload", "_guard_against_spurious_io_errors")):
        return  # another numba than the loader was written for: keep numba's own

    def load_overload(self, sig, target_context):  # numba's, less the context refresh
        rtsys.initialize(target_context)
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)

    Cache.load_overload = load_overload


_load_cached_kernels_lightly()
